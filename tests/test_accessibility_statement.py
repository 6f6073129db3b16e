"""The accessibility statement (issue 13, item 10): written as the RGAA 4.1 model asks from the
audit kept in data/accessibilite/audit.json, one result per criterion; the rate and the status
are computed from it (rules/accessibility.py), and the page and the footer say what it says."""

from __future__ import annotations

import json
import re
from datetime import date
from fractions import Fraction

import pytest

from rules import accessibility
from rules.accessibility import CRITERIA, THEMES, load, parse, percent, problems, rate, status
from tests.markup import plain, texts
from views import info

AUDIT = load()


def made_up(conform: int, non_conform: int, not_applicable: int = 0) -> accessibility.Audit:
    results = ["C"] * conform + ["NC"] * non_conform + ["NA"] * not_applicable
    criteria = [
        {"id": criterion, "result": result, "check": "revue"}
        | ({"title": "t", "pages": ["/connexion"], "reason": "r"} if result == "NC" else {})
        for criterion, result in zip(CRITERIA, results, strict=True)
    ]
    return parse({"date": "2026-01-02", "criteria": criteria})


# The file.


def test_rgaa_has_106_criteria_in_13_themes():
    assert len(THEMES) == 13
    assert len(CRITERIA) == len(set(CRITERIA)) == 106


def test_the_audit_file_is_complete_and_sound():
    assert AUDIT is not None
    assert problems(AUDIT) == []
    assert [criterion.id for criterion in AUDIT.criteria] == CRITERIA
    assert AUDIT.date <= date.today()
    for criterion in AUDIT.with_result("NC"):
        assert criterion.pages and criterion.reason and criterion.title
    assert AUDIT["sample"] and AUDIT["tools"] and AUDIT["technologies"]


def test_the_audit_does_not_claim_what_was_not_checked():
    """No screen reader, zoom, CSS-off or 320 px pass was made: those criteria are not C."""
    for criterion in ["7.1", "10.2", "10.3", "10.4", "10.7", "10.11", "10.12", "3.3"]:
        assert next(c for c in AUDIT.criteria if c.id == criterion).result == "NC", criterion
    assert AUDIT["assistive_technologies"] == []
    # The forms' list of errors, once a gap, is built and checked (issue 13, item 11).
    assert not any("récapitulatif des erreurs" in gap for gap in AUDIT["other_gaps"])
    assert "récapitulatif" in next(c for c in AUDIT.criteria if c.id == "11.10").check


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda data: data["criteria"].pop(), "13.12: absent"),
        (lambda data: data["criteria"].append(dict(data["criteria"][0])), "1.1: plusieurs fois"),
        (lambda data: data["criteria"][0].update(result="OK"), "1.1: résultat 'OK'"),
        (lambda data: data["criteria"][0].update(check=" "), "1.1: sans méthode de vérification"),
        (
            lambda data: data["criteria"][0].update(result="NC", pages=[], reason="", title=""),
            "1.1: non conforme sans titre, pages ou raison",
        ),
        (lambda data: data["criteria"].append({**data["criteria"][0], "id": "14.1"}), "14.1"),
    ],
)
def test_a_broken_audit_is_reported(change, problem):
    data = json.loads(accessibility.AUDIT_PATH.read_text(encoding="utf-8"))
    change(data)
    assert any(found.startswith(problem) for found in problems(parse(data)))


def test_a_date_that_does_not_parse_is_refused():
    data = json.loads(accessibility.AUDIT_PATH.read_text(encoding="utf-8"))
    with pytest.raises(ValueError):
        parse(data | {"date": "30/11/2026"})


# The rate and the status.


def test_every_applicable_criterion_conform_is_totally_conform():
    audit = made_up(60, 0, 46)
    assert rate(audit) == 1
    assert status(audit) == "totalement conforme"


def test_half_is_partially_conform():
    audit = made_up(30, 30, 46)
    assert percent(rate(audit)) == 50
    assert status(audit) == "partiellement conforme"


def test_just_under_half_is_not_conform():
    audit = made_up(49, 51, 6)
    assert percent(rate(audit)) == 49
    assert status(audit) == "non conforme"


def test_just_under_100_percent_is_partial_and_not_rounded_up():
    audit = made_up(99, 1, 6)
    assert percent(rate(audit)) == 99
    assert status(audit) == "partiellement conforme"


def test_no_audit_is_not_conform(tmp_path):
    assert load(tmp_path / "audit.json") is None
    assert rate(None) is None
    assert status(None) == "non conforme"


def test_the_rate_counts_c_over_c_and_nc():
    conform, non_conform = len(AUDIT.with_result("C")), len(AUDIT.with_result("NC"))
    assert rate(AUDIT) == Fraction(conform, conform + non_conform)


# The page and the footer.


def test_the_page_says_what_the_audit_says(client):
    html = client.get("/accessibilite").text
    text = plain(html)
    expected_status = status(AUDIT)
    assert f"<strong>{expected_status}</strong>" in html
    assert f"{percent(rate(AUDIT))} %" in text
    assert AUDIT.date.strftime("%d/%m/%Y") in text
    assert texts(html, "h2")[:2] == ["État de conformité", "Résultats des tests"]
    for heading in [
        "Contenus non accessibles",
        "Établissement de cette déclaration",
        "Retour d'information et contact",
        "Voies de recours",
    ]:
        assert heading in texts(html, "h2")
    for criterion in AUDIT.with_result("NC"):
        assert f"Critère {criterion.id} ({criterion.theme}) : {criterion.title}." in text
        assert plain(criterion.reason) in text
    for gap in AUDIT["other_gaps"]:
        assert gap in text
    for item in AUDIT["tools"] + AUDIT["technologies"] + AUDIT["agents"]:
        assert item in text
    for item in AUDIT["sample"]:
        assert item["page"] in text
    assert "secrétariat de l'établissement" in text
    assert "Défenseur des droits" in text
    assert "09 69 39 00 00" in text
    assert "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07" in text
    assert 'href="https://formulaire.defenseurdesdroits.fr/"' in html


@pytest.mark.parametrize("url", ["/connexion", "/accessibilite", "/aide"])
def test_the_footer_says_the_same_status(client, url):
    html = client.get(url).text
    link = re.search(r'href="/accessibilite">Accessibilité : ([^<]+)</a>', html)
    assert link and link.group(1) == status(AUDIT)


def test_without_an_audit_the_page_and_footer_say_not_conform(client, monkeypatch):
    monkeypatch.setattr(info, "audit", lambda: None)
    html = client.get("/accessibilite").text
    assert "<strong>non conforme</strong>" in html
    assert "faute d'audit" in plain(html)
    assert 'href="/accessibilite">Accessibilité : non conforme</a>' in html
    assert "Défenseur des droits" in plain(html)


def test_a_totally_conform_audit_shows_in_the_footer(client, monkeypatch):
    monkeypatch.setattr(info, "audit", lambda: made_up(60, 0, 46))
    html = client.get("/connexion").text
    assert 'href="/accessibilite">Accessibilité : totalement conforme</a>' in html
