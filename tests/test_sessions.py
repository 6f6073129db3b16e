"""Sessions held server-side (records/sessions.py, views/sessions.py): the cookie carries only a
signed random id; signing out ends the session everywhere at once; the server ends a session 30
idle minutes after its last request and 12 hours after it began; a new id at every sign-in."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from itsdangerous import Signer

from outside.storage import StorageError
from records import sessions
from records.sessions import Lifetimes, digest_of
from settings import StartRefused
from tests.backends import database_text
from tests.fake_clock import install
from tests.markup import csrf_token, elements, redirects_to
from tests.parents import PASSWORD, signed_in_parent
from tests.staff import PASSWORD as STAFF_PASSWORD
from tests.staff import signed_in_staff
from views.sessions import current_digest

SOPHIE = ("Lefèvre-D'Almeida", "Sophie", "+33612345678")
SOPHIE_ID = "s.lefevredalmeida1"
SERVICES = "/mes-services"
LIVES = Lifetimes(idle=30 * 60, absolute=12 * 3600)


@pytest.fixture
def sophie(web):
    return signed_in_parent(web, *SOPHIE)


@pytest.fixture
def writes(db, monkeypatch):
    """The write transactions the store opens from now on (the request's unit of work's and
    the session's own)."""
    return _counted(db, monkeypatch, "_write")


@pytest.fixture
def reads(db, monkeypatch):
    return _counted(db, monkeypatch, "_read")


def _counted(store, monkeypatch, method: str) -> list:
    opened = []
    original = getattr(store, method)

    def counting(**options):
        opened.append(method)
        return original(**options)

    monkeypatch.setattr(store, method, counting)
    return opened


def cookie(client) -> str | None:
    found = client.get_cookie("session")
    return found.value if found else None


def with_cookie(web, value: str):
    """Another browser, holding a copy of a session cookie."""
    other = web.test_client()
    other.set_cookie("session", value)
    return other


def session_id(app, value: str) -> str:
    signer = Signer(
        app.secret_key, salt="server-session", key_derivation="hmac", digest_method=hashlib.sha256
    )
    return signer.unsign(value).decode()


def rows(store, **key) -> list[dict]:
    with store.reading() as tx:
        return tx.find("sessions", **key)


def set_cookies(response) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]


def max_age(response) -> int:
    (header,) = set_cookies(response)
    return int(re.search(r"Max-Age=(\d+)", header).group(1))


# What the browser holds ----------------------------------------------------------------------


def test_the_cookie_holds_only_a_signed_random_id(web, db, sophie):
    value = cookie(sophie)
    identifier = session_id(web, value)  # raises if not signed with the app's key
    assert value == f"{identifier}.{value.rsplit('.', 1)[1]}"
    # Nothing but 32 random bytes and their 32-byte signature, in base64.
    parts = value.split(".")
    assert [re.fullmatch(r"[A-Za-z0-9_-]{43}", part) is not None for part in parts] == [True] * 2
    assert [len(base64.urlsafe_b64decode(part + "=")) for part in parts] == [32, 32]
    # The records know the session by the digest of its id only.
    (row,) = rows(db, account_id=sophie.account["id"])
    assert row["digest"] == hashlib.sha256(identifier.encode()).hexdigest()
    assert row["data"] == {"account_id": sophie.account["id"]}
    assert identifier not in database_text(db)


def test_the_session_cookie_keeps_its_attributes(web, sophie):
    (header,) = set_cookies(sophie.get(SERVICES))
    attributes = [part.strip().lower() for part in header.split(";")[1:]]
    assert {"httponly", "secure", "samesite=lax", "path=/", "max-age=1800"} <= set(attributes)


@pytest.mark.parametrize(
    "value", ["n-importe-quoi", "a.b.c", "", "compte=1"], ids=["junk", "dots", "empty", "clear"]
)
def test_a_bad_cookie_opens_a_new_empty_session(web, db, value):
    client = with_cookie(web, value)
    page = client.get("/connexion")
    assert page.status_code == 200
    new = cookie(client)
    assert new and new != value
    with client.session_transaction() as session:
        assert set(session) == {"csrf_token"}


def test_an_id_signed_with_another_key_or_unknown_opens_nothing(web, db, sophie):
    identifier = session_id(web, cookie(sophie))
    forged = Signer(
        "une-autre-cle-secrete-de-32-caracteres!",
        salt="server-session",
        key_derivation="hmac",
        digest_method=hashlib.sha256,
    ).sign(identifier)
    assert redirects_to(with_cookie(web, forged.decode()).get(SERVICES), "/connexion")
    unknown = Signer(
        web.secret_key,
        salt="server-session",
        key_derivation="hmac",
        digest_method=hashlib.sha256,
    ).sign("x" * 43)
    assert redirects_to(with_cookie(web, unknown.decode()).get(SERVICES), "/connexion")
    assert sophie.get(SERVICES).status_code == 200


# Signing out ends the session, in every browser holding it ----------------------------------


def test_a_parent_cookie_copied_before_sign_out_is_refused_after_it(web, db, sophie):
    copied = cookie(sophie)
    other = with_cookie(web, copied)
    assert other.get(SERVICES).status_code == 200  # a copy works while the session lives

    assert redirects_to(sophie.post("/deconnexion"), "/connexion")
    assert redirects_to(other.get(SERVICES), "/connexion")
    assert redirects_to(with_cookie(web, copied).get(SERVICES), "/connexion")
    assert redirects_to(sophie.get(SERVICES), "/connexion")
    assert rows(db, account_id=sophie.account["id"]) == []
    assert cookie(sophie) != copied


def test_the_franceconnect_logout_callback_ends_the_session(web, db, sophie):
    with sophie.session_transaction() as session:
        session["franceconnect_logout_state"] = "etat-attendu"
    copied = cookie(sophie)

    answer = sophie.get("/franceconnect/logout-callback?state=etat-attendu")
    assert redirects_to(answer, "/connexion")
    assert redirects_to(with_cookie(web, copied).get(SERVICES), "/connexion")
    assert rows(db, account_id=sophie.account["id"]) == []


def test_a_staff_cookie_copied_before_sign_out_is_refused_after_it(web, db, clock):
    staff = signed_in_staff(web, db, clock, "secretariat.concorde")
    copied = cookie(staff)
    other = with_cookie(web, copied)
    assert other.get("/admin").status_code == 200

    assert redirects_to(staff.post("/admin/deconnexion"), "/admin/connexion")
    assert redirects_to(other.get("/admin"), "/admin/connexion")
    assert redirects_to(staff.get("/admin"), "/admin/connexion")
    assert [row for row in _all_rows(db) if row["staff_id"] is not None] == []


def test_a_staff_cookie_copied_before_a_new_password_is_refused_after_it(web, db, clock):
    staff = signed_in_staff(web, db, clock, "secretariat.concorde")
    other = with_cookie(web, cookie(staff))
    assert other.get("/admin").status_code == 200

    result = web.test_cli_runner().invoke(
        args=["staff", "password", "secretariat.concorde", "--password-stdin"],
        input="Nouveau-Bureau-2026?\n",
    )
    assert result.output.endswith("sessions ouvertes fermées : 1.\n")
    assert redirects_to(other.get("/admin"), "/admin/connexion")
    assert redirects_to(staff.get("/admin"), "/admin/connexion")


def _all_rows(store) -> list[dict]:
    with store.reading() as tx:
        return list(tx.scan("sessions"))


# Revoking every session of a person ----------------------------------------------------------


def test_end_all_revokes_every_session_of_an_account_but_the_one_kept(web, db, sophie):
    laptop = web.test_client()
    with laptop.session_transaction() as session:
        session["account_id"] = sophie.account["id"]
    phone = with_cookie(web, cookie(laptop))  # a third browser, with the laptop's cookie copied
    assert laptop.get(SERVICES).status_code == 200 and phone.get(SERVICES).status_code == 200
    assert len(rows(db, account_id=sophie.account["id"])) == 2

    kept = digest_of(session_id(web, cookie(sophie)))
    with db.writing() as tx:
        assert sessions.end_all(tx, account_id=sophie.account["id"], keep_digest=kept) == 1

    assert sophie.get(SERVICES).status_code == 200
    assert redirects_to(laptop.get(SERVICES), "/connexion")
    assert redirects_to(phone.get(SERVICES), "/connexion")
    assert [row["digest"] for row in rows(db, account_id=sophie.account["id"])] == [kept]

    with db.writing() as tx:
        assert sessions.end_all(tx, account_id=sophie.account["id"]) == 1
    assert redirects_to(sophie.get(SERVICES), "/connexion")


def test_end_all_revokes_every_session_of_a_staff_member(web, db, clock):
    desk = signed_in_staff(web, db, clock, "secretariat.concorde")
    (row,) = [row for row in _all_rows(db) if row["staff_id"]]
    with db.writing() as tx:
        assert sessions.end_all(tx, staff_id=row["staff_id"]) == 1
    assert redirects_to(desk.get("/admin"), "/admin/connexion")


def test_end_all_needs_someone(new_store):
    with new_store.writing() as tx, pytest.raises(ValueError):
        sessions.end_all(tx)


# The server ends sessions --------------------------------------------------------------------


def test_a_session_ends_after_30_idle_minutes(web, db, sophie, clock):
    assert sophie.get(SERVICES).status_code == 200
    clock.advance(minutes=29)
    assert sophie.get(SERVICES).status_code == 200  # seen again: 30 more minutes
    clock.advance(minutes=29)
    assert sophie.get(SERVICES).status_code == 200
    copied = cookie(sophie)
    clock.advance(minutes=30)
    # The browser would have dropped its cookie; a copy of it opens nothing either.
    assert redirects_to(with_cookie(web, copied).get(SERVICES), "/connexion")
    assert redirects_to(sophie.get(SERVICES), "/connexion")


def test_a_session_ends_12_hours_after_it_began_however_busy(web, sophie, clock):
    for _ in range(35):
        assert sophie.get(SERVICES).status_code == 200
        clock.advance(minutes=20)
    # 11 h 40 in: the cookie lives only until the twelfth hour, not 30 more minutes.
    assert max_age(sophie.get(SERVICES)) == 20 * 60
    clock.advance(minutes=20)
    assert redirects_to(sophie.get(SERVICES), "/connexion")


def test_the_absolute_lifetime_is_a_setting(make_app, clock):
    app = install(make_app(SESSION_ABSOLUTE_LIFETIME=3600), clock)
    client = app.test_client()
    with client.session_transaction() as session:
        session["marque"] = "une heure"
    for _ in range(2):
        clock.advance(minutes=29)
        with client.session_transaction() as session:  # seen: 30 more idle minutes
            assert session.get("marque") == "une heure"
    clock.advance(minutes=2)
    with client.session_transaction() as session:
        assert "marque" not in session


@pytest.mark.parametrize("value", ["douze heures", 0, -5, "12.5"])
def test_a_wrong_absolute_lifetime_stops_the_start(make_app, value):
    with pytest.raises(StartRefused):
        make_app(SESSION_ABSOLUTE_LIFETIME=value)


# A new id at every sign-in -------------------------------------------------------------------


def test_a_visitor_reading_the_login_page_writes_nothing_and_signs_in(guarded, monkeypatch):
    store = guarded.extensions["store"]
    signed_in_parent(guarded, *SOPHIE)
    writes = _counted(store, monkeypatch, "_write")
    visitor = guarded.test_client()
    page = visitor.get("/connexion")
    again = visitor.get("/connexion")
    assert writes == []
    assert len(_all_rows(store)) == 1  # Sophie's only
    # The browser holds an id, and the token of its form is the same on every page (signed
    # with the second it was written in: only the token itself is compared).
    assert cookie(visitor) is not None
    assert csrf_token(page.text).rsplit(".", 2)[0] == csrf_token(again.text).rsplit(".", 2)[0]
    answer = visitor.post(
        "/connexion",
        data={
            "identifiant": SOPHIE_ID,
            "mot_de_passe": PASSWORD,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert redirects_to(answer, SERVICES)
    assert writes  # the sign-in is the first record of this browser's session


def test_a_visitor_s_csrf_token_is_bound_to_its_cookie(guarded):
    first, second = guarded.test_client(), guarded.test_client()
    token = csrf_token(first.get("/connexion").text)
    second.get("/connexion")
    answer = second.post(
        "/connexion", data={"identifiant": SOPHIE_ID, "mot_de_passe": "x", "csrf_token": token}
    )
    assert answer.status_code == 400
    assert "session a expiré" in answer.text


def test_a_page_without_a_form_sets_no_cookie(guarded):
    answer = guarded.test_client().get("/")
    assert set_cookies(answer) == []


def test_a_post_writes_its_session_in_its_own_unit_of_work(web, db, sophie, writes):
    sophie.post("/deconnexion")
    assert writes == ["_write"]  # one transaction: the sign-out and the session's end


def test_signing_in_gives_a_new_id_and_ends_the_one_before(web, db, sophie):
    client = web.test_client()
    client.get("/connexion")
    before = cookie(client)
    assert len(_all_rows(db)) == 1  # Sophie's: showing the login page writes no record

    answer = client.post("/connexion", data={"identifiant": SOPHIE_ID, "mot_de_passe": PASSWORD})
    assert redirects_to(answer, SERVICES)
    assert cookie(client) != before
    assert client.get(SERVICES).status_code == 200
    # The id known before signing in (planted by someone else, say) opens nothing.
    assert redirects_to(with_cookie(web, before).get(SERVICES), "/connexion")
    assert not any(row["digest"] == digest_of(session_id(web, before)) for row in _all_rows(db))


def test_a_staff_sign_in_gives_a_new_id(web, db, clock):
    client = web.test_client()
    with client.session_transaction() as session:
        session["account_id"] = 1  # a parent's session on the same browser
    before = cookie(client)
    staff = signed_in_staff(web, db, clock, "secretariat.concorde")
    answer = client.post(
        "/admin/connexion",
        data={"identifiant": "secretariat.concorde", "mot_de_passe": STAFF_PASSWORD},
    )
    assert redirects_to(answer, "/admin")
    assert cookie(client) not in (before, cookie(staff))
    with client.session_transaction() as session:
        assert set(session) == {"staff_id"}
    assert redirects_to(with_cookie(web, before).get("/admin"), "/admin/connexion")


def test_an_identity_set_without_clearing_still_gets_a_new_id(web, db):
    client = web.test_client()
    client.get("/connexion")
    before = cookie(client)
    with client.session_transaction() as session:
        session["account_id"] = 7
    assert cookie(client) != before
    assert [row["account_id"] for row in _all_rows(db)] == [7]


def test_a_session_emptied_is_deleted_with_its_cookie(web, db, sophie):
    with sophie.session_transaction() as session:
        session.clear()
    assert cookie(sophie) is None
    assert _all_rows(db) == []


# What is written, and when -------------------------------------------------------------------


def test_a_get_within_a_minute_of_the_last_writes_nothing(web, db, sophie, clock, writes):
    assert sophie.get(SERVICES).status_code == 200  # its CSRF token is kept: one write
    assert len(writes) == 1
    (row,) = rows(db, account_id=sophie.account["id"])

    clock.advance(seconds=30)
    assert sophie.get(SERVICES).status_code == 200
    clock.advance(seconds=29)
    assert sophie.get(SERVICES).status_code == 200
    assert len(writes) == 1
    assert rows(db, account_id=sophie.account["id"]) == [row]

    clock.advance(seconds=1)  # a minute since the last recorded request
    assert sophie.get(SERVICES).status_code == 200
    assert len(writes) == 2
    (touched,) = rows(db, account_id=sophie.account["id"])
    assert touched["last_seen_ts"] == row["last_seen_ts"] + 60
    assert touched["data"] == row["data"]


def test_static_files_never_read_nor_carry_the_session(web, sophie, reads, writes):
    html = sophie.get(SERVICES).text
    url = next(e["href"] for e in elements(html, "link", rel="stylesheet"))
    reads.clear()
    writes.clear()
    response = sophie.get(url)
    assert response.status_code == 200
    assert response.headers.getlist("Set-Cookie") == []
    assert "Cookie" not in response.headers.get("Vary", "")
    assert reads == [] and writes == []


def test_pages_vary_on_the_cookie(sophie):
    assert "Cookie" in sophie.get(SERVICES).headers["Vary"]


def test_a_session_ended_meanwhile_is_never_written_back(web, db, sophie):
    copied = cookie(sophie)
    with sophie.session_transaction() as session:
        # Signed out in another browser while this request runs.
        with db.writing() as tx:
            sessions.end_all(tx, account_id=sophie.account["id"])
        session["parcours"] = "un-parcours"
    assert cookie(sophie) is None
    assert _all_rows(db) == []
    assert redirects_to(with_cookie(web, copied).get(SERVICES), "/connexion")


def test_the_session_joins_a_write_unit_still_open(web, db):
    client = web.test_client()
    with db.writing() as tx:
        with client.session_transaction() as session:
            session["marque"] = "dans la transaction"
        # Saved with the transaction it joined, seen inside it.
        assert [row["data"]["marque"] for row in tx.find("sessions", account_id=None)] == [
            "dans la transaction"
        ]
    with client.session_transaction() as session:
        assert session["marque"] == "dans la transaction"


def test_the_session_is_written_beside_a_read_unit_still_open(web, db):
    client = web.test_client()
    with db.reading(), client.session_transaction() as session:
        session["marque"] = "à côté"
    with client.session_transaction() as session:
        assert session["marque"] == "à côté"


def test_unreadable_records_answer_503_and_keep_the_cookie(web, sophie, monkeypatch):
    def unavailable(*args):
        raise StorageError("la base ne répond pas")

    monkeypatch.setattr(sessions, "load", unavailable)
    answer = sophie.get(SERVICES)
    assert answer.status_code == 503
    assert set_cookies(answer) == []
    monkeypatch.undo()
    assert sophie.get(SERVICES).status_code == 200


# The records -----------------------------------------------------------------------------------


def test_records_end_at_the_first_of_idle_and_absolute(new_store):
    with new_store.writing() as tx:
        row = sessions.create(tx, "d1", {"account_id": 3}, 1000.0, LIVES)
        assert (row["account_id"], row["staff_id"]) == (3, None)
        assert row["ends_ts"] == 1000.0 + 30 * 60
        assert sessions.touch(tx, "d1", 2700.0, LIVES)["ends_ts"] == 2700.0 + 30 * 60
    short = Lifetimes(idle=30 * 60, absolute=50 * 60)
    with new_store.writing() as tx:
        sessions.create(tx, "d2", {"account_id": 3}, 1000.0, short)
        assert sessions.touch(tx, "d2", 2500.0, short)["ends_ts"] == 1000.0 + 50 * 60
    with new_store.reading() as tx:
        assert sessions.load(tx, "d2", 3999.0)["data"] == {"account_id": 3}
        assert sessions.load(tx, "d2", 4000.0) is None
    with new_store.writing() as tx:
        assert sessions.save(tx, "d2", {}, 4000.0, short) is None
        assert sessions.touch(tx, "d2", 4000.0, short) is None


def test_records_follow_the_identity_and_are_purged_once_ended(new_store):
    with new_store.writing() as tx:
        sessions.create(tx, "d2", {"staff_id": 5}, 1000.0, LIVES)
        saved = sessions.save(tx, "d2", {"staff_id": 5, "x": 1}, 1100.0, LIVES)
    assert (saved["account_id"], saved["staff_id"], saved["created_ts"]) == (None, 5, 1000.0)
    with new_store.reading() as tx:
        (row,) = tx.find("sessions", staff_id=5)
    # Never purged before its end, on the service's clock or on the real one.
    assert row["expires_ts"] >= row["ends_ts"]
    with new_store.writing() as tx:
        assert tx.purge_expired("sessions", row["expires_ts"] - 1) == 0
        assert tx.purge_expired("sessions", row["expires_ts"] + 1) == 1
        sessions.delete(tx, "d2")  # already gone: nothing to do


def test_a_view_knows_its_own_digest_to_keep_it(web, db, sophie):
    """What a view passes to `end_all(keep_digest=…)` (« déconnecter les autres appareils »)."""
    laptop = web.test_client()
    with laptop.session_transaction() as session:
        session["account_id"] = sophie.account["id"]
    value = cookie(sophie)
    with web.test_request_context("/", headers={"Cookie": f"session={value}"}):
        kept = current_digest()
    assert kept == digest_of(session_id(web, value))
    with web.test_request_context("/"):
        assert current_digest() is None  # a new session, not written yet
    with db.writing() as tx:
        assert sessions.end_all(tx, account_id=sophie.account["id"], keep_digest=kept) == 1
    assert sophie.get(SERVICES).status_code == 200
    assert redirects_to(laptop.get(SERVICES), "/connexion")


def test_a_request_with_a_replaced_cookie_leaves_the_browser_s_cookie_alone(web, sophie):
    """A request sent with the cookie a sign-in (answered a moment before) replaced must not
    delete, in the browser, the cookie that sign-in just set: only a session the request ends
    loses its cookie."""
    replaced = cookie(sophie)
    assert redirects_to(sophie.post("/deconnexion"), "/connexion")
    late = with_cookie(web, replaced).get("/mes-services")
    assert redirects_to(late, "/connexion")
    assert set_cookies(late) == []


def test_a_request_that_only_read_its_session_sends_no_cookie(sophie):
    """A request that began before a sign-in and ends after it (the password rules checked as
    the parent types) would otherwise hand the browser back the id the sign-in replaced."""
    first = sophie.get("/mes-services")
    assert first.status_code == 200
    again = sophie.get("/mes-services")
    assert again.status_code == 200
    assert set_cookies(again) == []
