"""The login page stays light on a phone: at most 200 KB on a first visit, 15 KB once cached."""

from e2e.browsers import PHONE
from e2e.weight import first_and_repeat_visit, report


def test_login_page_weight(new_context, app_server):
    first, repeat = first_and_repeat_visit(new_context(**PHONE), app_server.url + "/connexion")
    assert first.total <= 200 * 1024, report("Première visite", first)
    assert repeat.total <= 15 * 1024, report("Visite suivante", repeat)
    # Every static file was fetched once, then came from the cache.
    assert [url for url, _ in repeat.requests] == [app_server.url + "/connexion"]
