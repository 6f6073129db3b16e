"""Non-recours in a real browser (issue 14, item 5), at the phone viewport with axe after every
step and error state: the school's staff find, per class, the pupils with no consent and no
request this school year, filter the list by class, send the reminder once; a parent of the list
receives it (SMS in the development outbox, e-mail on the real SMTP server); a second sending,
from a page opened before the first, is refused with when and by whom. With JavaScript off, the
same walk in another school. And a family whose examination found no notice (its consent's
état civil is unknown to the tax sandbox; the school's run is `flask bourse examiner`) is
offered « Faire une demande » on « Mes services » and starts the online request (on a phone,
sends it before the campaign's deadline and finds it on « Mes services »).

Each test has a school of its own (its own UAI, classes and families, added to the server's
roster, its campaign opened through the records), so the reminder, once per school and
campaign, is its alone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from playwright.sync_api import expect

from e2e.browsers import assert_accessible, assert_accessible_without_js, tick
from e2e.outbox import last_sms
from e2e.parents import add_roster_lines, create_parent
from e2e.parents import sign_in as sign_in_parent
from e2e.signing import submit_sign_in
from e2e.staff import create_staff
from e2e.test_bourse_request import BENALI_2026, IBAN, fill_bank, fill_contact, fill_situation
from outside.storage import open_store
from records import consents, teleservices
from records.accounts import children_of, find_by_identifier
from records.teleservices import BOURSE, State
from rules.civil_status import CivilStatus

PASSWORD = "Non-Recours-Rentree-2026!"

ROSA_PARKS = {
    "uai": "0691761K",
    "staff": "e2e.nonrecours.secretariat",
    "lines": [
        # Claire Tessier: two pupils with neither, an account and a confirmed address.
        "0691761K;Collège Rosa-Parks;0691761001A;Tessier;Zélie;02/02/2015;6e;6eR;Mme;Tessier;"
        "Claire;mère;06 70 00 61 01;claire.tessier@example.org",
        "0691761K;Collège Rosa-Parks;0691761002B;Tessier;Noé;12/12/2013;5e;5eR;Mme;Tessier;"
        "Claire;mère;06 70 00 61 01;claire.tessier@example.org",
        # Hector Lacombe: no account, his mobile from the school only.
        "0691761K;Collège Rosa-Parks;0691761003C;Lacombe;Yanis;08/08/2013;5e;5eR;M.;Lacombe;"
        "Hector;père;06 70 00 61 02;",
        # Inès Vallet consented in the fiche: her pupil is not on the list.
        "0691761K;Collège Rosa-Parks;0691761004D;Vallet;Lina;04/04/2015;6e;6eR;Mme;Vallet;"
        "Inès;mère;06 70 00 61 03;ines.vallet@example.org",
    ],
    "account": ("Tessier", "Claire", "06 70 00 61 01", "claire.tessier@example.net"),
    "consenting": ("Vallet", "Inès", "06 70 00 61 03"),
    "mobile": "+33670006101",
}
SIMONE_VEIL = {
    "uai": "0691762L",
    "staff": "e2e.nonrecours.sansjs",
    "lines": [
        "0691762L;Collège Simone-Veil;0691762001A;Roux;Maël;09/09/2012;4e;4eS;M.;Roux;"
        "Bastien;père;06 70 00 62 01;bastien.roux@example.org",
        "0691762L;Collège Simone-Veil;0691762002B;Faure;Jade;10/10/2012;4e;4eS;Mme;Faure;"
        "Odile;mère;06 70 00 62 02;",
        "0691762L;Collège Simone-Veil;0691762003C;Faure;Timéo;11/11/2014;6e;6eS;Mme;Faure;"
        "Odile;mère;06 70 00 62 02;",
    ],
    "account": ("Roux", "Bastien", "06 70 00 62 01", "bastien.roux@example.net"),
    "consenting": None,
    "mobile": "+33670006201",
}
APPLICANT = CivilStatus("Vallet", "Inès", date(1986, 1, 20), "Lyon", "69", "")


def school_of(server, school: dict) -> None:
    """The school's roster, its campaign opened (1/9 to 15/10/2026), its secretariat, a parent
    with a confirmed address and, if any, a parent who consented."""
    add_roster_lines(server, school["lines"])
    store = open_store(server.env["FLASK_DATABASE"])
    now = datetime.now(UTC)
    nom, prenom, telephone, courriel = school["account"]
    account = find_by_identifiant_of(server, store, nom, prenom, telephone)
    with store.writing() as tx:
        tx.update("comptes", account["id"], {"email": courriel, "email_confirmed": True})
        teleservices.save_service(
            tx, school["uai"], BOURSE, State.OPEN, "", date(2026, 9, 1), date(2026, 10, 15), now
        )
    if school["consenting"]:
        consenting = find_by_identifiant_of(server, store, *school["consenting"])
        with store.writing() as tx:
            (child,) = children_of(tx, consenting["responsable_ids"])
            consents.choose(tx, consenting, child, True, now, applicant=APPLICANT)
    create_staff(server, school["staff"], PASSWORD, uai=school["uai"])


def find_by_identifiant_of(server, store, nom: str, prenom: str, telephone: str) -> dict:
    identifiant = create_parent(server, nom, prenom, telephone)
    with store.reading() as tx:
        return find_by_identifier(tx, identifiant)


def sign_in(page, school: dict) -> None:
    page.goto("/admin/connexion")
    submit_sign_in(page, school["staff"], PASSWORD)
    expect(page).to_have_title("Espace établissement — Téléservices")


def to_the_list(page, school: dict, check) -> None:
    sign_in(page, school)
    page.goto("/admin/bourses")
    page.get_by_role("link", name="Familles sans demande de bourse").click()
    expect(page).to_have_title("Familles sans demande de bourse — Téléservices")
    check(page, "familles sans demande")


def class_row(page, classe: str):
    return page.get_by_role("table", name=re.compile("Élèves par classe")).get_by_role(
        "row", name=re.compile(f"^{classe}")
    )


def test_the_school_reminds_the_families_without_request_once_on_a_phone(
    phone, desktop, app_server, smtp_server
):
    school_of(app_server, ROSA_PARKS)
    page, check = phone, assert_accessible
    to_the_list(page, ROSA_PARKS, check)

    # Classe, élèves, accord, demande, ni accord ni demande.
    expect(class_row(page, "6eR").get_by_role("cell")).to_have_text(["2", "1", "0", "1"])
    expect(class_row(page, "5eR").get_by_role("cell")).to_have_text(["2", "0", "0", "2"])
    expect(page.get_by_text("3 élèves sans accord ni demande.")).to_be_visible()
    results = page.get_by_role("table", name=re.compile("Élèves sans accord ni demande"))
    expect(results).to_contain_text("Zélie Tessier")
    expect(results).not_to_contain_text("Lina Vallet")

    page.get_by_label("Classe").select_option("5eR")
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(r"/admin/bourses/non-recours\?classe=5eR$"))
    expect(page.get_by_text("2 élèves sans accord ni demande en 5eR.")).to_be_visible()
    expect(results.get_by_role("row")).to_have_count(3)  # the header and two pupils
    check(page, "liste d'une classe")

    # The same page opened earlier on another device: its button will come too late.
    stale = desktop
    sign_in(stale, ROSA_PARKS)
    stale.goto("/admin/bourses/non-recours")

    expect(page.get_by_text("avant le 15/10/2026").first).to_be_visible()
    page.get_by_role("button", name="Envoyer le rappel à 2 responsables").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Le rappel est envoyé à 2 responsable(s) : 2 SMS et 1 courriel(s)."
    )
    expect(page.locator("#rappel-envoye")).to_contain_text(
        f"par {ROSA_PARKS['staff']} : 2 SMS et 1 courriel, à 2 responsables."
    )
    expect(page.get_by_role("button", name=re.compile("Envoyer le rappel"))).to_have_count(0)
    check(page, "rappel envoyé")

    text = last_sms(page, app_server.url, ROSA_PARKS["mobile"])
    assert "demande de bourse de collège 2026-2027" in text and "avant le 15/10/2026" in text
    (mail,) = smtp_server.received("claire.tessier@example.net")
    assert (
        mail["subject"] == "Bourse de collège 2026-2027 : faites votre demande avant le 15/10/2026"
    )
    assert "Collège Rosa-Parks" in mail["body"] and "/mes-services" in mail["body"]
    assert smtp_server.received("ines.vallet@example.org") == []

    stale.get_by_role("button", name="Envoyer le rappel à 2 responsables").click()
    expect(stale.get_by_role("alert").first).to_contain_text(
        "Le rappel de la campagne 2026-2027 a déjà été envoyé le"
    )
    expect(stale.get_by_role("alert").first).to_contain_text(
        f"par {ROSA_PARKS['staff']} : il ne s'envoie qu'une fois par campagne."
    )
    check(stale, "second envoi refusé")
    assert len(smtp_server.received("claire.tessier@example.net")) == 1


def test_the_reminder_without_javascript(phone_without_js, desktop, app_server, smtp_server):
    school_of(app_server, SIMONE_VEIL)
    page, check = phone_without_js, assert_accessible_without_js
    to_the_list(page, SIMONE_VEIL, check)
    expect(class_row(page, "4eS").get_by_role("cell")).to_have_text(["2", "0", "0", "2"])

    page.get_by_label("Classe").select_option("6eS")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_text("1 élève sans accord ni demande en 6eS.")).to_be_visible()
    check(page, "liste d'une classe sans JavaScript")

    stale = desktop
    sign_in(stale, SIMONE_VEIL)
    stale.goto("/admin/bourses/non-recours")

    # Odile Faure has two pupils on the list: one SMS.
    page.get_by_role("button", name="Envoyer le rappel à 2 responsables").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Le rappel est envoyé à 2 responsable(s) : 2 SMS et 1 courriel(s)."
    )
    check(page, "rappel envoyé sans JavaScript")
    assert "avant le 15/10/2026" in last_sms(page, app_server.url, SIMONE_VEIL["mobile"])
    (mail,) = smtp_server.received("bastien.roux@example.net")
    assert "Collège Simone-Veil" in mail["body"]

    stale.get_by_role("button", name="Envoyer le rappel à 2 responsables").click()
    expect(stale.get_by_role("alert").first).to_contain_text("a déjà été envoyé le")
    assert_accessible(stale, "second envoi refusé")
    assert len(smtp_server.received("bastien.roux@example.net")) == 1


LOUISE_MICHEL = "0691764K"
NOT_FOUND_FAMILIES = {
    "js": (
        "0691764K;Collège Louise-Michel;0691764001A;Besson;Rayan;05/05/2014;5e;5eL;Mme;Besson;"
        "Yasmine;mère;06 70 00 64 01;",
        CivilStatus("Besson", "Yasmine", date(1985, 6, 6), "Lyon", "69", ""),
    ),
    "no-js": (
        "0691764K;Collège Louise-Michel;0691764002B;Chevalier;Louna;07/07/2012;4e;4eL;M.;"
        "Chevalier;Gaël;père;06 70 00 64 02;",
        CivilStatus("Chevalier", "Gaël", date(1979, 3, 3), "Bron", "69", ""),
    ),
}


def consented(server, which: str) -> str:
    """The family's consent given in the fiche (with an état civil the tax sandbox does not
    know), the school's campaign open. Returns the parent's identifiant."""
    line, civil_status = NOT_FOUND_FAMILIES[which]
    add_roster_lines(server, [line])
    nom, prenom, _, telephone = line.split(";")[9:13]
    identifiant = create_parent(server, nom, prenom, telephone)
    now = datetime.now(UTC)
    with open_store(server.env["FLASK_DATABASE"]).writing() as tx:
        teleservices.save_service(
            tx, LOUISE_MICHEL, BOURSE, State.OPEN, "", date(2026, 9, 1), date(2026, 10, 15), now
        )
        account = find_by_identifier(tx, identifiant)
        (child,) = children_of(tx, account["responsable_ids"])
        consents.choose(tx, account, child, True, now, applicant=civil_status)
    return identifiant


def examine(server) -> None:
    """The school's examination, as its cron runs it: the families' notices are not found."""
    server.flask("bourse", "examiner", LOUISE_MICHEL, "--url", server.url)


def walk_to_the_request(page, check, prenom: str) -> None:
    card = page.get_by_role("listitem").filter(has_text=f"{prenom} ")
    expect(page.get_by_text("nous n'avons pas retrouvé votre avis d'imposition")).to_be_visible()
    expect(page.get_by_text("Demande de bourse : ouverte jusqu'au 15/10/2026.")).to_be_visible()
    check(page, "examen : avis introuvable")
    card.get_by_role("link", name="Faire une demande").click()
    page.get_by_role("button", name="Commencer la demande").click()
    expect(page).to_have_title(re.compile("Vos coordonnées"))
    check(page, "demande en ligne commencée")


def test_a_family_whose_notice_was_not_found_applies_online_on_a_phone(phone, app_server):
    identifiant = consented(app_server, "js")
    sign_in_parent(phone, identifiant)
    # Before the examination, the consent is the request: no online request to start.
    phone.goto("/bourse/eleves/0691764001A")
    expect(phone.get_by_role("heading", level=2)).to_have_text(
        "Le droit à bourse de Rayan est examiné automatiquement"
    )
    expect(phone.get_by_role("button", name="Commencer la demande")).to_have_count(0)
    assert_accessible(phone, "examen attendu : pas de demande à faire")
    examine(app_server)
    phone.goto("/mes-services")
    walk_to_the_request(phone, assert_accessible, "Rayan")
    send_before_the_deadline(phone, assert_accessible)


def send_before_the_deadline(page, check) -> None:
    """The online request walked to its receipt, then shown on « Mes services »."""
    fill_contact(page, "parent.rayan@example.org")
    fill_situation(page, BENALI_2026)
    page.get_by_role("button", name="Récupérer mes informations fiscales").click()
    page.get_by_role("button", name="Je confirme ces informations").click()
    page.get_by_role("button", name="Continuer").click()
    fill_bank(page, IBAN)
    tick(page.get_by_label(re.compile("Je certifie sur l'honneur")))
    page.get_by_role("button", name="Envoyer la demande").click()
    sent = re.compile(rf"Demande de bourse n° {LOUISE_MICHEL}-2026-\d{{5}}")
    expect(page.get_by_role("heading", level=1)).to_have_text(sent)
    check(page, "demande en ligne envoyée")
    page.goto("/mes-services")
    expect(page.get_by_text(sent)).to_contain_text("déposée")
    check(page, "mes services : la demande en ligne")


def test_a_family_whose_notice_was_not_found_applies_online_without_javascript(
    phone_without_js, app_server
):
    identifiant = consented(app_server, "no-js")
    examine(app_server)
    sign_in_parent(phone_without_js, identifiant)
    walk_to_the_request(phone_without_js, assert_accessible_without_js, "Louna")
