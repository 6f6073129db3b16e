"""The public simulator (§8): the page, its htmx fragment, the answers and the field errors."""

import re

import pytest

from tests.htmx_client import HTMX
from tests.markup import csrf_token, elements, error_messages, plain, texts

URL = "/simulateur-bourse"


@pytest.fixture
def visitor(make_app):
    """A visitor, without CSRF checks (they have their own test below)."""
    return make_app(WTF_CSRF_ENABLED=False).test_client()


def simulate(client, headers=None, **data):
    return client.post(URL, data={"annee": "2025-2026", **data}, headers=headers or {})


def result_text(html: str) -> str:
    """The text of the result box (its bold words kept in their sentence)."""
    start = html.index('<div class="fr-callout" id="resultat">')
    end = html.index("</a></p>", start)
    return plain(re.sub(r"</?strong>", "", html[start:end]))


def form_fields(html: str) -> list[tuple[str, str]]:
    return [
        (field["tag"], field.get("name", ""))
        for field in elements(html)
        if field["tag"] in {"form", "input", "select", "button"}
    ]


# The page ---------------------------------------------------------------------------------


def test_page_needs_no_login(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.text
    assert texts(html, "title") == ["Simulateur de bourse de collège — Téléservices"]
    assert texts(html, "h1") == ["Simulateur de bourse de collège"]
    assert "HX-Request" in response.headers["Vary"]
    (form,) = elements(html, "form")
    assert (form["method"], form["action"], form["data-hx-post"]) == ("post", URL, URL)
    assert 'id="resultat"' not in html


def test_page_loads_the_select_and_callout_styles(client):
    html = client.get(URL).text
    sheets = " ".join(link["href"] for link in elements(html, "link", rel="stylesheet"))
    assert "select.min.css" in sheets and "callout.min.css" in sheets


def test_years_newest_first_with_the_current_school_year_chosen(client):
    # TODAY is 2026-09-14 in the tests: the school year 2026-2027, provisional.
    html = client.get(URL).text
    options = elements(html, "option")
    assert [option["value"] for option in options] == [
        "2026-2027",
        "2025-2026",
        "2024-2025",
        "2023-2024",
        "2022-2023",
        "2021-2022",
    ]
    assert [option["value"] for option in options if "selected" in option] == ["2026-2027"]
    assert texts(html, "option")[0] == "2026-2027 (barème provisoire)"


def test_fields_are_labelled_with_their_hints(client):
    html = client.get(URL).text
    labels = texts(html, "label")
    assert labels[0].startswith("Année scolaire")
    assert labels[1].startswith("Revenu fiscal de référence du foyer, en euros")
    assert "première page de votre avis d'impôt, dans le cadre « Vos références »" in labels[1]
    assert "revenu fiscal de référence de l'avis d'impôt 2026 sur les revenus 2025" in labels[1]
    assert labels[2].startswith("Nombre d'enfants à charge")
    for name in ("rfr", "enfants"):
        (field,) = elements(html, "input", name=name)
        assert field["inputmode"] == "numeric"
        assert field["aria-describedby"] == f"{name}-messages"
    assert "Sauf mention contraire, tous les champs sont obligatoires." in plain(html)


def test_page_and_fragment_carry_the_same_form(visitor):
    page = simulate(visitor, rfr="12000", enfants="2")
    fragment = simulate(visitor, HTMX, rfr="12000", enfants="2")
    assert page.status_code == fragment.status_code == 200
    assert form_fields(fragment.text) == form_fields(page.text)
    assert result_text(fragment.text) == result_text(page.text)
    assert fragment.text.startswith("<title>Simulateur de bourse de collège — Téléservices</title>")
    assert "<html" not in fragment.text and "<html" in page.text
    assert texts(fragment.text, "h1") == []
    assert elements(fragment.text, "div", id="simulateur")


# The answers ------------------------------------------------------------------------------


def test_the_example_of_the_issue(visitor):
    html = simulate(visitor, HTMX, rfr="12 000", enfants="2").text
    text = result_text(html)
    assert "Estimation pour 2025-2026" in text
    assert "échelon 2 : 330 € pour l'année, versés en trois fois 110 €" in text
    assert "revenu fiscal de référence de l'avis d'impôt 2025 sur les revenus 2024" in text
    assert "Ce n'est qu'une estimation. La décision appartient au chef d'établissement" in text
    assert "jeudi 16 octobre 2025" in text
    assert "provisoire" not in text
    (link,) = [a for a in elements(html, "a") if a.get("href") == "/connexion"]
    assert link["class"] == "fr-link"
    # Focus goes to the result's heading, which a screen reader then reads.
    (heading,) = elements(html, "h2", id="resultat-titre")
    assert heading["tabindex"] == "-1" and "autofocus" in heading
    # The form keeps what was typed.
    (rfr,) = elements(html, "input", name="rfr")
    assert rfr["value"] == "12 000"


def test_provisional_year_is_flagged(visitor):
    html = simulate(visitor, annee="2026-2027", rfr="3526", enfants="1").text
    text = result_text(html)
    assert "échelon 3 : 525 € pour l'année, versés en trois fois 175 €" in text
    assert "Barème provisoire : le barème officiel 2026-2027 n'est pas encore publié" in text


def test_uncertain_year_is_flagged(visitor):
    text = result_text(simulate(visitor, annee="2022-2023", rfr="16885", enfants="1").text)
    assert "échelon 1 : 111 €" in text
    assert "Barème 2022-2023 à confirmer" in text


def test_above_every_ceiling_no_scholarship(visitor):
    text = result_text(simulate(visitor, rfr="47417", enfants="9").text)
    assert "Pas de bourse de collège" in text
    assert "plafond de ressources de 47416 € pour 9 enfants à charge" in text
    assert "€ pour l'année" not in text


def test_uses_the_scale_of_the_chosen_year(visitor):
    assert "échelon 3" in result_text(
        simulate(visitor, annee="2021-2022", rfr="3013", enfants="1").text
    )
    assert "échelon 2" in result_text(
        simulate(visitor, annee="2021-2022", rfr="3014", enfants="1").text
    )


# Errors -----------------------------------------------------------------------------------

ERRORS = [
    ({"rfr": "", "enfants": "2"}, "rfr", "Indiquez le revenu fiscal de référence."),
    (
        {"rfr": "12000,50", "enfants": "2"},
        "rfr",
        "Indiquez le revenu fiscal de référence en euros, sans centimes. Exemple : 12000",
    ),
    ({"rfr": "douze mille", "enfants": "2"}, "rfr", None),
    (
        {"rfr": "-100", "enfants": "2"},
        "rfr",
        "Le revenu fiscal de référence ne peut pas être négatif.",
    ),
    ({"rfr": "12000", "enfants": ""}, "enfants", "Indiquez le nombre d'enfants à charge."),
    (
        {"rfr": "12000", "enfants": "0"},
        "enfants",
        "Le nombre d'enfants à charge est d'au moins 1 : l'élève de collège compte.",
    ),
    (
        {"rfr": "12000", "enfants": "2,5"},
        "enfants",
        "Indiquez le nombre d'enfants à charge en chiffres. Exemple : 2",
    ),
    (
        {"annee": "2019-2020", "rfr": "12000", "enfants": "2"},
        "annee",
        "Choisissez une année scolaire de la liste.",
    ),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize(("data", "field", "message"), ERRORS)
def test_bad_input_answers_422_with_the_field_error(visitor, htmx, data, field, message):
    response = simulate(visitor, HTMX if htmx else None, **data)
    assert response.status_code == 422
    html = response.text
    errors = error_messages(html, field)
    assert len(errors) == 1
    if message:
        assert errors == [message]
    (control,) = [e for e in elements(html) if e.get("name") == field and e["tag"] != "option"]
    assert control["aria-invalid"] == "true"
    assert "autofocus" in control
    assert 'id="resultat"' not in html
    assert ("<html" in html) is not htmx


def test_two_errors_are_listed_and_the_list_takes_the_focus(visitor):
    html = simulate(visitor, rfr="", enfants="").text
    assert error_messages(html, "rfr") and error_messages(html, "enfants")
    assert [e["id"] for e in elements(html) if "autofocus" in e] == ["simulateur-erreurs"]


def test_one_error_focuses_its_field(visitor):
    html = simulate(visitor, rfr="12000", enfants="").text
    assert [e["id"] for e in elements(html) if "autofocus" in e] == ["enfants"]


def test_post_without_csrf_token_is_refused(client):
    response = client.post(URL, data={"annee": "2025-2026", "rfr": "12000", "enfants": "2"})
    assert response.status_code == 400


def test_post_with_csrf_token(client):
    token = csrf_token(client.get(URL).text)
    response = client.post(
        URL, data={"csrf_token": token, "annee": "2025-2026", "rfr": "12000", "enfants": "2"}
    )
    assert response.status_code == 200
    assert "échelon 2" in result_text(response.text)
