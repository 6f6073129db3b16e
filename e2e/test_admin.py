"""The school's back office (journeys §4) in a real browser: a secretary on a desktop signs in,
imports a roster (with bad lines), confirms, searches, opens a family, prints its letter; the
direction reads the journal; every page and error state passes axe; the import works without
JavaScript; the pages pass axe at the phone viewport too."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from e2e import staff
from e2e.browsers import DESKTOP, assert_accessible, assert_accessible_without_js
from e2e.conftest import open_page
from e2e.signing import submit_sign_in
from rules.roster import HEADER

PASSWORD = "Bureau-Rentree-2026!"

# New families, so the demo parents the other journeys use keep their accounts as they are.
ROSTER = [
    HEADER,
    "0691234A;Collège Concorde;0691600001A;Moreau;Jules;12/05/2015;6e;6eC;Mme;Moreau;Camille;"
    "mère;06 11 22 33 44;camille.moreau@example.org",
    "0691234A;Collège Concorde;0691600002B;Petit;Sami;03/02/2014;5e;5eC;M.;Petit;Nadir;père;"
    "04 72 10 20 30;",
    "0973123Z;Collège des Palmistes;0971600003C;Joseph;Léna;01/01/2014;5e;5eA;Mme;Joseph;Line;"
    "mère;0694 11 22 33;",
]


def create_staff(server, identifiant: str, role: str = "secretariat") -> None:
    staff.create_staff(server, identifiant, PASSWORD, role)


def roster_file(tmp_path, name: str = "eleves.csv", lines=ROSTER) -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def sign_in(page, identifiant: str, password: str = PASSWORD) -> None:
    submit_sign_in(page, identifiant, password)


def test_back_office_on_a_desktop(desktop, app_server, tmp_path):
    page, check = desktop, assert_accessible
    create_staff(app_server, "e2e.secretariat")

    page.goto("/admin")
    expect(page).to_have_url(re.compile("/admin/connexion$"))
    expect(page).to_have_title("Connexion à l'espace établissement — Téléservices")
    check(page, "connexion")
    sign_in(page, "e2e.secretariat", "pas le bon")
    expect(page.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect.")
    check(page, "connexion refusée")
    sign_in(page, "e2e.secretariat")
    expect(page).to_have_title("Espace établissement — Téléservices")
    expect(page.get_by_text("connecté en tant que e2e.secretariat")).to_be_visible()
    check(page, "accueil")

    page.get_by_role("link", name="Importer la liste").first.click()
    expect(page).to_have_title("Importer la liste des élèves — Téléservices")
    check(page, "import")
    page.get_by_role("button", name="Voir l'aperçu de l'import").click()
    expect(page.get_by_text("Choisissez le fichier CSV")).to_be_visible()
    expect(page.locator("#fichier")).to_be_focused()
    check(page, "import sans fichier")
    image = tmp_path / "liste.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    page.set_input_files("#fichier", str(image))
    page.get_by_role("button", name="Voir l'aperçu de l'import").click()
    expect(page.get_by_text("Ce fichier n'est pas un fichier CSV")).to_be_visible()
    check(page, "import d'une image")

    page.set_input_files("#fichier", roster_file(tmp_path))
    page.get_by_role("button", name="Voir l'aperçu de l'import").click()
    expect(page).to_have_url(re.compile("/admin/import/apercu$"))
    expect(page.get_by_text("3 lignes lues, 1 valide, 2 en erreur.")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("numéro de téléphone fixe"))).to_be_visible()
    expect(
        page.get_by_role("cell", name=re.compile("Établissement différent du vôtre"))
    ).to_be_visible()
    check(page, "aperçu")
    page.get_by_role("button", name="Importer la ligne valide").click()
    expect(page.get_by_role("status").first).to_contain_text("Import de eleves.csv terminé")
    check(page, "import terminé")

    page.get_by_role("link", name="Responsables").first.click()
    expect(page).to_have_title("Responsables — Téléservices")
    check(page, "responsables")
    page.get_by_label("Nom ou prénom").fill("jules")
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"/admin/responsables\?q=jules"))
    expect(page.get_by_text("1 responsable trouvé.")).to_be_visible()
    check(page, "recherche")
    page.get_by_label("Nom ou prénom").fill("personne de connu")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_text("Aucun responsable ne correspond")).to_be_visible()
    check(page, "recherche sans résultat")
    page.get_by_label("Nom ou prénom").fill("")
    page.get_by_label("Classe").select_option("6eC")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="Mme Camille Moreau").click()
    expect(page).to_have_title("Mme Camille Moreau — Téléservices")
    expect(page.get_by_text("Jules Moreau, classe de 6eC")).to_be_visible()
    check(page, "fiche du responsable")

    with page.expect_download() as download:
        page.get_by_role("button", name="Imprimer les identifiants par courrier (PDF)").click()
    letter = PdfReader(io.BytesIO(download.value.path().read_bytes())).pages[0].extract_text()
    assert "Camille Moreau" in letter
    page.reload()
    expect(page.get_by_text("Notifié par courrier le")).to_be_visible()
    identifiant = re.search(r"Identifiant : (\S+)", page.locator("main").inner_text()).group(1)
    assert identifiant in letter
    check(page, "fiche après notification")

    page.get_by_role("link", name="Statistiques").click()
    expect(page.get_by_role("table")).to_contain_text("6eC")
    check(page, "statistiques")

    page.goto("/admin/journal")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès réservé à la direction")
    check(page, "journal refusé au secrétariat")

    palmistes = page.request.get("/admin/responsables/999999")
    assert palmistes.status == 404
    page.goto("/admin/responsables/999999")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page non trouvée")
    check(page, "fiche introuvable")

    page.goto("/admin")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("status").first).to_contain_text("Vous êtes déconnecté.")
    check(page, "déconnecté")


def test_direction_reads_the_journal(desktop, app_server):
    create_staff(app_server, "e2e.direction", "direction")
    desktop.goto("/admin/connexion")
    sign_in(desktop, "e2e.direction")
    desktop.get_by_role("link", name="Journal").click()
    expect(desktop).to_have_title("Journal des actions — Téléservices")
    expect(desktop.get_by_role("table")).to_contain_text("e2e.direction")
    assert_accessible(desktop, "journal")


def test_teleservices_message_on_a_desktop(desktop, app_server):
    page, check = desktop, assert_accessible
    create_staff(app_server, "e2e.teleservices")
    page.goto("/admin/connexion")
    sign_in(page, "e2e.teleservices")
    expect(page).to_have_url(re.compile("/admin$"))
    menu = page.get_by_role("navigation", name="Espace établissement")
    menu.get_by_role("link", name="Téléservices").click()
    expect(page).to_have_title("Téléservices — Téléservices")
    expect(page.get_by_text("Campagne du 01/09/2026 au 15/10/2026")).to_be_visible()
    check(page, "téléservices")

    fiche = page.locator("#service-fiche")
    fiche.get_by_label("Message d'accueil").fill("x" * 501)
    fiche.get_by_role("button", name="Enregistrer « Fiche de renseignements »").click()
    expect(page.get_by_text("ne doit pas dépasser 500 caractères")).to_be_visible()
    check(page, "téléservices : message trop long")

    fiche = page.locator("#service-fiche")
    fiche.get_by_label("Message d'accueil").fill("Vérifiez l'adresse de la famille.")
    fiche.get_by_role("button", name="Enregistrer « Fiche de renseignements »").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "« Fiche de renseignements » : modifications enregistrées."
    )
    expect(
        page.get_by_text("Message d'accueil : « Vérifiez l'adresse de la famille. »")
    ).to_be_visible()
    check(page, "téléservices : message enregistré")

    # The parents' cards of the other tests keep the fiche without a message.
    fiche = page.locator("#service-fiche")
    fiche.get_by_label("Message d'accueil").fill("")
    fiche.get_by_role("button", name="Enregistrer « Fiche de renseignements »").click()
    expect(page.get_by_text("Message d'accueil : aucun").first).to_be_visible()


@pytest.fixture
def desktop_without_js(new_context, app_server):
    return open_page(new_context, app_server, java_script_enabled=False, **DESKTOP)


def test_import_without_javascript(desktop_without_js, app_server, tmp_path):
    page, check = desktop_without_js, assert_accessible_without_js
    create_staff(app_server, "e2e.sans-js")
    page.goto("/admin/connexion")
    sign_in(page, "e2e.sans-js")
    expect(page).to_have_url(re.compile("/admin$"))
    page.goto("/admin/import")
    page.get_by_role("button", name="Voir l'aperçu de l'import").click()
    expect(page.get_by_text("Choisissez le fichier CSV")).to_be_visible()
    check(page, "import sans fichier, sans JavaScript")
    page.set_input_files("#fichier", roster_file(tmp_path, "sans-js.csv"))
    page.get_by_role("button", name="Voir l'aperçu de l'import").click()
    expect(page).to_have_url(re.compile("/admin/import/apercu$"))
    check(page, "aperçu sans JavaScript")
    page.get_by_role("button", name="Importer la ligne valide").click()
    expect(page.get_by_text("Import de sans-js.csv terminé")).to_be_visible()
    page.goto("/admin/responsables")
    page.get_by_label("État du compte").select_option("non activé")
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile("etat=non"))
    check(page, "responsables filtrés sans JavaScript")


@pytest.fixture(scope="module")
def phone_staff(app_server) -> str:
    """One direction account for the phone tests of this worker's server."""
    create_staff(app_server, "e2e.telephone", "direction")
    return "e2e.telephone"


@pytest.mark.parametrize(
    "url",
    ["/admin", "/admin/import", "/admin/responsables", "/admin/statistiques", "/admin/journal"],
)
def test_pages_at_the_phone_viewport(phone, phone_staff, url):
    phone.goto("/admin/connexion")
    sign_in(phone, phone_staff)
    expect(phone).to_have_url(re.compile("/admin$"))
    phone.goto(url)
    assert_accessible(phone, f"{url} au format téléphone")
