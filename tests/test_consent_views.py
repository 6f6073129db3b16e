"""The consent to the automatic examination in the fiche de renseignements (issue 14 item 1,
views/consent.py): the page, the état civil élargi checked field by field, the choice shown on the
fiche, the withdrawal, a sibling's état civil offered, which household is examined; with plain
forms (303) and htmx. Sophie Lefèvre-D'Almeida (demo roster) has Léa (6e) and Hugo (4e) at the
Collège Concorde, with Julien as the other responsable; François Da Silva is another family."""

from __future__ import annotations

import re
from datetime import date

import pytest

from records import consents
from records.consents import ConsentState
from records.teleservices import FICHE, State, save_service
from rules import birthdates
from rules import civil_status_entry as entry
from rules.civil_status import CivilStatus
from tests import markup
from tests.htmx_client import HTMX, form_posting_to, update_page_with_htmx
from tests.parents import NOW, signed_in_parent
from views import consent as consent_view

LEA, HUGO, LUCAS = "0691500123K", "0691300456L", "0691400654P"
PAGE = f"/fiche/{LEA}/examen-automatique"
SOPHIE = {
    "demandeur-nom_naissance": "Moreau",
    "demandeur-nom_usage": "Lefèvre-D'Almeida",
    "demandeur-prenoms": "Sophie Marie",
    "demandeur-jour": "12",
    "demandeur-mois": "5",
    "demandeur-annee": "1984",
    "demandeur-commune": "Lyon",
    "demandeur-departement": "69",
    "demandeur-pays": "",
}
JULIEN = {
    "conjoint-nom_naissance": "Lefèvre-D'Almeida",
    "conjoint-prenoms": "Julien",
    "conjoint-jour": "3",
    "conjoint-mois": "9",
    "conjoint-annee": "1982",
    "conjoint-commune": "Porto",
    "conjoint-pays": "Portugal",
}
WITH_PARTNER = {**SOPHIE, "en_couple": "oui", **JULIEN, "decision": "accepte"}
ALONE = {**SOPHIE, "en_couple": "non", "decision": "accepte"}
SOPHIE_STATUS = CivilStatus(
    "Moreau", "Sophie Marie", date(1984, 5, 12), "Lyon", "69", "", "Lefèvre-D'Almeida"
)
JULIEN_STATUS = CivilStatus(
    "Lefèvre-D'Almeida", "Julien", date(1982, 9, 3), "Porto", "", "Portugal"
)


def through_htmx(client, data: dict):
    """The consent form sent with `data` by htmx, its answer checked against a reload."""
    page = client.get(PAGE)
    return update_page_with_htmx(client, page, form_posting_to(page, PAGE), data)


@pytest.fixture
def sophie(web):
    return signed_in_parent(web, "Lefèvre-D'Almeida", "Sophie", "+33612345678")


@pytest.fixture
def julien(web):
    return signed_in_parent(web, "Lefèvre-D'Almeida", "Julien", "+33781452290")


def stored(web, client, ine: str = LEA) -> dict | None:
    with web.extensions["store"].reading() as tx:
        return consents.of_account_for_pupil(tx, client.account["id"], ine)


def value_of(html: str, field_id: str) -> str:
    (field,) = markup.elements(html, "input", id=field_id)
    return field.get("value", "")


def focused(html: str) -> list[str]:
    return [element.get("id", "") for element in markup.elements(html) if "autofocus" in element]


def summary(html: str) -> list[tuple[str, str]]:
    """The list of errors at the form's top: each link's target and text."""
    start = html.index('id="consentement-erreurs"')
    block = html[start : html.index("</ul>", start)]
    links = re.findall(r'<a href="([^"]+)">(.*?)</a>', block)
    return [(href, markup.plain(text)) for href, text in links]


def fiche_section(html: str) -> str:
    start = html.index('id="fiche-examen"')
    return markup.plain(html[start : html.index("</section>", start)])


# Who may see the page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("post", ""), ("get", "/retrait"), ("post", "/retrait")],
)
def test_not_signed_in_goes_to_the_login_page(parent, method, path):
    response = getattr(parent, method)(PAGE + path)
    assert markup.redirects_to(response, "/connexion")


@pytest.mark.parametrize("ine", [LUCAS, "0000000000X"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("post", ""), ("get", "/retrait"), ("post", "/retrait")],
)
def test_another_familys_pupil_is_not_found(sophie, web, ine, method, path):
    response = getattr(sophie, method)(f"/fiche/{ine}/examen-automatique{path}", data=ALONE)
    assert response.status_code == 404
    with web.extensions["store"].reading() as tx:
        assert consents.of_account(tx, sophie.account["id"]) == []


def test_a_pupil_who_is_not_in_college_is_not_found(sophie, web):
    with web.extensions["store"].writing() as tx:
        lea = tx.find_one("eleves", ine=LEA)
        tx.update("eleves", lea["id"], {"niveau": "2nde"})
    assert sophie.get(PAGE).status_code == 404
    assert sophie.post(PAGE, data=ALONE).status_code == 404
    page = sophie.get(f"/fiche/{LEA}")
    assert page.status_code == 200
    assert not markup.elements(page.text, "section", id="fiche-examen")


def test_the_page_says_what_is_shared_and_why(sophie):
    page = sophie.get(PAGE)
    assert page.status_code == 200
    assert markup.texts(page.text, "h1") == ["Étude automatique du droit à bourse de Léa"]
    text = markup.plain(page.text)
    assert "Il vaut demande de bourse" in text
    assert "Il dure jusqu'à ce que vous le retiriez" in text
    assert "nom de naissance, nom d'usage, prénoms, date et lieu de naissance" in text
    assert "en ligne depuis « Mes services » ou sur papier" in text
    # Nothing is filled in; both choices are offered.
    assert value_of(page.text, "demandeur-nom_naissance") == ""
    buttons = markup.elements(page.text, "button", name="decision")
    assert [button["value"] for button in buttons] == ["accepte", "refuse"]
    assert focused(page.text) == []


# Giving, refusing --------------------------------------------------------------------------------


def test_consenting_with_a_partner_without_javascript(sophie, web):
    response = sophie.post(PAGE, data=WITH_PARTNER)
    assert markup.redirects_to(response, f"/fiche/{LEA}")
    row = stored(web, sophie)
    assert row["state"] == ConsentState.GIVEN
    assert CivilStatus.from_record(row["applicant"]) == SOPHIE_STATUS
    assert CivilStatus.from_record(row["partner"]) == JULIEN_STATUS
    fiche = sophie.get(f"/fiche/{LEA}").text
    notice = markup.alert(fiche, "examen-alerte-statut")
    assert notice == consent_view.GIVEN.format(prenom="Léa")
    section = fiche_section(fiche)
    assert "Vous avez donné votre accord le 14/09/2026" in section
    assert "avec l'état civil de la personne qui vit en couple avec vous" in section
    assert markup.elements(fiche, "a", href=f"{PAGE}/retrait")
    # The notice is said once.
    assert markup.alert(sophie.get(f"/fiche/{LEA}").text, "examen-alerte-statut") == ""


def test_consenting_alone_with_htmx_goes_to_the_fiche(sophie, web):
    response = sophie.post(PAGE, data={**ALONE, **JULIEN}, headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/fiche/{LEA}"
    row = stored(web, sophie)
    # « Non » to the couple: what was typed for a partner is not kept.
    assert row["partner"] is None
    assert "sans personne vivant en couple avec vous" in fiche_section(
        sophie.get(f"/fiche/{LEA}").text
    )


def test_a_partner_typed_then_non_is_neither_checked_nor_kept(sophie, web):
    wrong_partner = {**JULIEN, "conjoint-annee": "19", "conjoint-departement": "20"}
    response = sophie.post(PAGE, data={**ALONE, **wrong_partner})
    assert markup.redirects_to(response, f"/fiche/{LEA}")
    assert stored(web, sophie)["partner"] is None


def test_refusing_keeps_no_civil_status(sophie, web):
    response = sophie.post(PAGE, data={**WITH_PARTNER, "decision": "refuse"})
    assert markup.redirects_to(response, f"/fiche/{LEA}")
    row = stored(web, sophie)
    assert (row["state"], row["applicant"], row["partner"]) == ("refused", None, None)
    fiche = sophie.get(f"/fiche/{LEA}").text
    assert markup.alert(fiche, "examen-alerte-statut") == consent_view.REFUSED
    assert "Vous avez refusé l'examen automatique le 14/09/2026" in fiche_section(fiche)
    # Changing one's mind: the page is the form again, empty.
    page = sophie.get(PAGE).text
    assert "Vous avez refusé l'examen automatique le 14/09/2026" in markup.plain(page)
    assert value_of(page, "demandeur-nom_naissance") == ""


def test_refusing_needs_no_field(sophie, web):
    response = sophie.post(PAGE, data={"decision": "refuse"})
    assert markup.redirects_to(response, f"/fiche/{LEA}")
    assert stored(web, sophie)["state"] == "refused"


def test_no_choice_is_asked_for(sophie, web):
    response = sophie.post(PAGE, data={**ALONE, "decision": ""})
    assert response.status_code == 422
    assert markup.alert(response.text, "consentement-alerte").startswith(
        "Choisissez : donner votre accord"
    )
    assert value_of(response.text, "demandeur-nom_naissance") == "Moreau"
    assert stored(web, sophie) is None


def test_the_page_fiche_shows_before_any_choice(sophie):
    fiche = sophie.get(f"/fiche/{LEA}").text
    section = fiche_section(fiche)
    assert "Avec votre accord, l'établissement examine chaque année le droit de Léa" in section
    (link,) = markup.elements(fiche, "a", href=PAGE)
    assert markup.elements(fiche, "a", href=f"{PAGE}/retrait") == []
    assert link


# Every bad input: a clear message, 422, nothing lost -------------------------------------------


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("demandeur-nom_naissance", " ", entry.MISSING_BIRTH_NAME),
        ("demandeur-nom_naissance", "Moreau3", entry.BAD_NAME),
        ("demandeur-nom_usage", "L.", entry.BAD_NAME),
        ("demandeur-prenoms", "", entry.MISSING_FIRST_NAMES),
        ("demandeur-commune", "", entry.MISSING_COMMUNE),
        ("demandeur-departement", "20", entry.CORSICA),
        ("demandeur-departement", "96", entry.BAD_DEPARTEMENT),
        ("demandeur-departement", "", entry.MISSING_PLACE),
        ("demandeur-pays", "Portugal", entry.BOTH_PLACES),
    ],
)
def test_each_bad_field_is_refused(sophie, web, field, typed, message):
    response = through_htmx(sophie, {**WITH_PARTNER, field: typed})
    assert response.status_code == 422
    assert markup.error_messages(response.text, field) == [message]
    (wrong,) = markup.elements(response.text, "input", id=field)
    assert wrong["aria-invalid"] == "true"
    assert wrong["aria-describedby"] == f"{field}-messages"
    assert focused(response.text) == [field]
    # Everything typed is still there, the partner's too; nothing is kept.
    assert value_of(response.text, "conjoint-pays") == "Portugal"
    assert value_of(response.text, field) == typed
    assert stored(web, sophie) is None
    assert markup.texts(response.text, "title")[0].startswith("Erreur — ")


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "1984", birthdates.IMPOSSIBLE),
        ("", "5", "1984", birthdates.MISSING),
        ("12", "5", "84", birthdates.YEAR_DIGITS),
        ("12", "mai", "1984", birthdates.NOT_NUMBERS),
        ("1", "1", "2030", entry.FUTURE),
        ("1", "1", "2015", entry.TOO_YOUNG),
        ("1", "1", "1900", entry.TOO_OLD),
    ],
)
def test_a_bad_date_of_birth_is_refused_on_its_group(sophie, web, day, month, year, message):
    typed = {"conjoint-jour": day, "conjoint-mois": month, "conjoint-annee": year}
    response = sophie.post(PAGE, data={**WITH_PARTNER, **typed})
    assert response.status_code == 422
    assert markup.error_messages(response.text, "conjoint-naissance") == [message]
    for part in ("jour", "mois", "annee"):
        (wrong,) = markup.elements(response.text, "input", id=f"conjoint-{part}")
        assert wrong["aria-describedby"] == "conjoint-naissance-messages"
        assert wrong["aria-invalid"] == "true"
    assert focused(response.text) == ["conjoint-jour"]
    assert value_of(response.text, "conjoint-mois") == month
    assert stored(web, sophie) is None


def test_the_couple_question_is_required_and_every_error_is_shown_at_once(sophie, web):
    data = {**SOPHIE, "demandeur-prenoms": "", "demandeur-departement": "2C", "decision": "accepte"}
    response = through_htmx(sophie, data)
    assert response.status_code == 422
    assert markup.error_messages(response.text, "demandeur-prenoms") == [entry.MISSING_FIRST_NAMES]
    assert markup.error_messages(response.text, "demandeur-departement") == [entry.BAD_DEPARTEMENT]
    assert markup.error_messages(response.text, "en_couple") == [
        "Indiquez si une personne vit en couple avec vous."
    ]
    # Several errors: their list takes the focus, each a link to its field, named with whose.
    assert focused(response.text) == ["consentement-erreurs"]
    assert summary(response.text) == [
        ("#demandeur-prenoms", "Votre état civil : Prénoms"),
        ("#demandeur-departement", "Votre état civil : Département de naissance"),
        ("#en_couple-oui", "Une personne vit-elle en couple avec vous ?"),
    ]
    assert stored(web, sophie) is None


def test_a_partner_declared_needs_their_civil_status(sophie, web):
    data = {**SOPHIE, "en_couple": "oui", "decision": "accepte"}
    response = sophie.post(PAGE, data=data)
    assert response.status_code == 422
    assert markup.error_messages(response.text, "conjoint-nom_naissance") == [
        entry.MISSING_BIRTH_NAME
    ]
    assert markup.error_messages(response.text, "conjoint-naissance") == [birthdates.MISSING]
    assert focused(response.text) == ["consentement-erreurs"]
    partner = "L'état civil de la personne qui vit en couple avec vous"
    assert summary(response.text) == [
        ("#conjoint-nom_naissance", f"{partner} : Nom de naissance"),
        ("#conjoint-prenoms", f"{partner} : Prénoms"),
        ("#conjoint-jour", f"{partner} : Date de naissance"),
        ("#conjoint-commune", f"{partner} : Commune de naissance, ou ville à l'étranger"),
        ("#conjoint-departement", f"{partner} : Département de naissance"),
    ]
    assert stored(web, sophie) is None


# The fiche closed, CSRF --------------------------------------------------------------------------


def close_fiche(web):
    with web.extensions["store"].writing() as tx:
        save_service(tx, "0691234A", FICHE, State.CLOSED, "", None, None, NOW)


def test_a_closed_fiche_takes_no_choice_but_a_consent_can_still_be_withdrawn(sophie, web):
    sophie.post(PAGE, data=WITH_PARTNER)
    close_fiche(web)
    assert markup.redirects_to(sophie.get(PAGE), f"/fiche/{LEA}")
    response = sophie.post(PAGE, data={"decision": "refuse"})
    assert markup.redirects_to(response, f"/fiche/{LEA}")
    assert stored(web, sophie)["state"] == "given"
    fiche = sophie.get(f"/fiche/{LEA}").text
    assert "n'est pas ouverte en ce moment" in markup.plain(fiche)
    assert "Vous avez donné votre accord le 14/09/2026" in fiche_section(fiche)
    assert not markup.elements(fiche, "a", href=PAGE)
    assert sophie.get(f"{PAGE}/retrait").status_code == 200
    assert markup.redirects_to(sophie.post(f"{PAGE}/retrait"), f"/fiche/{LEA}")
    assert stored(web, sophie)["state"] == "withdrawn"
    # Withdrawn, the closed fiche has nothing more to show about it.
    assert 'id="fiche-examen"' not in sophie.get(f"/fiche/{LEA}").text


def test_a_closed_fiche_without_a_consent_shows_no_section(sophie, web):
    close_fiche(web)
    assert 'id="fiche-examen"' not in sophie.get(f"/fiche/{LEA}").text


@pytest.fixture
def guarded_sophie(guarded):
    return signed_in_parent(guarded, "Lefèvre-D'Almeida", "Sophie", "+33612345678")


def test_posts_without_the_token_are_refused(guarded_sophie, guarded):
    assert guarded_sophie.post(PAGE, data=WITH_PARTNER).status_code == 400
    assert stored(guarded, guarded_sophie) is None
    token = markup.csrf_token(guarded_sophie.get(PAGE).text)
    response = guarded_sophie.post(PAGE, data={**WITH_PARTNER, "csrf_token": token})
    assert markup.redirects_to(response, f"/fiche/{LEA}")
    assert guarded_sophie.post(f"{PAGE}/retrait").status_code == 400
    assert stored(guarded, guarded_sophie)["state"] == "given"


# Changing, withdrawing ---------------------------------------------------------------------------


def test_a_given_consent_is_shown_filled_in_and_corrected(sophie, web, clock):
    sophie.post(PAGE, data=WITH_PARTNER)
    first_given = stored(web, sophie)["given_at"]
    page = sophie.get(PAGE).text
    assert value_of(page, "demandeur-nom_naissance") == "Moreau"
    assert value_of(page, "demandeur-jour") == "12"
    assert value_of(page, "conjoint-pays") == "Portugal"
    (oui,) = markup.elements(page, "input", id="en_couple-oui")
    assert "checked" in oui
    assert "Vous avez donné votre accord le 14/09/2026" in markup.plain(page)
    # A given consent is withdrawn through its confirmation, not refused in one click.
    assert [button["value"] for button in markup.elements(page, "button", name="decision")] == [
        "accepte"
    ]
    clock.advance(minutes=10)
    response = sophie.post(PAGE, data={**ALONE, "demandeur-prenoms": "Sophie Marie Louise"})
    assert markup.redirects_to(response, f"/fiche/{LEA}")
    row = stored(web, sophie)
    assert CivilStatus.from_record(row["applicant"]).first_names == "Sophie Marie Louise"
    assert row["partner"] is None
    assert (row["given_at"], len(row["history"])) == (first_given, 2)
    fiche = sophie.get(f"/fiche/{LEA}").text
    assert markup.alert(fiche, "examen-alerte-statut") == consent_view.CHANGED
    refused = sophie.post(PAGE, data={"decision": "refuse"})
    assert markup.redirects_to(refused, f"{PAGE}/retrait")
    assert stored(web, sophie)["state"] == "given"


def test_withdrawing_asks_then_erases_the_civil_status(sophie, web):
    sophie.post(PAGE, data=WITH_PARTNER)
    page = sophie.get(f"{PAGE}/retrait")
    assert page.status_code == 200
    assert markup.texts(page.text, "h1") == ["Retirer votre accord pour Léa"]
    assert "est effacé" in markup.plain(page.text)
    assert stored(web, sophie)["state"] == "given"
    response = sophie.post(f"{PAGE}/retrait")
    assert markup.redirects_to(response, f"/fiche/{LEA}")
    row = stored(web, sophie)
    assert (row["state"], row["applicant"], row["partner"]) == ("withdrawn", None, None)
    fiche = sophie.get(f"/fiche/{LEA}").text
    assert markup.alert(fiche, "examen-alerte-statut") == consent_view.WITHDRAWN
    assert "Vous avez retiré votre accord le 14/09/2026" in fiche_section(fiche)
    assert markup.elements(fiche, "a", href=PAGE)
    # Twice (a second tab): nothing more to withdraw, said plainly.
    assert markup.redirects_to(sophie.get(f"{PAGE}/retrait"), f"/fiche/{LEA}")
    again = sophie.post(f"{PAGE}/retrait", headers=HTMX)
    assert again.headers["HX-Redirect"] == f"/fiche/{LEA}"
    notice = markup.alert(sophie.get(f"/fiche/{LEA}").text, "examen-alerte-statut")
    assert notice == consent_view.NOTHING_TO_WITHDRAW.format(prenom="Léa")


# A sibling, the other responsable ----------------------------------------------------------------


def test_a_siblings_form_offers_the_civil_status_to_confirm(sophie, web):
    sophie.post(PAGE, data=WITH_PARTNER)
    hugo = f"/fiche/{HUGO}/examen-automatique"
    page = sophie.get(hugo).text
    offer = markup.plain(page[page.index('id="etat-civil-repris"') + 23 :])
    assert offer.startswith("Vous avez donné votre accord pour Léa le 14/09/2026")
    assert value_of(page, "demandeur-nom_naissance") == "Moreau"
    assert value_of(page, "conjoint-prenoms") == "Julien"
    # Never copied silently: Hugo has no consent until his parent confirms.
    assert stored(web, sophie, HUGO) is None
    assert "Avec votre accord" in fiche_section(sophie.get(f"/fiche/{HUGO}").text)
    empty = sophie.get(f"{hugo}?reprise=non").text
    assert value_of(empty, "demandeur-nom_naissance") == ""
    assert 'id="etat-civil-repris"' not in empty
    response = sophie.post(hugo, data=WITH_PARTNER)
    assert markup.redirects_to(response, f"/fiche/{HUGO}")
    assert CivilStatus.from_record(stored(web, sophie, HUGO)["partner"]) == JULIEN_STATUS
    # Both given: nothing more to offer.
    assert 'id="etat-civil-repris"' not in sophie.get(hugo).text


def test_a_sibling_refused_is_still_offered_the_civil_status(sophie, web):
    sophie.post(PAGE, data=ALONE)
    sophie.post(f"/fiche/{HUGO}/examen-automatique", data={"decision": "refuse"})
    page = sophie.get(f"/fiche/{HUGO}/examen-automatique").text
    assert 'id="etat-civil-repris"' in page
    assert value_of(page, "demandeur-prenoms") == "Sophie Marie"


def test_when_both_responsables_consent_each_reads_whose_household_is_examined(
    sophie, julien, web, clock
):
    sophie.post(PAGE, data=WITH_PARTNER)
    clock.advance(minutes=20)
    julien_alone = {
        **{key.replace("conjoint-", "demandeur-"): value for key, value in JULIEN.items()},
        "en_couple": "non",
        "decision": "accepte",
    }
    assert markup.redirects_to(julien.post(PAGE, data=julien_alone), f"/fiche/{LEA}")
    theirs = fiche_section(julien.get(f"/fiche/{LEA}").text)
    assert "L'établissement examine un seul foyer par élève : le sien" in theirs
    mine = fiche_section(sophie.get(f"/fiche/{LEA}").text)
    assert "le vôtre, car vous avez donné votre accord le premier" in mine
    assert "Sophie" not in theirs and "Julien" not in mine
    page = julien.get(PAGE).text
    assert "le sien" in markup.plain(page[page.index('id="foyer-examine"') :])
    # Sophie withdraws: Julien's household is examined.
    sophie.post(f"{PAGE}/retrait")
    theirs = fiche_section(julien.get(f"/fiche/{LEA}").text)
    assert (
        "L'établissement examine votre foyer : l'autre responsable a retiré son accord." in theirs
    )


def test_one_refuses_the_other_consents(sophie, julien, web):
    julien.post(PAGE, data={"decision": "refuse"})
    sophie.post(PAGE, data=ALONE)
    assert "a refusé l'examen automatique. Votre accord suffit" in fiche_section(
        sophie.get(f"/fiche/{LEA}").text
    )
    assert "l'établissement examine son foyer" in fiche_section(julien.get(f"/fiche/{LEA}").text)


def test_the_page_and_fiche_have_unique_ids(sophie):
    sophie.post(PAGE, data=WITH_PARTNER)
    for url in (PAGE, f"/fiche/{LEA}", f"{PAGE}/retrait"):
        html = sophie.get(url).text
        ids = [element["id"] for element in markup.elements(html) if element.get("id")]
        assert len(ids) == len(set(ids)), url
