"""Families and active parent accounts for the end-to-end tests of the online services.

Each test that needs a signed-in parent adds its own family to the server's roster (the command
a school uses), so no two tests share a child; the account is written straight into the server's
database (the service's own storage, in one transaction), as an earlier
activation would have left it, and the parent signs in through the login page.
"""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from playwright.sync_api import expect

from e2e.signing import submit_sign_in
from outside.storage import open_store
from records.accounts import create_account, find_responsables
from records.notifications import Letter, notify
from rules.clock import Clock
from rules.passwords import hash_password
from rules.phones import parse_mobile

HEADER = (
    "uai;etablissement_nom;ine;eleve_nom;eleve_prenom;eleve_date_naissance;niveau;classe;"
    "resp_civilite;resp_nom;resp_prenom;resp_lien;resp_telephone_portable;resp_email"
)
PASSWORD = "Cartable-Vert-2026"


def add_roster_lines(server, lines: list[str]) -> None:
    """Import these roster lines (the CSV columns of journeys §0, without the header)."""
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as file:
        file.write("\n".join([HEADER, *lines]) + "\n")
    try:
        server.flask("roster", "import", file.name)
    finally:
        Path(file.name).unlink()


def create_parent(server, nom: str, prenom: str, telephone: str, password: str = PASSWORD) -> str:
    """An active account (auto-inscription) for the responsable(s) with this name and mobile;
    returns its identifiant."""
    e164 = parse_mobile(telephone)
    password_hash = hash_password(password)
    with open_store(server.env["FLASK_DATABASE"]).writing() as tx:
        responsables = find_responsables(tx, e164, nom, prenom)
        assert responsables, f"pas de responsable {prenom} {nom} ({telephone}) dans la liste"
        account = create_account(
            tx,
            [responsable["id"] for responsable in responsables],
            prenom,
            nom,
            e164,
            password_hash,
            "auto-inscription",
            datetime.now(UTC),
        )
    return account["identifier"]


def letter_for(server, nom: str, telephone: str, uai: str, region: str = "FR") -> Letter:
    """The school's letter to the responsable with this nom and mobile in `uai` (as the back
    office's « Imprimer les identifiants » makes it, on the service's clock: dated later, the
    letter would supersede the activation links the service sends): its account becomes
    « notifié »."""
    e164 = parse_mobile(telephone, region)
    with open_store(server.env["FLASK_DATABASE"]).writing() as tx:
        (record,) = [
            doc
            for doc in tx.find("responsables", telephone=e164)
            if doc["nom"] == nom and doc["uai"] == uai
        ]
        now = Clock(date.fromisoformat(server.env["FLASK_TODAY"])).now()
        (letter,) = notify(tx, [record["id"]], "e2e.secretariat", "courrier", now)
    return letter


def sign_in(page, identifiant: str, password: str = PASSWORD) -> None:
    """Through the login page, to « Mes services »."""
    page.goto("/connexion")
    submit_sign_in(page, identifiant, password)
    expect(page).to_have_url(re.compile("/mes-services$"))
