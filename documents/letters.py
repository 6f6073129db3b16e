"""The letter "Mise à disposition de votre compte ÉduConnect" (journeys §4): as a PDF to print,
one A4 page per letter and as many letters as selected in one file, or as a plain-text e-mail.
Both say the same thing, from the same sentences below.

The PDF is tagged (PDF/UA-1, documents/pdf.py), written from templates/documents/letters.html. It
uses DejaVu (Debian's fonts-dejavu-core, which .ci/run installs): a Unicode font, so every accent
of the parents' names prints, and a monospaced one for the identifiant and the temporary
password, where each character must be read right.
"""

from __future__ import annotations

from documents.pdf import date_text, layout, pdf_bytes, render_html
from records.notifications import Letter
from rules.activation_links import MAX_AGE
from rules.passwords import MIN_LENGTH

TITLE = "Mise à disposition de votre compte ÉduConnect"

# -- What a letter says --------------------------------------------------------------------------


def _greeting(letter: Letter) -> str:
    return {"Mme": "Madame,", "M.": "Monsieur,"}.get(
        letter.responsable.civilite, "Madame, Monsieur,"
    )


def _recipient(letter: Letter) -> str:
    person = letter.responsable
    return " ".join(part for part in (person.civilite, person.prenom, person.nom) if part)


def _intro(letter: Letter) -> str:
    yours = "vos enfants" if len(letter.children) > 1 else "votre enfant"
    return (
        "L'établissement vous ouvre un compte ÉduConnect. Avec ce compte, vous accédez aux "
        f"services en ligne de la scolarité de {yours}, dont la demande de bourse de collège."
    )


def _children_heading(letter: Letter) -> str:
    return "Élèves concernés :" if len(letter.children) > 1 else "Élève concerné :"


def _children(letter: Letter) -> list[str]:
    return [f"{child.prenom} {child.nom}, classe de {child.classe}" for child in letter.children]


def _credentials(letter: Letter) -> list[tuple[str, str]]:
    return [
        ("Votre identifiant", letter.identifiant),
        ("Votre mot de passe provisoire", letter.temporary_password),
    ]


def _validity(letter: Letter) -> str:
    return (
        f"Ce mot de passe provisoire est valable jusqu'au {date_text(letter.valid_until)} inclus, "
        "et seulement jusqu'à l'activation de votre compte."
    )


STEPS_HEADING = "Pour activer votre compte :"


def _steps(service_url: str) -> list[str]:
    hours = int(MAX_AGE.total_seconds() // 3600)
    return [
        # The address alone on its line: a long one is then cut only if it must be.
        f"Allez sur le site du service :\n{service_url}\nSous « Se connecter avec son compte "
        "ÉduConnect », saisissez votre identifiant et votre mot de passe provisoire.",
        f"Choisissez votre nouveau mot de passe : {MIN_LENGTH} caractères au moins, avec une "
        "majuscule, une minuscule, un chiffre et un caractère spécial.",
        "Confirmez la date de naissance de chacun de vos enfants.",
        "Indiquez votre adresse électronique : vous recevrez un lien, valable "
        f"{hours} heures, qui active votre compte.",
    ]


CLOSING = [
    "Gardez votre identifiant : il vous servira à chaque connexion. Ne communiquez votre mot de "
    "passe à personne : l'établissement ne vous le demandera jamais.",
    "Une question ? Adressez-vous au secrétariat de l'établissement.",
]


def _service_line(service_url: str) -> str:
    return f"Adresse du service : {service_url}"


# -- The e-mail ----------------------------------------------------------------------------------


def letter_email(letter: Letter, service_url: str) -> tuple[str, str]:
    """(subject, body) in plain text, for the mail interface's send(to, subject, body)."""
    subject = f"Votre compte ÉduConnect – {letter.etablissement.nom}"
    lines = [_greeting(letter), "", _intro(letter), ""]
    if letter.children:
        lines += [_children_heading(letter), *(f"- {child}" for child in _children(letter)), ""]
    lines += [f"{label} : {value}" for label, value in _credentials(letter)]
    lines += [_validity(letter), "", STEPS_HEADING]
    lines += [
        f"{number}. " + step.replace("\n", "\n   ")
        for number, step in enumerate(_steps(service_url), start=1)
    ]
    lines += ["", *CLOSING, "", letter.etablissement.nom, _service_line(service_url)]
    return subject, "\n".join(lines) + "\n"


# -- The PDF -------------------------------------------------------------------------------------

# The body's size in points, the largest that lets the letter fit its page: smaller only for a
# family with many children or a very long service address.
SIZES = (10.5, 10, 9.5, 9, 8.5, 8, 7.5)


def letters_pdf(letters: list[Letter], service_url: str) -> bytes:
    """Every letter in one tagged PDF to print, one A4 page each, in the order given: each
    letter an article with its H1, its lists and the table of its credentials.

    The letters are laid out at the largest size first. Those whose end falls on a next page
    are laid out again on their own, one size smaller each time, until each fits its page (or
    the smallest size is reached); then the whole batch is laid out once more at these sizes."""
    sizes = [0] * len(letters)
    while True:
        document = layout(_html(letters, sizes, service_url))
        too_long = _too_long(document, sizes)
        if not too_long:
            return pdf_bytes(document)
        while too_long:
            for index in too_long:
                sizes[index] += 1
            alone = layout(
                _html([letters[i] for i in too_long], [sizes[i] for i in too_long], service_url)
            )
            too_long = [too_long[k] for k in _too_long(alone, [sizes[i] for i in too_long])]


def _too_long(document, sizes: list[int]) -> list[int]:
    """The letters (their indexes) whose end is not on the page where they start, and that a
    smaller size could still shorten."""
    page_of = {}  # where each anchor is first (a letter cut in two is on both pages)
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            page_of.setdefault(anchor, number)
    return [
        index
        for index, size in enumerate(sizes)
        if page_of[f"fin-{index}"] != page_of[f"lettre-{index}"] and size < len(SIZES) - 1
    ]


def _html(letters: list[Letter], sizes: list[int], service_url: str) -> str:
    return render_html(
        "letters.html",
        title=TITLE,
        sizes=SIZES,
        steps_heading=STEPS_HEADING,
        steps=_steps(service_url),
        closing=CLOSING,
        service_url=service_url,
        service_line=_service_line(service_url),
        letters=[
            {
                "size": size,
                "school": letter.etablissement.nom,
                "uai": letter.etablissement.uai,
                "date": date_text(letter.date),
                "recipient": _recipient(letter),
                "greeting": _greeting(letter),
                "intro": _intro(letter),
                "children_heading": _children_heading(letter),
                "children": _children(letter),
                "credentials": _credentials(letter),
                "validity": _validity(letter),
            }
            for letter, size in zip(letters, sizes, strict=True)
        ],
    )
