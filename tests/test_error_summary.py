"""A form refused with several errors lists them at its top, each a link to its field, and the
list takes the focus; with one error the field takes it (issue 13, item 11; RGAA 11.10)."""

from __future__ import annotations

from tests import test_bourse_views
from tests.markup import elements, plain
from tests.test_bourse_views import LEA, situation, to_situation

sophie = test_bourse_views.sophie  # the fixture: a parent with a request to start


def summary_links(html: str, summary_id: str) -> list[str]:
    start = html.index(f'id="{summary_id}"')
    block = html[start : html.index("</ul>", start)]
    return [link["href"] for link in elements(block, "a")]


def focused(html: str) -> list[dict]:
    return [element for element in elements(html) if "autofocus" in element]


def test_several_errors_are_listed_linked_and_focused(sophie):
    to_situation(sophie)
    answer = sophie.post("/bourse/demande/situation-fiscale", data={})
    assert answer.status_code == 422
    links = summary_links(answer.text, "parcours-erreurs")
    # Every field in error, in the page's order; a radio group by its first choice.
    assert links == [
        "#numero_fiscal",
        "#reference_avis",
        "#consentement",
        "#renouvellement-accepte",
    ]
    for link in links:
        assert elements(answer.text, id=link[1:]), link
    assert [element.get("id") for element in focused(answer.text)] == ["parcours-erreurs"]
    assert "Le formulaire contient 4 erreurs" in plain(answer.text)


def test_one_error_focuses_its_field_and_lists_nothing(sophie):
    to_situation(sophie)
    answer = sophie.post("/bourse/demande/situation-fiscale", data=situation(numero_fiscal=""))
    assert answer.status_code == 422
    assert 'id="parcours-erreurs"' not in answer.text
    assert [element.get("id") for element in focused(answer.text)] == ["numero_fiscal"]


def test_the_contact_details_list_their_errors(sophie):
    sophie.post(f"/bourse/eleves/{LEA}")
    answer = sophie.post(
        "/bourse/demande/coordonnees",
        data={"courriel": "x", "adresse_ligne1": "", "code_postal": "6900", "commune": ""},
    )
    assert answer.status_code == 422
    links = summary_links(answer.text, "coordonnees-erreurs")
    assert links == ["#courriel", "#adresse_ligne1", "#code_postal", "#commune"]
    assert [element.get("id") for element in focused(answer.text)] == ["coordonnees-erreurs"]


def test_a_sign_in_without_anything_lists_both_fields(parent):
    answer = parent.post("/connexion", data={"identifiant": "", "mot_de_passe": ""})
    assert answer.status_code == 422
    assert summary_links(answer.text, "login-form-erreurs") == ["#identifiant", "#mot_de_passe"]
    assert [element.get("id") for element in focused(answer.text)] == ["login-form-erreurs"]
