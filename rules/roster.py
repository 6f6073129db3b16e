"""Reading the school's roster file (journeys §0): one line per élève × responsable pair.

The file comes from a spreadsheet, typed or exported by a secretariat. Every line is checked and
every problem reported with its line number, in French, so the school can fix the file itself;
nothing here touches storage (see `records/roster.py`).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from rules.names import normalize_name
from rules.phones import PhoneError, parse_mobile, region_for_uai

COLUMNS = (
    "uai",
    "etablissement_nom",
    "ine",
    "eleve_nom",
    "eleve_prenom",
    "eleve_date_naissance",
    "niveau",
    "classe",
    "resp_civilite",
    "resp_nom",
    "resp_prenom",
    "resp_lien",
    "resp_telephone_portable",
    "resp_email",
)
HEADER = ";".join(COLUMNS)

NIVEAUX = ("6e", "5e", "4e", "3e")
LIENS = ("mère", "père", "tuteur", "autre")

_UAI = re.compile(r"^\d{7}[A-Z]$")
_INE = re.compile(r"^[A-Z0-9]{11}$")
_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")

# What secretariats type in these columns, compared without case or accents.
_CIVILITES = {
    "m": "M.",
    "m.": "M.",
    "mr": "M.",
    "monsieur": "M.",
    "mme": "Mme",
    "madame": "Mme",
    # "Mademoiselle" left administrative forms in 2012; such a line still means "Mme".
    "mlle": "Mme",
    "mademoiselle": "Mme",
}
_LIENS = {
    "mere": "mère",
    "pere": "père",
    "tuteur": "tuteur",
    "tutrice": "tuteur",
    "autre": "autre",
}
_NIVEAU = re.compile(r"^([3-6])\s*(?:e|eme|ieme)$")


@dataclass(frozen=True)
class Etablissement:
    uai: str
    nom: str
    region: str


@dataclass(frozen=True)
class Eleve:
    ine: str
    nom: str
    prenom: str
    date_naissance: date
    niveau: str
    classe: str
    uai: str


@dataclass(frozen=True)
class Responsable:
    civilite: str
    nom: str
    prenom: str
    lien: str
    telephone: str
    email: str | None


@dataclass(frozen=True)
class RosterRow:
    line: int
    etablissement: Etablissement
    eleve: Eleve
    responsable: Responsable


@dataclass(frozen=True)
class LineError:
    """One problem; `line` is None when it concerns the whole file (encoding, empty)."""

    line: int | None
    reason: str

    def __str__(self) -> str:
        return self.reason if self.line is None else f"Ligne {self.line} : {self.reason}"


@dataclass
class RosterReport:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    data_lines: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> list[int]:
        return sorted({error.line for error in self.errors if error.line is not None})


def responsable_key(uai: str, nom: str, prenom: str, telephone: str) -> tuple[str, str, str, str]:
    """What makes a responsable the same person in two imports (journeys §0)."""
    return (uai, normalize_name(nom), normalize_name(prenom), telephone)


def parse_roster_bytes(data: bytes, today: date) -> RosterReport:
    """Decode an uploaded or read file (UTF-8, with or without BOM) and parse it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return RosterReport(
            errors=[
                LineError(
                    None,
                    f"Le fichier n'est pas encodé en UTF-8 (premier caractère illisible à la "
                    f"ligne {line}). Depuis votre tableur, enregistrez-le au format "
                    f"« CSV UTF-8 (délimité par des points-virgules) », puis recommencez.",
                )
            ]
        )
    return parse_roster(text, today)


def parse_roster(text: str, today: date) -> RosterReport:
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return RosterReport(
            errors=[LineError(None, f"Le fichier est vide. Première ligne attendue : {HEADER}")]
        )
    report = RosterReport()
    seen = _Seen()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        header_line, header = _next_record(reader)
        header_problem = _check_header(header)
        if header_problem:
            report.errors.append(LineError(header_line, header_problem))
            return report
        while True:
            record = _next_record(reader)
            if record is None:
                break
            number, cells = record
            if not any(cell.strip() for cell in cells):
                continue  # blank lines and spreadsheets' empty ";;;;" rows carry nothing
            report.data_lines += 1
            row, reasons = _read_line(number, cells, today, seen)
            if reasons:
                report.errors.extend(LineError(number, reason) for reason in reasons)
            else:
                report.rows.append(row)
    except csv.Error:
        report.rows = []
        report.errors.append(
            LineError(
                None,
                f"Le fichier n'est pas un CSV lisible (vers la ligne {reader.line_num}) : "
                f"enregistrez-le au format CSV depuis votre tableur.",
            )
        )
        return report
    if report.data_lines == 0:
        only_header = "Le fichier ne contient que la ligne d'en-tête : aucun élève à importer."
        report.errors.append(LineError(None, only_header))
    return report


def _next_record(reader) -> tuple[int, list[str]] | None:
    """The next record with the number of the line it starts on (a quoted cell may span lines)."""
    start = reader.line_num + 1
    try:
        return start, next(reader)
    except StopIteration:
        return None


def _check_header(cells: list[str]) -> str | None:
    found = [cell.strip() for cell in cells]
    if tuple(found) == COLUMNS:
        return None
    expected = f"Première ligne attendue : {HEADER}"
    for position, (wanted, got) in enumerate(zip(COLUMNS, found, strict=False), start=1):
        if wanted != got:
            return (
                f"En-tête inattendu : la colonne {position} devrait s'appeler « {wanted} » "
                f"et non « {got} ». {expected}"
            )
    return f"En-tête inattendu : {len(found)} colonnes au lieu de {len(COLUMNS)}. {expected}"


class _Bad(Exception):
    """A cell's value is refused; the message names the column and the value."""


def _read_line(
    number: int, cells: list[str], today: date, seen: _Seen
) -> tuple[RosterRow | None, list[str]]:
    if len(cells) != len(COLUMNS):
        return None, [
            f"{len(COLUMNS)} colonnes attendues, séparées par « ; », mais {len(cells)} trouvées."
        ]
    raw = {column: " ".join(cell.split()) for column, cell in zip(COLUMNS, cells, strict=True)}
    values, reasons = _read_cells(raw, today)
    reasons += _contradictions(number, raw, values, seen)
    if reasons:
        return None, reasons
    return _row(number, values), []


def _read_cells(raw: dict[str, str], today: date) -> tuple[dict, list[str]]:
    """Each cell's normalised value (None if refused), and the reasons of the refusals."""
    rules = {
        "uai": (_uai,),
        "etablissement_nom": (_required, "Nom de l'établissement manquant"),
        "ine": (_ine,),
        "eleve_nom": (_required, "Nom de l'élève manquant"),
        "eleve_prenom": (_required, "Prénom de l'élève manquant"),
        "eleve_date_naissance": (_birth_date, today),
        "niveau": (_niveau,),
        "classe": (_required, "Classe manquante"),
        "resp_civilite": (_civilite,),
        "resp_nom": (_required, "Nom du responsable manquant"),
        "resp_prenom": (_required, "Prénom du responsable manquant"),
        "resp_lien": (_lien,),
        # Read with the school's region even when the UAI is refused: its prefix still counts.
        "resp_telephone_portable": (_telephone, region_for_uai(raw["uai"])),
        "resp_email": (_email,),
    }
    values: dict = {}
    reasons: list[str] = []
    for column, (rule, *args) in rules.items():
        try:
            values[column] = rule(column, raw[column], *args)
        except _Bad as bad:
            values[column] = None
            reasons.append(str(bad))
    return values, reasons


def _contradictions(number: int, raw: dict[str, str], values: dict, seen: _Seen) -> list[str]:
    """What this line says differently from an earlier line about the same school, pupil or
    parent (only the cells read correctly on both lines are compared)."""
    uai, ine = values["uai"], values["ine"]
    reasons = []
    if uai and values["etablissement_nom"]:
        reasons += seen.etablissement(number, uai, _pick(values, "etablissement_nom"))
    if ine:
        eleve = _pick(
            values, "eleve_nom", "eleve_prenom", "eleve_date_naissance", "niveau", "classe", "uai"
        )
        reasons += seen.eleve(number, ine, eleve)
    nom, prenom, telephone = (
        values["resp_nom"],
        values["resp_prenom"],
        values["resp_telephone_portable"],
    )
    if uai and nom and prenom and telephone:
        parent = _pick(values, "resp_civilite", "resp_lien", "resp_email")
        # An empty e-mail is a value to compare ("" here, an address there); a refused one is not.
        if not raw["resp_email"]:
            parent["resp_email"] = ""
        key = responsable_key(uai, nom, prenom, telephone)
        reasons += seen.responsable(number, key, parent)
    return reasons


def _pick(values: dict, *columns: str) -> dict:
    return {column: values[column] for column in columns}


def _row(number: int, values: dict) -> RosterRow:
    uai = values["uai"]
    return RosterRow(
        line=number,
        etablissement=Etablissement(
            uai=uai, nom=values["etablissement_nom"], region=region_for_uai(uai)
        ),
        eleve=Eleve(
            ine=values["ine"],
            nom=values["eleve_nom"],
            prenom=values["eleve_prenom"],
            date_naissance=values["eleve_date_naissance"],
            niveau=values["niveau"],
            classe=values["classe"],
            uai=uai,
        ),
        responsable=Responsable(
            civilite=values["resp_civilite"],
            nom=values["resp_nom"],
            prenom=values["resp_prenom"],
            lien=values["resp_lien"],
            telephone=values["resp_telephone_portable"],
            email=values["resp_email"],
        ),
    )


# Each rule takes the column name and the cell (spaces trimmed and collapsed) and returns the
# normalised value, or raises _Bad with a message naming the column and the value.


def _required(column: str, value: str, missing: str) -> str:
    if not value:
        raise _Bad(f"{missing} (colonne {column}).")
    return value


def _uai(column: str, value: str) -> str:
    code = _required(column, value, "UAI de l'établissement manquant").upper()
    if not _UAI.match(code):
        raise _Bad(
            f"UAI « {value} » invalide (colonne {column}) : il faut 7 chiffres suivis d'une "
            f"lettre, par exemple 0691234A."
        )
    return code


def _ine(column: str, value: str) -> str:
    code = _required(column, value, "INE de l'élève manquant").upper()
    if not _INE.match(code):
        raise _Bad(
            f"INE « {value} » invalide (colonne {column}) : il faut 11 caractères, "
            f"lettres ou chiffres."
        )
    return code


def _birth_date(column: str, value: str, today: date) -> date:
    _required(column, value, "Date de naissance de l'élève manquante")
    match = _DATE.match(value)
    if not match:
        raise _Bad(
            f"Date de naissance « {value} » au mauvais format (colonne {column}) : "
            f"écrivez JJ/MM/AAAA, par exemple 04/05/2013."
        )
    day, month, year = (int(part) for part in match.groups())
    try:
        born = date(year, month, day)
    except ValueError:
        raise _Bad(
            f"Date de naissance « {value} » impossible (colonne {column}) : ce jour n'existe pas."
        ) from None
    if born > today:
        raise _Bad(f"Date de naissance « {value} » dans le futur (colonne {column}).")
    return born


def _niveau(column: str, value: str) -> str:
    _required(column, value, "Niveau de l'élève manquant")
    match = _NIVEAU.match(_plain(value))
    if not match:
        raise _Bad(f"Niveau « {value} » inconnu (colonne {column}) : indiquez 6e, 5e, 4e ou 3e.")
    return f"{match.group(1)}e"


def _civilite(column: str, value: str) -> str:
    _required(column, value, "Civilité du responsable manquante")
    civilite = _CIVILITES.get(_plain(value))
    if civilite is None:
        raise _Bad(f"Civilité « {value} » inconnue (colonne {column}) : indiquez M. ou Mme.")
    return civilite


def _lien(column: str, value: str) -> str:
    _required(column, value, "Lien du responsable avec l'élève manquant")
    lien = _LIENS.get(_plain(value))
    if lien is None:
        raise _Bad(
            f"Lien « {value} » inconnu (colonne {column}) : indiquez mère, père, tuteur ou autre."
        )
    return lien


def _telephone(column: str, value: str, region: str) -> str:
    _required(column, value, "Téléphone portable du responsable manquant")
    try:
        return parse_mobile(value, region)
    except PhoneError as error:
        raise _Bad(f"Téléphone « {value} » refusé (colonne {column}) : {error.message}") from None


def _email(column: str, value: str) -> str | None:
    if not value:
        return None  # the e-mail is optional
    if not _EMAIL.match(value):
        raise _Bad(
            f"Adresse e-mail « {value} » invalide (colonne {column}) : "
            f"exemple attendu prenom.nom@example.org."
        )
    return value


def _plain(value: str) -> str:
    """Lower-case without accents, to read what people type for civilité, lien and niveau."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class _Seen:
    """What earlier lines said about each établissement, élève and responsable, so that a line
    contradicting one of them is reported instead of silently winning."""

    def __init__(self):
        self._records: dict[tuple, tuple[int, dict]] = {}

    def etablissement(self, number: int, uai: str, fields: dict) -> list[str]:
        return self._compare(("etablissement", uai), number, fields, f"l'établissement {uai}")

    def eleve(self, number: int, ine: str, fields: dict) -> list[str]:
        return self._compare(("eleve", ine), number, fields, f"l'élève d'INE {ine}")

    def responsable(self, number: int, key: tuple, fields: dict) -> list[str]:
        return self._compare(("responsable", *key), number, fields, "le même responsable")

    def _compare(self, key: tuple, number: int, fields: dict, who: str) -> list[str]:
        if key not in self._records:
            self._records[key] = (number, fields)
            return []
        first_line, first = self._records[key]
        reasons = []
        for column, value in fields.items():
            earlier = first.get(column)
            if value is None or earlier is None or _same(column, value, earlier):
                continue
            reasons.append(
                f"Contredit la ligne {first_line} pour {who} (colonne {column}) : "
                f"« {_shown(value)} » ici, « {_shown(earlier)} » à la ligne {first_line}."
            )
        return reasons


def _same(column: str, value, earlier) -> bool:
    if column == "resp_email":
        return value.casefold() == earlier.casefold()
    if isinstance(value, str):
        # "DUPONT" and "Dupont", "5e B" and "5eB" name the same thing.
        return normalize_name(value) == normalize_name(earlier)
    return value == earlier


def _shown(value) -> str:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return value or "(vide)"
