"""The documents a parent uploads with a scholarship request (journeys §7: the tax notice, when
its data cannot be retrieved): PDF, JPEG or PNG, 5 Mo at most (and 50 million pixels for an
image), and the content must be what the name and the browser say. The type kept is the one
found in the bytes, never the declared one, since the staff will open the file.

Every refusal is an `UploadError` whose message is French, for the parent.
"""

from __future__ import annotations

import io
import warnings
from pathlib import PurePosixPath

from PIL import Image

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
MAX_BYTES = 5 * 1024 * 1024
# A 48-megapixel phone photo (8,000 × 6,000) fits; checking one takes up to 150 Mo for a moment.
MAX_PIXELS = 50_000_000
KINDS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}

EXTENSIONS = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG}
# Other names browsers and systems give the same types.
ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "application/x-pdf": PDF}
# What browsers send when they do not know the type: the extension and the content decide.
UNDECLARED = ("", "application/octet-stream")
NAMES = {PDF: "un PDF", JPEG: "une image JPEG", PNG: "une image PNG"}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_START = b"\xff\xd8\xff"
PDF_START = b"%PDF-"
PDF_END = b"%%EOF"
# A whole PDF ends with %%EOF; writers may add a few bytes after it (newlines, padding).
PDF_TAIL = 1024
PILLOW_FORMATS = {"JPEG": JPEG, "PNG": PNG}
MAX_NAME = 60  # characters of the file's name a message repeats

FORMATS = "Le fichier doit être au format PDF, JPEG ou PNG."


class UploadError(ValueError):
    """A file refused; the message is French, for the parent."""


def check_upload(filename: str | None, declared_type: str | None, data: bytes) -> str:
    """The content type found in the bytes ("application/pdf", "image/jpeg" or "image/png"),
    or UploadError."""
    name = _shown(filename)
    if not data:
        raise UploadError(f"Le fichier « {name} » est vide : choisissez un autre fichier.")
    if len(data) > MAX_BYTES:
        raise UploadError(
            f"Le fichier « {name} » pèse {size_text(len(data))} : la taille maximale est de "
            f"{MAX_BYTES // (1024 * 1024)} Mo."
        )
    expected = EXTENSIONS.get(PurePosixPath(name).suffix.lower())
    declared = (declared_type or "").split(";")[0].strip().lower()
    declared = ALIASES.get(declared, declared)
    if expected is None or (declared not in UNDECLARED and declared not in KINDS):
        raise UploadError(f"{FORMATS} « {name} » ne l'est pas.")
    if declared not in UNDECLARED and declared != expected:
        raise UploadError(
            f"Le fichier « {name} » est annoncé comme {NAMES[declared]}, mais son nom dit "
            f"{NAMES[expected]} : renommez-le ou choisissez un autre fichier."
        )
    found = _content_type(data)
    if found != expected:
        what = f"est {NAMES[found]}" if found else "n'est ni un PDF, ni une image JPEG ou PNG"
        raise UploadError(
            f"Le contenu du fichier « {name} » ne correspond pas à son nom : il {what}. {FORMATS}"
        )
    _check_whole(found, name, data)
    return found


def _shown(filename: str | None) -> str:
    """The file's own name, without any folder a browser may send, cut if very long."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "sans nom"
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


def size_text(size: int) -> str:
    """A file's size as French writes it: "820 octets", "48 Ko", "1,2 Mo"."""
    if size < 1024:
        return f"{size} octets"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} Ko"
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")


def limits_text() -> str:
    """What the upload fields' hint says of the limits, from the limits themselves."""
    return (
        f"Formats PDF, JPEG ou PNG ; taille maximale : {MAX_BYTES // 2**20} Mo ; une photo de "
        f"{MAX_PIXELS // 1_000_000} millions de pixels au plus (celle d'un téléphone convient)."
    )


def _content_type(data: bytes) -> str | None:
    """The type the first bytes say (their "magic number")."""
    if data.startswith(PDF_START):
        return PDF
    if data.startswith(JPEG_START):
        return JPEG
    if data.startswith(PNG_SIGNATURE):
        return PNG
    return None


def _check_whole(kind: str, name: str, data: bytes) -> None:
    """A cut or damaged file is refused while the parent can still send it again."""
    if kind == PDF:
        if PDF_END not in data[-PDF_TAIL:]:
            raise _damaged(name)
        return
    _check_pixels(kind, name, data)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()  # the structure and checksums (PNG's CRCs)
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # every pixel: a cut JPEG passes verify() but not this
    except (OSError, SyntaxError, ValueError):
        raise _damaged(name) from None


def _check_pixels(kind: str, name: str, data: bytes) -> None:
    """The picture's size read from its header, before any pixel is decoded: a few hundred Ko
    of one colour can say 9,400 × 9,400 pixels, and take seconds and hundreds of Mo to check."""
    try:
        with warnings.catch_warnings():
            # Pillow's own limit, above ours, refuses the largest when the header is read.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:  # reads the header only
                found, (width, height) = PILLOW_FORMATS.get(image.format), image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name) from None
    except (OSError, SyntaxError, ValueError):
        raise _damaged(name) from None
    if found != kind:
        raise _damaged(name)
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(name)


def _damaged(name: str) -> UploadError:
    return UploadError(
        f"Le fichier « {name} » est incomplet ou abîmé : enregistrez-le de nouveau, puis "
        "envoyez-le."
    )


def _too_many_pixels(name: str) -> UploadError:
    return UploadError(
        f"L'image « {name} » compte trop de pixels : {MAX_PIXELS // 1_000_000} millions au plus "
        "(une photo de téléphone convient). Réduisez sa définition, puis envoyez-la de nouveau."
    )
