"""The login page, its htmx fragment, its form answers, the error pages and the information
pages."""

import re

import pytest
from flask import Flask

from rules import accessibility, lockout
from tests.htmx_client import HTMX
from tests.markup import csrf_token, elements, texts


@pytest.fixture
def no_csrf_client(make_app):
    return make_app(WTF_CSRF_ENABLED=False).test_client()


def vary(response) -> set[str]:
    return {value.strip() for value in response.headers.get("Vary", "").split(",")}


# The login page ---------------------------------------------------------------------------


def test_login_page(client):
    response = client.get("/connexion")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.text
    assert html.startswith("<!doctype html>")
    assert elements(html, "html")[0]["lang"] == "fr"
    assert texts(html, "title") == ["Connexion — Téléservices"]
    assert texts(html, "h1") == ["Connexion à Téléservices"]


def test_login_page_offers_franceconnect_as_a_full_navigation(client):
    html = client.get("/connexion").text
    (button,) = elements(html, "button", class_="fr-connect")
    assert button["type"] == "submit"
    forms = elements(html, "form")
    franceconnect = [form for form in forms if form["action"] == "/franceconnect/login"]
    assert franceconnect == [{"tag": "form", "method": "post", "action": "/franceconnect/login"}]
    assert re.search(
        r'<span class="fr-connect__login">S\'identifier avec</span>\s*'
        r'<span class="fr-connect__brand">FranceConnect</span>',
        html,
    )


def test_login_page_links_to_account_creation(client):
    html = client.get("/connexion").text
    (link,) = [a for a in elements(html, "a") if a.get("href") == "/inscription"]
    assert "fr-btn" in link["class"]
    assert re.search(r'href="/inscription">Je n\'ai pas encore d\'identifiant</a>', html)


def test_login_page_educonnect_form(client):
    html = client.get("/connexion").text
    (form,) = elements(html, "form", id="login-form")
    assert (form["method"], form["action"], form["data-hx-post"]) == (
        "post",
        "/connexion",
        "/connexion",
    )
    (identifiant,) = elements(html, "input", name="identifiant")
    assert identifiant["autocomplete"] == "username"
    assert identifiant["type"] == "text"
    assert identifiant["aria-describedby"] == "identifiant-messages"
    assert "aria-invalid" not in identifiant
    (mot_de_passe,) = elements(html, "input", name="mot_de_passe")
    assert mot_de_passe["autocomplete"] == "current-password"
    assert mot_de_passe["type"] == "password"
    assert elements(html, "label", for_="identifiant")
    assert elements(html, "label", for_="mot_de_passe")
    assert "Sauf mention contraire, tous les champs sont obligatoires." in html
    assert "Exemple : m.durand1" in html


def test_login_page_skip_links_reach_their_targets(client):
    html = client.get("/connexion").text
    (nav,) = elements(html, "nav", aria_label="Accès rapide")
    assert nav
    hrefs = [a["href"] for a in elements(html, "a", class_="fr-link")]
    assert hrefs[:2] == ["#contenu", "#pied-de-page"]
    assert elements(html, "main", id="contenu")
    assert elements(html, "footer", id="pied-de-page")


def test_login_page_footer_states_accessibility(client):
    html = client.get("/connexion").text
    status = accessibility.status(accessibility.load())
    assert f'href="/accessibilite">Accessibilité : {status}</a>' in html


def test_home_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/connexion"


# Page and fragment ------------------------------------------------------------------------


def test_htmx_request_gets_the_form_fragment_only(client):
    fragment = client.get("/connexion", headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "<body" not in fragment.text
    assert "FranceConnect" not in fragment.text
    assert fragment.text.startswith("<title>Connexion — Téléservices</title>")
    assert elements(fragment.text, "form", id="login-form")
    assert elements(fragment.text, "div", id="login-alert")


def test_page_and_fragment_carry_the_same_form(client):
    page = client.get("/connexion").text
    fragment = client.get("/connexion", headers=HTMX).text
    (page_form,) = elements(page, "form", id="login-form")
    (fragment_form,) = elements(fragment, "form", id="login-form")
    assert page_form == fragment_form

    def fields(html):
        start = html.index('id="login-form"')
        inside = html[start : html.index("</form>", start)]
        return [(e["name"], e["type"]) for e in elements(inside, "input") if "name" in e]

    assert fields(page) == fields(fragment)
    assert fields(page) == [
        ("csrf_token", "hidden"),
        ("identifiant", "text"),
        ("mot_de_passe", "password"),
    ]


def test_page_and_fragment_vary_on_htmx(client):
    assert "HX-Request" in vary(client.get("/connexion"))
    assert "HX-Request" in vary(client.get("/connexion", headers=HTMX))


# Posting the form -------------------------------------------------------------------------


def test_missing_fields_answer_422_with_french_errors(no_csrf_client):
    response = no_csrf_client.post("/connexion", data={})
    assert response.status_code == 422
    html = response.text
    errors = texts(html, "p")
    assert "Indiquez votre identifiant." in errors
    assert "Indiquez votre mot de passe." in errors
    for name in ("identifiant", "mot_de_passe"):
        (field,) = elements(html, "input", name=name)
        assert field["aria-invalid"] == "true"
    # Two errors: their list takes the focus, each line a link to its field (issue 13).
    (first,) = [e for e in elements(html) if "autofocus" in e]
    assert first["id"] == "login-form-erreurs"
    assert re.search(
        r'id="identifiant-messages" aria-live="polite">\s*'
        r'<p class="fr-message fr-message--error">Indiquez votre identifiant.</p>',
        html,
    )


def test_missing_password_only_marks_the_password(no_csrf_client):
    html = no_csrf_client.post("/connexion", data={"identifiant": "m.durand1"}).text
    (identifiant,) = elements(html, "input", name="identifiant")
    assert "aria-invalid" not in identifiant
    assert identifiant["value"] == "m.durand1"
    (mot_de_passe,) = elements(html, "input", name="mot_de_passe")
    assert mot_de_passe["aria-invalid"] == "true"
    assert "autofocus" in mot_de_passe
    assert "Indiquez votre identifiant." not in html


def test_missing_fields_over_htmx_answer_the_fragment(no_csrf_client):
    response = no_csrf_client.post("/connexion", data={}, headers=HTMX)
    assert response.status_code == 422
    assert "<html" not in response.text
    assert "Indiquez votre mot de passe." in response.text
    assert elements(response.text, "form", id="login-form")


def test_unknown_account_answers_a_generic_failure(no_csrf_client):
    password = "Motdepasse-Secret-42"
    response = no_csrf_client.post(
        "/connexion", data={"identifiant": "m.durand1", "mot_de_passe": password}
    )
    assert response.status_code == 422
    html = response.text
    (alert,) = elements(html, "div", id="login-alert")
    assert alert["role"] == "alert"
    assert texts(html, "p").count(lockout.FAILED) == 1
    assert password not in html
    (mot_de_passe,) = elements(html, "input", name="mot_de_passe")
    assert "value" not in mot_de_passe
    (identifiant,) = elements(html, "input", name="identifiant")
    assert identifiant["value"] == "m.durand1"
    assert "autofocus" in identifiant


def test_post_without_csrf_token_is_refused_in_french(client):
    assert client.application.config["TESTING"] is True  # CSRF stays on in tests
    response = client.post("/connexion", data={"identifiant": "a", "mot_de_passe": "b"})
    assert response.status_code == 400
    assert texts(response.text, "h1") == ["Requête invalide"]
    assert (
        "Votre session a expiré ou le formulaire n'est plus valide. Revenez à la page précédente, "
        "rechargez-la puis recommencez."
    ) in texts(response.text, "p")
    assert texts(response.text, "title") == ["Erreur — Requête invalide — Téléservices"]


def test_post_with_the_page_csrf_token_is_accepted(client):
    token = csrf_token(client.get("/connexion").text)
    response = client.post(
        "/connexion", data={"csrf_token": token, "identifiant": "a", "mot_de_passe": "b"}
    )
    assert response.status_code == 422
    assert "Identifiant ou mot de passe incorrect." in response.text


def test_htmx_post_with_the_header_csrf_token_is_accepted(client):
    body = elements(client.get("/connexion").text, "body")[0]
    token = re.fullmatch(r'\{"X-CSRFToken": "([^"]+)"\}', body["data-hx-headers"]).group(1)
    response = client.post(
        "/connexion",
        data={"identifiant": "a", "mot_de_passe": "b"},
        headers={**HTMX, "X-CSRFToken": token},
    )
    assert response.status_code == 422
    assert "Identifiant ou mot de passe incorrect." in response.text


def test_csrf_failure_over_htmx_replaces_the_content(client):
    response = client.post("/connexion", data={}, headers=HTMX)
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#contenu"
    assert "Votre session a expiré" in response.text


# Error pages ------------------------------------------------------------------------------


def test_unknown_url_answers_a_french_404(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    html = response.text
    assert elements(html, "html")[0]["lang"] == "fr"
    assert texts(html, "h1") == ["Page non trouvée"]
    assert texts(html, "title") == ["Erreur — Page non trouvée — Téléservices"]
    assert "La page que vous cherchez est introuvable. Vérifiez l'adresse." in texts(html, "p")
    assert "Erreur 404" in html
    assert "HX-Retarget" not in response.headers


def test_unknown_url_over_htmx_retargets_the_content(client):
    response = client.get("/nulle-part", headers=HTMX)
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#contenu"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert "<html" not in response.text
    assert response.text.startswith("<title>Erreur — Page non trouvée — Téléservices</title>")
    assert texts(response.text, "h1") == ["Page non trouvée"]


def test_wrong_method_answers_a_french_405(client):
    response = client.delete("/connexion")
    assert response.status_code == 405
    assert texts(response.text, "h1") == ["Méthode non autorisée"]
    assert "Erreur 405" in response.text
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


@pytest.fixture
def failing_app(make_app) -> Flask:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/panne")
    def broken():
        raise RuntimeError("numéro fiscal 1234567890123 dans un message d'erreur")

    return app


def test_unexpected_failure_answers_a_french_500(failing_app):
    response = failing_app.test_client().get("/panne")
    assert response.status_code == 500
    html = response.text
    assert texts(html, "h1") == ["Erreur inattendue"]
    assert texts(html, "title") == ["Erreur inattendue — Téléservices"]
    assert "Désolé, le service rencontre un problème. Réessayez plus tard." in html
    assert "RuntimeError" not in html
    assert "1234567890123" not in html
    assert "Traceback" not in html


def test_unexpected_failure_over_htmx_retargets_the_content(failing_app):
    response = failing_app.test_client().get("/panne", headers=HTMX)
    assert response.status_code == 500
    assert response.headers["HX-Retarget"] == "#contenu"
    assert texts(response.text, "h1") == ["Erreur inattendue"]


# Information pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/accessibilite", "Déclaration d'accessibilité"),
        ("/mentions-legales", "Mentions légales"),
        ("/donnees-personnelles", "Données personnelles"),
    ],
)
def test_information_pages(client, url, heading):
    response = client.get(url)
    assert response.status_code == 200
    assert texts(response.text, "h1") == [heading]
    assert texts(response.text, "title") == [f"{heading} — Téléservices"]
    fragment = client.get(url, headers=HTMX)
    assert "<html" not in fragment.text
    assert texts(fragment.text, "h1") == [heading]


def test_accessibility_statement_names_the_compliance(client):
    html = client.get("/accessibilite").text
    assert f"<strong>{accessibility.status(accessibility.load())}</strong>" in html
    assert "RGAA" in html
