"""ÉduConnect identifiants (journeys §0): "s.lefevredalmeida1" for Sophie Lefèvre-D'Almeida.

Initial of the first name, a dot, the family name, in lower-case ASCII letters only and cut at
20 characters; then the smallest number from 1 that no identifiant ever used has taken.
"""

from __future__ import annotations

import unicodedata

MAX_BASE_LENGTH = 20

# Letters NFKD does not split into a plain letter and an accent, spelt as a French keyboard would.
_SPELLED_OUT = {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "ı": "i"}


def base_identifier(prenom: str, nom: str, max_length: int = MAX_BASE_LENGTH) -> str:
    """The identifiant before its number: ("Éric", "Rousseau") → "e.rousseau"."""
    first, family = _ascii_letters(prenom), _ascii_letters(nom)
    if not first or not family:
        # An identifiant like ".durand" could not be told apart or typed from a letter.
        raise ValueError(f"pas de lettre latine pour former l'identifiant de {prenom} {nom}")
    return f"{first[0]}.{family}"[:max_length]


def first_free(base: str, taken: set[str]) -> str:
    """base1, or base2 if base1 is taken, and so on: the first never used."""
    number = 1
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


def _ascii_letters(text: str) -> str:
    """a-z only: accents removed, spaces, hyphens, apostrophes and anything else dropped."""
    letters = []
    for char in unicodedata.normalize("NFKD", text.casefold()):
        char = _SPELLED_OUT.get(char, char)
        letters.append("".join(c for c in char if "a" <= c <= "z"))
    return "".join(letters)
