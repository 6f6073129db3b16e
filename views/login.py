"""The login page (§1): FranceConnect, the ÉduConnect form, and the way to create an account;
signing in and out."""

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from records import accounts, notifications
from records.notifications import TemporaryOutcome
from rules import lockout
from rules.temporary_passwords import EXPIRED_MESSAGE
from views import activation
from views.auth import current_account, sign_in_session
from views.forms.login import LoginForm
from views.franceconnect import logout_redirect
from views.rendering import flashed, leave_to, render_page
from views.session_timeout import local_url
from views.unit import tx

bp = Blueprint("login", __name__)
# Per IP address, on top of the waits per account and client (rules/lockout.py): enough for the
# parents of a school sharing one connection, not for guessing passwords across accounts. The
# storage comes from the RATELIMIT_STORAGE_URI setting (read by init_app), so that gunicorn's
# processes share one count in Redis; the address is the client's behind TRUSTED_PROXIES proxies
# (app.py).
limiter = Limiter(key_func=get_remote_address)

LOGIN_COMPONENTS = ("form", "password", "connect")
SIGNED_OUT = "Vous êtes déconnecté."


def login_page(form: LoginForm, status: int = 200, failure: str | None = None, notice=None):
    first_error = next((name for name, field in form._fields.items() if field.errors), None)
    return render_page(
        "login.html",
        "login_form",
        title="Connexion",
        status=status,
        components=LOGIN_COMPONENTS,
        form=form,
        failure=failure,
        notice=notice,
        focus=first_error or ("identifiant" if failure else None),
        next_url=next_url(),
    )


def next_url() -> str | None:
    """Where to go once signed in, when the login page was reached from a page of the service
    (a session that ended on a step of a journey): a path of this service only (`?next=`),
    anything else is ignored."""
    return local_url(request.args.get("next"))


@bp.get("/")
def home():
    return redirect(url_for("services.home" if current_account() else "login.show"))


@bp.get("/connexion")
def show():
    failure, notice = flashed()
    return login_page(LoginForm(formdata=None), failure=failure, notice=notice)


def this_client() -> str:
    """The client signing in, as the lock-out counts it: its address (the client's, behind
    TRUSTED_PROXIES) under an HMAC with the app's key, never the address itself."""
    return lockout.client_digest(current_app.secret_key, request.remote_addr)


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


# One budget per address for the parents' and the staff's sign-in (views/admin.py): guessing
# passwords on both forms must not get twice the attempts.
sign_in_limit = limiter.shared_limit(login_rate_limit, scope="connexion", methods=["POST"])


@bp.post("/connexion")
@sign_in_limit
def sign_in():
    form = LoginForm()
    if not form.validate_on_submit():
        return login_page(form, status=422)
    clock = current_app.extensions["clock"]
    identifiant, password = form.identifiant.data, form.mot_de_passe.data
    form.mot_de_passe.data = None
    # An account distributed by letter signs in first with its temporary password (§4).
    client = this_client()
    first = notifications.check_temporary(tx(), identifiant, password, clock.now(), client)
    if first.ok:
        refusal = activation.begin(first.account)
        if refusal:
            return login_page(form, status=422, failure=refusal)
        return leave_to(url_for("activation.mot_de_passe"))
    if first.outcome is TemporaryOutcome.RESUMED:
        return leave_to(activation.resume(first.journey_id))
    if first.outcome is TemporaryOutcome.EXPIRED:
        return login_page(form, status=422, failure=EXPIRED_MESSAGE)
    result = first
    if first.outcome is TemporaryOutcome.NOT_TEMPORARY:
        result = accounts.sign_in(tx(), identifiant, password, clock.now(), client)
    if not result.ok:
        return login_page(form, status=422, failure=lockout.FAILED)
    sign_in_session(result.account["id"])
    return leave_to(next_url() or url_for("services.home"))


@bp.post("/deconnexion")
def sign_out():
    # Signed in with FranceConnect: sign out there too; its callback ends our session.
    through_franceconnect = logout_redirect()
    if through_franceconnect:
        return through_franceconnect
    session.clear()
    flash(SIGNED_OUT, "notice")
    return redirect(url_for("login.show"), code=303)
