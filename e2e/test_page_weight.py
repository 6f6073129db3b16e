"""Pages stay light on a phone: at most 200 KB on a first visit, 15 KB once cached (the login
page, and the heaviest step of the scholarship request)."""

import re

from playwright.sync_api import expect

from e2e.browsers import PHONE
from e2e.parents import add_roster_lines, create_parent, sign_in
from e2e.weight import first_and_repeat_visit, report


def test_login_page_weight(new_context, app_server):
    first, repeat = first_and_repeat_visit(new_context(**PHONE), app_server.url + "/connexion")
    assert first.total <= 200 * 1024, report("Première visite", first)
    assert repeat.total <= 15 * 1024, report("Visite suivante", repeat)
    # Every static file was fetched once, then came from the cache.
    assert [url for url, _ in repeat.requests] == [app_server.url + "/connexion"]


def test_tax_situation_step_weight(new_context, app_server):
    """The request's heaviest form (step 2: fields, checkbox, radios, callout) on a phone that
    has never seen the service: the parent's session is carried over, not the cache."""
    add_roster_lines(
        app_server,
        [
            "0691234A;Collège Concorde;0691600401A;Perrin;Elsa;03/03/2014;5e;5eD;Mme;Perrin;"
            "Anne;mère;06 70 00 04 01;anne.perrin@example.org"
        ],
    )
    identifiant = create_parent(app_server, "Perrin", "Anne", "06 70 00 04 01")
    signed_in = new_context(base_url=app_server.url, **PHONE)
    page = signed_in.new_page()
    sign_in(page, identifiant)
    page.goto("/bourse/eleves/0691600401A")
    page.get_by_role("button", name="Commencer la demande").click()
    page.get_by_label("Numéro et voie").fill("3 rue Garibaldi")
    page.get_by_label("Code postal").fill("69006")
    page.get_by_label("Commune").fill("Lyon")
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_url(re.compile("/bourse/demande/situation-fiscale$"))

    fresh = new_context(**PHONE, storage_state=signed_in.storage_state())
    url = app_server.url + "/bourse/demande/situation-fiscale"
    first, repeat = first_and_repeat_visit(fresh, url)
    assert first.total <= 200 * 1024, report("Première visite", first)
    assert repeat.total <= 15 * 1024, report("Visite suivante", repeat)
