"""« Courriels non partis » in a real browser, axe after every step: a school's staff find the
mails the queue gave up (a decision's, given up before the test: the server's SMTP refused
them), masked, with their error in plain French, page to the second page, send one again — it
reaches the real SMTP server —, and it leaves the list. On a phone with JavaScript, and without
it in another school (a plain form).

Each test has a school of its own (its own UAI and roster lines), so its list is its alone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from e2e.browsers import assert_accessible, assert_accessible_without_js
from e2e.parents import add_roster_lines
from e2e.signing import submit_sign_in
from e2e.staff import create_staff
from outside.storage import open_store
from records import mail_queue

PASSWORD = "Courriels-Non-Partis-2026!"
PER_PAGE = 20  # views/admin_mail.py
LIMITS = mail_queue.Limits(1, timedelta(seconds=60), timedelta(days=7))


def school(server, uai: str, name: str, staff: str) -> None:
    add_roster_lines(
        server,
        [
            f"{uai};{name};{uai[:7]}001A;Garnier;Lou;03/03/2014;5e;5eG;Mme;Garnier;Élise;mère;"
            f"06 70 00 {uai[5:7]} 01;",
        ],
    )
    create_staff(server, staff, PASSWORD, uai=uai)


def given_up(server, uai: str, count: int) -> None:
    """`count` decisions' mails of the school, given up at their last try by a refusing SMTP:
    the first to famille00@…, the last given up (listed first) to famille{count-1}."""
    store = open_store(server.env["FLASK_DATABASE"])
    start = datetime.now(UTC) - timedelta(hours=1)
    try:
        for number in range(count):
            about = {
                "table": "demandes_bourse",
                "id": f"{uai}-2026-{number:05d}",
                "event": "decision",
            }
            mail = mail_queue.Outgoing(
                f"famille{number:02d}@{uai.lower()}.example.org",
                "Votre demande de bourse : demande accordée",
                "Bonjour,\n\nVotre demande est accordée.\n",
                (),
                "decision",
                about,
                uai,
            )
            moment = start + timedelta(minutes=number)
            with store.writing() as tx:
                doc = mail_queue.add(tx, mail, moment, LIMITS)
                mail_queue.failed(tx, doc, "SMTPRecipientsRefused", moment, LIMITS)
    finally:
        store.close()


def to_the_list(page, staff: str, check) -> None:
    page.goto("/admin/connexion")
    submit_sign_in(page, staff, PASSWORD)
    expect(page).to_have_title("Espace établissement — Téléservices")
    page.get_by_role("link", name="Courriels non partis").click()
    expect(page).to_have_title("Courriels non partis — Téléservices")
    check(page, "courriels non partis")


def walk(page, server, smtp_server, uai: str, check) -> None:
    table = page.get_by_role("table", name=re.compile("Courriels abandonnés"))
    expect(table).to_contain_text("page 1 sur 2")
    last = f"{PER_PAGE}"
    first_row = table.get_by_role("row").nth(1)
    expect(first_row).to_contain_text(f"f•••@{uai.lower()}.example.org")
    expect(first_row).to_contain_text(f"Décision — demande n° {uai}-2026-000{last}")
    expect(first_row).to_contain_text("L'adresse a été refusée par le serveur de messagerie")
    expect(page.get_by_text(f"famille{last}@")).to_have_count(0)  # masked only

    page.get_by_role("link", name="Page suivante").click()
    expect(table).to_contain_text("page 2 sur 2")
    check(page, "deuxième page")
    page.get_by_role("link", name="Page précédente").click()

    page.get_by_role(
        "button", name=f"Renvoyer le courriel « Décision — demande n° {uai}-2026-000{last} »"
    ).click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Le courriel à f•••@{uai.lower()}.example.org est parti."
    )
    check(page, "courriel renvoyé")
    (mail,) = smtp_server.received(f"famille{last}@{uai.lower()}.example.org")
    assert "Votre demande est accordée." in mail["body"]
    # Sent: no longer listed, and the list is one page again.
    expect(page.get_by_role("table", name=re.compile("Courriels abandonnés"))).not_to_contain_text(
        "page 1 sur 2"
    )
    expect(page.get_by_role("button", name=re.compile(f"{uai}-2026-000{last}"))).to_have_count(0)


def test_the_school_sends_a_mail_given_up_again_on_a_phone(phone, app_server, smtp_server):
    uai = "0691765L"
    school(app_server, uai, "Collège Olympe-de-Gouges", "e2e.courriels.secretariat")
    given_up(app_server, uai, PER_PAGE + 1)
    to_the_list(phone, "e2e.courriels.secretariat", assert_accessible)
    walk(phone, app_server, smtp_server, uai, assert_accessible)


def test_the_school_sends_a_mail_given_up_again_without_javascript(
    phone_without_js, app_server, smtp_server
):
    uai = "0691766M"
    school(app_server, uai, "Collège Lucie-Aubrac", "e2e.courriels.sansjs")
    given_up(app_server, uai, PER_PAGE + 1)
    to_the_list(phone_without_js, "e2e.courriels.sansjs", assert_accessible_without_js)
    walk(phone_without_js, app_server, smtp_server, uai, assert_accessible_without_js)
