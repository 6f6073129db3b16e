"""Issue 13, items 7 and 8, in a real browser on a phone, with axe after every step.

- Mme Élodie Vasseur (Camille, Collège Concorde) gives Karim Benali's notice: it is retrieved,
  and the foyer step tells her, as a warning and not an error, that it is not in her name; she
  may go on (the school will check) or correct the numbers.
- M. Thomas Girard (Jules, Concorde), whose wife Aurélie already applied for Jules: « Mes
  services » shows that request's state, and Jules's page says what he may do, instead of a
  « page not found ».
"""

from __future__ import annotations

from datetime import datetime

from playwright.sync_api import expect

from e2e.browsers import assert_accessible
from e2e.parents import add_roster_lines, create_parent, sign_in
from e2e.test_bourse_request import BENALI_2026, fill_contact, fill_situation, title
from outside.storage import open_store
from records.accounts import children_of, find_by_identifier
from records.bourse_requests import submit
from rules.bourse import estimate
from rules.clock import PARIS

CONCORDE = "0691234A;Collège Concorde"
VASSEUR = [
    f"{CONCORDE};0691601301A;Vasseur;Camille;07/07/2014;5e;5eC;Mme;Vasseur;Élodie;mère;"
    "06 70 00 13 01;elodie.vasseur@example.org"
]
JULES = f"{CONCORDE};0691601302B;Girard;Jules;19/11/2013;4e;4eC"
GIRARD = [
    f"{JULES};Mme;Girard;Aurélie;mère;06 70 00 13 02;aurelie.girard@example.org",
    f"{JULES};M.;Girard;Thomas;père;06 70 00 13 03;thomas.girard@example.org",
]


def test_a_notice_of_another_household(phone, app_server):
    add_roster_lines(app_server, VASSEUR)
    identifiant = create_parent(app_server, "Vasseur", "Élodie", "06 70 00 13 01")
    page, check = phone, assert_accessible
    sign_in(page, identifiant)
    camille = page.get_by_role("list", name="Services en ligne pour Camille")
    camille.get_by_role("link", name="Faire une demande").click()
    page.get_by_role("button", name="Commencer la demande").click()
    fill_contact(page, "elodie.perso@example.net")
    title(page, "Étape 2 sur 6 — Votre situation fiscale")
    fill_situation(page, BENALI_2026)
    page.get_by_role("button", name="Récupérer mes informations fiscales").click()

    title(page, "Étape 3 sur 6 — Votre foyer")
    warning = page.locator("#declarants-differents")
    expect(warning.get_by_role("heading", level=3)).to_have_text(
        "Cet avis d'impôt n'est pas à votre nom"
    )
    expect(warning).to_contain_text("Élodie Vasseur")
    expect(warning).to_contain_text("vous pouvez continuer : l'établissement vérifiera")
    expect(page.get_by_role("alert")).to_have_text("")  # a warning, not an error
    expect(warning).to_contain_text("revenez à l'étape précédente pour corriger le numéro fiscal")
    expect(page.get_by_role("button", name="Précédent")).to_be_visible()
    check(page, "étape 3, avis d'un autre foyer")

    page.get_by_role("button", name="Je confirme ces informations").click()
    title(page, "Étape 4 sur 6 — Estimation de la bourse")
    check(page, "étape 4 après l'avis d'un autre foyer")


def test_the_second_parent(phone, app_server):
    add_roster_lines(app_server, GIRARD)
    aurelie = create_parent(app_server, "Girard", "Aurélie", "06 70 00 13 02")
    thomas = create_parent(app_server, "Girard", "Thomas", "06 70 00 13 03")
    numero = applied(app_server, aurelie)
    page, check = phone, assert_accessible
    sign_in(page, thomas)
    jules = page.get_by_role("list", name="Services en ligne pour Jules")
    expect(jules).to_contain_text(
        f"Demande de bourse n° {numero} : déposée, faite par un autre responsable."
    )
    check(page, "mes services, demande de l'autre parent")

    jules.get_by_role("link", name="En savoir plus").click()
    title(page, "Une demande de bourse existe déjà pour Jules Girard")
    expect(page.get_by_role("heading", level=2)).to_have_text("Une demande existe déjà pour Jules")
    expect(page.get_by_text(numero, exact=True)).to_be_visible()
    expect(page.get_by_text("déposée", exact=True)).to_be_visible()
    expect(page.get_by_text("Aurélie")).to_have_count(0)
    expect(page.get_by_role("button", name="Commencer la demande")).to_have_count(0)
    check(page, "demande de l'autre parent")
    page.get_by_role("link", name="Retour à mes services").click()
    expect(page).to_have_title("Mes services — Téléservices")


def applied(server, identifiant: str) -> str:
    """The request this parent makes for their one child, written as the journey records it."""
    store = open_store(server.env["FLASK_DATABASE"])
    with store.reading() as tx:
        account = find_by_identifier(tx, identifiant)
        (child,) = children_of(tx, account["responsable_ids"])
    fiscal = {
        "source": "dgfip",
        "notices": [],
        "rfr": 9000,
        "enfants_a_charge": 2,
        "annee_revenus": 2025,
        "dgfip_consent": True,
        "renewal": "accepte",
        "files": [],
        "other_declarants": False,
    }
    data = {
        "contact": {"email": "", "phone": account["phone"], "address": None},
        "tax": fiscal,
        "estimate": estimate("2026-2027", 9000, 2).as_dict(),
        "bank": {"holder": "Aurélie Girard", "iban": "FR7630006000011234567890189", "bic": ""},
    }
    moment = datetime(2026, 9, 14, 9, 30, tzinfo=PARIS)
    with store.writing() as tx:
        return submit(tx, account, child, data, "e2e-autre-parent", moment)["number"]
