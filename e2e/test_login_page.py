"""The login page (§1) in a real browser: both viewports, keyboard order, JavaScript off."""

import re

import pytest
from playwright.sync_api import expect

from e2e.browsers import assert_accessible, assert_accessible_without_js


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_login_page_is_accessible(request, viewport):
    page = request.getfixturevalue(viewport)
    page.goto("/connexion")
    expect(page).to_have_title("Connexion — Téléservices")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à Téléservices")
    expect(
        page.get_by_role("button", name=re.compile("S'identifier avec\\s+FranceConnect"))
    ).to_be_visible()
    expect(page.get_by_role("link", name="Je n'ai pas encore d'identifiant")).to_be_visible()
    assert_accessible(page, f"page de connexion ({viewport})")


def focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement; return e.id || e.textContent.trim() }"
    )


def test_keyboard_reaches_the_ways_in_in_order(phone):
    phone.goto("/connexion")
    reached = []
    for _ in range(30):
        phone.keyboard.press("Tab")
        reached.append(focused(phone))
    expected = [
        "Contenu",
        "franceconnect",
        "identifiant",
        "mot_de_passe",
        "Identifiant oublié ?",
        "Mot de passe oublié ?",
        "Je n'ai pas encore d'identifiant",
    ]
    assert reached[0] == "Contenu"
    positions = [reached.index(name) for name in expected]
    assert positions == sorted(positions), reached


def test_missing_fields_and_unknown_account(phone):
    phone.goto("/connexion")
    phone.get_by_role("button", name="Se connecter").click()
    identifiant = phone.get_by_label("Identifiant", exact=False).first
    expect(phone.get_by_text("Indiquez votre identifiant.")).to_be_visible()
    # Both fields are missing: their list takes the focus, its links lead to each (issue 13).
    expect(phone.locator("#login-form-erreurs")).to_be_focused()
    assert_accessible(phone, "champs manquants")
    phone.locator("#login-form-erreurs").get_by_role("link", name="Identifiant").click()
    expect(phone.locator("#identifiant")).to_be_focused()

    identifiant.fill("m.durand1")
    phone.locator("#mot_de_passe").fill("pas le bon")
    phone.get_by_role("button", name="Se connecter").click()
    expect(phone.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect.")
    assert_accessible(phone, "identifiant inconnu")


def test_login_form_works_without_javascript(phone_without_js):
    page = phone_without_js
    page.goto("/connexion")
    page.locator("#identifiant").fill("m.durand1")
    page.locator("#mot_de_passe").fill("pas le bon")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect.")
    expect(page.locator("#identifiant")).to_have_value("m.durand1")
    assert_accessible_without_js(page, "identifiant inconnu sans JavaScript")
