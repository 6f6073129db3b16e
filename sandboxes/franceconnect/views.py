"""The sandbox's routes, under the issuer's path /api/v2 (franceconnect.md, "Endpoints")."""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AccessDeniedError
from flask import Blueprint, Response, current_app, render_template, request, url_for

from . import misbehave
from .identities import CLAIMS, SCOPES, claims_for
from .keys import ALG
from .server import ACR, MIN_STATE_NONCE_LENGTH, issuer, sandbox

bp = Blueprint("sandbox", __name__)

# The authorize parameters carried from the identity page to its form's POST.
AUTHORIZE_PARAMETERS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "acr_values",
    "prompt",
    "claims",
    "ui_locales",
)

FRENCH_ERRORS = {
    "unsupported_response_type": "Seul le flux « code » est accepté : response_type doit valoir "
    "code.",
    "unauthorized_client": "Seul le flux « code » est accepté : response_type doit valoir code.",
    "invalid_scope": "Le paramètre scope doit contenir openid et uniquement des scopes connus de "
    "FranceConnect.",
    "invalid_request": "La demande d'authentification est incomplète ou invalide : state et nonce "
    f"(au moins {MIN_STATE_NONCE_LENGTH} caractères chacun) et acr_values={ACR} sont "
    "obligatoires, chaque paramètre une seule fois.",
}


def error_page(
    message: str, detail: str | None = None, status: int = 400, title: str = "Demande refusée"
):
    html = render_template(
        "error.html",
        title=title,
        message=message,
        detail=detail,
        app_url=current_app.config["APP_URL"],
    )
    return html, status


@bp.app_errorhandler(404)
def not_found(error):
    message = "Cette adresse n'existe pas dans le bac à sable FranceConnect."
    return error_page(message, status=404, title="Page introuvable")


@bp.app_errorhandler(405)
def method_not_allowed(error):
    message = "Cette adresse n'accepte pas la méthode HTTP utilisée."
    return error_page(message, f"{request.method} {request.path}", 405, "Méthode non acceptée")


@bp.get("/")
def index():
    return render_template("index.html", issuer=issuer(), config=current_app.config)


@bp.get("/api/v2/.well-known/openid-configuration")
def discovery():
    base = issuer()
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/jwks",
        "end_session_endpoint": f"{base}/session/end",
        "scopes_supported": list(SCOPES),
        "claims_supported": ["sub", *CLAIMS],
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": [ALG],
        "userinfo_signing_alg_values_supported": [ALG],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "acr_values_supported": [ACR],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
    }


@bp.get("/api/v2/jwks")
def jwks():
    return sandbox().signing_key.jwks()


def client_problem(data) -> str | None:
    """Why the request cannot even be answered at its redirect_uri (shown as a page, never
    redirected to an address not checked against the registered one)."""
    client = sandbox().client
    client_id, redirect_uri = data.get("client_id"), data.get("redirect_uri")
    if not client_id:
        return "Le paramètre client_id est absent."
    if client_id != client.client_id:
        return f"Le service « {client_id} » n'est pas enregistré auprès de ce bac à sable."
    if not redirect_uri:
        return "Le paramètre redirect_uri est absent."
    if redirect_uri != client.redirect_uri:
        return (
            "L'adresse de retour (redirect_uri) ne correspond pas exactement à celle enregistrée "
            f"pour ce service : {client.redirect_uri}"
        )
    return None


@bp.route("/api/v2/authorize", methods=["GET", "POST"])
def authorize():
    server = sandbox().server
    problem = client_problem(request.values)
    if problem:
        return error_page(problem)
    try:
        grant = server.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        # With a checked client and redirect_uri, the error goes back to the service when it
        # can match it to its login (a state is present); otherwise it is shown here.
        if error.redirect_uri and request.values.get("state"):
            return server.handle_error_response(None, error)
        message = FRENCH_ERRORS.get(error.error, "La demande d'authentification est invalide.")
        return error_page(message, f"{error.error} : {error.get_error_description()}")

    if request.method == "POST" and "cancel" in request.form:
        state = request.values["state"]
        error = AccessDeniedError("User auth aborted", redirect_uri=grant.redirect_uri, state=state)
        return server.handle_error_response(None, error)
    if request.method == "POST" and "identity" in request.form:
        identity = sandbox().identities.get(request.form["identity"])
        if identity is None:
            return error_page("Cette identité de test n'existe pas.")
        return server.create_authorization_response(grant=grant, grant_user=identity)

    hidden = [
        (name, request.values[name]) for name in AUTHORIZE_PARAMETERS if name in request.values
    ]
    return render_template(
        "identities.html",
        identities=list(sandbox().identities.values()),
        hidden=hidden,
        action=url_for(".authorize"),
    )


@bp.post("/api/v2/token")
def token():
    return misbehave.before_token() or sandbox().server.create_token_response()


@bp.get("/api/v2/userinfo")
def userinfo():
    try:
        access_token = sandbox().protector.acquire_token(["openid"])
    except OAuth2Error as error:
        return sandbox().server.handle_error_response(None, error)
    identity = sandbox().identities[access_token.identity_id]
    now = sandbox().now()
    claims = {
        **claims_for(identity, access_token.scope),
        "sub": sandbox().sub(identity["id"]),
        "aud": access_token.client.get_client_id(),
        "iss": issuer(),
        "iat": now,
        "exp": now + current_app.config["ID_TOKEN_LIFETIME"],
    }
    body, media_type = misbehave.userinfo_answer(claims)
    return Response(body, content_type=media_type)


@bp.get("/api/v2/session/end")
def session_end():
    server = sandbox().server
    for name in ("id_token_hint", "state", "post_logout_redirect_uri"):
        if not request.args.get(name):
            return error_page(f"Déconnexion impossible : le paramètre {name} est absent.")
    try:
        logout = server.validate_endpoint_request("end_session")
    except OAuth2Error as error:
        return error_page(
            "Déconnexion impossible : id_token_hint n'est pas un ID token signé par ce bac à "
            "sable, ou pas pour ce client_id.",
            f"{error.error} : {error.get_error_description()}",
        )
    if logout.id_token_claims.get("iss") != issuer():
        return error_page("Déconnexion impossible : id_token_hint vient d'un autre émetteur.")
    if logout.client is None:
        return error_page(
            "Déconnexion impossible : id_token_hint n'a pas été émis pour ce service."
        )
    if logout.redirect_uri is None:
        return error_page(
            "Déconnexion impossible : post_logout_redirect_uri ne correspond pas exactement à "
            "l'adresse enregistrée pour ce service."
        )
    return server.create_endpoint_response("end_session", logout)
