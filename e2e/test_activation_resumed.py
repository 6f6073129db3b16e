"""An activation (the first login of a school's letter) interrupted, then resumed (issue 12,
item 6), on a phone with axe after every step and error state, once with JavaScript and once
without: the parent chooses a new password and confirms the birth date, then the browser is
closed (the session is gone). In a new browser, the letter's temporary password would start the
steps again; the new password just chosen resumes them at the e-mail step instead; a wrong
password there says what any wrong password says. The link then activates the account. Each
pass has its own family, used by no other test."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.browsers import PHONE, assert_accessible, assert_accessible_without_js
from e2e.conftest import open_page
from e2e.parents import add_roster_lines, letter_for
from e2e.signing import submit_sign_in
from e2e.test_first_login import activation_link, fill_date

PASSWORD = "Classeur-Vert-2026"
FAMILIES = {
    True: (
        "Rivière",
        "Lina",
        "Élise",
        "0691620101A",
        "06 70 00 20 11",
        "elise.riviere@example.net",
    ),
    False: ("Sorel", "Timéo", "Inès", "0691620102B", "06 70 00 20 12", "ines.sorel@example.net"),
}


@pytest.mark.parametrize(
    "javascript", [pytest.param(True, id="javascript"), pytest.param(False, id="sans-javascript")]
)
def test_an_interrupted_activation_resumes_with_the_new_password(
    new_context, app_server, javascript
):
    nom, child, prenom, ine, phone, email = FAMILIES[javascript]
    add_roster_lines(
        app_server,
        [
            f"0691234A;Collège Concorde;{ine};{nom};{child};11/11/2013;4e;4eA;Mme;{nom};"
            f"{prenom};mère;{phone};"
        ],
    )
    letter = letter_for(app_server, nom, phone, "0691234A")
    check = assert_accessible if javascript else assert_accessible_without_js

    page = open_page(new_context, app_server, java_script_enabled=javascript, **PHONE)
    page.goto("/connexion")
    submit_sign_in(page, letter.identifiant, letter.temporary_password)
    expect(page).to_have_title("Étape 1 sur 4 — Votre nouveau mot de passe — Téléservices")
    page.locator("#mot_de_passe").fill(PASSWORD)
    page.locator("#confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Valider mon mot de passe").click()
    expect(page).to_have_title("Étape 2 sur 4 — Vos enfants — Téléservices")
    fill_date(page, child, "11", "11", "2013")
    page.get_by_role("button", name="Confirmer").click()
    expect(page).to_have_title("Étape 3 sur 4 — Votre adresse électronique — Téléservices")
    # The browser closed: its session is gone.
    page.context.close()

    again = open_page(new_context, app_server, java_script_enabled=javascript, **PHONE)
    again.goto("/aide/courrier")
    expect(again.get_by_text("Vous avez été interrompu avant la fin")).to_be_visible()
    check(again, "aide : activation interrompue")
    again.goto("/connexion")
    submit_sign_in(again, letter.identifiant, PASSWORD + "?")
    expect(again.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect.")
    check(again, "mauvais mot de passe")
    submit_sign_in(again, letter.identifiant, PASSWORD)
    expect(again).to_have_url(re.compile("/activation/courriel$"))
    expect(again).to_have_title("Étape 3 sur 4 — Votre adresse électronique — Téléservices")
    check(again, "activation reprise à l'étape 3")

    again.get_by_label("Adresse électronique").fill(email)
    again.get_by_role("button", name="Recevoir le lien d'activation").click()
    expect(again).to_have_title("Étape 4 sur 4 — Confirmation de votre adresse — Téléservices")
    check(again, "étape 4 après la reprise")
    again.goto(activation_link(again, app_server.url, email))
    expect(again).to_have_title("Activation du compte — Téléservices")
    again.get_by_role("button", name="Activer mon compte").click()
    expect(again).to_have_url(re.compile("/mes-services$"))
    expect(again.get_by_role("heading", name=f"{child} {nom}")).to_be_visible()
    check(again, "compte activé")
