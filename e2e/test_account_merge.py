"""« Ajouter des élèves depuis un autre compte » (journeys §5, issue 12 item 4) in a real browser
on a phone, with axe after every step and every error state, once with JavaScript and once
without. A parent made an account for the child at the Collège Concorde; the Collège des
Palmistes, which knows them by another mobile, sent a letter (an account « notifié » with a
temporary password) for the other child. Refused first: a wrong password, their own
identifiant, another parent's account, empty fields. Then the parent adds the letter's account
to theirs: both children are on « Mes services », both mobiles are told by SMS, and the letter
no longer signs in. Each pass has its own family, used by no other test."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.browsers import assert_accessible, assert_accessible_without_js
from e2e.outbox import last_sms
from e2e.parents import PASSWORD, add_roster_lines, create_parent, letter_for, sign_in
from e2e.signing import submit_sign_in
from rules import lockout
from rules.phones import parse_mobile

TITLE = "Ajouter des élèves depuis un autre compte"


def roster_lines(family: dict) -> list[str]:
    nom, prenom = family["nom"], family["prenom"]
    return [
        f"0691234A;Collège Concorde;{family['ine_concorde']};{nom};{family['concorde_child']};"
        f"03/03/2014;5e;5eC;Mme;{nom};{prenom};mère;{family['phone']};",
        f"0973123Z;Collège des Palmistes;{family['ine_palmistes']};{nom};"
        f"{family['palmistes_child']};04/04/2012;3e;3eA;Mme;{nom};{prenom};mère;"
        f"{family['palmistes_phone']};",
        # Another parent of the Concorde, whose account is not this parent's to take.
        f"0691234A;Collège Concorde;{family['ine_stranger']};{family['stranger'][0]};Noé;"
        f"05/05/2014;5e;5eC;M.;{family['stranger'][0]};{family['stranger'][1]};père;"
        f"{family['stranger'][2]};",
    ]


def merge_form(page, identifiant: str, password: str) -> None:
    page.get_by_label("Identifiant de l'autre compte").fill(identifiant)
    page.locator("#mot_de_passe").fill(password)
    page.get_by_role("button", name="Ajouter les élèves de ce compte").click()


FAMILIES = {
    "javascript": {
        "nom": "Vasseur",
        "prenom": "Hélène",
        "phone": "06 70 00 18 81",
        "palmistes_phone": "0694 38 18 81",
        "ine_concorde": "0691618801A",
        "ine_palmistes": "0971618802B",
        "concorde_child": "Arthur",
        "palmistes_child": "Jade",
        "ine_stranger": "0691618805E",
        "stranger": ("Lemoine", "Bruno", "06 70 00 18 85"),
    },
    "sans-javascript": {
        "nom": "Marchal",
        "prenom": "Odile",
        "phone": "06 70 00 18 82",
        "palmistes_phone": "0694 38 18 82",
        "ine_concorde": "0691618803C",
        "ine_palmistes": "0971618804D",
        "concorde_child": "Simon",
        "palmistes_child": "Rose",
        "ine_stranger": "0691618806F",
        "stranger": ("Perrot", "Gilles", "06 70 00 18 86"),
    },
}


@pytest.mark.parametrize(
    ("browser_page", "family"),
    [
        pytest.param("phone", FAMILIES["javascript"], id="javascript"),
        pytest.param("phone_without_js", FAMILIES["sans-javascript"], id="sans-javascript"),
    ],
)
def test_a_letter_account_added_to_a_self_registered_one(request, app_server, browser_page, family):
    page = request.getfixturevalue(browser_page)
    check = assert_accessible if browser_page == "phone" else assert_accessible_without_js
    add_roster_lines(app_server, roster_lines(family))
    mine = create_parent(app_server, family["nom"], family["prenom"], family["phone"])
    letter = letter_for(app_server, family["nom"], family["palmistes_phone"], "0973123Z", "GF")
    assert letter.identifiant != mine

    sign_in(page, mine)
    cards = page.locator(".fr-card__title")
    expect(cards).to_have_text([f"{family['concorde_child']} {family['nom']}"])
    check(page, "Mes services, un enfant")

    page.goto("/mon-compte/fusion")
    expect(page).to_have_title(f"{TITLE} — Téléservices")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    check(page, "formulaire")

    merge_form(page, letter.identifiant, letter.temporary_password.lower())
    expect(page.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect.")
    expect(page).to_have_title(f"Erreur — {TITLE} — Téléservices")
    expect(page.locator("#identifiant")).to_be_focused()
    expect(page.locator("#mot_de_passe")).to_have_value("")
    check(page, "mot de passe erroné")

    merge_form(page, mine, "peu importe")
    expect(page.get_by_role("alert")).to_contain_text(
        "C'est l'identifiant du compte avec lequel vous êtes connecté"
    )
    check(page, "le même compte")

    stranger = create_parent(app_server, *family["stranger"])
    merge_form(page, stranger, PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Ce compte appartient à une autre personne")
    expect(page.get_by_role("alert")).not_to_contain_text(family["stranger"][0])
    check(page, "le compte d'une autre personne")

    merge_form(page, "", "")
    expect(page.get_by_text("Indiquez l'identifiant de votre autre compte.")).to_be_visible()
    # Both fields are missing: their list takes the focus (issue 13).
    expect(page.locator("#fusion-erreurs")).to_be_focused()
    check(page, "champs vides")

    merge_form(page, letter.identifiant, letter.temporary_password)
    expect(page).to_have_url(re.compile("/mes-services$"))
    expect(page.get_by_role("status")).to_contain_text(
        f"Les élèves de votre compte {letter.identifiant} sont ajoutés à ce compte : "
        f"{family['palmistes_child']} (Collège des Palmistes). "
        f"Le compte {letter.identifiant} est fermé."
    )
    expect(cards).to_have_text(
        [
            f"{family['concorde_child']} {family['nom']}",
            f"{family['palmistes_child']} {family['nom']}",
        ]
    )
    check(page, "Mes services, les deux enfants")

    for number in (parse_mobile(family["phone"]), parse_mobile(family["palmistes_phone"], "GF")):
        told = last_sms(page, app_server.url, number)
        assert f"le compte {letter.identifiant} a été fermé" in told and mine in told

    # The letter no longer signs in (another visit: a browser without this session).
    page.context.clear_cookies()
    page.goto("/connexion")
    submit_sign_in(page, letter.identifiant, letter.temporary_password)
    expect(page.get_by_role("alert")).to_contain_text(lockout.FAILED)
    check(page, "le compte fermé ne se connecte plus")
