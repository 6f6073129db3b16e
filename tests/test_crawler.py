"""Every link a visitor, a parent or a staff member can follow leads somewhere: a crawler starts
from the pages each one lands on, follows every local link (and redirect) of every page it
reaches, and finds no 404 and no server error (issue 12)."""

from __future__ import annotations

from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from tests.markup import elements
from tests.parents import signed_in_parent
from tests.staff import signed_in_staff
from tests.test_bourse_views import SOPHIE, sent_request

# More than every page of the demo roster, so a loop of ever-new URLs fails instead of hanging.
MAX_PAGES = 800


def local_links(base: str, html: str) -> list[str]:
    found = []
    for anchor in elements(html, "a"):
        href = anchor.get("href", "")
        if not href or href.startswith(("mailto:", "tel:", "javascript:")):
            continue
        url = urldefrag(urljoin(base, href)).url
        parts = urlsplit(url)
        if parts.netloc in ("", "localhost"):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def crawl(client, starts: list[str]) -> tuple[dict[str, tuple[int, str]], int]:
    """The broken URLs found (url → (status, the page linking to it)) and how many were read."""
    queue = [(start, "(départ)") for start in starts]
    seen: set[str] = set()
    broken = {}
    while queue:
        url, referrer = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        assert len(seen) <= MAX_PAGES, f"plus de {MAX_PAGES} pages : {url} depuis {referrer}"
        answer = client.get(url)
        if answer.status_code == 404 or answer.status_code >= 500:
            broken[url] = (answer.status_code, referrer)
        if answer.status_code in (301, 302, 303, 307, 308):
            queue.append((urldefrag(urljoin(url, answer.headers["Location"])).url, url))
        elif answer.mimetype == "text/html":
            queue += [(link, url) for link in local_links(url, answer.text) if link not in seen]
    return broken, len(seen)


def assert_no_broken_link(client, starts: list[str], at_least: int) -> None:
    broken, read = crawl(client, starts)
    assert broken == {}
    # The crawl really went through the pages (a start page answering nothing would pass).
    assert read >= at_least


def test_a_visitor_signed_out_meets_no_broken_link(web):
    assert_no_broken_link(web.test_client(), ["/", "/connexion"], at_least=12)


def test_a_parent_meets_no_broken_link(web):
    sophie = signed_in_parent(web, *SOPHIE)
    sent_request(sophie)
    assert_no_broken_link(sophie, ["/", "/mes-services"], at_least=20)


@pytest.mark.parametrize("role", ["secretariat", "direction"])
def test_a_staff_member_meets_no_broken_link(web, db, clock, role):
    staff = signed_in_staff(web, db, clock, f"crawler.{role}", role=role)
    sent_request(signed_in_parent(web, *SOPHIE))
    assert_no_broken_link(staff, ["/admin"], at_least=20)
