"""Every route of the service against malformed requests (issue 13): anonymous, as a signed-in
parent and as a signed-in staff member, each route of the url_map (GET and POST) with its
parameters filled with real and absurd values; bodies and query strings of very long strings,
NUL, control characters, invalid UTF-8, repeated and missing fields; every combination of the
htmx headers. No answer may be a 5xx (none of these inputs reaches the tax sandbox's « down »
numbers, whose 503 is the one a 5xx is for).

Deterministic: the same cases at every run, a few per route and user, chosen so that each
route meets each of the 32 combinations of htmx headers once across the three users."""

from __future__ import annotations

import functools
import io
import itertools
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder
from wtforms.fields.core import UnboundField

from records.sessions import SESSIONS
from records.staff import create_staff
from tests import backends
from tests.htmx_client import HTMX
from tests.staff import PASSWORD
from tests.test_admin_bourse import submitted

ROOT = Path(__file__).resolve().parent.parent
CONCORDE = "0691234A"

HTMX_HEADERS = {
    **HTMX,
    "HX-Target": "resultats",
    "HX-Trigger": "recherche",
    "HX-Boosted": "true",
    "HX-Current-URL": "http://localhost/admin/responsables?q=x",
}
COMBINATIONS = [
    {name: HTMX_HEADERS[name] for name in chosen}
    for size in range(len(HTMX_HEADERS) + 1)
    for chosen in itertools.combinations(HTMX_HEADERS, size)
]
USERS = ["anonyme", "parent", "personnel"]
OWN_PAGES = {"parent": "/mes-services", "personnel": "/admin/journal"}  # signed in only
CASES_PER_USER = -(-len(COMBINATIONS) // len(USERS))  # 11: 33 cases meet the 32 combinations

LONG = "x" * 1800 + "é" * 200
TEXTS = [
    "",
    LONG,
    "a\x00b",
    "\x01\x02\x1b[31m\x7f\x85",
    "\u202e\ufeff\u200b ",
    "<script>alert(1)</script>",
    "-1",
    "99999999999999999999999",
    "2026-02-31",
    "../../etc/passwd",
    "'); DROP TABLE comptes; --",
]
# Bytes that are no UTF-8: percent-escaped (as a browser would send them), and raw.
ESCAPED_BAD_BYTES = b"%FF%FE%C3%28%ED%A0%80"
RAW_BAD_BYTES = b"\xff\xfe\xc3\x28"
ABSURD_SEGMENTS = ["x", "x" * 3000, "%00", "%FF%FE", "%0A%0D", "..%2F..%2Fetc", "é", "-1", "0"]
ABSURD_NUMBERS = ["0", "99999999999999999999", str(2**63), "007"]
QUERY_NAMES = ["q", "page", "etat", "classe", "echelon", "pieces", "state", "code", "error"]
URL_FOR_TRAPS = [("_method", "POST"), ("_external", "1"), ("_scheme", "ftp"), ("_anchor", "x")]


def field_names() -> list[str]:
    """Every field name the service reads: the forms' fields, the names the views read from a
    request, the names the templates give their inputs."""
    names = set()
    forms = list(FlaskForm.__subclasses__())
    while forms:
        form = forms.pop()
        forms += form.__subclasses__()
        names.update(name for name in dir(form) if isinstance(getattr(form, name), UnboundField))
    read = re.compile(r'request\.(?:form|args|files)\.(?:get|getlist)\(\s*"([^"]+)"')
    for source in (ROOT / "views").glob("*.py"):
        names.update(read.findall(source.read_text()))
    for template in (ROOT / "templates").rglob("*.html"):
        names.update(re.findall(r'\bname="([a-z_][\w-]*)"', template.read_text()))
    return sorted(names - {"csrf_token"})


FIELDS = field_names()


def pairs(kind: int, names: list[str], case: int) -> list[tuple[str, str]] | bytes | None:
    """The fields of a body or a query string of the given kind."""
    text = TEXTS[case % len(TEXTS)]
    if kind == 0:  # missing: nothing at all
        return None
    if kind == 1:  # each field once
        return [(name, text) for name in names]
    if kind == 2:  # each field twice, with different values
        other = TEXTS[(case + 1) % len(TEXTS)]
        return [(name, value) for name in names for value in (text, other)]
    if kind == 3:  # invalid UTF-8, escaped or raw by turns
        bad = ESCAPED_BAD_BYTES if case % 2 else ESCAPED_BAD_BYTES + RAW_BAD_BYTES
        return b"&".join(name.encode() + b"=" + bad for name in names)
    return [(name, LONG) for name in names[: len(names) // 2]] + URL_FOR_TRAPS  # half missing


KINDS = 5


@pytest.fixture
def world(web, db, clock):
    """The demo roster with a request sent for Léa by her mother and a direction account: the
    session of each user, and real values for each kind of route parameter."""
    request = submitted(db, clock, "Léa")
    with db.writing() as tx:
        staff = create_staff(tx, "direction.fuzz", PASSWORD, CONCORDE, "direction", clock.now())
    with db.reading() as tx:
        responsables = [doc["id"] for doc in tx.find("responsables", uai=CONCORDE)]
        eleves = [doc["ine"] for doc in tx.scan("eleves")]
    world = {
        "sessions": {
            "anonyme": {},
            "parent": {"account_id": request["account_id"]},  # as tests/parents.py signs in
            "personnel": {"staff_id": staff["id"]},
        },
        "values": {
            "numero": [request["number"], f"{CONCORDE}-2026-99999"],
            "ine": [request["ine"], *eleves[:2]],
            "responsable_id": [str(min(responsables))],
            "index": ["1"],
            "service": ["fiche", "bourse"],
            "token": ["jeton"],
            "digest": ["0" * 12],
            "filename": ["app/app.css"],
        },
    }
    # Each session opens its own pages: the cases below are really sent as that user.
    for user, page in OWN_PAGES.items():
        assert client_of(web, world, user).get(page).status_code == 200
    return world


def client_of(web, world: dict, user: str):
    client = web.test_client()
    with client.session_transaction() as session:
        session.update(world["sessions"][user])
    return client


class StartingSession:
    """Each case starts from the user's session as the world left it, and meets no session of
    the cases before it (which no request of its own could reach): a case may sign out, sign
    in again or change what its session holds. Before each case the sessions table is put back
    as it was, in one write, and a new client carries the session's cookie. (A session signed
    in for each case, as before, cost a request and a write more per case; and kept, those
    sessions grew the TinyDB file to ~1,600 of them, each request slower than the one before.)"""

    def __init__(self, app, world: dict, user: str):
        self.app = app
        signed_in = client_of(app, world, user)
        self.cookie = signed_in.get_cookie(app.config["SESSION_COOKIE_NAME"])
        self.put_back = backends.keeper(app.extensions["store"], SESSIONS)

    def client(self):
        self.put_back()
        client = self.app.test_client()
        if self.cookie is not None:
            client.set_cookie(self.cookie.key, self.cookie.value, domain=self.cookie.domain)
        return client


def routes(app) -> list[tuple[object, str]]:
    return sorted(
        (
            (rule, method)
            for rule in app.url_map.iter_rules()
            for method in ("GET", "POST")
            if method in rule.methods
        ),
        key=lambda found: (found[0].rule, found[1]),
    )


def path_of(rule, values: dict, case: int) -> str:
    """The rule's address, each parameter a real value or an absurd one by turns."""
    filled = {}
    # Werkzeug keeps a rule's converters (an `any`'s choices among them) in `_converters`.
    for position, (name, converter) in enumerate(rule._converters.items()):
        choices = list(getattr(converter, "items", ())) or values.get(name, ["x"])
        if type(converter).__name__ in ("IntegerConverter", "FloatConverter"):
            absurd = ABSURD_NUMBERS
        else:
            absurd = ABSURD_SEGMENTS
        candidates = [*choices, *absurd]
        filled[name] = candidates[(case + position) % len(candidates)]
    path = rule.rule
    for name, value in filled.items():
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", value, path)
    return path


def send(client, method: str, path: str, kind: int, case: int, headers: dict):
    if method == "GET":
        environ = {"QUERY_STRING": query_string(kind, case)}
        return client.get(path, environ_overrides=environ, headers=headers)
    body, content_type = post_body(kind, case)
    return client.post(path, data=body, content_type=content_type, headers=headers)


# A case's query string and body depend on its kind and number only, not on the route: each is
# encoded once rather than at each of the ~300 routes × 3 users (urllib's per-character quoting
# of the long texts was a third of these tests' time). The bytes sent are the same.


@functools.cache
def query_string(kind: int, case: int) -> str:
    fields = pairs(kind, QUERY_NAMES, case)
    query = fields if isinstance(fields, bytes) else urlencode(fields or []).encode()
    # The query string as the server gets it: bytes, latin-1 decoded (PEP 3333).
    return query.decode("latin-1")


@functools.cache
def post_body(kind: int, case: int) -> tuple[bytes | None, str | None]:
    """The body and its content type, as werkzeug's test client writes them for these fields."""
    fields = pairs(kind, FIELDS, case)
    if isinstance(fields, bytes):
        return fields, "application/x-www-form-urlencoded"
    builder = EnvironBuilder(method="POST", data=MultiDict(fields or []))
    return builder.get_environ()["wsgi.input"].read() or None, builder.content_type


@pytest.mark.parametrize("user", USERS)
def test_no_malformed_request_gets_a_server_error(web, world, user):
    failures = []
    offset = USERS.index(user) * CASES_PER_USER
    starting = StartingSession(web, world, user)
    if user in OWN_PAGES:  # the restored session is the user's
        assert starting.client().get(OWN_PAGES[user]).status_code == 200
    for rule, method in routes(web):
        for case in range(CASES_PER_USER):
            client = starting.client()
            path = path_of(rule, world["values"], case)
            headers = COMBINATIONS[(offset + case) % len(COMBINATIONS)]
            kind = case % KINDS
            described = f"{method} {path[:80]} (cas {case}, en-têtes {sorted(headers)})"
            try:
                answer = send(client, method, path, kind, case, headers)
            except Exception as error:  # noqa: BLE001 — every failure is listed, not the first
                failures.append(f"{described}: {type(error).__name__}: {str(error)[:200]}")
                continue
            if answer.status_code >= 500:
                failures.append(f"{described}: {answer.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("user", OWN_PAGES)
def test_a_case_that_signs_out_leaves_the_next_one_signed_in(web, world, user):
    starting = StartingSession(web, world, user)
    leaving = starting.client()
    leaving.post("/admin/deconnexion" if user == "personnel" else "/deconnexion")
    assert leaving.get(OWN_PAGES[user]).status_code == 303
    assert starting.client().get(OWN_PAGES[user]).status_code == 200


# What the fuzzing found, each as its own case -------------------------------------------------


@pytest.mark.parametrize(
    "query", [b"q=\xff\xfe", b"state=caf\xe9", b"page=1&q=%00", b"etat%00=1"], ids=repr
)
def test_an_unreadable_address_is_refused_in_french(web, world, query):
    # Raw bytes that are no UTF-8 raised in Werkzeug when a view read the query (a 500); a NUL
    # failed in PostgreSQL.
    staff = client_of(web, world, "personnel")
    environ = {"QUERY_STRING": query.decode("latin-1")}
    answer = staff.get("/admin/responsables", environ_overrides=environ)
    assert answer.status_code == 400
    assert "La demande contient des caractères que le service ne peut pas lire." in answer.text


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("POST", "/connexion", {"identifiant": "a\x00b", "mot_de_passe": "x"}),
        ("POST", "/admin/connexion", {"identifiant": "direction.fuzz", "mot_de_passe": "\x00"}),
        ("POST", "/bourse/demandes/%00/retrait", {}),
        ("GET", "/static/000000000000/app/app.css%00", None),
    ],
)
def test_a_nul_character_is_refused_in_french(web, world, method, path, data):
    # PostgreSQL's text cannot hold a NUL (a 500), nor can a file name.
    answer = client_of(web, world, "parent").open(path, method=method, data=data)
    assert answer.status_code == 400
    assert "La demande contient des caractères que le service ne peut pas lire." in answer.text


def test_a_file_name_with_a_nul_is_refused(web, world):
    sent = {"fichier": (io.BytesIO(b"uai;ine\n"), "eleves\x00.csv")}
    answer = client_of(web, world, "personnel").post("/admin/import", data=sent)
    assert answer.status_code == 400


@pytest.mark.parametrize("name", ["x" * 3000, "app/" + "é" * 200 + ".css"])
def test_a_static_name_no_file_system_holds_is_not_found(web, name):
    # Too long a name for the file system raised OSError: a 500.
    assert web.test_client().get(f"/static/000000000000/{name}").status_code == 404


@pytest.mark.parametrize("user", USERS)
def test_a_history_restore_gets_the_whole_page(web, world, user):
    # htmx asks the server for a page missing from its history cache with both headers, and
    # puts the answer in place of the whole body: a fragment there would lose the page's frame.
    restore = {**HTMX, "HX-History-Restore-Request": "true"}
    fragments = []
    for rule, method in routes(web):
        if method != "GET":
            continue
        path = path_of(rule, world["values"], 0)
        answer = client_of(web, world, user).get(path, headers=restore)
        assert answer.status_code < 500, path
        html = answer.status_code == 200 and answer.mimetype == "text/html"
        if html and "<html" not in answer.text:
            fragments.append(path)
    assert not fragments, fragments
