"""Non-recours in the back office (issue 14, item 5), both roles: per class, the school's
collège pupils with no consent to the automatic examination and no request this school year
(`records/non_recours.py`), the list (filtered by class), and « Envoyer le rappel »: once per
campaign, while it is open, a fixed text (`documents/reminder.py`) to those families'
responsables — by SMS to each mobile, by e-mail to each confirmed address, once per number and
address whatever the number of children — recorded with its journal entry in the transaction
that sends its SMS and queues its e-mails (`records/reminders.py`); the e-mails leave once that
is saved, and the reminder counts them as the queue sends or gives them up. A second sending is
refused (409) with the first's date and author; the page then says when, by whom and how many
messages left (and how many e-mails wait for a new try)."""

from __future__ import annotations

from flask import flash, request, url_for

from documents.reminder import reminder_email, reminder_sms
from records import non_recours, reminders, school
from records.reminders import AlreadySent, Sent
from records.teleservices import BOURSE, service_of
from rules.mail_retry import staff_mails_not_yet_sent
from views.admin import admin_page, bp, paginate, staff_required
from views.admin_bourse import school_year
from views.journey import now
from views.rendering import leave_to
from views.sending import mail_after_commit, send_sms
from views.unit import commit, tx

PER_PAGE = 50
NOBODY = "Aucune famille n'est à relancer : chaque élève a une demande ou un accord."
NOT_OPEN = (
    "La campagne de bourse n'est pas ouverte : le rappel s'envoie pendant la campagne, pour "
    "que les familles aient le temps de faire leur demande."
)


def texts(staff: dict, campaign) -> dict:
    """The reminder's SMS and e-mail, as they will leave."""
    name = school.school_name(tx(), staff["uai"])
    url = url_for("services.home", _external=True)
    simulator = url_for("simulator.show", _external=True)
    annee = school_year()
    subject, body = reminder_email(name, annee, campaign.end, url, simulator)
    return {"sms": reminder_sms(annee, campaign.end, url), "subject": subject, "body": body}


def non_recours_page(staff: dict, status: int = 200, block: str = "resultats", **context):
    """The page, or for htmx its list (`block`); a refused sending answers the whole page
    ("main" is no block of its own), whose alert says why."""
    annee = school_year()
    found = non_recours.of_school(tx(), staff["uai"], annee)
    classe = request.args.get("classe", "")
    classe = classe if classe in found.classes else ""
    kept = [pupil for pupil in found.pupils if not classe or pupil.eleve["classe"] == classe]
    campaign = service_of(tx(), staff["uai"], BOURSE, now().date())
    sent = reminders.of_campaign(tx(), staff["uai"], annee)
    return admin_page(
        "non_recours",
        block,
        "Familles sans demande de bourse",
        staff,
        status,
        annee=annee,
        found=found,
        classe=classe,
        page=paginate(kept, PER_PAGE, {"classe": classe}),
        campaign=campaign,
        sent=sent,
        mails_waiting=reminders.mails_waiting(sent) if sent else 0,
        message=texts(staff, campaign) if campaign.open else None,
        not_open=NOT_OPEN,
        nobody=NOBODY,
        **context,
    )


@bp.get("/bourses/non-recours")
@staff_required
def non_recours_list(staff):
    return non_recours_page(staff)


@bp.post("/bourses/non-recours/rappel")
@staff_required
def send_reminder(staff):
    annee = school_year()
    campaign = service_of(tx(), staff["uai"], BOURSE, now().date())
    found = non_recours.of_school(tx(), staff["uai"], annee)
    refusal = refusal_of(reminders.of_campaign(tx(), staff["uai"], annee), campaign, found)
    if refusal:
        return non_recours_page(staff, 409, "main", failure=refusal)
    message = texts(staff, campaign)
    recipients = found.recipients()
    addresses = sorted({one.email for one in recipients if one.email})
    try:
        row = reminders.send_once(
            tx(), staff, annee, lambda: text_all(recipients, addresses, message), now()
        )
    except AlreadySent as refused:  # another click was first, since the page was read
        return non_recours_page(staff, 409, "main", failure=str(refused))
    for address in addresses:
        about = {"table": reminders.REMINDERS, "id": row["id"], "to": address}
        subject, body = message["subject"], message["body"]
        mail_after_commit(address, subject, body, label="rappel", about=about, school=staff["uai"])
    # Saved, its lock let go: the mails are tried now, each counted on the reminder as it goes.
    commit()
    row = reminders.of_campaign(tx(), staff["uai"], annee)
    flash(said(row), "notice")
    if reminders.mails_waiting(row):
        flash(staff_mails_not_yet_sent(reminders.mails_waiting(row)), "error")
    if row["failed"]:
        flash(f"{row['failed']} message(s) n'ont pas pu partir.", "error")
    return leave_to(url_for("admin.non_recours_list"))


def refusal_of(sent: dict | None, campaign, found) -> str | None:
    """Why the reminder cannot leave now: sent already (said first, whatever changed since),
    the campaign not open, nobody to remind."""
    if sent:
        return str(AlreadySent(sent))
    if not campaign.open:
        return NOT_OPEN
    return None if found.families else NOBODY


def said(row: dict) -> str:
    return (
        f"Le rappel est envoyé à {row['families']} responsable(s) : {row['sms']} SMS et "
        f"{row['emails']} courriel(s)."
    )


def text_all(recipients: list, addresses: list[str], message: dict) -> Sent:
    """One SMS per mobile (a parent of two pupils, or two parents sharing a number, get it
    once); the e-mails, one per confirmed address, leave once this is saved."""
    numbers = sorted({one.telephone for one in recipients if one.telephone})
    sms = sum(send_sms(number, message["sms"]) for number in numbers)
    return Sent(len(recipients), sms, len(addresses), len(numbers) - sms)
