"""The school's mails given up (views/admin_mail.py): after MAIL_ATTEMPTS tries a school's mail
(a request's notice, a decision, a letter's identifiers, the reminder, an examination's result)
is listed for its staff — to whom (masked), about what, when, the last error in plain French —,
a page at a time, with « Renvoyer »: the mail is queued again, tried at once, and the journal
says so. Only the school's own mails; without JavaScript. On both engines (TEST_BACKEND)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from records import audit, bourse_requests, mail_queue, reminders
from records.mail_queue import GAVE_UP, QUEUE, SENT, SUPERSEDED, WAITING
from tests.markup import alert, elements, plain, redirects_to, table_rows, texts
from tests.test_admin_bourse import moved, read, submitted
from tests.test_mail_after_commit import WatchingMailer
from tests.test_mail_queue import queued

CONCORDE, PALMISTES = "0691234A", "0973123Z"
PAGE = "/admin/courriels-non-partis"
GIVE_UP_AT_ONCE = mail_queue.Limits(1, timedelta(seconds=60), timedelta(days=7))


def given_up(db, clock, to: str, about: dict | None, school: str = CONCORDE, **options) -> dict:
    """A school's mail, given up at its last try with `error`."""
    error = options.pop("error", "SMTPRecipientsRefused")
    mail = mail_queue.Outgoing(
        to, options.get("subject", "Votre demande"), "Bonjour", (), "decision", about, school
    )
    with db.writing() as tx:
        doc = mail_queue.add(tx, mail, clock.now(), GIVE_UP_AT_ONCE)
        assert mail_queue.failed(tx, doc, error, clock.now(), GIVE_UP_AT_ONCE) == GAVE_UP
    return doc


def decision_given_up(db, clock) -> tuple[str, dict]:
    """A decision whose e-mail to karim@example.org was given up, as the request says it."""
    numero = submitted(db, clock, "Inès")["number"]
    moved(db, clock, numero, ("en instruction", {}))
    about = {"table": bourse_requests.REQUESTS, "id": numero, "event": "decision"}
    with db.writing() as tx:
        bourse_requests.record_notices(
            tx,
            numero,
            "decision",
            [{"channel": "courriel", "to": "karim@example.org", "sent": False}],
            clock.now(),
        )
    return numero, given_up(db, clock, "karim@example.org", about)


def test_the_schools_mails_given_up_are_listed_masked_with_their_error(office, db, clock):
    numero, _ = decision_given_up(db, clock)
    clock.advance(minutes=5)
    reminder = {"table": "bourse_relances", "id": 1, "to": "aminata@example.net"}
    given_up(db, clock, "aminata@example.net", reminder, error="ConnectionRefusedError")
    given_up(db, clock, "ailleurs@example.org", None, school=PALMISTES)
    given_up(db, clock, "parent@example.org", None, school="")  # a parent's own link
    page = office.get(PAGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert texts(html, "h1") == ["Courriels non partis"]
    rows = [row[:4] for row in table_rows(html, "courriels-non-partis")]
    # Newest first; the address masked, as « Mot de passe oublié ? » shows one.
    assert rows == [
        [
            "14/09/2026 à 10 h 05",
            "a•••@example.net",
            "Rappel aux familles sans demande de bourse",
            "Le serveur de messagerie n'a pas répondu.",
        ],
        [
            "14/09/2026 à 10 h 00",
            "k•••@example.org",
            f"Décision — demande n° {numero}",
            "L'adresse a été refusée par le serveur de messagerie : vérifiez-la auprès de la "
            "famille.",
        ],
    ]
    assert "karim@example.org" not in html and "ailleurs" not in html and "parent@" not in html
    # « Renvoyer » is a plain form: it works without JavaScript.
    forms = elements(html, "form", method="post")
    assert [form["action"] for form in forms if "renvoyer" in form["action"]] == [
        f"{PAGE}/{mail['id']}/renvoyer"
        for mail in reversed(queued(db))
        if mail["state"] == GAVE_UP and mail["uai"] == CONCORDE
    ]


def test_the_page_is_in_the_menu_of_both_roles_and_says_when_there_is_none(office, head):
    for client in (office, head):
        html = client.get("/admin").get_data(as_text=True)
        assert "Courriels non partis" in texts(html, "a")
    html = office.get(PAGE).get_data(as_text=True)
    assert "Aucun courriel n'a été abandonné" in plain(html)
    assert elements(html, "a", aria_current="page")[0]["href"] == PAGE


def test_the_mails_given_up_are_paged(office, db, clock):
    for number in range(25):
        given_up(db, clock, f"famille{number:02d}@example.org", None)
        clock.advance(minutes=1)
    first = office.get(PAGE).get_data(as_text=True)
    assert len(table_rows(first, "courriels-non-partis")) == 20
    second = office.get(f"{PAGE}?page=2").get_data(as_text=True)
    assert [row[1] for row in table_rows(second, "courriels-non-partis")] == [
        "f•••@example.org"
    ] * 5
    assert "page 2 sur 2" in plain(second)


def test_a_mail_sent_again_leaves_is_journaled_and_its_record_says_sent(web, head, db, clock):
    numero, mail = decision_given_up(db, clock)
    web.extensions["mail"] = WatchingMailer(db)
    answer = head.post(f"{PAGE}/{mail['id']}/renvoyer")
    assert redirects_to(answer, PAGE)
    assert [one["to"] for one in web.extensions["mail"].mails] == ["karim@example.org"]
    html = head.get(PAGE).get_data(as_text=True)
    assert alert(html, "courriels-alerte-statut") == "Le courriel à k•••@example.org est parti."
    assert "Aucun courriel n'a été abandonné" in plain(html)
    old, new = queued(db)
    assert (old["state"], new["state"], new["uai"]) == (SUPERSEDED, SENT, CONCORDE)
    # The request's notice follows the queue: sent now.
    (notice,) = read(db, bourse_requests.find, numero)["notices"]
    assert notice["sent"] is True
    with db.reading() as tx:
        (entry,) = [one for one in audit.entries(tx, CONCORDE) if one["action"] == "courriel"]
    assert (
        entry["detail"]
        == f"Courriel « Décision — demande n° {numero} » renvoyé à k•••@example.org."
    )
    assert entry["staff"] == "direction.concorde"


def test_a_mail_sent_again_that_fails_again_waits_for_the_queue(web, office, db, clock):
    _, mail = decision_given_up(db, clock)
    web.extensions["mail"] = WatchingMailer(db, refuse=True)
    assert redirects_to(office.post(f"{PAGE}/{mail['id']}/renvoyer"), PAGE)
    html = office.get(PAGE).get_data(as_text=True)
    assert alert(html, "courriels-alerte") == (
        "Le courriel à k•••@example.org n'est pas encore parti : il sera renvoyé "
        "automatiquement dans les prochaines minutes. S'il ne peut toujours pas partir, il "
        "sera listé dans « Courriels non partis »."
    )
    assert [(one["state"], one["attempts"]) for one in queued(db)] == [
        (SUPERSEDED, 1),
        (WAITING, 1),
    ]


def test_a_mail_sent_again_twice_leaves_once(web, office, db, clock):
    _, mail = decision_given_up(db, clock)
    web.extensions["mail"] = WatchingMailer(db)
    office.post(f"{PAGE}/{mail['id']}/renvoyer")
    office.get(PAGE)
    answer = office.post(f"{PAGE}/{mail['id']}/renvoyer")  # a second click, a page read before
    assert redirects_to(answer, PAGE)
    html = office.get(PAGE).get_data(as_text=True)
    assert alert(html, "courriels-alerte-statut") == "Ce courriel a déjà été renvoyé."
    assert len(web.extensions["mail"].mails) == 1


@pytest.mark.parametrize("school", [PALMISTES, ""])
def test_another_schools_mail_or_a_parents_cannot_be_sent_again(web, office, db, clock, school):
    mail = given_up(db, clock, "ailleurs@example.org", None, school=school)
    web.extensions["mail"] = WatchingMailer(db)
    assert office.post(f"{PAGE}/{mail['id']}/renvoyer").status_code == 404
    assert office.post(f"{PAGE}/99999/renvoyer").status_code == 404
    assert web.extensions["mail"].mails == []


def test_a_schools_mail_given_up_keeps_what_it_said_to_be_sent_again(db, clock):
    mail = given_up(db, clock, "karim@example.org", None)
    parents = given_up(db, clock, "parent@example.org", None, school="")
    with db.reading() as tx:
        kept, erased = tx.get(QUEUE, mail["id"]), tx.get(QUEUE, parents["id"])
    assert kept["body"] == "Bonjour"
    # A parent's own mail (a link as good as a password) is erased, as before.
    assert erased["body"] == ""


def test_a_reminders_mail_sent_again_is_counted_sent_and_no_longer_failed(web, office, db, clock):
    from tests.test_mail_after_commit import confirm_aminata
    from tests.test_non_recours import SEND

    web.config["MAIL_ATTEMPTS"] = 1
    web.extensions["mail"] = WatchingMailer(db, refuse=True)
    confirm_aminata(db, clock)
    office.post(SEND)
    with db.reading() as tx:
        row = reminders.of_campaign(tx, CONCORDE, "2026-2027")
    assert (row["emails"], row["failed"], row["mails_gave_up"]) == (0, 1, 1)
    (mail,) = [one for one in queued(db) if one["state"] == GAVE_UP]
    web.extensions["mail"].refuse = False
    office.post(f"{PAGE}/{mail['id']}/renvoyer")
    with db.reading() as tx:
        row = reminders.of_campaign(tx, CONCORDE, "2026-2027")
    assert (row["emails"], row["failed"], row["mails_gave_up"]) == (1, 0, 0)
    assert reminders.mails_waiting(row) == 0


def test_an_examinations_mail_given_up_is_listed(web, office, db, clock):
    from tests.test_examination import ROUSSEAU, launch
    from tests.test_examination import consent as examination_consent

    web.config["MAIL_ATTEMPTS"] = 1
    web.extensions["mail"] = WatchingMailer(db, refuse=True)
    examination_consent(db, clock, "Chloé", ROUSSEAU)
    launch(office)
    html = office.get(PAGE).get_data(as_text=True)
    assert [row[2] for row in table_rows(html, "courriels-non-partis")] == [
        "Résultat de l'examen automatique du droit à bourse"
    ]
