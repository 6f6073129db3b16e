"""What is measured on a running service: the pages `wrk` loads and the forms the driver posts,
with the seeded families each one uses.

Every page is first fetched once and checked (a 200 with what the page must show), since `wrk`
counts a redirect to the sign-in page as a success.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from bench.drive import Job, Timed, Unexpected, timed
from bench.families import PASSWORD, PUPILS_PER_SCHOOL, STAFF_IDENTIFIANT, SURNAMES, Family
from tests.http_client import Client

SEARCHED = SURNAMES[7]  # "Durand": one family in twenty of a school
STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/static/[^"]+\.css)"')
ADDRESS = {
    "courriel": "parent.banc@exemple.fr",
    "adresse_ligne1": "12 rue de la République",
    "adresse_ligne2": "",
    "code_postal": "69002",
    "commune": "Lyon",
}


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    marker: str  # text the page shows when it is the right one
    signed_in: str | None = None  # "parent" or "staff": whose session cookie goes with it


PAGES = (
    Page("login page (GET /connexion)", "/connexion", "Identifiant"),
    Page("« Mes services », signed in", "/mes-services", "Demande de bourse", "parent"),
    Page("back office: responsables", "/admin/responsables", "Responsables", "staff"),
    Page(
        "back office: search « Durand »",
        f"/admin/responsables?q={SEARCHED}",
        SEARCHED,
        "staff",
    ),
)


def cookie_header(client: Client) -> str:
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in client.cookies)


def expect(status: int, wanted: int, what: str) -> None:
    if status != wanted:
        raise Unexpected(f"{what}: {status}")


def signed_in_parent(url: str, family: Family) -> Client:
    client = Client(url)
    client.form("/connexion")
    status, _ = client.post("/connexion", identifiant=family.identifiant, mot_de_passe=PASSWORD)
    expect(status, 303, "parent sign-in")
    return client


def signed_in_staff(url: str) -> Client:
    client = Client(url)
    client.form("/admin/connexion")
    status, _ = client.post(
        "/admin/connexion", identifiant=STAFF_IDENTIFIANT, mot_de_passe=PASSWORD
    )
    expect(status, 303, "staff sign-in")
    return client


def check_page(client: Client, page: Page) -> str:
    """The page's text, when it is the page expected; else Unexpected with its status."""
    status, text = client.get(page.path)
    if status != 200 or page.marker not in text:
        raise Unexpected(f"{page.path}: {status}" + ("" if status != 200 else ", not the page"))
    return text


def smallest_stylesheet(client: Client, page_text: str) -> str:
    """The path of the page's smallest stylesheet: a static file under the service's own URL."""
    sizes = {}
    for path in STYLESHEET.findall(page_text):
        status, text = client.get(path)
        if status == 200:
            sizes[path] = len(text)
    if not sizes:
        raise Unexpected("no stylesheet on the login page")
    return min(sizes, key=sizes.get)


# The families each job uses ---------------------------------------------------------------------


def spread(numbers: range, count: int, seed: int) -> list[Family]:
    """`count` families drawn over the whole database, the same on every run."""
    drawn = random.Random(seed).sample(numbers, min(count, len(numbers)))
    return [Family(n) for n in drawn]


def without_account(size: int, count: int) -> list[Family]:
    return spread(range(1, size, 2), count, seed=1)


def with_account(size: int, count: int) -> list[Family]:
    return spread(range(0, size, 2), count, seed=2)


def bench_school_parent(thread: int) -> Family:
    """A parent with an account and a collège pupil at the bench school, one per thread (each
    saves its own contact details)."""
    family = Family(2 * (thread + 1))
    assert family.has_account and family.n < PUPILS_PER_SCHOOL
    return family


# Driver jobs ----------------------------------------------------------------------------------


def hello_job(url: str) -> Job:
    """The bare Flask app through the driver: the floor of the driver's own numbers."""
    return Job(
        name="« hello » (driver GET)",
        setup=lambda thread: Client(url),
        one=lambda client, index: timed(lambda: client.get("/")),
        expected=(200,),
    )


def registration_job(url: str, size: int, count: int) -> Job:
    """Step 1 of self-registration: the family matched by phone and name, the journey written,
    a code « sent » (outbox). A different family without an account each time."""
    families = without_account(size, count)

    def setup(thread: int) -> Client:
        client = Client(url)
        client.form("/inscription")
        return client

    def one(client: Client, index: int) -> Timed:
        family = families[index % len(families)]
        return timed(
            lambda: client.post(
                "/inscription",
                nom=family.nom,
                prenom=family.parent_prenom,
                telephone=family.telephone_typed,
            )
        )

    return Job("registration step 1 (POST /inscription)", setup, one)


def sign_in_job(url: str, size: int, count: int) -> Job:
    """Signing in with the right password: argon2's verification included (by design a few
    hundred milliseconds of CPU)."""
    families = with_account(size, count)

    def one(_worker, index: int) -> Timed:
        family = families[index % len(families)]
        client = Client(url)
        client.form("/connexion")  # untimed: the page and its CSRF token
        return timed(
            lambda: client.post("/connexion", identifiant=family.identifiant, mot_de_passe=PASSWORD)
        )

    return Job(
        "sign-in (POST /connexion)",
        setup=lambda thread: None,
        one=one,
        note="argon2 verification included; each try loads the form first, untimed",
    )


def request_step_job(url: str) -> Job:
    """The scholarship request's « Vos coordonnées » step (views/bourse_steps.py): e-mail and
    address checked, saved on the account, the journey moved on. Each try starts a new request
    (POST /bourse/eleves/<ine>, untimed) so that the journey stands at that step."""

    def setup(thread: int) -> tuple[Client, Family]:
        family = bench_school_parent(thread)
        client = signed_in_parent(url, family)
        client.form(f"/bourse/eleves/{family.ine}")
        return client, family

    def one(worker: tuple[Client, Family], index: int) -> Timed:
        client, family = worker
        status, _ = client.post(f"/bourse/eleves/{family.ine}")
        expect(status, 303, "request start")
        return timed(lambda: client.post("/bourse/demande/coordonnees", **ADDRESS))

    return Job(
        "request step « Vos coordonnées » (POST)",
        setup,
        one,
        note="each try first starts the request (POST /bourse/eleves/<ine>), untimed",
    )
