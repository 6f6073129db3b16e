"""One way to declare a journey's step (views/journey.py, `Journey.at_step`): the view runs with
the journey's state only where the journey stands, after the journey's own guard; the view named
after its step is the page `go_to` draws."""

import pytest
from flask import Blueprint

from views.journey import Journey
from views.unit import writes

JOURNEY = Journey(
    blueprint="essai",
    kind="essai",
    heading="Essai",
    titles={"premier": "Premier pas", "second": "Second pas"},
)


def refused_unless_kept(state: dict):
    return None if state["kept"] else ("Refusé par la démarche", 403)


@pytest.fixture
def trial(make_app):
    bp = Blueprint("essai", __name__, url_prefix="/essai")

    @bp.get("/commencer/<kept>")
    @writes
    def begin(kept: str):
        JOURNEY.start({"step": "premier", "kept": kept == "oui"})
        return "commencé"

    @bp.get("/premier")
    @JOURNEY.at_step("premier")
    def premier(state: dict | None):
        return f"premier pas, gardé : {state['kept']}" if state else "premier pas, sans démarche"

    @bp.get("/avancer/<int:times>")
    @writes
    @JOURNEY.at_step("premier")
    def advance(state: dict, times: int):
        return JOURNEY.advance(state, "second") if times else "resté"

    @bp.get("/second")
    @JOURNEY.at_step("second", guard=refused_unless_kept)
    def second(state: dict):
        return f"second pas, gardé : {state['kept']}"

    app = make_app()
    app.register_blueprint(bp)
    return app.test_client()


def test_without_a_journey_its_first_step_runs_with_no_state(trial):
    assert trial.get("/essai/premier").text == "premier pas, sans démarche"
    assert trial.get("/essai/second").headers["Location"] == "/essai/premier"


def test_a_step_runs_with_the_state_and_the_routes_arguments(trial):
    trial.get("/essai/commencer/oui")
    assert trial.get("/essai/avancer/0").text == "resté"
    assert trial.get("/essai/premier").text == "premier pas, gardé : True"


def test_any_other_step_goes_back_to_where_the_journey_stands(trial):
    trial.get("/essai/commencer/oui")
    answer = trial.get("/essai/second")
    assert (answer.status_code, answer.headers["Location"]) == (303, "/essai/premier")
    moved = trial.get("/essai/avancer/1")
    assert (moved.status_code, moved.headers["Location"]) == (303, "/essai/second")
    assert trial.get("/essai/premier").headers["Location"] == "/essai/second"
    assert trial.get("/essai/second").text == "second pas, gardé : True"


def test_the_journeys_guard_answers_instead_of_the_view(trial):
    trial.get("/essai/commencer/non")
    trial.get("/essai/avancer/1")
    answer = trial.get("/essai/second")
    assert (answer.status_code, answer.text) == (403, "Refusé par la démarche")


def test_the_view_named_after_its_step_is_its_page(trial):
    assert set(JOURNEY.views) == {"premier", "second"}
    assert JOURNEY.views["second"].__name__ == "second"
    assert JOURNEY.page_title("second") == "Étape 2 sur 2 — Second pas"
