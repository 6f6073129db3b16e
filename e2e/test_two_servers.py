"""Two app servers, one state: a parent starts « Je n'ai pas encore d'identifiant » on one
server and finishes it on the other (as behind a load balancer), then is signed in on both."""

import re

import pytest
from playwright.sync_api import expect

from e2e.browsers import assert_accessible
from e2e.outbox import last_code
from e2e.parents import add_roster_lines
from e2e.servers import start_app
from e2e.test_registration import PASSWORD, fill_date

FAMILY = (
    "0691234A;Collège Concorde;0691600901A;Lambert;Zoé;07/10/2014;5e;5eC;Mme;Lambert;Claire;"
    "mère;06 31 41 59 26;"
)


@pytest.fixture(scope="module")
def other_server(app_server, tmp_path_factory):
    """A second server of 2 processes on the first one's database, with its secret key."""
    env = app_server.env
    server = start_app(
        tmp_path_factory.mktemp("other"),
        DATABASE=env["FLASK_DATABASE"],
        SECRET_KEY=env["FLASK_SECRET_KEY"],
        FRANCECONNECT_ISSUER=env["FLASK_FRANCECONNECT_ISSUER"],
    )
    yield server
    server.stop()


def test_a_registration_started_on_one_server_finishes_on_the_other(
    phone, app_server, other_server
):
    add_roster_lines(app_server, [FAMILY])
    page, check = phone, assert_accessible
    page.goto(f"{app_server.url}/inscription")
    page.get_by_label("Nom", exact=False).first.fill("Lambert")
    page.get_by_label("Prénom").fill("Claire")
    page.get_by_label("Numéro de téléphone portable").fill("06 31 41 59 26")
    page.get_by_role("button", name="Recevoir un code par SMS").click()
    expect(page).to_have_title("Étape 2 sur 5 — Code reçu par SMS — Téléservices")
    check(page, "étape 2, premier serveur")

    # The same browser (cookies belong to the host, whatever the port) on the other server.
    page.goto(f"{other_server.url}/inscription/code")
    expect(page).to_have_title("Étape 2 sur 5 — Code reçu par SMS — Téléservices")
    page.get_by_label("Code reçu par SMS").fill(last_code(page, app_server.url, "+33631415926"))
    page.get_by_role("button", name="Valider le code").click()
    expect(page).to_have_title("Étape 3 sur 5 — Vos enfants — Téléservices")
    check(page, "étape 3, second serveur")

    fill_date(page, "Zoé", "7", "10", "2014")
    page.get_by_role("button", name="Confirmer").click()
    expect(page).to_have_title("Étape 4 sur 5 — Votre mot de passe — Téléservices")
    page.locator("#mot_de_passe").fill(PASSWORD)
    page.locator("#confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_title("Étape 5 sur 5 — Compte activé — Téléservices")
    assert re.fullmatch(r"c\.lambert\d+", page.locator("#identifiant-cree").inner_text())
    check(page, "étape 5, second serveur")

    page.goto(f"{app_server.url}/mes-services")
    expect(page.get_by_role("heading", name="Zoé Lambert")).to_be_visible()
    check(page, "mes services, premier serveur")
