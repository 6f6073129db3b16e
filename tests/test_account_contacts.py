"""« Mon compte »: the e-mail change confirmed by a signed single-use link, the mobile change
confirmed by a code sent to the new number (views/account_contacts.py, views/phone_change.py,
records/email_changes.py); and the rule of issue 12 « the fiche and the scholarship request use
the confirmed e-mail only »: an address typed there is sent the same link and used only once
confirmed; until then notices go by SMS."""

from __future__ import annotations

import re
from functools import partial

import pytest

from records import accounts, bourse_requests
from records.contacts import contact_of
from records.mail_queue import SENT, SUPERSEDED
from rules import email_links, sms_codes
from tests import markup
from tests.htmx_client import HTMX, form_posting_to, update_page_with_htmx
from tests.parents import signed_in_parent
from tests.test_activation_views import LINK_NOT_YET_SENT, FailingMailer
from tests.test_bourse_views import ADDRESS, SOPHIE, send, to_summary
from tests.test_mail_queue import queued
from views import account_contacts, email_confirmation, phone_change

FRANCOIS = ("Da Silva", "François", "+33645127833")
LUCAS = "0691400654P"
OLD, NEW = "francois.perso@example.net", "francois.nouveau@example.net"
NEW_PHONE = "+33670000101"
LINK = re.compile(r"http://localhost(/mon-compte/courriel/confirmer/\S+)")
SMS_CODE = re.compile(r"\b(\d{6})\b")

email_notice = partial(markup.alert, alert_id="courriel-alerte-statut")
email_failure = partial(markup.alert, alert_id="courriel-alerte")
phone_notice = partial(markup.alert, alert_id="telephone-alerte-statut")
phone_failure = partial(markup.alert, alert_id="telephone-alerte")


@pytest.fixture
def francois(web):
    return signed_in_parent(web, *FRANCOIS)


def confirm_directly(web, account_id: int, email: str) -> None:
    with web.extensions["store"].writing() as tx:
        tx.update(accounts.ACCOUNTS, account_id, {"email": email, "email_confirmed": True})


@pytest.fixture
def with_old(web, francois):
    """François, whose account already has a confirmed address."""
    confirm_directly(web, francois.account["id"], OLD)
    return francois


def account(web, client) -> dict:
    with web.extensions["store"].reading() as tx:
        return accounts.find_by_id(tx, client.account["id"])


def mails(web) -> list[dict]:
    return web.extensions["outboxes"]["mail"].newest_first()


def sms(web) -> list[dict]:
    return web.extensions["outboxes"]["sms"].newest_first()


def link_to(web, email: str) -> str:
    """The path of the newest link mailed to `email`."""
    found = [mail for mail in mails(web) if mail["to"] == email]
    assert found, f"aucun courriel pour {email}"
    return LINK.search(found[0]["body"]).group(1)


def ask_email(client, email: str = NEW, **headers):
    return client.post("/mon-compte/courriel", data={"courriel": email}, headers=headers)


# The e-mail: asking ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/mon-compte/courriel"),
        ("post", "/mon-compte/courriel"),
        ("post", "/mon-compte/courriel/renvoyer"),
        ("post", "/mon-compte/courriel/annuler"),
        ("get", "/mon-compte/telephone"),
        ("post", "/mon-compte/telephone"),
        ("post", "/mon-compte/telephone/code"),
        ("post", "/mon-compte/telephone/nouveau-code"),
        ("post", "/mon-compte/telephone/annuler"),
    ],
)
def test_not_signed_in_goes_to_the_login_page(parent, method, url):
    assert markup.redirects_to(getattr(parent, method)(url), "/connexion")


def test_the_page_shows_the_confirmed_address_only(web, francois):
    page = francois.get("/mon-compte/courriel")
    assert page.status_code == 200
    # The school's address for François is not his confirmed one.
    assert "Aucune adresse confirmée : le service vous prévient par SMS." in markup.plain(page.text)
    confirm_directly(web, francois.account["id"], OLD)
    page = francois.get("/mon-compte/courriel")
    assert markup.texts(page.text, "strong")[0] == OLD
    assert "(confirmée)" in markup.plain(page.text)


def test_a_new_address_is_sent_a_link_without_javascript(web, with_old):
    response = ask_email(with_old)
    assert markup.redirects_to(response, "/mon-compte/courriel")
    (mail,) = mails(web)
    assert mail["to"] == NEW and mail["subject"] == email_confirmation.MAIL_SUBJECT
    assert "valable 48 heures" in mail["body"]
    assert with_old.account["identifier"] not in mail["body"]
    # Nothing changes before the link is followed: mails still go to the old address.
    assert account(web, with_old)["email"] == OLD
    page = with_old.get("/mon-compte/courriel")
    assert email_notice(page.text) == email_confirmation.LINK_SENT.format(email=NEW)
    assert "Un lien vous a été envoyé à " + NEW in markup.plain(page.text)
    assert markup.elements(page.text, "button", type="submit")


def test_a_new_address_with_htmx(web, francois):
    response = ask_email(francois, **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert markup.elements(response.text, "div", id="compte-courriel")
    assert email_notice(response.text) == email_confirmation.LINK_SENT.format(email=NEW)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Indiquez votre adresse électronique."),
        ("francois.exemple.fr", "L'adresse électronique doit contenir un « @ »."),
        (OLD, account_contacts.SAME_EMAIL),
    ],
)
def test_bad_addresses_are_refused(web, with_old, typed, message):
    page = with_old.get("/mon-compte/courriel")
    form = form_posting_to(page, "/mon-compte/courriel")
    response = update_page_with_htmx(with_old, page, form, {"courriel": typed})
    assert response.status_code == 422
    assert markup.plain(response.text).startswith("Erreur") or "Erreur" in response.text
    (error,) = markup.error_messages(response.text, "courriel")
    assert error.startswith(message)
    (field,) = markup.elements(response.text, "input", id="courriel")
    assert field["aria-describedby"] == "courriel-messages" and "autofocus" in field
    assert mails(web) == []


# The e-mail: the link -------------------------------------------------------------------------


def test_the_link_confirms_and_the_old_address_is_told(web, with_old):
    ask_email(with_old)
    path = link_to(web, NEW)
    # Opening the link changes nothing (mail filters open links): one click posts.
    page = with_old.get(path)
    assert page.status_code == 200
    assert NEW in markup.plain(page.text)
    assert account(web, with_old)["email"] == OLD
    response = with_old.post(path)
    assert response.status_code == 200
    assert account_contacts.CONFIRMED.format(email=NEW) in markup.plain(response.text)
    changed = account(web, with_old)
    assert (changed["email"], changed["email_confirmed"]) == (NEW, True)
    assert changed["email_change"] is None
    told = mails(web)[0]
    assert told["to"] == OLD and told["subject"] == account_contacts.OLD_ADDRESS_SUBJECT
    assert "Si ce n'est pas vous" in told["body"] and NEW not in told["body"]
    with web.extensions["store"].reading() as tx:
        assert contact_of(tx, changed).email == NEW


def test_the_link_is_single_use(web, francois):
    ask_email(francois)
    path = link_to(web, NEW)
    assert francois.post(path).status_code == 200
    for method in (francois.get, francois.post):
        again = method(path)
        assert again.status_code == 410
        assert "Ce lien a déjà servi" in markup.plain(again.text)
    # No old address: nobody else to tell.
    assert [mail["to"] for mail in mails(web)] == [NEW]


def test_the_link_works_in_another_browser_without_signing_in(web, francois, parent):
    ask_email(francois)
    path = link_to(web, NEW)
    assert parent.get(path).status_code == 200
    response = parent.post(path)
    assert response.status_code == 200
    assert account(web, francois)["email"] == NEW
    # It gives no session.
    assert markup.redirects_to(parent.get("/mon-compte/courriel"), "/connexion")


def test_the_link_is_refused_to_another_signed_in_account(web, francois):
    ask_email(francois)
    path = link_to(web, NEW)
    sophie = signed_in_parent(web, *SOPHIE)
    for method in (sophie.get, sophie.post):
        response = method(path)
        assert response.status_code == 403
        assert account_contacts.OTHER_ACCOUNT in markup.plain(response.text)
    assert account(web, francois)["email"] is None


def test_an_expired_link(web, francois, parent, clock):
    ask_email(francois)
    path = link_to(web, NEW)
    clock.advance(hours=48, seconds=1)
    response = parent.post(path)
    assert response.status_code == 410
    assert "Ce lien de confirmation a expiré : il était valable 48 heures." in markup.plain(
        response.text
    )
    assert account(web, francois)["email"] is None


def test_a_link_within_its_hours_still_works(web, francois, parent, clock):
    ask_email(francois)
    path = link_to(web, NEW)
    clock.advance(hours=47, minutes=59)
    assert parent.post(path).status_code == 200
    assert account(web, francois)["email"] == NEW


@pytest.mark.parametrize("change", ["cut", "letter", "other key", "other address"])
def test_a_tampered_link(web, francois, parent, change):
    ask_email(francois)
    path = link_to(web, NEW)
    token = path.rsplit("/", 1)[1]
    nonce = account(web, francois)["email_change"]["nonce"]
    forged = {
        "cut": token[:-4],
        # The last character may hold only padding bits, which decoding drops: change the one
        # before it, all of whose bits count.
        "letter": token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1],
        "other key": email_links.make_token(
            "x" * 40, francois.account["id"], NEW, nonce, web.extensions["clock"].now()
        ),
        "other address": email_links.make_token(
            web.secret_key,
            francois.account["id"],
            "pirate@example.net",
            nonce,
            web.extensions["clock"].now(),
        ),
    }[change]
    response = parent.post(f"/mon-compte/courriel/confirmer/{forged}")
    assert response.status_code in (400, 410)
    assert response.status_code == (410 if change == "other address" else 400)
    assert account(web, francois)["email"] is None


def test_an_activation_link_is_no_confirmation_link(web, francois, parent):
    from rules import activation_links

    ask_email(francois)
    nonce = account(web, francois)["email_change"]["nonce"]
    token = activation_links.make_token(
        web.secret_key, francois.account["id"], NEW, nonce, web.extensions["clock"].now()
    )
    assert parent.post(f"/mon-compte/courriel/confirmer/{token}").status_code == 400


def test_resending_replaces_the_link_after_a_minute(web, francois, clock):
    ask_email(francois)
    first = link_to(web, NEW)
    response = francois.post("/mon-compte/courriel/renvoyer", headers=HTMX)
    assert response.status_code == 422
    assert email_failure(response.text).startswith("Vous pourrez demander un nouveau courriel")
    clock.advance(seconds=60)
    response = francois.post("/mon-compte/courriel/renvoyer")
    assert markup.redirects_to(response, "/mon-compte/courriel")
    second = link_to(web, NEW)
    assert second != first
    superseded = francois.post(first)
    assert superseded.status_code == 410
    assert "un lien plus récent vous a été envoyé" in markup.plain(superseded.text)
    assert francois.post(second).status_code == 200


def test_a_new_address_replaces_the_one_waiting(web, francois, clock):
    ask_email(francois, "premiere@example.net")
    first = link_to(web, "premiere@example.net")
    ask_email(francois, NEW)
    assert francois.post(first).status_code == 410
    assert francois.post(link_to(web, NEW)).status_code == 200


def test_mails_per_day_are_capped(web, francois, clock):
    limit = web.config["EMAIL_CHANGE_MAILS_PER_DAY"]
    for number in range(limit):
        assert ask_email(francois, f"essai{number}@example.net").status_code == 303
    response = ask_email(francois, "encore@example.net")
    assert response.status_code == 422
    assert email_failure(response.text) == email_confirmation.TOO_MANY_MAILS
    # Cancelling does not lift the cap; the next day does.
    francois.post("/mon-compte/courriel/annuler")
    assert ask_email(francois, "encore@example.net").status_code == 422
    assert len(mails(web)) == limit
    clock.advance(days=1)
    assert ask_email(francois, "encore@example.net").status_code == 303


def test_cancelling_kills_the_link(web, with_old):
    ask_email(with_old)
    path = link_to(web, NEW)
    response = with_old.post("/mon-compte/courriel/annuler")
    assert markup.redirects_to(response, "/mon-compte/courriel")
    assert email_notice(with_old.get("/mon-compte/courriel").text) == (
        account_contacts.EMAIL_CANCELLED
    )
    assert with_old.post(path).status_code == 410
    assert account(web, with_old)["email"] == OLD


def test_resending_with_nothing_waiting(francois):
    response = francois.post("/mon-compte/courriel/renvoyer")
    assert response.status_code == 422
    assert email_failure(response.text) == account_contacts.NO_PENDING_EMAIL


def test_the_link_lifetime_is_a_setting(make_app, seeded, clock, parent):
    from tests.fake_clock import install

    app = install(make_app(WTF_CSRF_ENABLED=False, EMAIL_CHANGE_LINK_HOURS=2), clock)
    client = signed_in_parent(app, *FRANCOIS)
    ask_email(client)
    path = link_to(app, NEW)
    assert "valable 2 heures" in mails(app)[0]["body"]
    clock.advance(hours=2, seconds=1)
    assert app.test_client().post(path).status_code == 410


# The mobile -----------------------------------------------------------------------------------


def last_code(web, to: str = NEW_PHONE) -> str:
    message = [one for one in sms(web) if one["to"] == to][0]
    return SMS_CODE.search(message["body"]).group(1)


def ask_code(client, number: str = "06 70 00 01 01", **headers):
    return client.post("/mon-compte/telephone", data={"telephone": number}, headers=headers)


def type_code(client, code: str, **headers):
    return client.post("/mon-compte/telephone/code", data={"code": code}, headers=headers)


def phone_of(web, client) -> str:
    with web.extensions["store"].reading() as tx:
        return contact_of(tx, client.account).phone


def test_a_new_mobile_with_its_code_and_the_old_one_told(web, francois):
    page = francois.get("/mon-compte/telephone")
    assert "Numéro enregistré : 06 45 12 78 33" in markup.plain(page.text)
    response = ask_code(francois)
    assert markup.redirects_to(response, "/mon-compte/telephone")
    page = francois.get("/mon-compte/telephone")
    assert phone_notice(page.text) == phone_change.CODE_SENT.format(number="06 70 00 01 01")
    assert phone_of(web, francois) == FRANCOIS[2]
    response = type_code(francois, last_code(web))
    assert markup.redirects_to(response, "/mon-compte/telephone")
    assert phone_of(web, francois) == NEW_PHONE
    told = sms(web)[0]
    assert told["to"] == FRANCOIS[2]
    assert "remplacé" in told["body"] and "finissant par 01" in told["body"]
    assert "Si ce n'est pas vous" in told["body"]
    page = francois.get("/mon-compte/telephone")
    assert "Numéro enregistré : 06 70 00 01 01" in markup.plain(page.text)


def test_the_fiche_tells_the_old_number_too(web, francois):
    francois.post(f"/fiche/{LUCAS}/telephone", data={"telephone": "06 70 00 01 01"})
    francois.post(f"/fiche/{LUCAS}/telephone/code", data={"code": last_code(web)})
    assert phone_of(web, francois) == NEW_PHONE
    assert sms(web)[0]["to"] == FRANCOIS[2]


def test_one_pending_change_for_the_fiche_and_the_account_page(web, francois):
    # Asked on the fiche, confirmed on « Mon compte »: one flow, one pending change.
    francois.post(f"/fiche/{LUCAS}/telephone", data={"telephone": "06 70 00 01 01"})
    page = francois.get("/mon-compte/telephone")
    assert "envoyé par SMS au 06 70 00 01 01" in markup.plain(page.text)
    # The limits as the rules have them.
    assert "Il est valable 10 minutes." in markup.plain(page.text)
    assert "(3 codes au plus)" in markup.plain(page.text)
    assert markup.redirects_to(type_code(francois, last_code(web)), "/mon-compte/telephone")
    assert phone_of(web, francois) == NEW_PHONE


def test_the_same_or_a_bad_number_is_refused(web, francois):
    page = francois.get("/mon-compte/telephone")
    form = form_posting_to(page, "/mon-compte/telephone")
    response = update_page_with_htmx(francois, page, form, {"telephone": "06 45 12 78 33"})
    assert response.status_code == 422
    assert markup.error_messages(response.text, "telephone") == [phone_change.SAME_NUMBER]
    response = update_page_with_htmx(francois, page, form, {"telephone": "04 72 00 00 00"})
    assert response.status_code == 422
    assert markup.error_messages(response.text, "telephone")
    assert sms(web) == []


def test_three_wrong_codes_at_most(web, francois):
    ask_code(francois)
    code = last_code(web)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in ("2 essais", "1 essai"):
        response = type_code(francois, wrong, **HTMX)
        assert response.status_code == 422
        assert left in markup.error_messages(response.text, "code")[0]
    response = type_code(francois, wrong)
    assert markup.error_messages(response.text, "code") == [
        sms_codes.CHECK_MESSAGES[sms_codes.CodeCheck.EXHAUSTED]
    ]
    # The right code no longer works.
    assert type_code(francois, code).status_code == 422
    assert phone_of(web, francois) == FRANCOIS[2]


def test_new_codes_a_minute_apart_and_three_at_most(web, francois, clock):
    ask_code(francois)
    response = francois.post("/mon-compte/telephone/nouveau-code", headers=HTMX)
    assert response.status_code == 422
    assert phone_failure(response.text).startswith("Vous pourrez demander un nouveau code")
    for _ in range(2):
        clock.advance(seconds=60)
        assert markup.redirects_to(
            francois.post("/mon-compte/telephone/nouveau-code"), "/mon-compte/telephone"
        )
    clock.advance(seconds=60)
    response = francois.post("/mon-compte/telephone/nouveau-code")
    assert response.status_code == 422
    assert phone_failure(response.text) == phone_change.TOO_MANY_CODES
    assert len([one for one in sms(web) if one["to"] == NEW_PHONE]) == 3


def test_sms_per_number_per_day_is_the_setting(web, francois, clock):
    limit = web.config["SMS_PER_NUMBER_PER_DAY"]
    for _ in range(limit):
        assert ask_code(francois).status_code == 303
        francois.post("/mon-compte/telephone/annuler")
    response = ask_code(francois)
    assert response.status_code == 422
    assert phone_failure(response.text) == sms_codes.DAILY_LIMIT_REACHED


def test_cancelling_the_phone_change(web, francois):
    ask_code(francois)
    code = last_code(web)
    response = francois.post("/mon-compte/telephone/annuler")
    assert markup.redirects_to(response, "/mon-compte/telephone")
    response = type_code(francois, code)
    assert response.status_code == 422
    assert phone_failure(response.text) == phone_change.NO_PENDING
    assert phone_of(web, francois) == FRANCOIS[2]


# Confirmed e-mail only: the fiche and the scholarship request -----------------------------------


@pytest.fixture
def sophie(web):
    """Sophie, with no confirmed address (the school has one: it is not hers to be mailed)."""
    return signed_in_parent(web, *SOPHIE)


def test_the_request_mails_nothing_to_an_address_not_confirmed(web, sophie):
    to_summary(sophie)
    # The address typed at step 1 was sent its link, and only that.
    (mail,) = mails(web)
    assert mail["to"] == ADDRESS["courriel"] and "/mon-compte/courriel/confirmer/" in mail["body"]
    page = sophie.get("/bourse/demande/recapitulatif")
    assert "Adresse à confirmer : un lien vous a été envoyé" in markup.plain(page.text)
    answer = send(sophie)
    assert answer.status_code == 303
    page = sophie.get(answer.headers["Location"])
    assert "L'accusé d'enregistrement vous a été envoyé par SMS au 06" in markup.plain(page.text)
    assert len(mails(web)) == 1  # no receipt to the address not confirmed
    numero = answer.headers["Location"].rsplit("/", 1)[1]
    with web.extensions["store"].reading() as tx:
        sent = bourse_requests.find(tx, numero)
    assert [(one["channel"], one["sent"]) for one in sent["notices"]] == [("sms", True)]


def test_once_confirmed_the_notices_go_to_it(web, sophie):
    to_summary(sophie)
    assert sophie.post(link_to(web, ADDRESS["courriel"])).status_code == 200
    answer = send(sophie)
    page = sophie.get(answer.headers["Location"])
    assert f"par courriel à {ADDRESS['courriel']}" in markup.plain(page.text)
    receipt = mails(web)[0]
    assert receipt["to"] == ADDRESS["courriel"] and "accusé" in receipt["subject"].lower()


def test_a_typed_address_never_replaces_the_confirmed_one_before_its_link(web, sophie):
    confirm_directly(web, sophie.account["id"], "sophie@confirmee.fr")
    to_summary(sophie)
    answer = send(sophie)
    page = sophie.get(answer.headers["Location"])
    # The receipt goes to the confirmed address, not to the one typed at step 1.
    assert "par courriel à sophie@confirmee.fr" in markup.plain(page.text)
    assert [mail["to"] for mail in mails(web)] == ["sophie@confirmee.fr", ADDRESS["courriel"]]


def test_the_fiche_with_an_address_waiting_shows_it_and_mails_only_the_link(web, francois):
    data = {
        "courriel": NEW,
        "adresse_ligne1": "12 rue des Lilas",
        "adresse_ligne2": "",
        "code_postal": "69001",
        "commune": "Lyon",
    }
    francois.post(f"/fiche/{LUCAS}/coordonnees", data=data)
    assert [mail["to"] for mail in mails(web)] == [NEW]
    assert account(web, francois)["email"] is None
    # The same link confirms it, as from « Mon compte ».
    assert francois.post(link_to(web, NEW)).status_code == 200
    page = francois.get(f"/fiche/{LUCAS}")
    (field,) = markup.elements(page.text, "input", id="courriel")
    assert field["value"] == NEW
    assert not markup.elements(page.text, "div", id="courriel-a-confirmer")


def test_a_link_refused_by_the_cap_is_said_on_the_fiche(web, francois):
    for number in range(web.config["EMAIL_CHANGE_MAILS_PER_DAY"]):
        ask_email(francois, f"essai{number}@example.net")
    data = {"courriel": NEW, "adresse_ligne1": "1 rue A", "code_postal": "69001", "commune": "Lyon"}
    response = francois.post(f"/fiche/{LUCAS}/coordonnees", data=data)
    assert response.status_code == 422
    assert markup.error_messages(response.text, "courriel") == [email_confirmation.TOO_MANY_MAILS]


def test_emptying_the_address_on_the_fiche_forgets_it_and_tells_it(web, with_old):
    data = {"courriel": "", "adresse_ligne1": "1 rue A", "code_postal": "69001", "commune": "Lyon"}
    response = with_old.post(f"/fiche/{LUCAS}/coordonnees", data=data)
    assert markup.redirects_to(response, f"/fiche/{LUCAS}")
    assert account(web, with_old)["email"] is None
    (told,) = mails(web)
    assert told["to"] == OLD and told["subject"] == email_confirmation.REMOVED_SUBJECT
    assert "le service vous prévient désormais par SMS" in told["body"]
    # Nothing more to tell once it is gone.
    with_old.post(f"/fiche/{LUCAS}/coordonnees", data=data)
    assert len(mails(web)) == 1


def test_an_address_emptied_whose_saving_fails_is_told_nothing(web, with_old, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("enregistrement impossible")

    monkeypatch.setattr("views.fiche.save_contact", broken)
    data = {"courriel": "", "adresse_ligne1": "1 rue A", "code_postal": "69001", "commune": "Lyon"}
    with pytest.raises(RuntimeError):  # TESTING lets the view's exception through
        with_old.post(f"/fiche/{LUCAS}/coordonnees", data=data)
    # Not removed, so not told « retirée »: the notice goes with the change it tells of.
    assert account(web, with_old)["email"] == OLD
    assert mails(web) == []


def test_a_link_that_could_not_leave_is_dropped_for_the_newer_one(
    web, francois, clock, monkeypatch
):
    working = web.extensions["mail"]
    monkeypatch.setitem(web.extensions, "mail", FailingMailer())
    refused = ask_email(francois)
    assert refused.status_code == 422
    assert email_failure(refused.text) == LINK_NOT_YET_SENT
    monkeypatch.setitem(web.extensions, "mail", working)
    clock.advance(seconds=60)
    assert markup.redirects_to(ask_email(francois), "/mon-compte/courriel")
    # The first link, waiting for the queue's next try, will never arrive after the second.
    states = [(mail["to"], mail["state"]) for mail in queued(web.extensions["store"])]
    assert states == [(NEW, SUPERSEDED), (NEW, SENT)]


def test_the_address_waiting_typed_again_is_a_resend(web, francois, clock):
    ask_email(francois)
    response = ask_email(francois)
    assert response.status_code == 422
    assert email_failure(response.text).startswith("Vous pourrez demander un nouveau courriel")
    assert len(mails(web)) == 1
    clock.advance(seconds=60)
    assert markup.redirects_to(ask_email(francois), "/mon-compte/courriel")
    assert len(mails(web)) == 2
