"""« Je n'ai pas encore d'identifiant » walked by a parent on a phone (§2), then signing out and
in again with the identifier shown; once more with JavaScript off."""

import re

from playwright.sync_api import expect

from e2e.browsers import assert_accessible, assert_accessible_without_js
from e2e.outbox import last_code, last_sms
from e2e.signing import sign_out

PASSWORD = "Cartable-Rentree-2026"


def fill_date(page, child: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=re.compile(f"Date de naissance d(e |'){child}"))
    group.get_by_label("Jour").fill(day)
    group.get_by_label("Mois").fill(month)
    group.get_by_label("Année").fill(year)


def test_self_registration_on_a_phone(phone, app_server):
    page, check = phone, assert_accessible
    page.goto("/connexion")
    page.get_by_role("link", name="Je n'ai pas encore d'identifiant").click()
    expect(page).to_have_title("Étape 1 sur 5 — Vos informations — Téléservices")
    check(page, "étape 1")

    # A landline, then a name the school does not know.
    page.get_by_label("Nom", exact=False).first.fill("Da Silva")
    page.get_by_label("Prénom").fill("François")
    page.get_by_label("Numéro de téléphone portable").fill("04 72 10 20 30")
    page.get_by_role("button", name="Recevoir un code par SMS").click()
    expect(page.get_by_text("C'est un numéro de téléphone fixe")).to_be_visible()
    expect(page.get_by_label("Numéro de téléphone portable")).to_be_focused()
    check(page, "étape 1, numéro fixe")

    page.get_by_label("Numéro de téléphone portable").fill("06 45 12 78 33")
    page.get_by_label("Prénom").fill("Françoise")
    page.get_by_role("button", name="Recevoir un code par SMS").click()
    expect(page.get_by_role("alert")).to_contain_text("Nous ne trouvons pas de responsable")
    check(page, "étape 1, responsable inconnu")

    page.get_by_label("Prénom").fill("francois")  # case and accents do not matter
    page.get_by_role("button", name="Recevoir un code par SMS").click()
    expect(page).to_have_url(re.compile("/inscription/code$"))
    expect(page).to_have_title("Étape 2 sur 5 — Code reçu par SMS — Téléservices")
    expect(page.locator("#etape")).to_be_focused()
    expect(page.get_by_text("06 •• •• •• 33")).to_be_visible()
    check(page, "étape 2")

    code = last_code(page, app_server.url, "+33645127833")
    wrong = "000000" if code != "000000" else "111111"
    page.get_by_label("Code reçu par SMS").fill(wrong)
    page.get_by_role("button", name="Valider le code").click()
    expect(page.get_by_text("Le code saisi est incorrect. Il vous reste 2 essais.")).to_be_visible()
    check(page, "étape 2, mauvais code")

    page.get_by_role("button", name="Recevoir un nouveau code").click()
    expect(page.get_by_role("alert")).to_contain_text("Vous pourrez demander un nouveau code")
    check(page, "étape 2, nouveau code trop tôt")

    page.get_by_label("Code reçu par SMS").fill(code)
    page.get_by_role("button", name="Valider le code").click()
    expect(page).to_have_title("Étape 3 sur 5 — Vos enfants — Téléservices")
    # Children in two schools, each named with their school.
    expect(page.get_by_role("group", name=re.compile("Lucas — Collège Concorde"))).to_be_visible()
    expect(
        page.get_by_role("group", name=re.compile("Emma — Collège des Palmistes"))
    ).to_be_visible()
    check(page, "étape 3")

    fill_date(page, "Lucas", "30", "8", "2014")
    fill_date(page, "Emma", "17", "4", "2013")
    page.get_by_role("button", name="Confirmer").click()
    emma = page.get_by_role("group", name=re.compile("Emma"))
    expect(emma.get_by_text("Cette date ne correspond pas")).to_be_visible()
    expect(
        page.get_by_role("group", name=re.compile("Lucas")).locator(".fr-message--error")
    ).to_have_count(0)
    check(page, "étape 3, mauvaise date")

    fill_date(page, "Emma", "17", "4", "2012")
    page.get_by_role("button", name="Confirmer").click()
    expect(page).to_have_title("Étape 4 sur 5 — Votre mot de passe — Téléservices")
    check(page, "étape 4")

    page.locator("#mot_de_passe").fill("court")
    expect(page.locator("#mot_de_passe-regle-length.fr-message--error")).to_be_visible()
    page.locator("#mot_de_passe").fill(PASSWORD)
    expect(page.locator("#mot_de_passe-regle-length.fr-message--valid")).to_be_visible()
    page.locator("#confirmation").fill(PASSWORD + "!")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_text("Les deux mots de passe ne sont pas identiques.")).to_be_visible()
    check(page, "étape 4, confirmation différente")

    page.locator("#mot_de_passe").fill(PASSWORD)
    page.locator("#confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_title("Étape 5 sur 5 — Compte activé — Téléservices")
    identifiant = page.locator("#identifiant-cree").inner_text()
    assert re.fullmatch(r"f\.dasilva\d+", identifiant)
    assert identifiant in last_sms(page, app_server.url, "+33645127833")
    check(page, "étape 5")

    page.get_by_role("link", name="Accéder à mes services").click()
    expect(page).to_have_title("Mes services — Téléservices")
    expect(page.get_by_role("heading", name="Lucas Da Silva")).to_be_visible()
    expect(page.get_by_role("heading", name="Emma Da Silva")).to_be_visible()
    check(page, "mes services")

    sign_out(page)
    expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté.")
    check(page, "déconnecté")
    page.goto("/mes-services")
    expect(page).to_have_url(re.compile("/connexion$"))

    page.locator("#identifiant").fill(identifiant)
    page.locator("#mot_de_passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_title("Mes services — Téléservices")


def test_self_registration_without_javascript(phone_without_js, app_server):
    page, check = phone_without_js, assert_accessible_without_js
    page.goto("/inscription")
    page.get_by_label("Nom", exact=False).first.fill("BENALI")
    page.get_by_label("Prénom").fill("Karim")
    page.get_by_label("Numéro de téléphone portable").fill("+33 6 23 45 67 89")
    page.get_by_role("button", name="Recevoir un code par SMS").click()
    expect(page).to_have_url(re.compile("/inscription/code$"))
    check(page, "étape 2 sans JavaScript")

    page.get_by_label("Code reçu par SMS").fill(last_code(page, app_server.url, "+33623456789"))
    page.get_by_role("button", name="Valider le code").click()
    expect(page).to_have_url(re.compile("/inscription/enfants$"))
    fill_date(page, "Inès", "21", "06", "2014")
    page.get_by_role("button", name="Confirmer").click()
    expect(page).to_have_url(re.compile("/inscription/mot-de-passe$"))

    page.locator("#mot_de_passe").fill("motdepasse")
    page.locator("#confirmation").fill("motdepasse")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator("#mot_de_passe-regle-upper.fr-message--error")).to_be_visible()
    check(page, "étape 4 sans JavaScript, mot de passe faible")

    page.locator("#mot_de_passe").fill(PASSWORD)
    page.locator("#confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_url(re.compile("/inscription/compte-active$"))
    identifiant = page.locator("#identifiant-cree").inner_text()
    assert identifiant.startswith("k.benali")
    check(page, "étape 5 sans JavaScript")
    page.get_by_role("link", name="Accéder à mes services").click()
    expect(page.get_by_role("heading", name="Inès Benali")).to_be_visible()
