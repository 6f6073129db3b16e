"""A parent of the demo roster, signed in, for the view tests of the services they use."""

from datetime import datetime

from records import accounts
from records.sessions import ACCOUNT_KEY
from rules.clock import PARIS
from rules.passwords import hash_password

NOW = datetime(2026, 9, 14, 10, 0, tzinfo=PARIS)
PASSWORD = "Rentree-2026!Ok"


def account_for(store, nom: str, prenom: str, telephone: str, password_hash=None) -> dict:
    """The account of this parent of the roster (self-registration, made directly)."""
    with store.writing() as tx:
        found = accounts.find_responsables(tx, telephone, nom, prenom)
        return accounts.create_account(
            tx,
            [one["id"] for one in found],
            prenom,
            nom,
            telephone,
            password_hash,
            "auto-inscription",
            NOW,
        )


def signed_in_parent(app, nom: str, prenom: str, telephone: str):
    """A test client signed in as this parent (an account made directly); the account is kept
    on the client as `client.account`."""
    password = hash_password(PASSWORD)
    account = account_for(app.extensions["store"], nom, prenom, telephone, password)
    client = app.test_client()
    with client.session_transaction() as session:
        session.clear()  # as signing in does (views/login.py)
        session[ACCOUNT_KEY] = account["id"]
    client.account = account
    return client
