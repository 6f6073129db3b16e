"""Chromium for the tests: Playwright's own build where it could be downloaded, the system's
otherwise (Debian's `chromium`), with the flags a closed network and a root user need."""

from __future__ import annotations

import shutil
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def launch_options(playwright_executable: str) -> dict:
    options = {"args": CHROMIUM_FLAGS}
    if not Path(playwright_executable).exists():
        system = shutil.which("chromium") or shutil.which("chromium-browser")
        if system is None:
            raise RuntimeError(
                "Aucun Chromium : lancez `playwright install chromium` "
                "ou installez le paquet chromium."
            )
        options["executable_path"] = system
    return options


def tick(choice) -> None:
    """Tick a DSFR checkbox or radio button through its label, as a person clicks it: DSFR draws
    the box on the label, over the input, so Playwright would wait forever for the input itself
    to take the click; a forced click of the input does not wait for the page to stand still,
    and once missed the box while a swapped page was still settling."""
    if not choice.is_checked():  # as check() does: a box a refused form kept stays ticked
        choice.page.locator(f"label[for='{choice.get_attribute('id')}']").click()
    expect(choice).to_be_checked()


_axe = Axe()
_html_checker = None  # e2e.html_checker.HtmlChecker, set for the session by e2e/conftest.py


def check_html_with(checker) -> None:
    global _html_checker
    _html_checker = checker


def assert_accessible(page, step: str) -> None:
    """Fail on any WCAG 2.1 A/AA violation that axe-core finds on the page as it is now, and on
    any error the W3C Nu checker finds in its HTML."""
    results = _axe.run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, f"{step} :\n{results.generate_report()}"
    if _html_checker is not None:
        errors = _html_checker.errors(page.content())
        assert errors == [], f"{step} : HTML non valide :\n" + "\n".join(errors)


def assert_accessible_without_js(page, step: str) -> None:
    """axe needs JavaScript, which this page has off: scan the same answer, at the same address
    and size, in a page that runs axe but refuses the service's own scripts."""
    html = page.content()
    context = page.context.browser.new_context(
        viewport=page.viewport_size, base_url=page.url, locale="fr-FR"
    )
    try:
        clone = context.new_page()
        clone.route("**/*.js", lambda route: route.abort())
        clone.route(page.url, lambda route: route.fulfill(body=html, content_type="text/html"))
        clone.goto(page.url)
        assert_accessible(clone, step)
    finally:
        context.close()
