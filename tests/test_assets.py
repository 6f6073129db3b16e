"""Static files under fingerprinted URLs: cached for a year when the digest is today's."""

import gzip
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest

from tests.markup import elements
from views.assets import unit_digest, unit_of

STATIC = Path(__file__).resolve().parent.parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(autouse=True)
def vendored_files():
    assert (STATIC / "vendor" / ".copied").is_file(), "run `make static/vendor/.copied` first"


def asset_urls(html: str) -> list[str]:
    links = [e["href"] for e in elements(html, "link") if e["href"].startswith("/static/")]
    scripts = [
        e["src"] for e in elements(html, "script") if e.get("src", "").startswith("/static/")
    ]
    return links + scripts


@pytest.fixture
def login_assets(client) -> list[str]:
    return asset_urls(client.get("/connexion").text)


def file_of(url: str) -> Path:
    digest, filename = re.fullmatch(r"/static/([0-9a-f]{12})/(.+)", url).groups()
    return STATIC / filename


def test_the_login_page_loads_its_assets_from_static(login_assets):
    names = [url.split("/", 3)[3] for url in login_assets]
    assert "vendor/dsfr/core/core.min.css" in names
    assert "vendor/dsfr/component/password/password.min.css" in names
    assert "app/app.css" in names
    assert "vendor/htmx/htmx.min.js" in names
    assert "vendor/dsfr/core/core.module.min.js" in names
    assert len(names) == len(set(names))


def test_every_asset_is_served_for_a_year(client, login_assets):
    for url in login_assets:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE, url
        assert response.data == file_of(url).read_bytes(), url
        assert "Set-Cookie" not in response.headers, url


def test_assets_have_their_content_type(client, login_assets):
    types = {url.rsplit(".", 1)[1]: client.get(url).mimetype for url in login_assets}
    assert types == {"css": "text/css", "js": "text/javascript", "svg": "image/svg+xml"}


def test_files_a_stylesheet_reaches_share_its_digest(client, login_assets):
    reached = set()
    for stylesheet in (url for url in login_assets if url.endswith(".css")):
        css = client.get(stylesheet).text
        for target in re.findall(r"url\(([^)]+)\)", css):
            target = target.strip("'\"")
            # The .woff fallbacks are not shipped: every browser that runs the page takes woff2.
            if not target.startswith("data:") and not target.endswith(".woff"):
                reached.add(urljoin(stylesheet, target))
    assert any(url.endswith("/fonts/Marianne-Regular.woff2") for url in reached)
    for url in sorted(reached):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE, url


def test_an_old_digest_gets_todays_file_without_caching(client, login_assets):
    for url in login_assets:
        old = re.sub(r"^/static/[0-9a-f]{12}/", "/static/000000000000/", url)
        response = client.get(old)
        assert response.status_code == 200, old
        assert response.headers["Cache-Control"] == "no-cache", old
        assert response.data == client.get(url).data


@pytest.mark.parametrize(
    "url",
    [
        "/static/x/../app.py",
        "/static/x/%2e%2e/app.py",
        "/static/x/%2E%2E/settings.py",
        "/static/x/..%2fapp.py",
        "/static/x/%2e%2e%2fapp.py",
        "/static/x/app/../../app.py",
        "/static/x/app/%2e%2e/%2e%2e/app.py",
        "/static/x/vendor/dsfr/../../../pyproject.toml",
        "/static/x/%2fetc%2fpasswd",
        "/static/x//etc/passwd",
    ],
)
def test_no_file_outside_static(client, url):
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 404
    assert b"create_app" not in response.data
    assert b"[project]" not in response.data
    assert b"root:" not in response.data


def test_missing_file_is_a_404(client, login_assets):
    digest = login_assets[0].split("/")[2]
    response = client.get(f"/static/{digest}/app/absent.css")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"


def test_hidden_files_are_a_404(client):
    # The set-up's marker file lives among the vendored files; it is not for the web.
    assert client.get("/static/x/vendor/.copied").status_code == 404


def test_a_folder_is_a_404(client):
    assert client.get("/static/x/vendor/dsfr").status_code == 404


@pytest.mark.parametrize("kind", ["css", "js"])
def test_css_and_js_are_compressed(client, login_assets, kind):
    url = next(url for url in login_assets if url.endswith("." + kind))
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert gzip.decompress(response.data) == file_of(url).read_bytes()
    assert len(response.data) < file_of(url).stat().st_size


def test_no_compression_without_accept_encoding(client, login_assets):
    url = next(url for url in login_assets if url.endswith(".css"))
    response = client.get(url)
    assert "Content-Encoding" not in response.headers
    assert response.data == file_of(url).read_bytes()


@pytest.mark.parametrize(
    ("filename", "unit"),
    [
        ("vendor/dsfr/core/core.min.css", "vendor/dsfr"),
        ("vendor/dsfr/fonts/Marianne-Regular.woff2", "vendor/dsfr"),
        ("vendor/htmx/htmx.min.js", "vendor/htmx"),
        ("app/app.css", "app"),
        ("app/images/logo.svg", "app"),
    ],
)
def test_unit_of(filename, unit):
    assert unit_of(filename) == unit


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "app.css").write_text("body { margin: 0 }")
    (tmp_path / "vendor" / "lib" / "fonts").mkdir(parents=True)
    (tmp_path / "vendor" / "lib" / "lib.css").write_text("a { color: red }")
    (tmp_path / "vendor" / "lib" / "fonts" / "f.woff2").write_bytes(b"\x00font")
    unit_digest.cache_clear()
    yield tmp_path
    unit_digest.cache_clear()


def test_digest_is_twelve_hex_digits(folder):
    assert re.fullmatch(r"[0-9a-f]{12}", unit_digest(folder, "app"))
    assert unit_digest(folder, "app") != unit_digest(folder, "vendor/lib")


def test_digest_changes_when_a_file_of_the_unit_changes(folder):
    before = unit_digest(folder, "vendor/lib")
    (folder / "vendor" / "lib" / "fonts" / "f.woff2").write_bytes(b"\x00other font")
    unit_digest.cache_clear()
    assert unit_digest(folder, "vendor/lib") != before


def test_digest_changes_when_a_file_is_added_or_renamed(folder):
    before = unit_digest(folder, "app")
    (folder / "app" / "app.css").rename(folder / "app" / "main.css")
    unit_digest.cache_clear()
    renamed = unit_digest(folder, "app")
    (folder / "app" / "print.css").write_text("")
    unit_digest.cache_clear()
    assert len({before, renamed, unit_digest(folder, "app")}) == 3


def test_digest_ignores_other_units(folder):
    before = unit_digest(folder, "app")
    (folder / "vendor" / "lib" / "lib.css").write_text("a { color: blue }")
    unit_digest.cache_clear()
    assert unit_digest(folder, "app") == before


def test_digest_is_computed_once_per_process(folder):
    # A deployment restarts the service: files changed under a running one keep the old digest.
    before = unit_digest(folder, "app")
    (folder / "app" / "app.css").write_text("body { margin: 1rem }")
    assert unit_digest(folder, "app") == before
