"""The help pages (issue 12, item 7) in a real browser at the phone's size: reached from the
login page and from a journey's error, each one accessible, with JavaScript on and off; and the
accessibility statement (issue 13, item 10) from the footer."""

import re

from playwright.sync_api import expect

from e2e.browsers import assert_accessible, assert_accessible_without_js

TITLES = {
    "Se connecter avec FranceConnect": "/aide/franceconnect",
    "Créer son compte : « Je n'ai pas encore d'identifiant »": "/aide/inscription",
    "Activer le compte reçu de l'établissement": "/aide/courrier",
    "Identifiant ou mot de passe oublié": "/aide/oubli",
}


def test_from_the_login_page_to_every_help_page(phone):
    phone.goto("/connexion")
    phone.get_by_role("link", name="Besoin d'aide pour vous connecter ?").click()
    expect(phone).to_have_title("Aide — Téléservices")
    assert_accessible(phone, "aide")
    for title, url in TITLES.items():
        phone.get_by_role("link", name=title).click()
        expect(phone).to_have_url(f"{phone.url.split('/aide')[0]}{url}")
        expect(phone.get_by_role("heading", level=1)).to_have_text(title)
        assert_accessible(phone, f"aide {url}")
        phone.get_by_role("link", name="Toute l'aide").click()


def test_a_journeys_error_leads_to_its_help(phone):
    phone.goto("/inscription")
    phone.get_by_label("Nom", exact=False).first.fill("Inconnu")
    phone.get_by_label("Prénom").fill("Personne")
    phone.get_by_label("Numéro de téléphone portable").fill("06 11 22 33 44")
    phone.get_by_role("button", name="Recevoir un code par SMS").click()
    alert = phone.locator("#parcours-alerte")
    expect(alert).to_contain_text("Nous ne trouvons pas de responsable")
    assert_accessible(phone, "inscription : aucun responsable")
    alert.get_by_role("link", name="Aide : Créer son compte").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Créer son compte")


def test_help_without_javascript(phone_without_js):
    phone_without_js.goto("/connexion")
    phone_without_js.get_by_role("link", name="Besoin d'aide pour vous connecter ?").click()
    phone_without_js.get_by_role("link", name="Identifiant ou mot de passe oublié").click()
    expect(phone_without_js.get_by_role("heading", level=1)).to_have_text(
        "Identifiant ou mot de passe oublié"
    )
    assert_accessible_without_js(phone_without_js, "aide sans JavaScript")


def test_the_accessibility_statement_from_the_footer(phone):
    phone.goto("/aide")
    phone.get_by_role("link", name=re.compile(r"^Accessibilité : ")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Déclaration d'accessibilité")
    expect(phone.get_by_role("heading", name="Voies de recours")).to_be_visible()
    assert_accessible(phone, "déclaration d'accessibilité")
