"""The end of a signed-in session in a real browser, on a phone, with axe (issue 12, item 6;
WCAG 2.2.1): a server of this file's own whose sessions end 20 idle seconds after the last
request, the warning 12 seconds before (the settings of production are 30 minutes and 2), so the
warning opens 8 seconds after the last request. Two families of this file's own:

- Mme Inès Garnier (Lou, Collège Concorde): a scholarship request to its third step, the warning
  dialog (focus inside, « Rester connecté » keeps the session and gives the focus back), the
  session left to end, « Se reconnecter », and the request resumed at its step with what was
  typed;
- M. Malik Perrin (Adam, Concorde), JavaScript off: the plain notice on every signed-in page and
  its « Rester connecté » form;
- Mme Anaïs Roussel (Théo, Concorde), JavaScript off: a scholarship request to its second step,
  the session left to end, the step sent anyway, signed in again and back at that step, with
  what the first step held.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.browsers import PHONE, assert_accessible, assert_accessible_without_js, tick
from e2e.parents import PASSWORD, add_roster_lines, create_parent, sign_in
from e2e.servers import start_app
from e2e.signing import submit_sign_in
from tests import backends

IDLE, WARNING = 20, 12
CONCORDE = "0691234A;Collège Concorde"
GARNIER = [
    f"{CONCORDE};0691600301A;Garnier;Lou;12/05/2014;5e;5eC;Mme;Garnier;Inès;mère;"
    "06 70 00 03 01;ines.garnier@example.org"
]
PERRIN = [
    f"{CONCORDE};0691600302B;Perrin;Adam;04/02/2013;4e;4eC;M.;Perrin;Malik;père;"
    "06 70 00 03 02;malik.perrin@example.org"
]
ROUSSEL = [
    f"{CONCORDE};0691600304D;Roussel;Théo;18/10/2013;4e;4eD;Mme;Roussel;Anaïs;mère;"
    "06 70 00 03 04;anais.roussel@example.org"
]
BENALI_2026 = ("2080012799074", "2669B02B23101")
ENDS = re.compile(r"Votre session se termine à \d{1,2} h \d{2} sans action de votre part")


@pytest.fixture(scope="module")
def database(tmp_path_factory, worker_id):
    yield from backends.server_database(
        backends.BACKEND, tmp_path_factory.mktemp("database"), f"e2e_session_{worker_id}"
    )


@pytest.fixture(scope="module")
def short_sessions(tmp_path_factory, database):
    """The service with sessions of a few seconds, on a database of its own."""
    server = start_app(
        tmp_path_factory.mktemp("short-sessions"),
        DATABASE=database,
        PERMANENT_SESSION_LIFETIME=str(IDLE),
        SESSION_WARNING_BEFORE=str(WARNING),
    )
    server.flask("demo", "seed")
    yield server
    server.stop()


def family(server, lines, nom, prenom, telephone) -> str:
    add_roster_lines(server, lines)
    return create_parent(server, nom, prenom, telephone)


def open_phone(new_context, server, **options):
    context = new_context(base_url=server.url, locale="fr-FR", **PHONE, **options)
    return context.new_page()


def title(page, text: str) -> None:
    expect(page).to_have_title(f"{text} — Téléservices")


def to_tax_step(page, ine: str, street: str, postcode: str, email: str | None = None) -> None:
    """A scholarship request begun for the pupil `ine`, its first step filled (in Lyon), to its
    second."""
    page.goto(f"/bourse/eleves/{ine}")
    page.get_by_role("button", name="Commencer la demande").click()
    title(page, "Étape 1 sur 6 — Vos coordonnées")
    if email:
        page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Numéro et voie").fill(street)
    page.get_by_label("Code postal").fill(postcode)
    page.get_by_label("Commune").fill("Lyon")
    page.get_by_role("button", name="Continuer").click()
    title(page, "Étape 2 sur 6 — Votre situation fiscale")


def test_warned_kept_then_ended_and_resumed(new_context, short_sessions):
    identifiant = family(short_sessions, GARNIER, "Garnier", "Inès", "06 70 00 03 01")
    page = open_phone(new_context, short_sessions)
    sign_in(page, identifiant)
    to_tax_step(page, "0691600301A", "8 rue Garibaldi", "69006", "ines.perso@example.net")
    page.locator("#numero_fiscal").fill(BENALI_2026[0])
    page.locator("#reference_avis").fill(BENALI_2026[1])
    tick(page.get_by_label(re.compile("J'accepte que l'établissement obtienne")))
    tick(page.get_by_label("J'accepte", exact=True))
    page.get_by_role("button", name="Récupérer mes informations fiscales").click()
    title(page, "Étape 3 sur 6 — Votre foyer")
    expect(page.get_by_text("3 300 €")).to_be_visible()
    confirm = page.get_by_role("button", name="Je confirme ces informations")
    confirm.focus()

    # The warning: a modal dialog, the focus in it, the time the session ends.
    dialog = page.get_by_role("dialog", name="Votre session va se terminer")
    expect(dialog).to_be_visible(timeout=(IDLE - WARNING + 5) * 1000)
    expect(dialog).to_contain_text(ENDS)
    stay = dialog.get_by_role("button", name="Rester connecté")
    expect(stay).to_be_focused()
    expect(dialog.get_by_role("button", name="Se déconnecter")).to_be_visible()
    # The page's own notice is not left dimmed under the backdrop: the dialog says it all.
    expect(page.locator("#session-fin")).to_be_hidden()
    page.evaluate("window.scrollTo(0, 0)")  # the page's top, where that notice stands
    assert_accessible(page, "avertissement de fin de session")

    # « Rester connecté » from the keyboard: the session goes on, the focus comes back.
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#session-fin")).to_be_visible()
    expect(confirm).to_be_focused()
    expect(page.get_by_text("3 300 €")).to_be_visible()

    # The warning comes back (the end moved), then the end itself.
    expect(dialog).to_be_visible(timeout=(IDLE - WARNING + 5) * 1000)
    ended = page.get_by_role("dialog", name="Votre session est terminée")
    expect(ended).to_be_visible(timeout=(WARNING + 5) * 1000)
    expect(ended).to_contain_text("une demande en cours reprend à l'étape où vous l'avez laissée")
    again = ended.get_by_role("link", name="Se reconnecter")
    expect(again).to_be_focused()
    assert_accessible(page, "session terminée")

    # Signed in again: the request where it was left, with what was typed.
    again.click()
    title(page, "Connexion")
    submit_sign_in(page, identifiant, PASSWORD)
    expect(page).to_have_url(re.compile("/bourse/demande/foyer$"))
    title(page, "Étape 3 sur 6 — Votre foyer")
    expect(page.get_by_text("3 300 €")).to_be_visible()
    assert_accessible(page, "demande reprise")
    page.get_by_role("button", name="Précédent").click()
    title(page, "Étape 2 sur 6 — Votre situation fiscale")
    expect(page.locator("#numero_fiscal")).to_have_value(BENALI_2026[0])


def test_without_javascript_every_signed_in_page_says_it(new_context, short_sessions):
    identifiant = family(short_sessions, PERRIN, "Perrin", "Malik", "06 70 00 03 02")
    page = open_phone(new_context, short_sessions, java_script_enabled=False)
    page.goto("/connexion")
    expect(page.get_by_text("Sans action de votre part")).to_have_count(0)
    sign_in(page, identifiant)
    notice = page.get_by_text(re.compile(r"Sans action de votre part, votre session se termine"))
    expect(notice).to_be_visible()
    expect(page.locator("#session-fin-dialogue")).to_be_hidden()
    assert_accessible_without_js(page, "mes services, sans JavaScript")
    page.goto("/bourse/eleves/0691600302B")
    expect(notice).to_be_visible()
    page.locator("#session-fin").get_by_role("button", name="Rester connecté").click()
    expect(page).to_have_url(re.compile("/bourse/eleves/0691600302B$"))
    expect(notice).to_be_visible()
    assert_accessible_without_js(page, "après « Rester connecté », sans JavaScript")


def test_without_javascript_left_to_end_then_resumed(new_context, short_sessions):
    identifiant = family(short_sessions, ROUSSEL, "Roussel", "Anaïs", "06 70 00 03 04")
    page = open_phone(new_context, short_sessions, java_script_enabled=False)
    sign_in(page, identifiant)
    to_tax_step(page, "0691600304D", "3 place Bellecour", "69002")
    expect(page.get_by_text(re.compile("Sans action de votre part"))).to_be_visible()
    assert_accessible_without_js(page, "étape 2, sans JavaScript")

    # Nothing is done until the session has ended; the step is sent all the same.
    page.wait_for_timeout((IDLE + 2) * 1000)
    page.locator("#numero_fiscal").fill(BENALI_2026[0])
    page.locator("#reference_avis").fill(BENALI_2026[1])
    page.get_by_role("button", name="Récupérer mes informations fiscales").click()
    title(page, "Connexion")
    expect(page).to_have_url(re.compile(r"/connexion\?next="))
    assert_accessible_without_js(page, "connexion après la fin de session, sans JavaScript")

    # Signed in again: back at the step, with what the first step held.
    submit_sign_in(page, identifiant, PASSWORD)
    expect(page).to_have_url(re.compile("/bourse/demande/situation-fiscale$"))
    title(page, "Étape 2 sur 6 — Votre situation fiscale")
    assert_accessible_without_js(page, "demande reprise, sans JavaScript")
    page.get_by_role("button", name="Précédent").click()
    title(page, "Étape 1 sur 6 — Vos coordonnées")
    expect(page.get_by_label("Numéro et voie")).to_have_value("3 place Bellecour")
