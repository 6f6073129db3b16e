"""The tax data of a household: the avis d'imposition, found by the numéro fiscal and the
référence de l'avis (the online request, journeys §7) or by the declarants' état civil élargi (the
automatic examination, §7 bis).

The interface `TaxData` has two lookups, `lookup(numero_fiscal, reference_avis)` and
`find_by_civil_status(applicant, partner, annee_impots)`, both answering `AvisImposition`s shaped
like API Particulier's « avis d'imposition » answer (DGFiP data), or raising `TaxUnknown` (no such
notice) or `TaxUnavailable` (service down, timeout, bad answer). The local default,
`SandboxTaxData`, reads test households from a JSON file (setting TAX_SANDBOX_DATA,
`data/sandbox/households.json`); a real connector calls the DGFiP's APIs, reads their JSON with
`AvisImposition.from_api` and raises the same two errors.

Field names: the API's camelCase keys (`revenuFiscalReference`, `nombrePersonnesCharge`, …) become
snake_case attributes; dates arrive as "JJ/MM/AAAA" and become `date` (None for "" or "-").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from rules.civil_status import CivilStatus, same_person


class TaxError(Exception):
    """The notice could not be had; the message is for the logs, never for the parent."""


class TaxUnknown(TaxError):
    """No notice for this numéro fiscal and référence de l'avis, or for this état civil and
    year."""


class TaxUnavailable(TaxError):
    """The tax-data service did not answer usefully (down, timeout, malformed answer)."""


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _int(value: Any) -> int | None:
    if value in (None, "", "-"):
        return None
    return int(value)


def _number(value: Any) -> float | None:
    if value in (None, "", "-"):
        return None
    return float(value)


def _date(value: Any) -> date | None:
    text = _text(value)
    if text in ("", "-"):
        return None
    for layout in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise ValueError(f"date illisible : {text!r}")


def _date_text(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


@dataclass(frozen=True)
class Declarant:
    nom: str
    nom_naissance: str
    prenoms: str
    date_naissance: date | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any] | None) -> Declarant | None:
        """None when the API sends the second declarant with every field empty (one declarant)."""
        data = data or {}
        declarant = cls(
            nom=_text(data.get("nom")),
            nom_naissance=_text(data.get("nomNaissance")),
            prenoms=_text(data.get("prenoms")),
            date_naissance=_date(data.get("dateNaissance")),
        )
        if not (declarant.nom or declarant.nom_naissance or declarant.prenoms):
            return None
        return declarant

    def to_api(self) -> dict[str, str]:
        return {
            "nom": self.nom,
            "nomNaissance": self.nom_naissance,
            "prenoms": self.prenoms,
            "dateNaissance": _date_text(self.date_naissance),
        }


_NO_DECLARANT = {"nom": "", "nomNaissance": "", "prenoms": "", "dateNaissance": ""}


@dataclass(frozen=True)
class FoyerFiscal:
    adresse: str
    annee: int | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any] | None) -> FoyerFiscal:
        data = data or {}
        return cls(adresse=_text(data.get("adresse")), annee=_int(data.get("annee")))

    def to_api(self) -> dict[str, Any]:
        return {"adresse": self.adresse, "annee": self.annee}


@dataclass(frozen=True)
class AvisImposition:
    declarant1: Declarant
    declarant2: Declarant | None
    foyer_fiscal: FoyerFiscal
    date_recouvrement: date | None
    date_etablissement: date | None
    nombre_parts: float | None
    situation_famille: str
    nombre_personnes_charge: int
    revenu_brut_global: int | None
    revenu_imposable: int | None
    impot_revenu_net_avant_corrections: int | None
    montant_impot: int | None
    revenu_fiscal_reference: int | None
    annee_impots: int
    annee_revenus: int
    erreur_correctif: str
    situation_partielle: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AvisImposition:
        """Read API Particulier's JSON answer (camelCase keys). A malformed answer raises
        TaxUnavailable: the service answered, but nothing usable."""
        try:
            declarant1 = Declarant.from_api(data["declarant1"])
            if declarant1 is None:
                raise ValueError("declarant1 vide")
            annee_impots = _int(data["anneeImpots"])
            annee_revenus = _int(data.get("anneeRevenus"))
            if annee_impots is None:
                raise ValueError("anneeImpots vide")
            return cls(
                declarant1=declarant1,
                declarant2=Declarant.from_api(data.get("declarant2")),
                foyer_fiscal=FoyerFiscal.from_api(data.get("foyerFiscal")),
                date_recouvrement=_date(data.get("dateRecouvrement")),
                date_etablissement=_date(data.get("dateEtablissement")),
                nombre_parts=_number(data.get("nombreParts")),
                situation_famille=_text(data.get("situationFamille")),
                nombre_personnes_charge=_int(data.get("nombrePersonnesCharge")) or 0,
                revenu_brut_global=_int(data.get("revenuBrutGlobal")),
                revenu_imposable=_int(data.get("revenuImposable")),
                impot_revenu_net_avant_corrections=_int(data.get("impotRevenuNetAvantCorrections")),
                montant_impot=_int(data.get("montantImpot")),
                revenu_fiscal_reference=_int(data.get("revenuFiscalReference")),
                annee_impots=annee_impots,
                annee_revenus=annee_impots - 1 if annee_revenus is None else annee_revenus,
                erreur_correctif=_text(data.get("erreurCorrectif")),
                situation_partielle=_text(data.get("situationPartielle")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise TaxUnavailable(f"réponse illisible : {error}") from None

    def to_api(self) -> dict[str, Any]:
        """The same notice as the API's JSON, e.g. to keep it in a request record;
        `from_api(avis.to_api()) == avis`."""
        return {
            "declarant1": self.declarant1.to_api(),
            "declarant2": self.declarant2.to_api() if self.declarant2 else dict(_NO_DECLARANT),
            "foyerFiscal": self.foyer_fiscal.to_api(),
            "dateRecouvrement": _date_text(self.date_recouvrement),
            "dateEtablissement": _date_text(self.date_etablissement),
            "nombreParts": self.nombre_parts,
            "situationFamille": self.situation_famille,
            "nombrePersonnesCharge": self.nombre_personnes_charge,
            "revenuBrutGlobal": self.revenu_brut_global,
            "revenuImposable": self.revenu_imposable,
            "impotRevenuNetAvantCorrections": self.impot_revenu_net_avant_corrections,
            "montantImpot": self.montant_impot,
            "revenuFiscalReference": self.revenu_fiscal_reference,
            "anneeImpots": str(self.annee_impots),
            "anneeRevenus": str(self.annee_revenus),
            "erreurCorrectif": self.erreur_correctif,
            "situationPartielle": self.situation_partielle,
        }


@runtime_checkable
class TaxData(Protocol):
    def lookup(self, numero_fiscal: str, reference_avis: str) -> AvisImposition:
        """The notice, or TaxUnknown / TaxUnavailable. Both numbers come checked and compact
        (`rules.tax_numbers`)."""
        ...

    def find_by_civil_status(
        self, applicant: CivilStatus, partner: CivilStatus | None, annee_impots: int
    ) -> list[AvisImposition]:
        """The notices of tax year `annee_impots` (income of the year before) whose declarants
        are the applicant and the partner: one (a single parent, or a married or PACSed couple
        on one notice), or two, the applicant's first (partners not married, each their own).
        TaxUnknown when the applicant's notice, or a given partner's, is not found;
        TaxUnavailable when the service is down.

        A real connector sends each état civil élargi to the DGFiP, which finds the person
        itself (the courtier SFiP: a search of the person, formerly API R2P, with nom de
        naissance, prénoms, date of birth and place of birth as an INSEE code — the commune's,
        or the country's « 99… » code abroad — giving the numéro fiscal, then API Impôt
        particulier's notice of that year for it), reads each notice with
        `AvisImposition.from_api` and keeps one notice when both partners are on it.
        """
        ...


class SandboxTaxData:
    """Test households from a JSON file (see `data/sandbox/households.json`):

    {"_comment": …,
     "unavailable": ["<numéro fiscal>", …],        # answers TaxUnavailable, as if down
     "unknown": ["<numéro fiscal>", …],            # documentation: absent, so TaxUnknown
     "unavailableCivilStatuses": [<état civil>, …],  # answers TaxUnavailable, as if down
     "households": [{"numerosFiscaux": [...], "referenceAvis": "...",
                     "etatsCivils": [<état civil>, …],  # optional, one per declarant
                     "avis": {<API JSON>}}]}
    <état civil> = {"nomNaissance", "nomUsage", "prenoms", "dateNaissance": "JJ/MM/AAAA",
                    "communeNaissance", "departementNaissance", "paysNaissance"}

    A notice is found by any of its declarants' numéros fiscaux with its référence de l'avis, or
    by the état civil of its declarants held beside it, compared by
    `rules.civil_status.same_person` (the DGFiP's own search, played by the sandbox). The file
    is read at each lookup, so an edit shows without a restart; a missing or broken file
    answers TaxUnavailable, as a real service that is down would.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def _read(self) -> dict[str, Any]:
        try:
            with self.path.open(encoding="utf-8") as file:
                data = json.load(file)
        except (OSError, ValueError) as error:
            raise TaxUnavailable(f"bac à sable illisible ({self.path}) : {error}") from None
        if not isinstance(data, dict):
            raise TaxUnavailable(f"bac à sable illisible ({self.path}) : objet JSON attendu")
        return data

    def lookup(self, numero_fiscal: str, reference_avis: str) -> AvisImposition:
        data = self._read()
        if numero_fiscal in data.get("unavailable", []):
            raise TaxUnavailable("bac à sable : indisponibilité simulée")
        for household in data.get("households", []):
            if numero_fiscal in household.get(
                "numerosFiscaux", []
            ) and reference_avis == household.get("referenceAvis"):
                return AvisImposition.from_api(household["avis"])
        raise TaxUnknown("aucun avis pour ce numéro fiscal et cette référence")

    def find_by_civil_status(
        self, applicant: CivilStatus, partner: CivilStatus | None, annee_impots: int
    ) -> list[AvisImposition]:
        data = self._read()
        people = [person for person in (applicant, partner) if person]
        if any(same_person(person, down) for person in people for down in _down(data)):
            raise TaxUnavailable("bac à sable : indisponibilité simulée")
        notices = [held for held in _held_notices(data) if held.avis.annee_impots == annee_impots]
        applicants_notice = _notice_of(applicant, notices)
        if applicants_notice is None:
            raise TaxUnknown(f"aucun avis {annee_impots} pour l'état civil du demandeur")
        if partner is None or applicants_notice.declares(partner):
            return [applicants_notice.avis]
        partners_notice = _notice_of(partner, notices)
        if partners_notice is None:
            raise TaxUnknown(f"aucun avis {annee_impots} pour l'état civil du conjoint")
        return [applicants_notice.avis, partners_notice.avis]


@dataclass(frozen=True)
class _HeldNotice:
    """A sandbox notice with the état civil of its declarants, as the DGFiP holds them."""

    avis: AvisImposition
    declarants: tuple[CivilStatus, ...]

    def declares(self, person: CivilStatus) -> bool:
        return any(same_person(person, declarant) for declarant in self.declarants)


def _notice_of(person: CivilStatus, notices: list[_HeldNotice]) -> _HeldNotice | None:
    return next((held for held in notices if held.declares(person)), None)


def _held_notices(data: Mapping[str, Any]) -> list[_HeldNotice]:
    """Every notice found by état civil; a malformed one makes the sandbox unavailable."""
    return [
        _HeldNotice(
            AvisImposition.from_api(household["avis"]),
            tuple(_civil_status(record) for record in _records(household["etatsCivils"])),
        )
        for household in _records(data.get("households", []))
        if household.get("etatsCivils") is not None
    ]


def _down(data: Mapping[str, Any]) -> list[CivilStatus]:
    return [_civil_status(record) for record in _records(data.get("unavailableCivilStatuses", []))]


def _records(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise TaxUnavailable("bac à sable illisible : liste d'objets JSON attendue")
    return value


def _civil_status(record: Mapping[str, Any]) -> CivilStatus:
    """A sandbox état civil (camelCase keys, date "JJ/MM/AAAA"), or TaxUnavailable."""
    try:
        birth_date = _date(record["dateNaissance"])
        if birth_date is None:
            raise ValueError("dateNaissance vide")
        return CivilStatus(
            birth_name=_text(record["nomNaissance"]),
            first_names=_text(record["prenoms"]),
            birth_date=birth_date,
            birth_commune=_text(record.get("communeNaissance")),
            birth_departement=_text(record.get("departementNaissance")),
            birth_country=_text(record.get("paysNaissance")),
            usage_name=_text(record.get("nomUsage")),
        )
    except (KeyError, ValueError) as error:
        raise TaxUnavailable(f"bac à sable illisible : état civil {error}") from None
