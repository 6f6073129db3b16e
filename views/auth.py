"""Who is signed in: the account id kept in the session, nothing else."""

from __future__ import annotations

from functools import wraps

from flask import redirect, session, url_for

from records.accounts import find_by_id
from records.sessions import ACCOUNT_KEY
from views.session_timeout import signed_in_only
from views.unit import tx


def sign_in_session(account_id: int) -> None:
    # A new session on sign-in: nothing from before (journey, CSRF token) carries over.
    session.clear()
    session[ACCOUNT_KEY] = account_id


def current_account() -> dict | None:
    account_id = session.get(ACCOUNT_KEY)
    if account_id is None:
        return None
    return find_by_id(tx(), account_id)


def account_required(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        account = current_account()
        if account is None:
            return redirect(url_for("login.show"), code=303)
        return view(account, *args, **kwargs)

    return signed_in_only(guarded)


def signed_in_context() -> dict:
    """What every page knows of who is signed in, for the header's account menu: read from the
    session alone, so a page asks the records nothing more (and nothing when nobody is)."""
    return {"parent_signed_in": session.get(ACCOUNT_KEY) is not None}
