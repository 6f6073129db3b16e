"""The rules that count hold when requests arrive at once, through real HTTP against gunicorn
(2 processes × 4 threads), on TinyDB and on PostgreSQL: one journey's code tries, one number's SMS
quota (by « Je n'ai pas encore d'identifiant » and by « Identifiant oublié ? »), one family's
birth-date failures, the identifiers given, and a journey started on one server and finished on
another."""

from __future__ import annotations

import json
import re
import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest

from e2e.parents import add_roster_lines, create_parent
from e2e.servers import start_app
from rules import birthdates
from tests import backends
from tests.conftest import CHEAP_HASH_COST
from tests.http_client import Client, last_code, sms_sent

PARALLEL = 20
# The servers hash passwords at the tests' cheap cost (PASSWORD_HASH_COST needs TESTING): at the
# production cost twenty passwords made most of the suite's longest test, and that cost is
# proved by tests/test_settings.py. What races here is the identifiers' allocation, whatever
# the hash costs: the twenty requests still arrive at once on 2 processes × 4 threads.
CHEAP_HASHES = {"TESTING": "true", "PASSWORD_HASH_COST": json.dumps(CHEAP_HASH_COST)}
BIRTH_DATE = "12/05/2015"


def family(number: int, nom: str = "Rivière", prenom: str = "Paul") -> tuple[str, str]:
    """A roster line of its own (pupil and parent), and the parent's mobile as E.164."""
    mobile = f"06 11 22 {number // 100:02d} {number % 100:02d}"
    line = (
        f"0691234A;Collège Concorde;0691700{number:03d}A;{nom};Léo;{BIRTH_DATE};6e;6eC;"
        f"M.;{nom};{prenom};père;{mobile};"
    )
    return line, "+33" + mobile.replace(" ", "")[1:]


@pytest.fixture(scope="module")
def database(tmp_path_factory, worker_id, engine):
    yield from backends.server_database(
        engine, tmp_path_factory.mktemp("races"), f"races_{worker_id}"
    )


@pytest.fixture(scope="module")
def servers(tmp_path_factory, database):
    """Two servers, each of 2 processes, sharing one database and one secret key."""
    folder = tmp_path_factory.mktemp("servers")
    shared = {"DATABASE": database, "SECRET_KEY": secrets.token_hex(32), **CHEAP_HASHES}
    first = start_app(folder / "first", **shared)
    second = start_app(folder / "second", **shared)
    yield first, second
    first.stop()
    second.stop()


@pytest.fixture(scope="module")
def server(servers):
    return servers[0]


def at_once(calls) -> list:
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(lambda call: call(), calls))


def start_registration(server, number: int, **names) -> tuple[Client, str, str]:
    """A parent of a new family at the code step; the client, the mobile and the pupil's INE."""
    line, mobile = family(number, **names)
    add_roster_lines(server, [line])
    return register(server, line, mobile)


def register(server, line: str, mobile: str) -> tuple[Client, str, str]:
    """The parent of this imported roster line at the code step."""
    parent = Client(server.url)
    parent.form("/inscription")
    nom, prenom = line.split(";")[9:11]
    status, _ = parent.post("/inscription", nom=nom, prenom=prenom, telephone=mobile)
    assert status == 303
    return parent, mobile, line.split(";")[2]


def sharing(parent: Client, server) -> Client:
    """Another connection of the same browser: the same session cookie."""
    other = Client(server.url)
    parent.copy_cookies_to(other)
    other.csrf = parent.csrf
    return other


def to_children_step(server, number: int, **names) -> tuple[Client, str, str]:
    return past_code(server, *start_registration(server, number, **names))


def past_code(server, parent: Client, mobile: str, ine: str) -> tuple[Client, str, str]:
    status, _ = parent.post("/inscription/code", code=last_code(server.url, mobile))
    assert status == 303
    return parent, mobile, ine


def birth_date_fields(ine: str, typed: str = BIRTH_DATE) -> dict:
    jour, mois, annee = typed.split("/")
    return {f"jour-{ine}": jour, f"mois-{ine}": mois, f"annee-{ine}": annee}


def test_sixteen_guesses_at_once_count_three_tries_and_kill_the_code(server):
    parent, mobile, _ = start_registration(server, 1)
    right = last_code(server.url, mobile)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    guesses = [sharing(parent, server) for _ in range(16)]
    answers = at_once(
        [lambda guess=guess: guess.post("/inscription/code", code=wrong) for guess in guesses]
    )
    assert {status for status, _ in answers} == {422}
    counted = [text for _, text in answers if "Le code saisi est incorrect" in text]
    dead = [text for _, text in answers if "plus valable" in text]
    assert (len(counted), len(dead)) == (2, 14)
    status, text = parent.post("/inscription/code", code=right)
    assert status == 422 and "plus valable" in text


def test_twenty_first_steps_at_once_for_one_number_send_five_sms(server):
    line, mobile = family(2)
    add_roster_lines(server, [line])
    nom, prenom = line.split(";")[9:11]
    parents = [Client(server.url) for _ in range(PARALLEL)]
    for parent in parents:
        parent.form("/inscription")
    answers = at_once(
        [
            lambda parent=parent: parent.post(
                "/inscription", nom=nom, prenom=prenom, telephone=mobile
            )
            for parent in parents
        ]
    )
    assert sorted(status for status, _ in answers) == [303] * 5 + [422] * 15
    assert len(sms_sent(server.url, mobile)) == 5


def test_twenty_forgotten_identifiers_at_once_for_one_number_send_five_sms(server):
    line, mobile = family(5)
    add_roster_lines(server, [line])
    nom, prenom = line.split(";")[9:11]
    create_parent(server, nom, prenom, mobile)
    parents = [Client(server.url) for _ in range(PARALLEL)]
    for parent in parents:
        parent.form("/identifiant-oublie")
    answers = at_once(
        [
            lambda parent=parent: parent.post("/identifiant-oublie", contact=mobile)
            for parent in parents
        ]
    )
    # One answer for all, whatever was sent; the number's daily quota counted once per SMS.
    assert {status for status, _ in answers} == {200}
    assert all("Si un compte correspond" in text for _, text in answers)
    assert len(sms_sent(server.url, mobile)) == 5


def test_forty_wrong_birth_dates_at_once_count_three_then_block(server):
    parent, _, ine = to_children_step(server, 3)
    tries = [sharing(parent, server) for _ in range(40)]
    wrong = birth_date_fields(ine, "13/05/2015")
    answers = at_once([lambda one=one: one.post("/inscription/enfants", **wrong) for one in tries])
    assert {status for status, _ in answers} == {422}
    blocked = birthdates.BLOCKED.split("{")[0].replace("'", "&#39;")
    assert sum(blocked not in text for _, text in answers) == 2
    status, text = parent.post("/inscription/enfants", **birth_date_fields(ine))
    assert status == 422 and blocked in text


def test_twenty_registrations_at_once_get_twenty_identifiers(server):
    # One roster import for the twenty families: a `flask roster import` process each took most
    # of the test's time, and the race is the passwords' step below, not the import.
    families = [family(100 + n, nom="Durand", prenom="Paule") for n in range(20)]
    add_roster_lines(server, [line for line, _ in families])
    parents = [past_code(server, *register(server, *one)) for one in families]
    for parent, _, ine in parents:
        status, _ = parent.post("/inscription/enfants", **birth_date_fields(ine))
        assert status == 303
    password = "Cartable-Vert-2026!"
    answers = at_once(
        [
            lambda parent=parent: parent.post(
                "/inscription/mot-de-passe", mot_de_passe=password, confirmation=password
            )
            for parent, _, _ in parents
        ]
    )
    assert [status for status, _ in answers] == [303] * 20
    identifiers = {
        re.search(r"identifiant est (\S+)\.", sms_sent(server.url, mobile)[0]).group(1)
        for _, mobile, _ in parents
    }
    assert identifiers == {f"p.durand{n}" for n in range(1, 21)}


def test_a_journey_started_on_one_server_finishes_on_the_other(servers):
    first, second = servers
    parent, mobile, ine = start_registration(first, 4)
    elsewhere = sharing(parent, second)
    status, _ = elsewhere.post("/inscription/code", code=last_code(first.url, mobile))
    assert status == 303
    status, _ = parent.post("/inscription/enfants", **birth_date_fields(ine))
    assert status == 303
    status, text = elsewhere.get("/inscription/mot-de-passe")
    assert status == 200 and "Votre mot de passe" in text
