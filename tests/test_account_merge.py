"""« Ajouter des élèves depuis un autre compte » (journeys §5, issue 12 item 4;
views/account_merge.py, records/merge.py, rules/same_person.py): the signed-in parent gives the
identifiant and password of a second account of theirs, its children move to this one, the other
is closed.

François Da Silva (demo roster) has Lucas at the Collège Concorde and Emma at the Collège des
Palmistes. Here the Palmistes know him by another mobile, so he has two accounts: one he made
himself for Lucas (f.dasilva1), and the Palmistes' letter for Emma (f.dasilva2, « notifié », a
temporary password) or an account he activated there (a password of his own)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

import pytest

from documents.merge_notice import merge_sms
from records import accounts, audit, merge, notifications, sessions
from records.accounts import ACCOUNTS
from records.bourse_requests import REQUESTS
from records.roster import RESPONSABLES
from rules import lockout
from rules.account_states import AccountState
from rules.passwords import hash_password
from rules.same_person import prenoms_match, same_person
from rules.sms_length import MAX_SEGMENTS, fits, is_gsm
from tests import markup
from tests.fake_clock import START, install
from tests.htmx_client import HTMX
from tests.markup import elements, plain, redirects_to, texts
from views.account_merge import REFUSALS

CONCORDE, PALMISTES = "0691234A", "0973123Z"
FRANCOIS_PHONE, PALMISTES_PHONE = "+33645127833", "+594694000111"
KARIM_PHONE = "+33623456789"
PASSWORD = "Rentree-2026!Ok"
OTHER_PASSWORD = "Palmistes-2026!Ok"
URL = "/mon-compte/fusion"

alert = partial(markup.alert, alert_id="fusion-alerte")
notice = partial(markup.alert, alert_id="services-alerte-statut")


# The family ------------------------------------------------------------------------------


def records_of(tx, telephone: str, nom: str, prenom: str) -> list[dict]:
    found = accounts.find_responsables(tx, telephone, nom, prenom)
    assert found, (nom, prenom)
    return found


@pytest.fixture
def family(db, clock):
    """François's two records, the Palmistes' under another mobile; his own account for Lucas's
    (f.dasilva1). Returns the ids of both records."""
    with db.writing() as tx:
        both = records_of(tx, FRANCOIS_PHONE, "Da Silva", "François")
        (palmistes,) = [doc for doc in both if doc["uai"] == PALMISTES]
        (concorde,) = [doc for doc in both if doc["uai"] == CONCORDE]
        tx.update(RESPONSABLES, palmistes["id"], {"telephone": PALMISTES_PHONE})
        mine = accounts.create_account(
            tx,
            [concorde["id"]],
            "François",
            "Da Silva",
            FRANCOIS_PHONE,
            hash_password(PASSWORD),
            "auto-inscription",
            clock.now(),
        )
    assert mine["identifier"] == "f.dasilva1"
    return {"concorde": concorde["id"], "palmistes": palmistes["id"], "account": mine}


@pytest.fixture
def letter(db, clock, family):
    """The Palmistes' letter for Emma: f.dasilva2, « notifié », a temporary password."""
    with db.writing() as tx:
        (sent,) = notifications.notify(
            tx, [family["palmistes"]], "secretariat.palmistes", "courrier", clock.now()
        )
    assert sent.identifiant == "f.dasilva2"
    return sent


@pytest.fixture
def activated(db, clock, family):
    """An active account for Emma, with a password of its own (f.dasilva2)."""
    with db.writing() as tx:
        other = accounts.create_account(
            tx,
            [family["palmistes"]],
            "François",
            "Da Silva",
            PALMISTES_PHONE,
            hash_password(OTHER_PASSWORD),
            "auto-inscription",
            clock.now(),
        )
    assert other["identifier"] == "f.dasilva2"
    return other


@pytest.fixture
def francois(web, family):
    client = web.test_client()
    with client.session_transaction() as session:
        session["account_id"] = family["account"]["id"]
    return client


def add(client, identifiant: str, password: str, **options):
    return client.post(URL, data={"identifiant": identifiant, "mot_de_passe": password}, **options)


def account(db, identifiant: str) -> dict:
    with db.reading() as tx:
        return accounts.find_by_identifier(tx, identifiant)


def sms(web) -> list[dict]:
    return web.extensions["outboxes"]["sms"].newest_first()


def mails(web) -> list[dict]:
    return web.extensions["outboxes"]["mail"].newest_first()


def children_on_services(client) -> list[str]:
    page = client.get("/mes-services")
    assert page.status_code == 200
    return texts(page.text, "h3")


# The page ----------------------------------------------------------------------------------


def test_the_page_needs_a_signed_in_parent(parent):
    assert redirects_to(parent.get(URL), "/connexion")
    assert redirects_to(add(parent, "f.dasilva2", "x"), "/connexion")


def test_the_page(francois):
    page = francois.get(URL)
    assert page.status_code == 200
    assert texts(page.text, "title") == ["Ajouter des élèves depuis un autre compte — Téléservices"]
    assert texts(page.text, "h1") == ["Ajouter des élèves depuis un autre compte"]
    assert "Lucas Da Silva — Collège Concorde" in plain(page.text)
    (form,) = elements(page.text, "form", id="fusion-form")
    assert form["action"] == URL and form["method"] == "post" and form["data-hx-post"] == URL
    assert elements(page.text, "input", id="identifiant", autocomplete="off")
    assert elements(page.text, "input", id="mot_de_passe", type="password")
    assert elements(page.text, "a", href="/mon-compte") and elements(
        page.text, "a", href="/mes-services"
    )
    fragment = francois.get(URL, headers=HTMX)
    assert "<html" not in fragment.text
    assert elements(fragment.text, "form", id="fusion-form")


def test_missing_fields(francois):
    answer = add(francois, "", "")
    assert answer.status_code == 422
    assert texts(answer.text, "title")[0].startswith("Erreur — ")
    assert markup.error_messages(answer.text, "identifiant") == [
        "Indiquez l'identifiant de votre autre compte."
    ]
    assert markup.error_messages(answer.text, "mot_de_passe") == [
        "Indiquez le mot de passe de votre autre compte."
    ]
    # Two errors: their list takes the focus (issue 13).
    assert [one["id"] for one in elements(answer.text) if "autofocus" in one] == ["fusion-erreurs"]


# A merge -----------------------------------------------------------------------------------


def test_a_letter_account_is_merged(francois, web, db, clock, family, letter):
    assert (
        children_on_services(francois) == ["Lucas DA SILVA"]
        or len(children_on_services(francois)) == 1
    )
    answer = add(francois, " F.DaSilva2 ", letter.temporary_password)
    assert redirects_to(answer, "/mes-services")

    mine, other = account(db, "f.dasilva1"), account(db, "f.dasilva2")
    assert sorted(mine["responsable_ids"]) == sorted([family["concorde"], family["palmistes"]])
    assert other["state"] == AccountState.CLOSED
    assert other["responsable_ids"] == []
    assert other["merged_into"] == mine["id"]
    for field in ("password_hash", "temporary_password_hash", "franceconnect_sub"):
        assert other[field] is None

    page = francois.get("/mes-services")
    assert texts(page.text, "h3") == ["Lucas Da Silva", "Emma Da Silva"]
    assert notice(page.text) == (
        "Les élèves de votre compte f.dasilva2 sont ajoutés à ce compte : Emma (Collège des "
        "Palmistes). Le compte f.dasilva2 est fermé."
    )


def test_the_closed_account_no_longer_signs_in(francois, web, letter):
    assert redirects_to(add(francois, "f.dasilva2", letter.temporary_password), "/mes-services")
    other = web.test_client()
    answer = other.post(
        "/connexion", data={"identifiant": "f.dasilva2", "mot_de_passe": letter.temporary_password}
    )
    assert answer.status_code == 422
    assert markup.alert(answer.text, alert_id="login-alert") == lockout.FAILED
    # Nor can it be merged again.
    answer = add(francois, "f.dasilva2", letter.temporary_password)
    assert answer.status_code == 422 and alert(answer.text) == lockout.FAILED


def test_an_active_account_with_its_own_password(francois, web, db, clock, activated):
    signed_there = web.test_client()
    response = signed_there.post(
        "/connexion", data={"identifiant": "f.dasilva2", "mot_de_passe": OTHER_PASSWORD}
    )
    assert redirects_to(response, "/mes-services")
    assert redirects_to(add(francois, "f.dasilva2", OTHER_PASSWORD), "/mes-services")
    # Its sessions have ended.
    assert redirects_to(signed_there.get("/mes-services"), "/connexion")
    with db.reading() as tx:
        assert tx.find(sessions.SESSIONS, account_id=activated["id"]) == []
    assert account(db, "f.dasilva2")["state"] == AccountState.CLOSED
    answer = web.test_client().post(
        "/connexion", data={"identifiant": "f.dasilva2", "mot_de_passe": OTHER_PASSWORD}
    )
    assert answer.status_code == 422


def test_its_identifiant_is_never_given_again(francois, db, clock, letter):
    assert redirects_to(add(francois, "f.dasilva2", letter.temporary_password), "/mes-services")
    with db.writing() as tx:
        given = accounts._reserve_identifier(tx, "Fanny", "Da Silva", clock.now().isoformat())
        assert given == "f.dasilva3"
        assert accounts.find_by_identifier(tx, "f.dasilva2")["state"] == AccountState.CLOSED


def test_the_franceconnect_link_moves_when_this_account_has_none(francois, db, activated):
    with db.writing() as tx:
        tx.update(ACCOUNTS, activated["id"], {"franceconnect_sub": "sub-de-francois"})
    answer = add(francois, "f.dasilva2", OTHER_PASSWORD)
    assert redirects_to(answer, "/mes-services")
    assert account(db, "f.dasilva1")["franceconnect_sub"] == "sub-de-francois"
    assert account(db, "f.dasilva2")["franceconnect_sub"] is None
    with db.reading() as tx:
        assert accounts.find_by_franceconnect_sub(tx, "sub-de-francois")["identifier"] == (
            "f.dasilva1"
        )
    assert "Sa connexion avec FranceConnect passe à ce compte." in notice(
        francois.get("/mes-services").text
    )


def test_this_accounts_own_franceconnect_link_stays(francois, db, family, activated):
    with db.writing() as tx:
        tx.update(ACCOUNTS, family["account"]["id"], {"franceconnect_sub": "sub-a"})
        tx.update(ACCOUNTS, activated["id"], {"franceconnect_sub": "sub-b"})
    assert redirects_to(add(francois, "f.dasilva2", OTHER_PASSWORD), "/mes-services")
    assert account(db, "f.dasilva1")["franceconnect_sub"] == "sub-a"
    with db.reading() as tx:
        assert accounts.find_by_franceconnect_sub(tx, "sub-b") is None


def test_the_scholarship_requests_move_with_the_children(francois, db, family, activated):
    with db.writing() as tx:
        number = tx.insert(
            REQUESTS,
            {
                "number": "B-TEST-1",
                "account_id": activated["id"],
                "ine": "x",
                "school_year": "2026",
            },
        )
    assert redirects_to(add(francois, "f.dasilva2", OTHER_PASSWORD), "/mes-services")
    with db.reading() as tx:
        assert tx.get(REQUESTS, number)["account_id"] == family["account"]["id"]


def test_the_merge_is_journaled_in_both_schools(francois, db, letter):
    assert redirects_to(add(francois, "f.dasilva2", letter.temporary_password), "/mes-services")
    with db.reading() as tx:
        for uai in (CONCORDE, PALMISTES):
            (entry,) = [e for e in audit.entries(tx, uai) if e["action"] == merge.ACTION]
            assert entry["staff"] == "f.dasilva1"
            assert "f.dasilva2" in entry["detail"] and "f.dasilva1" in entry["detail"]
            assert entry["at"] == "2026-09-14T10:00:00+02:00"


def test_both_accounts_are_told_by_sms(francois, web, letter):
    before = len(sms(web))
    assert redirects_to(add(francois, "f.dasilva2", letter.temporary_password), "/mes-services")
    sent = sms(web)[: len(sms(web)) - before]
    assert sorted(message["to"] for message in sent) == sorted([FRANCOIS_PHONE, PALMISTES_PHONE])
    for message in sent:
        assert "f.dasilva2" in message["body"] and "f.dasilva1" in message["body"]
        assert is_gsm(message["body"]) and fits(message["body"], MAX_SEGMENTS)
    assert mails(web) == []


def test_a_confirmed_address_is_told_by_email(francois, web, db, family, letter):
    with db.writing() as tx:
        tx.update(
            ACCOUNTS,
            family["account"]["id"],
            {"email": "francois@example.org", "email_confirmed": True},
        )
    assert redirects_to(add(francois, "f.dasilva2", letter.temporary_password), "/mes-services")
    (mail,) = mails(web)
    assert mail["to"] == "francois@example.org"
    assert "f.dasilva2" in mail["body"] and "Emma" in mail["body"]
    # The letter's account has no confirmed address: its mobile gets the SMS.
    assert [message["to"] for message in sms(web)] == [PALMISTES_PHONE]


def test_htmx_merge_leaves_for_services(francois, letter):
    answer = add(francois, "f.dasilva2", letter.temporary_password, headers=HTMX)
    assert answer.status_code == 200
    assert answer.headers["HX-Redirect"] == "/mes-services"


# Refusals ----------------------------------------------------------------------------------


def nothing_moved(db, family):
    mine = account(db, "f.dasilva1")
    assert mine["responsable_ids"] == [family["concorde"]]


@pytest.mark.parametrize("identifiant", ["f.dasilva2", "f.inconnu9"])
def test_wrong_password_or_identifiant_says_what_the_login_says(
    francois, db, family, letter, identifiant
):
    answer = add(francois, identifiant, "Pas-le-bon-2026!")
    assert answer.status_code == 422
    assert alert(answer.text) == lockout.FAILED
    assert texts(answer.text, "title") == [
        "Erreur — Ajouter des élèves depuis un autre compte — Téléservices"
    ]
    assert elements(answer.text, "input", id="identifiant", autofocus="")
    assert elements(answer.text, "input", id="mot_de_passe", autocomplete="off")
    assert "Pas-le-bon-2026!" not in answer.text
    nothing_moved(db, family)
    assert account(db, "f.dasilva2")["state"] == "notifié"


def test_a_wrong_password_counts_as_a_failed_sign_in(francois, db, letter):
    assert add(francois, "f.dasilva2", "Pas-le-bon-2026!").status_code == 422
    assert account(db, "f.dasilva2")["failures"] == 1


def test_too_many_tries_then_even_the_right_password_waits(francois, db, family, letter):
    for _ in range(lockout.LIMITS.free_failures):
        assert add(francois, "f.dasilva2", "Pas-le-bon-2026!").status_code == 422
    answer = add(francois, "f.dasilva2", letter.temporary_password)
    assert answer.status_code == 422 and alert(answer.text) == lockout.FAILED
    nothing_moved(db, family)


@pytest.fixture
def limited(make_app, seeded, clock):
    return install(make_app(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="3 per minute"), clock)


def test_too_many_tries_from_one_address(limited, family_on_limited):
    client = limited.test_client()
    with client.session_transaction() as session:
        session["account_id"] = family_on_limited["id"]
    for _ in range(3):
        assert add(client, "f.inconnu9", "x").status_code == 422
    answer = add(client, "f.inconnu9", "x")
    assert answer.status_code == 429
    assert texts(answer.text, "h1") == ["Trop de tentatives"]


@pytest.fixture
def family_on_limited(limited, clock):
    with limited.extensions["store"].writing() as tx:
        found = records_of(tx, FRANCOIS_PHONE, "Da Silva", "François")
        return accounts.create_account(
            tx,
            [d["id"] for d in found],
            "François",
            "Da Silva",
            FRANCOIS_PHONE,
            hash_password(PASSWORD),
            "auto-inscription",
            clock.now(),
        )


def test_the_same_account(francois, db, family):
    answer = add(francois, "F.DASILVA1", "n'importe")
    assert answer.status_code == 422
    assert alert(answer.text) == REFUSALS[merge.Refusal.SAME]
    nothing_moved(db, family)


def test_another_persons_account(francois, db, clock, family):
    with db.writing() as tx:
        found = records_of(tx, KARIM_PHONE, "Benali", "Karim")
        karim = accounts.create_account(
            tx,
            [d["id"] for d in found],
            "Karim",
            "Benali",
            KARIM_PHONE,
            hash_password(OTHER_PASSWORD),
            "auto-inscription",
            clock.now(),
        )
    answer = add(francois, karim["identifier"], OTHER_PASSWORD)
    assert answer.status_code == 422
    message = alert(answer.text)
    assert message.startswith("Ce compte appartient à une autre personne : ")
    assert "Karim" not in answer.text and "Benali" not in answer.text.replace(
        karim["identifier"], ""
    )
    nothing_moved(db, family)
    assert account(db, karim["identifier"])["state"] == "actif"
    assert account(db, karim["identifier"])["responsable_ids"] == [d["id"] for d in found]


def test_a_blocked_account(francois, db, family, letter):
    with db.writing() as tx:
        tx.update(ACCOUNTS, letter.account_id, {"state": "bloqué"})
    answer = add(francois, "f.dasilva2", "Pas-le-bon-2026!")
    assert answer.status_code == 422 and alert(answer.text) == lockout.FAILED
    assert account(db, "f.dasilva2")["failures"] == 1
    answer = add(francois, "f.dasilva2", letter.temporary_password)
    assert answer.status_code == 422
    assert alert(answer.text) == REFUSALS[merge.Refusal.BLOCKED]
    nothing_moved(db, family)
    assert account(db, "f.dasilva2")["state"] == "bloqué"


def test_a_blocked_account_signed_in_cannot_take_children(francois, db, family, letter):
    with db.writing() as tx:
        tx.update(ACCOUNTS, family["account"]["id"], {"state": "bloqué"})
    answer = add(francois, "f.dasilva2", letter.temporary_password)
    assert answer.status_code == 422
    assert alert(answer.text) == REFUSALS[merge.Refusal.NOT_OPEN]
    assert account(db, "f.dasilva2")["state"] == "notifié"


def test_an_expired_letter(francois, db, clock, family):
    with db.writing() as tx:
        (old,) = notifications.notify(
            tx, [family["palmistes"]], "secretariat", "courrier", clock.now() - timedelta(days=120)
        )
    answer = add(francois, "f.dasilva2", old.temporary_password)
    assert answer.status_code == 422
    assert alert(answer.text) == REFUSALS[merge.Refusal.EXPIRED]
    nothing_moved(db, family)


def test_a_refusal_as_a_fragment(francois, letter):
    answer = add(francois, "f.dasilva2", "Pas-le-bon-2026!", headers=HTMX)
    assert answer.status_code == 422
    assert "<html" not in answer.text
    assert texts(answer.text, "title") == [
        "Erreur — Ajouter des élèves depuis un autre compte — Téléservices"
    ]
    assert alert(answer.text) == lockout.FAILED
    assert elements(answer.text, "form", id="fusion-form")


# Two merges at once ------------------------------------------------------------------------


def test_two_merges_at_once_never_both_succeed(web, db, clock, family, activated):
    store = web.extensions["store"]
    mine, other = family["account"], activated

    def run(args):
        account_id, identifiant, password = args
        with store.writing() as tx:
            return merge.merge(tx, account_id, identifiant, password, clock.now(), "client")

    crossed = [(mine["id"], "f.dasilva2", OTHER_PASSWORD), (other["id"], "f.dasilva1", PASSWORD)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, crossed))
    assert sorted(result.ok for result in results) == [False, True]
    (done,) = [result for result in results if result.ok]
    kept, closed = account(db, done.account["identifier"]), account(db, done.other["identifier"])
    assert kept["state"] == "actif" and closed["state"] == AccountState.CLOSED
    assert sorted(kept["responsable_ids"]) == sorted([family["concorde"], family["palmistes"]])
    assert closed["responsable_ids"] == []


def test_two_tabs_taking_one_account(web, db, clock, family, activated):
    store = web.extensions["store"]

    def run(_):
        with store.writing() as tx:
            return merge.merge(
                tx, family["account"]["id"], "f.dasilva2", OTHER_PASSWORD, clock.now(), "client"
            )

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(run, range(3)))
    assert sum(result.ok for result in results) == 1


# The same person ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prenom", "other", "same"),
    [
        ("François", "FRANCOIS", True),
        ("Marie-Josée", "marie josée", True),
        ("Nadège", "Marie Nadège", True),
        ("Marie Nadège", "Nadège", True),
        ("Marie", "Marie-Josée", False),
        ("Julien", "Sophie", False),
        ("", "", False),
    ],
)
def test_prenoms(prenom, other, same):
    assert prenoms_match(prenom, other) is same


def test_same_person_on_any_name_of_each_account():
    assert same_person([("Da Silva", "François")], [("DA SILVA", "Francois")])
    assert same_person(
        [("Lefèvre", "Sophie"), ("Lefèvre-D'Almeida", "Sophie")],
        [("LEFEVRE DALMEIDA", "Sophie Marie")],
    )
    assert not same_person([("Da Silva", "François")], [("Silva", "François")])
    assert not same_person([("Lefèvre-D'Almeida", "Sophie")], [("Lefèvre-D'Almeida", "Julien")])


def test_the_sms_fits_with_the_longest_identifiants():
    longest = "a." + "b" * 20 + "99999"
    text = merge_sms(longest, longest.replace("a.", "c."), START)
    assert is_gsm(text) and fits(text, MAX_SEGMENTS)
    assert text.startswith("Téléservices : le compte a.bbbb")
    assert "le 14/09/2026 à 10 h 00" in text
