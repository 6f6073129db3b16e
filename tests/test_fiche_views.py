"""La fiche de renseignements (journeys §6, views/fiche.py): the child's record, the parent's
e-mail and postal address, and a new mobile kept once the code sent there is typed back; with
plain forms (303) and htmx fragments. François Da Silva (demo roster) has Lucas at the Collège
Concorde (Rhône) and Emma at the Collège des Palmistes (Guyane)."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from records import journeys
from records.contacts import Contact, contact_of
from records.teleservices import FICHE, State, save_service
from rules import phones, sms_codes
from rules.addresses import Address
from tests import markup
from tests.htmx_client import HTMX, form_posting_to, update_page_with_htmx
from tests.parents import NOW, signed_in_parent
from views import fiche
from views.email_confirmation import LINK_SENT

LUCAS, EMMA, LEA = "0691400654P", "0971200135S", "0691500123K"
FRANCOIS_PHONE, NEW_PHONE = "+33645127833", "+33670000101"
ADDRESS = {
    "courriel": " Francois.DaSilva@Exemple.FR ",
    "adresse_ligne1": "12 rue des Lilas",
    "adresse_ligne2": "",
    "code_postal": "69 001",
    "commune": "Lyon",
}
SMS_CODE = re.compile(r"\b(\d{6})\b")

contact_alert = partial(markup.alert, alert_id="coordonnees-alerte")
contact_notice = partial(markup.alert, alert_id="coordonnees-alerte-statut")
phone_alert = partial(markup.alert, alert_id="telephone-alerte")
phone_notice = partial(markup.alert, alert_id="telephone-alerte-statut")


@pytest.fixture
def francois(web):
    return signed_in_parent(web, "Da Silva", "François", FRANCOIS_PHONE)


def account_id(client) -> int:
    with client.session_transaction() as session:
        return session["account_id"]


def contact(web, client) -> Contact:
    with web.extensions["store"].reading() as tx:
        return contact_of(tx, {"id": account_id(client)})


def sms(web) -> list[dict]:
    return web.extensions["outboxes"]["sms"].newest_first()


def last_code(web, to: str = NEW_PHONE) -> str:
    message = sms(web)[0]
    assert message["to"] == to
    return SMS_CODE.search(message["body"]).group(1)


def same_session(web, client):
    """Another client with a copy of `client`'s session: requests of one browser sent at once."""
    with client.session_transaction() as session:
        kept = dict(session)
    other = web.test_client()
    with other.session_transaction() as session:
        session.update(kept)
    return other


def another_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def value_of(html: str, field_id: str) -> str:
    (field,) = markup.elements(html, "input", id=field_id)
    return field["value"]


def assert_unique_ids(html: str) -> None:
    # A label points to the first element with its id: a section named like a field hides it.
    ids = [element["id"] for element in markup.elements(html) if element.get("id")]
    assert len(ids) == len(set(ids)), sorted(ids)


def ask_code(client, number: str = "06 70 00 01 01", ine: str = LUCAS, **headers):
    return client.post(f"/fiche/{ine}/telephone", data={"telephone": number}, headers=headers)


def type_code(client, code: str, ine: str = LUCAS, **headers):
    return client.post(f"/fiche/{ine}/telephone/code", data={"code": code}, headers=headers)


# Who may see a fiche ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", f"/fiche/{LUCAS}"),
        ("post", f"/fiche/{LUCAS}/coordonnees"),
        ("post", f"/fiche/{LUCAS}/telephone"),
        ("post", f"/fiche/{LUCAS}/telephone/code"),
    ],
)
def test_not_signed_in_goes_to_the_login_page(parent, method, url):
    response = getattr(parent, method)(url)
    assert markup.redirects_to(response, "/connexion")


@pytest.mark.parametrize("ine", [LEA, "0000000000X"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("post", "/coordonnees"), ("post", "/telephone"), ("post", "/telephone/code")],
)
def test_another_parents_child_is_not_found(francois, ine, method, path):
    data = {**ADDRESS, "telephone": "06 70 00 01 01", "code": "123456"}
    response = getattr(francois, method)(f"/fiche/{ine}{path}", data=data)
    assert response.status_code == 404


def test_the_page_shows_the_child_and_the_parents_details(francois):
    page = francois.get(f"/fiche/{LUCAS}")
    assert page.status_code == 200
    text = markup.plain(page.text)
    assert markup.texts(page.text, "h1") == ["Fiche de renseignements de Lucas"]
    assert markup.texts(page.text, "dt") == [
        "Nom",
        "Prénom",
        "Date de naissance",
        "Établissement",
        "Niveau",
        "Classe",
    ]
    assert markup.texts(page.text, "dd") == [
        "Da Silva",
        "Lucas",
        "30/08/2014",
        "Collège Concorde",
        "5e",
        "5eA",
    ]
    # Issue 12: the school's address for François is the school's; he confirmed none.
    assert value_of(page.text, "courriel") == ""
    assert not markup.elements(page.text, id="courriel-a-confirmer")
    assert value_of(page.text, "adresse_ligne1") == ""
    assert "Numéro enregistré : 06 45 12 78 33" in text
    assert contact_alert(page.text) == contact_notice(page.text) == ""
    assert_unique_ids(page.text)


def test_a_closed_fiche_says_so_and_takes_nothing(francois, web):
    with web.extensions["store"].writing() as tx:
        save_service(tx, "0691234A", FICHE, State.CLOSED, "", None, None, NOW)
    page = francois.get(f"/fiche/{LUCAS}")
    assert page.status_code == 200
    assert "n'est pas ouverte en ce moment au Collège Concorde" in markup.plain(page.text)
    assert not markup.elements(page.text, "form", action=f"/fiche/{LUCAS}/coordonnees")
    response = francois.post(f"/fiche/{LUCAS}/coordonnees", data=ADDRESS)
    assert markup.redirects_to(response, f"/fiche/{LUCAS}")
    assert contact(web, francois).address is None
    # Emma's school keeps its fiche open.
    assert francois.get(f"/fiche/{EMMA}").status_code == 200


# E-mail and postal address ---------------------------------------------------------------------


def mails(web) -> list[dict]:
    return web.extensions["outboxes"]["mail"].newest_first()


def saved_notice(email: str) -> str:
    return f"{fiche.CONTACT_SAVED} {LINK_SENT.format(email=email)}"


def test_saving_the_details_without_javascript(francois, web):
    response = francois.post(f"/fiche/{LUCAS}/coordonnees", data=ADDRESS)
    assert markup.redirects_to(response, f"/fiche/{LUCAS}")
    # Issue 12: the address typed waits for its link; no mail but that link goes there.
    assert contact(web, francois) == Contact(
        "",
        FRANCOIS_PHONE,
        Address("12 rue des Lilas", "", "69001", "Lyon"),
        "Francois.DaSilva@exemple.fr",
    )
    (mail,) = mails(web)
    assert mail["to"] == "Francois.DaSilva@exemple.fr"
    assert "/mon-compte/courriel/confirmer/" in mail["body"]
    page = francois.get(f"/fiche/{LUCAS}")
    assert contact_notice(page.text) == saved_notice("Francois.DaSilva@exemple.fr")
    assert value_of(page.text, "code_postal") == "69001"
    assert value_of(page.text, "courriel") == "Francois.DaSilva@exemple.fr"
    assert markup.elements(page.text, "div", id="courriel-a-confirmer")
    assert "Adresse à confirmer : un lien vous a été envoyé" in markup.plain(page.text)
    # The notice is shown once, and only in its section.
    assert phone_notice(page.text) == ""
    assert contact_notice(francois.get(f"/fiche/{LUCAS}").text) == ""
    # Saved again with the same address: no second link.
    francois.post(f"/fiche/{LUCAS}/coordonnees", data=ADDRESS)
    assert len(mails(web)) == 1


def test_saving_the_details_with_htmx(francois, web):
    response = francois.post(f"/fiche/{LUCAS}/coordonnees", data=ADDRESS, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert markup.elements(response.text, "section", id="fiche-coordonnees")
    assert not markup.elements(response.text, "section", id="fiche-telephone")
    assert contact_notice(response.text) == saved_notice("Francois.DaSilva@exemple.fr")
    assert contact(web, francois).address.city == "Lyon"


def test_the_details_are_saved_without_an_email_and_it_stays_empty(francois, web):
    """Issue 15: the e-mail is optional. François's roster has one; he clears it: it stays
    cleared (he chose SMS), it does not come back from the roster."""
    page = francois.get(f"/fiche/{LUCAS}")
    assert "Adresse électronique (facultatif)" in markup.plain(page.text)
    assert "sans adresse, vous les recevez par SMS" in markup.plain(page.text)
    response = francois.post(f"/fiche/{LUCAS}/coordonnees", data={**ADDRESS, "courriel": "  "})
    assert markup.redirects_to(response, f"/fiche/{LUCAS}")
    assert contact(web, francois) == Contact(
        "", FRANCOIS_PHONE, Address("12 rue des Lilas", "", "69001", "Lyon")
    )
    assert value_of(francois.get(f"/fiche/{LUCAS}").text, "courriel") == ""


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("courriel", "francois.exemple.fr", "L'adresse électronique doit contenir un « @ »."),
        ("courriel", "francois@exemple", "Cette adresse électronique n'est pas valide."),
        ("adresse_ligne1", " ", "Indiquez le numéro et le nom de la voie."),
        ("code_postal", "", "Indiquez le code postal."),
        ("commune", "", "Indiquez la commune."),
        ("code_postal", "6900", "Le code postal doit comporter 5 chiffres."),
        ("code_postal", "ABCDE", "Le code postal doit comporter 5 chiffres."),
        ("adresse_ligne2", "x" * 39, "Cette ligne est trop longue (38 caractères au plus)."),
    ],
)
def test_each_bad_field_is_refused(francois, web, field, typed, message):
    response = francois.post(f"/fiche/{LUCAS}/coordonnees", data={**ADDRESS, field: typed})
    assert response.status_code == 422
    (error,) = markup.error_messages(response.text, field)
    assert error.startswith(message)
    (wrong,) = markup.elements(response.text, "input", id=field)
    assert wrong["aria-invalid"] == "true"
    assert "autofocus" in wrong
    # What was typed stays in the form; nothing is saved.
    kept = "adresse_ligne1" if field == "commune" else "commune"
    assert value_of(response.text, kept) == ADDRESS[kept]
    assert contact(web, francois).address is None


def test_every_missing_part_is_named_at_once_and_their_list_takes_the_focus(francois, web):
    data = {"courriel": "oops", "adresse_ligne1": "", "code_postal": "", "commune": ""}
    page = francois.get(f"/fiche/{LUCAS}")
    form = form_posting_to(page, f"/fiche/{LUCAS}/coordonnees")
    response = update_page_with_htmx(francois, page, form, data)
    assert response.status_code == 422
    for field in ("courriel", "adresse_ligne1", "code_postal", "commune"):
        assert markup.error_messages(response.text, field), field
    assert markup.error_messages(response.text, "adresse_ligne2") == []
    assert [one["id"] for one in markup.elements(response.text) if "autofocus" in one] == [
        "coordonnees-erreurs"
    ]
    links = [link["href"] for link in markup.elements(response.text, "a") if "#" in link["href"]]
    assert links == ["#courriel", "#adresse_ligne1", "#code_postal", "#commune"]


# The mobile phone ------------------------------------------------------------------------------


def test_a_new_phone_with_the_code_without_javascript(francois, web):
    response = ask_code(francois)
    assert markup.redirects_to(response, f"/fiche/{LUCAS}")
    assert sms(web)[0]["to"] == NEW_PHONE
    assert "le code qui confirme votre nouveau numéro" in sms(web)[0]["body"]
    page = francois.get(f"/fiche/{LUCAS}")
    assert phone_notice(page.text) == "Un code à 6 chiffres a été envoyé par SMS au 06 70 00 01 01."
    assert "envoyé par SMS au 06 70 00 01 01" in markup.plain(page.text)
    (code_field,) = markup.elements(page.text, "input", id="code")
    assert "autofocus" in code_field
    assert_unique_ids(page.text)
    # Nothing changes before the code.
    assert contact(web, francois).phone == FRANCOIS_PHONE

    response = type_code(francois, last_code(web))
    assert markup.redirects_to(response, f"/fiche/{LUCAS}")
    assert contact(web, francois).phone == NEW_PHONE
    page = francois.get(f"/fiche/{LUCAS}")
    assert phone_notice(page.text) == (
        "Votre nouveau numéro de téléphone portable est enregistré : 06 70 00 01 01."
    )
    assert "Numéro enregistré : 06 70 00 01 01" in markup.plain(page.text)
    assert not markup.elements(page.text, "input", id="code")


def test_a_new_phone_with_htmx(francois, web):
    response = ask_code(francois, **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert markup.elements(response.text, "section", id="fiche-telephone")
    assert markup.elements(response.text, "input", id="code")
    response = type_code(francois, last_code(web), **HTMX)
    assert response.status_code == 200
    assert phone_notice(response.text).startswith("Votre nouveau numéro")
    assert contact(web, francois).phone == NEW_PHONE


def test_the_pending_change_is_kept_on_the_server(francois, web):
    ask_code(francois)
    code = last_code(web)
    with francois.session_transaction() as session:
        # The cookie holds the journey's id only: neither the code nor the new number.
        cookie = repr(dict(session))
        journey_id = session[fiche.PENDING]
    assert code not in cookie and "70000101" not in cookie and "hash" not in cookie
    with web.extensions["store"].reading() as tx:
        state = journeys.load(tx, journey_id, kind=fiche.KIND)
    assert state["phone"] == NEW_PHONE
    assert set(state["code"]) == {"hmac", "nonce", "sent_at", "wrong_tries", "used"}


def test_the_pending_change_shows_on_every_childs_fiche(francois):
    ask_code(francois)
    assert markup.elements(francois.get(f"/fiche/{EMMA}").text, "input", id="code")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", phones.MISSING),
        ("04 78 00 00 00", phones.LANDLINE),
        ("06 CALL ME", phones.NOT_A_NUMBER),
        ("06 12 34", phones.INVALID),
        ("+44 7911 123456", phones.FOREIGN),
        ("06 45 12 78 33", fiche.SAME_NUMBER),
    ],
)
def test_bad_numbers_are_refused(francois, web, typed, message):
    page = francois.get(f"/fiche/{LUCAS}")
    form = form_posting_to(page, f"/fiche/{LUCAS}/telephone")
    response = update_page_with_htmx(francois, page, form, {"telephone": typed})
    assert response.status_code == 422
    assert markup.error_messages(response.text, "telephone") == [message]
    (field,) = markup.elements(response.text, "input", id="telephone")
    assert field["value"] == typed and "autofocus" in field
    assert sms(web) == []


def test_the_number_is_read_with_the_schools_region(francois, web):
    # A Guyane mobile in its national form: no number in Lyon, Emma's school's in Cayenne.
    response = ask_code(francois, "0694 20 99 99", ine=LUCAS)
    assert markup.error_messages(response.text, "telephone") == [phones.INVALID]
    assert markup.redirects_to(ask_code(francois, "0694 20 99 99", ine=EMMA), f"/fiche/{EMMA}")
    assert sms(web)[0]["to"] == "+594694209999"


def test_wrong_codes_then_exhausted(francois, web):
    ask_code(francois)
    code = last_code(web)
    response = type_code(francois, another_code(code))
    assert response.status_code == 422
    assert markup.error_messages(response.text, "code") == [
        "Le code saisi est incorrect. Il vous reste 2 essais."
    ]
    assert value_of(response.text, "code") == ""
    type_code(francois, another_code(code))
    response = type_code(francois, another_code(code))
    assert markup.error_messages(response.text, "code") == [
        sms_codes.check_message(sms_codes.CodeCheck.EXHAUSTED)
    ]
    # Even the right code is refused now.
    assert type_code(francois, code).status_code == 422
    assert contact(web, francois).phone == FRANCOIS_PHONE


def test_guesses_sent_at_once_count_three_tries_at_most(francois, web):
    """16 wrong codes sent together, as a script would: checked one after another, so the
    first three are counted and the others only told the code is dead."""
    ask_code(francois)
    code = last_code(web)
    clients = [same_session(web, francois) for _ in range(16)]
    start = threading.Barrier(len(clients))

    def guess(client):
        start.wait()
        answer = type_code(client, another_code(code))
        assert answer.status_code == 422
        return markup.error_messages(answer.text, "code")

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        told = [message for messages in pool.map(guess, clients) for message in messages]
    exhausted = sms_codes.check_message(sms_codes.CodeCheck.EXHAUSTED)
    assert sorted(told) == sorted(
        [
            "Le code saisi est incorrect. Il vous reste 2 essais.",
            sms_codes.check_message(sms_codes.CodeCheck.WRONG, 1),
            *[exhausted] * 14,
        ]
    )
    with francois.session_transaction() as session:
        journey_id = session[fiche.PENDING]
    with web.extensions["store"].reading() as tx:
        state = journeys.load(tx, journey_id, kind=fiche.KIND)
    assert state["code"]["wrong_tries"] == 3
    # Even the right code is refused now.
    assert type_code(francois, code).status_code == 422
    assert contact(web, francois).phone == FRANCOIS_PHONE


def test_expired_code(francois, web, clock):
    ask_code(francois)
    clock.advance(minutes=10, seconds=1)
    response = type_code(francois, last_code(web), **HTMX)
    assert response.status_code == 422
    assert markup.error_messages(response.text, "code") == [
        "Ce code a expiré. Demandez un nouveau code."
    ]
    assert contact(web, francois).phone == FRANCOIS_PHONE


@pytest.mark.parametrize("typed", ["", "12345"])
def test_missing_or_malformed_code(francois, web, typed):
    ask_code(francois)
    response = type_code(francois, typed)
    assert response.status_code == 422
    assert markup.error_messages(response.text, "code")


def test_a_code_without_a_pending_change(francois, web):
    response = type_code(francois, "123456")
    assert response.status_code == 422
    assert phone_alert(response.text) == fiche.NO_PENDING
    assert markup.elements(response.text, "input", id="telephone")


def test_a_new_code_after_a_minute_and_three_at_most(francois, web, clock):
    ask_code(francois)
    response = francois.post(f"/fiche/{LUCAS}/telephone/nouveau-code")
    assert response.status_code == 422
    assert phone_alert(response.text).startswith("Vous pourrez demander un nouveau code dans 60")
    for _ in range(2):
        clock.advance(seconds=61)
        first = last_code(web)
        response = francois.post(f"/fiche/{LUCAS}/telephone/nouveau-code")
        assert markup.redirects_to(response, f"/fiche/{LUCAS}")
        assert last_code(web) != first or len(sms(web)) > 1
    clock.advance(seconds=61)
    response = francois.post(f"/fiche/{LUCAS}/telephone/nouveau-code")
    assert response.status_code == 422
    assert phone_alert(response.text) == fiche.TOO_MANY_CODES
    assert len(sms(web)) == 3
    # The last code sent is the one that counts.
    assert markup.redirects_to(type_code(francois, last_code(web)), f"/fiche/{LUCAS}")


def test_new_codes_asked_at_once_send_one_sms(francois, web, clock):
    ask_code(francois)
    clock.advance(seconds=61)
    clients = [same_session(web, francois) for _ in range(8)]
    start = threading.Barrier(len(clients))

    def resend(client):
        start.wait()
        return client.post(f"/fiche/{LUCAS}/telephone/nouveau-code").status_code

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        statuses = list(pool.map(resend, clients))
    assert sorted(statuses) == [303] + [422] * 7
    assert len(sms(web)) == 2
    # The code sent last is the one that counts.
    assert markup.redirects_to(type_code(francois, last_code(web)), f"/fiche/{LUCAS}")


def test_five_sms_per_number_per_day(francois, web):
    for _ in range(5):
        assert ask_code(francois).status_code == 303
        francois.post(f"/fiche/{LUCAS}/telephone/annuler")
    response = ask_code(francois)
    assert response.status_code == 422
    assert phone_alert(response.text) == sms_codes.DAILY_LIMIT_REACHED
    assert len(sms(web)) == 5


def test_cancelling_the_change(francois, web):
    ask_code(francois)
    code = last_code(web)
    response = francois.post(f"/fiche/{LUCAS}/telephone/annuler", headers=HTMX)
    assert response.status_code == 200
    assert phone_notice(response.text) == fiche.CANCELLED
    assert markup.elements(response.text, "input", id="telephone")
    assert type_code(francois, code).status_code == 422
    assert contact(web, francois).phone == FRANCOIS_PHONE
