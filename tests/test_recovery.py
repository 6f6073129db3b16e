"""« Identifiant oublié ? » and « Mot de passe oublié ? » (journeys §5, issue 12 items 1 and 2)
through HTTP with the demo families: what is sent and where, the same answer for known and
unknown identifiers, numbers and addresses, every limit (codes, links, per day per number and
per address, per client address), the link's single use and expiry, the sessions ended and the
sign-in waits lifted."""

from __future__ import annotations

import re
import time
from functools import partial

import pytest

from records import accounts
from records.accounts import ACCOUNTS
from records.mail_queue import SENT, SUPERSEDED
from rules import lockout, sms_codes
from rules import recovery as rules
from rules.passwords import hash_password
from rules.sms_length import MAX_SEGMENTS, sms_length
from tests import markup
from tests.fake_clock import install
from tests.htmx_client import HTMX
from tests.markup import error_messages, redirects_to, texts
from tests.parents import NOW, PASSWORD
from tests.test_activation_views import LINK_NOT_YET_SENT, FailingMailer
from tests.test_mail_queue import queued
from views import forgotten_password

NEW_PASSWORD = "Nouveau-Mdp-2026!"

SOPHIE_PHONE = "+33612345678"
SOPHIE_EMAIL = "sophie.lefevre-dalmeida@example.org"
KARIM_PHONE = "+33623456789"
JULIEN_PHONE = "+33781452290"
AMINATA_PHONE = "+33698765432"

alert = partial(markup.alert, alert_id="parcours-alerte")
status_message = partial(markup.alert, alert_id="parcours-alerte-statut")

CODE = re.compile(r"ÉduConnect : le code pour choisir un nouveau mot de passe est ([0-9]{6})\.")
LINK = re.compile(r"http://localhost/mot-de-passe-oublie/lien/(\S+)")


@pytest.fixture
def web(make_app, seeded, clock):
    """The service without CSRF checks, on the demo roster; the limit per client address and
    the shortest answer are out of the way but for their own tests."""
    return install(
        make_app(
            WTF_CSRF_ENABLED=False, RECOVERY_RATE_LIMIT="1000 per minute", RECOVERY_ANSWER_SECONDS=0
        ),
        clock,
    )


# Accounts of the demo roster -------------------------------------------------------------------


def make_account(db, telephone, nom, prenom, **changes) -> dict:
    with db.writing() as tx:
        found = accounts.find_responsables(tx, telephone, nom, prenom)
        account = accounts.create_account(
            tx,
            [one["id"] for one in found],
            prenom,
            nom,
            telephone,
            hash_password(PASSWORD),
            "auto-inscription",
            NOW,
        )
        if changes:
            tx.update(ACCOUNTS, account["id"], changes)
    return {**account, **changes}


@pytest.fixture
def sophie(db):
    """Active, with her mobile and a confirmed address."""
    return make_account(
        db,
        SOPHIE_PHONE,
        "Lefèvre-D'Almeida",
        "Sophie",
        email=SOPHIE_EMAIL,
        email_confirmed=True,
    )


@pytest.fixture
def karim(db):
    """Active, a mobile and no address."""
    return make_account(db, KARIM_PHONE, "Benali", "Karim")


@pytest.fixture
def julien(db):
    """Blocked by the school."""
    return make_account(
        db,
        JULIEN_PHONE,
        "Lefèvre-D'Almeida",
        "Julien",
        state="bloqué",
        email="julien.lefevre-dalmeida@example.org",
        email_confirmed=True,
    )


@pytest.fixture
def aminata(db):
    """Sent a letter by the school, not activated yet."""
    return make_account(
        db,
        AMINATA_PHONE,
        "N'Diaye",
        "Aminata",
        state="notifié",
        email="aminata.ndiaye@example.org",
        email_confirmed=True,
    )


def account(db, account_id) -> dict:
    with db.reading() as tx:
        return accounts.find_by_id(tx, account_id)


def sms(web) -> list[dict]:
    return web.extensions["outboxes"]["sms"].newest_first()


def mails(web) -> list[dict]:
    return web.extensions["outboxes"]["mail"].newest_first()


def last_code(web, to: str) -> str:
    message = sms(web)[0]
    assert message["to"] == to
    return CODE.match(message["body"]).group(1)


def last_link(web, to: str) -> str:
    message = mails(web)[0]
    assert message["to"] == to
    return "/mot-de-passe-oublie/lien/" + LINK.search(message["body"]).group(1)


def forget_identifier(client, contact: str):
    return client.post("/identifiant-oublie", data={"contact": contact})


def start(client, identifiant: str):
    answer = client.post("/mot-de-passe-oublie", data={"identifiant": identifiant})
    assert redirects_to(answer, "/mot-de-passe-oublie/moyen"), answer.text
    return client.get("/mot-de-passe-oublie/moyen")


def ways_shown(html: str) -> list[str]:
    return texts(html, "label") or [
        markup.plain(text) for text in re.findall(r'<p id="moyen-unique">(.*?)</p>', html)
    ]


def choose(client, way: str):
    return client.post("/mot-de-passe-oublie/moyen", data={"moyen": way})


def new_password(client, password: str = NEW_PASSWORD):
    return client.post(
        "/mot-de-passe-oublie/mot-de-passe",
        data={"mot_de_passe": password, "confirmation": password},
    )


def sign_in(web, identifiant: str, password: str):
    return web.test_client().post(
        "/connexion", data={"identifiant": identifiant, "mot_de_passe": password}
    )


def signed_in_client(web, identifiant, password=PASSWORD):
    client = web.test_client()
    answer = client.post("/connexion", data={"identifiant": identifiant, "mot_de_passe": password})
    assert redirects_to(answer, "/mes-services"), answer.text
    return client


# « Identifiant oublié ? » ---------------------------------------------------------------------


def test_the_identifier_page_asks_for_a_number_or_an_address(parent):
    page = parent.get("/identifiant-oublie")
    assert page.status_code == 200
    assert texts(page.text, "h1") == ["Identifiant oublié"]
    assert "Numéro de téléphone portable ou adresse électronique" in page.text


def test_the_identifier_is_sent_by_sms_to_the_number_of_an_active_account(web, parent, karim):
    answer = forget_identifier(parent, "06 23 45 67 89")
    assert answer.status_code == 200
    assert status_message(answer.text) == rules.IDENTIFIER_SENT
    [message] = sms(web)
    assert message["to"] == KARIM_PHONE
    assert karim["identifier"] in message["body"]
    assert mails(web) == []


def test_the_identifier_is_sent_by_email_to_a_confirmed_address_only(web, parent, sophie, db):
    answer = forget_identifier(parent, "  Sophie.Lefevre-Dalmeida@EXAMPLE.org ".lower())
    assert status_message(answer.text) == rules.IDENTIFIER_SENT
    [mail] = mails(web)
    assert mail["to"] == SOPHIE_EMAIL
    assert sophie["identifier"] in mail["body"]
    assert sms(web) == []

    with db.writing() as tx:
        tx.update(ACCOUNTS, sophie["id"], {"email_confirmed": False})
    again = forget_identifier(parent, SOPHIE_EMAIL)
    assert comparable(again.text) == comparable(answer.text)
    assert len(mails(web)) == 1  # an address nobody confirmed is never written to


@pytest.mark.parametrize(
    "contact",
    [
        "06 23 45 67 89",  # Karim's, active
        "07 81 45 22 90",  # Julien's, blocked
        "06 98 76 54 32",  # Aminata's, not activated (letter sent)
        "06 45 12 78 33",  # François's, on the roster, no account
        "06 00 00 00 01",  # nobody's
        SOPHIE_EMAIL,  # confirmed
        "julien.lefevre-dalmeida@example.org",  # confirmed, blocked account
        "personne@example.org",  # nobody's
    ],
)
def test_the_identifier_page_answers_alike_whoever_the_number_or_address_is(
    web, parent, karim, sophie, julien, aminata, contact
):
    reference = forget_identifier(web.test_client(), "06 11 11 11 11")
    answer = forget_identifier(parent, contact)
    assert answer.status_code == reference.status_code == 200
    assert comparable(answer.text) == comparable(reference.text)
    assert answer.headers.get("Location") is None


def test_blocked_and_not_activated_accounts_are_told_nothing(web, parent, julien, aminata):
    for contact in ("07 81 45 22 90", "06 98 76 54 32", "aminata.ndiaye@example.org"):
        forget_identifier(parent, contact)
    assert sms(web) == [] and mails(web) == []


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", rules.MISSING_CONTACT),
        ("04 72 00 00 00", "C'est un numéro de téléphone fixe : indiquez un numéro de portable."),
        ("sophie@", "Cette adresse électronique n'est pas valide. Vérifiez-la."),
    ],
)
def test_a_number_or_address_that_cannot_be_one_is_refused_on_the_field(parent, typed, message):
    answer = forget_identifier(parent, typed)
    assert answer.status_code == 422
    assert error_messages(answer.text, "contact")[0].startswith(message)
    assert texts(answer.text, "title")[0].startswith("Erreur — ")


def test_identifier_sms_per_number_per_day_share_the_sms_quota(web, parent, karim, clock):
    for _ in range(web.config["SMS_PER_NUMBER_PER_DAY"]):
        forget_identifier(parent, "06 23 45 67 89")
    assert len(sms(web)) == web.config["SMS_PER_NUMBER_PER_DAY"]
    answer = forget_identifier(parent, "06 23 45 67 89")
    assert answer.status_code == 200
    assert status_message(answer.text) == rules.IDENTIFIER_SENT
    assert len(sms(web)) == web.config["SMS_PER_NUMBER_PER_DAY"]  # the same answer, no SMS

    # The quota is the one of the codes: a code for this number is refused too.
    start(parent, karim["identifier"])
    refused = choose(parent, "sms")
    assert refused.status_code == 422
    assert alert(refused.text) == sms_codes.DAILY_LIMIT_REACHED

    clock.advance(hours=24, seconds=1)
    forget_identifier(web.test_client(), "06 23 45 67 89")
    assert len(sms(web)) == web.config["SMS_PER_NUMBER_PER_DAY"] + 1


def test_identifier_mails_per_address_per_day(make_app, seeded, clock, sophie):
    web = install(
        make_app(
            WTF_CSRF_ENABLED=False,
            RECOVERY_MAILS_PER_ADDRESS_PER_DAY=2,
            RECOVERY_RATE_LIMIT="1000 per minute",
            RECOVERY_ANSWER_SECONDS=0,
        ),
        clock,
    )
    client = web.test_client()
    for _ in range(3):
        answer = forget_identifier(client, SOPHIE_EMAIL)
        assert status_message(answer.text) == rules.IDENTIFIER_SENT
    assert len(mails(web)) == 2
    clock.advance(hours=24, seconds=1)
    forget_identifier(client, SOPHIE_EMAIL)
    assert len(mails(web)) == 3


@pytest.fixture
def limited(make_app, seeded, clock):
    return install(
        make_app(
            WTF_CSRF_ENABLED=False, RECOVERY_RATE_LIMIT="3 per minute", RECOVERY_ANSWER_SECONDS=0
        ),
        clock,
    )


def test_requests_per_client_address_are_limited_across_both_journeys(limited, karim):
    client = limited.test_client()
    assert forget_identifier(client, "06 23 45 67 89").status_code == 200
    assert forget_identifier(client, "06 00 00 00 01").status_code == 200
    assert client.post("/mot-de-passe-oublie", data={"identifiant": "x.y1"}).status_code == 303
    refused = forget_identifier(client, "06 23 45 67 89")
    assert refused.status_code == 429
    assert texts(refused.text, "h1") == ["Trop de tentatives"]
    assert client.post("/mot-de-passe-oublie", data={"identifiant": "x.y1"}).status_code == 429
    # Reading the pages is not counted.
    assert client.get("/identifiant-oublie").status_code == 200


def test_the_identifier_page_as_an_htmx_fragment(parent, karim):
    answer = parent.post("/identifiant-oublie", data={"contact": "06 23 45 67 89"}, headers=HTMX)
    assert answer.status_code == 200
    assert "<html" not in answer.text
    assert status_message(answer.text) == rules.IDENTIFIER_SENT


def test_the_identifier_sms_fit_two_segments():
    longest = "a.abcdefghijklmnopqrs12"
    for text in (rules.identifier_sms([longest]), rules.identifier_sms([longest] * 3)):
        assert sms_length(text).segments <= MAX_SEGMENTS, text
    assert sms_length(rules.changed_sms(NOW)).segments <= MAX_SEGMENTS
    assert sms_length(sms_codes.sms_text("123456", rules.CODE_PURPOSE)).segments == 1


# « Mot de passe oublié ? » by SMS -------------------------------------------------------------


def test_a_new_password_by_sms_code(web, db, sophie, clock):
    other_device = signed_in_client(web, sophie["identifier"])
    client = web.test_client()
    ways = start(client, sophie["identifier"])
    assert ways.status_code == 200
    assert ways_shown(ways.text) == [
        "Par SMS au 06 •• •• •• 78",
        "Par courriel à s•••@example.org",
    ]
    assert redirects_to(choose(client, "sms"), "/mot-de-passe-oublie/code")
    code = last_code(web, SOPHIE_PHONE)
    assert redirects_to(
        client.post("/mot-de-passe-oublie/code", data={"code": code}),
        "/mot-de-passe-oublie/mot-de-passe",
    )
    page = client.get("/mot-de-passe-oublie/mot-de-passe")
    assert sophie["identifier"] in page.text
    weak = new_password(client, "court")
    assert weak.status_code == 422
    done = new_password(client)
    assert redirects_to(done, "/mes-services")
    home = client.get("/mes-services")
    assert home.status_code == 200
    assert forgotten_password.CHANGED in markup.plain(home.text)

    assert other_device.get("/mes-services").status_code == 303  # its session ended
    assert redirects_to(sign_in(web, sophie["identifier"], NEW_PASSWORD), "/mes-services")
    assert sign_in(web, sophie["identifier"], PASSWORD).status_code == 422
    told_sms = sms(web)[0]
    assert told_sms["to"] == SOPHIE_PHONE
    assert "votre mot de passe a été changé" in told_sms["body"]
    assert mails(web)[0]["subject"] == "Votre mot de passe ÉduConnect a été changé"
    # The journey is over: its pages lead back to its first step.
    assert redirects_to(client.get("/mot-de-passe-oublie/code"), "/mot-de-passe-oublie")


def test_the_sign_in_waits_of_the_account_are_lifted(web, db, karim):
    for _ in range(lockout.LIMITS.free_failures + 1):
        sign_in(web, karim["identifier"], "Mauvais-mot-2026!")
    assert sign_in(web, karim["identifier"], PASSWORD).status_code == 422  # waiting
    assert account(db, karim["id"])["clients"]

    client = web.test_client()
    ways = start(client, karim["identifier"])
    assert ways_shown(ways.text) == ["Par SMS au 06 •• •• •• 89"]
    choose(client, "sms")
    client.post("/mot-de-passe-oublie/code", data={"code": last_code(web, KARIM_PHONE)})
    assert redirects_to(new_password(client), "/mes-services")
    assert account(db, karim["id"])["clients"] == {}
    assert redirects_to(sign_in(web, karim["identifier"], NEW_PASSWORD), "/mes-services")


def test_an_account_made_through_franceconnect_sets_its_first_password(web, db, karim):
    with db.writing() as tx:
        tx.update(
            ACCOUNTS,
            karim["id"],
            {"password_hash": None, "method": "franceconnect", "franceconnect_sub": "abc"},
        )
    client = web.test_client()
    start(client, karim["identifier"])
    choose(client, "sms")
    client.post("/mot-de-passe-oublie/code", data={"code": last_code(web, KARIM_PHONE)})
    assert redirects_to(new_password(client), "/mes-services")
    assert redirects_to(sign_in(web, karim["identifier"], NEW_PASSWORD), "/mes-services")


def test_code_limits_tries_expiry_resend_and_codes_per_journey(web, karim, clock):
    client = web.test_client()
    start(client, karim["identifier"])
    choose(client, "sms")
    code = last_code(web, KARIM_PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    # A new code only after 60 seconds.
    early = client.post("/mot-de-passe-oublie/code/nouveau")
    assert early.status_code == 422
    assert alert(early.text) == "Vous pourrez demander un nouveau code dans 60 secondes."

    # Three wrong tries and the code is dead, even the right one.
    for expected in ("Il vous reste 2 essais.", "Il vous reste 1 essai."):
        answer = client.post("/mot-de-passe-oublie/code", data={"code": wrong})
        assert answer.status_code == 422
        assert error_messages(answer.text, "code")[0].endswith(expected)
    client.post("/mot-de-passe-oublie/code", data={"code": wrong})
    dead = client.post("/mot-de-passe-oublie/code", data={"code": code})
    assert error_messages(dead.text, "code") == [
        sms_codes.check_message(sms_codes.CodeCheck.EXHAUSTED)
    ]

    # A second code, left to expire after 10 minutes.
    clock.advance(seconds=61)
    assert client.post("/mot-de-passe-oublie/code/nouveau").status_code == 200
    second = last_code(web, KARIM_PHONE)
    clock.advance(minutes=10, seconds=1)
    expired = client.post("/mot-de-passe-oublie/code", data={"code": second})
    assert error_messages(expired.text, "code") == [
        sms_codes.check_message(sms_codes.CodeCheck.EXPIRED)
    ]

    # A third, and no fourth in this journey.
    assert client.post("/mot-de-passe-oublie/code/nouveau").status_code == 200
    clock.advance(seconds=61)
    refused = client.post("/mot-de-passe-oublie/code/nouveau")
    assert refused.status_code == 422
    assert alert(refused.text) == forgotten_password.TOO_MANY_CODES
    assert len(sms(web)) == sms_codes.MAX_CODES_PER_JOURNEY

    # The third code still works.
    answer = client.post("/mot-de-passe-oublie/code", data={"code": last_code(web, KARIM_PHONE)})
    assert redirects_to(answer, "/mot-de-passe-oublie/mot-de-passe")


def test_codes_per_number_per_day_across_journeys(web, karim):
    for _ in range(web.config["SMS_PER_NUMBER_PER_DAY"]):
        client = web.test_client()
        start(client, karim["identifier"])
        assert redirects_to(choose(client, "sms"), "/mot-de-passe-oublie/code")
    client = web.test_client()
    start(client, karim["identifier"])
    refused = choose(client, "sms")
    assert refused.status_code == 422
    assert alert(refused.text) == sms_codes.DAILY_LIMIT_REACHED


def test_the_password_step_cannot_be_reached_without_the_code(web, karim):
    client = web.test_client()
    start(client, karim["identifier"])
    assert redirects_to(
        client.get("/mot-de-passe-oublie/mot-de-passe"), "/mot-de-passe-oublie/moyen"
    )
    assert redirects_to(new_password(client), "/mot-de-passe-oublie/moyen")
    choose(client, "sms")
    assert redirects_to(new_password(client), "/mot-de-passe-oublie/code")


def test_a_way_not_offered_is_refused(web, karim, sophie):
    client = web.test_client()
    start(client, sophie["identifier"])
    for way in ("", "pigeon"):
        refused = choose(client, way)
        assert refused.status_code == 422
        assert error_messages(refused.text, "moyen") == [forgotten_password.CHOOSE]
        assert texts(refused.text, "title")[0].startswith("Erreur — ")
    client = web.test_client()
    start(client, karim["identifier"])  # a mobile only
    refused = choose(client, "courriel")
    assert refused.status_code == 422
    assert alert(refused.text) == forgotten_password.CHOOSE
    assert mails(web) == [] and sms(web) == []


def test_restarting_forgets_the_journey(web, karim):
    client = web.test_client()
    start(client, karim["identifier"])
    assert redirects_to(client.get("/mot-de-passe-oublie"), "/mot-de-passe-oublie/moyen")
    assert redirects_to(client.post("/mot-de-passe-oublie/recommencer"), "/mot-de-passe-oublie")
    assert client.get("/mot-de-passe-oublie").status_code == 200


# Non-enumeration ------------------------------------------------------------------------------


def comparable(html: str) -> str:
    """The page without its session's CSRF token."""
    return re.sub(r'"\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"', '"JETON"', html)


def masks_removed(html: str) -> str:
    html = comparable(html)
    html = re.sub(r"0[67] •• •• •• [0-9]{2}", "NUMERO", html)
    html = re.sub(r"[a-z]•••@[a-z.-]+", "ADRESSE", html)
    return html


@pytest.mark.parametrize("who", ["sophie", "julien", "aminata", "unknown"])
def test_every_identifiant_walks_the_same_pages(web, sophie, julien, aminata, who):
    identifiant = {
        "sophie": sophie["identifier"],
        "julien": julien["identifier"],
        "aminata": aminata["identifier"],
        "unknown": "z.personne1",
    }[who]
    client = web.test_client()
    ways = start(client, identifiant)
    assert ways.status_code == 200
    shown = ways_shown(ways.text)
    assert shown[0].startswith("Par SMS au 0")
    assert len(shown) in (1, 2)

    # The same ways each time for one identifiant.
    again = web.test_client()
    assert ways_shown(start(again, identifiant).text) == shown

    code_page = choose(client, "sms")
    assert redirects_to(code_page, "/mot-de-passe-oublie/code")
    page = client.get("/mot-de-passe-oublie/code")
    assert page.status_code == 200
    reference = web.test_client()
    start(reference, sophie["identifier"])
    choose(reference, "sms")
    assert masks_removed(page.text) == masks_removed(
        reference.get("/mot-de-passe-oublie/code").text
    )
    wrong = client.post("/mot-de-passe-oublie/code", data={"code": "000000"})
    assert wrong.status_code == 422
    assert error_messages(wrong.text, "code") == [
        "Le code saisi est incorrect. Il vous reste 2 essais."
    ]
    if who != "sophie":
        assert [message["to"] for message in sms(web)] == [SOPHIE_PHONE]


def test_a_decoy_s_code_never_works_and_nothing_is_sent(web, clock):
    client = web.test_client()
    start(client, "z.personne1")
    choose(client, "sms")
    for code in ("000000", "123456", "999999"):
        client.post("/mot-de-passe-oublie/code", data={"code": code})
    assert sms(web) == [] and mails(web) == []
    assert redirects_to(
        client.get("/mot-de-passe-oublie/mot-de-passe"), "/mot-de-passe-oublie/code"
    )
    # Its limits answer as a real number's would.
    early = client.post("/mot-de-passe-oublie/code/nouveau")
    assert alert(early.text) == "Vous pourrez demander un nouveau code dans 60 secondes."


def test_a_decoy_link_is_never_sent_but_the_page_is_the_same(web, sophie):
    decoy_identifiant = next(
        f"z.personne{number}"
        for number in range(1, 100)
        if rules.decoy(web.secret_key, f"z.personne{number}")["masked_email"]
    )
    client = web.test_client()
    shown = ways_shown(start(client, decoy_identifiant).text)
    assert shown[1].startswith("Par courriel à ")
    assert redirects_to(choose(client, "courriel"), "/mot-de-passe-oublie/courriel")
    page = client.get("/mot-de-passe-oublie/courriel")
    reference = web.test_client()
    start(reference, sophie["identifier"])
    choose(reference, "courriel")
    assert masks_removed(page.text) == masks_removed(
        reference.get("/mot-de-passe-oublie/courriel").text
    )
    assert [mail["to"] for mail in mails(web)] == [SOPHIE_EMAIL]


# « Mot de passe oublié ? » by e-mail link -----------------------------------------------------


def test_a_new_password_by_email_link_in_another_browser(web, db, sophie):
    other_device = signed_in_client(web, sophie["identifier"])
    client = web.test_client()
    start(client, sophie["identifier"])
    assert redirects_to(choose(client, "courriel"), "/mot-de-passe-oublie/courriel")
    assert "s•••@example.org" in client.get("/mot-de-passe-oublie/courriel").text
    link = last_link(web, SOPHIE_EMAIL)

    browser = web.test_client()
    opened = browser.get(link)
    assert opened.status_code == 200
    assert sophie["identifier"] in opened.text
    assert browser.get(link).status_code == 200  # opening it spends nothing
    assert redirects_to(browser.post(link), "/mot-de-passe-oublie/mot-de-passe")
    assert redirects_to(new_password(browser), "/mes-services")

    assert other_device.get("/mes-services").status_code == 303
    assert redirects_to(sign_in(web, sophie["identifier"], NEW_PASSWORD), "/mes-services")
    # Used once: the link no longer works.
    used = web.test_client().post(link)
    assert used.status_code == 410
    assert texts(used.text, "h1") == ["Lien déjà utilisé ou remplacé"]
    assert web.test_client().get(link).status_code == 410


def test_the_link_expires(web, sophie, clock):
    client = web.test_client()
    start(client, sophie["identifier"])
    choose(client, "courriel")
    link = last_link(web, SOPHIE_EMAIL)
    clock.advance(seconds=web.config["RECOVERY_LINK_LIFETIME"] + 1)
    expired = web.test_client().post(link)
    assert expired.status_code == 410
    assert texts(expired.text, "h1") == ["Lien expiré"]
    assert "1 heure" in expired.text


def test_a_changed_or_foreign_link_is_refused(web, sophie):
    client = web.test_client()
    start(client, sophie["identifier"])
    choose(client, "courriel")
    link = last_link(web, SOPHIE_EMAIL)
    for bad in (link[:-3], link + "x", "/mot-de-passe-oublie/lien/abc"):
        answer = web.test_client().post(bad)
        assert answer.status_code == 400, bad
        assert texts(answer.text, "h1") == ["Lien non valide"]
    token = rules.make_token("une autre clé de 32 caractères au moins !!", sophie["id"], "n")
    assert web.test_client().get(f"/mot-de-passe-oublie/lien/{token}").status_code == 400


def test_only_the_last_link_works_and_mails_are_limited(web, sophie, clock):
    client = web.test_client()
    start(client, sophie["identifier"])
    choose(client, "courriel")
    first = last_link(web, SOPHIE_EMAIL)
    early = client.post("/mot-de-passe-oublie/courriel/renvoyer")
    assert early.status_code == 422
    assert alert(early.text) == "Vous pourrez demander un nouveau courriel dans 60 secondes."
    clock.advance(seconds=61)
    again = client.post("/mot-de-passe-oublie/courriel/renvoyer")
    assert again.status_code == 200
    assert status_message(again.text) == forgotten_password.MAIL_SENT_AGAIN
    second = last_link(web, SOPHIE_EMAIL)
    assert web.test_client().post(first).status_code == 410
    clock.advance(seconds=61)
    client.post("/mot-de-passe-oublie/courriel/renvoyer")
    clock.advance(seconds=61)
    refused = client.post("/mot-de-passe-oublie/courriel/renvoyer")
    assert alert(refused.text) == forgotten_password.TOO_MANY_MAILS
    assert len(mails(web)) == sms_codes.MAX_CODES_PER_JOURNEY
    assert web.test_client().post(second).status_code == 410  # superseded by the third


def test_a_link_that_could_not_leave_is_dropped_for_the_newer_one(web, sophie, clock, monkeypatch):
    client = web.test_client()
    start(client, sophie["identifier"])
    working = web.extensions["mail"]
    monkeypatch.setitem(web.extensions, "mail", FailingMailer())
    refused = choose(client, "courriel")
    assert refused.status_code == 422
    assert alert(refused.text) == LINK_NOT_YET_SENT
    monkeypatch.setitem(web.extensions, "mail", working)
    clock.advance(seconds=61)
    assert redirects_to(choose(client, "courriel"), "/mot-de-passe-oublie/courriel")
    # The first link, waiting for the queue's next try, will never arrive after the second.
    states = [(mail["to"], mail["state"]) for mail in queued(web.extensions["store"])]
    assert states == [(SOPHIE_EMAIL, SUPERSEDED), (SOPHIE_EMAIL, SENT)]


def test_links_per_address_per_day(make_app, seeded, clock, sophie):
    web = install(
        make_app(
            WTF_CSRF_ENABLED=False,
            RECOVERY_MAILS_PER_ADDRESS_PER_DAY=2,
            RECOVERY_RATE_LIMIT="1000 per minute",
            RECOVERY_ANSWER_SECONDS=0,
        ),
        clock,
    )
    forget_identifier(web.test_client(), SOPHIE_EMAIL)  # counts for the address too
    client = web.test_client()
    start(client, sophie["identifier"])
    assert redirects_to(choose(client, "courriel"), "/mot-de-passe-oublie/courriel")
    client = web.test_client()
    start(client, sophie["identifier"])
    refused = choose(client, "courriel")
    assert refused.status_code == 422
    assert alert(refused.text) == forgotten_password.MAILS_DAILY_LIMIT
    assert len(mails(web)) == 2


def test_a_link_for_an_account_blocked_since_does_not_work(web, db, sophie):
    client = web.test_client()
    start(client, sophie["identifier"])
    choose(client, "courriel")
    link = last_link(web, SOPHIE_EMAIL)
    with db.writing() as tx:
        tx.update(ACCOUNTS, sophie["id"], {"state": "bloqué"})
    assert web.test_client().post(link).status_code == 410


def test_the_journey_pages_as_htmx_fragments(web, karim):
    client = web.test_client()
    answer = client.post(
        "/mot-de-passe-oublie", data={"identifiant": karim["identifier"]}, headers=HTMX
    )
    assert answer.status_code == 200
    assert answer.headers["HX-Push-Url"] == "/mot-de-passe-oublie/moyen"
    assert "<html" not in answer.text
    assert "Étape 2 sur 4" in answer.text


def test_a_post_without_its_csrf_token_sends_nothing(guarded, karim_in_guarded):
    client = guarded.test_client()
    refused = client.post("/identifiant-oublie", data={"contact": "06 23 45 67 89"})
    assert refused.status_code == 400
    refused = client.post("/mot-de-passe-oublie", data={"identifiant": karim_in_guarded})
    assert refused.status_code == 400
    assert sms(guarded) == []


@pytest.fixture
def karim_in_guarded(guarded):
    return make_account(guarded.extensions["store"], KARIM_PHONE, "Benali", "Karim")["identifier"]


def test_answers_that_may_send_take_the_same_shortest_time(make_app, seeded, clock, karim):
    web = install(
        make_app(
            WTF_CSRF_ENABLED=False,
            RECOVERY_RATE_LIMIT="1000 per minute",
            RECOVERY_ANSWER_SECONDS=0.4,
        ),
        clock,
    )
    for contact in ("06 23 45 67 89", "06 00 00 00 01", "personne@example.org"):
        started = time.monotonic()
        forget_identifier(web.test_client(), contact)
        assert time.monotonic() - started >= 0.4, contact
    for identifiant in (karim["identifier"], "z.personne1"):
        client = web.test_client()
        started = time.monotonic()
        start(client, identifiant)
        choose(client, "sms")
        assert time.monotonic() - started >= 0.8, identifiant
    assert len(sms(web)) == 2  # Karim's identifiant and his code; nothing for the others
    # Reading a page is not slowed down.
    started = time.monotonic()
    web.test_client().get("/identifiant-oublie")
    assert time.monotonic() - started < 0.4
