"""« Mes services »: the signed-in parent's home, one card per child (the services themselves
come with the online-services issue)."""

from flask import Blueprint, current_app

from records.accounts import children_of
from views.auth import account_required
from views.rendering import flashed, render_page

bp = Blueprint("services", __name__)


@bp.get("/mes-services")
@account_required
def home(account):
    children = children_of(current_app.extensions["store"], account["responsables"])
    failure, notice = flashed()
    return render_page(
        "services/home.html",
        "main",
        title="Mes services",
        components=("form", "card"),
        account=account,
        children=children,
        failure=failure,
        notice=notice,
    )
