import pytest

from e2e.browsers import DESKTOP, PHONE, launch_options
from e2e.servers import start_app


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, playwright):
    return {**browser_type_launch_args, **launch_options(playwright.chromium.executable_path)}


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    server = start_app(tmp_path_factory.mktemp("app"))
    server.flask("demo", "seed")
    yield server
    server.stop()


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
