"""The login page (§1): FranceConnect, the ÉduConnect form, and the way to create an account."""

from flask import Blueprint, redirect, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from views.rendering import render_page

bp = Blueprint("login", __name__)

LOGIN_COMPONENTS = ("form", "password", "connect")
GENERIC_FAILURE = "Identifiant ou mot de passe incorrect."


class LoginForm(FlaskForm):
    identifiant = StringField(
        "Identifiant", validators=[InputRequired("Indiquez votre identifiant.")]
    )
    mot_de_passe = PasswordField(
        "Mot de passe", validators=[InputRequired("Indiquez votre mot de passe.")]
    )


def login_page(form: LoginForm, status: int = 200, failure: str | None = None):
    first_error = next((name for name, field in form._fields.items() if field.errors), None)
    return render_page(
        "login.html",
        "login_form",
        title="Connexion",
        status=status,
        components=LOGIN_COMPONENTS,
        form=form,
        failure=failure,
        focus=first_error or ("identifiant" if failure else None),
    )


@bp.get("/")
def home():
    return redirect(url_for("login.show"))


@bp.get("/connexion")
def show():
    return login_page(LoginForm())


@bp.post("/connexion")
def sign_in():
    form = LoginForm()
    if not form.validate_on_submit():
        return login_page(form, status=422)
    # No ÉduConnect account can be signed in yet: every pair is unknown (accounts come with the
    # self-registration journey). The message never tells which of the two was wrong.
    form.mot_de_passe.data = None
    return login_page(form, status=422, failure=GENERIC_FAILURE)
