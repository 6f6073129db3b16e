"""The school's back office (journeys §4) under /admin: the staff's own sign-in, the home page,
the statistics and the journal. The import, responsables, téléservices, scholarship-request
and « Courriels non partis » pages are in `views/admin_import.py`, `views/admin_responsables.py`,
`views/admin_teleservices.py`, `views/admin_bourse.py` and `views/admin_mail.py`, on the same
blueprint.

A staff session holds only `session["staff_id"]`, apart from a parent's `session["account_id"]`;
every page reads the records of the staff member's own school only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps

from flask import Blueprint, flash, get_flashed_messages, redirect, request, session, url_for

from records import audit, school
from records.accounts import STATES
from records.sessions import STAFF_KEY
from records.staff import DIRECTION, ROLE_NAMES, find_staff_by_id, sign_in_staff
from rules import lockout
from rules.account_states import AccountState
from rules.clock import in_paris
from views.journey import now
from views.login import SIGNED_OUT, LoginForm, sign_in_limit, this_client
from views.rendering import leave_to, render_page
from views.session_timeout import signed_in_only
from views.unit import tx

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_COMPONENTS = ("form", "back-office")

JOURNAL_PER_PAGE = 50

# The menu: endpoint, label, and whether only the direction sees it.
MENU = [
    ("admin.home", "Accueil", False),
    ("admin.responsables", "Responsables", False),
    ("admin.bourses", "Demandes de bourse", False),
    ("admin.import_form", "Importer la liste", False),
    ("admin.statistics", "Statistiques", False),
    ("admin.teleservices", "Téléservices", False),
    ("admin.mails_given_up", "Courriels non partis", False),
    ("admin.journal", "Journal", True),
]
# Pages that belong to a menu entry without being it.
SECTIONS = {
    "admin.responsable": "admin.responsables",
    "admin.upload": "admin.import_form",
    "admin.preview": "admin.import_form",
    "admin.bourse": "admin.bourses",
    "admin.change_bourse": "admin.bourses",
    "admin.propose_bourse": "admin.bourses",
    "admin.examen": "admin.bourses",
    "admin.examen_progression": "admin.bourses",
    "admin.lancer_examen": "admin.bourses",
    "admin.non_recours_list": "admin.bourses",
    "admin.send_reminder": "admin.bourses",
    "admin.send_mail_again": "admin.mails_given_up",
}
STATE_BADGES = {
    AccountState.ACTIVE: "success",
    AccountState.NOTIFIED: "info",
    AccountState.NOT_ACTIVATED: "new",
    AccountState.BLOCKED: "error",
}


# The pages (and the macros they import, which see no page's context) compare states by name.
bp.add_app_template_global(AccountState, "AccountState")


@bp.app_template_filter("moment")
def moment_text(iso: str | None) -> str:
    """An ISO moment as French writes it, in Paris time: "14/09/2026 à 10 h 05"."""
    if not iso:
        return ""
    local = in_paris(datetime.fromisoformat(iso))
    return f"{local:%d/%m/%Y} à {local.hour} h {local.minute:02d}"


@bp.app_template_filter("french_date")
def french_date(iso: str | None) -> str:
    return f"{date.fromisoformat(iso):%d/%m/%Y}" if iso else ""


# Who is signed in --------------------------------------------------------------------------


def current_staff() -> dict | None:
    staff_id = session.get(STAFF_KEY)
    return find_staff_by_id(tx(), staff_id) if staff_id is not None else None


def staff_required(view):
    """The view gets the signed-in staff member first; anyone else goes to the sign-in page."""

    @wraps(view)
    def guarded(*args, **kwargs):
        staff = current_staff()
        if staff is None:
            return leave_to(url_for("admin.connexion"))
        return view(staff, *args, **kwargs)

    return signed_in_only(guarded)


def admin_page(
    template: str,
    block: str,
    title: str,
    staff: dict | None,
    status: int = 200,
    components: tuple[str, ...] = PAGE_COMPONENTS,
    **context,
):
    """A back-office page, with the menu and the school of the staff member; the messages left
    by the previous request unless the caller gives its own."""
    # Every message left, not only the first: a notification can both send and skip.
    for category, key in (("error", "failure"), ("notice", "notice")):
        left = get_flashed_messages(category_filter=[category])
        context.setdefault(key, " ".join(left) or None)
    return render_page(
        f"admin/{template}.html",
        block,
        title=title,
        status=status,
        components=components,
        staff=staff,
        school_name=school.school_name(tx(), staff["uai"]) if staff else None,
        role_name=ROLE_NAMES.get(staff["role"]) if staff else None,
        menu=[item for item in MENU if staff and (staff["role"] == DIRECTION or not item[2])],
        current=SECTIONS.get(request.endpoint, request.endpoint),
        badges=STATE_BADGES,
        now=now(),
        **context,
    )


def record(staff: dict, action: str, detail: str) -> None:
    audit.record(tx(), staff, action, detail, now())


# Signing in and out ------------------------------------------------------------------------


def sign_in_page(form: LoginForm, status: int = 200, **messages):
    first_error = next((name for name, field in form._fields.items() if field.errors), None)
    return admin_page(
        "connexion",
        "login_form",
        "Connexion à l'espace établissement",
        None,
        status,
        ("form", "password"),
        form=form,
        focus=first_error or ("identifiant" if messages.get("failure") else None),
        **messages,
    )


@bp.get("/connexion")
def connexion():
    if current_staff():
        return redirect(url_for("admin.home"), code=303)
    return sign_in_page(LoginForm(formdata=None))


@bp.post("/connexion")
@sign_in_limit
def submit_connexion():
    form = LoginForm()
    if not form.validate_on_submit():
        return sign_in_page(form, 422)
    identifiant, password = form.identifiant.data, form.mot_de_passe.data
    result = sign_in_staff(tx(), identifiant, password, now(), this_client())
    form.mot_de_passe.data = None
    if not result.ok:
        return sign_in_page(form, 422, failure=lockout.FAILED)
    # A new session: nothing from before (a parent's session, a CSRF token) carries over.
    session.clear()
    session[STAFF_KEY] = result.account["id"]
    record(result.account, "connexion", "Connexion à l'espace établissement.")
    return leave_to(url_for("admin.home"))


@bp.post("/deconnexion")
def deconnexion():
    staff = current_staff()
    if staff:
        record(staff, "deconnexion", "Déconnexion de l'espace établissement.")
    session.clear()
    flash(SIGNED_OUT, "notice")
    return redirect(url_for("admin.connexion"), code=303)


# Home, statistics, journal -----------------------------------------------------------------


@bp.get("")
@staff_required
def home(staff):
    found = school.families(tx(), staff["uai"])
    locked = sum(1 for one in found if one.locked_until(now()))
    return admin_page(
        "accueil",
        "main",
        "Espace établissement",
        staff,
        counts=Counter(one.state for one in found),
        states=STATES,
        total=len(found),
        locked=locked,
        reports=school.reports(tx(), staff["uai"]),
    )


@bp.get("/statistiques")
@staff_required
def statistics(staff):
    per_class, total = school.statistics(school.families(tx(), staff["uai"]))
    return admin_page(
        "statistiques",
        "main",
        "Statistiques des comptes",
        staff,
        per_class=per_class,
        total=total,
        states=STATES,
    )


@bp.get("/journal")
@staff_required
def journal(staff):
    if staff["role"] != DIRECTION:
        return admin_page("refus", "main", "Accès réservé à la direction", staff, 403)
    page = paginate(audit.entries(tx(), staff["uai"]), JOURNAL_PER_PAGE)
    return admin_page(
        "journal", "main", "Journal des actions", staff, page=page, actions=audit.ACTIONS
    )


# Pages of results ---------------------------------------------------------------------------


class Page:
    """One page of a list: its `items`, its `number` (from 1), the `count` of pages and the
    `total` of items; the list's `filters` (name: value) go into the addresses of the other
    pages."""

    def __init__(
        self, items: list, total: int, number: int, per_page: int, filters: dict[str, str]
    ):
        self.items = items
        self.total = total
        self.count = last_page(total, per_page)
        self.number = number
        self.filters = {name: value for name, value in filters.items() if value}
        # Built once: the links to every page ask for it twice each.
        self._address = url_for(request.endpoint, **self.filters)

    def url(self, number: int) -> str:
        """This list's address at page `number`, with the filters the view read: never the
        raw query, whose `_external` or `_method` `url_for` would obey."""
        return f"{self._address}{'&' if '?' in self._address else '?'}page={number}"


def last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def asked_page() -> int:
    return max(1, request.args.get("page", 1, type=int))


def paginate(items: list, per_page: int, filters: dict[str, str] | None = None) -> Page:
    """The page asked for of a list read whole (past the last page: the last one)."""
    number = min(asked_page(), last_page(len(items), per_page))
    start = (number - 1) * per_page
    return Page(items[start : start + per_page], len(items), number, per_page, filters or {})


def paginate_found(
    find: Callable[[int, int], tuple[int, list]],
    per_page: int,
    filters: dict[str, str] | None = None,
) -> Page:
    """The page asked for of a list the database pages: `find(offset, limit)` gives how many
    match and those of the page. Past the last page: the last one, asked for again."""
    number = asked_page()
    total, items = find((number - 1) * per_page, per_page)
    if number > last_page(total, per_page):
        number = last_page(total, per_page)
        total, items = find((number - 1) * per_page, per_page)
    return Page(items, total, number, per_page, filters or {})


# The import and the responsables pages join this blueprint.
from views import (  # noqa: E402, F401
    admin_bourse,
    admin_examination,
    admin_import,
    admin_mail,
    admin_non_recours,
    admin_responsables,
    admin_teleservices,
)
