"""E-mails leave after the commit of what decided them, never inside a transaction (issue 10): a
change rolled back sends nothing, and no lock (TinyDB's file lock, a PostgreSQL transaction)
waits while SMTP talks. On both engines (TEST_BACKEND)."""

from contextlib import contextmanager

import psycopg
import pytest

from outside.storage import StorageError
from records import audit, examinations, reminders
from tests.markup import plain
from tests.test_admin_bourse import account_for
from tests.test_examination import ROUSSEAU, launch, results
from tests.test_examination import consent as examination_consent
from tests.test_non_recours import PAGE as NON_RECOURS
from tests.test_non_recours import SEND
from views.sending import mail_after_commit, send_mail, send_sms
from views.unit import writes

CONCORDE = "0691234A"
PARENT = "nadia.after-commit@example.org"
KEPT = "+33612340001"


def kept_sms(store) -> list[str]:
    """The SMS saved, as a fresh transaction reads them."""
    with store.reading() as tx:
        return [one["body"] for one in tx.latest("sms_outbox", 50)]


def someone_writes(store) -> bool:
    """Whether a write transaction is open anywhere: this thread's, TinyDB's file lock, or an
    open PostgreSQL transaction of any connection but ours."""
    if store.holding():
        return True
    if store.engine == "tinydb":
        return store._lock.is_locked
    with psycopg.connect(store.url) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
        ).fetchone()
    return count > 0


class WatchingMailer:
    """A mail server that notes, for each mail, whether a transaction was open as it talked
    and what was saved by then."""

    def __init__(self, store, refuse: bool = False, look=kept_sms):
        self.store = store
        self.refuse = refuse
        self.look = look  # what was saved, as a fresh transaction reads it
        self.mails: list[dict] = []

    def send(self, to, subject, body, attachments=()) -> None:
        self.mails.append(
            {
                "to": to,
                "subject": subject,
                "writing": someone_writes(self.store),
                "saved": self.look(self.store),
            }
        )
        if self.refuse:
            raise ConnectionRefusedError("serveur SMTP injoignable")


# The store's after-commit hook ----------------------------------------------------------------


def test_work_waits_for_the_commit_and_runs_with_no_transaction_open(store):
    seen = []
    with store.writing() as tx:
        tx.insert("sms_outbox", {"to": KEPT, "body": "décidé", "sent_at": "2026-09-14"})
        with store.writing():  # joined: the hook waits for the outermost commit
            store.after_commit(lambda: seen.append((someone_writes(store), kept_sms(store))))
        assert seen == []
    assert seen == [(False, ["décidé"])]


def test_work_of_a_transaction_rolled_back_is_forgotten(store):
    seen = []
    with pytest.raises(RuntimeError), store.writing():
        store.after_commit(lambda: seen.append("parti"))
        raise RuntimeError("annulé")
    with store.writing():
        pass
    assert seen == []


def test_without_a_write_transaction_work_runs_at_once(store):
    seen = []
    store.after_commit(lambda: seen.append("parti"))
    with store.reading():
        store.after_commit(lambda: seen.append("aussi"))
    assert seen == ["parti", "aussi"]


# In a request ---------------------------------------------------------------------------------


@pytest.fixture
def mailing(make_app):
    """An app with a few views that decide mails, and the watching mail server."""
    app = make_app(WTF_CSRF_ENABLED=False)
    mailer = WatchingMailer(app.extensions["store"])
    app.extensions["mail"] = mailer

    @app.post("/essai/envoyer")
    def mail_then_more():
        send_sms(KEPT, "avant le courriel")
        sent = send_mail(PARENT, "Votre demande", "Bonjour")
        send_sms(KEPT, "après le courriel")
        return {"sent": sent}

    @app.post("/essai/annule")
    def decided_then_failed():
        send_sms(KEPT, "annulé")
        mail_after_commit(PARENT, "Jamais parti", "Bonjour")
        raise RuntimeError("la vue échoue")

    @app.get("/essai/lecture")
    @writes
    def mailed_from_a_get():
        return {"sent": send_mail(PARENT, "Depuis un GET", "Bonjour")}

    app.mailer = mailer
    return app


def test_a_mail_leaves_after_the_commit_of_what_decided_it(mailing):
    answer = mailing.test_client().post("/essai/envoyer")
    assert answer.status_code == 200 and answer.json == {"sent": True}
    (mail,) = mailing.mailer.mails
    assert mail["writing"] is False
    assert mail["saved"] == ["avant le courriel"]
    # The rest of the request is saved too, in a transaction of its own.
    assert kept_sms(mailing.extensions["store"]) == ["après le courriel", "avant le courriel"]


def test_a_mail_decided_by_a_request_rolled_back_is_not_sent(mailing):
    with pytest.raises(RuntimeError):  # TESTING lets the view's exception through
        mailing.test_client().post("/essai/annule")
    assert mailing.mailer.mails == []
    assert kept_sms(mailing.extensions["store"]) == []


def test_a_mail_whose_decision_cannot_be_saved_is_not_sent(mailing, monkeypatch):
    store = mailing.extensions["store"]
    saving = store._write

    @contextmanager
    def failing(**options):
        with saving(**options) as tx:
            yield tx
            raise StorageError("disque plein")

    monkeypatch.setattr(store, "_write", failing)
    answer = mailing.test_client().post("/essai/envoyer")
    assert answer.status_code == 503
    assert mailing.mailer.mails == []
    monkeypatch.undo()
    assert kept_sms(store) == []


def test_a_get_that_writes_mails_after_its_commit_too(mailing):
    answer = mailing.test_client().get("/essai/lecture")
    assert answer.json == {"sent": True}
    assert [mail["writing"] for mail in mailing.mailer.mails] == [False]


def test_a_mail_that_cannot_leave_is_said_to_the_view(mailing):
    mailing.mailer.refuse = True
    answer = mailing.test_client().post("/essai/envoyer")
    assert answer.json == {"sent": False}
    assert len(kept_sms(mailing.extensions["store"])) == 2


# The examination's run, in the background --------------------------------------------------


def test_the_examinations_mails_leave_after_their_batch_with_no_lock_held(office, web, db, clock):
    def notices(store) -> list[tuple]:
        return [(one["channel"], one["sent"]) for one in results(store)["Chloé"]["notices"]]

    mailer = WatchingMailer(db, look=notices)
    web.extensions["mail"] = mailer
    examination_consent(db, clock, "Chloé", ROUSSEAU)
    launch(office)
    (mail,) = mailer.mails
    assert (mail["to"], mail["writing"]) == ("eric.rousseau@example.org", False)
    # The batch was saved, its e-mail « en attente » on the result.
    assert mail["saved"] == [("courriel", None), ("sms", True)]
    told = results(db)["Chloé"]["notices"]
    assert [(one["channel"], one["sent"]) for one in told] == [("courriel", True), ("sms", True)]


def test_an_examinations_mail_waiting_is_said_so_on_the_page(office, web, db, clock):
    examination_consent(db, clock, "Chloé", ROUSSEAU)
    launch(office)
    with db.writing() as tx:
        (row,) = examinations.of_school(tx, CONCORDE, "2026-2027")
        waiting = [{**row["notices"][0], "sent": None}, *row["notices"][1:]]
        tx.update(examinations.EXAMINATIONS, row["id"], {"notices": waiting})
    page = plain(office.get("/admin/bourses/examen").get_data(as_text=True))
    assert "Courriel en attente d'envoi depuis le 14/09/2026" in page


# The non-recours reminder -----------------------------------------------------------------------


def confirm_aminata(db, clock) -> None:
    with db.writing() as tx:
        aminata = account_for(tx, clock, "Moussa")
        tx.update(
            "comptes", aminata["id"], {"email": "aminata@example.net", "email_confirmed": True}
        )


def test_the_reminders_mails_leave_once_it_is_saved(office, web, db, clock):
    def reminder(store) -> dict | None:
        with store.reading() as tx:
            return reminders.of_campaign(tx, CONCORDE, "2026-2027")

    mailer = WatchingMailer(db, look=reminder)
    web.extensions["mail"] = mailer
    confirm_aminata(db, clock)
    office.post(SEND)
    (mail,) = mailer.mails
    assert (mail["to"], mail["writing"]) == ("aminata@example.net", False)
    # The reminder was saved before its mail left: none counted yet.
    assert (mail["saved"]["sms"], mail["saved"]["emails"]) == (6, 0)
    assert (reminder(db)["emails"], reminder(db)["failed"]) == (1, 0)


def test_a_reminders_mail_that_cannot_leave_yet_is_said_waiting_then_counted_once_sent(
    office, web, db, clock
):
    mailer = WatchingMailer(db, refuse=True)
    web.extensions["mail"] = mailer
    confirm_aminata(db, clock)
    office.post(SEND)
    page = plain(office.get(NON_RECOURS).get_data(as_text=True))
    assert "Le rappel est envoyé à 6 responsable(s) : 6 SMS et 0 courriel(s)." in page
    assert (
        "1 courriel n'est pas encore parti : il sera renvoyé automatiquement dans les "
        "prochaines minutes. S'il ne peut toujours pas partir, il sera listé dans « Courriels "
        "non partis »."
    ) in page
    assert "0 courriel, à 6 responsables (1 courriel en attente d'un nouvel essai)." in page
    mailer.refuse = False
    page, row = after_the_queues_next_try(office, web, db, clock)
    # What the school sees is what the queue did: the mail left, later.
    assert "6 SMS et 1 courriel, à 6 responsables. Le rappel" in page
    assert (row["emails"], row["failed"]) == (1, 0)


def after_the_queues_next_try(office, web, db, clock) -> tuple[str, dict]:
    """The non-recours page and the reminder's row once `flask mail envoyer` tried again."""
    from tests.test_admin_bourse import the_queue_tries_again  # which imports this module

    the_queue_tries_again(web, clock)
    page = plain(office.get(NON_RECOURS).get_data(as_text=True))
    with db.reading() as tx:
        return page, reminders.of_campaign(tx, CONCORDE, "2026-2027")


def test_a_reminders_mail_given_up_is_counted_and_journaled(office, web, db, clock):
    web.config["MAIL_ATTEMPTS"] = 2
    web.extensions["mail"] = WatchingMailer(db, refuse=True)
    confirm_aminata(db, clock)
    office.post(SEND)
    page, row = after_the_queues_next_try(office, web, db, clock)
    assert "6 SMS et 0 courriel, à 6 responsables (1 message n'a pas pu partir)." in page
    with db.reading() as tx:
        details = [entry["detail"] for entry in audit.entries(tx, CONCORDE)][:2]
    assert (row["emails"], row["failed"]) == (0, 1)
    assert details == [
        "Rappel de la campagne 2026-2027 : 1 courriel(s) non parti(s).",
        "Rappel de la campagne 2026-2027 envoyé à 6 responsable(s) : 6 SMS, 1 courriel(s).",
    ]
