"""FranceConnect (§3) with the service and the sandbox as two real servers on two origins:
the first connection, the logout through FranceConnect, the next connection straight in, and
what a parent sees when FranceConnect fails or is cancelled."""

import re

import pytest
from playwright.sync_api import expect

from e2e.browsers import assert_accessible, assert_accessible_without_js
from e2e.outbox import last_code
from e2e.signing import sign_out


def fill_date(page, child: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=re.compile(f"Date de naissance d(e |'){child}"))
    group.get_by_label("Jour").fill(day)
    group.get_by_label("Mois").fill(month)
    group.get_by_label("Année").fill(year)


def sign_in_with_franceconnect(page, identity: str) -> None:
    page.goto("/connexion")
    page.get_by_role("button", name=re.compile("S'identifier avec\\s+FranceConnect")).click()
    expect(page.get_by_role("heading", name="Choisissez une identité de test")).to_be_visible()
    page.get_by_role("button", name=identity).click()


@pytest.fixture
def misbehaving(franceconnect_sandbox, phone):
    """Make the sandbox fail on purpose, then put it right."""

    def set_mode(mode: str) -> None:
        url = f"{franceconnect_sandbox.url}/api/v2/_test/misbehave"
        assert phone.request.post(url, form={"mode": mode}).ok

    yield set_mode
    set_mode("off")


def test_first_connection_logout_and_next_connection(phone, app_server):
    page, check = phone, assert_accessible
    # Sophie's birth name is Moreau; the school knows her usage name, Lefèvre-D'Almeida.
    sign_in_with_franceconnect(page, "Sophie Marie Moreau")
    expect(page).to_have_url(re.compile("/franceconnect/premiere-connexion$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Première connexion avec FranceConnect"
    )
    expect(page.get_by_text("Sophie Marie Moreau")).to_be_visible()
    check(page, "première connexion, téléphone")

    page.get_by_label("Numéro de téléphone portable").fill("06 12 34 56 78")
    page.get_by_role("button", name="Recevoir un code par SMS").click()
    expect(page).to_have_title("Étape 2 sur 3 — Code reçu par SMS — Téléservices")
    check(page, "première connexion, code")

    page.get_by_label("Code reçu par SMS").fill(last_code(page, app_server.url, "+33612345678"))
    page.get_by_role("button", name="Valider le code").click()
    expect(page).to_have_title("Étape 3 sur 3 — Vos enfants — Téléservices")
    check(page, "première connexion, enfants")

    fill_date(page, "Léa", "14", "03", "2015")
    fill_date(page, "Hugo", "2", "11", "2013")
    page.get_by_role("button", name="Confirmer").click()
    expect(page).to_have_title("Mes services — Téléservices")
    expect(page.get_by_role("status")).to_contain_text("vous connecter avec FranceConnect")
    expect(page.get_by_role("heading", name="Léa Lefèvre-D'Almeida")).to_be_visible()
    check(page, "mes services après la première connexion")

    # Sign-out goes through FranceConnect's session/end and comes back.
    sign_out(page)
    expect(page).to_have_url(re.compile("/connexion$"))
    expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté.")
    check(page, "déconnecté de FranceConnect")
    page.goto("/mes-services")
    expect(page).to_have_url(re.compile("/connexion$"))

    # Next connection: straight in.
    sign_in_with_franceconnect(page, "Sophie Marie Moreau")
    expect(page).to_have_title("Mes services — Téléservices")
    expect(page.get_by_role("heading", name="Hugo Lefèvre-D'Almeida")).to_be_visible()


def test_cancelled_at_franceconnect(phone):
    phone.goto("/connexion")
    phone.get_by_role("button", name=re.compile("S'identifier avec\\s+FranceConnect")).click()
    phone.get_by_role("button", name="Annuler et revenir au service").click()
    expect(phone).to_have_url(re.compile("/connexion$"))
    expect(phone.get_by_role("alert")).to_contain_text("Connexion avec FranceConnect annulée.")
    assert_accessible(phone, "connexion FranceConnect annulée")


def test_identity_matching_no_responsable(phone):
    sign_in_with_franceconnect(phone, "Camille Anne Bernard")
    phone.get_by_label("Numéro de téléphone portable").fill("06 99 88 77 66")
    phone.get_by_role("button", name="Recevoir un code par SMS").click()
    expect(phone.get_by_role("alert")).to_contain_text("Nous ne trouvons pas de responsable")
    assert_accessible(phone, "identité FranceConnect inconnue")


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("token_error", "FranceConnect est momentanément indisponible"),
        ("bad_signature", "La connexion avec FranceConnect n'a pas abouti"),
        ("low_acr", "La connexion avec FranceConnect n'a pas abouti"),
        ("userinfo_not_jwt", "La connexion avec FranceConnect n'a pas abouti"),
    ],
)
def test_franceconnect_failures_sign_nobody_in(phone, misbehaving, mode, message):
    misbehaving(mode)
    sign_in_with_franceconnect(phone, "Karim Benali")
    expect(phone).to_have_url(re.compile("/connexion$"))
    expect(phone.get_by_role("alert")).to_contain_text(message)
    assert_accessible(phone, f"FranceConnect en échec ({mode})")
    phone.goto("/mes-services")
    expect(phone).to_have_url(re.compile("/connexion$"))


def test_a_replayed_callback_signs_nobody_in(phone):
    with phone.expect_request(re.compile("/franceconnect/callback")) as callback:
        sign_in_with_franceconnect(phone, "Aminata Awa N'Diaye")
    expect(phone).to_have_url(re.compile("/franceconnect/premiere-connexion$"))
    phone.goto(callback.value.url)
    expect(phone).to_have_url(re.compile("/connexion$"))
    expect(phone.get_by_role("alert")).to_contain_text("n'a pas abouti")


def test_first_connection_without_javascript(phone_without_js, app_server):
    page = phone_without_js
    sign_in_with_franceconnect(page, "Éric Jean Rousseau")
    page.get_by_label("Numéro de téléphone portable").fill("07 68 12 34 56")
    page.get_by_role("button", name="Recevoir un code par SMS").click()
    page.get_by_label("Code reçu par SMS").fill(last_code(page, app_server.url, "+33768123456"))
    page.get_by_role("button", name="Valider le code").click()
    fill_date(page, "Chloé", "05", "12", "2013")
    page.get_by_role("button", name="Confirmer").click()
    expect(page).to_have_title("Mes services — Téléservices")
    assert_accessible_without_js(page, "mes services sans JavaScript")
