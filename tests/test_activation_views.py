"""« Activation du compte » (journeys §4) walked through HTTP: the first login with the letter's
temporary password, every step and its bad input, the activation link (expired, reused,
tampered, superseded), the temporary password after activation, page and htmx answers, CSRF.

The letter comes from the school's own action, records.notifications.notify, on the demo roster:
Sophie Lefèvre-D'Almeida, mother of Hugo and Léa at the Collège Concorde."""

from __future__ import annotations

import json
import re
import secrets
from functools import partial

import pytest

from outside.storage.tx import stored
from records import accounts, activation, journeys, notifications
from records.mail_queue import SENT, SUPERSEDED
from records.roster import RESPONSABLES
from rules import activation as activation_messages
from rules import activation_links, birthdates, emails, passwords
from rules.lockout import FAILED
from rules.temporary_passwords import EXPIRED_MESSAGE
from tests import markup
from tests.backends import database_text
from tests.fake_clock import install
from tests.htmx_client import HTMX
from tests.markup import csrf_token, elements, error_messages, plain, redirects_to, texts
from tests.test_mail_queue import queued
from tests.weak_passwords import SOPHIE_ID, WEAK_PASSWORDS
from views import verification
from views.errors import CSRF_MESSAGE

SOPHIE_PHONE = "+33612345678"
SOPHIE_EMAIL = "sophie.lefevre-dalmeida@example.org"
HUGO, LEA = "0691300456L", "0691500123K"
CONCORDE = "0691234A"
PASSWORD = "Rentree-2026!Ok"
NEW_EMAIL = "sophie.perso@example.net"
LINK = re.compile(r"http://localhost(/activation/lien/([A-Za-z0-9_.\-]+))")


def date_fields(ine: str, jour: str, mois: str, annee: str) -> dict[str, str]:
    return {f"jour-{ine}": jour, f"mois-{ine}": mois, f"annee-{ine}": annee}


RIGHT_DATES = {**date_fields(HUGO, "2", "11", "2013"), **date_fields(LEA, "14", "03", "2015")}
HUGO_WRONG = {**RIGHT_DATES, f"jour-{HUGO}": "3"}

alert = partial(markup.alert, alert_id="parcours-alerte")
status_message = partial(markup.alert, alert_id="parcours-alerte-statut")
login_alert = partial(markup.alert, alert_id="login-alert")


# The letter ---------------------------------------------------------------------------------


def sophie_responsables(db) -> list[int]:
    with db.reading() as tx:
        found = accounts.find_responsables(tx, SOPHIE_PHONE, "Lefèvre-D'Almeida", "Sophie")
    return sorted(responsable["id"] for responsable in found)


def notify(db, clock) -> notifications.Notified:
    """The school's letter for Sophie, as its back office sends it."""
    with db.writing() as tx:
        return notifications.notify(
            tx, sophie_responsables(db), "secretariat.concorde", "courrier", clock.now()
        )


def notify_sophie(db, clock) -> notifications.Letter:
    (letter,) = notify(db, clock)
    assert letter.identifiant == SOPHIE_ID
    return letter


@pytest.fixture
def letter(db, clock) -> notifications.Letter:
    return notify_sophie(db, clock)


def account(db) -> dict:
    with db.reading() as tx:
        return accounts.find_by_identifier(tx, SOPHIE_ID)


def journey_state(db, client) -> dict | None:
    with db.reading() as tx:
        return journeys.load(tx, journey_id(client))


def every(db, table: str) -> list[dict]:
    with db.reading() as tx:
        return list(tx.scan(table))


# Walking the steps --------------------------------------------------------------------------


def sign_in(client, password: str, identifiant: str = SOPHIE_ID, **options):
    return client.post(
        "/connexion", data={"identifiant": identifiant, "mot_de_passe": password}, **options
    )


def to_password(client, letter) -> None:
    assert redirects_to(sign_in(client, letter.temporary_password), "/activation/mot-de-passe")


def choose(client, password: str, confirmation: str | None = None, **options):
    data = {
        "mot_de_passe": password,
        "confirmation": password if confirmation is None else confirmation,
    }
    return client.post("/activation/mot-de-passe", data=data, **options)


def to_children(client, letter) -> None:
    to_password(client, letter)
    assert redirects_to(choose(client, PASSWORD), "/activation/enfants")


def to_email(client, letter) -> None:
    to_children(client, letter)
    response = client.post("/activation/enfants", data=RIGHT_DATES)
    assert redirects_to(response, "/activation/courriel")


def give_email(client, email: str = NEW_EMAIL, **options):
    return client.post("/activation/courriel", data={"courriel": email}, **options)


def to_waiting(client, web, letter, email: str = NEW_EMAIL) -> str:
    """Up to the waiting screen; returns the path of the link sent."""
    to_email(client, letter)
    assert redirects_to(give_email(client, email), "/activation/courriel/envoye")
    return last_link(web, email)


def mails(web) -> list[dict]:
    return web.extensions["outboxes"]["mail"].newest_first()


def last_link(web, to: str = NEW_EMAIL) -> str:
    message = mails(web)[0]
    assert message["to"] == to
    found = LINK.search(message["body"])
    assert found, message["body"]
    return found.group(1)


def activate(client, link: str):
    """Open the link, then press « Activer mon compte »."""
    page = client.get(link)
    assert page.status_code == 200, plain(page.text)
    return client.post(link)


def journey_id(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("activation")


def signed_in_as(client) -> int | None:
    with client.session_transaction() as session:
        return session.get("account_id")


# The first login ----------------------------------------------------------------------------


def test_temporary_password_starts_the_activation_with_a_new_session(parent, db, letter):
    parent.get("/connexion")
    with parent.session_transaction() as session:
        session["marque"] = "avant la connexion"
    response = sign_in(parent, letter.temporary_password)
    assert redirects_to(response, "/activation/mot-de-passe")
    with parent.session_transaction() as session:
        assert set(session) - {"_permanent"} == {"activation"}
    # Not signed in yet: the link does that.
    assert signed_in_as(parent) is None
    assert redirects_to(parent.get("/mes-services"), "/connexion")
    state = journey_state(db, parent)
    assert state["kind"] == journeys.Kind.NOTIFICATION and state["step"] == "mot_de_passe"
    assert state["account_id"] == account(db)["id"]
    assert letter.temporary_password not in json.dumps(state)


@pytest.mark.parametrize("typed", ["S.LEFEVREDALMEIDA1", f"  {SOPHIE_ID} "])
def test_identifiant_is_read_as_at_any_sign_in(parent, letter, typed):
    response = sign_in(parent, letter.temporary_password, typed)
    assert redirects_to(response, "/activation/mot-de-passe")


def test_htmx_first_login_leaves_the_login_page(parent, letter):
    response = sign_in(parent, letter.temporary_password, headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/activation/mot-de-passe"


def test_wrong_temporary_password_says_the_same_as_any_failure(parent, db, letter):
    response = sign_in(parent, letter.temporary_password.lower())
    assert response.status_code == 422
    assert login_alert(response.text) == FAILED
    assert journey_id(parent) is None
    assert account(db)["failures"] == 1


def test_five_wrong_temporary_passwords_make_that_client_wait(parent, web, letter):
    for _ in range(5):
        assert login_alert(sign_in(parent, "Mauvais-2026!").text) == FAILED
    # Even the right one, during the wait, says the same.
    response = sign_in(parent, letter.temporary_password)
    assert login_alert(response.text) == FAILED
    assert journey_id(parent) is None
    # The parent, from another address, opens the letter.
    home = web.test_client()
    home.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert redirects_to(sign_in(home, letter.temporary_password), "/activation/mot-de-passe")


def test_expired_temporary_password(parent, db, clock, letter):
    assert letter.valid_until.isoformat() == "2026-12-14"
    clock.advance(days=92)  # 15 December
    response = sign_in(parent, letter.temporary_password)
    assert response.status_code == 422
    assert login_alert(response.text) == EXPIRED_MESSAGE
    assert EXPIRED_MESSAGE == (
        "Ce mot de passe provisoire a expiré. Demandez de nouveaux identifiants à "
        "l'établissement, ou utilisez « Je n'ai pas encore d'identifiant »."
    )
    assert journey_id(parent) is None
    # A wrong password says nothing about the expiry.
    assert login_alert(sign_in(parent, "Mauvais-2026!").text) == FAILED


def test_temporary_password_works_through_its_last_day(parent, clock, letter):
    clock.advance(days=91, hours=13, minutes=59)  # 14 December, 23 h 59
    assert redirects_to(sign_in(parent, letter.temporary_password), "/activation/mot-de-passe")


def test_a_new_letter_replaces_the_temporary_password(parent, db, clock, letter):
    clock.advance(days=1)
    second = notify_sophie(db, clock)
    assert login_alert(sign_in(parent, letter.temporary_password).text) == FAILED
    assert redirects_to(sign_in(parent, second.temporary_password), "/activation/mot-de-passe")


def test_active_accounts_sign_in_as_before(parent, web, letter):
    link = to_waiting(parent, web, letter)
    activate(parent, link)
    parent.post("/deconnexion")
    assert redirects_to(sign_in(parent, PASSWORD), "/mes-services")


# Step 1: Votre nouveau mot de passe ---------------------------------------------------------


def rule_classes(html: str) -> dict[str, str]:
    return {
        key: elements(html, "p", id=f"mot_de_passe-regle-{key}")[0]["class"]
        for key, _ in passwords.PASSWORD_RULES
    }


def test_password_page(parent, letter):
    to_password(parent, letter)
    response = parent.get("/activation/mot-de-passe")
    assert response.status_code == 200
    html = response.text
    assert texts(html, "title") == ["Étape 1 sur 4 — Votre nouveau mot de passe — Téléservices"]
    assert texts(html, "h1") == ["Activation du compte"]
    assert "Étape suivante : Vos enfants" in plain(html)
    assert f"pour l'identifiant {SOPHIE_ID}" in plain(html)
    assert "Bienvenue Sophie Lefèvre-D'Almeida." in plain(html)
    assert set(rule_classes(html).values()) == {"fr-message fr-message--info"}
    (field,) = elements(html, "input", name="mot_de_passe")
    assert field["autocomplete"] == "new-password"
    assert field["data-hx-post"] == "/activation/mot-de-passe/regles"
    assert texts(html, "button") == ["Valider mon mot de passe"]


@pytest.mark.parametrize(("rule", "password"), WEAK_PASSWORDS)
def test_weak_password(parent, db, letter, rule, password):
    to_password(parent, letter)
    response = choose(parent, password)
    assert response.status_code == 422
    html = response.text
    assert error_messages(html, "mot_de_passe")[0] == verification.RULES_NOT_MET
    classes = rule_classes(html)
    assert classes.pop(rule) == "fr-message fr-message--error"
    assert set(classes.values()) == {"fr-message fr-message--valid"}
    (field,) = elements(html, "input", name="mot_de_passe")
    assert field["aria-invalid"] == "true" and "value" not in field
    assert journey_state(db, parent)["password_hash"] is None


def test_the_temporary_password_itself_is_too_weak(parent, letter):
    to_password(parent, letter)
    response = choose(parent, letter.temporary_password)
    assert response.status_code == 422
    assert rule_classes(response.text)["special"] == "fr-message fr-message--error"


def test_confirmation_must_match(parent, letter):
    to_password(parent, letter)
    response = choose(parent, PASSWORD, PASSWORD + "x")
    assert response.status_code == 422
    assert error_messages(response.text, "confirmation") == [passwords.MISMATCH]
    assert error_messages(response.text, "mot_de_passe") == []
    (field,) = elements(response.text, "input", name="confirmation")
    assert "autofocus" in field


def test_missing_password(parent, letter):
    to_password(parent, letter)
    response = choose(parent, "", "")
    assert response.status_code == 422
    assert error_messages(response.text, "mot_de_passe")[0] == "Choisissez un mot de passe."
    assert error_messages(response.text, "confirmation") == [
        "Saisissez de nouveau votre mot de passe."
    ]


def test_rules_as_the_parent_types(parent, letter):
    to_password(parent, letter)
    url = "/activation/mot-de-passe/regles"
    response = parent.post(url, data={"mot_de_passe": "abc"}, headers=HTMX)
    assert response.status_code == 200
    html = response.text
    assert html.startswith(
        "<title>Étape 1 sur 4 — Votre nouveau mot de passe — Téléservices</title>"
    )
    assert "<form" not in html and "<input" not in html
    classes = rule_classes(html)
    assert classes.pop("lower") == classes.pop("personal") == "fr-message fr-message--valid"
    assert set(classes.values()) == {"fr-message fr-message--error"}
    html = parent.post(url, data={"mot_de_passe": "Sophie-2026!Ok"}, headers=HTMX).text
    assert rule_classes(html)["personal"] == "fr-message fr-message--error"
    # Without htmx, only the step itself can be drawn.
    assert redirects_to(parent.post(url, data={"mot_de_passe": "abc"}), "/activation/mot-de-passe")


def test_password_is_kept_hashed_until_the_link(parent, db, letter):
    to_children(parent, letter)
    state = journey_state(db, parent)
    assert passwords.verify_password(state["password_hash"], PASSWORD)
    assert PASSWORD not in database_text(db)
    assert account(db)["password_hash"] is None
    assert account(db)["state"] == "notifié"


# Step 2: Vos enfants ------------------------------------------------------------------------


def test_children_page_offers_to_detach_each_child(parent, letter):
    to_children(parent, letter)
    html = parent.get("/activation/enfants").text
    assert texts(html, "title") == ["Étape 2 sur 4 — Vos enfants — Téléservices"]
    assert [text.removesuffix(" Exemple : 14 3 2015") for text in texts(html, "legend")] == [
        "Date de naissance de Hugo — Collège Concorde",
        "Date de naissance de Léa — Collège Concorde",
    ]
    for ine in (HUGO, LEA):
        (box,) = elements(html, "input", name=f"detache-{ine}")
        assert box["type"] == "checkbox" and "checked" not in box
        (label,) = elements(html, "label", for_=f"detache-{ine}")
    labels = [text for text in texts(html, "label") if "représentant légal" in text]
    assert (
        labels
        == [
            "Je ne suis pas le représentant légal de cet élève Cet élève sera retiré de votre "
            "compte et l'établissement en sera informé."
        ]
        * 2
    )


def test_registration_has_no_detach_box(parent, web):
    identity = {"nom": "Lefèvre-D'Almeida", "prenom": "Sophie", "telephone": "06 12 34 56 78"}
    assert redirects_to(parent.post("/inscription", data=identity), "/inscription/code")
    code = re.search(r"\b([0-9]{6})\b", web.extensions["sms"].newest_first()[0]["body"])
    response = parent.post("/inscription/code", data={"code": code.group(1)})
    assert redirects_to(response, "/inscription/enfants")
    html = parent.get("/inscription/enfants").text
    assert "représentant légal" not in html
    assert not elements(html, "input", type="checkbox")


def test_wrong_date_is_reported_on_its_child(parent, db, letter):
    to_children(parent, letter)
    response = parent.post("/activation/enfants", data=HUGO_WRONG)
    assert response.status_code == 422
    assert error_messages(response.text, f"enfant-{HUGO}") == [verification.WRONG_DATE]
    assert error_messages(response.text, f"enfant-{LEA}") == []
    assert elements(response.text, "input", name=f"jour-{HUGO}")[0]["value"] == "3"
    assert redirects_to(parent.get("/activation/courriel"), "/activation/enfants")


def test_unreadable_date(parent, letter):
    to_children(parent, letter)
    typed = {**RIGHT_DATES, f"annee-{LEA}": "15"}
    response = parent.post("/activation/enfants", data=typed)
    assert response.status_code == 422
    assert error_messages(response.text, f"enfant-{LEA}") == [birthdates.YEAR_DIGITS]


def test_three_wrong_submissions_block(parent, letter):
    to_children(parent, letter)
    for _ in range(2):
        assert alert(parent.post("/activation/enfants", data=HUGO_WRONG).text) == ""
    response = parent.post("/activation/enfants", data=HUGO_WRONG)
    assert alert(response.text) == (
        "Trop de dates de naissance incorrectes. Pour protéger les données de vos enfants, "
        "vous pourrez réessayer à 10 h 30."
    )
    assert parent.post("/activation/enfants", data=RIGHT_DATES).status_code == 422


def test_detaching_a_child(parent, web, db, clock, letter):
    to_children(parent, letter)
    # Léa is ticked: her date is not needed, and a wrong one is not held against the parent.
    typed = {**date_fields(HUGO, "2", "11", "2013"), **date_fields(LEA, "1", "1", "2001")}
    response = parent.post("/activation/enfants", data={**typed, f"detache-{LEA}": "1"})
    assert redirects_to(response, "/activation/courriel")

    (number,) = sophie_responsables(db)
    with db.reading() as tx:
        responsable = tx.get(RESPONSABLES, number)
        reports = [stored(report) for report in tx.scan(activation.REPORTS)]
        assert activation.reports_of(tx, CONCORDE) == reports
        assert activation.reports_of(tx, "0973123Z") == []
        # Léa's father keeps her.
        julien = accounts.find_responsables(tx, "+33781452290", "Lefèvre-D'Almeida", "Julien")
        children = accounts.children_of(tx, [julien[0]["id"]])
    assert responsable["eleves"] == [HUGO]
    assert responsable["eleves_detaches"] == [LEA]
    assert reports == [
        {"uai": CONCORDE, "responsable_id": number, "ine": LEA, "at": clock.now().isoformat()}
    ]
    assert [child["ine"] for child in children] == [HUGO, LEA]

    activate(parent, to_waiting_from_email(parent, web))
    services = parent.get("/mes-services").text
    assert texts(services, "h3") == ["Hugo Lefèvre-D'Almeida"]


def to_waiting_from_email(client, web, email: str = NEW_EMAIL) -> str:
    assert redirects_to(give_email(client, email), "/activation/courriel/envoye")
    return last_link(web, email)


def test_detached_child_with_a_wrong_date_for_the_other(parent, db, letter):
    to_children(parent, letter)
    response = parent.post("/activation/enfants", data={**HUGO_WRONG, f"detache-{LEA}": "1"})
    assert response.status_code == 422
    assert error_messages(response.text, f"enfant-{HUGO}") == [verification.WRONG_DATE]
    # The box stays ticked, and nothing is detached before the dates are right.
    (box,) = elements(response.text, "input", name=f"detache-{LEA}")
    assert "checked" in box
    assert every(db, activation.REPORTS) == []


def test_detaching_every_child_ends_the_activation(parent, web, db, letter):
    to_children(parent, letter)
    response = parent.post(
        "/activation/enfants", data={f"detache-{HUGO}": "1", f"detache-{LEA}": "1"}
    )
    assert redirects_to(response, "/connexion")
    page = parent.get("/connexion")
    assert login_alert(page.text) == activation_messages.ALL_DETACHED
    assert journey_id(parent) is None
    assert account(db)["state"] == "notifié"
    assert len(every(db, activation.REPORTS)) == 2
    # The letter no longer leads anywhere.
    response = sign_in(parent, letter.temporary_password)
    assert response.status_code == 422
    assert login_alert(response.text) == activation_messages.NO_CHILD
    assert mails(web) == []


# Step 3: Votre adresse électronique ---------------------------------------------------------


def test_email_page_offers_the_schools_address(parent, letter):
    to_email(parent, letter)
    html = parent.get("/activation/courriel").text
    assert texts(html, "title") == ["Étape 3 sur 4 — Votre adresse électronique — Téléservices"]
    (field,) = elements(html, "input", name="courriel")
    assert field["type"] == "email" and field["autocomplete"] == "email"
    assert field["value"] == SOPHIE_EMAIL


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", emails.MISSING),
        ("   ", emails.MISSING),
        ("sophie.example.org", emails.NO_AT),
        ("sophie@example", emails.INVALID),
        ("sophie@@example.org", emails.INVALID),
        ("sophie lefevre@example.org", emails.INVALID),
        ("sophie..l@example.org", emails.INVALID),
        ("sophie@exemple..fr", emails.INVALID),
        ("@example.org", emails.INVALID),
        ("x" * 250 + "@example.org", emails.TOO_LONG),
    ],
)
def test_invalid_email(parent, web, db, letter, typed, message):
    to_email(parent, letter)
    response = give_email(parent, typed)
    assert response.status_code == 422
    assert error_messages(response.text, "courriel") == [message]
    (field,) = elements(response.text, "input", name="courriel")
    assert field["aria-invalid"] == "true" and "autofocus" in field
    assert mails(web) == []
    assert account(db).get(activation.PENDING) is None


def test_link_sent(parent, web, db, letter):
    to_email(parent, letter)
    response = give_email(parent, "  Sophie.Perso@EXAMPLE.net ")
    assert redirects_to(response, "/activation/courriel/envoye")
    (message,) = mails(web)
    assert message["to"] == "Sophie.Perso@example.net"
    assert message["subject"] == "Activez votre compte ÉduConnect"
    assert message["body"].startswith("Bonjour Sophie Lefèvre-D'Almeida,")
    assert "valable 48 heures" in message["body"]
    assert SOPHIE_ID not in message["body"]
    pending = account(db)[activation.PENDING]
    assert pending["email"] == "Sophie.Perso@example.net"
    assert passwords.verify_password(pending["password_hash"], PASSWORD)
    assert account(db)["state"] == "notifié"

    html = parent.get("/activation/courriel/envoye").text
    assert texts(html, "title") == ["Étape 4 sur 4 — Confirmation de votre adresse — Téléservices"]
    assert elements(html, "strong", id="courriel-envoye")
    assert texts(html, "strong") == ["Sophie.Perso@example.net"]
    assert "Nous avons envoyé un lien à Sophie.Perso@example.net" in plain(html)
    assert texts(html, "button") == ["Renvoyer le mail", "Modifier l'adresse électronique"]


LINK_NOT_YET_SENT = (
    "Le courriel n'est pas encore parti : il sera renvoyé automatiquement dans les prochaines "
    "minutes. Si vous demandez un autre lien, seul le dernier partira."
)


class FailingMailer:
    def send(self, to: str, subject: str, body: str, attachments=()) -> None:
        raise ConnectionRefusedError("serveur SMTP injoignable")


def test_mail_that_cannot_be_sent(parent, web, letter, monkeypatch):
    to_email(parent, letter)
    monkeypatch.setitem(web.extensions, "mail", FailingMailer())
    response = give_email(parent)
    assert response.status_code == 422
    assert alert(response.text) == activation_messages.MAIL_FAILED
    (field,) = elements(response.text, "input", name="courriel")
    assert field["value"] == NEW_EMAIL
    assert redirects_to(parent.get("/activation/courriel/envoye"), "/activation/courriel")


def test_a_link_that_could_not_leave_is_dropped_for_the_newer_one(parent, web, letter, monkeypatch):
    to_email(parent, letter)
    working = web.extensions["mail"]
    monkeypatch.setitem(web.extensions, "mail", FailingMailer())
    refused = give_email(parent)
    assert refused.status_code == 422
    assert alert(refused.text) == LINK_NOT_YET_SENT.replace("Le courriel", "Le mail")
    monkeypatch.setitem(web.extensions, "mail", working)
    assert redirects_to(give_email(parent), "/activation/courriel/envoye")
    # The first link, waiting for the queue's next try, will never arrive after the second.
    states = [(mail["to"], mail["state"]) for mail in queued(web.extensions["store"])]
    assert states == [(NEW_EMAIL, SUPERSEDED), (NEW_EMAIL, SENT)]


# Step 4: the waiting screen, « Renvoyer le mail », « Modifier l'adresse » -------------------


def test_resend_waits_a_minute_then_only_the_newest_link_works(parent, web, clock, letter):
    first = to_waiting(parent, web, letter)
    response = parent.post("/activation/courriel/renvoyer")
    assert response.status_code == 422
    assert alert(response.text) == "Vous pourrez demander un nouveau mail dans 60 secondes."
    clock.advance(seconds=59)
    response = parent.post("/activation/courriel/renvoyer")
    assert alert(response.text) == "Vous pourrez demander un nouveau mail dans 1 seconde."
    clock.advance(seconds=1)
    response = parent.post("/activation/courriel/renvoyer")
    assert response.status_code == 200
    assert status_message(response.text) == activation_messages.MAIL_SENT_AGAIN
    assert len(mails(web)) == 2
    second = last_link(web)
    assert second != first

    old = parent.get(first)
    assert old.status_code == 410
    assert texts(old.text, "h1") == ["Lien d'activation remplacé"]
    assert redirects_to(activate(parent, second), "/mes-services")


def test_at_most_five_mails(parent, web, clock, letter):
    to_waiting(parent, web, letter)
    for _ in range(4):
        clock.advance(seconds=60)
        assert parent.post("/activation/courriel/renvoyer").status_code == 200
    clock.advance(seconds=60)
    response = parent.post("/activation/courriel/renvoyer")
    assert response.status_code == 422
    assert alert(response.text) == activation_messages.TOO_MANY_MAILS
    assert len(mails(web)) == 5
    # Nor by another address.
    parent.post("/activation/courriel/modifier")
    response = give_email(parent, "autre@example.org")
    assert response.status_code == 422
    assert alert(response.text) == activation_messages.TOO_MANY_MAILS
    assert len(mails(web)) == 5


def test_the_mails_of_a_journey_are_a_setting_the_waiting_screen_quotes(
    make_app, seeded, clock, letter
):
    web = install(make_app(WTF_CSRF_ENABLED=False, ACTIVATION_MAILS_PER_JOURNEY=2), clock)
    parent = web.test_client()
    to_waiting(parent, web, letter)
    assert "(2 mails au plus)" in plain(parent.get("/activation/courriel/envoye").text)
    parent.post("/activation/courriel/modifier")
    to_waiting_from_email(parent, web, "autre@example.org")
    clock.advance(seconds=60)
    refused = parent.post("/activation/courriel/renvoyer")
    assert (refused.status_code, alert(refused.text)) == (422, activation_messages.TOO_MANY_MAILS)
    assert len(mails(web)) == 2


def test_changing_the_address(parent, web, letter):
    first = to_waiting(parent, web, letter, "sophie@exemple.fr")  # a typo: not her address
    response = parent.post("/activation/courriel/modifier")
    assert redirects_to(response, "/activation/courriel")
    # The mistyped address's link no longer activates anything.
    assert parent.get(first).status_code == 410
    (field,) = elements(parent.get("/activation/courriel").text, "input", name="courriel")
    assert field["value"] == "sophie@exemple.fr"
    link = to_waiting_from_email(parent, web)
    assert redirects_to(activate(parent, link), "/mes-services")


# The link -----------------------------------------------------------------------------------


def test_link_activates_and_signs_in(parent, web, db, letter):
    link = to_waiting(parent, web, letter)
    page = parent.get(link)
    assert page.status_code == 200
    assert texts(page.text, "title") == ["Activation du compte — Téléservices"]
    assert texts(page.text, "h1") == ["Activation du compte"]
    assert f"Activez le compte ÉduConnect {SOPHIE_ID}" in plain(page.text)
    assert NEW_EMAIL in plain(page.text)
    # Opening the link changes nothing: a mail filter opening it does not spend it.
    assert account(db)["state"] == "notifié"
    assert parent.get(link).status_code == 200

    response = parent.post(link)
    assert redirects_to(response, "/mes-services")
    activated = account(db)
    assert activated["state"] == "actif" and activated["method"] == "notification"
    assert activated["email"] == NEW_EMAIL and activated["email_confirmed"] is True
    assert passwords.verify_password(activated["password_hash"], PASSWORD)
    assert activated["temporary_password_hash"] is None
    assert activated[activation.PENDING] is None
    assert activated["activated_at"]
    with parent.session_transaction() as session:
        assert set(session) - {"_permanent", "_flashes"} == {"account_id"}
        assert session["account_id"] == activated["id"]

    services = parent.get("/mes-services")
    assert markup.alert(services.text, "services-alerte-statut") == (
        activation_messages.ACTIVATED.format(identifiant=SOPHIE_ID)
    )
    assert texts(services.text, "h3") == ["Hugo Lefèvre-D'Almeida", "Léa Lefèvre-D'Almeida"]
    assert every(db, journeys.JOURNEYS) == []


def test_link_opened_in_another_browser(parent, web, db, letter):
    link = to_waiting(parent, web, letter)
    elsewhere = web.test_client()
    assert redirects_to(activate(elsewhere, link), "/mes-services")
    assert signed_in_as(elsewhere) == account(db)["id"]
    # The first browser's waiting screen knows the account is active now.
    response = parent.post("/activation/courriel/renvoyer")
    assert redirects_to(response, "/connexion")
    assert markup.alert(parent.get("/connexion").text, "login-alert-statut") == (
        activation_messages.ALREADY_ACTIVE
    )
    assert journey_id(parent) is None
    assert len(mails(web)) == 1


def test_link_used_twice(parent, web, letter):
    link = to_waiting(parent, web, letter)
    assert redirects_to(activate(parent, link), "/mes-services")
    for method in ("GET", "POST"):
        response = web.test_client().open(link, method=method)
        assert response.status_code == 410
        assert texts(response.text, "h1") == ["Lien d'activation déjà utilisé"]
        assert "Ce lien a déjà servi : votre compte ÉduConnect est activé." in plain(response.text)


def test_link_valid_48_hours(parent, web, clock, letter):
    link = to_waiting(parent, web, letter)
    clock.advance(hours=47, minutes=59, seconds=59)
    assert parent.get(link).status_code == 200
    clock.advance(seconds=2)
    for method in ("GET", "POST"):
        response = parent.open(link, method=method)
        assert response.status_code == 410
        assert texts(response.text, "h1") == ["Lien d'activation expiré"]
        assert "il était valable 48 heures" in plain(response.text)
    assert account(parent.application.extensions["store"])["state"] == "notifié"


def tampered(link: str) -> list[str]:
    token = link.rsplit("/", 1)[1]
    payload, timestamp, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    other_key = activation_links.make_token("une-autre-cle", 1, NEW_EMAIL, "n")
    return [
        f"/activation/lien/{payload}.{timestamp}.{flipped}",
        f"/activation/lien/{token[:-5]}",
        f"/activation/lien/{token}x",
        f"/activation/lien/{other_key}",
        "/activation/lien/pas-un-lien",
        "/activation/lien/" + "A" * 3000,
    ]


def test_tampered_links(parent, web, db, letter):
    link = to_waiting(parent, web, letter)
    for bad in tampered(link):
        for method in ("GET", "POST"):
            response = parent.open(bad, method=method)
            assert response.status_code == 400, bad
            assert texts(response.text, "h1") == ["Lien d'activation non valide"]
            assert "Ce lien d'activation n'est pas valide." in plain(response.text)
    assert account(db)["state"] == "notifié"
    assert signed_in_as(parent) is None


def test_link_for_another_account_or_address(parent, web, db, letter):
    """A token the service signed itself, for other content, never activates this account."""
    to_waiting(parent, web, letter)
    key = web.secret_key
    pending = account(db)[activation.PENDING]
    number = account(db)["id"]
    forged = [
        activation_links.make_token(key, number, "intrus@example.org", pending["nonce"]),
        activation_links.make_token(key, number, NEW_EMAIL, secrets.token_urlsafe(16)),
        activation_links.make_token(key, number + 99, NEW_EMAIL, pending["nonce"]),
    ]
    for token in forged:
        response = parent.post(f"/activation/lien/{token}")
        assert response.status_code in (403, 410), token
    assert account(db)["state"] == "notifié"


def test_a_new_first_login_supersedes_the_link(parent, web, letter):
    link = to_waiting(parent, web, letter)
    other = web.test_client()
    to_password(other, letter)
    response = parent.post(link)
    assert response.status_code == 410
    assert texts(response.text, "h1") == ["Lien d'activation remplacé"]


def test_a_new_letter_supersedes_the_link(parent, web, db, clock, letter):
    link = to_waiting(parent, web, letter)
    clock.advance(minutes=5)
    notify_sophie(db, clock)
    assert parent.post(link).status_code == 410
    assert account(db)["state"] == "notifié"


def test_blocked_account_is_not_activated(parent, web, db, letter):
    link = to_waiting(parent, web, letter)
    with db.writing() as tx:
        tx.update(accounts.ACCOUNTS, account(db)["id"], {"state": "bloqué"})
    response = parent.post(link)
    assert response.status_code == 403
    assert activation_messages.NOT_AVAILABLE in plain(response.text)
    assert account(db)["state"] == "bloqué"
    assert signed_in_as(parent) is None


def test_temporary_password_no_longer_works_after_activation(parent, web, db, letter):
    link = to_waiting(parent, web, letter)
    activate(parent, link)
    parent.post("/deconnexion")
    response = sign_in(parent, letter.temporary_password)
    assert response.status_code == 422
    assert login_alert(response.text) == FAILED
    assert journey_id(parent) is None
    assert redirects_to(sign_in(parent, PASSWORD), "/mes-services")


def test_school_cannot_notify_an_active_account(parent, web, db, clock, letter):
    activate(parent, to_waiting(parent, web, letter))
    result = notify(db, clock)
    assert list(result) == [] and len(result.skipped) == 1


# Steps that cannot be skipped or replayed ---------------------------------------------------

STEPS = [
    ("GET", "/activation/mot-de-passe"),
    ("POST", "/activation/mot-de-passe"),
    ("POST", "/activation/mot-de-passe/regles"),
    ("GET", "/activation/enfants"),
    ("POST", "/activation/enfants"),
    ("GET", "/activation/courriel"),
    ("POST", "/activation/courriel"),
    ("GET", "/activation/courriel/envoye"),
    ("POST", "/activation/courriel/renvoyer"),
    ("POST", "/activation/courriel/modifier"),
]
FORM = {**RIGHT_DATES, "mot_de_passe": PASSWORD, "confirmation": PASSWORD, "courriel": NEW_EMAIL}


def open_step(client, method: str, url: str):
    return client.open(url, method=method, data=FORM if method == "POST" else None)


@pytest.mark.parametrize(("method", "url"), [("GET", "/activation"), *STEPS])
def test_no_step_without_a_first_login(parent, web, db, letter, method, url):
    response = open_step(parent, method, url)
    assert redirects_to(response, "/connexion")
    assert mails(web) == []
    assert account(db)["state"] == "notifié"


@pytest.mark.parametrize(("method", "url"), STEPS[3:])
def test_no_later_step_before_the_password(parent, web, letter, method, url):
    to_password(parent, letter)
    assert redirects_to(open_step(parent, method, url), "/activation/mot-de-passe")
    assert redirects_to(parent.get("/activation"), "/activation/mot-de-passe")
    assert mails(web) == []


@pytest.mark.parametrize(("method", "url"), STEPS[5:])
def test_no_email_before_the_birth_dates(parent, web, letter, method, url):
    to_children(parent, letter)
    assert redirects_to(open_step(parent, method, url), "/activation/enfants")
    assert mails(web) == []


def test_steps_cannot_be_replayed(parent, web, letter):
    to_waiting(parent, web, letter)
    for method, url in STEPS[:7]:
        response = open_step(parent, method, url)
        assert redirects_to(response, "/activation/courriel/envoye"), (method, url)
    assert len(mails(web)) == 1


def test_forged_journey_id(parent, web, db, letter):
    to_children(parent, letter)
    with parent.session_transaction() as session:
        session["activation"] = secrets.token_urlsafe(32)
    for method, url in STEPS:
        assert redirects_to(open_step(parent, method, url), "/connexion"), (method, url)


# Signed in again: an activation in progress belongs to the account (issue 12, item 6) ----------


def test_signed_in_again_with_the_new_password_the_activation_resumes_at_its_step(
    parent, web, db, letter
):
    """The session ended (30 idle minutes, another device): the new password chosen at step 1
    proves the parent is who chose it, and the activation goes on where it stood."""
    to_email(parent, letter)
    again = web.test_client()
    response = sign_in(again, PASSWORD)
    assert redirects_to(response, "/activation/courriel")
    page = again.get("/activation/courriel")
    assert page.status_code == 200
    assert "Étape 3 sur 4" in page.text
    assert signed_in_as(again) is None
    assert account(db)["failures"] == 0


def test_resumed_at_the_waiting_screen_the_link_sent_before_still_activates(
    parent, web, db, letter
):
    link = to_waiting(parent, web, letter)
    again = web.test_client()
    assert redirects_to(sign_in(again, PASSWORD), "/activation/courriel/envoye")
    page = again.get("/activation/courriel/envoye")
    assert NEW_EMAIL in plain(page.text)
    activate(again, link)
    assert account(db)["state"] == "actif"
    assert passwords.verify_password(account(db)["password_hash"], PASSWORD)


def test_the_new_password_resumes_nothing_before_it_is_chosen(parent, web, db, letter):
    to_password(parent, letter)
    response = sign_in(web.test_client(), PASSWORD)
    assert response.status_code == 422
    assert login_alert(response.text) == FAILED
    assert account(db)["failures"] == 1


def test_the_temporary_password_typed_again_forgets_the_password_chosen_before(parent, web, letter):
    """Whoever holds the letter starts again from step 1; the password someone chose before
    never completes an activation, nor resumes it (the letter may have been read by another)."""
    to_email(parent, letter)
    to_password(web.test_client(), letter)
    response = sign_in(web.test_client(), PASSWORD)
    assert response.status_code == 422
    assert login_alert(response.text) == FAILED


def test_the_activation_resumes_for_its_lifetime_only(parent, web, clock, letter):
    to_email(parent, letter)
    clock.advance(minutes=59)
    assert redirects_to(sign_in(web.test_client(), PASSWORD), "/activation/courriel")
    clock.advance(minutes=1, seconds=1)
    response = sign_in(web.test_client(), PASSWORD)
    assert response.status_code == 422


def test_a_waiting_client_resumes_nothing(parent, web, letter):
    to_email(parent, letter)
    again = web.test_client()
    for _ in range(5):
        sign_in(again, "Pas-le-bon-2026!")
    response = sign_in(again, PASSWORD)
    assert response.status_code == 422
    assert journey_id(again) is None


def test_expired_journey(parent, clock, letter):
    to_children(parent, letter)
    clock.advance(hours=1, seconds=1)
    assert redirects_to(parent.get("/activation/enfants"), "/connexion")


# Page or fragment ---------------------------------------------------------------------------


def assert_fragment(response, number: int, title: str) -> None:
    html = response.text
    assert "<html" not in html and "<body" not in html
    error = "Erreur — " if response.status_code >= 400 else ""
    assert html.startswith(f"<title>{error}Étape {number} sur 4 — {title} — Téléservices</title>")
    assert elements(html, "div", id="parcours")
    assert "HX-Request" in response.headers["Vary"]


def assert_pushed(client, response, url: str, number: int, title: str) -> None:
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == url
    assert_fragment(response, number, title)
    assert_fragment(client.get(url, headers=HTMX), number, title)


def test_each_step_as_a_fragment(parent, web, letter):
    to_password(parent, letter)
    assert_fragment(
        parent.get("/activation/mot-de-passe", headers=HTMX), 1, "Votre nouveau mot de passe"
    )
    response = choose(parent, PASSWORD, headers=HTMX)
    assert_pushed(parent, response, "/activation/enfants", 2, "Vos enfants")
    response = parent.post("/activation/enfants", data=RIGHT_DATES, headers=HTMX)
    assert_pushed(parent, response, "/activation/courriel", 3, "Votre adresse électronique")
    response = give_email(parent, headers=HTMX)
    assert_pushed(
        parent, response, "/activation/courriel/envoye", 4, "Confirmation de votre adresse"
    )
    response = parent.post("/activation/courriel/renvoyer", headers=HTMX)
    assert response.status_code == 422
    assert_fragment(response, 4, "Confirmation de votre adresse")
    response = parent.post("/activation/courriel/modifier", headers=HTMX)
    assert_pushed(parent, response, "/activation/courriel", 3, "Votre adresse électronique")


def test_errors_as_fragments(parent, letter):
    to_password(parent, letter)
    response = choose(parent, "court", headers=HTMX)
    assert response.status_code == 422
    assert_fragment(response, 1, "Votre nouveau mot de passe")
    choose(parent, PASSWORD)
    response = parent.post("/activation/enfants", data=HUGO_WRONG, headers=HTMX)
    assert response.status_code == 422
    assert_fragment(response, 2, "Vos enfants")
    parent.post("/activation/enfants", data=RIGHT_DATES)
    response = give_email(parent, "pas-une-adresse", headers=HTMX)
    assert response.status_code == 422
    assert_fragment(response, 3, "Votre adresse électronique")


def test_whole_pages(parent, letter):
    to_password(parent, letter)
    html = parent.get("/activation/mot-de-passe").text
    assert html.startswith("<!doctype html>")
    assert texts(html, "h1") == ["Activation du compte"]


# CSRF ---------------------------------------------------------------------------------------


@pytest.fixture
def guarded_letter(guarded, clock) -> notifications.Letter:
    return notify_sophie(guarded.extensions["store"], clock)


def guarded_waiting(client, app, letter) -> str:
    """The steps with the CSRF token of each page, up to the waiting screen."""
    token = csrf_token(client.get("/connexion").text)
    data = {"identifiant": SOPHIE_ID, "mot_de_passe": letter.temporary_password}
    response = client.post("/connexion", data={**data, "csrf_token": token})
    assert redirects_to(response, "/activation/mot-de-passe")
    steps = [
        ("/activation/mot-de-passe", {"mot_de_passe": PASSWORD, "confirmation": PASSWORD}),
        ("/activation/enfants", RIGHT_DATES),
        ("/activation/courriel", {"courriel": NEW_EMAIL}),
    ]
    for url, fields in steps:
        token = csrf_token(client.get(url).text)
        response = client.post(url, data={**fields, "csrf_token": token})
        assert response.status_code == 303, (url, plain(response.text))
    return last_link(app)


@pytest.mark.parametrize(
    "url",
    [
        "/activation/mot-de-passe",
        "/activation/mot-de-passe/regles",
        "/activation/enfants",
        "/activation/courriel",
        "/activation/courriel/renvoyer",
        "/activation/courriel/modifier",
    ],
)
@pytest.mark.parametrize("token", ["none", "garbage", "another session's"])
def test_step_posts_need_the_right_token(guarded, guarded_letter, url, token):
    client = guarded.test_client()
    client.get("/connexion")
    data = {**FORM}
    if token == "garbage":
        data["csrf_token"] = "pas-le-bon-jeton"
    elif token == "another session's":
        data["csrf_token"] = csrf_token(guarded.test_client().get("/connexion").text)
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert CSRF_MESSAGE in plain(response.text)


def test_link_needs_the_right_token(guarded, guarded_letter):
    client = guarded.test_client()
    link = guarded_waiting(client, guarded, guarded_letter)
    elsewhere = guarded.test_client()
    page = elsewhere.get(link)
    assert page.status_code == 200
    for data in ({}, {"csrf_token": "pas-le-bon-jeton"}):
        response = elsewhere.post(link, data=data)
        assert response.status_code == 400
        assert CSRF_MESSAGE in plain(response.text)
    store = guarded.extensions["store"]
    assert account(store)["state"] == "notifié"
    response = elsewhere.post(link, data={"csrf_token": csrf_token(page.text)})
    assert redirects_to(response, "/mes-services")
    assert account(store)["state"] == "actif"
