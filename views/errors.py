"""Error pages in French, for every HTTP error and any unexpected failure: never a raw traceback."""

from flask import Flask, current_app, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from outside.storage import StorageError
from views.rendering import render_page, wants_fragment
from views.session_timeout import after_the_end

MESSAGES = {
    400: ("Requête invalide", "La demande envoyée n'a pas pu être traitée."),
    404: ("Page non trouvée", "La page que vous cherchez est introuvable. Vérifiez l'adresse."),
    405: ("Méthode non autorisée", "Cette page ne peut pas être utilisée de cette façon."),
    413: ("Fichier trop volumineux", "Le fichier envoyé dépasse la taille autorisée."),
    429: (
        "Trop de tentatives",
        "Vous avez fait trop de tentatives. Réessayez dans quelques minutes.",
    ),
    500: ("Erreur inattendue", "Désolé, le service rencontre un problème. Réessayez plus tard."),
    503: (
        "Service momentanément indisponible",
        "Le service est très sollicité en ce moment. Réessayez dans quelques instants : "
        "rien de ce que vous avez saisi avant cette page n'est perdu.",
    ),
}
UNREADABLE = (
    "La demande contient des caractères que le service ne peut pas lire. Revenez à la page "
    "précédente et saisissez à nouveau les informations."
)
CSRF_MESSAGE = (
    "Votre session a expiré ou le formulaire n'est plus valide. Revenez à la page précédente, "
    "rechargez-la puis recommencez."
)


def error_page(status: int, detail: str | None = None):
    heading, text = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    response = render_page(
        "errors/error.html",
        "main",
        title=heading,
        status=status,
        heading=heading,
        text=detail or text,
        code=status,
    )
    if wants_fragment():
        # An htmx request that failed shows the error in place of the page's content.
        response.headers["HX-Retarget"] = "#contenu"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def handle_http_error(error: HTTPException):
    if isinstance(error, CSRFError):
        # A form of a signed-in page sent after its session ended: signing in again instead.
        return after_the_end() or error_page(400, CSRF_MESSAGE)
    response = error_page(error.code or 500)
    # Keep what the error itself says in headers (a 405's Allow, a 401's WWW-Authenticate…).
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def storage_unavailable(error: StorageError | None = None):
    """The database did not answer in time (locked, connections used up): the request's work
    was rolled back, the parent may try again."""
    if error is not None:
        current_app.logger.error("Storage unavailable: %s", error)
    return error_page(503)


def readable_request():
    """What no page of the service sends and what would fail deeper, refused with a 400: a
    query string that is no UTF-8 (Werkzeug decodes it strictly when a view first reads it), a
    NUL character in the address, a field or a file name (PostgreSQL text cannot hold one)."""
    try:
        request.query_string.decode()
    except UnicodeDecodeError:
        return error_page(400, UNREADABLE)
    texts = [request.path]
    for fields in (request.args, request.form):
        texts += [text for name, values in fields.lists() for text in (name, *values)]
    texts += [sent.filename or "" for sent in request.files.values()]
    if any("\x00" in text for text in texts):
        return error_page(400, UNREADABLE)
    return None


def register(app: Flask) -> None:
    app.before_request(readable_request)
    # Flask logs an unexpected exception, then hands this handler an InternalServerError.
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(StorageError, storage_unavailable)
