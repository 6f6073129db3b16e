"""A staff member of a school, signed in to the back office, for the view tests."""

from records.sessions import STAFF_KEY
from records.staff import create_staff
from tests.markup import redirects_to

PASSWORD = "Bureau-Rentree-2026!"
CONCORDE = "0691234A"


def signed_in_staff(
    web, db, clock, identifiant: str, uai: str = CONCORDE, role: str = "secretariat"
):
    """A test client signed in as a new account of `uai` (the secretariat's, unless `role`)."""
    with db.writing() as tx:
        create_staff(tx, identifiant, PASSWORD, uai, role, clock.now())
    client = web.test_client()
    answer = client.post(
        "/admin/connexion", data={"identifiant": identifiant, "mot_de_passe": PASSWORD}
    )
    assert redirects_to(answer, "/admin")
    return client


def staff_session(app, db, clock, identifiant: str, uai: str = CONCORDE, role: str = "secretariat"):
    """A test client of `app` whose session is a new staff account's, without signing in: for
    the apps that check CSRF tokens, whose sign-in form would need one."""
    with db.writing() as tx:
        staff = create_staff(tx, identifiant, PASSWORD, uai, role, clock.now())
    client = app.test_client()
    with client.session_transaction() as session:
        session[STAFF_KEY] = staff["id"]
    return client
