"""« Je n'ai pas encore d'identifiant » (journeys §2) walked through HTTP with the demo families:
every bad input of each step, with the French message shown and the status answered, steps that
cannot be skipped or replayed, page and htmx answers, and CSRF."""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta
from functools import partial

import pytest

from records import accounts, journeys, notifications
from records.roster import import_roster
from rules import birthdates, passwords, phones, sms_codes
from rules.passwords import hash_password
from rules.roster import HEADER, parse_roster_bytes
from tests import markup, roster_lines
from tests.backends import database_text
from tests.htmx_client import HTMX
from tests.markup import csrf_token, elements, error_messages, plain, redirects_to, texts
from tests.weak_passwords import SOPHIE_ID, WEAK_PASSWORDS
from views import registration, verification
from views.errors import CSRF_MESSAGE

SOPHIE = {"nom": "Lefèvre-D'Almeida", "prenom": "Sophie", "telephone": "06 12 34 56 78"}
SOPHIE_PHONE = "+33612345678"
HUGO, LEA = "0691300456L", "0691500123K"


def date_fields(ine: str, jour: str, mois: str, annee: str) -> dict[str, str]:
    """The three fields of a child's birth date, as step 3 posts them."""
    return {f"jour-{ine}": jour, f"mois-{ine}": mois, f"annee-{ine}": annee}


RIGHT_DATES = {**date_fields(HUGO, "2", "11", "2013"), **date_fields(LEA, "14", "03", "2015")}
HUGO_WRONG = {**RIGHT_DATES, f"jour-{HUGO}": "3"}
PASSWORD = "Rentree-2026!Ok"

SMS_CODE = re.compile(
    r"ÉduConnect : votre code d'activation est ([0-9]{6})\. "
    r"Il est valable 10 minutes\. Ne le communiquez à personne\."
)


# Reading the answers -----------------------------------------------------------------------


# The alert region of the journey's pages; its status region is "parcours-alerte-statut".
alert = partial(markup.alert, alert_id="parcours-alerte")


def sms(web) -> list[dict]:
    return web.extensions["outboxes"]["sms"].newest_first()


def last_code(web, to: str = SOPHIE_PHONE) -> str:
    message = sms(web)[0]
    assert message["to"] == to
    found = SMS_CODE.fullmatch(message["body"])
    assert found, message["body"]
    return found.group(1)


def another_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def card_descriptions(html: str) -> list[str]:
    """The description of each child's card on « Mes services »."""
    return [plain(text) for text in re.findall(r'<p class="fr-card__desc">(.*?)</p>', html)]


def journey_id(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("registration")


# Walking the steps -------------------------------------------------------------------------


def start(client, **fields):
    return client.post("/inscription", data={**SOPHIE, **fields})


def to_code(client, web, to: str = SOPHIE_PHONE, **fields) -> str:
    assert redirects_to(start(client, **fields), "/inscription/code")
    return last_code(web, to)


def to_children(client, web, to: str = SOPHIE_PHONE, **fields) -> None:
    code = to_code(client, web, to, **fields)
    response = client.post("/inscription/code", data={"code": code})
    assert redirects_to(response, "/inscription/enfants")


def to_password(client, web) -> None:
    to_children(client, web)
    response = client.post("/inscription/enfants", data=RIGHT_DATES)
    assert redirects_to(response, "/inscription/mot-de-passe")


def choose(client, password: str, confirmation: str | None = None):
    data = {
        "mot_de_passe": password,
        "confirmation": password if confirmation is None else confirmation,
    }
    return client.post("/inscription/mot-de-passe", data=data)


def sophie_responsables(db) -> list[int]:
    with db.reading() as tx:
        found = accounts.find_responsables(tx, SOPHIE_PHONE, SOPHIE["nom"], SOPHIE["prenom"])
    return sorted(responsable["id"] for responsable in found)


def sophie_account(db) -> dict | None:
    with db.reading() as tx:
        return accounts.account_of(tx, sophie_responsables(db))


def create_sophie_account(db, clock) -> dict:
    """Sophie's account with PASSWORD, as if she had registered already."""
    password_hash = hash_password(PASSWORD)
    with db.writing() as tx:
        return accounts.create_account(
            tx,
            sophie_responsables(db),
            "Sophie",
            "Lefèvre-D'Almeida",
            SOPHIE_PHONE,
            password_hash,
            "auto-inscription",
            clock.now(),
        )


# Step 1: Vos informations -------------------------------------------------------------------


def test_identity_page(parent):
    response = parent.get("/inscription")
    assert response.status_code == 200
    html = response.text
    assert texts(html, "title") == ["Étape 1 sur 5 — Vos informations — Téléservices"]
    assert [field["name"] for field in elements(html, "input") if field.get("type") == "text"] == [
        "nom",
        "prenom",
    ]
    (phone,) = elements(html, "input", name="telephone")
    assert phone["type"] == "tel" and phone["autocomplete"] == "tel"
    assert alert(html) == ""


MISSING = {
    "nom": "Indiquez votre nom.",
    "prenom": "Indiquez votre prénom.",
    "telephone": "Indiquez votre numéro de téléphone portable.",
}


@pytest.mark.parametrize("missing", list(MISSING))
def test_each_missing_identity_field_is_named(parent, web, missing):
    response = start(parent, **{missing: ""})
    assert response.status_code == 422
    for field, message in MISSING.items():
        assert error_messages(response.text, field) == ([message] if field == missing else [])
    (wrong,) = elements(response.text, "input", aria_invalid="true")
    assert wrong["name"] == missing and "autofocus" in wrong
    assert sms(web) == []
    assert journey_id(parent) is None


def test_all_identity_fields_missing(parent, web):
    response = parent.post("/inscription", data={})
    assert response.status_code == 422
    for field, message in MISSING.items():
        assert error_messages(response.text, field) == [message]
    assert sms(web) == []


def test_landline_is_refused(parent, web):
    response = start(parent, telephone="04 72 10 20 30")
    assert response.status_code == 422
    assert error_messages(response.text, "telephone") == [phones.LANDLINE]
    assert phones.LANDLINE.startswith("C'est un numéro de téléphone fixe")
    # What was typed stays in the form.
    (nom,) = elements(response.text, "input", name="nom")
    assert nom["value"] == SOPHIE["nom"]
    assert sms(web) == []


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("06 12 34", phones.INVALID),
        ("06 12 34 56 78 90 12", phones.INVALID),
        ("06 AB CD EF GH", phones.NOT_A_NUMBER),
        ("sophie@example.org", phones.NOT_A_NUMBER),
        ("+44 7911 123456", phones.FOREIGN),
    ],
)
def test_malformed_number_is_refused(parent, web, typed, message):
    response = start(parent, telephone=typed)
    assert response.status_code == 422
    assert error_messages(response.text, "telephone") == [message]
    assert sms(web) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"prenom": "Julien"},  # her husband's name, her phone
        {"telephone": "06 99 99 99 99"},  # her name, another phone
        {"telephone": "07 81 45 22 90"},  # her name, her husband's phone
        {"nom": "Lefèvre", "prenom": "Sophie"},  # half the family name
    ],
)
def test_unknown_phone_and_name_pair(parent, web, fields):
    response = start(parent, **fields)
    assert response.status_code == 422
    assert alert(response.text) == verification.NO_MATCH
    assert alert(response.text).startswith("Nous ne trouvons pas de responsable")
    assert sms(web) == []
    assert journey_id(parent) is None


@pytest.mark.parametrize(
    ("nom", "prenom"),
    [
        ("lefevre dalmeida", "SOPHIE"),
        ("LEFEVRE-D'ALMEIDA", "sophie"),
        ("Lefèvre D\u2019Almeida", "Sophie"),
        ("  lefèvre-d'almeida ", " Sophié "),
    ],
)
def test_names_match_whatever_the_case_accents_hyphens_apostrophes(parent, web, nom, prenom):
    response = start(parent, nom=nom, prenom=prenom)
    assert redirects_to(response, "/inscription/code")
    last_code(web, SOPHIE_PHONE)
    html = parent.get("/inscription/code").text
    assert "06 •• •• •• 78" in plain(html)


@pytest.mark.parametrize("typed", ["0694 20 12 34", "+594 694 20 12 34", "0694201234"])
def test_guyane_number_is_found(parent, web, typed):
    response = start(parent, nom="celeste", prenom="josiane", telephone=typed)
    assert redirects_to(response, "/inscription/code")
    last_code(web, "+594694201234")
    html = parent.get("/inscription/code").text
    assert "0694 •• •• 34" in plain(html)


def test_account_already_active(parent, web, db, clock):
    create_sophie_account(db, clock)
    response = start(parent, nom="lefevre dalmeida", prenom="sophie")
    assert response.status_code == 422
    assert alert(response.text) == "Vous avez déjà un compte ÉduConnect actif. Identifiant oublié ?"
    links = [a for a in elements(response.text, "a") if a.get("href") == "/identifiant-oublie"]
    assert links
    assert re.search(r'<a href="/identifiant-oublie">Identifiant oublié \?</a>', response.text)
    assert sms(web) == []
    assert journey_id(parent) is None


def test_five_sms_per_number_per_24_hours(parent, web, clock):
    for _ in range(5):
        to_code(parent, web)
        clock.advance(minutes=1)
    response = start(parent)
    assert response.status_code == 422
    assert alert(response.text) == sms_codes.DAILY_LIMIT_REACHED
    assert len(sms(web)) == 5
    # Another number is not concerned.
    julien = parent.post(
        "/inscription", data={**SOPHIE, "prenom": "Julien", "telephone": "07 81 45 22 90"}
    )
    assert redirects_to(julien, "/inscription/code")
    # 24 hours after the first SMS, one more may go.
    clock.advance(hours=24, minutes=-5, seconds=-1)
    assert start(parent).status_code == 422
    clock.advance(seconds=1)
    assert redirects_to(start(parent), "/inscription/code")
    assert len(sms(web)) == 7


def test_daily_limit_also_stops_new_codes(parent, web, clock):
    to_code(parent, web)
    for _ in range(2):
        clock.advance(minutes=1)
        assert parent.post("/inscription/code/nouveau").status_code == 200
    to_code(parent, web)
    clock.advance(minutes=1)
    assert parent.post("/inscription/code/nouveau").status_code == 200
    assert len(sms(web)) == 5
    clock.advance(minutes=1)
    response = parent.post("/inscription/code/nouveau")
    assert response.status_code == 422
    assert alert(response.text) == sms_codes.DAILY_LIMIT_REACHED
    assert len(sms(web)) == 5


# Step 2: Code reçu par SMS ------------------------------------------------------------------


def test_code_page_and_sms(parent, web):
    code = to_code(parent, web)
    (message,) = sms(web)
    assert message["to"] == SOPHIE_PHONE
    assert message["body"] == (
        f"ÉduConnect : votre code d'activation est {code}. Il est valable 10 minutes. "
        "Ne le communiquez à personne."
    )
    response = parent.get("/inscription/code")
    assert response.status_code == 200
    html = response.text
    assert texts(html, "title") == ["Étape 2 sur 5 — Code reçu par SMS — Téléservices"]
    assert "06 •• •• •• 78" in plain(html)
    assert code not in html
    (field,) = elements(html, "input", name="code")
    assert field["autocomplete"] == "one-time-code"
    assert field["inputmode"] == "numeric"
    assert "Recevoir un nouveau code" in texts(html, "button")


def test_the_code_page_quotes_the_limits_of_the_rules(parent, web, monkeypatch):
    monkeypatch.setattr(sms_codes, "CODE_LIFETIME", timedelta(minutes=15))
    monkeypatch.setattr(sms_codes, "MAX_CODES_PER_JOURNEY", 4)
    to_code(parent, web)
    text = plain(parent.get("/inscription/code").text)
    assert "Il est valable 15 minutes." in text
    assert "(4 codes au plus)" in text


def test_code_is_kept_hashed(parent, web, db):
    code = to_code(parent, web)
    with db.reading() as tx:
        (journey,) = tx.scan(journeys.JOURNEYS)
    assert code not in json.dumps(journey)
    assert journey["state"]["code"]["hmac"]


def test_wrong_codes_then_exhausted(parent, web):
    code = to_code(parent, web)
    wrong = another_code(code)
    expected = [
        "Le code saisi est incorrect. Il vous reste 2 essais.",
        "Le code saisi est incorrect. Il vous reste 1 essai.",
        sms_codes.CHECK_MESSAGES[sms_codes.CodeCheck.EXHAUSTED],
    ]
    for message in expected:
        response = parent.post("/inscription/code", data={"code": wrong})
        assert response.status_code == 422
        assert error_messages(response.text, "code") == [message]
        (field,) = elements(response.text, "input", name="code")
        assert field["value"] == ""
    assert expected[2] == "Trop d'essais : ce code n'est plus valable. Demandez un nouveau code."
    # Even the right code is refused now.
    response = parent.post("/inscription/code", data={"code": code})
    assert response.status_code == 422
    assert error_messages(response.text, "code") == [expected[2]]
    assert redirects_to(parent.get("/inscription/enfants"), "/inscription/code")


def test_expired_code(parent, web, clock):
    code = to_code(parent, web)
    clock.advance(minutes=10, seconds=1)
    response = parent.post("/inscription/code", data={"code": code})
    assert response.status_code == 422
    assert error_messages(response.text, "code") == ["Ce code a expiré. Demandez un nouveau code."]
    # It offers a new one, which may be sent by now.
    assert "Recevoir un nouveau code" in texts(response.text, "button")
    assert parent.post("/inscription/code/nouveau").status_code == 200
    new = last_code(web)
    assert redirects_to(
        parent.post("/inscription/code", data={"code": new}), "/inscription/enfants"
    )


def test_code_still_valid_at_9_minutes_59(parent, web, clock):
    code = to_code(parent, web)
    clock.advance(minutes=9, seconds=59)
    response = parent.post("/inscription/code", data={"code": code})
    assert redirects_to(response, "/inscription/enfants")


@pytest.mark.parametrize(
    "typed", ["12345", "1234567", "12a456", "abcdef", "１２３４５６", "-12345"]
)
def test_malformed_code_costs_no_try(parent, web, typed):
    code = to_code(parent, web)
    response = parent.post("/inscription/code", data={"code": typed})
    assert response.status_code == 422
    assert error_messages(response.text, "code") == ["Le code doit comporter 6 chiffres."]
    response = parent.post("/inscription/code", data={"code": another_code(code)})
    assert error_messages(response.text, "code") == [
        "Le code saisi est incorrect. Il vous reste 2 essais."
    ]


def test_missing_code(parent, web):
    to_code(parent, web)
    response = parent.post("/inscription/code", data={"code": ""})
    assert response.status_code == 422
    assert error_messages(response.text, "code") == ["Indiquez le code reçu."]


def test_code_typed_with_spaces(parent, web):
    code = to_code(parent, web)
    response = parent.post("/inscription/code", data={"code": f" {code[:3]} {code[3:]} "})
    assert redirects_to(response, "/inscription/enfants")


def test_new_code_waits_60_seconds(parent, web, clock):
    old = to_code(parent, web)
    response = parent.post("/inscription/code/nouveau")
    assert response.status_code == 422
    assert alert(response.text) == "Vous pourrez demander un nouveau code dans 60 secondes."
    clock.advance(seconds=59)
    response = parent.post("/inscription/code/nouveau")
    assert response.status_code == 422
    assert alert(response.text) == "Vous pourrez demander un nouveau code dans 1 seconde."
    assert len(sms(web)) == 1

    clock.advance(seconds=1)
    response = parent.post("/inscription/code/nouveau")
    assert response.status_code == 200
    assert alert(response.text) == ""
    assert alert(response.text, alert_id="parcours-alerte-statut") == verification.NEW_CODE_SENT
    assert len(sms(web)) == 2
    new = last_code(web)
    if new != old:  # one chance in a million that the two are the same
        response = parent.post("/inscription/code", data={"code": old})
        assert response.status_code == 422
        assert error_messages(response.text, "code") == [
            "Le code saisi est incorrect. Il vous reste 2 essais."
        ]
    assert redirects_to(
        parent.post("/inscription/code", data={"code": new}), "/inscription/enfants"
    )


def test_at_most_three_codes_per_journey(parent, web, clock):
    to_code(parent, web)
    for _ in range(2):
        clock.advance(seconds=60)
        assert parent.post("/inscription/code/nouveau").status_code == 200
    clock.advance(seconds=60)
    response = parent.post("/inscription/code/nouveau")
    assert response.status_code == 422
    assert alert(response.text) == sms_codes.TOO_MANY_CODES
    assert len(sms(web)) == 3
    # The last code sent still works.
    assert redirects_to(
        parent.post("/inscription/code", data={"code": last_code(web)}), "/inscription/enfants"
    )


# Replayed and forged steps ------------------------------------------------------------------

LATER_STEPS = [
    ("GET", "/inscription/code"),
    ("POST", "/inscription/code"),
    ("POST", "/inscription/code/nouveau"),
    ("GET", "/inscription/enfants"),
    ("POST", "/inscription/enfants"),
    ("GET", "/inscription/mot-de-passe"),
    ("POST", "/inscription/mot-de-passe"),
    ("POST", "/inscription/mot-de-passe/regles"),
]
FORM = {**RIGHT_DATES, "code": "123456", "mot_de_passe": PASSWORD, "confirmation": PASSWORD}


def open_step(client, method: str, url: str):
    """A step asked for directly: a GET, or a POST of a form good for any step."""
    return client.open(url, method=method, data=FORM if method == "POST" else None)


@pytest.mark.parametrize(("method", "url"), LATER_STEPS)
def test_no_step_without_a_journey(parent, web, db, method, url):
    response = open_step(parent, method, url)
    assert redirects_to(response, "/inscription")
    assert sms(web) == []
    assert sophie_account(db) is None


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_account_page_needs_a_signed_in_parent(parent, method):
    response = parent.open("/inscription/compte-active", method=method)
    if method == "GET":
        assert redirects_to(response, "/connexion")
    else:
        assert response.status_code == 405


@pytest.mark.parametrize(("method", "url"), LATER_STEPS[3:])
def test_no_step_before_the_code(parent, web, db, method, url):
    to_code(parent, web)
    response = open_step(parent, method, url)
    assert redirects_to(response, "/inscription/code")
    assert sophie_account(db) is None
    assert redirects_to(parent.get("/inscription/compte-active"), "/connexion")


@pytest.mark.parametrize(("method", "url"), LATER_STEPS[5:])
def test_no_password_before_the_birth_dates(parent, web, db, method, url):
    to_children(parent, web)
    response = open_step(parent, method, url)
    assert redirects_to(response, "/inscription/enfants")
    assert sophie_account(db) is None


def test_code_step_cannot_be_replayed(parent, web):
    code = to_code(parent, web)
    parent.post("/inscription/code", data={"code": code})
    assert redirects_to(
        parent.post("/inscription/code", data={"code": code}), "/inscription/enfants"
    )
    assert redirects_to(parent.post("/inscription/code/nouveau"), "/inscription/enfants")
    assert redirects_to(parent.get("/inscription/code"), "/inscription/enfants")
    assert len(sms(web)) == 1


def test_birth_dates_step_cannot_be_replayed(parent, web):
    to_password(parent, web)
    response = parent.post("/inscription/enfants", data=RIGHT_DATES)
    assert redirects_to(response, "/inscription/mot-de-passe")
    assert redirects_to(parent.get("/inscription/enfants"), "/inscription/mot-de-passe")


def test_finished_journey_cannot_be_replayed(parent, web, db):
    to_password(parent, web)
    assert redirects_to(choose(parent, PASSWORD), "/inscription/compte-active")
    for method, url in LATER_STEPS:
        response = open_step(parent, method, url)
        assert redirects_to(response, "/inscription")
    with db.reading() as tx:
        assert len(list(tx.scan(accounts.ACCOUNTS))) == 1


@pytest.mark.parametrize(
    "forged",
    [secrets.token_urlsafe(32), "", "x" * 5000, 12, ["a"], {"step": "mot_de_passe"}],
    ids=["random", "empty", "long", "number", "list", "dict"],
)
def test_forged_journey_id(parent, web, db, forged):
    to_password(parent, web)  # a real journey exists, but not under the forged id
    with parent.session_transaction() as session:
        session["registration"] = forged
    for method, url in LATER_STEPS:
        response = open_step(parent, method, url)
        assert redirects_to(response, "/inscription"), (method, url, response.status_code)
    assert sophie_account(db) is None


def test_journey_belongs_to_its_client(parent, web, db):
    to_password(parent, web)
    other = web.test_client()
    for method, url in LATER_STEPS:
        response = other.open(url, method=method, data=FORM if method == "POST" else None)
        assert redirects_to(response, "/inscription")
    # The other client's own journey does not reach this one's step either.
    to_code(other, web)
    assert redirects_to(choose(other, PASSWORD), "/inscription/code")
    assert sophie_account(db) is None
    assert parent.get("/inscription/mot-de-passe").status_code == 200


def test_expired_journey_starts_again(parent, web, clock):
    to_children(parent, web)
    clock.advance(hours=1, seconds=1)
    assert redirects_to(parent.get("/inscription/enfants"), "/inscription")
    assert redirects_to(parent.post("/inscription/enfants", data=RIGHT_DATES), "/inscription")


# Step 3: Vos enfants ------------------------------------------------------------------------


def fieldset(html: str, ine: str) -> dict:
    (found,) = elements(html, "fieldset", id=f"enfant-{ine}")
    return found


def test_children_page(parent, web):
    to_children(parent, web)
    response = parent.get("/inscription/enfants")
    assert response.status_code == 200
    html = response.text
    assert texts(html, "title") == ["Étape 3 sur 5 — Vos enfants — Téléservices"]
    assert [text.removesuffix(" Exemple : 14 3 2015") for text in texts(html, "legend")] == [
        "Date de naissance de Hugo — Collège Concorde",
        "Date de naissance de Léa — Collège Concorde",
    ]
    for ine in (HUGO, LEA):
        assert fieldset(html, ine)["class"] == "fr-fieldset"
        for part in verification.DATE_PARTS:
            (field,) = elements(html, "input", name=f"{part}-{ine}")
            assert field["inputmode"] == "numeric"


def test_children_in_two_schools(parent, web):
    francois = {"nom": "Da Silva", "prenom": "François", "telephone": "06 45 12 78 33"}
    to_children(parent, web, "+33645127833", **francois)
    html = parent.get("/inscription/enfants").text
    legends = [text.removesuffix(" Exemple : 14 3 2015") for text in texts(html, "legend")]
    assert legends == [
        "Date de naissance de Lucas — Collège Concorde",
        "Date de naissance d'Emma — Collège des Palmistes",
    ]
    lucas, emma = "0691400654P", "0971200135S"
    dates = {**date_fields(lucas, "30", "8", "2014"), **date_fields(emma, "17", "4", "2012")}
    response = parent.post("/inscription/enfants", data=dates)
    assert redirects_to(response, "/inscription/mot-de-passe")
    assert redirects_to(choose(parent, PASSWORD), "/inscription/compte-active")
    services = parent.get("/mes-services").text
    assert texts(services, "h3") == ["Lucas Da Silva", "Emma Da Silva"]
    assert card_descriptions(services) == [
        "Collège Concorde — classe de 5eA",
        "Collège des Palmistes — classe de 3eB",
    ]


def test_wrong_date_is_reported_on_its_child_only(parent, web):
    to_children(parent, web)
    response = parent.post("/inscription/enfants", data=HUGO_WRONG)
    assert response.status_code == 422
    html = response.text
    assert fieldset(html, HUGO)["class"] == "fr-fieldset fr-fieldset--error"
    assert error_messages(html, f"enfant-{HUGO}") == [verification.WRONG_DATE]
    assert fieldset(html, LEA)["class"] == "fr-fieldset"
    assert error_messages(html, f"enfant-{LEA}") == []
    assert [field["name"] for field in elements(html, "input", aria_invalid="true")] == [
        f"jour-{HUGO}",
        f"mois-{HUGO}",
        f"annee-{HUGO}",
    ]
    # The dates typed stay in the fields.
    assert elements(html, "input", name=f"jour-{HUGO}")[0]["value"] == "3"
    assert elements(html, "input", name=f"annee-{LEA}")[0]["value"] == "2015"
    assert alert(html) == ""


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("2", "", "2013"), birthdates.MISSING),
        (("", "", ""), birthdates.MISSING),
        (("deux", "11", "2013"), birthdates.NOT_NUMBERS),
        (("2", "11", "13"), birthdates.YEAR_DIGITS),
        (("31", "2", "2013"), birthdates.IMPOSSIBLE),
    ],
)
def test_unreadable_date_costs_no_try(parent, web, parts, message):
    to_children(parent, web)
    names = [f"{part}-{HUGO}" for part in verification.DATE_PARTS]
    typed = {**RIGHT_DATES, **dict(zip(names, parts, strict=True))}
    for _ in range(3):
        response = parent.post("/inscription/enfants", data=typed)
        assert response.status_code == 422
        assert error_messages(response.text, f"enfant-{HUGO}") == [message]
        assert error_messages(response.text, f"enfant-{LEA}") == []
        assert alert(response.text) == ""
    # Neither those nor two wrong dates block the journey.
    for _ in range(2):
        response = parent.post("/inscription/enfants", data=HUGO_WRONG)
        assert response.status_code == 422
        assert alert(response.text) == ""
    response = parent.post("/inscription/enfants", data=RIGHT_DATES)
    assert redirects_to(response, "/inscription/mot-de-passe")


def test_missing_date_message(parent, web):
    to_children(parent, web)
    response = parent.post("/inscription/enfants", data={})
    assert response.status_code == 422
    for ine in (HUGO, LEA):
        assert error_messages(response.text, f"enfant-{ine}") == [
            "Indiquez le jour, le mois et l'année."
        ]


BLOCKED_UNTIL_10_30 = (
    "Trop de dates de naissance incorrectes. Pour protéger les données de vos enfants, "
    "vous pourrez réessayer à 10 h 30."
)


def block_the_journey(parent) -> None:
    for _ in range(2):
        response = parent.post("/inscription/enfants", data=HUGO_WRONG)
        assert response.status_code == 422
        assert alert(response.text) == ""
    response = parent.post("/inscription/enfants", data=HUGO_WRONG)
    assert response.status_code == 422
    assert alert(response.text) == BLOCKED_UNTIL_10_30
    assert error_messages(response.text, f"enfant-{HUGO}") == [verification.WRONG_DATE]


def test_three_wrong_submissions_block_the_journey(parent, web):
    to_children(parent, web)
    block_the_journey(parent)
    response = parent.post("/inscription/enfants", data=RIGHT_DATES)
    assert response.status_code == 422
    assert alert(response.text) == BLOCKED_UNTIL_10_30
    assert redirects_to(parent.get("/inscription/mot-de-passe"), "/inscription/enfants")


def test_block_holds_on_a_new_journey(parent, web, clock):
    to_children(parent, web)
    block_the_journey(parent)
    clock.advance(minutes=5)
    for client in (parent, web.test_client()):
        to_children(client, web)  # a new SMS code each time
        response = client.post("/inscription/enfants", data=RIGHT_DATES)
        assert response.status_code == 422
        assert alert(response.text) == BLOCKED_UNTIL_10_30
    assert len(sms(web)) == 3


def test_block_ends_after_30_minutes(parent, web, clock):
    to_children(parent, web)
    block_the_journey(parent)
    clock.advance(minutes=29, seconds=59)
    assert alert(parent.post("/inscription/enfants", data=RIGHT_DATES).text) == (
        BLOCKED_UNTIL_10_30
    )
    clock.advance(seconds=1)
    response = parent.post("/inscription/enfants", data=RIGHT_DATES)
    assert redirects_to(response, "/inscription/mot-de-passe")


# Step 4: Votre mot de passe -----------------------------------------------------------------


def rule_classes(html: str) -> dict[str, str]:
    return {
        key: elements(html, "p", id=f"mot_de_passe-regle-{key}")[0]["class"]
        for key, _ in passwords.PASSWORD_RULES
    }


def test_password_page(parent, web):
    to_password(parent, web)
    response = parent.get("/inscription/mot-de-passe")
    assert response.status_code == 200
    html = response.text
    assert texts(html, "title") == ["Étape 4 sur 5 — Votre mot de passe — Téléservices"]
    assert set(rule_classes(html).values()) == {"fr-message fr-message--info"}
    (field,) = elements(html, "input", name="mot_de_passe")
    assert field["autocomplete"] == "new-password"
    assert field["data-hx-post"] == "/inscription/mot-de-passe/regles"
    # Each « Afficher » says which field it shows.
    assert [box["aria-label"] for box in elements(html, "input", type="checkbox")] == [
        "Afficher le mot de passe",
        "Afficher la confirmation du mot de passe",
    ]


def test_an_error_state_says_so_in_the_page_title(parent, web):
    to_password(parent, web)
    refused = choose(parent, "court")
    assert refused.status_code == 422
    assert texts(refused.text, "title") == [
        "Erreur — Étape 4 sur 5 — Votre mot de passe — Téléservices"
    ]
    fragment = parent.post(
        "/inscription/mot-de-passe",
        data={"mot_de_passe": "court", "confirmation": "court"},
        headers=HTMX,
    )
    assert texts(fragment.text, "title") == [
        "Erreur — Étape 4 sur 5 — Votre mot de passe — Téléservices"
    ]


@pytest.mark.parametrize(("rule", "password"), WEAK_PASSWORDS)
def test_each_password_rule(parent, web, db, rule, password):
    to_password(parent, web)
    response = choose(parent, password)
    assert response.status_code == 422
    html = response.text
    assert (
        error_messages(html, "mot_de_passe")[0]
        == "Ce mot de passe ne respecte pas toutes les règles."
    )
    classes = rule_classes(html)
    assert classes.pop(rule) == "fr-message fr-message--error"
    assert set(classes.values()) == {"fr-message fr-message--valid"}
    (field,) = elements(html, "input", name="mot_de_passe")
    assert field["aria-invalid"] == "true"
    assert "value" not in field  # a password is never sent back
    assert sophie_account(db) is None


def test_missing_password(parent, web):
    to_password(parent, web)
    response = choose(parent, "", "")
    assert response.status_code == 422
    assert error_messages(response.text, "mot_de_passe")[0] == "Choisissez un mot de passe."
    assert error_messages(response.text, "confirmation") == [
        "Saisissez de nouveau votre mot de passe."
    ]


def test_confirmation_must_match(parent, web, db):
    to_password(parent, web)
    response = choose(parent, PASSWORD, PASSWORD + "x")
    assert response.status_code == 422
    assert error_messages(response.text, "confirmation") == [passwords.MISMATCH]
    assert passwords.MISMATCH == "Les deux mots de passe ne sont pas identiques."
    assert error_messages(response.text, "mot_de_passe") == []
    assert sophie_account(db) is None


def test_rules_endpoint_answers_the_rules_only(parent, web):
    to_password(parent, web)
    response = parent.post(
        "/inscription/mot-de-passe/regles", data={"mot_de_passe": "abc"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html and "<form" not in html and "<input" not in html
    assert html.startswith("<title>Étape 4 sur 5 — Votre mot de passe — Téléservices</title>")
    # The rules only: the live region holding them stays in the page (updated in place).
    assert elements(html, "div") == []
    page = parent.get("/inscription/mot-de-passe").text
    (field,) = elements(page, "input", id="mot_de_passe")
    assert (field["data-hx-target"], field["data-hx-swap"]) == (
        "#mot_de_passe-messages",
        "innerHTML",
    )
    assert elements(page, "div", id="mot_de_passe-messages")[0]["aria-live"] == "polite"
    classes = rule_classes(html)
    assert classes.pop("lower") == "fr-message fr-message--valid"
    assert classes.pop("personal") == "fr-message fr-message--valid"
    assert set(classes.values()) == {"fr-message fr-message--error"}

    html = parent.post(
        "/inscription/mot-de-passe/regles", data={"mot_de_passe": PASSWORD}, headers=HTMX
    ).text
    assert set(rule_classes(html).values()) == {"fr-message fr-message--valid"}
    html = parent.post(
        "/inscription/mot-de-passe/regles", data={"mot_de_passe": ""}, headers=HTMX
    ).text
    assert set(rule_classes(html).values()) == {"fr-message fr-message--info"}


def test_rules_typed_as_the_account_is_created_change_nothing_on_the_page(parent, web):
    """The rules of a keystroke sent while « Créer mon compte » was being answered arrive
    once the journey is over: htmx swaps nothing (204), so the account page stays."""
    to_password(parent, web)
    assert parent.post(
        "/inscription/mot-de-passe", data={"mot_de_passe": PASSWORD, "confirmation": PASSWORD}
    ).status_code in (200, 303)
    late = parent.post(
        "/inscription/mot-de-passe/regles", data={"mot_de_passe": PASSWORD}, headers=HTMX
    )
    assert (late.status_code, late.text) == (204, "")


def test_rules_endpoint_without_htmx_does_not_break(parent, web):
    to_password(parent, web)
    response = parent.post("/inscription/mot-de-passe/regles", data={"mot_de_passe": "abc"})
    assert redirects_to(response, "/inscription/mot-de-passe")


def test_a_parent_the_school_sent_a_letter_to_activates_that_account(parent, web, db, clock):
    """Issue 12, item 5: Sophie's letter is lost; she registers alone and gets the letter's
    account, active, under its identifiant (not « déjà un compte actif »)."""
    with db.writing() as tx:
        (letter,) = notifications.notify(
            tx, sophie_responsables(db)[:1], "secretariat1", "courrier", clock.now()
        )
    to_password(parent, web)
    assert redirects_to(choose(parent, PASSWORD), "/inscription/compte-active")
    page = parent.get("/inscription/compte-active")
    assert re.search(rf'id="identifiant-cree">{re.escape(letter.identifiant)}</p>', page.text)
    account = sophie_account(db)
    assert (account["identifier"], account["state"]) == (letter.identifiant, "actif")
    assert passwords.verify_password(account["password_hash"], PASSWORD)
    assert account["temporary_password_hash"] is None


def test_account_created(parent, web, db):
    to_password(parent, web)
    old_journey = journey_id(parent)
    response = choose(parent, PASSWORD)
    assert redirects_to(response, "/inscription/compte-active")

    with db.reading() as tx:
        account = accounts.find_by_identifier(tx, SOPHIE_ID)
    assert account is not None
    assert account["state"] == "actif" and account["method"] == "auto-inscription"
    assert account["responsable_ids"] == sophie_responsables(db)
    assert account["password_hash"].startswith("$argon2id$")
    assert passwords.verify_password(account["password_hash"], PASSWORD)
    assert PASSWORD not in database_text(db)
    assert PASSWORD not in json.dumps(account)

    assert sms(web)[0] == {
        **sms(web)[0],
        "to": SOPHIE_PHONE,
        "body": f"ÉduConnect : votre identifiant est {SOPHIE_ID}. "
        "Il vous servira à chaque connexion.",
    }

    with parent.session_transaction() as session:
        assert "registration" not in session
        assert session["account_id"] == account["id"]
    with db.reading() as tx:
        assert journeys.load(tx, old_journey) is None

    page = parent.get("/inscription/compte-active")
    assert page.status_code == 200
    assert texts(page.text, "title") == ["Étape 5 sur 5 — Compte activé — Téléservices"]
    assert re.search(rf'id="identifiant-cree">{re.escape(SOPHIE_ID)}</p>', page.text)
    assert "Notez-le : il vous servira à chaque connexion." in plain(page.text)

    services = parent.get("/mes-services")
    assert services.status_code == 200
    assert texts(services.text, "h3") == [
        "Hugo Lefèvre-D'Almeida",
        "Léa Lefèvre-D'Almeida",
    ]
    assert card_descriptions(services.text) == [
        "Collège Concorde — classe de 4eB",
        "Collège Concorde — classe de 6eA",
    ]


WEI = {"nom": "Wang", "prenom": "伟", "telephone": "06 55 44 33 22"}
HAO = "0691599999Z"


def add_wei(db) -> None:
    """A father whose prénom has no Latin letter, on the roster with his son Hao."""
    wei = roster_lines.line(
        ine=HAO, eleve_nom="Wang", eleve_prenom="Hao", eleve_date_naissance="05/06/2014",
        resp_civilite="M.", resp_nom=WEI["nom"], resp_prenom=WEI["prenom"], resp_lien="père",
        resp_telephone_portable=WEI["telephone"], resp_email="",
    )  # fmt: skip
    report = parse_roster_bytes(f"{HEADER}\n{wei}\n".encode(), roster_lines.TODAY)
    assert report.ok, report.errors
    with db.writing() as tx:
        import_roster(tx, report.rows)


def test_a_first_name_without_latin_letters_gets_an_identifiant(parent, web, db):
    add_wei(db)
    to_children(parent, web, "+33655443322", **WEI)
    response = parent.post("/inscription/enfants", data=date_fields(HAO, "5", "6", "2014"))
    assert redirects_to(response, "/inscription/mot-de-passe")
    assert parent.get("/inscription/mot-de-passe").status_code == 200
    assert redirects_to(choose(parent, PASSWORD), "/inscription/compte-active")
    # « 伟 » transliterated is « Wei ».
    assert sms(web)[0]["body"].startswith("ÉduConnect : votre identifiant est w.wang1.")
    page = parent.get("/inscription/compte-active")
    assert 'id="identifiant-cree">w.wang1</p>' in page.text


def test_no_second_account(parent, web, db):
    to_password(parent, web)
    assert redirects_to(choose(parent, PASSWORD), "/inscription/compte-active")
    other = web.test_client()
    response = start(other)
    assert response.status_code == 422
    assert alert(response.text).startswith(registration.ALREADY_ACTIVE)


def test_signed_in_parent_without_new_account_goes_to_services(parent, web, db, clock):
    account = create_sophie_account(db, clock)
    with parent.session_transaction() as session:
        session["account_id"] = account["id"]
    assert redirects_to(parent.get("/inscription/compte-active"), "/mes-services")


# Page or fragment ---------------------------------------------------------------------------


def assert_fragment(response, number: int, title: str) -> None:
    html = response.text
    assert "<html" not in html and "<body" not in html and "<head" not in html
    error = "Erreur — " if response.status_code >= 400 else ""
    assert html.startswith(f"<title>{error}Étape {number} sur 5 — {title} — Téléservices</title>")
    assert elements(html, "div", id="parcours")
    assert "HX-Request" in response.headers["Vary"]


def assert_pushed_fragment(client, response, url: str, number: int, title: str) -> None:
    """An htmx post that moved on: the next step's fragment, its URL pushed, and the same
    fragment when htmx gets that URL."""
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == url
    assert_fragment(response, number, title)
    assert_fragment(client.get(url, headers=HTMX), number, title)


def test_each_step_as_a_fragment(parent, web):
    assert_fragment(parent.get("/inscription", headers=HTMX), 1, "Vos informations")

    response = parent.post("/inscription", data=SOPHIE, headers=HTMX)
    assert_pushed_fragment(parent, response, "/inscription/code", 2, "Code reçu par SMS")

    response = parent.post("/inscription/code", data={"code": last_code(web)}, headers=HTMX)
    assert_pushed_fragment(parent, response, "/inscription/enfants", 3, "Vos enfants")

    response = parent.post("/inscription/enfants", data=RIGHT_DATES, headers=HTMX)
    assert_pushed_fragment(parent, response, "/inscription/mot-de-passe", 4, "Votre mot de passe")

    data = {"mot_de_passe": PASSWORD, "confirmation": PASSWORD}
    response = parent.post("/inscription/mot-de-passe", data=data, headers=HTMX)
    assert_pushed_fragment(parent, response, "/inscription/compte-active", 5, "Compte activé")
    assert SOPHIE_ID in texts(response.text, "p")


def test_errors_as_fragments(parent, web):
    response = parent.post("/inscription", data={**SOPHIE, "prenom": "Julien"}, headers=HTMX)
    assert response.status_code == 422
    assert_fragment(response, 1, "Vos informations")
    assert alert(response.text) == verification.NO_MATCH
    assert "HX-Push-Url" not in response.headers

    to_code(parent, web)
    response = parent.post("/inscription/code", data={"code": "12"}, headers=HTMX)
    assert response.status_code == 422
    assert_fragment(response, 2, "Code reçu par SMS")
    response = parent.post("/inscription/code/nouveau", headers=HTMX)
    assert response.status_code == 422
    assert_fragment(response, 2, "Code reçu par SMS")


def test_page_answers_are_whole_pages(parent, web):
    to_password(parent, web)
    html = parent.get("/inscription/mot-de-passe").text
    assert html.startswith("<!doctype html>")
    assert texts(html, "h1") == ["Créer mon compte ÉduConnect"]


# CSRF ---------------------------------------------------------------------------------------

CSRF_URLS = [
    "/inscription",
    "/inscription/code",
    "/inscription/code/nouveau",
    "/inscription/enfants",
    "/inscription/mot-de-passe",
    "/inscription/mot-de-passe/regles",
    "/connexion",
    "/deconnexion",
]


@pytest.mark.parametrize("url", CSRF_URLS)
@pytest.mark.parametrize("token", ["none", "garbage", "another session's"])
def test_post_without_the_right_token(guarded, url, token):
    client = guarded.test_client()
    client.get("/inscription")  # a session with its own token
    data = {**SOPHIE, "identifiant": SOPHIE_ID, "mot_de_passe": PASSWORD}
    if token == "garbage":
        data["csrf_token"] = "pas-le-bon-jeton"
    elif token == "another session's":
        data["csrf_token"] = csrf_token(guarded.test_client().get("/inscription").text)
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "Votre session a expiré" in plain(response.text)
    assert CSRF_MESSAGE in plain(response.text)
    assert sms(guarded) == []


def test_htmx_post_with_a_wrong_token_header(guarded):
    client = guarded.test_client()
    client.get("/inscription")
    response = client.post(
        "/inscription", data=SOPHIE, headers={**HTMX, "X-CSRFToken": "pas-le-bon-jeton"}
    )
    assert response.status_code == 400
    assert "Votre session a expiré" in plain(response.text)
    assert response.headers["HX-Retarget"] == "#contenu"


def test_post_with_the_right_token(guarded):
    client = guarded.test_client()
    token = csrf_token(client.get("/inscription").text)
    response = client.post("/inscription", data={**SOPHIE, "csrf_token": token})
    assert redirects_to(response, "/inscription/code")
    response = client.post(
        "/inscription/code",
        data={"code": last_code(guarded)},
        headers={"X-CSRFToken": token},
    )
    assert redirects_to(response, "/inscription/enfants")
