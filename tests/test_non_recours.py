"""Non-recours made visible (issue 14, item 5) through HTTP, on the demo roster (whose seed opens
the Concorde's campaign, 1/9 to 15/10/2026): per class, the pupils with no consent and no
request this school year, the list by class, both roles; « Envoyer le rappel » once per
campaign, to those families only, once per mobile and confirmed address; a second sending,
one outside the campaign, one with nobody to remind refused (409) with nothing sent; the
journal; the CSRF token; htmx's headers; another school's staff sees and sends its own only.

The Concorde: Léa 6eA and Hugo 4eB (Sophie and Julien Lefèvre-D'Almeida), Inès 5eB (Karim
Benali), Moussa 3eA (Aminata N'Diaye), Lucas 5eA (François Da Silva), Chloé Martin 4eA (Éric
Rousseau, tuteur)."""

from __future__ import annotations

import re
from datetime import date

from documents.reminder import reminder_sms
from records import audit, consents, reminders, teleservices
from records.bourse_requests import RequestState
from records.staff import create_staff
from records.teleservices import BOURSE, State
from rules.civil_status import CivilStatus
from rules.sms_length import fits
from tests import markup
from tests.htmx_client import HTMX, update_page_with_htmx
from tests.markup import elements, plain, redirects_to
from tests.parents import NOW
from tests.staff import PASSWORD, signed_in_staff
from tests.test_admin_bourse import account_for, submitted

CONCORDE, PALMISTES = "0691234A", "0973123Z"
PAGE = "/admin/bourses/non-recours"
SEND = "/admin/bourses/non-recours/rappel"
APPLICANT = CivilStatus("Moreau", "Sophie Marie", date(1984, 5, 12), "Lyon", "69", "", "Lefèvre")
PHONES = {
    "Sophie": "+33612345678",
    "Julien": "+33781452290",
    "Karim": "+33623456789",
    "Aminata": "+33698765432",
    "François": "+33645127833",
    "Éric": "+33768123456",
}


INES = {
    "Léa": "0691500123K",
    "Hugo": "0691300456L",
    "Inès": "0691400789M",
    "Moussa": "0691200321N",
    "Lucas": "0691400654P",
    "Chloé": "0691300987R",
}


def consent(db, clock, child: str, given: bool = True):
    """`child`'s parent (tests/test_admin_bourse.FAMILIES) consents, or refuses."""
    with db.writing() as tx:
        account = account_for(tx, clock, child)
        pupil = tx.find_one("eleves", ine=INES[child])
        civil = APPLICANT if given else None
        consents.choose(tx, account, pupil, given, clock.now(), applicant=civil)


def rows(html: str, container_id: str) -> list[list[str]]:
    """Each row of the table inside `container_id`, its header cell first."""
    start = html.index(f'id="{container_id}"')
    body = re.search(r"<tbody>(.*?)</tbody>", html[start:], flags=re.S).group(1)
    return [
        [plain(cell) for cell in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, flags=re.S)]
        for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", body, flags=re.S)
    ]


def alert(html: str) -> str:
    return markup.alert(html, "non-recours-alerte")


def sms(web) -> list[dict]:
    return web.extensions["outboxes"]["sms"].newest_first()


def mails(web) -> list[dict]:
    return web.extensions["outboxes"]["mail"].newest_first()


def reminded_numbers(web) -> list[str]:
    return sorted(one["to"] for one in sms(web) if "demande de bourse" in one["body"])


# The page ----------------------------------------------------------------------------------


def test_per_class_the_pupils_with_neither_consent_nor_request(db, clock, office, head):
    consent(db, clock, "Léa")
    consent(db, clock, "Lucas", given=False)  # a refusal is no consent
    submitted(db, clock, "Inès")
    for client in (office, head):
        page = client.get(PAGE)
        assert page.status_code == 200
        # Classe, élèves, accord, demande, ni l'un ni l'autre; 6e first.
        assert rows(page.text, "par-classe") == [
            ["6eA", "1", "1", "0", "0"],
            ["5eA", "1", "0", "0", "1"],
            ["5eB", "1", "0", "1", "0"],
            ["4eA", "1", "0", "0", "1"],
            ["4eB", "1", "0", "0", "1"],
            ["3eA", "1", "0", "0", "1"],
        ]
        assert rows(page.text, "resultats") == [
            ["Lucas Da Silva", "5eA", "M. François Da Silva"],
            ["Chloé Martin", "4eA", "M. Éric Rousseau"],
            [
                "Hugo Lefèvre-D'Almeida",
                "4eB",
                "M. Julien Lefèvre-D'Almeida, Mme Sophie Lefèvre-D'Almeida",
            ],
            ["Moussa N'Diaye", "3eA", "Mme Aminata N'Diaye"],
        ]
        assert "4 élèves sans accord ni demande." in plain(page.text)


def test_a_withdrawn_request_or_consent_counts_as_none(db, clock, office):
    consent(db, clock, "Léa")
    with db.writing() as tx:
        consents.withdraw(tx, account_for(tx, clock, "Léa")["id"], INES["Léa"], clock.now())
    number = submitted(db, clock, "Inès")["number"]
    with db.writing() as tx:
        request = tx.find_one("demandes_bourse", number=number)
        tx.update("demandes_bourse", request["id"], {"state": RequestState.WITHDRAWN})
    found = rows(office.get(PAGE).text, "par-classe")
    assert found[0] == ["6eA", "1", "0", "0", "1"]
    assert found[2] == ["5eB", "1", "0", "0", "1"]


def test_the_list_by_class_and_its_htmx_fragment(office):
    page = office.get(f"{PAGE}?classe=4eB")
    assert [row[:2] for row in rows(page.text, "resultats")] == [["Hugo Lefèvre-D'Almeida", "4eB"]]
    unfiltered = office.get(PAGE)
    (form,) = elements(unfiltered.text, "form", data_hx_get=PAGE)
    fragment = update_page_with_htmx(office, unfiltered, form, {"classe": "4eB"})
    assert fragment.status_code == 200
    assert fragment.text.startswith("<title>Familles sans demande de bourse — Téléservices</title>")
    assert [row[0] for row in rows(fragment.text, "resultats")] == ["Hugo Lefèvre-D'Almeida"]


def test_an_unknown_class_is_no_filter(office):
    page = office.get(f"{PAGE}?classe=<script>")
    assert page.status_code == 200
    assert len(rows(page.text, "resultats")) == 6


def test_the_bourses_page_links_to_it_and_its_menu_entry_stays_current(office):
    assert PAGE in office.get("/admin/bourses").text
    page = office.get(PAGE).text
    (current,) = elements(page, "a", aria_current="page")
    assert current["href"] == "/admin/bourses"


def test_signed_out_goes_to_the_sign_in_page(web):
    assert redirects_to(web.test_client().get(PAGE), "/admin/connexion")
    assert redirects_to(web.test_client().post(SEND), "/admin/connexion")


# The reminder ------------------------------------------------------------------------------


def test_the_reminder_goes_once_to_each_family_with_neither(web, db, clock, office):
    consent(db, clock, "Léa")
    submitted(db, clock, "Inès")
    with db.writing() as tx:
        # Aminata confirmed her address; Éric's is the school's only (not confirmed).
        aminata = account_for(tx, clock, "Moussa")
        tx.update(
            "comptes", aminata["id"], {"email": "aminata@example.net", "email_confirmed": True}
        )
    page = office.get(PAGE)
    assert "Envoyer le rappel à 5 responsables" in plain(page.text)
    assert "avant le 15/10/2026" in plain(page.text)
    answer = office.post(SEND)
    assert redirects_to(answer, PAGE)
    # Hugo's parents (Sophie's Léa is examined, Hugo is not), Moussa's, Lucas's, Chloé's tutor:
    # not Karim (Inès has a request).
    assert reminded_numbers(web) == sorted(
        PHONES[name] for name in ("Sophie", "Julien", "Aminata", "François", "Éric")
    )
    (mail,) = mails(web)
    assert mail["to"] == "aminata@example.net"
    assert (
        mail["subject"] == "Bourse de collège 2026-2027 : faites votre demande avant le 15/10/2026"
    )
    for way in ("en ligne, sur Téléservices", "sur papier", "examen automatique du droit à bourse"):
        assert way in mail["body"]
    assert "http://localhost/mes-services" in mail["body"]
    page = office.get(PAGE)
    said = plain(page.text)
    assert "Le rappel est envoyé à 5 responsable(s) : 5 SMS et 1 courriel(s)." in said
    assert (
        "Rappel envoyé le 14/09/2026 à 10 h 00 par secretariat.concorde : 5 SMS et 1 courriel, "
        "à 5 responsables. Le rappel ne s'envoie qu'une fois par campagne." in said
    )
    assert "Envoyer le rappel" not in said
    with db.reading() as tx:
        (entry, *_) = audit.entries(tx, CONCORDE)
    assert entry["action"] == "relance-bourse"
    assert entry["staff"] == "secretariat.concorde"
    assert entry["detail"] == (
        "Rappel de la campagne 2026-2027 envoyé à 5 responsable(s) : 5 SMS, 1 courriel(s)."
    )


def test_a_parent_of_two_pupils_gets_it_once(web, office):
    assert redirects_to(office.post(SEND), PAGE)
    numbers = reminded_numbers(web)
    assert numbers.count(PHONES["Sophie"]) == 1  # Léa and Hugo
    assert len(numbers) == len(set(numbers)) == 6


def test_a_second_sending_is_refused(web, db, clock, office, head):
    assert redirects_to(office.post(SEND), PAGE)
    sent = len(sms(web))
    clock.advance(minutes=10)
    answer = head.post(SEND)
    assert answer.status_code == 409
    assert alert(answer.text) == (
        "Le rappel de la campagne 2026-2027 a déjà été envoyé le 14/09/2026 à 10 h 00 par "
        "secretariat.concorde : il ne s'envoie qu'une fois par campagne."
    )
    assert len(sms(web)) == sent
    with db.reading() as tx:
        assert reminders.of_campaign(tx, CONCORDE, "2026-2027")["staff"] == "secretariat.concorde"
        relances = [e for e in audit.entries(tx, CONCORDE) if e["action"] == "relance-bourse"]
    assert len(relances) == 1


def test_once_sent_a_closed_campaign_still_says_it_was_sent(db, office):
    assert redirects_to(office.post(SEND), PAGE)
    with db.writing() as tx:
        teleservices.save_service(
            tx, CONCORDE, BOURSE, State.CLOSED, "", date(2026, 9, 1), date(2026, 10, 15), NOW
        )
    answer = office.post(SEND)
    assert answer.status_code == 409
    assert "a déjà été envoyé le 14/09/2026" in alert(answer.text)


def test_an_htmx_sending_navigates_and_a_refusal_is_the_whole_page(office):
    answer = office.post(SEND, headers=HTMX)
    assert answer.status_code == 200
    assert answer.headers["HX-Redirect"] == PAGE
    again = office.post(SEND, headers=HTMX)
    assert again.status_code == 409
    assert "<html" in again.text
    assert "a déjà été envoyé" in alert(again.text)


def test_outside_the_campaign_nothing_is_sent(web, db, clock, office):
    with db.writing() as tx:
        teleservices.save_service(
            tx, CONCORDE, BOURSE, State.CLOSED, "", date(2026, 9, 1), date(2026, 10, 15), NOW
        )
    page = office.get(PAGE)
    assert "La campagne de bourse n'est pas ouverte" in plain(page.text)
    answer = office.post(SEND)
    assert answer.status_code == 409
    assert alert(answer.text).startswith("La campagne de bourse n'est pas ouverte")
    assert sms(web) == []
    with db.reading() as tx:
        assert reminders.of_campaign(tx, CONCORDE, "2026-2027") is None


def test_with_nobody_to_remind_nothing_is_sent(web, db, clock, office):
    for child in INES:
        consent(db, clock, child)
    assert "Aucune famille n'est à relancer" in plain(office.get(PAGE).text)
    answer = office.post(SEND)
    assert answer.status_code == 409
    assert sms(web) == []


def test_another_schools_staff_sees_and_sends_its_own(web, db, clock):
    palmistes = signed_in_staff(web, db, clock, "secretariat.palmistes", uai=PALMISTES)
    page = palmistes.get(PAGE)
    assert "Lucas" not in page.text and "Emma Da Silva" in plain(page.text)
    # The Palmistes have no campaign: nothing leaves, not to the Concorde's families either.
    assert palmistes.post(SEND).status_code == 409
    assert sms(web) == []


def test_the_sending_needs_the_csrf_token(guarded, db, clock):
    with db.writing() as tx:
        staff = create_staff(tx, "secretariat.csrf", PASSWORD, CONCORDE, "secretariat", clock.now())
    client = guarded.test_client()
    with client.session_transaction() as session:
        session["staff_id"] = staff["id"]
    assert client.get(PAGE).status_code == 200
    assert client.post(SEND).status_code == 400
    assert guarded.extensions["outboxes"]["sms"].newest_first() == []


def test_the_sms_fits_two_parts_with_a_long_address():
    text = reminder_sms(
        "2026-2027",
        date(2026, 10, 15),
        "https://teleservices.ac-grenoble.example.fr/mes-services",
    )
    assert fits(text)
