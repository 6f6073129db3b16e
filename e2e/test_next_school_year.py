"""The consent to the automatic examination holds from one school year to the next (issue 14):
a father consents in the fiche in September 2026 and the school's examination finds his
household eligible; in September 2027 (TODAY moved, a second server on the same database) the
school examines the family again on the year's notice, with no new consent, and « Mes services »
shows the year's request. M. Paul Ferrand types the état civil of the tax-data sandbox's Karim
Benali (data/sandbox/households.json, "_comment": échelon 3 in 2026 and in 2027).

The scale of 2027-2028 is not published: the second server reads a folder of scales where it is
a copy of 2026-2027's (setting BOURSE_SCALES), as a school would add the year's file."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from e2e.browsers import PHONE, assert_accessible
from e2e.parents import sign_in
from e2e.servers import start_app
from e2e.signing import submit_sign_in
from e2e.staff import create_staff
from e2e.test_examination import consent, launch_examination, parent, result_row
from rules import bourse

SCHOOL = "0691773P"
FERRAND = [
    f"{SCHOOL};Collège Simone-Veil;0691773001A;Ferrand;Maël;04/04/2014;5e;5eB;M.;Ferrand;Paul;"
    "père;06 70 00 71 01;paul.ferrand@example.org"
]
STAFF, PASSWORD = "e2e.annee.suivante", "Annee-Suivante-2026!"
BENALI = ("Benali", "Karim", "27/01/1980", "Vénissieux", "69")


@pytest.fixture(scope="module")
def next_year(app_server, tmp_path_factory):
    """A second server on the first one's database, a year later, with 2027-2028's scale."""
    scales = tmp_path_factory.mktemp("baremes")
    for path in bourse.DATA.glob("*.json"):
        (scales / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    scale = json.loads((scales / "2026-2027.json").read_text(encoding="utf-8"))
    (scales / "2027-2028.json").write_text(json.dumps({**scale, "annee": "2027-2028"}))
    env = app_server.env
    server = start_app(
        tmp_path_factory.mktemp("annee-suivante"),
        DATABASE=env["FLASK_DATABASE"],
        SECRET_KEY=env["FLASK_SECRET_KEY"],
        FRANCECONNECT_ISSUER=env["FLASK_FRANCECONNECT_ISSUER"],
        MAIL_SERVER=env["FLASK_MAIL_SERVER"],
        MAIL_PORT=env["FLASK_MAIL_PORT"],
        TODAY="2027-09-14",
        BOURSE_SCALES=str(scales),
    )
    yield server
    server.stop()


def examine(page, check, when: str, rfr: str) -> None:
    page.context.clear_cookies()
    page.goto("/admin/connexion")
    submit_sign_in(page, STAFF, PASSWORD)
    expect(page).to_have_title("Espace établissement — Téléservices")
    launch_examination(page, check)
    expect(page.locator("#examen-annonce")).to_contain_text(
        "L'examen automatique est terminé", timeout=30_000
    )
    page.get_by_role("link", name="Afficher la liste à jour").click()
    row = result_row(page, "Maël Ferrand")
    expect(row).to_contain_text("éligible")
    expect(row).to_contain_text("Échelon 3")
    expect(row).to_contain_text(f"{rfr} €")  # the year's notice: 2026, then 2027
    check(page, f"examen terminé, {when}")


def test_the_next_school_year_examines_the_family_again_without_a_new_consent(
    phone, app_server, next_year, new_context
):
    identifiant = parent(
        app_server, FERRAND, "Ferrand", "Paul", "06 70 00 71 01", "paul.ferrand@example.org"
    )
    create_staff(app_server, STAFF, PASSWORD, uai=SCHOOL)
    page, check = phone, assert_accessible

    sign_in(page, identifiant)
    consent(page, "0691773001A", BENALI, None)
    check(page, "accord donné en 2026")
    examine(page, check, "2026-2027", "3300")
    expect(page.locator("#resultats")).to_contain_text(re.compile(f"{SCHOOL}-2026-\\d{{5}}"))

    # A year later: no new consent, the same household examined on the 2027 notice.
    later = new_context(base_url=next_year.url, locale="fr-FR", **PHONE).new_page()
    examine(later, check, "2027-2028", "3400")
    expect(later.locator("#resultats")).to_contain_text(re.compile(f"{SCHOOL}-2027-\\d{{5}}"))

    later.context.clear_cookies()
    sign_in(later, identifiant)
    card = later.locator("main")
    expect(card).to_contain_text(re.compile(f"Demande de bourse n° {SCHOOL}-2027-\\d{{5}}"))
    expect(card).to_contain_text("examen automatique")
    check(later, "mes services, 2027-2028")
