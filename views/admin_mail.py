"""The school's mails given up (records/mail_queue.py), both roles: a mail of the school — a
request's notice or decision, a letter's identifiers, the non-recours reminder, an examination's
result — that MAIL_ATTEMPTS tries could not send is listed here, the last given up first, a page
at a time: to whom (masked, as « Mot de passe oublié ? » shows an address), about what, when,
and its last error in plain French (rules/mail_retry.py). « Renvoyer » queues it again as a new
mail, tried at once (the queue tries it again if it fails), journaled with the sending. Both
roles: each sends some of these mails, and the page shows none of what they say. A parent's own
links and notices are no school's: they are not listed (the parent asks again).

A plain page of forms: it works without JavaScript."""

from __future__ import annotations

from flask import abort, current_app, flash, url_for

from records import examinations, mail_queue, reminders
from records.bourse_requests import REQUESTS
from records.roster import RESPONSABLES
from rules.mail_retry import GIVEN_UP_PAGE, error_text, staff_not_yet_sent
from rules.recovery import mask_email
from views.admin import admin_page, bp, paginate, record, staff_required
from views.family_notices import EVENT_NAMES
from views.journey import now
from views.rendering import leave_to
from views.sending import limits, try_queued
from views.unit import tx

PER_PAGE = 20
ABOUT_NAMES = {
    reminders.REMINDERS: "Rappel aux familles sans demande de bourse",
    RESPONSABLES: "Notification des identifiants",
    examinations.EXAMINATIONS: "Résultat de l'examen automatique du droit à bourse",
}
ALREADY_SENT = "Ce courriel a déjà été renvoyé."


def about_text(mail: dict) -> str:
    """What the mail is about, as the back office names it."""
    about = mail.get("about") or {}
    if about.get("table") == REQUESTS:
        return f"{EVENT_NAMES[about['event']]} — demande n° {about['id']}"
    return ABOUT_NAMES.get(about.get("table"), mail["subject"])


def listed(mail: dict) -> dict:
    """A row of the list: nothing of what the mail says, its address masked."""
    return {
        "id": mail["id"],
        "to": mask_email(mail["to"]),
        "about": about_text(mail),
        "at": mail["settled_at"],
        "attempts": mail["attempts"],
        "error": error_text(mail.get("last_error", "")),
    }


@bp.get("/courriels-non-partis")
@staff_required
def mails_given_up(staff):
    mails = [listed(mail) for mail in mail_queue.given_up_of(tx(), staff["uai"])]
    config = current_app.config
    return admin_page(
        "courriels",
        "main",
        GIVEN_UP_PAGE,
        staff,
        page=paginate(mails, PER_PAGE),
        attempts=config["MAIL_ATTEMPTS"],
        kept_days=config["MAIL_KEPT_DAYS"],
    )


@bp.post("/courriels-non-partis/<int:mail_id>/renvoyer")
@staff_required
def send_mail_again(staff, mail_id: int):
    try:
        queued = mail_queue.send_again(tx(), mail_id, staff["uai"], now(), limits())
    except LookupError:
        abort(404)
    back = url_for("admin.mails_given_up")
    if queued is None:  # another click was first, since the page was read
        flash(ALREADY_SENT, "notice")
        return leave_to(back)
    to = mask_email(queued["to"])
    record(staff, "courriel", f"Courriel « {about_text(queued)} » renvoyé à {to}.")
    state = try_queued(queued)  # saved with its journal entry, then tried
    if state == mail_queue.SENT:
        flash(f"Le courriel à {to} est parti.", "notice")
    elif state == mail_queue.WAITING:
        flash(staff_not_yet_sent(f"Le courriel à {to}"), "error")
    else:
        flash(f"Le courriel à {to} n'a pas pu partir.", "error")
    return leave_to(back)
