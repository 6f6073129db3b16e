"""The school's back office (journeys §4) through HTTP, on the demo roster: the staff's sign-in
and its lock, the roster import with its preview and every kind of bad file, the responsables
with search, filters and pages, statistics, the journal by role, the help actions, the
notification letters, and no record of another school reachable by changing an id."""

from __future__ import annotations

import io
import re
from functools import partial

import pytest
from pypdf import PdfReader

from documents import pdf
from records import accounts, activation, audit, school
from records.roster import import_roster
from records.staff import create_staff
from rules import roster_upload
from rules.passwords import hash_password, verify_password
from rules.roster import HEADER, parse_roster_bytes
from tests import markup
from tests.fake_clock import install
from tests.htmx_client import HTMX, assert_same_page, update_page_with_htmx
from tests.markup import csrf_token, elements, plain, redirects_to, texts
from tests.roster_lines import TODAY, line
from tests.test_admin_bourse import submitted
from views import admin, admin_bourse, admin_responsables

PASSWORD = "Bureau-Rentree-2026!"
CONCORDE, PALMISTES = "0691234A", "0973123Z"
FAILED = (
    "Identifiant ou mot de passe incorrect. Après plusieurs essais incorrects, patientez "
    "quelques minutes avant de réessayer : pendant ce délai, même le bon mot de passe est refusé."
)
PAGES = ["/admin", "/admin/responsables", "/admin/statistiques", "/admin/journal", "/admin/import"]


def add_staff(db, clock, identifiant: str, role: str = "secretariat", uai: str = CONCORDE):
    with db.writing() as tx:
        return create_staff(tx, identifiant, PASSWORD, uai, role, clock.now())


@pytest.fixture
def secretariat(db, clock):
    return add_staff(db, clock, "secretariat.concorde")


def sign_in(client, identifiant: str = "secretariat.concorde", password: str = PASSWORD, **kw):
    return client.post(
        "/admin/connexion", data={"identifiant": identifiant, "mot_de_passe": password}, **kw
    )


def signed_in(web, identifiant: str):
    client = web.test_client()
    assert redirects_to(sign_in(client, identifiant), "/admin")
    return client


@pytest.fixture
def office(web, secretariat):
    """The Concorde's secretariat, signed in."""
    return signed_in(web, "secretariat.concorde")


@pytest.fixture
def direction(web, db, clock):
    add_staff(db, clock, "direction.concorde", "direction")
    return signed_in(web, "direction.concorde")


def journal(db, uai: str = CONCORDE) -> list[tuple[str, str, str]]:
    with db.reading() as tx:
        return [(e["staff"], e["action"], e["detail"]) for e in audit.entries(tx, uai)]


def record(db, staff: dict, action: str, detail: str, now) -> None:
    with db.writing() as tx:
        audit.record(tx, staff, action, detail, now)


def responsable_id(db, prenom: str, uai: str = CONCORDE) -> int:
    with db.reading() as tx:
        (found,) = [doc for doc in tx.find("responsables", uai=uai) if doc["prenom"] == prenom]
    return found["id"]


def account_of(db, prenom: str, uai: str = CONCORDE) -> dict | None:
    number = responsable_id(db, prenom, uai)
    with db.reading() as tx:
        return accounts.account_of(tx, [number])


def activate(db, clock, prenom: str, nom: str, telephone: str) -> dict:
    with db.writing() as tx:
        ids = [one["id"] for one in accounts.find_responsables(tx, telephone, nom, prenom)]
        return accounts.create_account(
            tx, ids, prenom, nom, telephone, None, "auto-inscription", clock.now()
        )


def change_account(db, account: dict, **changes) -> None:
    with db.writing() as tx:
        tx.update(accounts.ACCOUNTS, account["id"], changes)


def eleves(db) -> list[dict]:
    """Every élève kept, whatever its school."""
    with db.reading() as tx:
        return list(tx.scan("eleves"))


# Staff sign-in -----------------------------------------------------------------------------

alert = partial(markup.alert, alert_id="admin-connexion-alerte")


@pytest.mark.parametrize("url", [*PAGES, "/admin/responsables/1", "/admin/import/apercu"])
def test_pages_need_a_staff_session(web, url):
    client = web.test_client()
    assert redirects_to(client.get(url), "/admin/connexion")
    assert client.get(url, headers=HTMX).headers["HX-Redirect"] == "/admin/connexion"


def test_a_parent_session_is_no_staff_session(web, db, clock):
    client = web.test_client()
    with client.session_transaction() as session:
        session["account_id"] = activate(db, clock, "Karim", "Benali", "+33623456789")["id"]
    assert redirects_to(client.get("/admin"), "/admin/connexion")


def test_sign_in_starts_a_new_session(web, db, secretariat):
    client = web.test_client()
    page = client.get("/admin/connexion")
    assert page.status_code == 200
    assert texts(page.text, "h1") == ["Espace établissement"]
    assert texts(page.text, "title") == ["Connexion à l'espace établissement — Téléservices"]
    with client.session_transaction() as session:
        session["account_id"] = 1  # a parent signed in on the same browser

    assert redirects_to(sign_in(client, " SECRETARIAT.Concorde "), "/admin")
    with client.session_transaction() as session:
        kept = {name: value for name, value in session.items() if name != "_permanent"}
    assert kept == {"staff_id": secretariat["id"]}
    assert journal(db) == [
        ("secretariat.concorde", "connexion", "Connexion à l'espace établissement.")
    ]
    home = client.get("/admin")
    assert home.status_code == 200
    assert "Collège Concorde (0691234A) — connecté en tant que secretariat.concorde" in plain(
        home.text
    )
    # Signed in, the sign-in page leads home.
    assert redirects_to(client.get("/admin/connexion"), "/admin")


@pytest.mark.parametrize(
    ("identifiant", "password"),
    [("secretariat.concorde", "Mauvais-2026!mdp"), ("inconnu", PASSWORD)],
)
def test_failures_say_the_same(web, secretariat, identifiant, password):
    response = sign_in(web.test_client(), identifiant, password)
    assert response.status_code == 422
    assert alert(response.text) == FAILED
    assert password not in response.text


def test_missing_fields(web):
    response = web.test_client().post("/admin/connexion", data={})
    assert response.status_code == 422
    assert markup.messages(response.text, "identifiant") == ["Indiquez votre identifiant."]
    assert markup.messages(response.text, "mot_de_passe") == ["Indiquez votre mot de passe."]


def test_htmx_sign_in(web, secretariat):
    client = web.test_client()
    failed = sign_in(client, password="x", headers=HTMX)
    assert failed.status_code == 422
    assert failed.text.startswith("<title>")
    assert texts(failed.text, "title") == [
        "Erreur — Connexion à l'espace établissement — Téléservices"
    ]
    assert "<html" not in failed.text
    assert alert(failed.text) == FAILED
    assert sign_in(client, headers=HTMX).headers["HX-Redirect"] == "/admin"


def test_five_failures_make_that_client_wait_and_not_the_office(web, clock, secretariat):
    elsewhere, office = web.test_client(), web.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    office.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    for _ in range(5):
        assert alert(sign_in(elsewhere, password="x").text) == FAILED
    # The same answer as an unknown identifiant's, even to the right password, for a minute.
    assert alert(sign_in(elsewhere).text) == alert(sign_in(elsewhere, "inconnu").text) == FAILED
    assert redirects_to(sign_in(office), "/admin")
    clock.advance(minutes=1)
    assert redirects_to(sign_in(elsewhere), "/admin")


@pytest.fixture
def limited(make_app, seeded, clock):
    return install(make_app(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="3 per minute"), clock)


def test_sign_in_is_rate_limited(limited, clock):
    add_staff(limited.extensions["store"], clock, "secretariat.concorde")
    client = limited.test_client()
    for _ in range(3):
        assert sign_in(client, password="x").status_code == 422
    response = sign_in(client)
    assert response.status_code == 429
    assert texts(response.text, "h1") == ["Trop de tentatives"]
    other = limited.test_client()
    assert redirects_to(sign_in(other, environ_overrides={"REMOTE_ADDR": "192.0.2.7"}), "/admin")


def test_sign_in_needs_the_csrf_token(guarded, clock):
    add_staff(guarded.extensions["store"], clock, "secretariat.concorde")
    client = guarded.test_client()
    assert sign_in(client).status_code == 400
    token = csrf_token(client.get("/admin/connexion").text)
    response = client.post(
        "/admin/connexion",
        data={"identifiant": "secretariat.concorde", "mot_de_passe": PASSWORD, "csrf_token": token},
    )
    assert redirects_to(response, "/admin")


def test_sign_out(office, db):
    response = office.post("/admin/deconnexion")
    assert redirects_to(response, "/admin/connexion")
    assert markup.alert(office.get("/admin/connexion").text, "admin-connexion-alerte-statut") == (
        "Vous êtes déconnecté."
    )
    assert redirects_to(office.get("/admin"), "/admin/connexion")
    assert journal(db)[0] == (
        "secretariat.concorde",
        "deconnexion",
        "Déconnexion de l'espace établissement.",
    )


# Home, statistics, journal -----------------------------------------------------------------


def test_the_menu_stands_before_the_content_the_skip_link_reaches(office):
    """RGAA 12.7: « Contenu » (#contenu, the <main>) skips the back office's menu."""
    page = office.get("/admin").text
    menu = page.index('aria-label="Espace établissement"')
    main = page.index('<main role="main" id="contenu"')
    assert menu < main
    assert "Se déconnecter" not in page[main:]


def test_home_counts_the_account_states(office, db, clock):
    activate(db, clock, "Sophie", "Lefèvre-D'Almeida", "+33612345678")
    page = office.get("/admin")
    assert texts(page.text, "title") == ["Espace établissement — Téléservices"]
    text = plain(page.text)
    assert "Collège Concorde : 6 responsables dans la liste des élèves." in text
    assert "Actif 1 Notifié 0 Non activé 5 Bloqué 0" in text
    (current,) = elements(page.text, "a", aria_current="page")
    assert current["href"] == "/admin"


def test_statistics_per_class(office, db, clock):
    activate(db, clock, "Sophie", "Lefèvre-D'Almeida", "+33612345678")
    page = office.get("/admin/statistiques")
    assert page.status_code == 200
    rows = [plain(row) for row in re.findall(r"<tr>(.*?)</tr>", page.text, flags=re.S)]
    assert rows[0] == "Classe Actif Notifié Non activé Bloqué Responsables Comptes actifs"
    assert rows[1] == "6eA 1 0 1 0 2 50 %"
    assert rows[-1] == "Total 1 0 5 0 6 17 %"
    assert len(rows) == 8  # header, six classes, total


def test_journal_is_for_the_direction_only(office, direction, db, clock):
    refused = office.get("/admin/journal")
    assert refused.status_code == 403
    assert texts(refused.text, "h1") == ["Accès réservé à la direction"]
    assert "Le journal des actions est réservé à la direction" in plain(refused.text)
    assert "/admin/journal" not in [link["href"] for link in elements(refused.text, "a")]

    palmistes = {"identifier": "s.palmistes", "uai": PALMISTES}
    record(db, palmistes, "import", "Ailleurs.", clock.now())
    page = direction.get("/admin/journal")
    assert page.status_code == 200
    text = plain(page.text)
    assert "14/09/2026 à 10 h 00 direction.concorde Connexion" in text
    assert "secretariat.concorde Connexion" in text
    assert "Ailleurs." not in text
    assert text.index("direction.concorde Connexion") < text.index("secretariat.concorde")


def test_journal_pages(direction, db, clock):
    for number in range(60):
        staff = {"identifier": "d", "uai": CONCORDE}
        record(db, staff, "import", f"Import {number}.", clock.now())
    first = plain(direction.get("/admin/journal").text)
    assert "Actions, page 1 sur 2" in first
    assert "Import 59." in first and "Import 10." in first and "Import 9." not in first
    second = plain(direction.get("/admin/journal?page=2").text)
    assert "Import 9." in second and "Connexion à l'espace établissement." in second


# Import ------------------------------------------------------------------------------------

LANDLINE = line(
    ine="0691400789M", eleve_prenom="Inès", resp_nom="Benali", resp_prenom="Karim",
    resp_telephone_portable="04 78 12 34 56", resp_email="",
)  # fmt: skip
NEW_PUPIL = line(ine="0691599999Z", eleve_prenom="Zoé", classe="6eB")
OTHER_SCHOOL = line(uai=PALMISTES, etablissement_nom="Collège des Palmistes", ine="0971599999Z")


def csv_file(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode(encoding)


def upload(client, data: bytes, name: str = "eleves.csv", **options):
    return client.post(
        "/admin/import",
        data={"fichier": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        **options,
    )


def file_errors(html: str) -> list[str]:
    return markup.error_messages(html, "fichier")


def test_import_page(office):
    page = office.get("/admin/import")
    assert page.status_code == 200
    (field,) = elements(page.text, "input", type="file")
    assert field["name"] == "fichier"
    (form,) = elements(page.text, "form", id="import-form")
    assert form["enctype"] == "multipart/form-data"
    assert form["data-hx-encoding"] == "multipart/form-data"


def test_preview_lists_bad_lines_and_imports_nothing(office, db):
    before = len(eleves(db))
    response = upload(office, csv_file(line(), LANDLINE, NEW_PUPIL, OTHER_SCHOOL))
    assert redirects_to(response, "/admin/import/apercu")
    assert len(eleves(db)) == before

    page = office.get("/admin/import/apercu")
    assert page.status_code == 200
    text = plain(page.text)
    assert "Fichier eleves.csv : 4 lignes lues, 2 valides, 2 en erreur." in text
    assert "3 Téléphone « 04 78 12 34 56 » refusé (colonne resp_telephone_portable)" in text
    assert (
        "5 Établissement différent du vôtre (UAI 0973123Z) : cette ligne n'est pas importée."
    ) in text
    assert "Établissement 0 0 1 Élèves 1 0 1 Responsables 0 1 0" in text
    assert texts(page.text, "button")[-1] == "Importer les 2 lignes valides"


def test_confirm_imports_the_valid_lines_of_the_school(office, db):
    upload(office, csv_file(line(), LANDLINE, NEW_PUPIL, OTHER_SCHOOL))
    response = office.post("/admin/import/confirmer")
    assert redirects_to(response, "/admin/import")
    ines = {eleve["ine"] for eleve in eleves(db)}
    assert "0691599999Z" in ines and "0971599999Z" not in ines
    done = (
        "Import de eleves.csv terminé : 2 ligne(s) importée(s), 2 ligne(s) en erreur "
        "ignorée(s). Élèves : 1 créé(s), 0 mis à jour, 1 inchangé(s) ; Responsables : "
        "0 créé(s), 1 mis à jour, 0 inchangé(s)."
    )
    assert markup.alert(office.get("/admin/import").text, "import-alerte-statut") == done
    assert journal(db)[0] == ("secretariat.concorde", "import", done)

    # The file waits no more: confirming again imports nothing and says why.
    assert redirects_to(office.post("/admin/import/confirmer"), "/admin/import")
    assert markup.alert(office.get("/admin/import").text, "import-alerte").startswith(
        "Aucun fichier en attente d'import"
    )
    assert redirects_to(office.get("/admin/import/apercu"), "/admin/import")


def test_the_file_waits_one_hour(office, clock):
    upload(office, csv_file(line()))
    # Active meanwhile: it is the file that is too old, not the session (30 idle minutes).
    for _ in range(2):
        clock.advance(minutes=29)
        assert office.get("/admin/import").status_code == 200
    clock.advance(minutes=3)
    assert redirects_to(office.post("/admin/import/confirmer"), "/admin/import")
    assert markup.alert(office.get("/admin/import").text, "import-alerte").startswith(
        "Aucun fichier en attente d'import"
    )


def test_only_other_schools_lines(office):
    upload(office, csv_file(OTHER_SCHOOL))
    page = office.get("/admin/import/apercu")
    assert "Aucune ligne valide : corrigez le fichier, puis envoyez-le de nouveau." in plain(
        page.text
    )
    assert "Importer" not in texts(page.text, "button")
    assert redirects_to(office.post("/admin/import/confirmer"), "/admin/import")


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"", 422, roster_upload.MISSING),
        (b"PK\x03\x04" + b"\x00" * 200, 422, roster_upload.NOT_CSV),  # a spreadsheet
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", 422, roster_upload.NOT_CSV),
        (b"\x89PNG\r\n\x1a\n", 422, roster_upload.NOT_CSV),
        (csv_file(line(eleve_prenom="Léa"), encoding="latin-1"), 422, "n'est pas encodé en UTF-8"),
        (b"nom,prenom\nDurand,Marie\n", 422, "En-tête inattendu"),
        (HEADER.encode() + b"\n", 422, "ne contient que la ligne d'en-tête"),
        (csv_file("x" * 200_000), 422, "n'est pas un CSV lisible"),  # too long a cell
        (b"x" * (2 * 1024 * 1024 + 1), 413, roster_upload.TOO_LARGE),
    ],
    ids=["empty", "xlsx", "pdf", "png", "latin-1", "header", "header only", "cell", "2 MB"],
)
def test_unusable_files(office, db, data, status, message):
    response = upload(office, data)
    assert response.status_code == status
    (error,) = file_errors(response.text)
    assert message in error
    assert elements(response.text, "input", type="file")[0]["aria-invalid"] == "true"
    assert redirects_to(office.get("/admin/import/apercu"), "/admin/import")


def test_no_file_at_all(office):
    response = office.post("/admin/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert file_errors(response.text) == [roster_upload.MISSING]


def test_above_the_service_limit(office):
    response = upload(office, b"x" * (7 * 1024 * 1024))
    assert response.status_code == 413
    assert file_errors(response.text) == [roster_upload.TOO_LARGE]
    assert texts(response.text, "h1") == ["Importer la liste des élèves"]


def test_above_the_service_limit_elsewhere(office):
    response = office.post("/admin/notifier", data={"ids": "x" * (7 * 1024 * 1024)})
    assert response.status_code == 413
    assert texts(response.text, "h1") == ["Fichier trop volumineux"]


def test_htmx_upload(office):
    failed = upload(office, b"", headers=HTMX)
    assert failed.status_code == 422
    assert failed.text.startswith(
        "<title>Erreur — Importer la liste des élèves — Téléservices</title>"
    )
    assert "<html" not in failed.text
    assert file_errors(failed.text) == [roster_upload.MISSING]
    done = upload(office, csv_file(line()), headers=HTMX)
    assert done.headers["HX-Redirect"] == "/admin/import/apercu"


# Responsables ------------------------------------------------------------------------------


def names(html: str) -> list[str]:
    return texts(html, "th")[6:]  # after the six column headings


def test_list_of_the_schools_responsables(office, db, clock):
    activate(db, clock, "Sophie", "Lefèvre-D'Almeida", "+33612345678")
    page = office.get("/admin/responsables")
    assert page.status_code == 200
    # The school's families as the records give them (tests/test_staff.py), in that order.
    with db.reading() as tx:
        families = school.families(tx, CONCORDE)
    assert names(page.text) == [one.name for one in families]
    assert len(families) == 6
    text = plain(page.text)
    assert "6 responsables trouvés." in text
    assert (
        "Mme Sophie Lefèvre-D'Almeida Hugo Lefèvre-D'Almeida (4eB) Léa Lefèvre-D'Almeida (6eA) "
        "06 •• •• •• 78 actif Activé le 14/09/2026 à 10 h 00 (auto-inscription)"
    ) in text
    assert "06 12 34 56 78" not in text
    assert "Emma" not in text  # François's daughter at the Palmistes
    boxes = elements(page.text, "input", type="checkbox", name="ids")
    assert [box["value"] for box in boxes] == [str(one.id) for one in families]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=lea", ["M. Julien Lefèvre-D'Almeida", "Mme Sophie Lefèvre-D'Almeida"]),
        ("q=ndiaye", ["Mme Aminata N'Diaye"]),
        ("q=chloe", ["M. Éric Rousseau"]),
        ("classe=5eA", ["M. François Da Silva"]),
        ("etat=actif", ["Mme Sophie Lefèvre-D'Almeida"]),
        ("q=lefevre&etat=non+activé", ["M. Julien Lefèvre-D'Almeida"]),
        ("q=emma", []),
        ("etat=inconnu&classe=5eB", ["M. Karim Benali"]),
    ],
)
def test_search_and_filters(office, db, clock, query, expected):
    activate(db, clock, "Sophie", "Lefèvre-D'Almeida", "+33612345678")
    page = office.get(f"/admin/responsables?{query}")
    assert page.status_code == 200
    assert names(page.text) == expected
    if not expected:
        assert "Aucun responsable ne correspond à cette recherche." in plain(page.text)


def test_search_as_a_fragment(office):
    response = office.get("/admin/responsables?q=benali", headers=HTMX)
    assert response.status_code == 200
    assert response.text.startswith("<title>Responsables — Téléservices</title>")
    assert "<html" not in response.text
    assert "<h1" not in response.text
    assert elements(response.text, "div", id="resultats")
    assert names(response.text) == ["M. Karim Benali"]
    assert "HX-Request" in response.headers["Vary"]


def add_families(db, count: int) -> None:
    lines = [
        line(
            ine=f"0691600{number:04d}",
            eleve_prenom=f"Élève{number}",
            resp_nom=f"Zfamille {number:02d}",
            resp_prenom="Camille",
            resp_telephone_portable=f"06 10 00 {number // 100:02d} {number % 100:02d}",
            classe="6eC",
        )
        for number in range(count)
    ]
    report = parse_roster_bytes(csv_file(*lines), TODAY)
    assert report.ok, report.errors
    with db.writing() as tx:
        import_roster(tx, report.rows)


def test_pages_of_20(office, db):
    add_families(db, 45)  # 51 responsables in all
    first = office.get("/admin/responsables")
    assert len(names(first.text)) == 20
    assert "51 responsables trouvés, page 1 sur 3." in plain(first.text)
    third = office.get("/admin/responsables?classe=6eC&page=3")
    assert names(third.text) == [f"Mme Camille Zfamille {n}" for n in range(40, 45)]
    links = [link["href"] for link in elements(third.text, "a", class_="fr-pagination__link")]
    assert "/admin/responsables?classe=6eC&page=2" in links
    assert elements(third.text, "a", aria_current="page", title="Page 3")
    # Beyond the last page: the last page.
    assert names(office.get("/admin/responsables?page=9").text) == names(
        office.get("/admin/responsables?page=3").text
    )
    assert len(names(office.get("/admin/responsables?page=x").text)) == 20


def test_detail_page(office, db, clock):
    account = activate(db, clock, "Karim", "Benali", "+33623456789")
    change_account(db, account, state="bloqué")
    page = office.get(f"/admin/responsables/{responsable_id(db, 'Karim')}")
    assert page.status_code == 200
    assert texts(page.text, "h1") == ["M. Karim Benali"]
    text = plain(page.text)
    assert "Téléphone portable : 06 •• •• •• 89" in text
    assert "Adresse électronique : non connue" in text
    assert "Inès Benali, classe de 5eB" in text
    assert "Identifiant : k.benali1" in text
    assert "Débloquer le compte" in texts(page.text, "button")


@pytest.mark.parametrize(
    "request_for",
    [
        lambda client, number: client.get(f"/admin/responsables/{number}"),
        lambda client, number: client.post(f"/admin/responsables/{number}/debloquer"),
        lambda client, number: client.post(
            "/admin/notifier", data={"ids": [str(number)], "mode": "courrier"}
        ),
    ],
    ids=["detail", "unblock", "notify"],
)
def test_another_schools_responsable_is_not_found(office, db, request_for):
    for number in (responsable_id(db, "Josiane", PALMISTES), 999):
        response = request_for(office, number)
        assert response.status_code == 404
        assert texts(response.text, "h1") == ["Page non trouvée"]
    assert journal(db)[0][1] == "connexion"


def test_unblock(office, web, db, clock):
    account = activate(db, clock, "Karim", "Benali", "+33623456789")
    change_account(db, account, password_hash=hash_password(PASSWORD))
    karim = web.test_client()
    karim.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    for _ in range(5):
        karim.post("/connexion", data={"identifiant": "k.benali1", "mot_de_passe": "x"})
    change_account(db, account, state="bloqué")
    url = f"/admin/responsables/{responsable_id(db, 'Karim')}"
    assert "Connexion ralentie jusqu'à 14/09/2026 à 10 h 01 sur au moins un appareil" in plain(
        office.get(url).text
    )
    assert "1 compte dont la connexion est ralentie pour le moment" in plain(
        office.get("/admin").text
    )
    assert redirects_to(office.post(f"{url}/debloquer"), url)
    page = office.get(url)
    assert markup.alert(page.text, "responsable-alerte-statut") == (
        "Le compte de M. Karim Benali est débloqué."
    )
    assert "Débloquer le compte" not in texts(page.text, "button")
    after = account_of(db, "Karim")
    assert (after["state"], after["failures"], after["clients"]) == ("actif", 0, {})
    # The client kept waiting signs in at once.
    signed = karim.post("/connexion", data={"identifiant": "k.benali1", "mot_de_passe": PASSWORD})
    assert redirects_to(signed, "/mes-services")
    assert journal(db)[0] == (
        "secretariat.concorde",
        "deblocage",
        "Compte k.benali1 de M. Karim Benali débloqué.",
    )


def test_nothing_to_unblock_without_an_account(office, db):
    assert (
        office.post(f"/admin/responsables/{responsable_id(db, 'Karim')}/debloquer").status_code
        == 404
    )


def test_children_reported_at_the_first_login(office, db, clock):
    sophie, josiane = responsable_id(db, "Sophie"), responsable_id(db, "Josiane", PALMISTES)
    with db.writing() as tx:
        activation.detach_children(tx, [sophie], ["0691500123K"], clock.now())  # Léa
        activation.detach_children(tx, [josiane], ["0971500246T"], clock.now())  # another school
    home = plain(office.get("/admin").text)
    assert (
        "Léa Lefèvre-D'Almeida (6eA), signalé par Mme Sophie Lefèvre-D'Almeida le 14/09/2026 "
        "à 10 h 00"
    ) in home
    assert "Kévin" not in home
    detail = plain(office.get(f"/admin/responsables/{sophie}").text)
    assert "Enfants Hugo Lefèvre-D'Almeida, classe de 4eB Signalements" in detail
    assert "Léa Lefèvre-D'Almeida : « Je ne suis pas le représentant légal de cet élève »" in detail


# Notification letters ----------------------------------------------------------------------


def notify(client, *prenoms: str, mode: str, db, retour: str | None = None):
    data = {"ids": [str(responsable_id(db, prenom)) for prenom in prenoms], "mode": mode}
    if retour:
        data["retour"] = retour
    return client.post("/admin/notifier", data=data)


def mails(web) -> list[dict]:
    return web.extensions["outboxes"]["mail"].newest_first()


def test_notify_by_email(office, web, db):
    response = notify(office, "Sophie", mode="courriel", db=db, retour="/admin/responsables?q=lef")
    assert redirects_to(response, "/admin/responsables?q=lef")
    (mail,) = mails(web)
    assert mail["to"] == "sophie.lefevre-dalmeida@example.org"
    account = account_of(db, "Sophie")
    assert account["state"] == "notifié"
    assert account["identifier"] in mail["body"]
    temporary = re.search(r"Votre mot de passe provisoire : (\S+)", mail["body"]).group(1)
    assert verify_password(account["temporary_password_hash"], temporary)
    page = office.get("/admin/responsables?q=lef")
    assert markup.alert(page.text, "responsables-alerte-statut") == (
        "Identifiants envoyés par courriel : Mme Sophie Lefèvre-D'Almeida."
    )
    assert "Notifié par courriel le 14/09/2026 à 10 h 00" in plain(page.text)
    ((staff, action, detail),) = [entry for entry in journal(db) if entry[1] == "notification"]
    assert detail == (
        f"Identifiants de Mme Sophie Lefèvre-D'Almeida ({account['identifier']}) envoyés par "
        "courriel à sophie.lefevre-dalmeida@example.org, valables jusqu'au 14/12/2026."
    )
    assert temporary not in detail


def test_notify_by_letter(office, db):
    response = notify(office, "Karim", "Aminata", mode="courrier", db=db)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=courriers-educonnect-2026-09-14.pdf"
    )
    pdf = PdfReader(io.BytesIO(response.data))
    assert len(pdf.pages) == 2
    karim = pdf.pages[0].extract_text()
    assert "k.benali1" in karim
    assert account_of(db, "Karim")["state"] == "notifié"
    assert account_of(db, "Aminata")["identifier"] in pdf.pages[1].extract_text()
    assert len([entry for entry in journal(db) if entry[1] == "notification"]) == 2


@pytest.mark.parametrize("missing", ["fonts", "pango"])
def test_letters_that_cannot_be_made_are_said_so(office, db, monkeypatch, tmp_path, missing):
    """Without the DejaVu fonts or Pango, no PDF and no 500: the list says it, nothing is
    journaled as printed."""
    if missing == "fonts":
        monkeypatch.setattr(pdf, "FONT_DIR", tmp_path)
    else:

        def no_pango():
            raise pdf.PangoMissing("Bibliothèque Pango introuvable")

        monkeypatch.setattr(pdf, "_weasyprint", no_pango)
    response = notify(office, "Karim", mode="courrier", db=db, retour="/admin/responsables?q=ben")
    assert redirects_to(response, "/admin/responsables?q=ben")
    page = office.get("/admin/responsables?q=ben")
    assert markup.alert(page.text, "responsables-alerte") == (
        "Les courriers n'ont pas pu être produits. Prévenez l'assistance."
    )
    assert [entry for entry in journal(db) if entry[1] == "notification"] == []


def test_notify_again_replaces_the_password(office, web, db):
    notify(office, "Sophie", mode="courriel", db=db)
    first = account_of(db, "Sophie")["temporary_password_hash"]
    page = office.get(f"/admin/responsables/{responsable_id(db, 'Sophie')}")
    assert "Notifier à nouveau par courriel" in texts(page.text, "button")
    notify(office, "Sophie", mode="courriel", db=db)
    assert account_of(db, "Sophie")["temporary_password_hash"] != first
    assert len(mails(web)) == 2


def test_who_gets_no_letter(office, web, db, clock):
    activate(db, clock, "Aminata", "N'Diaye", "+33698765432")
    response = notify(office, "Karim", "Aminata", "Éric", mode="courriel", db=db)
    assert redirects_to(response, "/admin/responsables")
    page = office.get("/admin/responsables")
    failure = markup.alert(page.text, "responsables-alerte")
    assert failure.startswith("Pas de nouveaux identifiants pour : ")
    assert "M. Karim Benali (aucune adresse électronique connue" in failure
    assert "Mme Aminata N'Diaye (compte déjà activé" in failure
    assert markup.alert(page.text, "responsables-alerte-statut") == (
        "Identifiants envoyés par courriel : M. Éric Rousseau."
    )
    assert [mail["to"] for mail in mails(web)] == ["eric.rousseau@example.org"]
    assert account_of(db, "Karim") is None


def test_a_parent_without_email_is_offered_the_letter_only(office, db):
    page = office.get(f"/admin/responsables/{responsable_id(db, 'Karim')}")
    assert texts(page.text, "button")[-1:] == ["Imprimer les identifiants par courrier (PDF)"]
    assert "Envoyer les identifiants par courriel" not in texts(page.text, "button")


def test_nobody_selected(office):
    response = office.post("/admin/notifier", data={"mode": "courrier"})
    assert redirects_to(response, "/admin/responsables")
    page = office.get("/admin/responsables")
    assert markup.alert(page.text, "responsables-alerte") == "Sélectionnez au moins un responsable."


@pytest.mark.parametrize("retour", ["https://ailleurs.example/admin/", "//ailleurs.example/x", "/"])
def test_the_way_back_stays_in_the_back_office(office, retour):
    response = office.post("/admin/notifier", data={"mode": "courrier", "retour": retour})
    assert redirects_to(response, "/admin/responsables")


def test_unknown_mode(office, db):
    assert notify(office, "Sophie", mode="pigeon", db=db).status_code == 400


def test_a_failed_email_is_said_to_be_sent_again(office, web, db, monkeypatch):
    def refuse(to, subject, body, attachments=()):
        raise ConnectionRefusedError("serveur arrêté")

    monkeypatch.setattr(web.extensions["mail"], "send", refuse)
    notify(office, "Sophie", mode="courriel", db=db)
    failure = markup.alert(office.get("/admin/responsables").text, "responsables-alerte")
    assert failure == (
        "Le courriel pour Mme Sophie Lefèvre-D'Almeida n'est pas encore parti : il sera renvoyé "
        "automatiquement dans les prochaines minutes. S'il ne peut toujours pas partir, il sera "
        "listé dans « Courriels non partis » : notifiez-le à nouveau, ou choisissez le courrier."
    )
    # The new identifiers are kept and their mail waits in the queue: the journal says so.
    (entry,) = [entry for entry in journal(db) if entry[1] == "notification"]
    assert "à envoyer par courriel à sophie" in entry[2]
    assert "(nouvel essai automatique)" in entry[2]


# htmx on every page, and the addresses of the pages of a list -------------------------------


def first_responsable_id(db) -> int:
    with db.reading() as tx:
        return min(doc["id"] for doc in tx.find("responsables", uai=CONCORDE))


@pytest.mark.parametrize(
    "url",
    [
        "/admin",
        "/admin/statistiques",
        "/admin/journal",
        "/admin/teleservices",
        "/admin/responsables/{responsable}",
        "/admin/bourses/{bourse}",
    ],
)
def test_a_page_without_a_fragment_answers_htmx_whole(direction, db, clock, url):
    url = url.format(
        responsable=first_responsable_id(db), bourse=submitted(db, clock, "Inès")["number"]
    )
    answer = direction.get(url, headers=HTMX)
    assert answer.status_code == 200
    assert_same_page(answer.text, direction.get(url).text)
    assert "HX-Request" in answer.headers["Vary"]


def test_a_refused_decision_answers_htmx_whole(direction, db, clock):
    numero = submitted(db, clock, "Inès")["number"]
    answer = direction.post(f"/admin/bourses/{numero}/etat", data={"etat": "?"}, headers=HTMX)
    assert answer.status_code == 422
    assert texts(answer.text, "h1") == [f"Demande de bourse n° {numero}"]


def pagination_links(html: str) -> list[dict]:
    return [link for link in elements(html, "a", class_="fr-pagination__link") if "href" in link]


@pytest.fixture
def long_lists(db, clock, monkeypatch):
    """Every list of the back office on more than one page: a line a page."""
    for module, name in (
        (admin_responsables, "PER_PAGE"),
        (admin_bourse, "PER_PAGE"),
        (admin, "JOURNAL_PER_PAGE"),
    ):
        monkeypatch.setattr(module, name, 1)
    for child in ("Inès", "Léa", "Hugo"):
        submitted(db, clock, child)
    for number in range(2):
        record(db, {"identifier": "d", "uai": CONCORDE}, "import", f"Import {number}.", clock.now())


@pytest.mark.parametrize("htmx", [{}, HTMX], ids=["page", "fragment"])
@pytest.mark.parametrize("url", ["/admin/responsables", "/admin/bourses", "/admin/journal"])
@pytest.mark.parametrize("query", ["_method=POST", "_external=1", "_external=1&_scheme=ftp"])
def test_page_links_keep_only_the_lists_filters(direction, long_lists, url, query, htmx):
    answer = direction.get(f"{url}?{query}&page=2", headers=htmx)
    assert answer.status_code == 200
    links = [link["href"] for link in pagination_links(answer.text)]
    assert f"{url}?page=1" in links
    assert all(link.startswith(f"{url}?") for link in links), links


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("/admin/responsables?q=a&etat=non+activé&page=2&x=1",
         "/admin/responsables?q=a&etat=non+activ%C3%A9&page=1"),
        ("/admin/responsables?q=&classe=&etat=inconnu&page=2",
         "/admin/responsables?page=3"),
        ("/admin/bourses?q=e&etat=déposée&pieces=non&echelon=&page=1",
         "/admin/bourses?q=e&etat=d%C3%A9pos%C3%A9e&page=2"),
    ],
)  # fmt: skip
def test_page_links_keep_the_filters(direction, long_lists, url, link):
    links = [found["href"] for found in pagination_links(direction.get(url).text)]
    assert link in links


def htmx_elements(html: str) -> list[dict]:
    """The links and forms of the page that htmx sends, by GET."""
    return [found for found in elements(html) if found.get("data-hx-get")]


@pytest.mark.parametrize(
    "url",
    ["/admin/responsables?q=lefevre&page=2", "/admin/bourses?etat=déposée&page=2"],
)
def test_htmx_swaps_leave_the_page_as_a_reload_would(direction, long_lists, url):
    page = direction.get(url)
    sources = htmx_elements(page.text)
    assert len(sources) >= 5  # the search form and the links to the pages
    for source in sources:
        fragment = update_page_with_htmx(direction, page, source)
        assert fragment.status_code == 200
        # The count's live region stays in the page: only what it says is replaced.
        (count,) = elements(fragment.text, "p", id="resultats-nombre")
        assert (count["role"], count["data-hx-swap-oob"]) == ("status", "innerHTML")
