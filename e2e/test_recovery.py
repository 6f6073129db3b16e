"""« Identifiant oublié ? » and « Mot de passe oublié ? » (§5, issue 12 items 1 and 2) in a real
browser on a phone, from the login page: the identifier by SMS and by e-mail; a new password by
SMS code and by e-mail link (opened in another browser), then signing in with it while the
session open before on another device is refused; axe after every step and every error state.
Each once more with JavaScript off. Every family here is this file's own."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.browsers import DESKTOP, PHONE, assert_accessible, assert_accessible_without_js, tick
from e2e.conftest import open_page
from e2e.outbox import last_code, last_sms
from e2e.parents import PASSWORD, add_roster_lines, create_parent, sign_in
from e2e.test_account_contacts import mail_to
from outside.storage import open_store
from records.accounts import ACCOUNTS, find_by_identifier

CONCORDE = "0691234A;Collège Concorde"
FAMILIES = {
    "garnier": f"{CONCORDE};0691601401A;Garnier;Maël;03/04/2013;4e;4eA;Mme;Garnier;Odile;mère;"
    "06 70 00 14 01;",
    "hoarau": f"{CONCORDE};0691601402B;Hoarau;Léna;12/12/2014;5e;5eB;M.;Hoarau;Yann;père;"
    "06 70 00 14 02;yann.hoarau@example.net",
    "ibanez": f"{CONCORDE};0691601403C;Ibanez;Tom;07/07/2012;3e;3eA;Mme;Ibanez;Carla;mère;"
    "06 70 00 14 03;",
    "joly": f"{CONCORDE};0691601404D;Joly;Nina;21/02/2015;6e;6eA;Mme;Joly;Agathe;mère;"
    "06 70 00 14 04;agathe.joly@example.net",
    "keller": f"{CONCORDE};0691601405E;Keller;Sam;15/05/2014;5e;5eA;M.;Keller;Hugo;père;"
    "06 70 00 14 05;",
    "lebon": f"{CONCORDE};0691601406F;Lebon;Alix;02/02/2013;4e;4eB;Mme;Lebon;Maud;mère;"
    "06 70 00 14 06;",
    "moulin": f"{CONCORDE};0691601407G;Moulin;Elio;09/09/2014;5e;5eC;M.;Moulin;Rémi;père;"
    "06 70 00 14 07;remi.moulin@example.net",
    "nadal": f"{CONCORDE};0691601408H;Nadal;Iris;30/06/2012;3e;3eB;Mme;Nadal;Chloé;mère;"
    "06 70 00 14 08;chloe.nadal@example.net",
}
NEW_PASSWORD = "Gomme-Rouge-2026!"


def family(server, name: str, nom: str, prenom: str, telephone: str, email: str | None = None):
    """This file's family `name`, with an active account (its address confirmed if given);
    returns the identifiant."""
    add_roster_lines(server, [FAMILIES[name]])
    identifiant = create_parent(server, nom, prenom, telephone)
    if email:
        with open_store(server.env["FLASK_DATABASE"]).writing() as tx:
            account = find_by_identifier(tx, identifiant)
            tx.update(ACCOUNTS, account["id"], {"email": email, "email_confirmed": True})
    return identifiant


def browser(new_context, server, javascript: bool, **size):
    """A page of a new browser (a phone's size unless told), with JavaScript or without, and
    the axe check that goes with it."""
    page = open_page(new_context, server, java_script_enabled=javascript, **(size or PHONE))
    return page, assert_accessible if javascript else assert_accessible_without_js


WITH_AND_WITHOUT_JAVASCRIPT = pytest.mark.parametrize(
    "javascript", [pytest.param(True, id="javascript"), pytest.param(False, id="sans-javascript")]
)
# Per pass: (by SMS, by e-mail) for the identifier; the family of the e-mail link.
IDENTIFIER_FAMILIES = {
    True: (
        ("garnier", "Garnier", "Odile", "06 70 00 14 01"),
        ("hoarau", "Hoarau", "Yann", "06 70 00 14 02", "yann.hoarau@example.net"),
    ),
    False: (
        ("lebon", "Lebon", "Maud", "06 70 00 14 06"),
        ("moulin", "Moulin", "Rémi", "06 70 00 14 07", "remi.moulin@example.net"),
    ),
}
LINK_FAMILIES = {
    True: ("joly", "Joly", "Agathe", "06 70 00 14 04", "agathe.joly@example.net"),
    False: ("nadal", "Nadal", "Chloé", "06 70 00 14 08", "chloe.nadal@example.net"),
}


def e164(telephone: str) -> str:
    return "+33" + telephone.replace(" ", "")[1:]


@WITH_AND_WITHOUT_JAVASCRIPT
def test_forgotten_identifier_by_sms_and_by_email(new_context, app_server, smtp_server, javascript):
    sms_family, mail_family = IDENTIFIER_FAMILIES[javascript]
    by_sms, by_mail = family(app_server, *sms_family), family(app_server, *mail_family)
    email = mail_family[4]
    page, check = browser(new_context, app_server, javascript)
    page.goto("/connexion")
    page.get_by_role("link", name="Identifiant oublié ?").click()
    expect(page).to_have_title("Identifiant oublié — Téléservices")
    check(page, "identifiant oublié")

    field = page.get_by_label("Numéro de téléphone portable ou adresse électronique")
    page.get_by_role("button", name="Recevoir mon identifiant").click()
    expect(
        page.get_by_text("Indiquez votre numéro de téléphone portable ou votre adresse")
    ).to_be_visible()
    if javascript:
        expect(field).to_be_focused()
    expect(page).to_have_title("Erreur — Identifiant oublié — Téléservices")
    check(page, "identifiant oublié, rien saisi")

    field.fill("04 72 10 20 30")
    page.get_by_role("button", name="Recevoir mon identifiant").click()
    expect(page.get_by_text("C'est un numéro de téléphone fixe")).to_be_visible()
    check(page, "identifiant oublié, numéro fixe")

    field.fill(sms_family[3])
    page.get_by_role("button", name="Recevoir mon identifiant").click()
    expect(page).to_have_url(re.compile("/identifiant-oublie$"))
    notice = page.get_by_role("status").filter(has_text="Si un compte correspond")
    expect(notice).to_be_visible()
    expect(field).to_have_value("")
    check(page, "identifiant envoyé par SMS")
    assert by_sms in last_sms(page, app_server.url, e164(sms_family[3]))

    # A number nobody has: the very same answer (the form emptied once it is in).
    field.fill("06 70 00 14 99")
    page.get_by_role("button", name="Recevoir mon identifiant").click()
    expect(field).to_have_value("")
    expect(notice).to_be_visible()

    field.fill(email)
    page.get_by_role("button", name="Recevoir mon identifiant").click()
    expect(field).to_have_value("")
    expect(notice).to_be_visible()
    check(page, "identifiant envoyé par courriel")
    mail = mail_to(smtp_server, email)
    assert mail["subject"] == "Votre identifiant ÉduConnect"
    assert by_mail in mail["body"]


def test_forgotten_password_by_sms_code(phone, new_context, app_server):
    identifiant = family(app_server, "ibanez", "Ibanez", "Carla", "06 70 00 14 03")
    laptop = open_page(new_context, app_server, **DESKTOP)
    sign_in(laptop, identifiant)

    page, check = phone, assert_accessible
    page.goto("/connexion")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    expect(page).to_have_title("Étape 1 sur 4 — Votre identifiant — Téléservices")
    check(page, "étape 1")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_text("Indiquez votre identifiant.")).to_be_visible()
    expect(page.get_by_label("Identifiant")).to_be_focused()
    check(page, "étape 1, rien saisi")

    page.get_by_label("Identifiant").fill(identifiant.upper())
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_title("Étape 2 sur 4 — Recevoir un code ou un lien — Téléservices")
    expect(page.locator("#etape")).to_be_focused()
    expect(page.get_by_text("Par SMS au 06 •• •• •• 03")).to_be_visible()
    check(page, "étape 2")

    page.get_by_role("button", name="Recevoir le code").click()
    expect(page).to_have_title("Étape 3 sur 4 — Code reçu par SMS — Téléservices")
    expect(page.get_by_text("06 •• •• •• 03")).to_be_visible()
    check(page, "étape 3")
    code = last_code(page, app_server.url, "+33670001403")
    page.get_by_label("Code reçu par SMS").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Valider le code").click()
    expect(page.get_by_text("Le code saisi est incorrect. Il vous reste 2 essais.")).to_be_visible()
    check(page, "étape 3, mauvais code")
    page.get_by_role("button", name="Recevoir un nouveau code").click()
    expect(page.get_by_role("alert")).to_contain_text("Vous pourrez demander un nouveau code")
    check(page, "étape 3, nouveau code trop tôt")

    page.get_by_label("Code reçu par SMS").fill(code)
    page.get_by_role("button", name="Valider le code").click()
    expect(page).to_have_title("Étape 4 sur 4 — Votre nouveau mot de passe — Téléservices")
    check(page, "étape 4")
    page.locator("#mot_de_passe").fill("ibanez")
    expect(page.locator("#mot_de_passe-regle-length.fr-message--error")).to_be_visible()
    page.locator("#confirmation").fill("ibanez")
    page.get_by_role("button", name="Changer mon mot de passe").click()
    expect(page.get_by_text("Ce mot de passe ne respecte pas toutes les règles.")).to_be_visible()
    check(page, "étape 4, mot de passe refusé")

    page.locator("#mot_de_passe").fill(NEW_PASSWORD)
    page.locator("#confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Changer mon mot de passe").click()
    expect(page).to_have_title("Mes services — Téléservices")
    expect(page.get_by_role("status")).to_contain_text("Votre mot de passe a été changé")
    check(page, "mot de passe changé")
    assert "mot de passe a été changé" in last_sms(page, app_server.url, "+33670001403")

    # The session opened before on the laptop is over; the new password signs in.
    laptop.goto("/mes-services")
    expect(laptop).to_have_url(re.compile("/connexion$"))
    sign_in(laptop, identifiant, NEW_PASSWORD)


@WITH_AND_WITHOUT_JAVASCRIPT
def test_forgotten_password_by_email_link(new_context, app_server, smtp_server, javascript):
    email = LINK_FAMILIES[javascript][4]
    identifiant = family(app_server, *LINK_FAMILIES[javascript])
    # A session opened before, on a tablet at home.
    tablet, _ = browser(
        new_context, app_server, javascript, viewport={"width": 800, "height": 1100}
    )
    sign_in(tablet, identifiant)
    laptop, check_laptop = browser(new_context, app_server, javascript, **DESKTOP)

    page, check = browser(new_context, app_server, javascript)
    page.goto("/connexion")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.get_by_label("Identifiant").fill(identifiant)
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_title("Étape 2 sur 4 — Recevoir un code ou un lien — Téléservices")
    check(page, "étape 2")
    page.get_by_role("button", name="Envoyer").click()
    expect(
        page.get_by_text("Choisissez comment recevoir votre code ou votre lien.")
    ).to_be_visible()
    expect(page).to_have_title(
        "Erreur — Étape 2 sur 4 — Recevoir un code ou un lien — Téléservices"
    )
    check(page, "étape 2, aucun choix")

    tick(page.get_by_label(f"Par courriel à {email[0]}•••@example.net"))
    page.get_by_role("button", name="Envoyer").click()
    expect(page).to_have_title("Étape 3 sur 4 — Lien envoyé par courriel — Téléservices")
    check(page, "étape 3, lien envoyé")
    page.get_by_role("button", name="Renvoyer le courriel").click()
    expect(page.get_by_role("alert")).to_contain_text("Vous pourrez demander un nouveau courriel")
    check(page, "étape 3, renvoi trop tôt")

    mail = mail_to(smtp_server, email)
    link = re.search(r"http://\S+/mot-de-passe-oublie/lien/\S+", mail["body"]).group(0)
    # Opened on the laptop, where the parent reads the mail.
    laptop.goto(link)
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Mot de passe oublié")
    check_laptop(laptop, "lien ouvert")
    laptop.get_by_role("button", name="Choisir un nouveau mot de passe").click()
    expect(laptop).to_have_title("Étape 4 sur 4 — Votre nouveau mot de passe — Téléservices")
    laptop.locator("#mot_de_passe").fill(NEW_PASSWORD)
    laptop.locator("#confirmation").fill(NEW_PASSWORD + "?")
    laptop.get_by_role("button", name="Changer mon mot de passe").click()
    expect(laptop.get_by_text("Les deux mots de passe ne sont pas identiques.")).to_be_visible()
    check_laptop(laptop, "étape 4, confirmation différente")
    laptop.locator("#mot_de_passe").fill(NEW_PASSWORD)
    laptop.locator("#confirmation").fill(NEW_PASSWORD)
    laptop.get_by_role("button", name="Changer mon mot de passe").click()
    expect(laptop).to_have_title("Mes services — Téléservices")
    expect(laptop.get_by_role("status")).to_contain_text("Votre mot de passe a été changé")
    check_laptop(laptop, "mot de passe changé")
    told = mail_to(smtp_server, email, count=2)
    assert told["subject"] == "Votre mot de passe ÉduConnect a été changé"

    # The link works once.
    page.goto(link)
    expect(page).to_have_title("Erreur — Lien déjà utilisé ou remplacé — Téléservices")
    check(page, "lien déjà utilisé")
    # The tablet's session, opened before the change, is over; only the new password signs in.
    tablet.goto("/mes-services")
    expect(tablet).to_have_url(re.compile("/connexion$"))
    tablet.locator("#identifiant").fill(identifiant)
    tablet.locator("#mot_de_passe").fill(PASSWORD)
    tablet.get_by_role("button", name="Se connecter").click()
    expect(tablet.get_by_text("Identifiant ou mot de passe incorrect.")).to_be_visible()
    sign_in(tablet, identifiant, NEW_PASSWORD)


def test_forgotten_password_without_javascript(phone_without_js, app_server):
    identifiant = family(app_server, "keller", "Keller", "Hugo", "06 70 00 14 05")
    page, check = phone_without_js, assert_accessible_without_js
    page.goto("/mot-de-passe-oublie")
    check(page, "étape 1 sans JavaScript")
    page.get_by_label("Identifiant").fill(identifiant)
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_url(re.compile("/mot-de-passe-oublie/moyen$"))
    check(page, "étape 2 sans JavaScript")
    page.get_by_role("button", name="Recevoir le code").click()
    expect(page).to_have_url(re.compile("/mot-de-passe-oublie/code$"))
    page.get_by_label("Code reçu par SMS").fill("12")
    page.get_by_role("button", name="Valider le code").click()
    expect(page.get_by_text("Le code doit comporter 6 chiffres.")).to_be_visible()
    check(page, "étape 3 sans JavaScript, code trop court")
    page.get_by_label("Code reçu par SMS").fill(last_code(page, app_server.url, "+33670001405"))
    page.get_by_role("button", name="Valider le code").click()
    expect(page).to_have_url(re.compile("/mot-de-passe-oublie/mot-de-passe$"))
    page.locator("#mot_de_passe").fill("motdepasse")
    page.locator("#confirmation").fill("motdepasse")
    page.get_by_role("button", name="Changer mon mot de passe").click()
    expect(page.locator("#mot_de_passe-regle-upper.fr-message--error")).to_be_visible()
    check(page, "étape 4 sans JavaScript, mot de passe faible")
    page.locator("#mot_de_passe").fill(NEW_PASSWORD)
    page.locator("#confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Changer mon mot de passe").click()
    expect(page).to_have_url(re.compile("/mes-services$"))
    check(page, "mot de passe changé sans JavaScript")
