"""Names compared the way a parent types them: "LEFEVRE DALMEIDA" is the same person as
"Lefèvre-D'Almeida" on the school's roster."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Typed or not, with a straight or a typographic apostrophe, these never tell two people apart.
_IGNORED = {" ", "-", "\u2010", "'", "\u2019", "\u02bc"}

# Ligatures that NFKD leaves whole, though a keyboard without them gives "oe" / "ae".
_LIGATURES = {"œ": "oe", "æ": "ae"}


# A school's list sorts and searches every family's names on each page, and names repeat: the
# keys are kept (a few MB at most per process).
@lru_cache(maxsize=50_000)
def normalize_name(text: str) -> str:
    """The matching key of a name: lower-case, no accents, no spaces, hyphens or apostrophes."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = []
    for char in decomposed:
        if unicodedata.combining(char) or char in _IGNORED or char.isspace():
            continue
        letters.append(_LIGATURES.get(char, char))
    return "".join(letters)
