"""The help pages (journeys §8, issue 12 item 7): one per way in and one for forgotten
credentials, reachable from the login page, the footer and each journey's errors, quoting the
limits the rules enforce."""

import re

import pytest

from records import journeys
from rules import sms_codes, temporary_passwords
from rules.birthdates import BLOCK_DURATION, MAX_FAILED_SUBMISSIONS
from tests.markup import elements, plain, texts

HELP_PAGES = ["/aide/franceconnect", "/aide/inscription", "/aide/courrier", "/aide/oubli"]


def hrefs(html: str) -> set[str]:
    return {anchor.get("href") for anchor in elements(html, "a")}


def test_the_index_links_every_help_page(client):
    answer = client.get("/aide")
    assert answer.status_code == 200
    assert "<title>Aide — Téléservices</title>" in answer.text
    assert set(HELP_PAGES) <= hrefs(answer.text)


@pytest.mark.parametrize("url", HELP_PAGES)
def test_each_help_page_is_a_list_of_steps_back_to_the_rest(client, url):
    answer = client.get(url)
    assert answer.status_code == 200
    assert "<ol>" in answer.text
    assert {"/aide", "/connexion"} <= hrefs(answer.text)
    # What to do when the school's number is wrong or the phone changed.
    assert "secrétariat de l'établissement" in plain(answer.text)


def test_an_unknown_help_page_is_not_found(client):
    assert client.get("/aide/autre").status_code == 404


def test_the_numbers_quoted_are_the_rules_ones(client, app):
    text = plain(client.get("/aide/inscription").text)
    minutes = int(sms_codes.CODE_LIFETIME.total_seconds() // 60)
    assert f"valable {minutes} minutes" in text
    assert f"{sms_codes.MAX_CODES_PER_JOURNEY} codes au plus" in text
    assert f"{app.config['SMS_PER_NUMBER_PER_DAY']} SMS par jour" in text
    assert f"après {MAX_FAILED_SUBMISSIONS} essais" in text
    assert f"bloquée {int(BLOCK_DURATION.total_seconds() // 60)} minutes" in text
    letter = plain(client.get("/aide/courrier").text)
    assert f"valable {temporary_passwords.VALIDITY_MONTHS} mois" in letter


def test_the_letters_help_says_how_an_interrupted_activation_resumes(client):
    text = plain(client.get("/aide/courrier").text)
    minutes = int(journeys.JOURNEY_LIFETIME.total_seconds() // 60)
    assert f"pendant {minutes} minutes" in text
    assert "avec le nouveau mot de passe que vous avez choisi" in text


def test_the_recovery_help_says_what_to_do_when_the_phone_changed(client):
    answer = client.get("/aide/oubli")
    assert "Votre numéro de téléphone portable a changé" in texts(answer.text, "h2")
    text = plain(answer.text)
    assert "changez-le dans « Mon compte » : un code est envoyé au nouveau numéro" in text


def test_the_daily_sms_cap_quoted_follows_its_setting(make_app):
    text = plain(make_app(SMS_PER_NUMBER_PER_DAY=7).test_client().get("/aide/franceconnect").text)
    assert "7 SMS par jour" in text


def test_the_login_page_and_the_footer_lead_to_the_help(client):
    page = client.get("/connexion").text
    assert "/aide" in hrefs(page)
    footer = page[page.index('id="pied-de-page"') :]
    assert "/aide" in hrefs(footer)


def test_a_journeys_error_points_to_its_help(parent):
    answer = parent.post(
        "/inscription",
        data={"nom": "Inconnu", "prenom": "Personne", "telephone": "06 11 22 33 44"},
    )
    assert answer.status_code == 422
    region = re.search(r'<div id="parcours-alerte".*?</div>\s*</div>', answer.text, re.S)
    assert "/aide/inscription" in hrefs(region.group(0))


def test_a_failed_sign_in_points_to_the_recovery_help(parent):
    answer = parent.post("/connexion", data={"identifiant": "x.inconnu1", "mot_de_passe": "faux"})
    assert answer.status_code == 422
    assert "/aide/oubli" in hrefs(answer.text)


def test_every_journey_step_shows_its_help(parent):
    assert "/aide/inscription" in hrefs(parent.get("/inscription").text)


@pytest.mark.parametrize("url", ["/identifiant-oublie", "/mot-de-passe-oublie"])
def test_the_recovery_pages_show_their_help(parent, url):
    assert "/aide/oubli" in hrefs(parent.get(url).text)
