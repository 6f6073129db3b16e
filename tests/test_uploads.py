"""The documents uploaded with a scholarship request (journeys §7): real PDF, JPEG and PNG files
are accepted and their type is read from the bytes; empty, oversized, other formats, disguised
and damaged files are refused with a French message."""

from __future__ import annotations

import io

import pytest
from fpdf import FPDF
from PIL import Image, ImageFile

from documents.pdf import _weasyprint
from rules.uploads import (
    KINDS,
    MAX_BYTES,
    MAX_PIXELS,
    UploadError,
    check_upload,
    limits_text,
    size_text,
)


def pdf_bytes() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Avis d'imposition 2026")
    return bytes(pdf.output())


def image_bytes(kind: str, size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(out, format=kind)
    return out.getvalue()


PDF, JPEG, PNG = pdf_bytes(), image_bytes("JPEG"), image_bytes("PNG")


def refusal(filename, declared, data) -> str:
    with pytest.raises(UploadError) as raised:
        check_upload(filename, declared, data)
    return str(raised.value)


def test_the_kinds_accepted():
    assert KINDS == {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
    assert MAX_BYTES == 5 * 1024 * 1024


@pytest.mark.parametrize(
    ("filename", "declared", "data", "found"),
    [
        ("avis.pdf", "application/pdf", PDF, "application/pdf"),
        ("AVIS.PDF", "application/pdf", PDF, "application/pdf"),
        ("photo.jpg", "image/jpeg", JPEG, "image/jpeg"),
        ("photo.jpeg", "image/jpeg", JPEG, "image/jpeg"),
        ("photo.JPG", "image/jpg", JPEG, "image/jpeg"),
        ("scan.png", "image/png", PNG, "image/png"),
        # A browser that does not know the type: the name and the content decide.
        ("scan.png", "", PNG, "image/png"),
        ("avis.pdf", "application/octet-stream", PDF, "application/pdf"),
        ("avis.pdf", None, PDF, "application/pdf"),
        ("C:\\Users\\Sophie\\avis.pdf", "application/pdf; charset=binary", PDF, "application/pdf"),
    ],
)
def test_real_files_are_accepted_with_the_type_of_their_bytes(filename, declared, data, found):
    assert check_upload(filename, declared, data) == found


def test_a_pdf_with_bytes_after_its_end_marker_is_accepted():
    assert check_upload("avis.pdf", "application/pdf", PDF + b"\r\n\x00\x00") == "application/pdf"


def test_an_empty_file_is_refused():
    assert refusal("avis.pdf", "application/pdf", b"") == (
        "Le fichier « avis.pdf » est vide : choisissez un autre fichier."
    )


def test_an_oversized_file_is_refused_with_its_size():
    big = PDF[:-6] + b"\x00" * (MAX_BYTES + 300_000) + b"%%EOF\n"
    assert refusal("gros.pdf", "application/pdf", big) == (
        "Le fichier « gros.pdf » pèse 5,3 Mo : la taille maximale est de 5 Mo."
    )


def test_a_file_of_exactly_the_maximum_is_accepted():
    padded = PDF[:-6] + b" " * (MAX_BYTES - len(PDF)) + b"%%EOF\n"
    assert len(padded) == MAX_BYTES
    assert check_upload("avis.pdf", "application/pdf", padded) == "application/pdf"


@pytest.mark.parametrize(
    ("filename", "declared"),
    [
        ("setup.exe", "application/x-msdownload"),
        ("avis.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("avis", "application/pdf"),
        ("avis.pdf.exe", "application/octet-stream"),
        ("avis.pdf", "application/msword"),
        ("image.gif", "image/gif"),
    ],
)
def test_other_formats_are_refused(filename, declared):
    assert refusal(filename, declared, PDF).startswith(
        "Le fichier doit être au format PDF, JPEG ou PNG."
    )


def test_a_text_file_renamed_pdf_is_refused():
    fake = "Mon avis d'imposition : RFR 12 000 €".encode()
    message = refusal("avis.pdf", "application/pdf", fake)
    assert message == (
        "Le contenu du fichier « avis.pdf » ne correspond pas à son nom : il n'est ni un PDF, "
        "ni une image JPEG ou PNG. Le fichier doit être au format PDF, JPEG ou PNG."
    )


def test_an_executable_renamed_pdf_is_refused():
    assert "ne correspond pas à son nom" in refusal("avis.pdf", "application/pdf", b"MZ\x90\x00")


def test_a_png_declared_as_a_pdf_is_refused():
    assert "il est une image PNG" in refusal("scan.pdf", "application/pdf", PNG)
    assert "il est un PDF" in refusal("scan.jpg", "image/jpeg", PDF)


def test_a_type_that_contradicts_the_name_is_refused():
    assert refusal("scan.png", "application/pdf", PNG) == (
        "Le fichier « scan.png » est annoncé comme un PDF, mais son nom dit une image PNG : "
        "renommez-le ou choisissez un autre fichier."
    )


@pytest.mark.parametrize(
    ("filename", "declared", "data"),
    [
        ("scan.png", "image/png", PNG[: len(PNG) // 2]),
        ("photo.jpg", "image/jpeg", image_bytes("JPEG", (400, 300))[:1500]),
        ("avis.pdf", "application/pdf", PDF[: len(PDF) // 2]),
        # The signature only, nothing after.
        ("scan.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0"),
        # A PNG with one byte of its pixels changed: its checksum no longer matches.
        ("scan.png", "image/png", PNG[:-30] + bytes([PNG[-30] ^ 0xFF]) + PNG[-29:]),
    ],
)
def test_a_truncated_or_damaged_file_is_refused(filename, declared, data):
    assert refusal(filename, declared, data) == (
        f"Le fichier « {filename} » est incomplet ou abîmé : enregistrez-le de nouveau, puis "
        "envoyez-le."
    )


def png_of(size) -> bytes:
    """A one-colour PNG: a few kilobytes, however many pixels it says it has."""
    out = io.BytesIO()
    Image.new("1", size).save(out, format="PNG")
    return out.getvalue()


def too_many_pixels(filename: str) -> str:
    return (
        f"L'image « {filename} » compte trop de pixels : 50 millions au plus (une photo de "
        "téléphone convient). Réduisez sa définition, puis envoyez-la de nouveau."
    )


@pytest.mark.parametrize("size", [(9_400, 9_400), (12_000, 12_000), (20_000, 20_000)])
def test_a_picture_of_too_many_pixels_is_refused_before_it_is_decoded(size, monkeypatch):
    # 88, 144 and 400 megapixels in a few hundred kilobytes: gigabytes once decoded.
    data = png_of(size)
    assert len(data) < 400 * 1024

    def decoded(image, *args):
        raise AssertionError("the picture was decoded before its size was checked")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decoded)
    monkeypatch.setattr(ImageFile.ImageFile, "verify", decoded)
    assert refusal("bombe.png", "image/png", data) == too_many_pixels("bombe.png")


def test_the_pixel_limit():
    assert MAX_PIXELS == 50_000_000
    assert check_upload("juste.png", "image/png", png_of((10_000, 5_000))) == "image/png"
    assert refusal("trop.png", "image/png", png_of((10_000, 5_001))) == too_many_pixels("trop.png")


def test_a_phone_photo_of_48_megapixels_is_accepted():
    out = io.BytesIO()
    Image.new("L", (8_000, 6_000), 128).save(out, format="JPEG")
    assert check_upload("photo.jpg", "image/jpeg", out.getvalue()) == "image/jpeg"


def test_a_long_name_is_shortened_in_the_message():
    message = refusal("a" * 200 + ".pdf", "application/pdf", b"")
    assert "a" * 59 + "…" in message
    assert "a" * 60 not in message


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 octets"),
        (820, "820 octets"),
        (1024, "1 Ko"),
        (49_000, "48 Ko"),
        (1_258_291, "1,2 Mo"),
    ],
)
def test_sizes_as_french_writes_them(size, text):
    assert size_text(size) == text


def test_the_hint_says_the_limits_the_check_applies():
    text = limits_text()
    assert f"taille maximale : {MAX_BYTES // 2**20} Mo ;" in text
    assert f"une photo de {MAX_PIXELS // 1_000_000} millions de pixels au plus" in text


def test_a_truncated_jpeg_is_still_refused_once_a_pdf_was_made():
    # WeasyPrint's import makes Pillow load cut images whole, for the whole process.
    _weasyprint()
    data = image_bytes("JPEG", (400, 300))[:1500]
    assert "est incomplet ou abîmé" in refusal("photo.jpg", "image/jpeg", data)
