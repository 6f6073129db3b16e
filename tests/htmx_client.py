"""htmx as a browser runs it, for the view tests: the headers htmx sends with a request, and the
page after htmx swaps an answer into it (the target replaced, the out-of-band elements put in
their places, the title moved to the head). A test compares that page with a fresh render of the
same address: a fragment that leaves the page other than a reload would is a bug (the idea of
les-emplois' `update_page_with_htmx`).

Only what the service's templates use: targets by id or `this`, `outerHTML` swaps, and
out-of-band elements at the top of the answer (`true`, `outerHTML` or `innerHTML`)."""

from __future__ import annotations

import difflib
import re
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin

from tests.markup import elements

# What every htmx request carries, for the tests of an answer alone (a redirect, a fragment's
# content); update_page_with_htmx sends what htmx sends for one element and checks the swap.
HTMX = {"HX-Request": "true"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
TITLE = re.compile(r"<title>(.*?)</title>", flags=re.S)


def htmx_headers(page_url: str, element: dict) -> dict:
    """The headers htmx 2 sends for a request made by `element` (its attributes, as
    tests.markup.elements gives them) of the page at `page_url`."""
    headers = {**HTMX, "HX-Current-URL": urljoin("http://localhost", page_url)}
    target = element.get("data-hx-target", "")
    if target.startswith("#"):
        headers["HX-Target"] = target[1:]
    elif target == "this" and element.get("id"):
        headers["HX-Target"] = element["id"]
    if element.get("id"):
        headers["HX-Trigger"] = element["id"]
    return headers


class _Spans(HTMLParser):
    """Where each element with an id starts and ends in the text, its start tag included."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
        self.text = text
        self.open: list[tuple[str, str | None, int, int]] = []
        self.spans: dict[str, tuple[int, int, int, int]] = {}
        self.top_level: list[tuple[dict, int, int]] = []
        self.feed(text)
        self.close()

    def position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        start = self.position()
        inner = start + len(self.get_starttag_text())
        attributes = {name: value or "" for name, value in attrs}
        if tag in VOID:
            self._closed(attributes, start, inner, inner, inner)
        else:
            self.open.append((tag, attributes, start, inner))

    def handle_endtag(self, tag):
        start = self.position()
        end = self.text.index(">", start) + 1
        while self.open:
            name, attributes, outer_start, inner = self.open.pop()
            self._closed(attributes, outer_start, inner, start, end)
            if name == tag:
                break

    def _closed(self, attributes: dict, start: int, inner: int, inner_end: int, end: int) -> None:
        if "id" in attributes:
            assert attributes["id"] not in self.spans, f"id {attributes['id']} en double"
            self.spans[attributes["id"]] = (start, inner, inner_end, end)
        if not self.open:
            self.top_level.append((attributes, start, end))


def _span(page: str, element_id: str) -> tuple[int, int, int, int]:
    spans = _Spans(page).spans
    assert element_id in spans, f"pas d'élément {element_id} dans la page"
    return spans[element_id]


def _replace(page: str, element_id: str, new: str, inner: bool = False) -> str:
    start, inner_start, inner_end, end = _span(page, element_id)
    if inner:
        return page[:inner_start] + new + page[inner_end:]
    return page[:start] + new + page[end:]


def swapped(page: str, element: dict, answer: str) -> str:
    """`page` once htmx has swapped `answer`, the answer to a request of `element` (its
    attributes), into it."""
    title = TITLE.search(answer)
    if title:
        page = TITLE.sub(lambda _: title.group(0), page, count=1)
        answer = answer[: title.start()] + answer[title.end() :]
    kept = []
    for attributes, start, end in _Spans(answer).top_level:
        how = attributes.get("data-hx-swap-oob")
        if how is None:
            kept.append(answer[start:end])
            continue
        outer = answer[start:end]
        if how in ("true", "outerHTML"):
            page = _replace(page, attributes["id"], outer)
        else:
            assert how == "innerHTML", how
            _, inner_start, inner_end, _ = _span(answer, attributes["id"])
            page = _replace(page, attributes["id"], answer[inner_start:inner_end], inner=True)
    assert element.get("data-hx-swap") == "outerHTML", element
    target = element["data-hx-target"]
    target_id = element["id"] if target == "this" else target.removeprefix("#")
    return _replace(page, target_id, "\n".join(kept))


def assert_same_page(one: str, other: str) -> None:
    """The two pages are the same markup, whitespace between and inside tags aside, and the
    signed-in session's end told alike (assert_same_session_end)."""
    assert_same_session_end(one, other)
    one_lines, other_lines = _normalized(one), _normalized(other)
    difference = "\n".join(difflib.unified_diff(one_lines, other_lines, lineterm="", n=2))
    assert one_lines == other_lines, f"pages différentes :\n{difference}"


# A CSRF token holds the moment it was made: two renders of a page differ by it alone.
CSRF_TOKEN = re.compile(r'(name="csrf_token" value="|"X-CSRFToken": ")[^"]+"')
# The session's end, in seconds left and as a time of day on the real clock: two renders a
# moment apart may fall on either side of a second or of a minute.
SESSION_REMAINING = re.compile(r'data-session-remaining="(\d+)"')
SESSION_ENDS = re.compile(r"<span data-session-ends>(\d+) h (\d\d)</span>")


def assert_same_session_end(one: str, other: str) -> None:
    """Both pages tell the session's end as many times, within a few seconds (the seconds left)
    and a minute (the time of day, midnight included) of each other."""
    for moments, tolerance, cycle in ((_seconds_left, 5, None), (_end_minutes, 1, 24 * 60)):
        first, second = moments(one), moments(other)
        assert len(first) == len(second), (first, second)
        for a, b in zip(first, second, strict=True):
            gap = abs(a - b) if cycle is None else min(abs(a - b), cycle - abs(a - b))
            assert gap <= tolerance, (first, second)


def _seconds_left(page: str) -> list[int]:
    return [int(seconds) for seconds in SESSION_REMAINING.findall(page)]


def _end_minutes(page: str) -> list[int]:
    return [int(hour) * 60 + int(minute) for hour, minute in SESSION_ENDS.findall(page)]


def _normalized(html: str) -> list[str]:
    """One tag or one text a line, spaces collapsed, CSRF tokens and the session's end left out
    (assert_same_session_end compares those)."""
    html = SESSION_ENDS.sub("<span data-session-ends></span>", html)
    html = SESSION_REMAINING.sub('data-session-remaining=""', html)
    collapsed = re.sub(r"\s+", " ", CSRF_TOKEN.sub(r'\1"', html))
    return [line for line in re.sub(r"\s*(<[^>]*>)\s*", r"\n\1\n", collapsed).split("\n") if line]


def form_posting_to(page, address: str) -> dict:
    """The form of `page` (a response) that htmx posts to `address`."""
    (form,) = elements(page.text, "form", data_hx_post=address)
    return form


def update_page_with_htmx(client, page, element: dict, data: dict | None = None):
    """Sends the request htmx makes for `element` (a link or a form of `page`, a response to
    `client`, as tests.markup.elements gives it): a GET form with the values the page shows in it,
    `data` replacing some; a POST form with `data`. Then checks the page once the answer is
    swapped into it equals a fresh full render (the same request without htmx): true of a form
    refused (422) and of a list filtered or paged, not of an answer that moves the journey on.
    Returns the answer."""
    page_url = page.request.full_path.removesuffix("?")
    if "data-hx-post" in element:
        address = element["data-hx-post"]
        answer = client.post(address, data=data, headers=htmx_headers(page_url, element))
        whole = client.post(address, data=data)
    else:
        address = _address(page.text, element, data or {})
        answer = client.get(address, headers=htmx_headers(page_url, element))
        whole = client.get(address)
    assert answer.status_code == whole.status_code, (answer.status_code, whole.status_code)
    assert "<html" not in answer.text
    assert "HX-Request" in answer.headers["Vary"]
    before = _filled(page.text, element, data or {})
    assert_same_page(swapped(before, element, answer.text), whole.text)
    return answer


def _form(page: str, form: dict) -> tuple[int, int]:
    """Where the GET form `form` of `page` starts and ends (forms have no id here)."""
    start = page.index(f'data-hx-get="{form["data-hx-get"]}"')
    return start, page.index("</form>", start)


def _filled(page: str, element: dict, data: dict) -> str:
    """`page` once a person has put the values of `data` in the GET form `element`: a filter kept
    outside the part htmx replaces shows them, as it would in the browser."""
    if element["tag"] != "form" or "data-hx-get" not in element:
        return page
    start, end = _form(page, element)
    inside = page[start:end]
    for name, value in data.items():
        inside = _typed(_chosen(inside, name, escape(value)), name, escape(value))
    return page[:start] + inside + page[end:]


def _chosen(form: str, name: str, value: str) -> str:
    """The select `name` of `form` with its option `value` selected, and only it."""

    def choose(found: re.Match) -> str:
        options = found.group(2).replace(" selected>", ">")
        options = options.replace(f'value="{value}">', f'value="{value}" selected>')
        return found.group(1) + options + found.group(3)

    return re.sub(rf'(<select[^>]*name="{name}"[^>]*>)(.*?)(</select>)', choose, form, flags=re.S)


def _typed(form: str, name: str, value: str) -> str:
    """The input `name` of `form` holding `value`."""
    pattern = rf'(<input[^>]*name="{name}"[^>]*value=")[^"]*"'
    return re.sub(pattern, lambda found: found.group(1) + value + '"', form)


def _address(page: str, element: dict, data: dict) -> str:
    """The address htmx asks for: a link's, or a GET form's with the values the page shows in it
    and those of `data` in their place."""
    if element["tag"] != "form":
        return element["data-hx-get"]
    start, end = _form(page, element)
    inside = page[start:end]
    values = [
        (field["name"], field.get("value", ""))
        for field in elements(inside, "input")
        if field.get("type") not in ("checkbox", "radio") or "checked" in field
    ]
    for name, chosen in re.findall(
        r'<select[^>]*name="([^"]+)".*?(?:<option value="([^"]*)" selected>|</select>)',
        inside,
        flags=re.S,
    ):
        values.append((name, chosen))
    values = [(name, data.get(name, value)) for name, value in values if name]
    return element["data-hx-get"] + "?" + urlencode(values)
