"""The consent to the automatic examination in the fiche de renseignements (issue 14 item 1) in a
real browser, on a phone: a parent reads what is shared, gives her état civil élargi and her
partner's (born abroad), is refused a wrong one field by field, sees her choice on the fiche,
confirms the same état civil offered for her other child, and withdraws the first consent; with
axe and the W3C checker after every step and error state. A second parent does it with
JavaScript off. Both families are this file's own."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.browsers import assert_accessible, assert_accessible_without_js, tick
from e2e.parents import add_roster_lines, create_parent, sign_in

CONCORDE = "0691234A;Collège Concorde"
KERBRAT = [
    f"{CONCORDE};0691631401A;Kerbrat;Maël;04/04/2015;6e;6eC;"
    "Mme;Kerbrat;Gwenaëlle;mère;06 70 00 31 01;gwenaelle.kerbrat@example.org",
    f"{CONCORDE};0691631402B;Kerbrat;Lou;19/10/2012;4e;4eC;"
    "Mme;Kerbrat;Gwenaëlle;mère;06 70 00 31 01;gwenaelle.kerbrat@example.org",
]
YANNICK = "M.;Tessier;Yannick;père;06 70 00 31 02;"
TESSIER = [
    f"{CONCORDE};0691631501A;Tessier;Zélie;07/07/2014;5e;5eC;{YANNICK}",
    f"{CONCORDE};0691631502B;Tessier;Enzo;22/01/2012;3e;3eC;{YANNICK}",
]


def person(page, legend: str):
    return page.get_by_role("group", name=legend).first


def fill_person(group, birth_name, first_names, born, commune, departement="", pays=""):
    group.get_by_label("Nom de naissance").fill(birth_name)
    group.get_by_label("Prénoms").fill(first_names)
    for label, value in zip(("Jour", "Mois", "Année"), born.split("/"), strict=True):
        group.get_by_label(re.compile(f"^{label}")).fill(value)
    group.get_by_label("Commune de naissance").fill(commune)
    group.get_by_label("Département de naissance").fill(departement)
    group.get_by_label("Pays de naissance").fill(pays)


def applicant(page):
    return person(page, "Votre état civil")


def partner(page):
    return person(page, "L'état civil de la personne qui vit en couple avec vous")


def give(page) -> None:
    page.get_by_role("button", name="Je donne mon accord").click()


def test_consent_with_a_partner_a_sibling_and_a_withdrawal_on_a_phone(phone, app_server):
    add_roster_lines(app_server, KERBRAT)
    identifiant = create_parent(app_server, "Kerbrat", "Gwenaëlle", "06 70 00 31 01")
    page, check = phone, assert_accessible
    sign_in(page, identifiant)

    page.goto("/fiche/0691631401A")
    section = page.locator("#fiche-examen")
    expect(section).to_contain_text("Avec votre accord, l'établissement examine chaque année")
    check(page, "fiche sans choix")

    section.get_by_role("link", name="Donner mon accord ou refuser").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Étude automatique du droit à bourse de Maël"
    )
    expect(page.get_by_text("Il vaut demande de bourse")).to_be_visible()
    check(page, "page de l'accord")

    fill_person(applicant(page), "", "Gwenaëlle Anne", "31/02/1985", "Ajaccio", "20")
    tick(page.get_by_label("Oui", exact=True))
    give(page)
    mine = applicant(page)
    expect(mine.get_by_text("Indiquez le nom de naissance.")).to_be_visible()
    expect(mine.get_by_text("Cette date n'existe pas.")).to_be_visible()
    expect(mine.get_by_text("Pour une naissance en Corse, indiquez 2A")).to_be_visible()
    # « Oui » to the couple: the partner's état civil is asked for too.
    expect(partner(page).get_by_text("Indiquez le nom de naissance.")).to_be_visible()
    expect(page).to_have_title(re.compile("^Erreur — "))
    # Several errors: their list takes the focus, each link leads to its field.
    errors = page.locator("#consentement-erreurs")
    expect(errors).to_be_focused()
    errors.get_by_role("link", name="Votre état civil : Nom de naissance").click()
    expect(applicant(page).get_by_label("Nom de naissance")).to_be_focused()
    # Nothing typed is lost.
    expect(applicant(page).get_by_label("Prénoms")).to_have_value("Gwenaëlle Anne")
    check(page, "état civil erroné")

    fill_person(applicant(page), "Le Gall", "Gwenaëlle Anne", "28/02/1985", "Ajaccio", "2A")
    fill_person(partner(page), "Janssens", "Pieter", "11/11/1983", "Liège", pays="Belgique")
    give(page)
    expect(page).to_have_url(re.compile("/fiche/0691631401A$"))
    notice = page.locator("#examen-alerte-statut .fr-alert")
    expect(notice).to_contain_text("Votre accord est enregistré")
    expect(notice).to_be_focused()
    expect(section).to_contain_text("Vous avez donné votre accord le 14/09/2026")
    expect(section).to_contain_text("avec l'état civil de la personne qui vit en couple avec vous")
    check(page, "accord donné")

    # Lou's form offers the état civil given for Maël, to confirm.
    page.goto("/fiche/0691631402B/examen-automatique")
    expect(page.locator("#etat-civil-repris")).to_contain_text(
        "Vous avez donné votre accord pour Maël le 14/09/2026"
    )
    expect(applicant(page).get_by_label("Nom de naissance")).to_have_value("Le Gall")
    expect(partner(page).get_by_label("Pays de naissance")).to_have_value("Belgique")
    expect(page.get_by_label("Oui", exact=True)).to_be_checked()
    check(page, "état civil repris pour le frère")
    give(page)
    expect(page).to_have_url(re.compile("/fiche/0691631402B$"))
    expect(section).to_contain_text("Vous avez donné votre accord le 14/09/2026")
    check(page, "accord confirmé pour le frère")

    page.goto("/fiche/0691631401A")
    section.get_by_role("link", name="Retirer mon accord").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retirer votre accord pour Maël")
    check(page, "confirmation du retrait")
    page.get_by_role("button", name="Oui, retirer mon accord").click()
    expect(page).to_have_url(re.compile("/fiche/0691631401A$"))
    expect(notice).to_contain_text("Votre accord est retiré")
    expect(section).to_contain_text("Vous avez retiré votre accord le 14/09/2026")
    check(page, "accord retiré")

    # Given again: the form starts from Lou's état civil, never from the erased one silently.
    section.get_by_role("link", name="Donner à nouveau mon accord").click()
    expect(page.locator("#etat-civil-repris")).to_contain_text("pour Lou")


def test_consent_without_javascript(phone_without_js, app_server):
    add_roster_lines(app_server, TESSIER)
    identifiant = create_parent(app_server, "Tessier", "Yannick", "06 70 00 31 02")
    page, check = phone_without_js, assert_accessible_without_js
    sign_in(page, identifiant)

    page.goto("/fiche/0691631501A")
    page.locator("#fiche-examen").get_by_role("link", name="Donner mon accord ou refuser").click()
    check(page, "page de l'accord sans JavaScript")

    fill_person(applicant(page), "Tessier", "Yannick", "05/06/1980", "Brest", "29", "Portugal")
    give(page)
    expect(page.get_by_text("Indiquez soit un département")).to_be_visible()
    expect(page.get_by_text("Indiquez si une personne vit en couple avec vous.")).to_be_visible()
    expect(page.locator("#consentement-erreurs")).to_be_focused()
    check(page, "lieu de naissance en double sans JavaScript")

    applicant(page).get_by_label("Pays de naissance").fill("")
    tick(page.get_by_label("Oui", exact=True))
    fill_person(partner(page), "Morvan", "Katell Marie", "14/02/1982", "Quimper", "29")
    give(page)
    expect(page).to_have_url(re.compile("/fiche/0691631501A$"))
    expect(page.locator("#fiche-examen")).to_contain_text(
        "Vous avez donné votre accord le 14/09/2026"
    )
    check(page, "accord donné sans JavaScript")

    page.goto("/fiche/0691631502B/examen-automatique")
    expect(page.locator("#etat-civil-repris")).to_contain_text("pour Zélie")
    expect(partner(page).get_by_label("Prénoms")).to_have_value("Katell Marie")
    check(page, "état civil repris sans JavaScript")
    give(page)
    expect(page).to_have_url(re.compile("/fiche/0691631502B$"))
    expect(page.locator("#fiche-examen")).to_contain_text("Vous avez donné votre accord")

    page.locator("#fiche-examen").get_by_role("link", name="Retirer mon accord").click()
    page.get_by_role("button", name="Oui, retirer mon accord").click()
    expect(page).to_have_url(re.compile("/fiche/0691631502B$"))
    expect(page.locator("#fiche-examen")).to_contain_text("Vous avez retiré votre accord")
    check(page, "accord retiré sans JavaScript")
