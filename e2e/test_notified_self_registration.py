"""A parent the school already sent a letter to (account « notifié ») who registers alone, as
the expired-letter message advises (issue 12, item 5), on a phone with axe after every step and
error state, once with JavaScript and once without: the registration activates the letter's
account — the same identifiant — and the letter's temporary password no longer signs in. Each
pass has its own family, used by no other test."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.browsers import assert_accessible, assert_accessible_without_js
from e2e.outbox import last_code
from e2e.parents import add_roster_lines, letter_for
from e2e.signing import sign_out, submit_sign_in
from e2e.test_first_login import fill_date

PASSWORD = "Trousse-Orange-2026"
FAMILIES = {
    "javascript": {
        "nom": "Perrin",
        "prenom": "Claire",
        "child": "Zoé",
        "ine": "0691619901A",
        "phone": "06 70 00 19 91",
        "e164": "+33670001991",
    },
    "sans-javascript": {
        "nom": "Quéré",
        "prenom": "Solène",
        "child": "Malo",
        "ine": "0691619902B",
        "phone": "06 70 00 19 92",
        "e164": "+33670001992",
    },
}


@pytest.mark.parametrize(
    ("browser_page", "family"),
    [
        pytest.param("phone", FAMILIES["javascript"], id="javascript"),
        pytest.param("phone_without_js", FAMILIES["sans-javascript"], id="sans-javascript"),
    ],
)
def test_a_notified_parent_registering_alone_gets_the_letters_account(
    request, app_server, browser_page, family
):
    page = request.getfixturevalue(browser_page)
    check = assert_accessible if browser_page == "phone" else assert_accessible_without_js
    nom, prenom, child = family["nom"], family["prenom"], family["child"]
    add_roster_lines(
        app_server,
        [
            f"0691234A;Collège Concorde;{family['ine']};{nom};{child};06/06/2014;5e;5eC;Mme;"
            f"{nom};{prenom};mère;{family['phone']};"
        ],
    )
    letter = letter_for(app_server, nom, family["phone"], "0691234A")

    page.goto("/connexion")
    page.get_by_role("link", name="Je n'ai pas encore d'identifiant").click()
    expect(page).to_have_url(re.compile("/inscription$"))
    check(page, "identité, compte notifié")
    page.get_by_label("Nom", exact=False).first.fill(nom)
    page.get_by_label("Prénom").fill(prenom)
    page.get_by_label("Numéro de téléphone portable").fill(family["phone"])
    page.get_by_role("button", name="Recevoir un code par SMS").click()
    expect(page).to_have_url(re.compile("/inscription/code$"))
    check(page, "code, compte notifié")

    code = last_code(page, app_server.url, family["e164"])
    page.get_by_label("Code reçu par SMS").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Valider le code").click()
    expect(page.get_by_text("Le code saisi est incorrect. Il vous reste 2 essais.")).to_be_visible()
    check(page, "code incorrect, compte notifié")
    page.get_by_label("Code reçu par SMS").fill(code)
    page.get_by_role("button", name="Valider le code").click()
    expect(page).to_have_url(re.compile("/inscription/enfants$"))
    check(page, "enfants, compte notifié")

    fill_date(page, child, "07", "06", "2014")
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_text("Cette date ne correspond pas")).to_be_visible()
    check(page, "enfants, mauvaise date, compte notifié")
    fill_date(page, child, "06", "06", "2014")
    page.get_by_role("button", name="Confirmer").click()
    expect(page).to_have_url(re.compile("/inscription/mot-de-passe$"))
    check(page, "mot de passe, compte notifié")

    page.locator("#mot_de_passe").fill(PASSWORD)
    page.locator("#confirmation").fill(PASSWORD + "?")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_text("Les deux mots de passe ne sont pas identiques.")).to_be_visible()
    check(page, "mot de passe, confirmation différente, compte notifié")
    page.locator("#mot_de_passe").fill(PASSWORD)
    page.locator("#confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_url(re.compile("/inscription/compte-active$"))
    # Not « Vous avez déjà un compte ÉduConnect actif »: the letter's account, now active.
    expect(page.locator("#identifiant-cree")).to_have_text(letter.identifiant)
    check(page, "compte activé, identifiant du courrier")

    page.get_by_role("link", name="Accéder à mes services").click()
    # The header's menu is looked for on « Mes services », not on the page being left.
    expect(page).to_have_url(re.compile("/mes-services$"))
    sign_out(page)
    expect(page).to_have_url(re.compile("/connexion$"))
    submit_sign_in(page, letter.identifiant, letter.temporary_password)
    expect(page.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect.")
    check(page, "mot de passe provisoire refusé")

    submit_sign_in(page, letter.identifiant, PASSWORD)
    expect(page).to_have_url(re.compile("/mes-services$"))
    expect(page.get_by_role("heading", name=f"{child} {nom}")).to_be_visible()
