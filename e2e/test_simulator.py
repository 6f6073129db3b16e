"""The public simulator (§8) in a real browser: at the phone viewport, with htmx (the answer
replaces the form in place) and with JavaScript off (the whole page comes back); axe after every
result and error state."""

import re

from playwright.sync_api import expect

from e2e.browsers import assert_accessible, assert_accessible_without_js

URL = "/simulateur-bourse"


def fill(page, annee: str, rfr: str, enfants: str) -> None:
    page.get_by_role("combobox", name=re.compile("^Année scolaire")).select_option(annee)
    page.get_by_label("Revenu fiscal de référence", exact=False).fill(rfr)
    page.get_by_label("Nombre d'enfants à charge", exact=False).fill(enfants)
    page.get_by_role("button", name="Estimer la bourse").click()


def test_simulator_on_a_phone(phone):
    page = phone
    requests = []
    page.on("request", lambda request: requests.append(request))
    page.goto(URL)
    expect(page).to_have_title("Simulateur de bourse de collège — Téléservices")
    expect(page.get_by_role("heading", level=1)).to_have_text("Simulateur de bourse de collège")
    # TODAY is 2026-09-14 on the e2e servers: the provisional school year is chosen.
    expect(page.get_by_role("combobox", name=re.compile("^Année scolaire"))).to_have_value(
        "2026-2027"
    )
    assert_accessible(page, "simulateur")

    fill(page, "2025-2026", "12 000", "2")
    result = page.locator("#resultat")
    expect(result).to_contain_text("échelon 2 : 330 € pour l'année")
    expect(result).to_contain_text("trois fois 110 €")
    expect(result).to_contain_text("avis d'impôt 2025 sur les revenus 2024")
    expect(result).to_contain_text("La décision appartient au chef d'établissement")
    expect(page.locator("#resultat-titre")).to_be_focused()
    # htmx answered in place: the page was not loaded again.
    assert [r.url for r in requests if r.resource_type == "document"] == [page.url]
    expect(
        page.get_by_role("link", name=re.compile("faire la demande de bourse"))
    ).to_have_attribute("href", "/connexion")
    assert_accessible(page, "résultat échelon 2")

    fill(page, "2026-2027", "60000", "3")
    expect(result).to_contain_text("Pas de bourse de collège")
    expect(result).to_contain_text("Barème provisoire")
    assert_accessible(page, "pas de bourse, barème provisoire")

    fill(page, "2026-2027", "-5", "0")
    expect(page.locator("#rfr-messages")).to_have_text(
        "Le revenu fiscal de référence ne peut pas être négatif."
    )
    expect(page.locator("#enfants-messages")).to_contain_text("au moins 1")
    # Two errors: their list takes the focus; its first link leads to the first field.
    expect(page.locator("#simulateur-erreurs")).to_be_focused()
    page.locator("#simulateur-erreurs").get_by_role("link").first.click()
    expect(page.locator("#rfr")).to_be_focused()
    expect(page.locator("#resultat")).to_have_count(0)
    assert_accessible(page, "erreurs de saisie")

    page.locator("#rfr").fill("3526")
    page.locator("#enfants").fill("1")
    page.get_by_role("button", name="Estimer la bourse").click()
    expect(result).to_contain_text("échelon 3 : 525 € pour l'année")
    assert_accessible(page, "résultat après correction")


def test_simulator_without_javascript(phone_without_js):
    page, check = phone_without_js, assert_accessible_without_js
    page.goto(URL)
    check(page, "simulateur sans JavaScript")

    fill(page, "2024-2025", "douze mille", "2")
    expect(page.locator("#rfr-messages")).to_contain_text("sans centimes")
    check(page, "erreur sans JavaScript")

    page.get_by_label("Revenu fiscal de référence", exact=False).fill("3419")
    page.get_by_role("button", name="Estimer la bourse").click()
    expect(page.locator("#resultat")).to_contain_text("échelon 3 : 495 € pour l'année")
    expect(page.get_by_role("combobox", name=re.compile("^Année scolaire"))).to_have_value(
        "2024-2025"
    )
    check(page, "résultat sans JavaScript")
