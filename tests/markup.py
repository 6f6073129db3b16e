"""Reading the HTML the views answer, for the tests: elements with their attributes, text, the
alert and message regions of the forms, the CSRF token, and redirects."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs):
        self.found.append({"tag": tag, **{name: value or "" for name, value in attrs}})


def elements(html: str, tag: str | None = None, **attributes: str) -> list[dict]:
    """The start tags of `html` (each a dict of its attributes plus "tag"), those named `tag`
    and having the given attribute values (`class_` for `class`, `_` for `-`)."""
    parser = _Elements()
    parser.feed(html)
    wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attributes.items()}
    return [
        element
        for element in parser.found
        if (tag is None or element["tag"] == tag)
        and all(element.get(name) == value for name, value in wanted.items())
    ]


def plain(html: str) -> str:
    """The text a person reads: markup removed, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def texts(html: str, tag: str) -> list[str]:
    """The text inside each `<tag …>…</tag>`, markup removed and spaces collapsed."""
    inner = re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", html, flags=re.S)
    return [plain(text) for text in inner]


def table_rows(html: str, container_id: str) -> list[list[str]]:
    """The cells of each row of the table body inside the element `container_id`."""
    start = html.index(f'id="{container_id}"')
    body = re.search(r"<tbody>(.*?)</tbody>", html[start:], flags=re.S).group(1)
    return [texts(row, "td") for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", body, flags=re.S)]


def alert(html: str, alert_id: str) -> str:
    """The message of the alert (or status) region `alert_id`, "" when it is empty; an error's
    link to the journey's help page (templates/macros/forms.html) is not part of it."""
    if re.search(rf'<div id="{alert_id}"[^>]*>\s*</div>', html):
        return ""
    found = re.search(
        rf'<div id="{alert_id}"[^>]*>\s*<div class="fr-alert[^"]*"[^>]*>'
        r"<p>(.*?)</p>(?:<p><a [^>]*>Aide : [^<]*</a></p>)?</div>\s*</div>",
        html,
        flags=re.S,
    )
    assert found, f"pas de zone d'alerte {alert_id}"
    return plain(found.group(1))


def _messages_group(html: str, field_id: str) -> str:
    found = re.search(
        rf'<div class="fr-messages-group" id="{field_id}-messages"[^>]*>(.*?)</div>',
        html,
        flags=re.S,
    )
    assert found, f"pas de messages pour {field_id}"
    return found.group(1)


def messages(html: str, field_id: str) -> list[str]:
    """Every message shown under a field, whatever its kind."""
    inner = _messages_group(html, field_id)
    return [plain(text) for text in re.findall(r"<p [^>]*>(.*?)</p>", inner)]


def error_messages(html: str, field_id: str) -> list[str]:
    """The error messages shown under a field (or a child's fieldset), and only those."""
    inner = _messages_group(html, field_id)
    return [
        plain(text)
        for text in re.findall(r'<p class="fr-message fr-message--error"[^>]*>(.*?)</p>', inner)
    ]


def csrf_token(html: str) -> str:
    """The one CSRF token of the page's forms (FranceConnect's form carries the same one)."""
    tokens = {field["value"] for field in elements(html, "input", name="csrf_token")}
    assert len(tokens) == 1, tokens
    return tokens.pop()


def redirects_to(response, url: str) -> bool:
    """A 303 answer to `url`."""
    return response.status_code == 303 and response.headers["Location"] == url
