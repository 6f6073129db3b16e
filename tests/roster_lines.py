"""One valid line of a school's roster file, for the roster tests: Léa, in 6eA at the Collège
Concorde, and her mother Sophie; and the day the files are read."""

from datetime import date

from rules.roster import COLUMNS

TODAY = date(2026, 9, 14)

GOOD = {
    "uai": "0691234A",
    "etablissement_nom": "Collège Concorde",
    "ine": "0691500123K",
    "eleve_nom": "Lefèvre-D'Almeida",
    "eleve_prenom": "Léa",
    "eleve_date_naissance": "14/03/2015",
    "niveau": "6e",
    "classe": "6eA",
    "resp_civilite": "Mme",
    "resp_nom": "Lefèvre-D'Almeida",
    "resp_prenom": "Sophie",
    "resp_lien": "mère",
    "resp_telephone_portable": "06 12 34 56 78",
    "resp_email": "sophie.lefevre-dalmeida@example.org",
}


def line(**changes: str) -> str:
    """The good line with some columns changed, as it stands in the file."""
    values = {**GOOD, **changes}
    return ";".join(values[column] for column in COLUMNS)
