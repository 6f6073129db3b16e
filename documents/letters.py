"""The letter "Mise à disposition de votre compte ÉduConnect" (journeys §4): as a PDF to print,
one A4 page per letter and as many letters as selected in one file, or as a plain-text e-mail.
Both say the same thing, from the same sentences below.

The PDF uses DejaVu (Debian's fonts-dejavu-core, which .ci/run installs): a Unicode font, so
every accent of the parents' names prints, and a monospaced one for the identifiant and the
temporary password, where each character must be read right.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from documents.pdf import MARGIN, a4_document, date_text
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
GREY = (238, 238, 238)


def letters_pdf(letters: list[Letter], service_url: str) -> bytes:
    """Every letter in one PDF to print, one A4 page each, in the order given."""
    pdf = a4_document(TITLE)
    # A letter is laid out to fit its page: a break would split it across two sheets.
    pdf.set_auto_page_break(False)
    for letter in letters:
        _page(pdf, letter, service_url)
    return bytes(pdf.output())


def _page(pdf: FPDF, letter: Letter, service_url: str) -> None:
    pdf.add_page()
    width = pdf.w - 2 * MARGIN

    # The sender, and the date on the right.
    pdf.set_font("Sans", "B", 12)
    pdf.cell(width / 2, 6, letter.etablissement.nom, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Sans", "", 9)
    pdf.cell(width / 2, 5, f"UAI {letter.etablissement.uai}")
    pdf.set_xy(MARGIN, MARGIN)
    pdf.set_font("Sans", "", 10.5)
    pdf.cell(width, 6, f"Le {date_text(letter.date)}", align="R")

    # The recipient where a window envelope shows it.
    pdf.set_xy(110, 45)
    pdf.set_font("Sans", "B", 11)
    pdf.multi_cell(pdf.w - 110 - MARGIN, 6, _recipient(letter), align="L")

    pdf.set_xy(MARGIN, 72)
    pdf.set_font("Sans", "B", 15)
    pdf.multi_cell(width, 8, TITLE, align="L", new_x=XPos.LMARGIN)
    pdf.set_font("Sans", "", 8.5)
    pdf.cell(width, 5, "Document personnel et confidentiel", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    # The service's address again at the foot, where one looks for it; the body ends above.
    footer = pdf.h - MARGIN - 6
    room = footer - 4 - pdf.get_y()
    size = next(
        (size for size in SIZES if _body(pdf, letter, service_url, size) <= room), SIZES[-1]
    )
    _body(pdf, letter, service_url, size, draw=True)
    pdf.set_xy(MARGIN, footer)
    pdf.set_font("Sans", "B", 9.5)
    pdf.multi_cell(width, 5, _service_line(service_url), align="C")


def _body(pdf: FPDF, letter: Letter, service_url: str, size: float, draw: bool = False) -> float:
    """Write the body at this size, or with `draw` False only measure it: its height in mm."""
    text = _Text(pdf, size, draw)
    text.paragraph(_greeting(letter))
    text.paragraph(_intro(letter))
    if letter.children:
        text.paragraph(_children_heading(letter), style="B", after=0)
        for child in _children(letter):
            text.item("•", child)
        text.space(3)
    text.credentials(_credentials(letter))
    text.paragraph(_validity(letter))
    text.paragraph(STEPS_HEADING, style="B", after=0)
    for number, step in enumerate(_steps(service_url), start=1):
        text.item(f"{number}.", step, after=1)
    text.space(2)
    for sentence in CLOSING:
        text.paragraph(sentence)
    return text.height


class _Text:
    """Paragraphs, list items and the credentials' box at one size, written or only measured
    (fpdf2's dry run), so a letter's size is chosen before it is written."""

    INDENT = 9  # mm, of a list item's text
    ROW = 10  # mm, of a row of the credentials' box

    def __init__(self, pdf: FPDF, size: float, draw: bool):
        self.pdf = pdf
        self.size = size
        self.line = size * 0.5  # mm
        self.draw = draw
        self.height = 0.0

    def paragraph(self, text: str, style: str = "", after: float = 3) -> None:
        self._lines(text, style, MARGIN)
        self.space(after)

    def item(self, mark: str, text: str, after: float = 0) -> None:
        """A bullet or a number, with the lines of its text aligned after it."""
        if self.draw:
            self.pdf.set_font("Sans", "", self.size)
            self.pdf.set_xy(MARGIN + 3, self.pdf.get_y())
            self.pdf.cell(self.INDENT - 3, self.line, mark)
        self._lines(text, "", MARGIN + self.INDENT)
        self.space(after)

    def credentials(self, rows: list[tuple[str, str]]) -> None:
        height = 8 + self.ROW * len(rows)
        if self.draw:
            width = self.pdf.w - 2 * MARGIN
            top = self.pdf.get_y()
            self.pdf.set_fill_color(*GREY)
            self.pdf.rect(MARGIN, top, width, height, style="F")
            self.pdf.set_y(top + 4)
            for label, value in rows:
                self.pdf.set_x(MARGIN + 5)
                self.pdf.set_font("Sans", "", self.size)
                self.pdf.cell(70, self.ROW, f"{label} :")
                self.pdf.set_font("Mono", "B", 15)
                self.pdf.cell(width - 80, self.ROW, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.pdf.set_y(top + height)
        self.height += height
        self.space(3)

    def space(self, height: float) -> None:
        if self.draw:
            self.pdf.ln(height)
        self.height += height

    def _lines(self, text: str, style: str, left: float) -> None:
        self.pdf.set_font("Sans", style, self.size)
        width = self.pdf.w - MARGIN - left
        if self.draw:
            self.pdf.set_x(left)
            self.pdf.multi_cell(
                width, self.line, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.height += self.pdf.multi_cell(
            width, self.line, text, align="L", dry_run=True, output=MethodReturnValue.HEIGHT
        )
