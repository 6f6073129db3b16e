"""A family with a mobile and no e-mail address (issue 15), in a real browser on a phone, with axe
after every step: the fiche keeps a postal address without an e-mail, the scholarship request
goes to its end without one, the receipt arrives by SMS, the school head grants it and the
decision arrives by SMS too; the back office shows how the family was told. Once with
JavaScript, once without. Each test has a family of its own, with no e-mail on the roster."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.browsers import assert_accessible, assert_accessible_without_js
from e2e.outbox import last_sms
from e2e.parents import add_roster_lines, create_parent, sign_in
from e2e.signing import submit_sign_in
from e2e.staff import create_staff
from e2e.test_bourse_request import BENALI_2026, IBAN, fill_bank, fill_situation, send, title
from rules.phones import mask_mobile, parse_mobile

CONCORDE = "0691234A;Collège Concorde"
STAFF_PASSWORD = "Direction-Bourses-2026!"


def roster_line(ine: str, eleve: str, nom: str, prenom: str, telephone: str) -> str:
    # The last column, the e-mail, is empty: the school has none for this parent.
    return f"{CONCORDE};{ine};{nom};{eleve};05/05/2014;5e;5eD;M.;{nom};{prenom};père;{telephone};"


def walk(page, check, server, ine: str, eleve: str, telephone: str, e164: str, masked: str):
    """The fiche without an e-mail, then the request to its receipt; returns its number."""
    page.goto(f"/fiche/{ine}")
    expect(page.get_by_label("Adresse électronique (facultatif)")).to_have_value("")
    expect(page.get_by_text("sans adresse, vous les recevez par SMS").first).to_be_visible()
    page.get_by_label("Numéro et voie").fill("3 allée des Cerisiers")
    page.get_by_label("Code postal").fill("69008")
    page.get_by_label("Commune").fill("Lyon")
    page.get_by_role("button", name="Enregistrer mes coordonnées").click()
    expect(
        page.get_by_role("status").filter(has_text="Vos coordonnées sont enregistrées.")
    ).to_be_visible()
    check(page, "fiche enregistrée sans adresse électronique")

    page.goto("/mes-services")
    services = page.get_by_role("list", name=f"Services en ligne pour {eleve}")
    services.get_by_role("link", name="Faire une demande").click()
    page.get_by_role("button", name="Commencer la demande").click()
    title(page, "Étape 1 sur 6 — Vos coordonnées")
    expect(page.get_by_label("Adresse électronique (facultatif)")).to_have_value("")
    expect(page.get_by_label("Numéro et voie")).to_have_value("3 allée des Cerisiers")
    expect(page.get_by_text(telephone)).to_be_visible()
    check(page, "étape 1 sans adresse électronique")
    page.get_by_role("button", name="Continuer").click()

    title(page, "Étape 2 sur 6 — Votre situation fiscale")
    fill_situation(page, BENALI_2026)
    page.get_by_role("button", name="Récupérer mes informations fiscales").click()
    title(page, "Étape 3 sur 6 — Votre foyer")
    page.get_by_role("button", name="Je confirme ces informations").click()
    title(page, "Étape 4 sur 6 — Estimation de la bourse")
    page.get_by_role("button", name="Continuer").click()
    title(page, "Étape 5 sur 6 — Coordonnées bancaires")
    fill_bank(page, IBAN)
    title(page, "Étape 6 sur 6 — Récapitulatif")
    expect(page.get_by_text("non renseignée").first).to_be_visible()
    check(page, "récapitulatif sans adresse électronique")

    numero = send(page, check, "accusé envoyé par SMS")
    expect(page.get_by_role("status")).to_contain_text(
        f"L'accusé d'enregistrement vous a été envoyé par SMS au {masked}."
    )
    receipt = last_sms(page, server.url, e164)
    assert numero in receipt and f"/bourse/demandes/{numero}" in receipt
    assert receipt.startswith("Téléservices : ")
    return numero


def grant(page, check, server, numero: str, staff: str, e164: str, masked: str) -> None:
    """The school head grants the request (échelon 3, the estimate's); the family is told by
    SMS, and the request's page says so."""
    create_staff(server, staff, STAFF_PASSWORD, role="direction")
    page.goto("/admin/connexion")
    submit_sign_in(page, staff, STAFF_PASSWORD)
    expect(page).to_have_title("Espace établissement — Téléservices")
    page.goto(f"/admin/bourses/{numero}")
    page.get_by_role("button", name="Passer en instruction").click()
    expect(page.get_by_text(f"La famille reçoit la décision par SMS, au {masked}.")).to_be_visible()
    check(page, "en instruction, famille sans adresse électronique")
    expect(page.locator("#echelon-3")).to_be_checked()
    page.get_by_role("button", name="Accorder").click()
    expect(page.get_by_text("Accordée à l'échelon 3")).to_be_visible()
    expect(page.get_by_text(f"La famille est prévenue par SMS au {masked}.")).to_be_visible()
    notices = page.get_by_role("table", name="Messages envoyés à la famille")
    expect(notices.get_by_role("row")).to_have_count(3)  # the header, the receipt, the decision
    expect(notices).to_contain_text("Accusé d'enregistrement")
    expect(notices).to_contain_text("Décision")
    check(page, "accordée, famille prévenue par SMS")
    decision = last_sms(page, server.url, e164)
    assert f"la bourse de collège est accordée (demande {numero}) : échelon 3" in decision


@pytest.mark.parametrize(
    ("browser_page", "family", "staff"),
    [
        pytest.param(
            "phone",
            ("0691600501A", "Adam", "Haddad", "Bilal", "06 70 00 05 01"),
            "e2e.sms.direction",
            id="javascript",
        ),
        pytest.param(
            "phone_without_js",
            ("0691600502B", "Lina", "Mansouri", "Samir", "06 70 00 05 02"),
            "e2e.sms.direction.sansjs",
            id="sans-javascript",
        ),
    ],
)
def test_a_phone_only_family_applies_and_is_told_by_sms(
    request, app_server, browser_page, family, staff
):
    ine, eleve, nom, prenom, telephone = family
    page = request.getfixturevalue(browser_page)
    check = assert_accessible if browser_page == "phone" else assert_accessible_without_js
    e164 = parse_mobile(telephone)
    add_roster_lines(app_server, [roster_line(ine, eleve, nom, prenom, telephone)])
    sign_in(page, create_parent(app_server, nom, prenom, telephone))
    numero = walk(page, check, app_server, ine, eleve, telephone, e164, mask_mobile(e164))
    grant(page, check, app_server, numero, staff, e164, mask_mobile(e164))
