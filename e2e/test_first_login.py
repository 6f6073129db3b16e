"""« Activation du compte » (§4) in a real browser. The secretary of the Collège des Palmistes
notifies two parents from the back office, one by a printed PDF letter, one by e-mail; each
parent, on a phone, signs in with the identifiant and temporary password received and walks the
first login to an active account, with axe after every step and every error state; the second
parent with JavaScript off. Both families are used by no other end-to-end test."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from e2e.browsers import assert_accessible, assert_accessible_without_js
from e2e.signing import sign_out, submit_sign_in
from e2e.staff import create_staff

PALMISTES = "0973123Z"
STAFF_PASSWORD = "Bureau-Palmistes-2026!"
PASSWORD = "Cahier-Rentree-2026"
IDENTIFIANT = re.compile(r"Votre identifiant :\s*(\S+)")
TEMPORARY = re.compile(r"Votre mot de passe provisoire :\s*(\S+)")
LINK = re.compile(r"https?://\S+/activation/lien/\S+")


# The school's side ---------------------------------------------------------------------------


def palmistes_secretary(server, identifiant: str) -> None:
    """A staff account of the Collège des Palmistes."""
    create_staff(server, identifiant, STAFF_PASSWORD, uai=PALMISTES)


def open_family(desktop, staff: str, search: str, name: str) -> None:
    desktop.goto("/admin/connexion")
    submit_sign_in(desktop, staff, STAFF_PASSWORD)
    expect(desktop).to_have_url(re.compile("/admin$"))
    desktop.goto("/admin/responsables")
    desktop.get_by_label("Nom ou prénom").fill(search)
    desktop.get_by_role("button", name="Rechercher").click()
    desktop.get_by_role("link", name=name).click()
    expect(desktop).to_have_title(f"{name} — Téléservices")


def mails(page, server_url: str, to: str) -> list[dict]:
    """The mails sent to `to`, newest first, from the development outbox."""
    messages = page.request.get(f"{server_url}/dev/mail.json").json()
    return [message for message in messages if message["to"] == to]


def activation_link(page, server_url: str, to: str) -> str:
    (link,) = LINK.findall(mails(page, server_url, to)[0]["body"])
    return link


# The parent's side ---------------------------------------------------------------------------


def fill_date(page, child: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=re.compile(f"Date de naissance d(e |'){child}"))
    group.get_by_label("Jour").fill(day)
    group.get_by_label("Mois").fill(month)
    group.get_by_label("Année").fill(year)


def test_letter_by_post_then_first_login_on_a_phone(desktop, phone, app_server):
    # The secretary prints Mme Saint-Cyr's letter.
    palmistes_secretary(app_server, "e2e.palmistes.courrier")
    open_family(desktop, "e2e.palmistes.courrier", "Saint-Cyr", "Mme Nadège Saint-Cyr")
    with desktop.expect_download() as download:
        desktop.get_by_role("button", name="Imprimer les identifiants par courrier (PDF)").click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    letter = pdf.pages[0].extract_text()
    identifiant = IDENTIFIANT.search(letter).group(1)
    temporary = TEMPORARY.search(letter).group(1)
    assert identifiant == "n.saintcyr1" and len(temporary) == 12

    page, check = phone, assert_accessible
    page.goto("/connexion")
    submit_sign_in(page, identifiant, temporary.lower())
    expect(page.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect.")
    check(page, "mot de passe provisoire erroné")

    submit_sign_in(page, identifiant, temporary)
    expect(page).to_have_url(re.compile("/activation/mot-de-passe$"))
    expect(page).to_have_title("Étape 1 sur 4 — Votre nouveau mot de passe — Téléservices")
    expect(page.get_by_role("heading", level=1)).to_have_text("Activation du compte")
    expect(page.get_by_text(f"pour l'identifiant {identifiant}")).to_be_visible()
    check(page, "étape 1")

    page.locator("#mot_de_passe").fill("Nadege-2026!")
    expect(page.locator("#mot_de_passe-regle-personal.fr-message--error")).to_be_visible()
    page.locator("#mot_de_passe").fill(PASSWORD)
    expect(page.locator("#mot_de_passe-regle-personal.fr-message--valid")).to_be_visible()
    page.locator("#confirmation").fill(PASSWORD + "!")
    page.get_by_role("button", name="Valider mon mot de passe").click()
    expect(page.get_by_text("Les deux mots de passe ne sont pas identiques.")).to_be_visible()
    expect(page.locator("#confirmation")).to_be_focused()
    check(page, "étape 1, confirmation différente")

    page.locator("#mot_de_passe").fill(PASSWORD)
    page.locator("#confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Valider mon mot de passe").click()
    expect(page).to_have_title("Étape 2 sur 4 — Vos enfants — Téléservices")
    expect(page.locator("#etape")).to_be_focused()
    noah = page.get_by_role("group", name=re.compile("Noah — Collège des Palmistes"))
    expect(
        noah.get_by_label("Je ne suis pas le représentant légal de cet élève")
    ).not_to_be_checked()
    check(page, "étape 2")

    fill_date(page, "Noah", "7", "8", "2014")
    page.get_by_role("button", name="Confirmer").click()
    expect(noah.get_by_text("Cette date ne correspond pas")).to_be_visible()
    check(page, "étape 2, mauvaise date")

    fill_date(page, "Noah", "8", "7", "2014")
    page.get_by_role("button", name="Confirmer").click()
    expect(page).to_have_title("Étape 3 sur 4 — Votre adresse électronique — Téléservices")
    # The school's address is offered.
    expect(page.get_by_label("Adresse électronique")).to_have_value("nadege.saint-cyr@example.org")
    check(page, "étape 3")

    page.get_by_label("Adresse électronique").fill("nadege.saint-cyr")
    page.get_by_role("button", name="Recevoir le lien d'activation").click()
    expect(page.get_by_text("L'adresse électronique doit contenir un « @ »")).to_be_visible()
    expect(page.get_by_label("Adresse électronique")).to_be_focused()
    check(page, "étape 3, adresse incomplète")

    address = "nadege.perso@example.net"
    page.get_by_label("Adresse électronique").fill(address)
    page.get_by_role("button", name="Recevoir le lien d'activation").click()
    expect(page).to_have_title("Étape 4 sur 4 — Confirmation de votre adresse — Téléservices")
    expect(page.get_by_text(f"Nous avons envoyé un lien à {address}")).to_be_visible()
    check(page, "étape 4")

    page.get_by_role("button", name="Renvoyer le mail").click()
    expect(page.get_by_role("alert")).to_contain_text("Vous pourrez demander un nouveau mail")
    check(page, "étape 4, renvoi trop tôt")
    assert len(mails(page, app_server.url, address)) == 1

    link = activation_link(page, app_server.url, address)
    page.goto(link)
    expect(page).to_have_title("Activation du compte — Téléservices")
    expect(page.get_by_text(f"Activez le compte ÉduConnect {identifiant}")).to_be_visible()
    check(page, "lien d'activation")
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page).to_have_title("Mes services — Téléservices")
    expect(page.get_by_role("status").first).to_contain_text("Votre compte ÉduConnect est activé")
    expect(page.get_by_role("heading", name="Noah Saint-Cyr")).to_be_visible()
    check(page, "mes services")

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Lien d'activation déjà utilisé")
    check(page, "lien déjà utilisé")

    # The letter's password no longer opens anything; the new one does.
    page.goto("/mes-services")
    sign_out(page)
    submit_sign_in(page, identifiant, temporary)
    expect(page.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect.")
    check(page, "mot de passe provisoire après l'activation")
    submit_sign_in(page, identifiant, PASSWORD)
    expect(page).to_have_title("Mes services — Téléservices")


def test_letter_by_email_then_first_login_without_javascript(
    desktop, phone_without_js, app_server, smtp_server
):
    # The secretary e-mails M. Céleste his identifiant and temporary password.
    palmistes_secretary(app_server, "e2e.palmistes.courriel")
    open_family(desktop, "e2e.palmistes.courriel", "Rudy", "M. Rudy Céleste")
    desktop.get_by_role("button", name="Envoyer les identifiants par courriel").click()
    expect(desktop.get_by_role("status").first).to_contain_text("Identifiants envoyés par courriel")
    # Delivered over SMTP to a real mail server.
    (letter,) = smtp_server.received("rudy.celeste@example.org")
    assert letter["subject"].startswith("Votre compte ÉduConnect")
    identifiant = IDENTIFIANT.search(letter["body"]).group(1)
    temporary = TEMPORARY.search(letter["body"]).group(1)
    assert identifiant == "r.celeste1"

    page, check = phone_without_js, assert_accessible_without_js
    page.goto("/connexion")
    submit_sign_in(page, identifiant, temporary)
    expect(page).to_have_url(re.compile("/activation/mot-de-passe$"))
    check(page, "étape 1 sans JavaScript")

    page.locator("#mot_de_passe").fill("celeste")
    page.locator("#confirmation").fill("celeste")
    page.get_by_role("button", name="Valider mon mot de passe").click()
    expect(page.locator("#mot_de_passe-regle-length.fr-message--error")).to_be_visible()
    expect(page.locator("#mot_de_passe-regle-personal.fr-message--error")).to_be_visible()
    check(page, "étape 1 sans JavaScript, mot de passe faible")

    page.locator("#mot_de_passe").fill(PASSWORD)
    page.locator("#confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Valider mon mot de passe").click()
    expect(page).to_have_url(re.compile("/activation/enfants$"))
    check(page, "étape 2 sans JavaScript")

    # Maëlys is on his record by mistake: he says so, and needs no date for her.
    fill_date(page, "Kévin", "11", "02", "2015")
    maelys = page.get_by_role("group", name=re.compile("Maëlys"))
    maelys.get_by_text("Je ne suis pas le représentant légal de cet élève").click()
    page.get_by_role("button", name="Confirmer").click()
    expect(page).to_have_url(re.compile("/activation/courriel$"))
    expect(page.get_by_label("Adresse électronique")).to_have_value("rudy.celeste@example.org")
    check(page, "étape 3 sans JavaScript")

    page.get_by_label("Adresse électronique").fill("rudy@celeste")
    page.get_by_role("button", name="Recevoir le lien d'activation").click()
    expect(page.get_by_text("Cette adresse électronique n'est pas valide.")).to_be_visible()
    check(page, "étape 3 sans JavaScript, adresse non valide")

    page.get_by_label("Adresse électronique").fill("rudy.celeste@example.org")
    page.get_by_role("button", name="Recevoir le lien d'activation").click()
    expect(page).to_have_url(re.compile("/activation/courriel/envoye$"))
    check(page, "étape 4 sans JavaScript")

    page.get_by_role("button", name="Modifier l'adresse électronique").click()
    expect(page).to_have_url(re.compile("/activation/courriel$"))
    page.get_by_role("button", name="Recevoir le lien d'activation").click()
    expect(page).to_have_url(re.compile("/activation/courriel/envoye$"))

    link = activation_link(page, app_server.url, "rudy.celeste@example.org")
    page.goto(link)
    check(page, "lien d'activation sans JavaScript")
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page).to_have_url(re.compile("/mes-services$"))
    expect(page.get_by_text("Votre compte ÉduConnect est activé")).to_be_visible()
    expect(page.get_by_role("heading", name="Kévin Céleste")).to_be_visible()
    expect(page.get_by_role("heading", name="Maëlys Céleste")).to_have_count(0)
    check(page, "mes services sans JavaScript")

    # The first link, sent before the address was given again, is dead.
    first = LINK.findall(mails(page, app_server.url, "rudy.celeste@example.org")[1]["body"])
    page.goto(first[0])
    expect(page.get_by_role("heading", level=1)).to_have_text("Lien d'activation déjà utilisé")
