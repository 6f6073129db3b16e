"""The mails waiting to leave (issue 10, records/mail_queue.py): a mail is written in the
transaction of what decided it and sent after its commit; one SMTP refused waits in the queue
and `flask --app app mail envoyer` sends it once SMTP answers, once, even from two machines at
once; after MAIL_ATTEMPTS tries it is given up. On both engines (TEST_BACKEND); SMTP is a real
server (aiosmtpd) where the test needs one."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from outside.mail import Attachment
from outside.storage.schema import EXPIRES
from records import mail_queue
from records.mail_queue import CLAIM, GAVE_UP, QUEUE, SENT, SUPERSEDED, WAITING
from tests.conftest import TEST_SETTINGS
from tests.fake_clock import START, FakeClock, install
from tests.processes import racers
from tests.test_examination import ROUSSEAU, launch, results
from tests.test_examination import consent as examination_consent
from tests.test_mail_after_commit import WatchingMailer, kept_sms
from tests.test_outboxes import Collector, free_port
from views.sending import deliver, mail_after_commit, send_mail, send_sms

PARENT = "ines.queue@example.org"
KEPT = "+33612340002"
# The test settings' MAIL_ATTEMPTS, MAIL_RETRY_SECONDS, MAIL_KEPT_DAYS.
LIMITS = mail_queue.Limits(8, timedelta(seconds=60), timedelta(days=7))
RECEIPT = Attachment("accuse-0691234A-2026-00007.pdf", "application/pdf", b"%PDF-1.4 " * 100)


def queued(store) -> list[dict]:
    """The queue as a fresh transaction reads it, oldest first."""
    with store.reading() as tx:
        return sorted(tx.latest(QUEUE, 100), key=lambda doc: doc["id"])


def send_waiting(app) -> str:
    """`flask --app app mail envoyer`, its output."""
    result = app.test_cli_runner().invoke(args=["mail", "envoyer"])
    assert result.exit_code == 0, result.output
    return result.output


def said(sent: int, waiting: int = 0, gave_up: int = 0) -> str:
    return f"Courriels : {sent} envoyé(s), {waiting} toujours en attente, {gave_up} abandonné(s).\n"


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def queueing(make_app, clock):
    """An app whose views decide mails, with a mail server that notes what it is handed (and
    refuses while `refuse` is set)."""
    app = install(make_app(WTF_CSRF_ENABLED=False), clock)
    mailer = WatchingMailer(app.extensions["store"], look=queued)
    app.extensions["mail"] = mailer

    @app.post("/essai/envoyer")
    def decide_and_mail():
        send_sms(KEPT, "décidé")
        return {"sent": send_mail(PARENT, "Votre accusé", "Bonjour", [RECEIPT], label="accusé")}

    @app.post("/essai/annule")
    def decided_then_failed():
        send_sms(KEPT, "annulé")
        mail_after_commit(PARENT, "Jamais parti", "Bonjour")
        raise RuntimeError("la vue échoue")

    app.mailer = mailer
    return app


# Written with what decided it --------------------------------------------------------------


def test_a_mail_is_written_in_the_transaction_of_its_change(queueing):
    store = queueing.extensions["store"]
    with queueing.app_context(), store.writing() as tx:
        tx.insert("sms_outbox", {"to": KEPT, "body": "décidé", "sent_at": ""})
        mail_after_commit(PARENT, "Votre demande", "Bonjour")
        (mail,) = tx.find_page(QUEUE, {"state": WAITING}, 0, 10).docs
        assert (mail["to"], mail["subject"], mail["attempts"]) == (PARENT, "Votre demande", 1)
        assert queueing.mailer.mails == []
    # Both were saved before the mail was handed to the server.
    (handed,) = queueing.mailer.mails
    assert [mail["subject"] for mail in handed["saved"]] == ["Votre demande"]
    assert handed["writing"] is False
    assert kept_sms(store) == ["décidé"]


def test_a_transaction_rolled_back_keeps_neither_its_change_nor_its_mail(queueing):
    with pytest.raises(RuntimeError):  # TESTING lets the view's exception through
        queueing.test_client().post("/essai/annule")
    store = queueing.extensions["store"]
    assert (queued(store), kept_sms(store), queueing.mailer.mails) == ([], [], [])


def test_a_mail_is_sent_after_the_commit_and_kept_sent_without_what_it_said(queueing, clock):
    answer = queueing.test_client().post("/essai/envoyer")
    assert answer.json == {"sent": True}
    (handed,) = queueing.mailer.mails
    assert [(mail["state"], len(mail["attachments"])) for mail in handed["saved"]] == [(WAITING, 1)]
    (mail,) = queued(queueing.extensions["store"])
    assert (mail["state"], mail["kind"], mail["attempts"]) == (SENT, "accusé", 1)
    # A link is as good as a password, a receipt is a document: neither stays once sent.
    assert (mail["body"], mail["attachments"]) == ("", [])
    assert mail[EXPIRES] == (START + timedelta(days=7)).timestamp()
    assert said(0) == send_waiting(queueing)


def test_mails_sent_are_purged_after_the_days_kept_and_waiting_ones_stay(queueing, clock):
    queueing.test_client().post("/essai/envoyer")
    queueing.mailer.refuse = True
    queueing.test_client().post("/essai/envoyer")
    store = queueing.extensions["store"]
    with store.writing() as tx:
        assert tx.purge_expired(QUEUE, (START + timedelta(days=7, seconds=-1)).timestamp()) == 0
        assert tx.purge_expired(QUEUE, (START + timedelta(days=7, seconds=1)).timestamp()) == 1
    (left,) = queued(store)
    assert left["state"] == WAITING


# SMTP down, then up ---------------------------------------------------------------------------


@pytest.fixture
def port():
    return free_port()


def smtp_server(port: int, handler=None) -> Controller:
    controller = Controller(handler or Collector(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def test_smtp_down_leaves_the_mail_waiting_then_the_command_sends_it_once(
    make_app, clock, port, caplog
):
    app = install(make_app(WTF_CSRF_ENABLED=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=port), clock)

    @app.post("/essai/envoyer")
    def decide_and_mail():
        return {"sent": send_mail(PARENT, "Votre accusé", "Bonjour", [RECEIPT], label="accusé")}

    assert app.test_client().post("/essai/envoyer").json == {"sent": False}
    store = app.extensions["store"]
    (mail,) = queued(store)
    assert (mail["state"], mail["attempts"], mail["last_error"]) == (
        WAITING,
        1,
        "ConnectionRefusedError",
    )
    assert mail["next_try"] == "2026-09-14T08:01:00+00:00"  # 60 s after the try, in UTC
    assert "Courriel « accusé » non envoyé : ConnectionRefusedError" in caplog.text

    smtp = smtp_server(port)
    try:
        assert send_waiting(app) == said(0)  # its next try has not come
        clock.advance(seconds=60)
        assert send_waiting(app) == said(1)
        assert send_waiting(app) == said(0)
    finally:
        smtp.stop()
    (envelope,) = smtp.handler.envelopes
    assert envelope.rcpt_tos == [PARENT]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Votre accusé"
    (attached,) = message.iter_attachments()
    assert (attached.get_filename(), attached.get_content()) == (RECEIPT.filename, RECEIPT.data)
    (mail,) = queued(store)
    assert (mail["state"], mail["attempts"], mail["body"]) == (SENT, 2, "")


def test_tries_wait_longer_each_time_and_the_last_gives_the_mail_up(queueing, clock, caplog):
    queueing.config["MAIL_ATTEMPTS"] = 3
    queueing.mailer.refuse = True
    assert queueing.test_client().post("/essai/envoyer").json == {"sent": False}
    clock.advance(seconds=59)
    assert send_waiting(queueing) == said(0)
    clock.advance(seconds=1)
    assert send_waiting(queueing) == said(0, waiting=1)
    clock.advance(seconds=119)  # the second failure waits twice as long
    assert send_waiting(queueing) == said(0)
    clock.advance(seconds=1)
    with caplog.at_level(logging.ERROR):
        assert send_waiting(queueing) == said(0, gave_up=1)
    assert len(queueing.mailer.mails) == 3
    (mail,) = queued(queueing.extensions["store"])
    assert (mail["state"], mail["attempts"], mail["body"], mail["attachments"]) == (
        GAVE_UP,
        3,
        "",
        [],
    )
    assert f"Courriel « accusé » abandonné après 3 essais (file d'envoi n° {mail['id']})" in (
        caplog.text
    )
    clock.advance(days=1)
    assert send_waiting(queueing) == said(0)
    assert len(queueing.mailer.mails) == 3


def test_a_mail_whose_process_died_before_smtp_answered_is_sent_once_its_claim_is_over(
    queueing, clock
):
    store = queueing.extensions["store"]
    with store.writing() as tx:  # written with its change; the process stops right after
        mail_queue.add(
            tx, mail_queue.Outgoing(PARENT, "Votre lien", "Bonjour"), clock.now(), LIMITS
        )
    assert send_waiting(queueing) == said(0)  # maybe still being sent
    clock.advance(seconds=CLAIM.total_seconds())
    assert send_waiting(queueing) == said(1)
    assert [mail["subject"] for mail in queueing.mailer.mails] == ["Votre lien"]


def test_the_command_takes_the_due_mails_a_batch_at_a_time_in_their_order(queueing, clock):
    store = queueing.extensions["store"]
    with store.writing() as tx:
        for number in range(45):
            moment = clock.now() + timedelta(seconds=number)
            outgoing = mail_queue.Outgoing(f"parent{number}@example.org", f"n° {number}", "")
            mail_queue.add(tx, outgoing, moment - CLAIM, LIMITS)
    clock.advance(seconds=39)  # the last 5 are not due yet
    assert send_waiting(queueing) == said(40)
    assert [mail["subject"] for mail in queueing.mailer.mails] == [
        f"n° {number}" for number in range(40)
    ]


# A newer mail about the same thing -------------------------------------------------------------

LINK_OF_42 = {"table": "comptes", "id": 42, "event": "activation"}


def queue_link(app, about: dict, body: str) -> None:
    """A link mailed about `about`, as a view queues it."""
    with app.test_request_context(), app.extensions["store"].writing():
        mail_after_commit(PARENT, "Votre lien", body, about=about)


def test_a_newer_mail_about_the_same_thing_drops_the_older_one_still_waiting(queueing, clock):
    queueing.mailer.refuse = True
    queue_link(queueing, LINK_OF_42, "premier lien")
    other = {**LINK_OF_42, "id": 43}
    queue_link(queueing, other, "lien d'un autre compte")
    queueing.mailer.refuse = False
    queue_link(queueing, LINK_OF_42, "second lien")
    first, kept, newer = queued(queueing.extensions["store"])
    # Kept for the record, what it said erased, and never sent: the newer link leaves alone.
    assert (first["state"], first["body"], first["attempts"]) == (SUPERSEDED, "", 1)
    assert first[EXPIRES] == (START + timedelta(days=7)).timestamp()
    assert (kept["state"], newer["state"]) == (WAITING, SENT)
    clock.advance(minutes=5)
    assert send_waiting(queueing) == said(1)
    assert [mail["subject"] for mail in queueing.mailer.mails] == ["Votre lien"] * 4
    assert [one["state"] for one in queued(queueing.extensions["store"])] == [
        SUPERSEDED,
        SENT,
        SENT,
    ]


def claimed_link(queueing, clock) -> dict:
    """A link refused at its first try, then claimed by the command for its next."""
    queueing.mailer.refuse = True
    queue_link(queueing, LINK_OF_42, "premier lien")
    clock.advance(minutes=1)
    with queueing.extensions["store"].writing() as tx:
        (claimed,) = mail_queue.claim_due(tx, clock.now(), 10)
    return claimed


def test_a_mail_superseded_once_claimed_is_not_sent(queueing, clock):
    claimed = claimed_link(queueing, clock)
    store = queueing.extensions["store"]
    queueing.mailer.refuse = False
    queue_link(queueing, LINK_OF_42, "second lien")  # while the command held the first
    with queueing.app_context():
        assert deliver(claimed) == SUPERSEDED
    assert len(queueing.mailer.mails) == 2  # the first try, then the newer link only
    assert [one["state"] for one in queued(store)] == [SUPERSEDED, SENT]


def test_a_mail_superseded_while_smtp_talked_stays_superseded_if_it_failed(queueing, clock):
    claimed = claimed_link(queueing, clock)
    store = queueing.extensions["store"]
    newer = mail_queue.Outgoing(PARENT, "Votre lien", "second", about=LINK_OF_42)
    with store.writing() as tx:  # a newer link came between the check and the refusal
        mail_queue.add(tx, newer, clock.now(), LIMITS)
    with store.writing() as tx:
        refused = mail_queue.failed(tx, claimed, "SMTPServerDisconnected", clock.now(), LIMITS)
    assert refused == SUPERSEDED
    first, _ = queued(store)
    assert (first["state"], first["last_error"]) == (SUPERSEDED, "SMTPServerDisconnected")


# Two machines at once -------------------------------------------------------------------------


class SlowCollector(Collector):
    """A server slow enough that two commands' batches overlap."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


def command_in_another_process(storage: dict, port: int, outputs, start) -> None:
    from app import create_app

    app = create_app({**TEST_SETTINGS, **storage, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port})
    start.wait(timeout=120)
    outputs.put(app.test_cli_runner().invoke(args=["mail", "envoyer"]).output)
    app.extensions["store"].close()


def test_two_commands_at_once_send_each_mail_once(queueing, storage, clock, port):
    store = queueing.extensions["store"]
    recipients = [f"famille{number}@example.org" for number in range(40)]
    with store.writing() as tx:
        for to in recipients:
            # Due long ago, whatever the other processes' clocks say: an earlier day.
            outgoing = mail_queue.Outgoing(to, "Décision", "Bonjour")
            mail_queue.add(tx, outgoing, START - CLAIM * 200, LIMITS)
    smtp = smtp_server(port, SlowCollector())
    context = racers()
    outputs, start = context.Queue(), context.Barrier(2)
    workers = [
        context.Process(target=command_in_another_process, args=(storage, port, outputs, start))
        for _ in range(2)
    ]
    try:
        for worker in workers:
            worker.start()
        said_by = [outputs.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)
            assert worker.exitcode == 0
    finally:
        smtp.stop()
    delivered = sorted(to for envelope in smtp.handler.envelopes for to in envelope.rcpt_tos)
    assert delivered == sorted(recipients)
    counts = [int(re.match(r"Courriels : (\d+) envoyé", output)[1]) for output in said_by]
    assert sum(counts) == 40, said_by
    assert all(mail["state"] == SENT for mail in queued(store))


# The examination's notices ------------------------------------------------------------------


def test_an_examinations_mail_sent_later_by_the_command_is_said_sent(office, web, db, clock):
    mailer = WatchingMailer(db, refuse=True)
    web.extensions["mail"] = mailer
    examination_consent(db, clock, "Chloé", ROUSSEAU)
    launch(office)
    told = results(db)["Chloé"]["notices"]
    assert [(one["channel"], one["sent"]) for one in told] == [("courriel", None), ("sms", True)]
    mailer.refuse = False
    clock.advance(minutes=1)
    assert send_waiting(web) == said(1)
    told = results(db)["Chloé"]["notices"]
    assert [(one["channel"], one["sent"]) for one in told] == [("courriel", True), ("sms", True)]
