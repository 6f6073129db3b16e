"""SMS and mail: kept in outboxes (shown on the development pages), mail sent over SMTP when a
server is set. A real SMTP server (aiosmtpd) receives the mail. On both engines (TEST_BACKEND)."""

import socket
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from outside.mail import Attachment, MailOutbox
from outside.outbox import SHOWN
from outside.storage import ReadOnly
from outside.storage.tx import Tx
from tests.htmx_client import HTMX
from tests.markup import elements, texts

SENDER = "ne-pas-repondre@teleservices.localhost"
PARENT = "sophie.lefevre@example.org"
SUBJECT = "Votre compte Téléservices est activé"
BODY = "Bonjour Sophie Lefèvre-D'Almeida,\nvotre compte ÉduConnect est prêt. À bientôt !"


@pytest.fixture
def dev_app(make_app):
    return make_app(DEV_PAGES=True)


def sent_day(message: dict) -> tuple[date, timedelta]:
    sent_at = datetime.fromisoformat(message["sent_at"])
    return sent_at.date(), sent_at.utcoffset()


# The outboxes -------------------------------------------------------------------------------


def test_sms_is_kept_with_the_time_of_the_clock(app):
    app.extensions["sms"].send("+33612345678", "Votre code : 482913")
    (message,) = app.extensions["outboxes"]["sms"].newest_first()
    assert set(message) == {"to", "body", "sent_at"}
    assert (message["to"], message["body"]) == ("+33612345678", "Votre code : 482913")
    assert sent_day(message) == (date(2026, 9, 14), timedelta(hours=2))  # Paris, summer time


def test_mail_without_a_server_is_kept_in_the_outbox(app):
    assert isinstance(app.extensions["mail"], MailOutbox)
    app.extensions["mail"].send(PARENT, SUBJECT, BODY)
    (message,) = app.extensions["outboxes"]["mail"].newest_first()
    assert {key: message[key] for key in ("to", "subject", "body")} == {
        "to": PARENT,
        "subject": SUBJECT,
        "body": BODY,
    }
    assert sent_day(message)[0] == date(2026, 9, 14)


def test_winter_time_in_the_outbox(make_app):
    app = make_app(TODAY="2026-12-01")
    app.extensions["sms"].send("+33612345678", "code")
    (message,) = app.extensions["outboxes"]["sms"].newest_first()
    assert sent_day(message) == (date(2026, 12, 1), timedelta(hours=1))


def test_outboxes_keep_to_their_own_table(app):
    app.extensions["sms"].send("+33612345678", "un SMS")
    app.extensions["mail"].send(PARENT, SUBJECT, "un courriel")
    assert [m["body"] for m in app.extensions["outboxes"]["sms"].newest_first()] == ["un SMS"]
    assert [m["body"] for m in app.extensions["outboxes"]["mail"].newest_first()] == ["un courriel"]


def test_newest_first_reads_the_last_messages_by_id_without_a_scan(app, monkeypatch):
    outbox = app.extensions["outboxes"]["sms"]
    with app.extensions["store"].writing() as tx:
        tx.insert_many(
            "sms_outbox", [{"to": "+33612345678", "body": f"n° {n}"} for n in range(250)]
        )

    def no_scan(self, table_name):
        raise AssertionError(f"scan de {table_name}")

    monkeypatch.setattr(Tx, "scan", no_scan)
    shown = outbox.newest_first()
    assert len(shown) == SHOWN == 200
    assert [m["body"] for m in shown[:2]] == ["n° 249", "n° 248"]
    assert shown[-1]["body"] == "n° 50"
    assert [m["body"] for m in outbox.newest_first(3)] == ["n° 249", "n° 248", "n° 247"]


def test_a_message_joins_the_transaction_open_in_the_thread(app):
    """Kept with the work that sent it, or not at all: a request rolled back sent nothing."""
    store, sms = app.extensions["store"], app.extensions["sms"]
    with store.writing():
        sms.send("+33612345678", "gardé")
    with pytest.raises(RuntimeError), store.writing():
        sms.send("+33612345678", "annulé")
        assert [m["body"] for m in app.extensions["outboxes"]["sms"].newest_first()] == [
            "annulé",
            "gardé",
        ]
        raise RuntimeError("la requête échoue")
    assert [m["body"] for m in app.extensions["outboxes"]["sms"].newest_first()] == ["gardé"]


def test_a_message_sent_inside_a_read_transaction_is_refused(app):
    with pytest.raises(ReadOnly), app.extensions["store"].reading():
        app.extensions["sms"].send("+33612345678", "depuis une lecture")
    assert app.extensions["outboxes"]["sms"].newest_first() == []


# The development pages --------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/dev/sms", "/dev/mail", "/dev/sms.json", "/dev/mail.json"])
def test_development_pages_are_hidden_by_default(app, client, url):
    app.extensions["sms"].send("+33612345678", "Votre code : 482913")
    response = client.get(url)
    assert response.status_code == 404
    assert "482913" not in response.text
    assert "Page non trouvée" in texts(response.text, "h1")


def test_sms_json_lists_newest_first(dev_app):
    for number, code in [("+33612345678", "111111"), ("+33698765432", "222222")]:
        dev_app.extensions["sms"].send(number, f"Votre code : {code}")
    response = dev_app.test_client().get("/dev/sms.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    messages = response.get_json()
    assert [sorted(message) for message in messages] == [["body", "sent_at", "to"]] * 2
    assert [(m["to"], m["body"]) for m in messages] == [
        ("+33698765432", "Votre code : 222222"),
        ("+33612345678", "Votre code : 111111"),
    ]
    assert all(sent_day(m)[0] == date(2026, 9, 14) for m in messages)
    assert messages[0]["sent_at"] >= messages[1]["sent_at"]


def test_mail_json_lists_newest_first(dev_app):
    dev_app.extensions["mail"].send(PARENT, "Premier", "un")
    dev_app.extensions["mail"].send("karim.benali@example.org", "Second", "deux")
    messages = dev_app.test_client().get("/dev/mail.json").get_json()
    assert [sorted(message) for message in messages] == [["body", "sent_at", "subject", "to"]] * 2
    assert [(m["to"], m["subject"], m["body"]) for m in messages] == [
        ("karim.benali@example.org", "Second", "deux"),
        (PARENT, "Premier", "un"),
    ]


def test_empty_outbox(dev_app):
    client = dev_app.test_client()
    assert client.get("/dev/sms.json").get_json() == []
    response = client.get("/dev/mail")
    assert response.status_code == 200
    assert "Aucun message pour le moment." in texts(response.text, "p")


def test_sms_page_lists_newest_first(dev_app):
    dev_app.extensions["sms"].send("+33612345678", "premier SMS")
    dev_app.extensions["sms"].send("+33698765432", "second SMS")
    response = dev_app.test_client().get("/dev/sms")
    assert response.status_code == 200
    html = response.text
    assert texts(html, "h1") == ["SMS envoyés"]
    assert texts(html, "caption") == ["2 messages"]
    assert [th for th in texts(html, "th")] == ["Envoyé le", "Destinataire", "Texte"]
    cells = texts(html, "td")
    assert cells[1:3] == ["+33698765432", "second SMS"]
    assert cells[4:6] == ["+33612345678", "premier SMS"]
    assert cells[0].startswith("2026-09-14T")


def test_pages_show_the_last_200_messages(dev_app):
    with dev_app.extensions["store"].writing() as tx:
        tx.insert_many(
            "mail_outbox",
            [{"to": PARENT, "subject": f"n° {n}", "body": "", "sent_at": ""} for n in range(201)],
        )
    client = dev_app.test_client()
    messages = client.get("/dev/mail.json").get_json()
    assert len(messages) == 200
    assert (messages[0]["subject"], messages[-1]["subject"]) == ("n° 200", "n° 1")
    assert texts(client.get("/dev/mail").text, "caption") == ["200 messages"]


def test_mail_page_shows_the_subject(dev_app):
    dev_app.extensions["mail"].send(PARENT, SUBJECT, BODY)
    html = dev_app.test_client().get("/dev/mail").text
    assert texts(html, "h1") == ["Courriels envoyés"]
    assert texts(html, "caption") == ["1 message"]
    assert texts(html, "th") == ["Envoyé le", "Destinataire", "Objet", "Texte"]
    assert texts(html, "td")[1:] == [PARENT, SUBJECT, " ".join(BODY.split())]


def test_page_escapes_what_a_message_holds(dev_app):
    dev_app.extensions["sms"].send("<b>+33612345678</b>", "<script>alert('code')</script>")
    html = dev_app.test_client().get("/dev/sms").text
    assert "<script>alert" not in html
    assert "<b>+336" not in html
    assert "&lt;script&gt;alert(&#39;code&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;+33612345678&lt;/b&gt;" in html
    assert all("src" in script for script in elements(html, "script"))


def test_development_page_fragment(dev_app):
    response = dev_app.test_client().get("/dev/sms", headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.startswith("<title>SMS envoyés — Téléservices</title>")


# SMTP ---------------------------------------------------------------------------------------


class Collector:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def smtp_app(make_app, smtp, **settings):
    return make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, **settings)


def received(smtp) -> list:
    return [
        (envelope, message_from_bytes(envelope.content, policy=policy.default))
        for envelope in smtp.handler.envelopes
    ]


def test_mail_is_delivered_over_smtp(make_app, smtp):
    app = smtp_app(make_app, smtp, MAIL_SENDER=SENDER)
    app.extensions["mail"].send(PARENT, SUBJECT, BODY)
    ((envelope, message),) = received(smtp)
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == [PARENT]
    assert message["From"] == SENDER
    assert message["To"] == PARENT
    assert message["Subject"] == SUBJECT
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == BODY + "\n"  # CRLF on the wire


def test_attachments_travel_with_the_mail_and_are_named_in_the_outbox(make_app, smtp):
    app = smtp_app(make_app, smtp, DEV_PAGES=True)
    receipt = Attachment("accuse-0691234A-2026-00001.pdf", "application/pdf", b"%PDF-1.4 " * 300)
    app.extensions["mail"].send(PARENT, SUBJECT, BODY, [receipt])
    ((_, message),) = received(smtp)
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == BODY + "\n"
    (attached,) = message.iter_attachments()
    assert attached.get_filename() == "accuse-0691234A-2026-00001.pdf"
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_content() == receipt.data
    (kept,) = app.extensions["outboxes"]["mail"].newest_first()
    assert kept["attachments"] == ["accuse-0691234A-2026-00001.pdf (3 Ko)"]
    page = app.test_client().get("/dev/mail")
    assert "Pièces jointes : accuse-0691234A-2026-00001.pdf (3 Ko)" in page.text


def test_mail_sender_setting_is_used(make_app, smtp):
    app = smtp_app(make_app, smtp, MAIL_SENDER="college-concorde@example.org")
    app.extensions["mail"].send(PARENT, SUBJECT, BODY)
    ((envelope, message),) = received(smtp)
    assert envelope.mail_from == "college-concorde@example.org"
    assert message["From"] == "college-concorde@example.org"


def test_with_development_pages_mail_is_delivered_and_kept(make_app, smtp):
    app = smtp_app(make_app, smtp, DEV_PAGES=True)
    app.extensions["mail"].send(PARENT, SUBJECT, BODY)
    ((envelope, message),) = received(smtp)
    assert message["Subject"] == SUBJECT
    (kept,) = app.extensions["outboxes"]["mail"].newest_first()
    assert (kept["to"], kept["subject"], kept["body"]) == (PARENT, SUBJECT, BODY)
    assert app.test_client().get("/dev/mail.json").get_json()[0]["subject"] == SUBJECT


def test_without_development_pages_mail_is_delivered_only(make_app, smtp):
    app = smtp_app(make_app, smtp, DEV_PAGES=False)
    app.extensions["mail"].send(PARENT, SUBJECT, BODY)
    app.extensions["mail"].send("karim.benali@example.org", "Autre", "Texte")
    assert [envelope.rcpt_tos for envelope, _ in received(smtp)] == [
        [PARENT],
        ["karim.benali@example.org"],
    ]
    assert app.extensions["outboxes"]["mail"].newest_first() == []


def test_mail_server_from_the_environment(monkeypatch, make_app, smtp):
    monkeypatch.setenv("FLASK_MAIL_SERVER", "127.0.0.1")
    monkeypatch.setenv("FLASK_MAIL_PORT", str(smtp.port))
    app = make_app()
    app.extensions["mail"].send(PARENT, SUBJECT, BODY)
    assert len(smtp.handler.envelopes) == 1
