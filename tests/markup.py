"""Reading the HTML the views answer, for the tests: elements with their attributes, and text."""

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


def texts(html: str, tag: str) -> list[str]:
    """The text inside each `<tag …>…</tag>`, markup removed and spaces collapsed."""
    inner = re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", html, flags=re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split()) for text in inner]
