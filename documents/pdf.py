"""What every PDF of the service shares: A4 in French, the DejaVu fonts (Debian's
fonts-dejavu-core, installed by `.ci/run`; they hold every letter of French names, which the
PDF core fonts do not), and dates as a French letter writes them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {
    ("Sans", ""): "DejaVuSans.ttf",
    ("Sans", "B"): "DejaVuSans-Bold.ttf",
    ("Mono", "B"): "DejaVuSansMono-Bold.ttf",
}
MARGIN = 20  # mm

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


class FontMissing(RuntimeError):
    """The DejaVu fonts are not installed where Debian puts them."""


def a4_document(title: str) -> FPDF:
    """An empty A4 document with its title, language, margins and fonts."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_lang("fr")
    pdf.set_creator("Téléservices")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    for (family, style), name in FONTS.items():
        path = FONT_DIR / name
        if not path.is_file():
            raise FontMissing(f"Police introuvable : {path} (paquet Debian fonts-dejavu-core).")
        pdf.add_font(family, style, path)
    return pdf


def date_text(day: date) -> str:
    """As a French letter writes it: "14 septembre 2026", "1er octobre 2026"."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"
