"""The end of a signed-in session (issue 12, item 6; WCAG 2.2.1, RGAA 13.1): every signed-in
page says when the session ends and offers « Rester connecté » (a plain form, htmx's 204 too),
the modal dialog the script opens two minutes before; a scholarship request in progress is the
account's, resumed after signing in again; the login page goes back to a page of this service
only (`next`).

On the demo roster: Sophie Lefèvre-D'Almeida (Léa, Collège Concorde, whose campaign is open) and
Julien Lefèvre-D'Almeida, Léa's father (another account)."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from fpdf import FPDF

from records import journeys
from rules.clock import PARIS
from tests.htmx_client import HTMX
from tests.markup import csrf_token, elements, plain, redirects_to
from tests.parents import PASSWORD, signed_in_parent
from tests.staff import signed_in_staff, staff_session

SOPHIE = ("Lefèvre-D'Almeida", "Sophie", "+33612345678")
JULIEN = ("Lefèvre-D'Almeida", "Julien", "+33781452290")
LEA = "0691500123K"
IDLE = 30 * 60
ADDRESS = {
    "courriel": "sophie.perso@example.net",
    "adresse_ligne1": "5 place Bellecour",
    "adresse_ligne2": "",
    "code_postal": "69002",
    "commune": "Lyon",
}
SITUATION_URL = "/bourse/demande/situation-fiscale"


@pytest.fixture
def sophie(web):
    return signed_in_parent(web, *SOPHIE)


def sent_from(path: str) -> dict:
    """The headers of a form sent from this page of the service (the test client's origin)."""
    return {"Referer": "http://localhost" + path}


def notice(html: str) -> dict | None:
    found = elements(html, "div", id="session-fin")
    return found[0] if found else None


def same_account_new_session(web, client):
    """Another browser (or the same one after its session ended) of the same account, signed
    in again: a new session, nothing of the first one."""
    other = web.test_client()
    with other.session_transaction() as session:
        session.clear()
        session["account_id"] = client.account["id"]
    other.account = client.account
    return other


# The end of the session, on signed-in pages only ----------------------------------------------


def test_a_signed_in_page_says_when_its_session_ends(sophie):
    before = datetime.now(PARIS)
    page = sophie.get("/mes-services")
    after = datetime.now(PARIS)
    found = notice(page.text)
    assert found is not None
    assert found["data-session-remaining"] == str(IDLE)
    assert found["data-session-warning"] == "120"
    said = re.search(
        r"Sans action de votre part, votre session se termine à (\d{1,2}) h (\d{2})\s*\.",
        plain(page.text),
    )
    assert said, plain(page.text)
    # The time of day on the real clock, rounded down (the session still lives that minute).
    possible = {
        f"{moment.hour} h {moment.minute:02d}"
        for moment in (before + timedelta(seconds=IDLE), after + timedelta(seconds=IDLE))
    }
    assert f"{said.group(1)} h {said.group(2)}" in possible
    assert page.headers["X-Session-Remaining"] == str(IDLE)


def test_the_warning_dialog_and_its_two_ways_out(sophie):
    html = sophie.get("/mes-services").text
    (dialog,) = elements(html, "dialog", id="session-fin-dialogue")
    assert dialog["class"] == "session-fin-modal"
    assert elements(html, "h2", id=dialog["aria-labelledby"])
    assert elements(html, "p", id=dialog["aria-describedby"])
    assert "Votre session se termine à" in plain(html)
    assert "Votre session va se terminer" in plain(html)
    prolong = elements(html, "form", action="/session/prolonger")
    # The notice's plain form, and the dialog's (htmx, with the same plain action).
    assert len(prolong) == 2
    assert prolong[1]["data-hx-post"] == "/session/prolonger"
    assert elements(html, "form", action="/deconnexion")
    # Nothing depends on the page's address (htmx pushes others): the way back after signing
    # in again is added by the script, for a parent.
    (link,) = elements(html, "a", **{"data-session-sign-in": ""})
    assert link["href"] == "/connexion"
    assert "data-session-next" in link
    # The script is a static file of the service: no inline script under the CSP.
    (script,) = [one for one in elements(html, "script") if "session-timeout" in one["src"]]
    assert script["src"].startswith("/static/")
    assert "<script>" not in html
    assert sophie.get(script["src"]).status_code == 200


def test_pages_of_no_one_signed_in_say_nothing_of_it(client, seeded):
    for url in ("/connexion", "/simulateur-bourse", "/inscription"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert notice(page.text) is None, url
        assert "session-fin-dialogue" not in page.text
        assert "X-Session-Remaining" not in page.headers


def test_staff_pages_say_it_too_and_sign_out_of_the_back_office(web, db, clock):
    office = signed_in_staff(web, db, clock, "secretariat.fin")
    html = office.get("/admin").text
    assert notice(html) is not None
    assert elements(html, "form", action="/admin/deconnexion")
    (link,) = elements(html, "a", **{"data-session-sign-in": ""})
    assert link["href"] == "/admin/connexion"
    assert "data-session-next" not in link
    assert "une demande en cours reprend" not in plain(html)


def test_the_time_left_follows_the_last_request(sophie, clock):
    sophie.get("/mes-services")
    clock.advance(minutes=10)
    page = sophie.get("/mes-services")
    assert notice(page.text)["data-session-remaining"] == str(IDLE)
    # A request within the minute records nothing: the end stays where it was.
    clock.advance(seconds=30)
    page = sophie.get("/mes-services")
    assert notice(page.text)["data-session-remaining"] == str(IDLE - 30)
    assert page.headers["X-Session-Remaining"] == str(IDLE - 30)


# « Rester connecté » ---------------------------------------------------------------------------


def test_staying_signed_in_extends_the_session_without_javascript(sophie, clock):
    sophie.get("/mes-services")
    clock.advance(minutes=29)
    answer = sophie.post("/session/prolonger", headers=sent_from("/bourse/eleves/" + LEA))
    assert redirects_to(answer, "/bourse/eleves/" + LEA)
    assert answer.headers["X-Session-Remaining"] == str(IDLE)
    clock.advance(minutes=29)
    assert sophie.get("/mes-services").status_code == 200


def test_without_staying_the_session_ends(sophie, clock):
    sophie.get("/mes-services")
    clock.advance(minutes=31)
    assert redirects_to(sophie.get("/mes-services"), "/connexion")


def test_staying_signed_in_with_htmx_answers_204(sophie, clock):
    sophie.get("/mes-services")
    clock.advance(minutes=29)
    answer = sophie.post("/session/prolonger", headers={**HTMX, **sent_from("/mes-services")})
    assert answer.status_code == 204
    assert answer.headers["X-Session-Remaining"] == str(IDLE)
    clock.advance(minutes=29)
    assert sophie.get("/mes-services").status_code == 200


@pytest.mark.parametrize(
    "referrer",
    [
        "https://ailleurs.example/mes-services",
        "http://ailleurs.example/mes-services",
        "http://localhost//ailleurs.example/",
        "http://localhost/\\ailleurs.example/",
        "javascript:alert(1)",
        "http://localhost/page-inconnue",
        "http://localhost/session/prolonger",  # no GET
        "",
    ],
)
def test_staying_signed_in_goes_back_to_a_page_of_the_service_only(sophie, referrer):
    answer = sophie.post("/session/prolonger", headers={"Referer": referrer})
    assert redirects_to(answer, "/mes-services")
    assert redirects_to(sophie.post("/session/prolonger"), "/mes-services")


def test_staying_signed_in_goes_back_with_the_pages_query(web, db, clock):
    office = signed_in_staff(web, db, clock, "secretariat.retour")
    answer = office.post("/session/prolonger", headers=sent_from("/admin/bourses?etat=refusee"))
    assert redirects_to(answer, "/admin/bourses?etat=refusee")


def test_staying_signed_in_after_the_end_asks_to_sign_in_again(sophie, clock):
    sophie.get("/mes-services")
    clock.advance(minutes=31)
    answer = sophie.post("/session/prolonger", headers=sent_from("/mes-services"))
    assert redirects_to(answer, "/connexion?next=/mes-services")
    answer = sophie.post("/session/prolonger", headers={**HTMX, **sent_from("/mes-services")})
    assert answer.headers["HX-Redirect"] == "/connexion?next=/mes-services"


def test_staying_signed_in_needs_the_csrf_token(guarded):
    parent = signed_in_parent(guarded, *SOPHIE)
    html = parent.get("/mes-services").text
    refused = parent.post("/session/prolonger", headers=sent_from("/mes-services"))
    assert refused.status_code == 400
    answer = parent.post(
        "/session/prolonger",
        data={"csrf_token": csrf_token(html)},
        headers=sent_from("/mes-services"),
    )
    assert redirects_to(answer, "/mes-services")


# Back where the parent was, after signing in again ----------------------------------------------


def account_identifier(client) -> str:
    return client.account["identifier"]


@pytest.mark.parametrize(
    "wanted, landing",
    [
        ("/bourse/eleves/" + LEA, "/bourse/eleves/" + LEA),
        ("https://ailleurs.example/", "/mes-services"),
        ("//ailleurs.example/", "/mes-services"),
        ("/\\ailleurs.example", "/mes-services"),
        ("javascript:alert(1)", "/mes-services"),
        ("/page-inconnue", "/mes-services"),
        ("/deconnexion", "/mes-services"),  # POST only
    ],
)
def test_signing_in_goes_back_to_a_page_of_the_service_only(web, sophie, wanted, landing):
    client = web.test_client()
    page = client.get("/connexion", query_string={"next": wanted})
    forms = elements(page.text, "form", id="login-form")
    if landing == wanted:
        assert forms[0]["action"] == "/connexion?next=" + wanted
    else:
        assert forms[0]["action"] == "/connexion"
    answer = client.post(
        "/connexion",
        query_string={"next": wanted},
        data={"identifiant": account_identifier(sophie), "mot_de_passe": PASSWORD},
    )
    assert redirects_to(answer, landing)


# The scholarship request, the account's -----------------------------------------------------------


def start_request(client) -> None:
    assert client.post(f"/bourse/eleves/{LEA}").status_code == 303
    assert redirects_to(client.post("/bourse/demande/coordonnees", data=ADDRESS), SITUATION_URL)


def test_signed_in_again_the_request_resumes_at_its_step_with_what_was_typed(web, sophie):
    start_request(sophie)
    again = same_account_new_session(web, sophie)
    intro = again.get(f"/bourse/eleves/{LEA}")
    text = plain(intro.text)
    assert "Reprendre la demande en cours" in text
    assert "Commencer la demande" not in text
    assert elements(intro.text, "a", href=SITUATION_URL)
    assert again.get(SITUATION_URL).status_code == 200
    # « Précédent »: the contact details typed in the first session.
    back = again.post("/bourse/demande/retour", data={"etape": "coordonnees"})
    assert redirects_to(back, "/bourse/demande/coordonnees")
    page = again.get("/bourse/demande/coordonnees")
    (courriel,) = elements(page.text, "input", name="courriel")
    assert courriel["value"] == ADDRESS["courriel"]


def test_a_step_opened_in_a_new_session_resumes_without_the_child_page(web, sophie):
    start_request(sophie)
    again = same_account_new_session(web, sophie)
    assert redirects_to(again.get("/bourse/demande/coordonnees"), SITUATION_URL)


def test_another_account_never_finds_it(web, sophie):
    start_request(sophie)
    julien = signed_in_parent(web, *JULIEN)
    intro = plain(julien.get(f"/bourse/eleves/{LEA}").text)
    assert "Commencer la demande" in intro
    assert "Reprendre la demande" not in intro
    assert redirects_to(julien.get(SITUATION_URL), "/mes-services")


def test_the_request_is_found_again_for_its_lifetime_only(web, sophie, clock):
    start_request(sophie)
    clock.advance(hours=3, minutes=59)
    again = same_account_new_session(web, sophie)
    assert again.get(SITUATION_URL).status_code == 200
    clock.advance(minutes=2)
    later = same_account_new_session(web, sophie)
    assert redirects_to(later.get(SITUATION_URL), "/mes-services")
    assert "Commencer la demande" in plain(later.get(f"/bourse/eleves/{LEA}").text)


def test_starting_again_replaces_the_one_in_progress(web, sophie, db):
    start_request(sophie)
    sophie.post(f"/bourse/eleves/{LEA}")  # « Recommencer la demande »
    again = same_account_new_session(web, sophie)
    assert again.get("/bourse/demande/coordonnees").status_code == 200
    with db.reading() as tx:
        assert (
            len(
                tx.find(
                    journeys.JOURNEYS,
                    account_id=sophie.account["id"],
                    kind=journeys.Kind.SCHOLARSHIP,
                )
            )
            == 1
        )


def test_a_step_sent_after_the_end_comes_back_to_it_after_signing_in(web, sophie, clock):
    start_request(sophie)
    clock.advance(minutes=31)
    answer = sophie.post(SITUATION_URL, data={"numero_fiscal": "2080012799074"})
    assert redirects_to(answer, "/connexion?next=" + SITUATION_URL)
    answer = sophie.post(SITUATION_URL, data={}, headers=HTMX)
    assert answer.headers["HX-Redirect"] == "/connexion?next=" + SITUATION_URL
    login = sophie.get("/connexion", query_string={"next": SITUATION_URL})
    form = elements(login.text, "form", id="login-form")[0]
    assert form["action"] == "/connexion?next=" + SITUATION_URL
    signed_in = sophie.post(
        "/connexion",
        query_string={"next": SITUATION_URL},
        data={"identifiant": account_identifier(sophie), "mot_de_passe": PASSWORD},
    )
    assert redirects_to(signed_in, SITUATION_URL)
    assert sophie.get(SITUATION_URL).status_code == 200


def test_a_plain_form_sent_after_the_end_asks_to_sign_in_again_not_a_400(guarded, clock):
    """Without JavaScript nothing warned: the step's form, sent once the session ended, holds
    the token of a session that is gone. Not « Erreur 400 — Votre session a expiré »: signed
    in again, the parent is back at the step (what that last form held is lost, nothing done)."""
    parent = signed_in_parent(guarded, *SOPHIE)
    html = parent.get(f"/bourse/eleves/{LEA}").text
    started = parent.post(f"/bourse/eleves/{LEA}", data={"csrf_token": csrf_token(html)})
    assert started.status_code == 303
    html = parent.get("/bourse/demande/coordonnees").text
    sent = parent.post(
        "/bourse/demande/coordonnees", data={**ADDRESS, "csrf_token": csrf_token(html)}
    )
    assert redirects_to(sent, SITUATION_URL)
    token = csrf_token(parent.get(SITUATION_URL).text)
    clock.advance(minutes=31)
    answer = parent.post(
        SITUATION_URL, data={"numero_fiscal": "2080012799074", "csrf_token": token}
    )
    assert redirects_to(answer, "/connexion?next=" + SITUATION_URL)
    answer = parent.post(SITUATION_URL, data={"csrf_token": token}, headers=HTMX)
    assert answer.headers["HX-Redirect"] == "/connexion?next=" + SITUATION_URL
    # « Précédent » answers POST only: back to the page the form was sent from.
    answer = parent.post(
        "/bourse/demande/retour",
        data={"etape": "coordonnees", "csrf_token": token},
        headers=sent_from(SITUATION_URL),
    )
    assert redirects_to(answer, "/connexion?next=" + SITUATION_URL)


def test_the_plain_stay_signed_in_form_sent_after_the_end_asks_to_sign_in_again(guarded, clock):
    parent = signed_in_parent(guarded, *SOPHIE)
    token = csrf_token(parent.get("/mes-services").text)
    clock.advance(minutes=31)
    answer = parent.post(
        "/session/prolonger", data={"csrf_token": token}, headers=sent_from("/mes-services")
    )
    assert redirects_to(answer, "/connexion?next=/mes-services")


def test_a_staff_form_sent_after_the_end_asks_to_sign_in_again(guarded, db, clock):
    office = staff_session(guarded, db, clock, "secretariat.fin")
    token = csrf_token(office.get("/admin").text)
    clock.advance(minutes=31)
    answer = office.post(
        "/session/prolonger", data={"csrf_token": token}, headers=sent_from("/admin")
    )
    assert redirects_to(answer, "/admin/connexion")


def test_a_form_of_a_signed_in_session_without_its_token_is_still_refused(guarded, clock):
    parent = signed_in_parent(guarded, *SOPHIE)
    parent.get("/mes-services")
    answer = parent.post("/session/prolonger", headers=sent_from("/mes-services"))
    assert answer.status_code == 400


def test_a_signed_out_journeys_form_from_a_session_gone_is_still_refused(guarded):
    """Only a page that needs a signed-in parent leads to signing in again."""
    token = csrf_token(guarded.test_client().get("/inscription").text)
    answer = guarded.test_client().post("/inscription", data={"nom": "Benali", "csrf_token": token})
    assert answer.status_code == 400


def test_an_uploaded_notice_is_kept_for_the_next_session(web, sophie):
    start_request(sophie)
    answer = sophie.post(
        SITUATION_URL,
        data={
            "numero_fiscal": "1234567890066",
            "reference_avis": "2669B02B23101",
            "consentement": "y",
            "renouvellement": "accepte",
            "action": "saisie",
        },
    )
    assert redirects_to(answer, "/bourse/demande/saisie")
    notice_pdf = pdf_bytes()
    answer = sophie.post(
        "/bourse/demande/saisie",
        data={"rfr": "beaucoup", "enfants": "2", "avis": (io.BytesIO(notice_pdf), "avis.pdf")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    again = same_account_new_session(web, sophie)
    page = again.get("/bourse/demande/saisie")
    assert "Fichier joint : avis.pdf" in plain(page.text)
    answer = again.post(
        "/bourse/demande/saisie",
        data={"rfr": "12 000", "enfants": "2"},
        content_type="multipart/form-data",
    )
    assert redirects_to(answer, "/bourse/demande/foyer")
    assert "12 000 €" in plain(again.get("/bourse/demande/foyer").text)


def pdf_bytes() -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Avis d'impot 2026")
    return bytes(document.output())
