"""What every PDF of the service shares: a tagged PDF (PDF/UA-1: structure tree in reading order,
language, title shown, alternative texts) written by WeasyPrint from semantic HTML, the Jinja
templates of templates/documents/ with their print stylesheet (A4, 20 mm margins); the DejaVu
fonts (Debian's fonts-dejavu-core, installed by `.ci/run`; they hold every letter of French
names); and dates as a French letter writes them.

WeasyPrint needs Pango (Debian's libpango-1.0-0 and libpangoft2-1.0-0). Without it, or without
the fonts, a PDF cannot be made: `PdfUnavailable` says which package is missing, in French, and
the views that produce a PDF on a staff member's request tell them so instead of failing.

No Flask here: the templates are rendered by a Jinja environment of this module's own.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# (family, weight) → file; the stylesheet asks for these families only.
FONTS = {
    ("DejaVu Sans", "normal"): "DejaVuSans.ttf",
    ("DejaVu Sans", "bold"): "DejaVuSans-Bold.ttf",
    ("DejaVu Sans Mono", "bold"): "DejaVuSansMono-Bold.ttf",
}
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "documents"
# ISO 14289-1: the variant the documents parents and schools read are written in.
VARIANT = "pdf/ua-1"

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


class PdfUnavailable(RuntimeError):
    """A PDF cannot be made on this machine: a system package is missing."""


class FontMissing(PdfUnavailable):
    """The DejaVu fonts are not installed where Debian puts them."""


class PangoMissing(PdfUnavailable):
    """WeasyPrint cannot load Pango."""


_templates = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render_html(template: str, **context) -> str:
    """A template of templates/documents/ as HTML."""
    return _templates.get_template(template).render(**context)


@cache
def _weasyprint():
    try:
        import weasyprint
    except OSError as error:  # Pango or one of its libraries cannot be loaded
        raise PangoMissing(
            "Bibliothèque Pango introuvable, nécessaire pour produire les PDF (paquets Debian "
            f"libpango-1.0-0 et libpangoft2-1.0-0) : {error}"
        ) from None
    from PIL import ImageFile
    from weasyprint.text.fonts import FontConfiguration

    # WeasyPrint's import tells Pillow, for the whole process, to load cut images as if whole:
    # the uploads' check (rules/uploads.py) would then accept a truncated JPEG. Our documents
    # hold no image, so Pillow's default comes back.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return weasyprint, FontConfiguration


def font_faces() -> str:
    """The @font-face rules of the fonts the stylesheet uses, from the files Debian installs."""
    rules = []
    for (family, weight), name in FONTS.items():
        path = FONT_DIR / name
        if not path.is_file():
            raise FontMissing(f"Police introuvable : {path} (paquet Debian fonts-dejavu-core).")
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
            f'src: url("{path.as_uri()}"); }}'
        )
    return "\n".join(rules)


def layout(html: str):
    """The HTML laid out in pages (a weasyprint Document: `pages`, each with its `anchors`),
    for `pdf_bytes`."""
    faces = font_faces()
    weasyprint, FontConfiguration = _weasyprint()
    fonts = FontConfiguration()
    return weasyprint.HTML(string=html, base_url=str(TEMPLATES)).render(
        stylesheets=[weasyprint.CSS(string=faces, font_config=fonts)],
        font_config=fonts,
        pdf_variant=VARIANT,
    )


def pdf_bytes(document) -> bytes:
    return document.write_pdf(pdf_variant=VARIANT)


def html_pdf(html: str) -> bytes:
    """The tagged PDF of a whole HTML document (its <html lang> and <title> become the PDF's
    language and title)."""
    return pdf_bytes(layout(html))


def date_text(day: date) -> str:
    """As a French letter writes it: "14 septembre 2026", "1er octobre 2026"."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"
