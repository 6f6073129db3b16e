"""The back office's scholarship requests (journeys §7) through HTTP, on the demo roster (whose
seed opens the Concorde's campaign): the year's list with its filters, counts, pages and CSV
export; a request's page with its documents; each state change and each refused one (422, French
message on the field); the family's e-mail on a decision; another school's request is a 404."""

from __future__ import annotations

import csv
import io

import pytest

from records import audit, bourse_requests
from records.accounts import account_of, children_of, create_account, find_responsables
from rules.bourse import estimate
from rules.phones import parse_mobile
from tests.htmx_client import update_page_with_htmx
from tests.markup import alert, elements, error_messages, plain, redirects_to, table_rows, texts
from tests.staff import signed_in_staff
from views import admin_bourse

CONCORDE, PALMISTES = "0691234A", "0973123Z"
IBAN = "FR7630006000011234567890189"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
FAMILIES = {
    # child: (parent's first name, name, mobile)
    "Inès": ("Karim", "Benali", "06 23 45 67 89"),
    "Léa": ("Sophie", "Lefèvre-D'Almeida", "06 12 34 56 78"),
    "Hugo": ("Sophie", "Lefèvre-D'Almeida", "06 12 34 56 78"),
    "Moussa": ("Aminata", "N'Diaye", "06 98 76 54 32"),
    "Lucas": ("François", "Da Silva", "06 45 12 78 33"),
    "Chloé": ("Éric", "Rousseau", "07 68 12 34 56"),
}


def account_for(tx, clock, child: str) -> dict:
    prenom, nom, telephone = FAMILIES[child]
    ids = [one["id"] for one in find_responsables(tx, parse_mobile(telephone), nom, prenom)]
    existing = account_of(tx, ids)
    if existing:
        return existing
    return create_account(
        tx, ids, prenom, nom, parse_mobile(telephone), None, "auto-inscription", clock.now()
    )


def submitted(
    db,
    clock,
    child: str,
    rfr: int = 9000,
    enfants: int = 2,
    pieces: tuple = (),
    other_declarants: bool = False,
    **contact_details,
):
    """`child`'s request, sent by its parent through the records' own function; with
    `other_declarants`, on a notice the parent is not a declarant of."""
    with db.writing() as tx:
        return submit_in(tx, clock, child, rfr, enfants, pieces, contact_details, other_declarants)


def submit_in(
    tx,
    clock,
    child: str,
    rfr: int,
    enfants: int,
    pieces: tuple,
    contact_details: dict,
    other_declarants: bool = False,
):
    account = account_for(tx, clock, child)
    (pupil,) = [
        one for one in children_of(tx, account["responsable_ids"]) if one["prenom"] == child
    ]
    data = {
        "contact": {
            "email": f"{account['first_name'].lower()}@example.org",
            "phone": account["phone"],
            "address": {
                "line1": "12 rue des Lilas",
                "line2": "",
                "postal_code": "69003",
                "city": "Lyon",
            },
            **contact_details,
        },
        "tax": {
            "source": "manuel" if pieces else "dgfip",
            "notices": [
                {
                    "numero_fiscal": "3023217600053",
                    "reference_avis": "2612A98765432",
                    "notice": None,
                }
            ],
            "rfr": rfr,
            "enfants_a_charge": enfants,
            "annee_revenus": 2025,
            "dgfip_consent": not pieces,
            "renewal": "accepte",
            "files": list(pieces),
            "other_declarants": other_declarants,
        },
        "estimate": estimate("2026-2027", rfr, enfants).as_dict(),
        "bank": {
            "holder": f"{account['first_name']} {account['last_name']}",
            "iban": IBAN,
            "bic": "",
        },
    }
    if data["contact"]["email"]:
        # Issue 12: a family is e-mailed at its account's confirmed address only; these
        # families confirmed the one their request gives.
        confirmed = {"email": data["contact"]["email"], "email_confirmed": True}
        tx.update("comptes", account["id"], confirmed)
    return bourse_requests.submit(tx, account, pupil, data, f"jeton-{child}", clock.now())


def uploaded(web, data: bytes = PDF, name: str = "avis 2026.pdf") -> dict:
    key = web.extensions["files"].save(data)
    return {"key": key, "name": name, "type": "application/pdf", "size": len(data)}


def moved(db, clock, numero: str, *steps):
    """The request taken through these states straight in the records, by the direction."""
    staff = {"identifier": "direction.concorde", "uai": CONCORDE, "role": "direction"}
    for state, options in steps:
        with db.writing() as tx:
            bourse_requests.set_state(tx, numero, staff, state, clock.now(), **options)


def read(db, fn, *args):
    """`fn(tx, …)` in a read transaction of its own."""
    with db.reading() as tx:
        return fn(tx, *args)


def numbers(html: str) -> list[str]:
    """The requests listed, by number."""
    return [
        link["href"].rsplit("/", 1)[1]
        for link in elements(html, "a")
        if link.get("href", "").startswith("/admin/bourses/0691234A-")
    ]


# The list --------------------------------------------------------------------------------


def test_the_pages_need_a_staff_session(web, db, clock):
    numero = submitted(db, clock, "Inès")["number"]
    client = web.test_client()
    for url in (
        "/admin/bourses",
        f"/admin/bourses/{numero}",
        "/admin/bourses/export.csv",
        f"/admin/bourses/{numero}/pieces/1",
    ):
        assert redirects_to(client.get(url), "/admin/connexion"), url
    assert redirects_to(
        client.post(f"/admin/bourses/{numero}/etat", data={"etat": "en instruction"}),
        "/admin/connexion",
    )
    assert read(db, bourse_requests.find, numero)["state"] == "déposée"


def test_the_menu_has_the_entry(office):
    assert elements(office.get("/admin").text, "a", href="/admin/bourses")
    page = office.get("/admin/bourses")
    (current,) = elements(page.text, "a", aria_current="page")
    assert current["href"] == "/admin/bourses"


def test_no_request_yet(office):
    page = office.get("/admin/bourses")
    assert page.status_code == 200
    assert "année scolaire 2026-2027 : 0 demande." in plain(page.text)
    assert "Aucune demande ne correspond à cette recherche." in plain(page.text)


def test_the_list_and_its_counts(office, db, clock):
    ines = submitted(db, clock, "Inès", rfr=3000)  # échelon 3 estimated
    lea = submitted(db, clock, "Léa", rfr=9000)  # échelon 2
    submitted(db, clock, "Moussa", rfr=90000)  # no scholarship
    moved(db, clock, lea["number"], ("en instruction", {}), ("accordée", {"echelon": 1}))
    page = office.get("/admin/bourses")
    assert numbers(page.text) == [ines["number"], lea["number"], "0691234A-2026-00003"]
    text = plain(page.text)
    assert "Demandes par état État Demandes Déposée 2 En instruction 0 Accordée 1" in text
    assert "Refusée 0 Retirée 0" in text
    # Léa counts at the échelon granted, not the one estimated.
    assert "Pas de bourse (0) 1 Échelon 1 1 Échelon 2 0 Échelon 3 1" in text
    assert texts(page.text, "caption") == [
        "Demandes par état",
        "Demandes par échelon",
        "Demandes de bourse 2026-2027",
    ]
    assert "Inès Benali (5eB)" in text and "Karim Benali" in text
    assert "14/09/2026 à 10 h 00" in text


def test_only_this_years_requests_of_the_staffs_school(web, db, clock):
    submitted(db, clock, "Inès")
    palmistes = signed_in_staff(web, db, clock, "secretariat.palmistes", PALMISTES)
    page = palmistes.get("/admin/bourses")
    assert numbers(page.text) == []
    assert "0 demande." in plain(page.text)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"q": "ines"}, ["Inès"]),
        ({"q": "BENALI"}, ["Inès"]),
        ({"q": "lefevre dalmeida"}, ["Léa", "Hugo"]),
        ({"q": "aminata"}, ["Moussa"]),  # the parent's name
        ({"q": "2026-00002"}, ["Léa"]),  # part of the number
        ({"q": "0691234a-2026-00003"}, ["Hugo"]),
        ({"etat": "en instruction"}, ["Léa"]),
        ({"etat": "inconnu"}, ["Inès", "Léa", "Hugo", "Moussa"]),  # no filter
        ({"echelon": "3"}, ["Inès"]),
        ({"echelon": "0"}, ["Moussa"]),
        ({"pieces": "oui"}, ["Hugo"]),
        ({"q": "lefevre", "pieces": "oui"}, ["Hugo"]),
        ({"q": "personne"}, []),
    ],
)
def test_filters(office, web, db, clock, query, found):
    submitted(db, clock, "Inès", rfr=3000)
    lea = submitted(db, clock, "Léa", rfr=9000)
    submitted(db, clock, "Hugo", rfr=9000, pieces=(uploaded(web),))
    submitted(db, clock, "Moussa", rfr=90000)
    moved(db, clock, lea["number"], ("en instruction", {}))
    by_number = {
        one["number"]: one["pupil"]["prenom"]
        for one in read(db, bourse_requests.of_school, CONCORDE, "2026-2027")
    }
    page = office.get("/admin/bourses", query_string=query)
    assert [by_number[numero] for numero in numbers(page.text)] == found
    count = len(found)
    assert f"{count} demande{'s' if count > 1 else ''} trouvée" in plain(page.text)


def test_the_filters_stay_in_the_form(office, db, clock):
    submitted(db, clock, "Hugo")
    page = office.get("/admin/bourses?q=Hugo&etat=déposée&echelon=2&pieces=oui").text
    assert elements(page, "input", id="q")[0]["value"] == "Hugo"
    assert elements(page, "option", value="déposée", selected="")
    assert elements(page, "option", value="2", selected="")
    assert "checked" in elements(page, "input", id="pieces")[0]


def test_htmx_gets_the_results_alone(office, db, clock):
    submitted(db, clock, "Inès")
    page = office.get("/admin/bourses")
    (form,) = elements(page.text, "form", data_hx_get="/admin/bourses")
    answer = update_page_with_htmx(office, page, form, {"q": "ines"})
    assert answer.status_code == 200
    assert "<h1>" not in answer.text and "Demandes par état" not in answer.text
    assert elements(answer.text, "div", id="resultats")
    assert numbers(answer.text) == ["0691234A-2026-00001"]


def test_pages_of_results(office, db, clock, monkeypatch):
    monkeypatch.setattr(admin_bourse, "PER_PAGE", 2)
    for child in ("Inès", "Léa", "Hugo", "Moussa", "Lucas"):
        submitted(db, clock, child)
    first = office.get("/admin/bourses")
    assert len(numbers(first.text)) == 2
    assert "5 demandes trouvées, page 1 sur 3." in plain(first.text)
    last = office.get("/admin/bourses?page=3")
    assert numbers(last.text) == ["0691234A-2026-00005"]


# One request -----------------------------------------------------------------------------


def test_a_notice_of_another_household_is_shown_as_the_reason_to_check(office, web, db, clock):
    numero = submitted(db, clock, "Inès", other_declarants=True)["number"]
    text = plain(office.get(f"/admin/bourses/{numero}").text)
    assert (
        "Pièces à vérifier : déclarants différents du demandeur : le responsable qui fait la "
        "demande n'est pas parmi les déclarants de l'avis d'impôt." in text
    )
    assert "saisies par la famille" not in text


def test_the_requests_page(office, web, db, clock):
    numero = submitted(db, clock, "Hugo", rfr=9000, pieces=(uploaded(web),))["number"]
    page = office.get(f"/admin/bourses/{numero}")
    assert page.status_code == 200
    text = plain(page.text)
    assert f"Demande de bourse n° {numero}" in texts(page.text, "h1")
    assert "Hugo Lefèvre-D'Almeida, classe de 4eB" in text
    assert "Collège Concorde, INE 0691300456L" in text
    assert "Adresse électronique : sophie@example.org" in text
    assert "Téléphone portable : 06 •• •• •• 78" in text
    assert "Adresse postale : 12 rue des Lilas, 69003 Lyon" in text
    assert "Données saisies par la famille" in text
    assert "Revenu fiscal de référence : 9000 € (revenus 2025)" in text
    assert "Enfants à charge : 2" in text
    assert "Pièces à vérifier : les données fiscales ont été saisies par la famille." in text
    assert "Échelon 2 : 336 € pour l'année, 112 € par trimestre" in text
    assert "(barème provisoire)" in text
    # The IBAN is masked.
    assert IBAN not in page.text and "IBAN : FR76" in text
    (link,) = elements(page.text, "a", href=f"/admin/bourses/{numero}/pieces/1")
    assert "Télécharger la pièce 1 : avis 2026.pdf (PDF, 50 octets)" in text
    assert "Historique de la demande" in text and "Demande déposée en ligne." in text
    assert "Passer en instruction" in texts(page.text, "button")
    assert "Accorder" not in texts(page.text, "button")


def test_another_schools_request_is_not_found(web, db, clock, office):
    numero = submitted(db, clock, "Inès", pieces=(uploaded(web),))["number"]
    palmistes = signed_in_staff(web, db, clock, "secretariat.palmistes", PALMISTES)
    assert palmistes.get(f"/admin/bourses/{numero}").status_code == 404
    assert palmistes.get(f"/admin/bourses/{numero}/pieces/1").status_code == 404
    answer = palmistes.post(f"/admin/bourses/{numero}/etat", data={"etat": "en instruction"})
    assert answer.status_code == 404
    assert read(db, bourse_requests.find, numero)["state"] == "déposée"
    assert office.get("/admin/bourses/0691234A-2026-09999").status_code == 404


# State changes ---------------------------------------------------------------------------


def decide(office, numero: str, **form):
    return office.post(f"/admin/bourses/{numero}/etat", data=form)


def bourse_entries(db) -> list[str]:
    return [e["detail"] for e in read(db, audit.entries, CONCORDE) if e["action"] == "bourse"]


def mails(web) -> list[dict]:
    return web.extensions["outboxes"]["mail"].newest_first()


def sms(web) -> list[dict]:
    return web.extensions["outboxes"]["sms"].newest_first()


def test_into_examination(office, web, db, clock):
    numero = submitted(db, clock, "Inès")["number"]
    answer = decide(office, numero, etat="en instruction")
    assert redirects_to(answer, f"/admin/bourses/{numero}")
    assert read(db, bourse_requests.find, numero)["state"] == "en instruction"
    page = office.get(f"/admin/bourses/{numero}").text
    assert alert(page, "bourse-alerte-statut") == f"La demande n° {numero} est en instruction."
    assert bourse_entries(db) == [
        f"Demande n° {numero} (Inès Benali) : Demande mise en instruction."
    ]
    assert mails(web) == []
    # Now the secretariat's proposal forms, the estimate's échelon chosen beforehand.
    assert {"Proposer d'accorder", "Proposer de refuser"} <= set(texts(page, "button"))
    assert not {"Accorder", "Refuser"} & set(texts(page, "button"))
    assert checked_echelon(page) == "2"


def checked_echelon(page: str) -> str | None:
    checked = [one["value"] for one in elements(page, "input", name="echelon") if "checked" in one]
    return checked[0] if checked else None


def test_grant_tells_the_family(head, web, db, clock):
    numero = submitted(db, clock, "Inès", email="famille.benali@example.net")["number"]
    moved(db, clock, numero, ("en instruction", {}))
    answer = decide(head, numero, etat="accordée", echelon="3")
    assert redirects_to(answer, f"/admin/bourses/{numero}")
    found = read(db, bourse_requests.find, numero)
    assert (found["state"], found["granted_echelon"]) == ("accordée", 3)
    (mail,) = mails(web)
    assert mail["to"] == "famille.benali@example.net"
    assert mail["subject"] == f"Demande de bourse de collège n° {numero} : bourse accordée"
    assert "accordée, à l'échelon 3" in mail["body"]
    assert "525 €, versé en trois fois 175 €" in mail["body"]
    page = head.get(f"/admin/bourses/{numero}").text
    assert alert(page, "bourse-alerte-statut") == (
        f"La bourse est accordée (demande n° {numero}). La famille est prévenue par courriel "
        "à famille.benali@example.net et par SMS au 06 •• •• •• 89."
    )
    (text,) = sms(web)
    assert text["to"] == "+33623456789"
    assert f"accordée (demande {numero}) : échelon 3, 525 € pour l'année" in text["body"]
    notices = table_rows(page, "messages-famille")
    assert [row[1:] for row in notices] == [
        ["Décision", "Courriel", "famille.benali@example.net", "envoyé"],
        ["Décision", "SMS", "06 •• •• •• 89", "envoyé"],
    ]
    assert "Accordée à l'échelon 3 : 525 € pour l'année, 175 € par trimestre" in plain(page)
    # Decided: no decision form is left in the page's content.
    assert texts(page[page.index("<main") : page.index("</main>")], "button") == []
    assert bourse_entries(db)[0] == (
        f"Demande n° {numero} (Inès Benali) : Bourse accordée, échelon 3."
    )


def test_refusal_tells_the_family_why(head, web, db, clock):
    numero = submitted(db, clock, "Moussa", rfr=90000)["number"]
    moved(db, clock, numero, ("en instruction", {}))
    reason = "Revenus au-dessus du plafond pour 2 enfants à charge."
    answer = decide(head, numero, etat="refusée", motif=f"  {reason} ")
    assert redirects_to(answer, f"/admin/bourses/{numero}")
    found = read(db, bourse_requests.find, numero)
    assert (found["state"], found["refusal_reason"]) == ("refusée", reason)
    (mail,) = mails(web)
    assert mail["to"] == "aminata@example.org"
    assert mail["subject"].endswith(": demande refusée")
    assert reason in mail["body"]
    page = head.get(f"/admin/bourses/{numero}").text
    assert f"Refusée le 14/09/2026 à 10 h 00 : « {reason} »" in plain(page)


def refusing(db):
    """A mail server that refuses every mail (until its `refuse` is unset)."""
    from tests.test_mail_after_commit import WatchingMailer  # which imports this module

    return WatchingMailer(db, refuse=True)


def decided_with_smtp_down(head, web, db, clock) -> str:
    """A request granted while the mail server refuses every mail; its number."""
    numero = submitted(db, clock, "Inès")["number"]
    moved(db, clock, numero, ("en instruction", {}))
    web.extensions["mail"] = refusing(db)
    decide(head, numero, etat="accordée", echelon="2")
    return numero


def the_queue_tries_again(web, clock) -> None:
    """`flask --app app mail envoyer`, once the next try has come."""
    clock.advance(minutes=1)
    assert web.test_cli_runner().invoke(args=["mail", "envoyer"]).exit_code == 0


KARIM_MAIL = ["Décision", "Courriel", "karim@example.org"]


def decision_notices(head, numero: str) -> list[str]:
    """How the request's page says the decision's e-mail went, and its SMS."""
    page = head.get(f"/admin/bourses/{numero}").text
    rows = [row[1:] for row in table_rows(page, "messages-famille")]
    assert rows[1] == ["Décision", "SMS", "06 •• •• •• 89", "envoyé"]
    return rows[0]


def test_a_failed_email_is_said_to_be_sent_again_then_its_outcome_shown(head, web, db, clock):
    numero = decided_with_smtp_down(head, web, db, clock)
    assert read(db, bourse_requests.find, numero)["state"] == "accordée"
    page = head.get(f"/admin/bourses/{numero}").text
    # The queue tries it again: the truth, and what to do if it never leaves.
    assert alert(page, "bourse-alerte") == (
        "Le courriel à karim@example.org n'est pas encore parti : il sera renvoyé "
        "automatiquement dans les prochaines minutes. S'il ne peut toujours pas partir, il "
        "sera listé dans « Courriels non partis » : prévenez alors la famille autrement."
    )
    assert decision_notices(head, numero) == [*KARIM_MAIL, "en attente d'un nouvel essai"]
    web.extensions["mail"].refuse = False
    the_queue_tries_again(web, clock)
    assert decision_notices(head, numero) == [*KARIM_MAIL, "envoyé"]


def test_an_email_given_up_is_shown_so(head, web, db, clock):
    web.config["MAIL_ATTEMPTS"] = 2
    numero = decided_with_smtp_down(head, web, db, clock)
    the_queue_tries_again(web, clock)
    assert decision_notices(head, numero) == [*KARIM_MAIL, "non parti : à prévenir autrement"]


def test_a_family_with_only_a_mobile_is_told_by_sms(head, web, db, clock):
    numero = submitted(db, clock, "Inès", email="")["number"]
    moved(db, clock, numero, ("en instruction", {}))
    page = head.get(f"/admin/bourses/{numero}").text
    assert "La famille reçoit la décision par SMS, au 06 •• •• •• 89." in plain(page)
    assert "Adresse électronique : non renseignée" in plain(page)
    decide(head, numero, etat="refusée", motif="Revenus au-dessus du plafond.")
    assert mails(web) == []
    (text,) = sms(web)
    assert "Motif : Revenus au-dessus du plafond. Détail : http://localhost/bourse/" in text["body"]
    page = head.get(f"/admin/bourses/{numero}").text
    assert alert(page, "bourse-alerte-statut").endswith(
        "La famille est prévenue par SMS au 06 •• •• •• 89."
    )


def test_a_family_with_no_way_to_be_told_is_said(head, web, db, clock):
    numero = submitted(db, clock, "Inès", email="", phone="")["number"]
    moved(db, clock, numero, ("en instruction", {}))
    decide(head, numero, etat="accordée", echelon="3")
    assert mails(web) == [] and sms(web) == []
    page = head.get(f"/admin/bourses/{numero}").text
    assert "La famille n'a donné ni adresse électronique ni téléphone portable" in alert(
        page, "bourse-alerte"
    )
    assert table_rows(page, "messages-famille") == [["Aucun message envoyé à la famille."]]


def test_grant_without_echelon(head, web, db, clock):
    numero = submitted(db, clock, "Inès")["number"]
    moved(db, clock, numero, ("en instruction", {}))
    for echelon in ("", "0", "4", "deux"):
        answer = decide(head, numero, etat="accordée", echelon=echelon)
        assert answer.status_code == 422
        assert error_messages(answer.text, "echelon") == [
            "Choisissez l'échelon accordé : 1, 2 ou 3."
        ]
        assert alert(answer.text, "bourse-alerte") == (
            "La décision n'a pas été enregistrée : corrigez l'erreur signalée."
        )
        assert "fr-fieldset--error" in elements(answer.text, "fieldset", id="echelon")[0]["class"]
        assert "autofocus" in elements(answer.text, "input", id="echelon-1")[0]
    assert read(db, bourse_requests.find, numero)["state"] == "en instruction"
    assert mails(web) == []


@pytest.mark.parametrize(
    ("motif", "error"),
    [
        ("", "Indiquez le motif du refus : la famille le recevra."),
        ("   ", "Indiquez le motif du refus : la famille le recevra."),
        ("x" * 501, "Le motif du refus ne doit pas dépasser 500 caractères (il en compte 501)."),
    ],
)
def test_refusal_without_a_good_reason(head, web, db, clock, motif, error):
    numero = submitted(db, clock, "Inès")["number"]
    moved(db, clock, numero, ("en instruction", {}))
    answer = decide(head, numero, etat="refusée", motif=motif)
    assert answer.status_code == 422
    assert error_messages(answer.text, "motif") == [error]
    (field,) = elements(answer.text, "textarea", id="motif")
    assert field["aria-invalid"] == "true" and "autofocus" in field
    assert read(db, bourse_requests.find, numero)["state"] == "en instruction"
    assert mails(web) == []


def test_a_reason_of_500_characters_is_enough(head, db, clock):
    numero = submitted(db, clock, "Inès")["number"]
    moved(db, clock, numero, ("en instruction", {}))
    assert redirects_to(
        decide(head, numero, etat="refusée", motif="x" * 500), f"/admin/bourses/{numero}"
    )


@pytest.mark.parametrize(
    ("steps", "form"),
    [
        ((), {"etat": "accordée", "echelon": "2"}),  # not examined yet
        ((), {"etat": "refusée", "motif": "Non."}),
        ((), {"etat": "déposée"}),
        ((("en instruction", {}),), {"etat": "en instruction"}),
        (
            (("en instruction", {}), ("accordée", {"echelon": 2})),
            {"etat": "refusée", "motif": "Non."},
        ),
        (
            (("en instruction", {}), ("refusée", {"reason": "Non."})),
            {"etat": "accordée", "echelon": "1"},
        ),
        ((), {"etat": "retirée"}),
        ((), {"etat": "n'importe quoi"}),
        ((), {}),
    ],
)
def test_bad_transitions(head, web, db, clock, steps, form):
    numero = submitted(db, clock, "Inès")["number"]
    moved(db, clock, numero, *steps)
    before = read(db, bourse_requests.find, numero)
    answer = decide(head, numero, **form)
    assert answer.status_code == 422
    message = alert(answer.text, "bourse-alerte")
    assert message.startswith(f"Une demande « {before['state']} » ne peut pas passer à")
    assert read(db, bourse_requests.find, numero) == before
    assert mails(web) == []


def test_a_decided_request_has_no_form(office, db, clock):
    numero = submitted(db, clock, "Inès")["number"]
    moved(db, clock, numero, ("en instruction", {}), ("refusée", {"reason": "Dossier incomplet."}))
    page = office.get(f"/admin/bourses/{numero}").text
    assert not elements(page, "form", id="accorder") and not elements(page, "form", id="refuser")
    assert "Passer en instruction" not in plain(page)


# The secretariat proposes, the direction decides ----------------------------------------


RESERVED = (
    "Seule la direction de l'établissement peut accorder ou refuser une bourse. "
    "Vous pouvez proposer une décision : la direction la verra sur cette page."
)


def propose(client, numero: str, **form):
    return client.post(f"/admin/bourses/{numero}/proposition", data=form)


@pytest.mark.parametrize(
    "form",
    [
        {"etat": "accordée", "echelon": "3"},
        {"etat": "refusée", "motif": "Revenus au-dessus du plafond."},
        {"etat": "accordée"},
    ],
)
def test_the_secretariat_cannot_grant_or_refuse(office, web, db, clock, form):
    numero = submitted(db, clock, "Inès")["number"]
    moved(db, clock, numero, ("en instruction", {}))
    before = read(db, bourse_requests.find, numero)
    answer = decide(office, numero, **form)
    assert answer.status_code == 403
    assert alert(answer.text, "bourse-alerte") == RESERVED
    # It is offered the proposal instead, with what it typed.
    assert elements(answer.text, "form", id="proposer-accorder")
    assert not elements(answer.text, "form", id="accorder")
    if "motif" in form:
        assert texts(answer.text, "textarea") == [form["motif"]]
    assert read(db, bourse_requests.find, numero) == before
    assert bourse_entries(db) == [
        f"Demande n° {numero} (Inès Benali) : Demande mise en instruction."
    ]
    assert mails(web) == [] and sms(web) == []


def test_the_secretariat_cannot_decide_even_before_the_examination(office, db, clock):
    numero = submitted(db, clock, "Inès")["number"]
    assert decide(office, numero, etat="accordée", echelon="2").status_code == 403
    assert read(db, bourse_requests.find, numero)["state"] == "déposée"


def test_the_secretariat_is_told_the_decision_is_the_directions(office, db, clock):
    numero = submitted(db, clock, "Inès")["number"]
    page = office.get(f"/admin/bourses/{numero}").text
    assert "puis proposez une décision à la direction" in plain(page)
    moved(db, clock, numero, ("en instruction", {}))
    page = office.get(f"/admin/bourses/{numero}").text
    assert "Proposer une décision" in texts(page, "h2")
    assert "La décision appartient à la direction de l'établissement" in plain(page)
    assert not elements(page, "form", id="accorder") and not elements(page, "form", id="refuser")
    (grant,) = elements(page, "form", id="proposer-accorder")
    assert grant["action"] == f"/admin/bourses/{numero}/proposition"
    assert elements(page, "form", id="proposer-refuser")
    assert "Aucune proposition" not in plain(page) and not elements(page, "div", id="proposition")


def test_a_proposal_is_recorded_and_shown_to_both(office, head, web, db, clock):
    numero = submitted(db, clock, "Inès")["number"]
    moved(db, clock, numero, ("en instruction", {}))
    answer = propose(office, numero, etat="accordée", echelon="3")
    assert redirects_to(answer, f"/admin/bourses/{numero}")
    found = read(db, bourse_requests.find, numero)
    assert found["state"] == "en instruction"
    assert (found["proposal"]["state"], found["proposal"]["echelon"]) == ("accordée", 3)
    # The family hears of decisions only.
    assert mails(web) == [] and sms(web) == []
    assert "notices" not in found
    proposal = (
        "Proposition enregistrée par secretariat.concorde le 14/09/2026 à 10 h 00 : accorder "
        "la bourse à l'échelon 3 (525 € par an)."
    )
    page = office.get(f"/admin/bourses/{numero}").text
    assert alert(page, "bourse-alerte-statut") == (
        f"La proposition est enregistrée (demande n° {numero}) : la direction de "
        "l'établissement décidera."
    )
    assert proposal in plain(page)
    assert elements(page, "div", id="proposition")
    # The secretariat may change its mind: its form holds its proposal.
    assert checked_echelon(page) == "3"
    assert proposal in plain(head.get(f"/admin/bourses/{numero}").text)
    assert bourse_entries(db)[0] == (
        f"Demande n° {numero} (Inès Benali) : Proposition : accorder la bourse, échelon 3."
    )


def test_the_decision_form_holds_the_proposal(office, head, db, clock):
    ines = submitted(db, clock, "Inès")["number"]  # échelon 2 estimated
    lea = submitted(db, clock, "Léa")["number"]
    moved(db, clock, ines, ("en instruction", {}))
    moved(db, clock, lea, ("en instruction", {}))
    propose(office, ines, etat="accordée", echelon="3")
    reason = "Revenus au-dessus du plafond."
    propose(office, lea, etat="refusée", motif=reason)
    page = head.get(f"/admin/bourses/{ines}").text
    assert elements(page, "form", id="accorder") and not elements(
        page, "form", id="proposer-accorder"
    )
    assert checked_echelon(page) == "3"
    assert texts(page, "textarea") == [""]
    page = head.get(f"/admin/bourses/{lea}").text
    assert texts(page, "textarea") == [reason]
    assert "refuser la demande, pour le motif « Revenus au-dessus du plafond. »" in plain(page)


def test_the_direction_decides_and_both_are_named(office, head, web, db, clock):
    numero = submitted(db, clock, "Inès")["number"]
    assert redirects_to(decide(office, numero, etat="en instruction"), f"/admin/bourses/{numero}")
    propose(office, numero, etat="refusée", motif="Dossier incomplet.")
    answer = decide(head, numero, etat="accordée", echelon="2")
    assert redirects_to(answer, f"/admin/bourses/{numero}")
    found = read(db, bourse_requests.find, numero)
    assert (found["state"], found["granted_echelon"]) == ("accordée", 2)
    (mail,) = mails(web)
    assert "accordée, à l'échelon 2" in mail["body"]
    detail = (
        "Proposition de secretariat.concorde : refuser la demande, motif « Dossier incomplet. ». "
        "Bourse accordée, échelon 2."
    )
    journal = [
        (e["staff"], e["detail"])
        for e in read(db, audit.entries, CONCORDE)
        if e["action"] == "bourse"
    ]
    assert journal == [
        ("direction.concorde", f"Demande n° {numero} (Inès Benali) : {detail}"),
        (
            "secretariat.concorde",
            f"Demande n° {numero} (Inès Benali) : Proposition : refuser la demande, motif « "
            "Dossier incomplet. ».",
        ),
        (
            "secretariat.concorde",
            f"Demande n° {numero} (Inès Benali) : Demande mise en instruction.",
        ),
    ]
    page = office.get(f"/admin/bourses/{numero}").text
    assert [row[1:] for row in table_rows(page, "historique")] == [
        ["déposée", "famille", "Demande déposée en ligne."],
        ["en instruction", "secretariat.concorde", "Demande mise en instruction."],
        [
            "en instruction",
            "secretariat.concorde",
            "Proposition : refuser la demande, motif « Dossier incomplet. ».",
        ],
        ["accordée", "direction.concorde", detail],
    ]
    # Decided: the proposal stays on the page, its form is gone.
    assert "Proposition enregistrée par secretariat.concorde" in plain(page)
    assert not elements(page, "form", id="proposer-refuser")


@pytest.mark.parametrize(
    ("form", "field", "error"),
    [
        ({"etat": "accordée"}, "echelon", "Choisissez l'échelon proposé : 1, 2 ou 3."),
        (
            {"etat": "accordée", "echelon": "4"},
            "echelon",
            "Choisissez l'échelon proposé : 1, 2 ou 3.",
        ),
        (
            {"etat": "refusée", "motif": "  "},
            "motif",
            "Indiquez le motif du refus : la famille le recevra.",
        ),
        (
            {"etat": "refusée", "motif": "x" * 501},
            "motif",
            "Le motif du refus ne doit pas dépasser 500 caractères (il en compte 501).",
        ),
    ],
)
def test_a_bad_proposal(office, web, db, clock, form, field, error):
    numero = submitted(db, clock, "Moussa", rfr=90000)["number"]  # no échelon estimated
    moved(db, clock, numero, ("en instruction", {}))
    before = read(db, bourse_requests.find, numero)
    answer = propose(office, numero, **form)
    assert answer.status_code == 422
    assert error_messages(answer.text, field) == [error]
    assert alert(answer.text, "bourse-alerte") == (
        "La proposition n'a pas été enregistrée : corrigez l'erreur signalée."
    )
    if field == "motif":
        (typed,) = elements(answer.text, "textarea", id="motif")
        assert typed["aria-invalid"] == "true" and "autofocus" in typed
        assert texts(answer.text, "textarea") == [form["motif"].strip()]
    else:
        assert "autofocus" in elements(answer.text, "input", id="echelon-1")[0]
    assert elements(answer.text, "form", id="proposer-accorder")
    assert read(db, bourse_requests.find, numero) == before
    assert mails(web) == []


@pytest.mark.parametrize(
    ("steps", "form"),
    [
        ((), {"etat": "accordée", "echelon": "2"}),
        (
            (("en instruction", {}), ("refusée", {"reason": "Non."})),
            {"etat": "accordée", "echelon": "1"},
        ),
    ],
)
def test_a_proposal_only_under_study(office, db, clock, steps, form):
    numero = submitted(db, clock, "Inès")["number"]
    moved(db, clock, numero, *steps)
    before = read(db, bourse_requests.find, numero)
    answer = propose(office, numero, **form)
    assert answer.status_code == 422
    assert alert(answer.text, "bourse-alerte").startswith(
        f"Une demande « {before['state']} » ne peut pas recevoir de proposition"
    )
    assert read(db, bourse_requests.find, numero) == before


def test_a_proposal_is_to_grant_or_to_refuse(office, db, clock):
    numero = submitted(db, clock, "Inès")["number"]
    moved(db, clock, numero, ("en instruction", {}))
    for form in ({"etat": "en instruction"}, {"etat": "retirée"}, {}):
        answer = propose(office, numero, **form)
        assert answer.status_code == 422
        assert alert(answer.text, "bourse-alerte") == (
            "Proposez d'accorder la bourse ou de refuser la demande."
        )
    assert "proposal" not in read(db, bourse_requests.find, numero)


def test_a_proposal_needs_a_staff_session_of_the_school(web, db, clock):
    numero = submitted(db, clock, "Inès")["number"]
    moved(db, clock, numero, ("en instruction", {}))
    form = {"etat": "accordée", "echelon": "2"}
    assert redirects_to(propose(web.test_client(), numero, **form), "/admin/connexion")
    palmistes = signed_in_staff(web, db, clock, "secretariat.palmistes", PALMISTES)
    assert propose(palmistes, numero, **form).status_code == 404
    assert "proposal" not in read(db, bourse_requests.find, numero)


# Documents -------------------------------------------------------------------------------


def test_download_a_document(office, web, db, clock):
    first, second = uploaded(web), uploaded(web, b"%PDF-1.7 autre\n%%EOF", "<script>.pdf")
    numero = submitted(db, clock, "Hugo", pieces=(first, second))["number"]
    answer = office.get(f"/admin/bourses/{numero}/pieces/2")
    assert answer.status_code == 200
    assert answer.data == b"%PDF-1.7 autre\n%%EOF"
    assert answer.mimetype == "application/pdf"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Disposition"] == (
        f"attachment; filename=demande-{numero}-piece-2.pdf"
    )
    assert answer.headers["Cache-Control"] == "no-store"
    assert office.get(f"/admin/bourses/{numero}/pieces/1").data == PDF


def test_a_document_that_is_not_there(office, web, db, clock):
    piece = uploaded(web)
    numero = submitted(db, clock, "Hugo", pieces=(piece,))["number"]
    for index in (0, 2):
        assert office.get(f"/admin/bourses/{numero}/pieces/{index}").status_code == 404
    assert office.get(f"/admin/bourses/{numero}/pieces/-1").status_code == 404
    web.extensions["files"].delete(piece["key"])
    assert office.get(f"/admin/bourses/{numero}/pieces/1").status_code == 404


# CSV export ------------------------------------------------------------------------------


def exported(answer) -> list[dict]:
    assert answer.data.startswith(b"\xef\xbb\xbf")
    text = answer.data[3:].decode("utf-8")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_export_the_list(office, web, db, clock):
    ines = submitted(db, clock, "Inès", rfr=3000)
    submitted(db, clock, "Hugo", rfr=9000, pieces=(uploaded(web),))
    moved(db, clock, ines["number"], ("en instruction", {}), ("accordée", {"echelon": 3}))
    answer = office.get("/admin/bourses/export.csv")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"] == (
        'attachment; filename="demandes-bourse-0691234A-2026-2027.csv"'
    )
    assert answer.headers["Cache-Control"] == "no-store"
    rows = exported(answer)
    assert [row["Numéro"] for row in rows] == [ines["number"], "0691234A-2026-00002"]
    first, second = rows
    assert first["État"] == "accordée" and first["Élève"] == "Inès Benali"
    assert first["Échelon accordé"] == "3" and first["Montant annuel accordé (€)"] == "525"
    assert (
        first["Courriel"] == "karim@example.org"
        and first["Revenu fiscal de référence (€)"] == "3000"
    )
    assert second["Pièces à vérifier"] == "oui" and second["Source des données fiscales"] == (
        "saisie manuelle"
    )
    assert second["Responsable"] == "Sophie Lefèvre-D'Almeida"
    (entry,) = [e for e in read(db, audit.entries, CONCORDE) if e["action"] == "export-bourse"]
    assert entry["detail"] == "2 demande(s) de 2026-2027."


def test_the_export_keeps_the_filters(office, web, db, clock):
    submitted(db, clock, "Inès")
    submitted(db, clock, "Hugo", pieces=(uploaded(web),))
    page = office.get("/admin/bourses?pieces=oui&q=hugo").text
    (link,) = [one for one in elements(page, "a") if "export.csv" in one.get("href", "")]
    assert link["href"] == "/admin/bourses/export.csv?q=hugo&pieces=oui"
    rows = exported(office.get(link["href"]))
    assert [row["Élève"] for row in rows] == ["Hugo Lefèvre-D'Almeida"]


def test_the_export_guards_against_formulas(office, db, clock):
    submitted(db, clock, "Inès", email='=HYPERLINK("http://x")@example.org')
    (row,) = exported(office.get("/admin/bourses/export.csv"))
    assert row["Courriel"] == '\'=HYPERLINK("http://x")@example.org'
