"""The school's side of a scholarship request (journeys §7, back office) in a real browser at the
phone viewport, with axe after every step and error state. A family of this test alone has sent
its request (written through the records' own function, so this test stays about the staff); a
secretary of the Collège Concorde finds it with a filter, opens it, puts it « en instruction »,
tries to grant it without an échelon, grants échelon 3; the family's e-mail reaches the real SMTP
server with the échelon and the amounts; the CSV export holds the decision."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from playwright.sync_api import expect

from e2e.browsers import assert_accessible
from e2e.parents import add_roster_lines, create_parent
from e2e.staff import create_staff
from outside.storage import Store
from records.accounts import children_of, find_by_identifiant
from records.bourse_requests import submit
from rules.bourse import estimate
from rules.clock import PARIS

STAFF = "e2e.bourse.secretariat"
STAFF_PASSWORD = "Bureau-Bourses-2026!"
COURRIEL = "odile.fontaine@example.net"
FAMILY = [
    "0691234A;Collège Concorde;0691600301A;Fontaine;Maëlle;12/03/2014;5e;5eC;Mme;Fontaine;"
    "Odile;mère;06 70 00 03 01;odile.fontaine@example.org",
]
# Within the campaign the demo seed opens (1 September – 15 October 2026).
SENT_AT = datetime(2026, 9, 14, 9, 30, tzinfo=PARIS)


def submitted_request(server) -> str:
    """Mme Fontaine's request for Maëlle, as the parent's journey records it; its number.
    Her income is above the ceilings: the estimate is échelon 0, so no échelon is chosen
    beforehand on the staff's form."""
    add_roster_lines(server, FAMILY)
    identifiant = create_parent(server, "Fontaine", "Odile", "06 70 00 03 01")
    store = Store(server.env["FLASK_DATABASE"])
    account = find_by_identifiant(store, identifiant)
    (child,) = children_of(store, account["responsables"])
    data = {
        "coordonnees": {
            "courriel": COURRIEL,
            "telephone": account["telephone"],
            "adresse": {
                "ligne1": "4 place des Tilleuls",
                "ligne2": "",
                "code_postal": "69005",
                "commune": "Lyon",
            },
        },
        "fiscal": {
            "source": "dgfip",
            "avis": [
                {"numero_fiscal": "3023217600053", "reference_avis": "2612A98765432", "avis": None}
            ],
            "rfr": 60000,
            "enfants_a_charge": 2,
            "annee_revenus": 2025,
            "consentement_dgfip": True,
            "renouvellement": "accepte",
            "pieces": [],
        },
        "estimation": estimate("2026-2027", 60000, 2).as_dict(),
        "banque": {"titulaire": "Odile Fontaine", "iban": "FR7630006000011234567890189", "bic": ""},
    }
    return submit(store, account, child, data, "e2e-admin-bourse", SENT_AT)["numero"]


def test_a_secretary_grants_a_request_on_a_phone(phone, app_server, smtp_server):
    numero = submitted_request(app_server)
    create_staff(app_server, STAFF, STAFF_PASSWORD)
    page, check = phone, assert_accessible

    page.goto("/admin/connexion")
    page.locator("#identifiant").fill(STAFF)
    page.locator("#mot_de_passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_title("Espace établissement — Téléservices")
    check(page, "accueil")

    page.get_by_role("link", name="Demandes de bourse").click()
    expect(page).to_have_title("Demandes de bourse — Téléservices")
    expect(page.get_by_role("table", name="Demandes par état")).to_be_visible()
    check(page, "liste des demandes")

    page.get_by_label("Nom, prénom ou numéro").fill("maelle fontaine")
    page.get_by_label("État").select_option("déposée")
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"/admin/bourses\?q=maelle(%20|\+)fontaine&etat="))
    expect(page.get_by_text("1 demande trouvée.")).to_be_visible()
    check(page, "demande trouvée")

    page.get_by_role("link", name=numero).click()
    expect(page).to_have_title(f"Demande de bourse n° {numero} — Téléservices")
    expect(page.get_by_text("Maëlle Fontaine, classe de 5eC")).to_be_visible()
    expect(page.get_by_text("IBAN : FR76")).not_to_contain_text("0189")
    check(page, "demande")

    page.get_by_role("button", name="Passer en instruction").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"La demande n° {numero} est en instruction."
    )
    check(page, "en instruction")

    page.get_by_role("button", name="Accorder").click()
    expect(page.get_by_text("Choisissez l'échelon accordé : 1, 2 ou 3.")).to_be_visible()
    expect(page.get_by_label("Échelon 1 : 120 € par an")).to_be_focused()
    check(page, "accorder sans échelon")

    # DSFR draws the radio on its label, which takes the click.
    page.locator("label[for=echelon-3]").click()
    expect(page.get_by_label("Échelon 3 : 525 € par an")).to_be_checked()
    page.get_by_role("button", name="Accorder").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"La famille est prévenue par courriel ({COURRIEL})."
    )
    expect(page.get_by_text("Accordée à l'échelon 3 : 525 € pour l'année")).to_be_visible()
    check(page, "accordée")

    (mail,) = smtp_server.received(COURRIEL)
    assert mail["subject"] == f"Demande de bourse de collège n° {numero} : bourse accordée"
    assert "La bourse de collège est accordée, à l'échelon 3." in mail["body"]
    assert "525 €, versé en trois fois 175 €" in mail["body"]
    assert "Maëlle Fontaine (5eC, Collège Concorde)" in mail["body"]

    page.get_by_role("link", name="Retour à la liste des demandes").click()
    page.get_by_label("Nom, prénom ou numéro").fill(numero)
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_text("1 demande trouvée.")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter cette demande (CSV)").click()
    data = download.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    (row,) = csv.DictReader(io.StringIO(data[3:].decode("utf-8")), delimiter=";")
    assert row["Numéro"] == numero and row["État"] == "accordée"
    assert row["Élève"] == "Maëlle Fontaine" and row["Courriel"] == COURRIEL
    assert (row["Échelon estimé"], row["Échelon accordé"]) == ("0", "3")
    assert row["Montant annuel accordé (€)"] == "525"
    check(page, "export")
