"""ÉduConnect identifiants (journeys §0): "s.lefevredalmeida1" for Sophie Lefèvre-D'Almeida.

Initial of the first name, a dot, the family name, in lower-case ASCII letters only and cut at
20 characters; then the smallest number from 1 that no identifiant ever used has taken.

Names in other scripts are transliterated ("伟" gives "wei", "Иван" "ivan"): every parent
gets an identifiant they can type on any keyboard. A name left without any letter gives no
part: the other name alone ("durand1"), or "parent1" when neither has one.
"""

from __future__ import annotations

import unicodedata

from anyascii import anyascii

MAX_BASE_LENGTH = 20
# The base when neither name has a letter: the identifiant still says what it is for.
NO_NAME = "parent"


def base_identifier(prenom: str, nom: str, max_length: int = MAX_BASE_LENGTH) -> str:
    """The identifiant before its number: ("Éric", "Rousseau") → "e.rousseau"."""
    first, family = _ascii_letters(prenom), _ascii_letters(nom)
    if first and family:
        return f"{first[0]}.{family}"[:max_length]
    # An identifiant like ".durand" could not be told apart or typed from a letter.
    return (family or first or NO_NAME)[:max_length]


def first_free(base: str, taken: set[str]) -> str:
    """base1, or base2 if base1 is taken, and so on: the first never used."""
    number = 1
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


def _ascii_letters(text: str) -> str:
    """a-z only: letters transliterated, accents removed, anything else dropped."""
    # Only letters and their marks: a symbol would otherwise be spelt as a word (😀 ":grinning:").
    letters = "".join(char for char in text if unicodedata.category(char)[0] in "LM")
    return "".join(char for char in anyascii(letters).lower() if "a" <= char <= "z")
