"""The letter "Mise à disposition de votre compte ÉduConnect" (journeys §4), read back from the
PDF with pypdf, and the same letter as an e-mail."""

import io
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader

from documents import pdf
from documents.letters import letter_email, letters_pdf
from documents.pdf import FontMissing, date_text
from records.notifications import Child, Letter, Recipient, School

SERVICE = "https://teleservices.example.fr/connexion"
A4 = (595.28, 841.89)  # points

SOPHIE = Letter(
    etablissement=School(nom="Collège Concorde", uai="0691234A"),
    date=date(2026, 9, 14),
    responsable=Recipient(
        civilite="Mme",
        prenom="Sophie",
        nom="Lefèvre-D'Almeida",
        email="sophie.lefevre-dalmeida@example.org",
    ),
    children=(
        Child("Hugo", "Lefèvre-D'Almeida", "4eB"),
        Child("Léa", "Lefèvre-D'Almeida", "6eA"),
    ),
    identifiant="s.lefevredalmeida1",
    temporary_password="Hb7kRt2mQx9P",
    valid_until=date(2026, 12, 14),
    responsable_id=1,
    account_id=1,
)
JOSIANE = Letter(
    etablissement=School(nom="Collège des Palmistes", uai="0973123Z"),
    date=date(2026, 10, 1),
    responsable=Recipient(civilite="Mme", prenom="Josiane", nom="Céleste", email=None),
    children=(Child("Kévin", "Céleste", "6eB"), Child("Maëlys", "Céleste", "4eA")),
    identifiant="j.celeste1",
    temporary_password="Wd4aNe8YfGt3",
    valid_until=date(2027, 1, 1),
    responsable_id=10,
    account_id=2,
)


def pages(pdf: bytes) -> list:
    return PdfReader(io.BytesIO(pdf)).pages


def text_of(page) -> str:
    """The page's words, whatever spaces and line breaks the extraction puts between them."""
    return " ".join(page.extract_text().split())


def assert_a4(page) -> None:
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (width, height) == pytest.approx(A4, abs=0.5)


def assert_the_letter_of(text: str, letter: Letter, service_url: str = SERVICE) -> None:
    assert "Mise à disposition de votre compte ÉduConnect" in text
    assert letter.etablissement.nom in text and letter.etablissement.uai in text
    assert f"Le {date_text(letter.date)}" in text
    person = letter.responsable
    assert f"{person.civilite} {person.prenom} {person.nom}" in text
    for child in letter.children:
        assert f"{child.prenom} {child.nom}, classe de {child.classe}" in text
    assert f"Votre identifiant : {letter.identifiant}" in text
    assert f"Votre mot de passe provisoire : {letter.temporary_password}" in text
    assert f"valable jusqu'au {date_text(letter.valid_until)} inclus" in text
    assert f"Adresse du service : {service_url}" in text


def test_one_letter_is_one_a4_page_with_everything_it_must_say():
    [page] = pages(letters_pdf([SOPHIE], SERVICE))
    assert_a4(page)
    text = text_of(page)
    assert_the_letter_of(text, SOPHIE)
    assert "Le 14 septembre 2026" in text
    assert "valable jusqu'au 14 décembre 2026 inclus" in text
    assert "Madame," in text and "Élèves concernés :" in text
    # The steps of the first login.
    for step in (
        "Pour activer votre compte :",
        "Choisissez votre nouveau mot de passe : 12 caractères au moins",
        "Confirmez la date de naissance de chacun de vos enfants.",
        "vous recevrez un lien, valable 48 heures",
    ):
        assert step in text


def test_the_selected_letters_print_from_one_file_one_page_each():
    pdf = letters_pdf([SOPHIE, JOSIANE], SERVICE)
    first, second = pages(pdf)
    for page in (first, second):
        assert_a4(page)
    assert_the_letter_of(text_of(first), SOPHIE)
    assert_the_letter_of(text_of(second), JOSIANE)
    # Each page holds its own letter only.
    assert JOSIANE.temporary_password not in text_of(first)
    assert SOPHIE.temporary_password not in text_of(second)
    assert "Le 1er octobre 2026" in text_of(second)
    assert "valable jusqu'au 1er janvier 2027 inclus" in text_of(second)


def test_a_large_family_and_a_long_address_still_fit_one_page():
    many = tuple(
        Child(f"Marie-Bérénice{n}", "Lefèvre-D'Almeida de la Tour", "6eA") for n in range(12)
    )
    long_url = "https://teleservices.education.example.fr/" + "tres-long-chemin/" * 4 + "connexion"
    letter = replace(SOPHIE, children=many)
    [page] = pages(letters_pdf([letter], long_url))
    text = text_of(page)
    for child in many:
        assert f"{child.prenom} {child.nom}" in text
    assert letter.temporary_password in text and letter.identifiant in text
    assert "Une question ? Adressez-vous au secrétariat" in text
    assert long_url in text.replace(" ", "")


def test_one_child_is_spoken_of_in_the_singular():
    letter = replace(SOPHIE, children=SOPHIE.children[:1])
    text = text_of(pages(letters_pdf([letter], SERVICE))[0])
    assert "Élève concerné :" in text and "de votre enfant" in text


def test_the_document_says_what_it_is():
    reader = PdfReader(io.BytesIO(letters_pdf([SOPHIE], SERVICE)))
    assert reader.metadata.title == "Mise à disposition de votre compte ÉduConnect"
    assert reader.trailer["/Root"]["/Lang"] == "fr"


def test_without_the_fonts_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "FONT_DIR", tmp_path)
    with pytest.raises(FontMissing, match="fonts-dejavu-core"):
        letters_pdf([SOPHIE], SERVICE)


@pytest.mark.parametrize(
    ("civilite", "greeting"), [("Mme", "Madame,"), ("M.", "Monsieur,"), ("", "Madame, Monsieur,")]
)
def test_the_greeting_follows_the_civilite(civilite, greeting):
    letter = replace(SOPHIE, responsable=replace(SOPHIE.responsable, civilite=civilite))
    _, body = letter_email(letter, SERVICE)
    assert body.startswith(f"{greeting}\n")


def test_the_email_says_what_the_letter_says():
    subject, body = letter_email(SOPHIE, SERVICE)
    assert subject == "Votre compte ÉduConnect – Collège Concorde"
    lines = body.splitlines()
    assert "Votre identifiant : s.lefevredalmeida1" in lines
    assert "Votre mot de passe provisoire : Hb7kRt2mQx9P" in lines
    assert "- Léa Lefèvre-D'Almeida, classe de 6eA" in lines
    assert "   " + SERVICE in lines
    assert f"Adresse du service : {SERVICE}" in lines
    assert "valable jusqu'au 14 décembre 2026 inclus" in body
    assert "1. Allez sur le site du service :" in lines and "4. Indiquez" in body
    pdf_text = text_of(pages(letters_pdf([SOPHIE], SERVICE))[0])
    keep = "Gardez votre identifiant : il vous servira à chaque connexion."
    assert keep in body and keep in pdf_text


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 9, 14), "14 septembre 2026"),
        (date(2026, 10, 1), "1er octobre 2026"),
        (date(2027, 2, 28), "28 février 2027"),
        (date(2026, 8, 31), "31 août 2026"),
    ],
)
def test_dates_are_written_as_in_a_french_letter(day, text):
    assert date_text(day) == text
