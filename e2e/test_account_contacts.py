"""« Mon compte »: the e-mail and the mobile changed (journeys §5, issue 12), in a real browser on a
phone, with axe after every step and every error state: the new address is sent a link (read
from the real SMTP server and followed), the old address is told; the new mobile gets a code
(read from /dev/sms.json), the old number is told. Once with JavaScript, once without. Each test
has a family of its own."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from e2e.browsers import assert_accessible, assert_accessible_without_js
from e2e.outbox import last_code, last_sms
from e2e.parents import add_roster_lines, create_parent, sign_in

CONCORDE = "0691234A;Collège Concorde"
LEROY = (
    f"{CONCORDE};0691625101A;Leroy;Manon;14/02/2014;5e;5eB;Mme;Leroy;Agathe;mère;"
    "06 70 00 25 01;agathe.leroy@example.org"
)
MOREL = f"{CONCORDE};0691625102B;Morel;Enzo;22/07/2013;4e;4eC;M.;Morel;Kevin;père;06 70 00 25 03;"
LINK = re.compile(r"(http\S+/mon-compte/courriel/confirmer/\S+)")


def mail_to(mailbox, to: str, count: int = 1) -> dict:
    """The newest mail to `to`, once `count` of them arrived."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = mailbox.received(to)
        if len(found) >= count:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"pas de courriel n° {count} pour {to}")


def ask_email(page, email: str) -> None:
    page.get_by_label("Nouvelle adresse électronique").fill(email)
    page.get_by_role("button", name="Recevoir un lien de confirmation").click()


def ask_code(page, number: str) -> None:
    page.get_by_label("Nouveau numéro de téléphone portable").fill(number)
    page.get_by_role("button", name="Recevoir un code par SMS").click()


def type_code(page, code: str) -> None:
    page.get_by_label("Code reçu par SMS").fill(code)
    page.get_by_role("button", name="Valider le code").click()


def test_email_and_mobile_on_a_phone(phone, app_server, smtp_server):
    add_roster_lines(app_server, [LEROY])
    identifiant = create_parent(app_server, "Leroy", "Agathe", "06 70 00 25 01")
    page, check = phone, assert_accessible
    sign_in(page, identifiant)

    page.goto("/mon-compte/courriel")
    expect(page).to_have_title("Modifier mon adresse électronique — Téléservices")
    # The school's address is the school's: she has confirmed none.
    expect(page.get_by_text("Aucune adresse confirmée")).to_be_visible()
    check(page, "courriel")

    ask_email(page, "agathe.leroy")
    expect(page.get_by_text("L'adresse électronique doit contenir un « @ »")).to_be_visible()
    expect(page.get_by_label("Nouvelle adresse électronique")).to_be_focused()
    expect(page).to_have_title(re.compile("^Erreur — "))
    check(page, "courriel erroné")

    ask_email(page, "agathe.perso@example.net")
    expect(page.locator("#courriel-alerte-statut")).to_contain_text(
        "Adresse à confirmer : un lien vous a été envoyé à agathe.perso@example.net"
    )
    expect(page.locator("#courriel-a-confirmer")).to_have_text("agathe.perso@example.net")
    check(page, "lien envoyé")

    page.get_by_role("button", name="Renvoyer le courriel").click()
    expect(page.locator("#courriel-alerte")).to_contain_text(
        "Vous pourrez demander un nouveau courriel"
    )
    check(page, "renvoi trop tôt")

    link = LINK.search(mail_to(smtp_server, "agathe.perso@example.net")["body"]).group(1)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer mon adresse électronique")
    check(page, "lien ouvert")
    page.get_by_role("button", name="Confirmer mon adresse").click()
    expect(page.get_by_text("agathe.perso@example.net est confirmée")).to_be_visible()
    check(page, "adresse confirmée")

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Lien de confirmation déjà utilisé")
    check(page, "lien déjà utilisé")

    # A second change: the address confirmed above is told.
    page.goto("/mon-compte/courriel")
    expect(page.locator("#courriel-actuel")).to_have_text("agathe.perso@example.net")
    ask_email(page, "agathe.nouvelle@example.net")
    expect(page.locator("#courriel-a-confirmer")).to_have_text("agathe.nouvelle@example.net")
    link = LINK.search(mail_to(smtp_server, "agathe.nouvelle@example.net")["body"]).group(1)
    page.goto(link)
    page.get_by_role("button", name="Confirmer mon adresse").click()
    expect(page.get_by_text("agathe.nouvelle@example.net est confirmée")).to_be_visible()
    told = mail_to(smtp_server, "agathe.perso@example.net", count=2)
    assert told["subject"] == "Votre adresse électronique ÉduConnect a été remplacée"
    assert "Si ce n'est pas vous" in told["body"]

    page.goto("/mon-compte/telephone")
    expect(page).to_have_title("Modifier mon téléphone portable — Téléservices")
    expect(page.get_by_text("Numéro enregistré : 06 70 00 25 01")).to_be_visible()
    check(page, "téléphone")

    ask_code(page, "04 78 00 00 00")
    expect(page.get_by_text("C'est un numéro de téléphone fixe")).to_be_visible()
    expect(page.get_by_label("Nouveau numéro de téléphone portable")).to_be_focused()
    check(page, "numéro fixe")

    ask_code(page, "06 70 00 25 02")
    expect(page.locator("#telephone-alerte-statut")).to_contain_text("au 06 70 00 25 02")
    expect(page.get_by_label("Code reçu par SMS")).to_be_focused()
    check(page, "code envoyé")

    code = last_code(page, app_server.url, "+33670002502")
    type_code(page, f"{(int(code) + 1) % 10**6:06d}")
    expect(page.get_by_text("Le code saisi est incorrect. Il vous reste 2 essais.")).to_be_visible()
    expect(page.get_by_label("Code reçu par SMS")).to_be_focused()
    check(page, "mauvais code")

    type_code(page, code)
    expect(page.get_by_text("Numéro enregistré : 06 70 00 25 02")).to_be_visible()
    expect(page.locator("#telephone-alerte-statut")).to_contain_text("nouveau numéro")
    check(page, "numéro changé")
    told = last_sms(page, app_server.url, "+33670002501")
    assert "remplacé" in told and "finissant par 02" in told


def test_email_and_mobile_without_javascript(phone_without_js, app_server, smtp_server):
    add_roster_lines(app_server, [MOREL])
    identifiant = create_parent(app_server, "Morel", "Kevin", "06 70 00 25 03")
    page, check = phone_without_js, assert_accessible_without_js
    sign_in(page, identifiant)

    page.goto("/mon-compte/courriel")
    check(page, "courriel sans JavaScript")
    ask_email(page, "")
    expect(page.get_by_text("Indiquez votre adresse électronique.")).to_be_visible()
    check(page, "courriel manquant sans JavaScript")

    ask_email(page, "kevin.morel@example.net")
    expect(page).to_have_url(re.compile("/mon-compte/courriel$"))
    expect(page.locator("#courriel-a-confirmer")).to_have_text("kevin.morel@example.net")
    check(page, "lien envoyé sans JavaScript")

    # The link, opened in another browser where nobody is signed in.
    other = page.context.browser.new_context(
        base_url=app_server.url,
        java_script_enabled=False,
        viewport=page.viewport_size,
        locale="fr-FR",
    )
    elsewhere = other.new_page()
    link = LINK.search(mail_to(smtp_server, "kevin.morel@example.net")["body"]).group(1)
    elsewhere.goto(link)
    check(elsewhere, "lien ouvert ailleurs sans JavaScript")
    elsewhere.get_by_role("button", name="Confirmer mon adresse").click()
    expect(elsewhere.get_by_text("kevin.morel@example.net est confirmée")).to_be_visible()
    expect(elsewhere.get_by_role("link", name="Aller à la page de connexion")).to_be_visible()
    check(elsewhere, "adresse confirmée sans JavaScript")
    other.close()

    page.reload()
    expect(page.locator("#courriel-actuel")).to_have_text("kevin.morel@example.net")

    page.goto("/mon-compte/telephone")
    ask_code(page, "06 70 00 25 04")
    expect(page).to_have_url(re.compile("/mon-compte/telephone$"))
    expect(page.get_by_label("Code reçu par SMS")).to_be_visible()
    check(page, "code envoyé sans JavaScript")

    type_code(page, "12 34")
    expect(page.get_by_text("Le code doit comporter 6 chiffres.")).to_be_visible()
    check(page, "code incomplet sans JavaScript")

    type_code(page, last_code(page, app_server.url, "+33670002504"))
    expect(page).to_have_url(re.compile("/mon-compte/telephone$"))
    expect(page.get_by_text("Numéro enregistré : 06 70 00 25 04")).to_be_visible()
    check(page, "numéro changé sans JavaScript")
    assert "remplacé" in last_sms(page, app_server.url, "+33670002503")
