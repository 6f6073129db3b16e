"""The documents parents and schools read are tagged PDF (PDF/UA-1, issue 13 item 14), read back
with pypdf as a screen reader meets them: the language, the title shown, the PDF/UA identifier,
and a structure tree that holds the headings, tables and lists in reading order, with the table
cells tied to their headers and no text left outside it."""

from __future__ import annotations

import builtins
from dataclasses import replace

import pytest

from documents import pdf
from documents.letters import letters_pdf
from documents.pdf import FontMissing, PangoMissing, PdfUnavailable
from documents.receipt import KEEP, TO_CHECK, receipt_pdf
from records.notifications import Child
from tests.tagged_pdf import Element, TaggedPdf, read
from tests.test_letters import JOSIANE, SERVICE, SOPHIE
from tests.test_receipt import manual, request

RECEIPT_TITLE = "Accusé d'enregistrement – Demande de bourse de collège n° 0691234A-2026-00007"
LETTER_TITLE = "Mise à disposition de votre compte ÉduConnect"
SECTIONS = [
    "Élève",
    "Responsable",
    "Situation fiscale",
    "Estimation de la bourse",
    "Coordonnées bancaires",
]


def assert_pdf_ua(document: TaggedPdf, title: str) -> None:
    """What PDF/UA-1 asks of every document, as the catalog and the metadata say it."""
    catalog = document.catalog
    assert catalog["/Lang"] == "fr"
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert document.reader.metadata.title == title
    assert 'pdfuaid:part="1"' in document.xmp
    assert f">{title}</rdf:li>" in document.xmp.replace("&#x27;", "'").replace("&apos;", "'")
    assert document.reader.pdf_header == "%PDF-1.7"
    assert document.document.tag == "Document"
    # Every word drawn is in the structure tree: nothing a screen reader would skip.
    assert document.untagged == []
    # Every figure (a logo, an image) says what it shows.
    for figure in document.document.all("Figure"):
        assert figure.alt, figure
    assert_cells_have_headers(document.document)


def assert_cells_have_headers(tree: Element) -> None:
    """Each data cell names the header of its row, as <th scope="row"> says."""
    for table in tree.all("Table"):
        for row in table.all("TR"):
            (header,) = row.all("TH")
            cells = row.all("TD")
            assert cells, row.text
            for cell in cells:
                assert [str(one) for one in cell.attributes["/Headers"]] == [header.id]


def first_heading_is_h1(tree: Element) -> None:
    """The first heading is the H1, and no table or list comes before it."""
    outline = [one.tag for one in tree.walk() if one.tag in ("H1", "H2", "Table", "L")]
    assert outline[0] == "H1", outline


def rows(table: Element) -> list[tuple[str, str]]:
    return [(row.all("TH")[0].text, row.all("TD")[0].text) for row in table.all("TR")]


# The receipt ------------------------------------------------------------------------------------


def test_the_receipt_is_a_tagged_pdf_ua():
    assert_pdf_ua(read(receipt_pdf(request())), RECEIPT_TITLE)


def test_the_receipt_reads_in_order_title_sections_facts_notes():
    tree = read(receipt_pdf(request())).document
    first_heading_is_h1(tree)
    assert [(one.tag, one.text) for one in tree.all("H1", "H2")] == [
        ("H1", "Accusé d'enregistrement"),
        *(("H2", section) for section in SECTIONS),
    ]
    # The children of the document in reading order: the letterhead, the title, the summary
    # table, each section's heading then its table of facts, the notes last.
    kids = [one.tag for one in tree.children]
    assert kids[:5] == ["P", "P", "H1", "P", "Table"]
    assert kids[5:15] == ["H2", "Table"] * len(SECTIONS)
    summary = tree.children[4]
    assert rows(summary) == [
        ("Numéro de la demande :", "0691234A-2026-00007"),
        ("Déposée le :", "14 septembre 2026 à 18 h 05"),
        ("État :", "déposée"),
    ]
    facts = {tree.children[5 + 2 * n].text: rows(tree.children[6 + 2 * n]) for n in range(5)}
    assert facts["Élève"] == [
        ("Nom", "Léa Lefèvre-D'Almeida"),
        ("Classe", "6eA"),
        ("Établissement", "Collège Concorde"),
        ("Année scolaire", "2026-2027"),
    ]
    assert ("IBAN", "FR76 **** **** **** **** **** 189") in facts["Coordonnées bancaires"]
    assert ("Montant annuel estimé", "120 €") in facts["Estimation de la bourse"]
    notes = [one.text for one in tree.children[15:][0].all("P")]
    assert notes[-1] == KEEP
    assert any("Je certifie sur l'honneur" in note for note in notes)


def test_the_documents_to_check_are_a_paragraph_of_their_own():
    tree = read(receipt_pdf(manual())).document
    assert TO_CHECK in [one.text for one in tree.all("P")]
    facts = dict(rows(tree.all("Table")[3]))
    assert facts["Justificatifs joints"] == "avis-2026.pdf"


def test_a_receipt_on_two_pages_keeps_one_tree_in_order():
    long = {
        "line1": "Résidence des Très Longs Noms de Rue, " * 40,
        "line2": "",
        "postal_code": "97300",
        "city": "Cayenne",
    }
    row = manual()
    row["contact"] = {**row["contact"], "address": long}
    document = read(receipt_pdf(row))
    assert len(document.reader.pages) == 2
    assert_pdf_ua(document, RECEIPT_TITLE)
    assert [one.text for one in document.document.all("H2")] == SECTIONS
    assert document.document.all("P")[-1].text == KEEP


# The letters ------------------------------------------------------------------------------------


def test_a_letter_is_a_tagged_pdf_ua():
    assert_pdf_ua(read(letters_pdf([SOPHIE], SERVICE)), LETTER_TITLE)


def test_each_letter_is_an_article_with_its_own_h1_on_its_own_page():
    document = read(letters_pdf([SOPHIE, JOSIANE, SOPHIE], SERVICE))
    assert_pdf_ua(document, LETTER_TITLE)
    articles = document.document.children
    assert [one.tag for one in articles] == ["Art", "Art", "Art"]
    assert len(document.reader.pages) == 3
    assert [one.text for one in document.document.all("H1")] == [LETTER_TITLE] * 3
    for article in articles:
        assert [one.tag for one in article.all("H1")] == ["H1"]
    assert SOPHIE.temporary_password in articles[0].text
    assert JOSIANE.temporary_password in articles[1].text
    assert JOSIANE.temporary_password not in articles[0].text + articles[2].text


def test_a_letter_reads_in_order_with_its_lists_and_credentials():
    (article,) = read(letters_pdf([SOPHIE], SERVICE)).document.children
    first_heading_is_h1(article)
    # The sender, the date and the recipient as on the sheet, then the title.
    heading, title = article.children[:2]
    assert [(one.tag, one.text) for one in heading.children] == [
        ("P", "Collège Concorde"),
        ("P", "UAI 0691234A"),
        ("P", "Le 14 septembre 2026"),
        ("P", "Mme Sophie Lefèvre-D'Almeida"),
    ]
    assert (title.tag, title.text) == ("H1", LETTER_TITLE)
    children, steps = article.all("L")
    assert [item.all("LBody")[0].text for item in children.all("LI")] == [
        "Hugo Lefèvre-D'Almeida, classe de 4eB",
        "Léa Lefèvre-D'Almeida, classe de 6eA",
    ]
    assert [item.all("Lbl")[0].text for item in steps.all("LI")] == ["1.", "2.", "3.", "4."]
    assert SERVICE in steps.all("LI")[0].text
    (credentials,) = article.all("Table")
    assert rows(credentials) == [
        ("Votre identifiant :", SOPHIE.identifiant),
        ("Votre mot de passe provisoire :", SOPHIE.temporary_password),
    ]
    # In reading order: the children, the credentials, the steps, the service's address last.
    order = [one for one in article.walk() if one.tag in ("L", "Table")]
    assert order == [children, credentials, steps]
    assert article.all("P")[-1].text == f"Adresse du service : {SERVICE}"


def test_a_large_family_is_written_smaller_still_tagged_on_one_page():
    many = tuple(
        Child(f"Marie-Bérénice{n}", "Lefèvre-D'Almeida de la Tour", "6eA") for n in range(12)
    )
    long_url = "https://teleservices.education.example.fr/" + "tres-long-chemin/" * 4 + "connexion"
    document = read(letters_pdf([replace(SOPHIE, children=many), JOSIANE], long_url))
    assert len(document.reader.pages) == 2
    assert_pdf_ua(document, LETTER_TITLE)
    large, _ = document.document.children
    assert len(large.all("L")[0].all("LI")) == 12
    service_line = large.all("P")[-1].text.replace(" ", "")
    assert service_line == f"Adresse du service : {long_url}".replace(" ", "")


def test_weasyprint_finds_nothing_missing(caplog):
    """WeasyPrint logs what PDF/UA lacks (a language, an image's alt text, a font): nothing."""
    caplog.set_level("WARNING", logger="weasyprint")
    receipt_pdf(manual())
    letters_pdf([SOPHIE, JOSIANE], SERVICE)
    assert [record.getMessage() for record in caplog.records if record.name == "weasyprint"] == []


# When a PDF cannot be made ----------------------------------------------------------------------


def test_without_the_fonts_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "FONT_DIR", tmp_path)
    with pytest.raises(FontMissing, match="fonts-dejavu-core") as raised:
        receipt_pdf(request())
    assert isinstance(raised.value, PdfUnavailable)


def test_without_pango_a_clear_error(monkeypatch):
    """WeasyPrint raises OSError on import when Pango's libraries cannot be loaded."""
    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    pdf._weasyprint.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_pango)
    try:
        with pytest.raises(PangoMissing, match="libpango-1.0-0 et libpangoft2-1.0-0"):
            letters_pdf([SOPHIE], SERVICE)
    finally:
        monkeypatch.undo()
        pdf._weasyprint.cache_clear()
    assert letters_pdf([SOPHIE], SERVICE).startswith(b"%PDF-")
