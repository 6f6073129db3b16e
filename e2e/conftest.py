import warnings

import pytest
from playwright.sync_api import expect

from e2e import html_checker
from e2e.browsers import DESKTOP, PHONE, check_html_with, launch_options
from e2e.mailbox import start_smtp_server
from e2e.servers import free_port, start_app_and_sandbox
from tests import backends

# Playwright's expectations wait up to 5 s by default: on this project's 2-core machines, shared
# with a unit run, sending a scholarship request (its receipt laid out as a PDF, its mail) once
# took longer and failed a journey that then went through. These waits are no speed checks
# (`make bench` measures speed); a page that never comes still fails, after 15 s.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, playwright):
    return {**browser_type_launch_args, **launch_options(playwright.chromium.executable_path)}


@pytest.fixture(scope="session", autouse=True)
def html_checking():
    """The W3C Nu checker beside axe on every page scanned (e2e/html_checker.py)."""
    missing = html_checker.available()
    if missing:
        if html_checker.required():
            raise RuntimeError(f"Vérificateur HTML indisponible : {missing}")
        warnings.warn(f"HTML non vérifié : {missing}", stacklevel=1)
        yield
        return
    checker = html_checker.HtmlChecker(free_port())
    check_html_with(checker)
    yield
    check_html_with(None)
    checker.stop()


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server the service delivers its mail to (also kept in /dev/mail)."""
    port = free_port()
    controller, mailbox = start_smtp_server(port)
    mailbox.port = port
    yield mailbox
    controller.stop()


@pytest.fixture(scope="session")
def database(tmp_path_factory, worker_id):
    """This worker's database: a TinyDB file, or with TEST_BACKEND=postgresql a PostgreSQL
    database of its own."""
    yield from backends.server_database(
        backends.BACKEND, tmp_path_factory.mktemp("database"), f"e2e_{worker_id}"
    )


@pytest.fixture(scope="session")
def servers(tmp_path_factory, smtp_server, database):
    """The service and the FranceConnect sandbox, two real servers on two origins."""
    folder = tmp_path_factory.mktemp("servers")
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_server.port)}
    app, sandbox = start_app_and_sandbox(folder, DATABASE=database, **mail)
    app.flask("demo", "seed")
    yield app, sandbox
    app.stop()
    sandbox.stop()


@pytest.fixture(scope="session")
def app_server(servers):
    return servers[0]


@pytest.fixture(scope="session")
def franceconnect_sandbox(servers):
    return servers[1]


def open_page(new_context, server, **options):
    context = new_context(base_url=server.url, locale="fr-FR", **options)
    return context.new_page()


@pytest.fixture
def phone(new_context, app_server):
    return open_page(new_context, app_server, **PHONE)


@pytest.fixture
def desktop(new_context, app_server):
    return open_page(new_context, app_server, **DESKTOP)


@pytest.fixture
def phone_without_js(new_context, app_server):
    return open_page(new_context, app_server, java_script_enabled=False, **PHONE)
