"""The rules the journeys' views read, without Flask: a moment as French writes it, the password
rules' states, when a journey may mail another link, what « Mon compte » says of an account and
the ways « Mot de passe oublié ? » offers."""

from datetime import datetime, timedelta

import pytest

from rules.account_summary import activation_text, franceconnect_since
from rules.clock import PARIS, moment_text
from rules.mailed_links import count_mail, resend_refusal
from rules.passwords import PASSWORD_RULES, rule_states
from rules.recovery import EMAIL, SMS, ways_offered

NOW = datetime(2026, 9, 14, 10, 5, 30, tzinfo=PARIS)
WAIT = "Vous pourrez demander un nouveau courriel dans {seconds} seconde{s}."
TOO_MANY = "Vous avez demandé le nombre maximal de courriels."


def test_a_moment_is_said_in_paris_time():
    assert moment_text(NOW) == "14/09/2026 à 10 h 05"
    assert moment_text(datetime(2026, 1, 2, 7, 0, tzinfo=PARIS) - timedelta(hours=1)) == (
        "02/01/2026 à 6 h 00"
    )


def test_each_password_rule_is_met_or_not_by_what_is_typed():
    states = rule_states("court", "s.lefevre1", ["Sophie", "Lefèvre"])
    assert [(key, text) for key, text, _ in states] == PASSWORD_RULES
    assert {key for key, _, met in states if met} == {"lower", "personal"}
    assert all(met for _, _, met in rule_states("Vacances-Ete2026!", "s.lefevre1", ["Sophie"]))


def test_the_first_mail_of_a_journey_may_leave():
    state = {"mail": None, "mails_sent": 0}
    assert resend_refusal(state, NOW, 3, WAIT, TOO_MANY) is None


def test_another_mail_waits_a_minute_then_counts():
    state = {"mail": None, "mails_sent": 0}
    count_mail(state, NOW)
    assert state["mails_sent"] == 1
    assert resend_refusal(state, NOW + timedelta(seconds=59), 3, WAIT, TOO_MANY) == (
        "Vous pourrez demander un nouveau courriel dans 1 seconde."
    )
    assert resend_refusal(state, NOW + timedelta(seconds=30), 3, WAIT, TOO_MANY) == (
        "Vous pourrez demander un nouveau courriel dans 30 secondes."
    )
    assert resend_refusal(state, NOW + timedelta(seconds=60), 3, WAIT, TOO_MANY) is None


def test_no_mail_beyond_the_journeys_count():
    state = {"mail": None, "mails_sent": 0}
    for _ in range(3):
        count_mail(state, NOW)
    assert resend_refusal(state, NOW + timedelta(hours=1), 3, WAIT, TOO_MANY) == TOO_MANY


@pytest.mark.parametrize(
    "account, said",
    [
        (
            {"method": "notification", "activated_at": NOW.isoformat()},
            "Compte activé avec les identifiants envoyés par l'établissement (courrier ou "
            "courriel), le 14/09/2026 à 10 h 05.",
        ),
        (
            {"method": "auto-inscription"},
            "Compte activé en ligne, avec « Je n'ai pas encore d'identifiant ».",
        ),
    ],
)
def test_how_an_account_was_activated(account, said):
    assert activation_text(account) == said


def test_since_when_franceconnect_is_linked():
    assert franceconnect_since({"method": "franceconnect"}) is None
    linked = {"franceconnect_sub": "abc", "franceconnect_linked_at": NOW.isoformat()}
    assert franceconnect_since(linked) == "le 14/09/2026 à 10 h 05"
    made_with_it = {"franceconnect_sub": "abc", "method": "franceconnect"}
    assert franceconnect_since({**made_with_it, "activated_at": NOW.isoformat()}) == (
        "le 14/09/2026 à 10 h 05"
    )
    assert franceconnect_since({"franceconnect_sub": "abc", "method": "notification"}) is None


def test_the_ways_offered_are_those_known():
    assert ways_offered("06 •• •• •• 78", None) == [(SMS, "Par SMS au 06 •• •• •• 78")]
    assert ways_offered("06 •• •• •• 78", "s•••@exemple.fr") == [
        (SMS, "Par SMS au 06 •• •• •• 78"),
        (EMAIL, "Par courriel à s•••@exemple.fr"),
    ]
    assert ways_offered(None, None) == []
