"""The htmx test client catches a fragment that leaves its page other than a reload would."""

import pytest
from flask import Flask, request

from tests.htmx_client import assert_same_page, update_page_with_htmx
from tests.markup import elements

PAGE = """<html><head><title>{count} — Liste</title></head><body>
<form method="get" action="/liste" data-hx-get="/liste" data-hx-target="#resultats"
      data-hx-swap="outerHTML"><input name="q" value="{q}"><button>Filtrer</button></form>
<p id="nombre" role="status" data-hx-swap-oob="innerHTML">{count}</p>
<ul id="resultats">{items}</ul></body></html>"""
FRAGMENT = """<title>{count} — Liste</title>
<p id="nombre" role="status" data-hx-swap-oob="innerHTML">{count}</p>
<ul id="resultats">{items}</ul>"""
NAMES = ["Inès", "Léa", "Hugo"]


def listing(forgets_the_count: bool) -> Flask:
    app = Flask(__name__)

    @app.get("/liste")
    def page():
        q = request.args.get("q", "")
        found = [name for name in NAMES if q.lower() in name.lower()]
        count = "" if forgets_the_count and request.headers.get("HX-Request") else len(found)
        template = FRAGMENT if request.headers.get("HX-Request") else PAGE
        items = "".join(f"<li>{name}</li>" for name in found)
        return template.format(q=q, count=count, items=items), {"Vary": "HX-Request"}

    return app


def filtered(app: Flask):
    client = app.test_client()
    page = client.get("/liste")
    (form,) = elements(page.text, "form")
    return update_page_with_htmx(client, page, form, {"q": "é"})


def test_a_fragment_that_leaves_the_page_as_a_reload_passes():
    answer = filtered(listing(forgets_the_count=False))
    assert "<li>Léa</li>" in answer.text and "Hugo" not in answer.text


def test_a_fragment_that_forgets_an_out_of_band_part_fails():
    with pytest.raises(AssertionError, match="pages différentes"):
        filtered(listing(forgets_the_count=True))


SESSION_END = (
    '<div data-session-remaining="{left}" data-session-warning="120">'
    "<span data-session-ends>{ends}</span></div>"
)


def test_two_renders_a_moment_apart_tell_the_same_session_end():
    assert_same_page(
        SESSION_END.format(left=1800, ends="14 h 33"), SESSION_END.format(left=1799, ends="14 h 34")
    )
    assert_same_page(
        SESSION_END.format(left=1800, ends="23 h 59"), SESSION_END.format(left=1800, ends="0 h 00")
    )


@pytest.mark.parametrize(
    ("left", "ends"),
    [(1800, "14 h 35"), (1700, "14 h 33"), (1800, "2 h 33")],
)
def test_another_session_end_is_another_page(left, ends):
    with pytest.raises(AssertionError):
        assert_same_page(
            SESSION_END.format(left=1800, ends="14 h 33"), SESSION_END.format(left=left, ends=ends)
        )


def test_a_session_end_told_on_one_page_only_is_another_page():
    with pytest.raises(AssertionError):
        assert_same_page(SESSION_END.format(left=1800, ends="14 h 33"), "<div></div>")
