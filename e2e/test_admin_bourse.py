"""The school's side of a scholarship request (journeys §7, back office) in a real browser, with
axe after every step and error state. Each test has a family of its own whose request is already
sent (written through the records' own function, so the tests stay about the staff).

Only the school head (a "direction" account) grants or refuses; the secretariat instructs and
proposes.

At the phone viewport, a secretary of the Collège Concorde finds a request with a filter, opens
it, puts it « en instruction », tries to propose a grant without an échelon, proposes échelon 3;
a decision forged from her page is refused (403). The head then opens the request, finds the
proposal and échelon 3 already chosen, and grants it; the family's e-mail reaches the real SMTP
server with the échelon and the amounts; the CSV export holds the decision.

At the desktop viewport, another secretary finds a request whose tax data the family typed in
(with its notice as a PDF) through the « Pièces à vérifier » filter, downloads the notice (the
very bytes, under a name the service gives), puts the request « en instruction », tries to
propose a refusal without a reason, proposes it with one. The head finds the reason already
written, tries to refuse with the reason erased, refuses with it; the family's e-mail reaches the
real SMTP server with the refusal and its reason.

With JavaScript off, the head filters, passes a request « en instruction », meets the
missing-échelon error and grants échelon 2; the family is e-mailed."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from playwright.sync_api import expect

from e2e.browsers import assert_accessible, assert_accessible_without_js
from e2e.parents import add_roster_lines, create_parent
from e2e.signing import submit_sign_in
from e2e.staff import create_staff
from outside.files import FolderFileStore
from outside.storage import open_store
from records.accounts import children_of, find_by_identifier
from records.bourse_requests import submit
from rules.bourse import estimate
from rules.clock import PARIS

STAFF = "e2e.bourse.secretariat"
STAFF_PASSWORD = "Bureau-Bourses-2026!"
HEAD = "e2e.bourse.direction"
HEAD_PASSWORD = "Direction-Bourses-2026!"
COURRIEL = "odile.fontaine@example.net"
FAMILY = (
    "0691234A;Collège Concorde;0691600301A;Fontaine;Maëlle;12/03/2014;5e;5eC;Mme;Fontaine;"
    "Odile;mère;06 70 00 03 01;odile.fontaine@example.org"
)
# Her income is above the ceilings: the estimate is échelon 0, so no échelon is chosen
# beforehand on the staff's form.
FISCAL = {
    "source": "dgfip",
    "notices": [
        {"numero_fiscal": "3023217600053", "reference_avis": "2612A98765432", "notice": None}
    ],
    "rfr": 60000,
    "enfants_a_charge": 2,
    "annee_revenus": 2025,
    "dgfip_consent": True,
    "renewal": "accepte",
    "files": [],
}

MANUAL_STAFF = "e2e.bourse.secretariat.pieces"
MANUAL_STAFF_PASSWORD = "Pieces-A-Verifier-2026!"
MANUAL_HEAD = "e2e.bourse.direction.pieces"
MANUAL_COURRIEL = "julien.garnier@example.net"
MANUAL_FAMILY = (
    "0691234A;Collège Concorde;0691600302B;Garnier;Théo;21/06/2013;4e;4eB;M.;Garnier;"
    "Julien;père;06 70 00 03 02;julien.garnier@example.org"
)
MOTIF = (
    "Le revenu fiscal de référence saisi (18 000 €) n'est pas celui de l'avis d'impôt joint : "
    "déposez une nouvelle demande avec l'avis d'impôt 2026 du foyer."
)

# Within the campaign the demo seed opens (1 September – 15 October 2026).
SENT_AT = datetime(2026, 9, 14, 9, 30, tzinfo=PARIS)


def submitted_request(server, family: str, courriel: str, fiscal: dict) -> str:
    """The request the responsable of this roster line (added to the server's roster) makes
    for its child, as the parent's journey records it, with this tax situation; its number."""
    add_roster_lines(server, [family])
    nom, prenom, _, telephone = family.split(";")[9:13]
    identifiant = create_parent(server, nom, prenom, telephone)
    store = open_store(server.env["FLASK_DATABASE"])
    with store.reading() as tx:
        account = find_by_identifier(tx, identifiant)
        (child,) = children_of(tx, account["responsable_ids"])
    data = {
        "contact": {
            "email": courriel,
            "phone": account["phone"],
            "address": {
                "line1": "4 place des Tilleuls",
                "line2": "",
                "postal_code": "69005",
                "city": "Lyon",
            },
        },
        "tax": fiscal,
        "estimate": estimate("2026-2027", fiscal["rfr"], fiscal["enfants_a_charge"]).as_dict(),
        "bank": {
            "holder": f"{prenom} {nom}",
            "iban": "FR7630006000011234567890189",
            "bic": "",
        },
    }
    with store.writing() as tx:
        if courriel:
            # Issue 12: a family is e-mailed at its account's confirmed address only; this one
            # confirmed the address its request gives.
            tx.update("comptes", account["id"], {"email": courriel, "email_confirmed": True})
        return submit(tx, account, child, data, "e2e-admin-bourse", SENT_AT)["number"]


def sign_in_as(page, identifiant: str, password: str) -> None:
    """Another staff member on the same device: the last one's session forgotten."""
    page.context.clear_cookies()
    page.goto("/admin/connexion")
    submit_sign_in(page, identifiant, password)
    expect(page).to_have_title("Espace établissement — Téléservices")


def expect_missing_reason(page, motif, what: str) -> None:
    """A refusal sent without its reason: the alert, and the reason's field described, marked
    invalid and focused."""
    expect(page.get_by_role("alert").first).to_contain_text(f"{what} : corrigez l'erreur signalée.")
    expect(motif).to_have_accessible_description(
        re.compile("Indiquez le motif du refus : la famille le recevra.")
    )
    expect(motif).to_have_attribute("aria-invalid", "true")
    expect(motif).to_be_focused()


def notice_pdf() -> bytes:
    """A small real PDF: the tax notice a family joins on the manual path."""
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Avis d'impot 2026 sur les revenus 2025")
    return bytes(document.output())


def test_a_secretary_proposes_and_the_head_grants_on_a_phone(phone, app_server, smtp_server):
    numero = submitted_request(app_server, FAMILY, COURRIEL, FISCAL)
    create_staff(app_server, STAFF, STAFF_PASSWORD)
    create_staff(app_server, HEAD, HEAD_PASSWORD, role="direction")
    page, check = phone, assert_accessible

    page.goto("/admin/connexion")
    submit_sign_in(page, STAFF, STAFF_PASSWORD)
    expect(page).to_have_title("Espace établissement — Téléservices")
    check(page, "accueil")

    page.get_by_role("link", name="Demandes de bourse").click()
    expect(page).to_have_title("Demandes de bourse — Téléservices")
    expect(page.get_by_role("table", name="Demandes par état")).to_be_visible()
    check(page, "liste des demandes")

    page.get_by_label("Nom, prénom ou numéro").fill("maelle fontaine")
    page.get_by_label("État").select_option("déposée")
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"/admin/bourses\?q=maelle(%20|\+)fontaine&etat="))
    expect(page.get_by_text("1 demande trouvée.")).to_be_visible()
    check(page, "demande trouvée")

    page.get_by_role("link", name=numero).click()
    expect(page).to_have_title(f"Demande de bourse n° {numero} — Téléservices")
    expect(page.get_by_text("Maëlle Fontaine, classe de 5eC")).to_be_visible()
    expect(page.get_by_text("IBAN : FR76")).not_to_contain_text("0189")
    check(page, "demande")

    page.get_by_role("button", name="Passer en instruction").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"La demande n° {numero} est en instruction."
    )
    # The secretariat proposes; the decision's buttons are the direction's.
    expect(page.get_by_role("button", name="Accorder", exact=True)).to_have_count(0)
    check(page, "en instruction")

    page.get_by_role("button", name="Proposer d'accorder").click()
    expect(page.get_by_text("Choisissez l'échelon proposé : 1, 2 ou 3.")).to_be_visible()
    expect(page.get_by_label("Échelon 1 : 120 € par an")).to_be_focused()
    check(page, "proposer sans échelon")

    # DSFR draws the radio on its label, which takes the click.
    page.locator("label[for=echelon-3]").click()
    page.get_by_role("button", name="Proposer d'accorder").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"La proposition est enregistrée (demande n° {numero})"
    )
    proposal = page.locator("#proposition")
    expect(proposal).to_contain_text(f"Proposition enregistrée par {STAFF}")
    expect(proposal).to_contain_text("accorder la bourse à l'échelon 3 (525 € par an)")
    check(page, "proposition enregistrée")

    # A decision forged from her page (the proposal's form sent to the decision's address).
    page.evaluate(
        """() => {
            const form = document.getElementById("proposer-accorder");
            form.action = form.action.replace(/proposition$/, "etat");
            form.submit();
        }"""
    )
    expect(page.get_by_role("alert").first).to_contain_text(
        "Seule la direction de l'établissement peut accorder ou refuser une bourse."
    )
    expect(page.get_by_role("button", name="Accorder", exact=True)).to_have_count(0)
    check(page, "décision refusée au secrétariat")
    assert smtp_server.received(COURRIEL) == []

    sign_in_as(page, HEAD, HEAD_PASSWORD)
    page.goto(f"/admin/bourses/{numero}")
    expect(page.locator("#proposition")).to_contain_text(f"Proposition enregistrée par {STAFF}")
    expect(page.get_by_label("Échelon 3 : 525 € par an")).to_be_checked()
    check(page, "demande à décider")

    page.get_by_role("button", name="Accorder", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"La famille est prévenue par courriel à {COURRIEL} et par SMS au 06 •• •• •• 01."
    )
    expect(page.get_by_text("Accordée à l'échelon 3 : 525 € pour l'année")).to_be_visible()
    expect(page.get_by_role("table", name="Historique de la demande")).to_contain_text(HEAD)
    check(page, "accordée")

    (mail,) = smtp_server.received(COURRIEL)
    assert mail["subject"] == f"Demande de bourse de collège n° {numero} : bourse accordée"
    assert "La bourse de collège est accordée, à l'échelon 3." in mail["body"]
    assert "525 €, versé en trois fois 175 €" in mail["body"]
    assert "Maëlle Fontaine (5eC, Collège Concorde)" in mail["body"]

    page.get_by_role("link", name="Retour à la liste des demandes").click()
    page.get_by_label("Nom, prénom ou numéro").fill(numero)
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_text("1 demande trouvée.")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter cette demande (CSV)").click()
    data = download.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    (row,) = csv.DictReader(io.StringIO(data[3:].decode("utf-8")), delimiter=";")
    assert row["Numéro"] == numero and row["État"] == "accordée"
    assert row["Élève"] == "Maëlle Fontaine" and row["Courriel"] == COURRIEL
    assert (row["Échelon estimé"], row["Échelon accordé"]) == ("0", "3")
    assert row["Montant annuel accordé (€)"] == "525"
    check(page, "export")


def test_the_head_refuses_a_request_with_a_notice_to_check_on_a_desktop(
    desktop, app_server, smtp_server
):
    # The manual path: the family typed its tax data and joined its notice, kept where the
    # server keeps uploads (its UPLOAD_FOLDER).
    pdf = notice_pdf()
    folder = Path(app_server.env["FLASK_UPLOAD_FOLDER"])
    key = FolderFileStore(folder).save(pdf)
    fiscal = {
        "source": "manuel",
        "notices": [
            {"numero_fiscal": "3023217600061", "reference_avis": "2612B12345678", "notice": None}
        ],
        "rfr": 18000,
        "enfants_a_charge": 2,
        "annee_revenus": 2025,
        "dgfip_consent": False,
        "renewal": "accepte",
        "files": [
            {"key": key, "name": "avis-2026.pdf", "type": "application/pdf", "size": len(pdf)}
        ],
    }
    numero = submitted_request(app_server, MANUAL_FAMILY, MANUAL_COURRIEL, fiscal)
    create_staff(app_server, MANUAL_STAFF, MANUAL_STAFF_PASSWORD)
    create_staff(app_server, MANUAL_HEAD, HEAD_PASSWORD, role="direction")
    page, check = desktop, assert_accessible

    page.goto("/admin/connexion")
    submit_sign_in(page, MANUAL_STAFF, MANUAL_STAFF_PASSWORD)
    expect(page).to_have_title("Espace établissement — Téléservices")
    check(page, "accueil")

    page.get_by_role("link", name="Demandes de bourse").click()
    expect(page).to_have_title("Demandes de bourse — Téléservices")
    check(page, "liste des demandes")

    # DSFR draws the checkbox on its label, which takes the click.
    page.locator("label[for=pieces]").click()
    expect(page.get_by_label("Pièces à vérifier")).to_be_checked()
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"/admin/bourses\?.*pieces=oui"))
    results = page.get_by_role("table", name="Demandes de bourse 2026-2027")
    row = results.get_by_role("row").filter(has=page.get_by_role("link", name=numero, exact=True))
    expect(row).to_contain_text("Théo Garnier (4eB)")
    expect(row).to_contain_text("à vérifier")
    # The filter keeps only the requests whose documents are to be checked.
    for cells in results.locator("tbody tr").all():
        expect(cells.locator("td").last).to_have_text("à vérifier")
    check(page, "pièces à vérifier")

    page.get_by_role("link", name=numero, exact=True).click()
    expect(page).to_have_title(f"Demande de bourse n° {numero} — Téléservices")
    expect(
        page.get_by_text("Pièces à vérifier : les données fiscales ont été saisies")
    ).to_be_visible()
    expect(page.get_by_text("Données saisies par la famille")).to_be_visible()
    expect(
        page.get_by_text("Consentement à la consultation des données fiscales : non")
    ).to_be_visible()
    check(page, "demande, pièces à vérifier")

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger la pièce 1 : avis-2026.pdf").click()
    assert download.value.suggested_filename == f"demande-{numero}-piece-1.pdf"
    assert download.value.path().read_bytes() == pdf
    check(page, "pièce téléchargée")

    page.get_by_role("button", name="Passer en instruction").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"La demande n° {numero} est en instruction."
    )
    check(page, "en instruction")

    motif = page.get_by_label("Motif du refus proposé")
    page.get_by_role("button", name="Proposer de refuser").click()
    expect_missing_reason(page, motif, "La proposition n'a pas été enregistrée")
    check(page, "proposer un refus sans motif")

    motif.fill(MOTIF)
    page.get_by_role("button", name="Proposer de refuser").click()
    expect(page.locator("#proposition")).to_contain_text(f"pour le motif « {MOTIF} »")
    check(page, "refus proposé")
    assert smtp_server.received(MANUAL_COURRIEL) == []

    sign_in_as(page, MANUAL_HEAD, HEAD_PASSWORD)
    page.goto(f"/admin/bourses/{numero}")
    motif = page.get_by_label("Motif du refus")
    expect(motif).to_have_value(MOTIF)
    check(page, "refus à décider")

    motif.fill("")
    page.get_by_role("button", name="Refuser", exact=True).click()
    expect_missing_reason(page, motif, "La décision n'a pas été enregistrée")
    check(page, "refuser sans motif")

    motif.fill(MOTIF)
    page.get_by_role("button", name="Refuser", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text(f"La demande n° {numero} est refusée.")
    expect(page.get_by_role("status").first).to_contain_text(
        f"La famille est prévenue par courriel à {MANUAL_COURRIEL} et par SMS au 06 •• •• •• 02."
    )
    refused = page.get_by_role("listitem").filter(has_text=f"« {MOTIF} »")
    expect(refused).to_contain_text("Refusée le")
    expect(page.get_by_role("button", name="Refuser", exact=True)).to_have_count(0)
    check(page, "refusée")

    (mail,) = smtp_server.received(MANUAL_COURRIEL)
    assert mail["subject"] == f"Demande de bourse de collège n° {numero} : demande refusée"
    assert "La bourse de collège n'est pas accordée, pour la raison suivante :" in mail["body"]
    assert MOTIF in mail["body"]
    assert "Théo Garnier (4eB, Collège Concorde)" in mail["body"]


NO_JS_HEAD = "e2e.bourse.direction.sansjs"
NO_JS_FAMILY = (
    "0691234A;Collège Concorde;0691600303C;Roux;Lilou;09/09/2012;3e;3eD;Mme;Roux;"
    "Nathalie;mère;06 70 00 03 03;nathalie.roux@example.org"
)
NO_JS_COURRIEL = "nathalie.roux@example.net"


def test_the_head_grants_a_request_without_javascript(phone_without_js, app_server, smtp_server):
    """The back office's forms are plain forms: without JavaScript each answer is a new page,
    the error state included."""
    numero = submitted_request(app_server, NO_JS_FAMILY, NO_JS_COURRIEL, FISCAL)
    create_staff(app_server, NO_JS_HEAD, HEAD_PASSWORD, role="direction")
    page, check = phone_without_js, assert_accessible_without_js

    page.goto("/admin/connexion")
    submit_sign_in(page, NO_JS_HEAD, HEAD_PASSWORD)
    page.goto("/admin/bourses")
    page.get_by_label("Nom, prénom ou numéro").fill("lilou")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_text("1 demande trouvée.")).to_be_visible()
    check(page, "liste filtrée sans JavaScript")

    page.get_by_role("link", name=numero).click()
    page.get_by_role("button", name="Passer en instruction").click()
    expect(page.get_by_role("status").first).to_contain_text("est en instruction")
    check(page, "en instruction sans JavaScript")

    page.get_by_role("button", name="Accorder").click()
    expect(page.get_by_text("Choisissez l'échelon accordé : 1, 2 ou 3.")).to_be_visible()
    check(page, "accorder sans échelon, sans JavaScript")
    page.locator("label[for=echelon-2]").click()
    page.get_by_role("button", name="Accorder").click()
    expect(page.get_by_text("Accordée à l'échelon 2")).to_be_visible()
    check(page, "accordée sans JavaScript")
    (mail,) = smtp_server.received(NO_JS_COURRIEL)
    assert "La bourse de collège est accordée, à l'échelon 2." in mail["body"]
