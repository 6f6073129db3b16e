"""Security headers, the session cookie, and a page the Content-Security-Policy does not break."""

import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from tests.htmx_client import HTMX
from tests.markup import elements

PAGES = ["/connexion", "/accessibilite", "/nulle-part"]


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    parts = [part.strip().split(None, 1) for part in policy.split(";") if part.strip()]
    return {name: value for name, value in parts}


def session_cookie(response) -> dict[str, str | bool]:
    """The attributes of the session cookie the response sets (lowercased names)."""
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    attributes: dict[str, str | bool] = {}
    for part in cookie.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value or True
    return attributes


# Headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_content_security_policy(client, url, headers):
    response = client.get(url, headers=headers)
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    # Forms may lead only here and to FranceConnect (its button, a FranceConnect sign-out).
    assert policy["form-action"] == "'self' http://127.0.0.1:5001"
    assert "script-src" not in policy and "style-src" not in policy  # both fall back on 'self'
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("url", PAGES)
def test_other_security_headers(client, url):
    headers = client.get(url).headers
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_pages_are_never_stored(client, url, headers):
    assert client.get(url, headers=headers).headers["Cache-Control"] == "no-store"


def test_form_answers_are_never_stored(make_app):
    client = make_app(WTF_CSRF_ENABLED=False).test_client()
    response = client.post("/connexion", data={"identifiant": "a", "mot_de_passe": "b"})
    assert response.status_code == 422
    assert response.headers["Cache-Control"] == "no-store"


def test_no_hsts_over_http(client):
    assert "Strict-Transport-Security" not in client.get("/connexion").headers


def test_hsts_over_https(client):
    response = client.get("/connexion", base_url="https://localhost")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"


def test_hsts_behind_a_trusted_proxy_over_https(make_app):
    client = make_app(TRUSTED_PROXIES=1).test_client()
    response = client.get("/connexion", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    # The proxy reached over plain HTTP.
    assert "Strict-Transport-Security" not in client.get("/connexion").headers


def test_forwarded_headers_are_ignored_without_trusted_proxies(client):
    # Anyone could send them to a service that listens without a proxy.
    response = client.get("/connexion", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


# The session cookie -----------------------------------------------------------------------


def test_session_cookie_is_secure_by_default(client):
    cookie = session_cookie(client.get("/connexion"))
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] is True
    assert cookie["path"] == "/"


def test_session_cookie_is_not_secure_when_switched_off(make_app):
    client = make_app(SESSION_COOKIE_SECURE=False).test_client()
    cookie = session_cookie(client.get("/connexion"))
    assert "secure" not in cookie
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_session_expires_after_30_idle_minutes(client):
    before = datetime.now(UTC)
    expires = parsedate_to_datetime(str(session_cookie(client.get("/connexion"))["expires"]))
    after = datetime.now(UTC)
    assert before + timedelta(minutes=30) - timedelta(seconds=1) <= expires
    assert expires <= after + timedelta(minutes=30)


def test_session_cookie_is_renewed_on_each_page(client):
    client.get("/connexion")
    assert session_cookie(client.get("/accessibilite"))["httponly"] is True


def test_static_files_never_carry_the_session(client):
    html = client.get("/connexion").text  # the client now holds a session
    url = next(e["href"] for e in elements(html, "link", rel="stylesheet"))
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers.getlist("Set-Cookie") == []
    assert "Cookie" not in response.headers.get("Vary", "")


# What the page holds ----------------------------------------------------------------------


@pytest.fixture
def login_html(client) -> str:
    return client.get("/connexion").text


def test_no_inline_script_style_or_handler(client, make_app):
    failed = make_app(WTF_CSRF_ENABLED=False).test_client().post("/connexion", data={})
    for html in (client.get("/connexion").text, failed.text, client.get("/nulle-part").text):
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts, "the page loads its scripts"
        assert all(re.search(r'\ssrc="/static/', tag) for tag in scripts), scripts
        bodies = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
        assert len(bodies) == len(scripts)
        assert [body.strip() for body in bodies] == [""] * len(bodies)
        assert re.search(r"<style\b", html) is None
        assert re.search(r"\sstyle\s*=", html) is None
        assert re.search(r"\son[a-z]+\s*=", html) is None
        assert "javascript:" not in html


def test_htmx_config_keeps_to_the_policy_and_swaps_422(login_html):
    (meta,) = elements(login_html, "meta", name="htmx-config")
    config = json.loads(meta["content"])
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False

    def swaps(status: int) -> bool:
        # htmx takes the first rule whose code, a regular expression, matches the status.
        for rule in config["responseHandling"]:
            if re.search(rule["code"], str(status)):
                return rule["swap"]
        raise AssertionError(f"no rule for {status}")

    assert swaps(422) is True
    assert swaps(200) is True
    assert swaps(404) is True
    assert swaps(500) is True
    assert swaps(204) is False


def test_body_sends_the_csrf_token_with_htmx_requests(login_html):
    (body,) = elements(login_html, "body")
    headers = json.loads(body["data-hx-headers"])
    assert list(headers) == ["X-CSRFToken"]
    tokens = {e["value"] for e in elements(login_html, "input", name="csrf_token")}
    assert tokens == {headers["X-CSRFToken"]}
    assert len(headers["X-CSRFToken"]) > 40


def test_form_action_follows_the_franceconnect_issuer(make_app):
    app = make_app(FRANCECONNECT_ISSUER="https://fcp-low.integ01.dev-franceconnect.fr/api/v2")
    policy = app.test_client().get("/connexion").headers["Content-Security-Policy"]
    assert "form-action 'self' https://fcp-low.integ01.dev-franceconnect.fr;" in policy
