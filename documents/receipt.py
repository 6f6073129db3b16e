"""The « Accusé d'enregistrement » of a scholarship request (journeys §7): a PDF the family
downloads, and the same facts in a plain-text e-mail sent on submission and on correction. Both
are written from the same list of facts below.

The IBAN is masked: the receipt may be printed, forwarded or left in a mailbox. The estimate is
said to be one: the school head decides.
"""

from __future__ import annotations

from datetime import datetime

import phonenumbers

from documents.pdf import date_text, html_pdf, render_html
from rules.bank import mask_iban
from rules.clock import in_paris

TITLE = "Accusé d'enregistrement"
SUBTITLE = "Demande de bourse de collège"
NUMBER = "Numéro de la demande"
SWORN = "Je certifie sur l'honneur l'exactitude des renseignements fournis."
ESTIMATE_NOTE = (
    "Ce montant est une estimation d'après le barème : la décision appartient au chef "
    "d'établissement."
)
TO_CHECK = (
    "Pièces à vérifier : les revenus ont été saisis par la famille ; l'établissement vérifiera "
    "l'avis d'imposition joint avant de décider."
)
OTHER_NOTICE = (
    "Pièces à vérifier : le demandeur n'est pas parmi les déclarants de l'avis d'impôt "
    "indiqué ; l'établissement vérifiera la situation du foyer avant de décider."
)
KEEP = (
    "Conservez cet accusé : il prouve l'enregistrement de votre demande. Rappelez son numéro "
    "pour toute question au secrétariat de l'établissement."
)
SOURCES = {
    "dgfip": "transmises par l'administration fiscale (DGFiP)",
    "manuel": "saisies par la famille",
}
RENEWALS = {"accepte": "accepté", "refuse": "refusé"}


def moment_text(iso: str) -> str:
    """An ISO moment as the receipt says it, in Paris time: "14 septembre 2026 à 18 h 05"."""
    local = in_paris(datetime.fromisoformat(iso))
    return f"{date_text(local.date())} à {local.hour} h {local.minute:02d}"


def phone_text(e164: str) -> str:
    """ "+33 6 12 34 56 78": the stored number, grouped to be read."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def euros(amount: int) -> str:
    """ "12 345 €", the thousands apart by a no-break space, so a line never cuts a number."""
    return f"{amount:,} €".replace(",", "\u00a0")


# -- What the receipt says -----------------------------------------------------------------------


def _heading(request: dict) -> list[tuple[str, str]]:
    rows = [
        (NUMBER, request["number"]),
        ("Déposée le", moment_text(request["submitted_at"])),
    ]
    if request.get("modified_at"):
        rows.append(("Dernière modification le", moment_text(request["modified_at"])))
    rows.append(("État", request["state"]))
    return rows


def _sections(request: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    """The facts, by section: (heading, [(label, value)])."""
    child, parent = request["pupil"], request["applicant"]
    contact, tax, bank = request["contact"], request["tax"], request["bank"]
    address = contact.get("address") or {}
    address_lines = [
        address.get("line1", ""),
        address.get("line2", ""),
        f"{address.get('postal_code', '')} {address.get('city', '')}".strip(),
    ]
    pieces = ", ".join(piece["name"] for piece in tax.get("files", []))
    return [
        (
            "Élève",
            [
                ("Nom", f"{child['prenom']} {child['nom']}"),
                ("Classe", child["classe"]),
                ("Établissement", child["etablissement_nom"]),
                ("Année scolaire", request["school_year"]),
            ],
        ),
        (
            "Responsable",
            [
                ("Nom", f"{parent['first_name']} {parent['last_name']}"),
                ("Adresse électronique", contact.get("email") or "non renseignée"),
                ("Téléphone", phone_text(contact.get("phone", ""))),
                ("Adresse", ", ".join(line for line in address_lines if line)),
            ],
        ),
        (
            "Situation fiscale",
            [
                ("Revenu fiscal de référence", euros(tax["rfr"])),
                ("Revenus de l'année", str(tax["annee_revenus"])),
                ("Enfants à charge", str(tax["enfants_a_charge"])),
                ("Données", SOURCES[tax["source"]]),
                *([("Justificatifs joints", pieces)] if pieces else []),
                ("Renouvellement annuel", RENEWALS.get(tax.get("renewal"), "")),
            ],
        ),
        ("Estimation de la bourse", _estimate(request["estimate"])),
        ("Coordonnées bancaires", _bank(bank)),
    ]


def _bank(bank: dict) -> list[tuple[str, str]]:
    if not bank["iban"]:  # a request of the automatic examination: the school asks for them
        return [("Coordonnées bancaires", "à transmettre au secrétariat de l'établissement")]
    return [
        ("Titulaire", bank["holder"]),
        ("IBAN", mask_iban(bank["iban"])),
        *([("BIC", bank["bic"])] if bank.get("bic") else []),
    ]


def _estimate(estimate: dict) -> list[tuple[str, str]]:
    scale = f"barème {estimate['annee']}" + (" provisoire" if estimate["provisoire"] else "")
    if not estimate["echelon"]:
        return [("Estimation", f"pas de bourse d'après le {scale} (échelon 0)")]
    return [
        ("Échelon estimé", f"{estimate['echelon']} ({scale})"),
        ("Montant annuel estimé", euros(estimate["montant_annuel"])),
        ("Montant par trimestre estimé", euros(estimate["montant_trimestriel"])),
    ]


def _notes(request: dict) -> list[str]:
    """The sentences after the facts: the estimate's warning, the documents to check, the sworn
    statement."""
    notes = [ESTIMATE_NOTE]
    if request["documents_to_check"]:
        notes.append(TO_CHECK if request["tax"]["source"] == "manuel" else OTHER_NOTICE)
    notes += [f"Déclaration sur l'honneur : « {SWORN} »", KEEP]
    return notes


# -- The e-mail ----------------------------------------------------------------------------------


def receipt_email(request: dict, url: str) -> tuple[str, str]:
    """(subject, body) in plain text, for mail.send(to, subject, body, [the PDF]); `url` is the
    request's page, where the PDF receipt is too."""
    child = request["pupil"]
    corrected = bool(request.get("modified_at"))
    subject = (
        f"{SUBTITLE} n° {request['number']} : "
        + ("demande corrigée" if corrected else "accusé d'enregistrement")
        + f" – {child['prenom']} {child['nom']}"
    )
    done = "corrigée" if corrected else "enregistrée"
    lines = [
        f"Bonjour {request['applicant']['first_name']} {request['applicant']['last_name']},",
        "",
        f"Votre demande de bourse de collège pour {child['prenom']} {child['nom']} a bien été "
        f"{done}.",
        "",
        *(f"{label} : {value}" for label, value in _heading(request)),
    ]
    for heading, rows in _sections(request):
        lines += ["", f"{heading} :", *(f"- {label} : {value}" for label, value in rows)]
    for note in _notes(request):
        lines += ["", note]
    lines += ["", "L'accusé d'enregistrement est joint à ce courriel (PDF)."]
    lines += ["", f"Suivre, corriger ou retirer votre demande : {url}"]
    lines += ["", child["etablissement_nom"]]
    return subject, "\n".join(lines) + "\n"


def withdrawal_email(request: dict, url: str) -> tuple[str, str]:
    """(subject, body) telling the family its request is withdrawn, as it asked: a request
    withdrawn by someone else would not go unnoticed."""
    child = request["pupil"]
    school = child["etablissement_nom"]
    subject = (
        f"{SUBTITLE} n° {request['number']} : demande retirée – {child['prenom']} {child['nom']}"
    )
    lines = [
        f"Bonjour {request['applicant']['first_name']} {request['applicant']['last_name']},",
        "",
        f"Votre demande de bourse de collège n° {request['number']} pour {child['prenom']} "
        f"{child['nom']} a été retirée le {moment_text(request['modified_at'])}, à votre demande.",
        "Tant que la campagne est ouverte, vous pouvez en faire une nouvelle.",
        "",
        f"Si vous n'avez pas retiré cette demande, prévenez le secrétariat du {school}.",
        f"Suivre vos demandes : {url}",
        "",
        school,
    ]
    return subject, "\n".join(lines) + "\n"


# -- The PDF -------------------------------------------------------------------------------------


def receipt_pdf(request: dict) -> bytes:
    """The receipt on A4 as a tagged PDF (a second page only if a very long address needs one):
    the heading H1, each section an H2 over a table of its facts, then the notes."""
    child = request["pupil"]
    html = render_html(
        "receipt.html",
        title=f"{TITLE} – {SUBTITLE} n° {request['number']}",
        school=child["etablissement_nom"],
        uai=request["uai"],
        heading=TITLE,
        subtitle=f"{SUBTITLE} – année scolaire {request['school_year']}",
        number=NUMBER,
        summary=_heading(request),
        sections=_sections(request),
        notes=[(note, note in (TO_CHECK, OTHER_NOTICE)) for note in _notes(request)],
    )
    return html_pdf(html)
