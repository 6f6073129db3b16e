"""The school's automatic examination of the right to the scholarship (issue 14, items 3 and 4) in
a real browser, on a phone, with axe and the W3C checker after every step and error state. Two
families of this file's own, each consenting through the fiche with an état civil the tax-data
sandbox knows (data/sandbox/households.json, "_comment"):

- Mme Rose Lacroix (Timéo, 5eE, Collège Concorde) consents with a partner, as Josiane and Rudy
  Céleste (partners not married, two notices, échelon 2): the secretariat launches the
  examination and sees it end, Timéo éligible; the request « en instruction » is marked
  « examen automatique » and asks for the bank details; the direction grants it and the family's
  e-mail reaches the real SMTP server.
- M. Gilles Moulin (Léna, 5eE, Concorde), JavaScript off, consents as Éric Rousseau (whom the
  tax data does not know): the school launches the examination, follows it with « Actualiser »,
  finds « données introuvables », and the family is e-mailed to apply online before the deadline.

And the Collège Lucie-Aubrac, whose campaign opens after today: its page says from when the
examination can be launched, with no button; the Collège Pierre-Brossolette's run under way: its
progress bar follows each batch through htmx's polling, and its end is announced.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import expect

from e2e.browsers import assert_accessible, assert_accessible_without_js, tick
from e2e.parents import add_roster_lines, create_parent, sign_in
from e2e.signing import submit_sign_in
from e2e.staff import create_staff
from e2e.test_consent import fill_person
from outside.storage import open_store
from records import examinations
from records.accounts import find_by_identifier
from records.teleservices import BOURSE, State, save_service

CONCORDE = "0691234A;Collège Concorde"
LACROIX = [
    f"{CONCORDE};0691651101A;Lacroix;Timéo;09/05/2014;5e;5eE;Mme;Lacroix;Rose;mère;"
    "06 70 00 51 01;rose.lacroix@example.org"
]
MOULIN = [
    f"{CONCORDE};0691651201A;Moulin;Léna;23/08/2014;5e;5eE;M.;Moulin;Gilles;père;"
    "06 70 00 51 02;gilles.moulin@example.org"
]
STAFF, STAFF_PASSWORD = "e2e.examen.secretariat", "Examen-Auto-2026!"
HEAD, HEAD_PASSWORD = "e2e.examen.direction", "Direction-Examen-2026!"
NUMERO = re.compile(r"0691234A-2026-\d{5}")


def parent(server, lines: list[str], nom: str, prenom: str, telephone: str, courriel: str) -> str:
    """The family's account, its e-mail address confirmed (issue 12: the only one mailed)."""
    add_roster_lines(server, lines)
    identifiant = create_parent(server, nom, prenom, telephone)
    with open_store(server.env["FLASK_DATABASE"]).writing() as tx:
        account = find_by_identifier(tx, identifiant)
        tx.update("comptes", account["id"], {"email": courriel, "email_confirmed": True})
    return identifiant


def consent(page, ine: str, applicant: tuple, partner: tuple | None) -> None:
    page.goto(f"/fiche/{ine}/examen-automatique")
    fill_person(page.get_by_role("group", name="Votre état civil").first, *applicant)
    if partner:
        tick(page.get_by_label("Oui", exact=True))
        group = page.get_by_role(
            "group", name="L'état civil de la personne qui vit en couple avec vous"
        ).first
        fill_person(group, *partner)
    else:
        tick(page.get_by_label("Non", exact=True))
    page.get_by_role("button", name="Je donne mon accord").click()
    expect(page).to_have_url(re.compile(f"/fiche/{ine}$"))


def staff_signs_in(page, identifiant: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/admin/connexion")
    submit_sign_in(page, identifiant, password)
    expect(page).to_have_title("Espace établissement — Téléservices")


def launch_examination(page, check) -> None:
    page.goto("/admin/bourses")
    page.get_by_role("link", name="Examen automatique du droit à bourse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Examen automatique du droit à bourse"
    )
    check(page, "page de l'examen automatique")
    page.get_by_role("button", name="Lancer l'examen automatique").click()
    expect(page).to_have_url(re.compile("/admin/bourses/examen$"))


def result_row(page, pupil: str):
    return page.locator("#resultats tbody tr").filter(has_text=pupil)


def test_a_couple_examined_eligible_then_granted(phone, app_server, smtp_server):
    identifiant = parent(
        app_server, LACROIX, "Lacroix", "Rose", "06 70 00 51 01", "rose.lacroix@example.org"
    )
    create_staff(app_server, STAFF, STAFF_PASSWORD)
    create_staff(app_server, HEAD, HEAD_PASSWORD, role="direction")
    page, check = phone, assert_accessible

    sign_in(page, identifiant)
    consent(
        page,
        "0691651101A",
        ("Jean-Baptiste", "Josiane Éliane", "21/04/1986", "Fort-de-France", "972"),
        ("Céleste", "Rudy", "02/10/1983", "Saint-Laurent-du-Maroni", "973"),
    )
    check(page, "accord donné avec un conjoint")

    staff_signs_in(page, STAFF, STAFF_PASSWORD)
    launch_examination(page, check)
    # The live region announces the end; htmx's polling brings it without a reload.
    expect(page.locator("#examen-annonce")).to_contain_text(
        "L'examen automatique est terminé", timeout=30_000
    )
    check(page, "examen terminé")

    page.goto("/admin/bourses/examen?resultat=eligible&classe=5eE")
    row = result_row(page, "Timéo Lacroix")
    expect(row).to_contain_text("éligible")
    expect(row).to_contain_text("Échelon 2")
    expect(row).to_contain_text("12100 €")
    check(page, "résultats filtrés")

    row.get_by_role("link", name=NUMERO).click()
    expect(page.get_by_text("examen automatique", exact=True).first).to_be_visible()
    expect(page.locator("#banque-a-demander")).to_contain_text(
        "Coordonnées bancaires à demander à la famille"
    )
    numero = NUMERO.search(page.url).group(0)
    check(page, "demande issue de l'examen")

    staff_signs_in(page, HEAD, HEAD_PASSWORD)
    page.goto(f"/admin/bourses/{numero}")
    expect(page.get_by_label(re.compile("^Échelon 2"))).to_be_checked()
    page.get_by_role("button", name="Accorder", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("La bourse est accordée")
    check(page, "bourse accordée")

    (mail,) = wait_for_mail(smtp_server, "rose.lacroix@example.org", "bourse accordée")
    assert "à l'échelon 2" in mail["body"]

    # « Mes services » shows the grant.
    page.context.clear_cookies()
    sign_in(page, identifiant)
    granted = f"Demande de bourse n° {numero} (examen automatique) : accordée."
    expect(page.get_by_text(granted)).to_be_visible()
    check(page, "mes services : bourse accordée")


def test_data_not_found_without_javascript(phone_without_js, app_server, smtp_server):
    identifiant = parent(
        app_server, MOULIN, "Moulin", "Gilles", "06 70 00 51 02", "gilles.moulin@example.org"
    )
    create_staff(app_server, f"{STAFF}.sans-js", STAFF_PASSWORD)
    page, check = phone_without_js, assert_accessible_without_js

    sign_in(page, identifiant)
    consent(
        page, "0691651201A", ("Rousseau", "Éric Jean", "08/02/1975", "Villeurbanne", "69"), None
    )
    check(page, "accord donné sans JavaScript")

    staff_signs_in(page, f"{STAFF}.sans-js", STAFF_PASSWORD)
    launch_examination(page, check)
    for _ in range(30):
        if "L'examen automatique est terminé" in page.locator("#examen-annonce").inner_text():
            break
        check(page, "examen en cours sans JavaScript")
        page.get_by_role("link", name="Actualiser").click()
        time.sleep(1)
    expect(page.locator("#examen-annonce")).to_contain_text("L'examen automatique est terminé")

    page.get_by_label("Résultat", exact=True).select_option("not_found")
    page.get_by_label("Classe", exact=True).select_option("5eE")
    page.get_by_role("button", name="Filtrer").click()
    row = result_row(page, "Léna Moulin")
    expect(row).to_contain_text("données introuvables")
    expect(row).to_contain_text("Courriel envoyé")
    check(page, "données introuvables sans JavaScript")

    (mail,) = wait_for_mail(smtp_server, "gilles.moulin@example.org", "Bourse de collège")
    assert "Nous n'avons pas retrouvé votre avis d'imposition 2026" in mail["body"]
    assert "avant le 15/10/2026" in mail["body"]
    assert "/bourse/eleves/0691651201A" in mail["body"]


def wait_for_mail(mailbox, to: str, subject: str, seconds: float = 10) -> list[dict]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [one for one in mailbox.received(to) if subject in one["subject"]]
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"aucun courriel « {subject} » pour {to}")


AUBRAC = (
    "0691771M;Collège Lucie-Aubrac;0691771001A;Roussel;Ambre;12/12/2013;4e;4eA;Mme;Roussel;"
    "Carole;mère;06 70 00 51 03;carole.roussel@example.org"
)

AUBRAC_RUN = (
    "0691772N;Collège Pierre-Brossolette;0691772001A;Royer;Axel;01/02/2013;4e;4eA;M.;Royer;"
    "Denis;père;06 70 00 51 04;denis.royer@example.org"
)


def test_before_the_campaign_the_page_says_when(phone, app_server):
    """A school whose campaign opens after today: the examination waits for it."""
    add_roster_lines(app_server, [AUBRAC])
    with open_store(app_server.env["FLASK_DATABASE"]).writing() as tx:
        save_service(
            tx,
            "0691771M",
            BOURSE,
            State.OPEN,
            "",
            date(2026, 9, 21),
            date(2026, 10, 15),
            datetime.now(UTC),
        )
    create_staff(app_server, "e2e.examen.aubrac", STAFF_PASSWORD, uai="0691771M")
    page = phone
    staff_signs_in(page, "e2e.examen.aubrac", STAFF_PASSWORD)
    page.goto("/admin/bourses/examen")
    expect(page.locator("#examen-impossible")).to_contain_text(
        "pourra être lancé à partir du 21/09/2026, début de la campagne de bourse"
    )
    expect(page.get_by_role("button", name="Lancer l'examen automatique")).to_have_count(0)
    expect(page.locator("#resultats")).to_contain_text("Aucun élève n'a encore été examiné")
    assert_accessible(page, "examen avant la campagne")


def test_the_progress_polled_until_the_end_is_announced(phone, app_server):
    """A run under way (recorded as a background thread records it): the bar and its text
    follow each saved batch through htmx's polling, and the end is announced."""
    add_roster_lines(app_server, [AUBRAC_RUN])
    create_staff(app_server, "e2e.examen.aubrac.suivi", STAFF_PASSWORD, uai="0691772N")
    store = open_store(app_server.env["FLASK_DATABASE"])
    with store.writing() as tx:
        run = examinations.start_run(
            tx, "0691772N", "2026-2027", "e2e", 50, datetime.now(UTC), timedelta(hours=1)
        )
    page = phone
    staff_signs_in(page, "e2e.examen.aubrac.suivi", STAFF_PASSWORD)
    page.goto("/admin/bourses/examen")
    bar = page.locator("progress#examen-avancement")
    expect(bar).to_have_attribute("value", "0")
    expect(page.get_by_text("Élèves examinés : 0 sur 50")).to_be_visible()
    assert_accessible(page, "examen en cours")
    with store.writing() as tx:
        examinations.advance_run(tx, run, 25, datetime.now(UTC))
    expect(page.get_by_text("Élèves examinés : 25 sur 50")).to_be_visible(timeout=5_000)
    expect(bar).to_have_attribute("value", "25")
    with store.writing() as tx:
        examinations.advance_run(tx, run, 25, datetime.now(UTC))
        examinations.end_run(tx, run, datetime.now(UTC))
    expect(page.locator("#examen-annonce")).to_have_text(
        "L'examen automatique est terminé. 50 élèves examinés.", timeout=5_000
    )
    assert_accessible(page, "examen terminé, annoncé")
