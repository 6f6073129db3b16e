"""The school's responsables in the back office (journeys §4): the list with its search,
filters and pages, one responsable's page with the help actions, and the notification letters
(by e-mail, or one PDF to print) for the responsables selected."""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, send_file, url_for

from documents.letters import letter_email, letters_pdf
from documents.pdf import PdfUnavailable
from records import school
from records.accounts import STATES
from records.mail_queue import SENT, WAITING
from records.notifications import notify
from records.roster import RESPONSABLES
from rules.mail_retry import staff_not_yet_sent
from rules.phones import mask_mobile
from views.admin import admin_page, bp, paginate_found, record, staff_required
from views.journey import now
from views.sending import try_mail
from views.unit import tx

PER_PAGE = 20
NONE_SELECTED = "Sélectionnez au moins un responsable."
HOWS = {"courriel": "par courriel", "courrier": "par courrier"}


@bp.app_template_filter("masked")
@lru_cache(maxsize=4096)  # reading a number costs 0.1 ms, and a list shows 20 on each page
def masked(telephone: str) -> str:
    return mask_mobile(telephone)


@bp.get("/responsables")
@staff_required
def responsables(staff):
    text = request.args.get("q", "").strip()
    classe = request.args.get("classe", "")
    state = request.args.get("etat", "")
    if state not in STATES:
        state = ""

    def find(offset: int, limit: int):
        return school.families_page(tx(), staff["uai"], offset, limit, text, classe, state)

    return admin_page(
        "responsables",
        "resultats",
        "Responsables",
        staff,
        page=paginate_found(find, PER_PAGE, {"q": text, "classe": classe, "etat": state}),
        q=text,
        classe=classe,
        etat=state,
        classes=school.class_names(tx(), staff["uai"]),
        states=STATES,
    )


def family_or_404(staff: dict, responsable_id: int) -> school.Family:
    found = school.family(tx(), staff["uai"], responsable_id)
    if found is None:
        abort(404)
    return found


@bp.get("/responsables/<int:responsable_id>")
@staff_required
def responsable(staff, responsable_id: int):
    found = family_or_404(staff, responsable_id)
    return admin_page(
        "responsable",
        "main",
        found.name,
        staff,
        family=found,
        locked_until=found.locked_until(now()),
        reports=[
            report
            for report in school.reports(tx(), staff["uai"])
            if report["responsable_id"] == responsable_id
        ],
    )


@bp.post("/responsables/<int:responsable_id>/debloquer")
@staff_required
def unblock(staff, responsable_id: int):
    found = family_or_404(staff, responsable_id)
    account = school.unblock(tx(), staff["uai"], responsable_id)
    if account is None:
        abort(404)
    record(staff, "deblocage", f"Compte {account['identifier']} de {found.name} débloqué.")
    flash(f"Le compte de {found.name} est débloqué.", "notice")
    return redirect(url_for("admin.responsable", responsable_id=responsable_id), code=303)


# Notification letters ------------------------------------------------------------------------


@bp.post("/notifier")
@staff_required
def notifier(staff):
    back = back_url()
    how = request.form.get("mode")
    if how not in HOWS:
        abort(400)
    chosen = selected(staff)
    if not chosen:
        flash(NONE_SELECTED, "error")
        return redirect(back, code=303)
    letters = notify(
        tx(), [one.id for one in chosen], staff["identifier"], how, now(), staff["uai"]
    )
    if letters.skipped:
        flash(skipped_text(letters.skipped), "error")
    if not letters:
        return redirect(back, code=303)
    service_url = url_for("login.show", _external=True)
    if how == "courrier":
        return pdf_answer(staff, letters, service_url, back)
    sent = []
    for letter in letters:
        state = send_email(staff, letter, service_url)
        if state == SENT:
            sent.append(letter)
            audit_letter(staff, letter, f"envoyés par courriel à {letter.responsable.email}")
        elif state == WAITING:
            to = letter.responsable.email
            audit_letter(staff, letter, f"à envoyer par courriel à {to} (nouvel essai automatique)")
    if sent:
        names = ", ".join(name_of(letter) for letter in sent)
        flash(f"Identifiants envoyés par courriel : {names}.", "notice")
    return redirect(back, code=303)


def skipped_text(skipped: list) -> str:
    """One sentence for every responsable who got no letter, each with its reason."""
    reasons = [
        f"{skip.name} ({skip.reason[:1].lower()}{skip.reason[1:].rstrip('.')})" for skip in skipped
    ]
    return f"Pas de nouveaux identifiants pour : {' ; '.join(reasons)}."


def selected(staff: dict) -> list[school.Family]:
    """The responsables chosen in the form; one of another school (or unknown) is a 404, as in
    an address."""
    try:
        ids = sorted({int(value) for value in request.form.getlist("ids")})
    except ValueError:
        abort(404)
    families = school.families_by_id(tx(), staff["uai"], ids)
    if len(families) != len(ids):
        abort(404)
    return families


def back_url() -> str:
    """Where the form came from, if it is a back-office page; else the list."""
    wanted = urlsplit(request.form.get("retour", ""))
    if not wanted.scheme and not wanted.netloc and wanted.path.startswith("/admin/"):
        return wanted.geturl()
    return url_for("admin.responsables")


def name_of(letter) -> str:
    person = letter.responsable
    return f"{person.civilite} {person.prenom} {person.nom}"


def audit_letter(staff: dict, letter, how: str) -> None:
    record(
        staff,
        "notification",
        f"Identifiants de {name_of(letter)} ({letter.identifiant}) {how}, valables jusqu'au "
        f"{letter.valid_until:%d/%m/%Y}.",
    )


def send_email(staff: dict, letter, service_url: str) -> str:
    """The letter's e-mail, once the letters are saved: never a password that was not kept.
    Its state in the queue after the first try; a newer letter's mail supersedes it."""
    subject, body = letter_email(letter, service_url)
    about = {"table": RESPONSABLES, "id": letter.responsable_id, "event": "notification"}
    to = letter.responsable.email
    state = try_mail(to, subject, body, label="notification", about=about, school=staff["uai"])
    if state == WAITING:
        what = f"Le courriel pour {name_of(letter)}"
        flash(staff_not_yet_sent(what, "notifiez-le à nouveau, ou choisissez le courrier"), "error")
    elif state != SENT:
        flash(
            f"Le courriel pour {name_of(letter)} n'a pas pu être envoyé : notifiez-le à nouveau, "
            "ou choisissez le courrier.",
            "error",
        )
    return state


def pdf_answer(staff: dict, letters: list, service_url: str, back: str):
    try:
        pdf = letters_pdf(letters, service_url)
    except PdfUnavailable as error:
        current_app.logger.error("courriers non produits : %s", error)
        flash("Les courriers n'ont pas pu être produits. Prévenez l'assistance.", "error")
        return redirect(back, code=303)
    for letter in letters:
        audit_letter(staff, letter, "imprimés sur un courrier (PDF)")
    response = send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"courriers-educonnect-{now():%Y-%m-%d}.pdf",
    )
    # The letters hold temporary passwords: no cache keeps them.
    response.headers["Cache-Control"] = "no-store"
    return response
