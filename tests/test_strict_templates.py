"""In tests, a template naming a variable its view does not give fails instead of rendering
nothing: a misspelling shows at once."""

import pytest
from jinja2 import UndefinedError


def test_a_misspelt_variable_fails_the_tests(app):
    with app.test_request_context(), pytest.raises(UndefinedError):
        app.jinja_env.from_string("{{ failur }}").render()


def test_what_a_page_may_lack_is_tested_explicitly(app):
    template = app.jinja_env.from_string("{{ 'oui' if token is defined else 'non' }}")
    with app.test_request_context():
        assert (template.render(), template.render(token="x")) == ("non", "oui")
