"""« Mon compte » (§5, issue 12 item 3) in a real browser, on a phone: the parent opens it from
the header's menu, changes the password (refused first: rules unmet, then a wrong current
password), and signs out of every device, a second browser's session then refused; with axe
after every step and every error state. A second parent does the same with JavaScript off (the
header's menu then stands under the header). Both families are this file's own."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.browsers import DESKTOP, assert_accessible, assert_accessible_without_js
from e2e.conftest import open_page
from e2e.outbox import last_sms
from e2e.parents import PASSWORD, add_roster_lines, create_parent, sign_in
from e2e.signing import sign_out

CONCORDE = "0691234A;Collège Concorde"
MARCHAL = (
    f"{CONCORDE};0691601201A;Marchal;Yves;08/10/2013;4e;4eA;Mme;Marchal;Élise;mère;06 70 00 12 01;"
)
PERRIN = (
    f"{CONCORDE};0691601203C;Perrin;Inaya;19/01/2015;6e;6eB;M.;Perrin;Bastien;père;06 70 00 12 03;"
)
NEW_PASSWORD = "Trousse-Bleue-2026!"
WRONG = "Mot de passe actuel incorrect."


def open_account_menu(page) -> None:
    """At phone width, the header's « Menu » opens the account menu (with JavaScript)."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
        expect(page.get_by_role("dialog")).to_be_visible()
        # DSFR's script marks the open dialog open="true"; HTML wants the boolean attribute
        # empty (the W3C checker refuses "true"): the same state, written as HTML says.
        page.locator("#menu-compte").evaluate("menu => menu.setAttribute('open', '')")


def change_password(page, current: str, new: str, confirmation: str | None = None) -> None:
    page.get_by_label("Mot de passe actuel").fill(current)
    page.get_by_label("Nouveau mot de passe", exact=True).fill(new)
    page.get_by_label("Confirmation du nouveau mot de passe").fill(
        new if confirmation is None else confirmation
    )
    page.get_by_role("button", name="Modifier mon mot de passe").click()


def test_mon_compte_on_a_phone(phone, new_context, app_server):
    add_roster_lines(app_server, [MARCHAL])
    identifiant = create_parent(app_server, "Marchal", "Élise", "06 70 00 12 01")
    page, check = phone, assert_accessible
    sign_in(page, identifiant)
    # A second device, signed in too: a computer at home.
    laptop = open_page(new_context, app_server, **DESKTOP)
    sign_in(laptop, identifiant)

    # The header's menu, at phone width.
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_hidden()
    open_account_menu(page)
    check(page, "menu du compte ouvert")
    # From the keyboard: Escape closes it, the focus back on « Menu », which Enter opens.
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_role("button", name="Menu")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.get_by_role("dialog").get_by_role("link", name="Mon compte").click()
    expect(page).to_have_title("Mon compte — Téléservices")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    expect(page.get_by_text(identifiant, exact=True)).to_be_visible()
    expect(page.get_by_text("Yves Marchal — Collège Concorde, classe de 4eA")).to_be_visible()
    expect(page.get_by_text("06 •• •• •• 01")).to_be_visible()
    expect(page.get_by_text("Votre compte n'est pas relié à FranceConnect.")).to_be_visible()
    check(page, "mon compte")

    page.get_by_role("link", name="Modifier mon mot de passe").click()
    expect(page).to_have_title("Modifier mon mot de passe — Téléservices")
    check(page, "mot de passe")

    # The rules, live, then refused on sending.
    page.get_by_label("Nouveau mot de passe", exact=True).fill("marchal")
    expect(page.locator("#nouveau_mot_de_passe-regle-personal")).to_contain_text("non respecté")
    change_password(page, PASSWORD, "marchal")
    expect(page.get_by_text("Ce mot de passe ne respecte pas toutes les règles.")).to_be_visible()
    expect(page.get_by_label("Nouveau mot de passe", exact=True)).to_be_focused()
    expect(page).to_have_title("Erreur — Modifier mon mot de passe — Téléservices")
    check(page, "nouveau mot de passe refusé")

    change_password(page, "Pas-le-bon-2026!", NEW_PASSWORD)
    expect(page.get_by_text(WRONG)).to_be_visible()
    expect(page.get_by_label("Mot de passe actuel")).to_be_focused()
    check(page, "mot de passe actuel incorrect")

    change_password(page, PASSWORD, NEW_PASSWORD)
    expect(page).to_have_url(re.compile("/mon-compte$"))
    expect(
        page.get_by_role("status").filter(has_text="Votre mot de passe a été modifié.")
    ).to_be_visible()
    check(page, "mot de passe modifié")
    assert "mot de passe a été changé" in last_sms(page, app_server.url, "+33670001201")
    # The other device was signed out; this one stays.
    laptop.goto("/mes-services")
    expect(laptop).to_have_url(re.compile("/connexion$"))
    sign_in(laptop, identifiant, NEW_PASSWORD)
    # At desktop width, the header shows the account's links in place.
    laptop.get_by_role("banner").get_by_role("link", name="Mon compte").click()
    expect(laptop).to_have_title("Mon compte — Téléservices")
    expect(laptop.get_by_role("button", name="Menu")).to_be_hidden()
    check(laptop, "mon compte, ordinateur")

    # Every device signed out, this one too.
    page.get_by_role("button", name="Se déconnecter de tous les appareils").click()
    expect(page).to_have_url(re.compile("/connexion$"))
    expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté de tous les appareils")
    check(page, "déconnecté de tous les appareils")
    expect(page.get_by_role("button", name="Menu")).to_have_count(0)
    laptop.goto("/mes-services")
    expect(laptop).to_have_url(re.compile("/connexion$"))
    page.goto("/mon-compte")
    expect(page).to_have_url(re.compile("/connexion$"))


def test_mon_compte_without_javascript(phone_without_js, app_server):
    add_roster_lines(app_server, [PERRIN])
    identifiant = create_parent(app_server, "Perrin", "Bastien", "06 70 00 12 03")
    page, check = phone_without_js, assert_accessible_without_js
    sign_in(page, identifiant)

    # Without JavaScript the menu's links stand under the header, its buttons hidden.
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    check(page, "mes services")
    page.get_by_role("link", name="Mon compte").click()
    expect(page).to_have_title("Mon compte — Téléservices")
    check(page, "mon compte")

    page.get_by_role("link", name="Modifier mon mot de passe").click()
    change_password(page, "Pas-le-bon-2026!", NEW_PASSWORD)
    expect(page).to_have_title("Erreur — Modifier mon mot de passe — Téléservices")
    expect(page.get_by_text(WRONG)).to_be_visible()
    check(page, "mot de passe actuel incorrect")
    change_password(page, PASSWORD, NEW_PASSWORD, confirmation=NEW_PASSWORD + "x")
    expect(page.get_by_text("Les deux mots de passe ne sont pas identiques.")).to_be_visible()
    check(page, "confirmation différente")
    change_password(page, PASSWORD, NEW_PASSWORD)
    expect(page).to_have_url(re.compile("/mon-compte$"))
    expect(
        page.get_by_role("status").filter(has_text="Votre mot de passe a été modifié.")
    ).to_be_visible()
    check(page, "mot de passe modifié")

    page.get_by_role("button", name="Se déconnecter de tous les appareils").click()
    expect(page).to_have_url(re.compile("/connexion$"))
    expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté de tous les appareils")
    check(page, "déconnecté de tous les appareils")

    # The new password signs in; the header's « Se déconnecter » signs out.
    sign_in(page, identifiant, NEW_PASSWORD)
    sign_out(page)
    expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté.")
    page.goto("/mes-services")
    expect(page).to_have_url(re.compile("/connexion$"))
