"""The request's unit of work (views/unit.py), on the test's engine: routes made for these tests
write through `tx()`, and what the database holds afterwards shows what was saved."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import Blueprint, current_app, redirect, request

from outside.storage import ReadOnly, StorageError
from tests.markup import plain, texts
from views.unit import tx, writes


def journal(store) -> list[str]:
    with store.reading() as read:
        return [doc["detail"] for doc in read.scan("journal")]


def routes() -> Blueprint:
    bp = Blueprint("essai", __name__, url_prefix="/essai")

    def note(detail: str) -> None:
        tx().insert("journal", {"detail": detail})

    @bp.post("/ecrit")
    def write():
        note(request.form["detail"])
        note("deuxième écriture")
        return "écrit"

    @bp.post("/redirige")
    def write_and_redirect():
        note("avant la redirection")
        return redirect("/essai/lit")

    @bp.post("/refuse")
    def refuse():
        note("essai compté")  # a wrong code's try stays counted
        return "code faux", 422

    @bp.post("/plante")
    def fail():
        note("à moitié fait")
        raise RuntimeError("panne au milieu")

    @bp.post("/erreur-serveur")
    def server_error():
        note("avant une réponse 500")
        return "erreur", 500

    @bp.post("/base-indisponible")
    def unavailable():
        note("avant la panne")
        raise StorageError("la base est verrouillée depuis trop longtemps")

    @bp.post("/sms")
    def send_sms():
        note("code envoyé")  # a view reads or writes its journey before it sends
        current_app.extensions["sms"].send("+33612345678", request.form["body"])
        if request.form.get("fail"):
            raise RuntimeError("panne après l'envoi")
        return "envoyé"

    @bp.post("/joint")
    def joined():
        unit = tx()
        with current_app.extensions["store"].writing() as inner:
            same = inner is unit
        with current_app.extensions["store"].reading() as read:
            same = same and read is unit and tx() is unit
        return "même transaction" if same else "deux transactions"

    @bp.post("/unite-ouverte-dans-un-bloc")
    def unit_first_asked_inside_a_block():
        with current_app.extensions["store"].writing():
            tx()
        note("écrit après le bloc")
        return "écrit"

    @bp.get("/lit")
    def read():
        try:
            note("écrit par un GET")
        except ReadOnly:
            return f"lecture seule ({len(tx().latest('journal', 10))} notes)"
        return "écrit"

    @bp.get("/ecrit-sans-marque")
    def write_unmarked():
        note("écrit par un GET sans @writes")
        return "écrit"

    @bp.get("/rappel")
    @writes
    def callback():
        note("écrit par un GET marqué")
        return "écrit"

    return bp


@pytest.fixture
def app(make_app):
    """The service with the routes of these tests, as it answers in production: an exception
    in a view gives the error page, not a traceback to the test."""
    app = make_app(WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False)
    app.register_blueprint(routes())
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store(app):
    return app.extensions["store"]


def test_a_post_s_writes_are_saved_together(client, store):
    response = client.post("/essai/ecrit", data={"detail": "première écriture"})
    assert (response.status_code, response.text) == (200, "écrit")
    assert journal(store) == ["première écriture", "deuxième écriture"]


def test_a_redirect_s_writes_are_saved(client, store):
    assert client.post("/essai/redirige").status_code == 302
    assert journal(store) == ["avant la redirection"]


def test_a_422_answer_s_writes_are_saved(client, store):
    response = client.post("/essai/refuse")
    assert (response.status_code, response.text) == (422, "code faux")
    assert journal(store) == ["essai compté"]


def test_a_view_that_raises_saves_nothing(client, store):
    response = client.post("/essai/plante")
    assert response.status_code == 500
    assert texts(response.text, "h1") == ["Erreur inattendue"]
    assert journal(store) == []
    # The thread's store holds no transaction left open: the next request writes on its own.
    client.post("/essai/ecrit", data={"detail": "après la panne"})
    assert journal(store) == ["après la panne", "deuxième écriture"]


def test_a_500_answer_saves_nothing(client, store):
    assert client.post("/essai/erreur-serveur").status_code == 500
    assert journal(store) == []


def test_an_exception_that_reaches_the_caller_saves_nothing(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)  # TESTING: exceptions reach the test
    app.register_blueprint(routes())
    with pytest.raises(RuntimeError, match="panne au milieu"):
        app.test_client().post("/essai/plante")
    store = app.extensions["store"]
    assert journal(store) == []
    with store.writing() as write:
        write.insert("journal", {"detail": "hors requête"})
    assert journal(store) == ["hors requête"]


def test_a_get_reads_and_refuses_writes(client, store):
    client.post("/essai/ecrit", data={"detail": "une note"})
    response = client.get("/essai/lit")
    assert (response.status_code, response.text) == (200, "lecture seule (2 notes)")
    assert journal(store) == ["une note", "deuxième écriture"]


def test_a_get_that_writes_unmarked_fails_and_saves_nothing(client, store):
    response = client.get("/essai/ecrit-sans-marque")
    assert response.status_code >= 500
    assert journal(store) == []


def test_a_get_marked_writes_saves_its_writes(client, store):
    response = client.get("/essai/rappel")
    assert (response.status_code, response.text) == (200, "écrit")
    assert journal(store) == ["écrit par un GET marqué"]


def test_everything_in_a_request_joins_its_unit(client):
    assert client.post("/essai/joint").text == "même transaction"


def test_a_storage_error_gives_the_french_503_page(client, store, caplog):
    response = client.post("/essai/base-indisponible")
    assert response.status_code == 503
    assert texts(response.text, "h1") == ["Service momentanément indisponible"]
    assert "rien de ce que vous avez saisi avant cette page n'est perdu" in plain(response.text)
    assert "verrouillée" not in plain(response.text)  # the detail is for the logs
    assert "verrouillée" in caplog.text
    assert journal(store) == []


def test_a_unit_that_cannot_be_saved_gives_the_503_page(client, store, monkeypatch):
    """The database fails when the unit is saved, after the view answered (that once only:
    what else the answer writes, its session, is not the subject here)."""
    write, failures = store._write, [StorageError("la base ne répond plus")]

    @contextmanager
    def failing_at_the_end(**options):
        with write(**options) as unit:
            yield unit
            if failures:
                raise failures.pop()

    monkeypatch.setattr(store, "_write", failing_at_the_end)
    response = client.post("/essai/ecrit", data={"detail": "perdue"})
    assert response.status_code == 503
    assert texts(response.text, "h1") == ["Service momentanément indisponible"]
    monkeypatch.undo()
    assert journal(store) == []


def test_an_sms_sent_by_a_request_is_kept_with_its_unit(app, client, store):
    outbox = app.extensions["outboxes"]["sms"]
    assert client.post("/essai/sms", data={"body": "Votre code : 111111"}).status_code == 200
    response = client.post("/essai/sms", data={"body": "Votre code : 222222", "fail": "1"})
    assert response.status_code == 500
    assert [message["body"] for message in outbox.newest_first()] == ["Votre code : 111111"]
    assert journal(store) == ["code envoyé"]


def test_a_unit_first_asked_for_inside_a_store_block_still_saves_later_writes(client, store):
    assert client.post("/essai/unite-ouverte-dans-un-bloc").status_code == 200
    assert journal(store) == ["écrit après le bloc"]
