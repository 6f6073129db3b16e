"""« Mon compte » (journeys §5, issue 12 item 3): the page (identity, children, activation,
contacts, FranceConnect), the header's account menu on every signed-in page, changing the
password (the current one checked with the login form's waits), unlinking FranceConnect, and
signing out of every device."""

from __future__ import annotations

import re

import pytest

from records import accounts
from tests.fake_clock import install
from tests.htmx_client import HTMX, _Spans, update_page_with_htmx
from tests.markup import (
    alert,
    csrf_token,
    elements,
    error_messages,
    messages,
    plain,
    redirects_to,
    texts,
)
from tests.parents import PASSWORD, signed_in_parent
from tests.test_franceconnect_views import StubClient, signed_in_with_franceconnect
from tests.test_franceconnect_views import sophie as franceconnect_sophie

SOPHIE_PHONE = "+33612345678"
NEW_PASSWORD = "Cartable-2026!Vert"
WRONG_CURRENT = (
    "Mot de passe actuel incorrect. Après plusieurs essais incorrects, patientez quelques "
    "minutes avant de réessayer : pendant ce délai, même le bon mot de passe est refusé."
)
RULES_NOT_MET = "Ce mot de passe ne respecte pas toutes les règles."
MISMATCH = "Les deux mots de passe ne sont pas identiques."
CHANGED = "Votre mot de passe a été modifié. Vos autres appareils ont été déconnectés."


def sophie_of(app):
    return signed_in_parent(app, "Lefèvre-D'Almeida", "Sophie", SOPHIE_PHONE)


@pytest.fixture
def sophie(web):
    return sophie_of(web)


def update_account(db, account_id: int, **changes) -> None:
    with db.writing() as tx:
        tx.update(accounts.ACCOUNTS, account_id, changes)


def stored(db, account_id: int) -> dict:
    with db.reading() as tx:
        return accounts.find_by_id(tx, account_id)


def second_device(app, account_id: int):
    """Another browser signed in to the same account."""
    other = app.test_client()
    with other.session_transaction() as session:
        session.clear()
        session["account_id"] = account_id
    assert other.get("/mes-services").status_code == 200
    return other


def change(client, current=PASSWORD, new=NEW_PASSWORD, confirmation=None, **options):
    data = {
        "mot_de_passe_actuel": current,
        "nouveau_mot_de_passe": new,
        "confirmation": new if confirmation is None else confirmation,
    }
    return client.post("/mon-compte/mot-de-passe", data=data, **options)


def signs_in(db, identifiant: str, password: str, clock) -> bool:
    with db.writing() as tx:
        return accounts.sign_in(tx, identifiant, password, clock.now(), "test").ok


def sms_to(web, number: str) -> list[str]:
    return [
        one["body"]
        for one in web.extensions["outboxes"]["sms"].newest_first()
        if one["to"] == number
    ]


def mails(web) -> list[dict]:
    return web.extensions["outboxes"]["mail"].newest_first()


def header(page: str) -> str:
    return page[page.index("<header") : page.index("</header>")]


def main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


# The page -----------------------------------------------------------------------------------


def test_the_page_tells_who_the_account_is(sophie):
    response = sophie.get("/mon-compte")
    assert response.status_code == 200
    page = response.text
    assert texts(page, "title") == ["Mon compte — Téléservices"]
    assert texts(page, "h1") == ["Mon compte"]
    text = plain(main(page))
    assert "Civilité Mme Nom Lefèvre-D'Almeida Prénom Sophie" in text
    assert "Identifiant s.lefevredalmeida1" in text
    assert (
        "Compte activé en ligne, avec « Je n'ai pas encore d'identifiant », le 14/09/2026 à "
        "10 h 00." in text
    )
    children = texts(main(page), "li")
    assert children == [
        "Hugo Lefèvre-D'Almeida — Collège Concorde, classe de 4eB",
        "Léa Lefèvre-D'Almeida — Collège Concorde, classe de 6eA",
    ]
    assert "Adresse électronique aucune Modifier mon adresse électronique" in text
    assert "Téléphone portable 06 •• •• •• 78 Modifier mon téléphone portable" in text
    links = {
        plain(text): href
        for href, text in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', main(page))
    }
    assert links["Modifier mon adresse électronique"] == "/mon-compte/courriel"
    assert links["Modifier mon téléphone portable"] == "/mon-compte/telephone"
    assert links["Ajouter des élèves depuis un autre compte"] == "/mon-compte/fusion"
    assert links["Modifier mon mot de passe"] == "/mon-compte/mot-de-passe"
    assert "Votre compte n'est pas relié à FranceConnect." in text
    assert "Délier FranceConnect" not in text
    buttons = texts(main(page), "button")
    assert buttons == ["Se déconnecter de tous les appareils"]
    (form,) = elements(main(page), "form")
    assert form["action"] == "/mon-compte/deconnexion-partout"
    assert form["method"] == "post"


def test_a_confirmed_address_and_a_franceconnect_link_since_its_day(sophie, db):
    account_id = sophie.account["id"]
    update_account(
        db,
        account_id,
        email="sophie@example.net",
        email_confirmed=True,
        franceconnect_sub="abc123",
        franceconnect_linked_at="2026-09-10T18:30:00+02:00",
    )
    text = plain(main(sophie.get("/mon-compte").text))
    assert "Adresse électronique sophie@example.net — confirmée" in text
    assert "Votre compte est relié à FranceConnect depuis le 10/09/2026 à 18 h 30." in text
    assert "Délier FranceConnect" in text
    update_account(
        db,
        account_id,
        email_change={
            "email": "sophie.nouvelle@example.net",
            "nonce": "n",
            "sent_at": "2026-09-14T10:00:00+02:00",
            "requested_at": "2026-09-14T10:00:00+02:00",
        },
    )
    assert (
        "sophie@example.net — confirmée Nouvelle adresse en attente de confirmation : "
        "sophie.nouvelle@example.net"
    ) in plain(sophie.get("/mon-compte").text)
    update_account(db, account_id, email_confirmed=False, email_change=None)
    assert "sophie@example.net — non confirmée" in plain(sophie.get("/mon-compte").text)


def test_an_account_made_by_letter_says_so(sophie, db):
    update_account(db, sophie.account["id"], method="notification")
    assert (
        "Compte activé avec les identifiants envoyés par l'établissement (courrier ou courriel), "
        "le 14/09/2026 à 10 h 00." in plain(sophie.get("/mon-compte").text)
    )


def franceconnect_only(web, db):
    """Karim Benali, whose account was made through FranceConnect: no password."""
    with db.writing() as tx:
        found = accounts.find_responsables(tx, "+33623456789", "Benali", "Karim")
        account = accounts.activate_with_franceconnect(
            tx,
            [one["id"] for one in found],
            "Karim",
            "Benali",
            "+33623456789",
            "sub-karim",
            web.extensions["clock"].now(),
        )
    client = web.test_client()
    with client.session_transaction() as session:
        session.clear()
        session["account_id"] = account["id"]
    client.account = account
    return client


def test_an_account_without_password_is_told_how_to_set_one(web, db):
    karim = franceconnect_only(web, db)
    page = main(karim.get("/mon-compte").text)
    text = plain(page)
    assert "Compte activé avec FranceConnect, le 14/09/2026" in text
    assert "Votre compte est relié à FranceConnect depuis le 14/09/2026" in text
    assert "Votre compte n'a pas encore de mot de passe ÉduConnect" in text
    assert (
        "FranceConnect ne peut pas être délié tant que votre compte n'a pas de mot de passe" in text
    )
    assert "Délier FranceConnect" not in text
    assert elements(page, "a", href="/mot-de-passe-oublie")
    assert not elements(page, "a", href="/mon-compte/mot-de-passe")
    # The password page has no form: the first password comes through « Mot de passe oublié ? ».
    page = karim.get("/mon-compte/mot-de-passe").text
    assert not elements(main(page), "form")
    assert "avec votre identifiant k.benali1" in plain(page)
    response = change(karim, current="", new=NEW_PASSWORD)
    assert redirects_to(response, "/mon-compte/mot-de-passe")
    assert not stored(db, karim.account["id"])["password_hash"]


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/mon-compte"),
        ("get", "/mon-compte/mot-de-passe"),
        ("post", "/mon-compte/mot-de-passe"),
        ("post", "/mon-compte/mot-de-passe/regles"),
        ("post", "/mon-compte/franceconnect/delier"),
        ("post", "/mon-compte/deconnexion-partout"),
    ],
)
def test_signed_out_the_pages_lead_to_the_login_page(parent, method, url):
    assert redirects_to(getattr(parent, method)(url), "/connexion")


# The header ---------------------------------------------------------------------------------


def account_menus(page: str) -> list[str]:
    """The account menus of the header: the tools (wide screens) and the phone's menu."""
    return re.findall(
        r'<div class="fr-header__(?:tools|menu)-links">(.*?)</div>', header(page), flags=re.S
    )


@pytest.mark.parametrize(
    "url",
    [
        "/mes-services",
        "/mon-compte",
        "/mon-compte/mot-de-passe",
        "/fiche/0691500123K",
        "/simulateur-bourse",
    ],
)
def test_every_signed_in_page_has_the_account_menu(sophie, url):
    response = sophie.get(url)
    assert response.status_code == 200
    page = response.text
    menus = account_menus(page)
    # The same links in both, without ids: DSFR's script finds nothing to copy, and no id twice.
    assert len(menus) == 2 and menus[0] == menus[1]
    _Spans(page)  # fails on an id written twice
    for menu in menus:
        (link,) = elements(menu, "a")
        assert link["href"] == "/mon-compte" and texts(menu, "a") == ["Mon compte"]
        (form,) = elements(menu, "form")
        assert (form["method"], form["action"]) == ("post", "/deconnexion")
        assert elements(menu, "input", type="hidden", name="csrf_token")
        assert texts(menu, "button") == ["Se déconnecter"]
    (menu_button,) = elements(header(page), "button", id="menu-compte-bouton")
    assert menu_button["aria-controls"] == "menu-compte"
    assert elements(header(page), "dialog", id="menu-compte")
    # The header's menu and what it needs with JavaScript on and off.
    assert "component/modal/modal.module.min.js" in page
    assert "component/header/header.module.min.js" not in page
    assert "app/header-no-js.css" in page


def test_mon_compte_is_the_current_page_in_its_menu(sophie):
    page = sophie.get("/mon-compte").text
    assert len(elements(header(page), "a", href="/mon-compte", aria_current="page")) == 2
    assert not elements(header(sophie.get("/mes-services").text), "a", aria_current="page")


def test_mes_services_signs_out_from_the_header_only(sophie):
    page = sophie.get("/mes-services").text
    assert "Se déconnecter" not in main(page)
    assert texts(header(page), "button").count("Se déconnecter") == 2
    token = csrf_token(page)
    assert redirects_to(sophie.post("/deconnexion", data={"csrf_token": token}), "/connexion")
    assert redirects_to(sophie.get("/mes-services"), "/connexion")


@pytest.mark.parametrize("url", ["/connexion", "/simulateur-bourse", "/inscription"])
def test_signed_out_pages_have_no_account_menu(parent, url):
    page = parent.get(url).text
    assert account_menus(page) == []
    assert "Mon compte" not in header(page)
    assert "menu-compte" not in page
    assert "header-no-js.css" not in page


def test_the_menu_asks_the_records_nothing_when_nobody_is_signed_in(web):
    from views.auth import signed_in_context

    with web.test_request_context("/connexion"):
        assert signed_in_context() == {"parent_signed_in": False}


# Changing the password ----------------------------------------------------------------------


def test_the_password_page(sophie):
    page = sophie.get("/mon-compte/mot-de-passe").text
    assert texts(page, "title") == ["Modifier mon mot de passe — Téléservices"]
    (form,) = elements(main(page), "form")
    assert (form["method"], form["action"]) == ("post", "/mon-compte/mot-de-passe")
    assert form["data-hx-post"] == "/mon-compte/mot-de-passe"
    fields = {field["id"]: field for field in elements(page, "input", type="password")}
    assert fields["mot_de_passe_actuel"]["autocomplete"] == "current-password"
    assert fields["nouveau_mot_de_passe"]["autocomplete"] == "new-password"
    assert fields["nouveau_mot_de_passe"]["data-hx-post"] == "/mon-compte/mot-de-passe/regles"
    assert fields["confirmation"]["autocomplete"] == "new-password"
    assert messages(page, "nouveau_mot_de_passe")[:2] == [
        "Votre mot de passe doit contenir :",
        "12 caractères minimum",
    ]
    assert elements(main(page), "a", href="/mot-de-passe-oublie")


def test_the_rules_shown_as_the_parent_types(sophie):
    answer = sophie.post(
        "/mon-compte/mot-de-passe/regles", data={"nouveau_mot_de_passe": "sophie"}, headers=HTMX
    )
    assert answer.status_code == 200
    assert "<html" not in answer.text
    found = plain(answer.text)
    assert "12 caractères minimum : non respecté" in found
    assert "1 lettre minuscule minimum : respecté" in found
    assert "ne contient ni votre identifiant ni votre nom : non respecté" in found
    # Without htmx, only the page has a form.
    plain_post = sophie.post("/mon-compte/mot-de-passe/regles", data={"nouveau_mot_de_passe": "x"})
    assert redirects_to(plain_post, "/mon-compte/mot-de-passe")


def test_a_wrong_current_password_is_refused_and_counted(sophie, db, clock):
    response = change(sophie, current="Pas-le-bon-2026!")
    assert response.status_code == 422
    assert texts(response.text, "title") == ["Erreur — Modifier mon mot de passe — Téléservices"]
    assert error_messages(response.text, "mot_de_passe_actuel") == [WRONG_CURRENT]
    (field,) = elements(response.text, "input", id="mot_de_passe_actuel")
    assert "autofocus" in field and field["aria-invalid"] == "true"
    # No password is ever written back into the page.
    assert "Pas-le-bon" not in response.text and NEW_PASSWORD not in response.text
    account = stored(db, sophie.account["id"])
    assert account["failures"] == 1
    assert signs_in(db, "s.lefevredalmeida1", PASSWORD, clock)


@pytest.mark.parametrize(
    "new,confirmation,field,message",
    [
        ("court", "court", "nouveau_mot_de_passe", RULES_NOT_MET),
        ("Sophie-2026!Lyon", "Sophie-2026!Lyon", "nouveau_mot_de_passe", RULES_NOT_MET),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "confirmation", MISMATCH),
        (
            PASSWORD,
            PASSWORD,
            "nouveau_mot_de_passe",
            "Choisissez un mot de passe différent de votre mot de passe actuel.",
        ),
        ("", "", "nouveau_mot_de_passe", "Choisissez un nouveau mot de passe."),
    ],
)
def test_a_bad_new_password_is_refused_before_the_current_one_is_checked(
    sophie, db, clock, new, confirmation, field, message
):
    # The same new password as the current one is refused without checking it either.
    current = PASSWORD if new == PASSWORD else "Pas-le-bon-2026!"
    response = change(sophie, current=current, new=new, confirmation=confirmation)
    assert response.status_code == 422
    assert message in error_messages(response.text, field)
    # The wrong field takes the focus, or the list of errors when several fields are wrong.
    wrong = [one["id"] for one in elements(response.text, "input") if one.get("aria-invalid")]
    focused = [one["id"] for one in elements(response.text) if "autofocus" in one]
    assert focused == ([field] if len(wrong) == 1 else ["mot-de-passe-erreurs"])
    # Nothing told of the current password, nothing counted against it.
    assert error_messages(response.text, "mot_de_passe_actuel") == []
    assert stored(db, sophie.account["id"])["failures"] == 0
    assert signs_in(db, "s.lefevredalmeida1", PASSWORD, clock)


def test_the_current_password_is_required(sophie):
    response = change(sophie, current="")
    assert response.status_code == 422
    assert error_messages(response.text, "mot_de_passe_actuel") == [
        "Indiquez votre mot de passe actuel."
    ]


def test_the_password_changes_other_devices_are_signed_out_this_one_stays(web, sophie, db, clock):
    laptop = second_device(web, sophie.account["id"])
    response = change(sophie)
    assert redirects_to(response, "/mon-compte")
    page = sophie.get("/mon-compte").text
    assert alert(page, "compte-alerte-statut") == CHANGED
    assert redirects_to(laptop.get("/mes-services"), "/connexion")
    assert sophie.get("/mes-services").status_code == 200
    assert signs_in(db, "s.lefevredalmeida1", NEW_PASSWORD, clock)
    assert not signs_in(db, "s.lefevredalmeida1", PASSWORD, clock)
    # Told by SMS: no confirmed address.
    (text,) = sms_to(web, SOPHIE_PHONE)
    assert text.startswith("ÉduConnect : votre mot de passe a été changé le 14/09 à 10:00.")
    assert mails(web) == []  # no confirmed address


def test_a_confirmed_address_is_told_by_e_mail_too(web, sophie, db):
    update_account(db, sophie.account["id"], email="sophie@example.net", email_confirmed=True)
    assert redirects_to(change(sophie), "/mon-compte")
    (mail,) = mails(web)
    assert mail["to"] == "sophie@example.net"
    assert mail["subject"] == "Votre mot de passe ÉduConnect a été changé"
    assert "(identifiant s.lefevredalmeida1) a été changé le 14/09/2026 à 10 h 00" in mail["body"]
    assert NEW_PASSWORD not in mail["body"] and PASSWORD not in mail["body"]
    assert len(sms_to(web, SOPHIE_PHONE)) == 1


def test_an_unconfirmed_address_is_not_used(web, sophie, db):
    update_account(db, sophie.account["id"], email="typo@example.net", email_confirmed=False)
    assert redirects_to(change(sophie), "/mon-compte")
    assert mails(web) == []
    assert len(sms_to(web, SOPHIE_PHONE)) == 1


def test_the_current_password_has_the_login_form_s_waits(sophie, db, clock):
    for _ in range(5):
        assert change(sophie, current="Pas-le-bon-2026!").status_code == 422
    # This client now waits: even the right password is refused, and said the same way.
    response = change(sophie)
    assert response.status_code == 422
    assert error_messages(response.text, "mot_de_passe_actuel") == [WRONG_CURRENT]
    assert not signs_in(db, "s.lefevredalmeida1", NEW_PASSWORD, clock)
    clock.advance(minutes=2)
    assert redirects_to(change(sophie), "/mon-compte")


def test_the_current_password_shares_the_login_form_s_limit_per_address(make_app, seeded, clock):
    limited = install(make_app(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="3 per minute"), clock)
    sophie = sophie_of(limited)
    for _ in range(3):
        assert change(sophie, current="Pas-le-bon-2026!").status_code == 422
    response = change(sophie)
    assert response.status_code == 429
    assert texts(response.text, "h1") == ["Trop de tentatives"]
    # The login form of the same address counts in the same budget.
    assert (
        limited.test_client()
        .post("/connexion", data={"identifiant": "x", "mot_de_passe": "y"})
        .status_code
        == 429
    )


def test_the_form_as_a_fragment_leaves_the_page_as_a_reload_would(sophie):
    url = "/mon-compte/mot-de-passe"
    page = sophie.get(url)
    (form,) = elements(page.text, "form", id="mot-de-passe-formulaire")
    data = {
        "mot_de_passe_actuel": "Pas-le-bon-2026!",
        "nouveau_mot_de_passe": NEW_PASSWORD,
        "confirmation": NEW_PASSWORD,
    }
    assert update_page_with_htmx(sophie, page, form, data).status_code == 422


def test_a_change_through_htmx_leaves_for_the_account_page(sophie):
    response = change(sophie, headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/mon-compte"


# FranceConnect ------------------------------------------------------------------------------


def test_unlinking_franceconnect(sophie, db):
    update_account(
        db,
        sophie.account["id"],
        franceconnect_sub="abc123",
        franceconnect_linked_at="2026-09-10T18:30:00+02:00",
    )
    response = sophie.post("/mon-compte/franceconnect/delier")
    assert redirects_to(response, "/mon-compte")
    page = sophie.get("/mon-compte").text
    assert alert(page, "compte-alerte-statut").startswith(
        "FranceConnect n'est plus relié à votre compte."
    )
    assert "Votre compte n'est pas relié à FranceConnect." in plain(page)
    account = stored(db, sophie.account["id"])
    assert account["franceconnect_sub"] is None and account["franceconnect_linked_at"] is None
    with db.reading() as tx:
        assert accounts.find_by_franceconnect_sub(tx, "abc123") is None


def test_franceconnect_stays_linked_to_an_account_without_password(web, db):
    karim = franceconnect_only(web, db)
    response = karim.post("/mon-compte/franceconnect/delier")
    assert redirects_to(response, "/mon-compte")
    assert alert(karim.get("/mon-compte").text, "compte-alerte").startswith(
        "FranceConnect ne peut pas être délié : votre compte n'a pas de mot de passe ÉduConnect"
    )
    assert stored(db, karim.account["id"])["franceconnect_sub"] == "sub-karim"


def test_unlinking_an_account_not_linked_says_so(sophie):
    assert redirects_to(sophie.post("/mon-compte/franceconnect/delier"), "/mon-compte")
    assert alert(sophie.get("/mon-compte").text, "compte-alerte") == (
        "Votre compte n'est pas relié à FranceConnect."
    )


def test_the_record_refuses_to_unlink_without_password(web, db):
    karim = franceconnect_only(web, db)
    with pytest.raises(accounts.CannotUnlink), db.writing() as tx:
        accounts.unlink_franceconnect(tx, karim.account["id"])


# Every device -------------------------------------------------------------------------------


def test_signing_out_of_every_device(web, sophie, db):
    laptop = second_device(web, sophie.account["id"])
    response = sophie.post("/mon-compte/deconnexion-partout")
    assert redirects_to(response, "/connexion")
    page = sophie.get("/connexion").text
    assert alert(page, "login-alert-statut") == (
        "Vous êtes déconnecté de tous les appareils où votre compte était ouvert."
    )
    assert redirects_to(sophie.get("/mes-services"), "/connexion")
    assert redirects_to(laptop.get("/mes-services"), "/connexion")
    with db.reading() as tx:
        assert tx.find("sessions", account_id=sophie.account["id"]) == []


def test_signing_out_of_every_device_through_htmx(sophie):
    response = sophie.post("/mon-compte/deconnexion-partout", headers=HTMX)
    assert response.headers["HX-Redirect"] == "/connexion"


# CSRF ---------------------------------------------------------------------------------------


@pytest.fixture
def guarded_sophie(guarded):
    return sophie_of(guarded)


@pytest.mark.parametrize(
    "url",
    [
        "/mon-compte/mot-de-passe",
        "/mon-compte/franceconnect/delier",
        "/mon-compte/deconnexion-partout",
    ],
)
def test_posts_without_the_token_are_refused(guarded_sophie, url):
    guarded_sophie.get("/mon-compte")
    data = {
        "mot_de_passe_actuel": PASSWORD,
        "nouveau_mot_de_passe": NEW_PASSWORD,
        "confirmation": NEW_PASSWORD,
    }
    response = guarded_sophie.post(url, data=data)
    assert response.status_code == 400
    assert guarded_sophie.get("/mes-services").status_code == 200


def test_the_page_s_token_works_for_each_form(guarded, guarded_sophie, db, clock):
    page = guarded_sophie.get("/mon-compte/mot-de-passe").text
    token = csrf_token(page)
    response = guarded_sophie.post(
        "/mon-compte/mot-de-passe",
        data={
            "csrf_token": token,
            "mot_de_passe_actuel": PASSWORD,
            "nouveau_mot_de_passe": NEW_PASSWORD,
            "confirmation": NEW_PASSWORD,
        },
    )
    assert redirects_to(response, "/mon-compte")
    token = csrf_token(guarded_sophie.get("/mon-compte").text)
    response = guarded_sophie.post("/mon-compte/deconnexion-partout", data={"csrf_token": token})
    assert redirects_to(response, "/connexion")


@pytest.fixture
def fc(app, seeded):
    """FranceConnect answered by the stand-in of tests/test_franceconnect_views.py."""
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["franceconnect"] = StubClient()
    return app.extensions["franceconnect"]


def test_signing_out_of_every_device_from_franceconnect_ends_it_there_too(app, client, fc, store):
    signed_in_with_franceconnect(client, fc, store)
    with store.reading() as tx:
        account = accounts.find_by_franceconnect_sub(tx, franceconnect_sophie().sub)
    laptop = second_device(app, account["id"])
    response = client.post("/mon-compte/deconnexion-partout")
    assert response.location.startswith("https://fc.example/session/end")
    assert redirects_to(laptop.get("/mes-services"), "/connexion")
    assert redirects_to(client.get("/mes-services"), "/connexion")
    with store.reading() as tx:
        assert tx.find("sessions", account_id=account["id"]) == []
