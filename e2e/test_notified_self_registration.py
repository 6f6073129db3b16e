"""A parent the school already sent a letter to (account « notifié ») who registers alone, as
the expired-letter message advises (issue 12, item 5), on a phone with axe after every step and
error state: the registration activates the letter's account — the same identifiant — and the
letter's temporary password no longer signs in. The family is used by no other test."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.browsers import assert_accessible
from e2e.outbox import last_code
from e2e.parents import add_roster_lines, letter_for
from e2e.signing import sign_out, submit_sign_in
from e2e.test_first_login import fill_date

PASSWORD = "Trousse-Orange-2026"
PHONE = "06 70 00 19 91"


def test_a_notified_parent_registering_alone_gets_the_letters_account(phone, app_server):
    page, check = phone, assert_accessible
    add_roster_lines(
        app_server,
        [
            "0691234A;Collège Concorde;0691619901A;Perrin;Zoé;06/06/2014;5e;5eC;Mme;Perrin;"
            f"Claire;mère;{PHONE};"
        ],
    )
    letter = letter_for(app_server, "Perrin", PHONE, "0691234A")

    page.goto("/connexion")
    page.get_by_role("link", name="Je n'ai pas encore d'identifiant").click()
    page.get_by_label("Nom", exact=False).first.fill("Perrin")
    page.get_by_label("Prénom").fill("Claire")
    page.get_by_label("Numéro de téléphone portable").fill(PHONE)
    page.get_by_role("button", name="Recevoir un code par SMS").click()
    expect(page).to_have_url(re.compile("/inscription/code$"))
    check(page, "code, compte notifié")

    page.get_by_label("Code reçu par SMS").fill(last_code(page, app_server.url, "+33670001991"))
    page.get_by_role("button", name="Valider le code").click()
    expect(page).to_have_url(re.compile("/inscription/enfants$"))
    fill_date(page, "Zoé", "06", "06", "2014")
    page.get_by_role("button", name="Confirmer").click()
    expect(page).to_have_url(re.compile("/inscription/mot-de-passe$"))
    check(page, "mot de passe, compte notifié")

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
    expect(page.get_by_role("heading", name="Zoé Perrin")).to_be_visible()
