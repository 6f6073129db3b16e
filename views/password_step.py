"""The new password (§2.4), the step that ends the activations (views/registration.py,
views/activation.py) and « Mot de passe oublié ? » (views/forgotten_password.py): the rules shown
met or not as the parent types, checked again when it is sent."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, redirect, request, session

from records import journeys
from rules import passwords
from views.forms.verification import PasswordForm
from views.journey import Journey, now
from views.rendering import render_page, wants_fragment
from views.unit import tx
from views.verification import RULES_NOT_MET


def of_state(state: dict) -> tuple[str, list[str]]:
    """The identifiant and the names a password must not contain, as the journey keeps them."""
    return state["identifiant"], [state["nom"], state["prenom"]]


def add_password_step(
    bp: Blueprint,
    journey: Journey,
    personal: Callable[[dict], tuple[str | None, list[str]]],
    after_password: Callable[[dict, str], object],
    submit_label: str,
    intro: Callable[[dict], str | None] = lambda state: None,
    hashed: bool = False,
) -> Callable:
    """A new password with the rules of §2.4, at the blueprint's GET and POST `/mot-de-passe`,
    shown met or not as the parent types (htmx posts the field to `/mot-de-passe/regles`; the
    submit checks them again).

    `personal(state)` gives the identifiant and the names the password must not contain (from
    the state alone); `after_password(state, password)` answers once the password meets every
    rule and is confirmed; with `hashed`, it is given the password's argon2 hash instead, made
    before the request's transaction. Returns the function drawing the step, for a failure
    found after the check."""

    def rule_states(state: dict, password: str) -> list[tuple[str, str, bool]]:
        return passwords.rule_states(password, *personal(state))

    def password_page(state: dict, status: int = 200, form: PasswordForm | None = None, **context):
        form = form or PasswordForm(formdata=None)
        typed = form.mot_de_passe.data or ""
        return journey.page(
            "mot_de_passe",
            status,
            form=form,
            rules=rule_states(state, typed),
            checked=bool(typed),
            submit_label=submit_label,
            intro=intro(state),
            **context,
        )

    @journey.at_step("mot_de_passe")
    def mot_de_passe(state: dict):
        return password_page(state)

    def password_rules():
        """The rules, met or not, as the parent types (htmx only). Not `at_step`: a journey
        moved on answers nothing here (below)."""
        state, elsewhere = journey.guard("mot_de_passe")
        if elsewhere:
            # Typed while the step was being sent: the journey has moved on, and the answer
            # of the step (already shown) must not be replaced by another page.
            return ("", 204) if wants_fragment() else elsewhere
        if not wants_fragment():
            # Only the rules block can be drawn here: a whole page needs the step's form.
            return redirect(journey.url("mot_de_passe"), code=303)
        typed = request.form.get("mot_de_passe", "")
        return render_page(
            "journeys/mot_de_passe.html",
            "password_rules",
            title=journey.page_title("mot_de_passe"),
            rules=rule_states(state, typed),
            checked=bool(typed),
            field_id="mot_de_passe",
            errors=[],
        )

    def acceptable(state: dict | None, form: PasswordForm) -> bool:
        return (
            state is not None
            and state["step"] == "mot_de_passe"
            and all(met for _, _, met in rule_states(state, form.mot_de_passe.data))
            and form.confirmation.data == form.mot_de_passe.data
        )

    def hash_ahead(form: PasswordForm) -> str | None:
        """The password's hash, made before the journey's lock is taken when a look at the
        journey shows it will be accepted: argon2 takes a fifth of a second or more, and on
        TinyDB that lock is the file's (every other request would wait)."""
        journey_id = session.get(journey.blueprint)
        state = journeys.load(tx(), journey_id, kind=journey.kind, now=now(), peek=True)
        return passwords.hash_password(form.mot_de_passe.data) if acceptable(state, form) else None

    def submit_mot_de_passe():
        form = PasswordForm()
        valid = form.validate_on_submit()
        return check_password(form, valid, hash_ahead(form) if hashed and valid else None)

    @journey.at_step("mot_de_passe")
    def check_password(state: dict, form: PasswordForm, valid: bool, early_hash: str | None):
        if not valid:
            return password_page(state, 422, form)
        if not all(met for _, _, met in rule_states(state, form.mot_de_passe.data)):
            form.mot_de_passe.errors.append(RULES_NOT_MET)
            return password_page(state, 422, form)
        if form.confirmation.data != form.mot_de_passe.data:
            form.confirmation.errors.append(passwords.MISMATCH)
            return password_page(state, 422, form)
        if hashed:
            password_hash = early_hash or passwords.hash_password(form.mot_de_passe.data)
            return after_password(state, password_hash)
        return after_password(state, form.mot_de_passe.data)

    bp.add_url_rule("/mot-de-passe", "mot_de_passe", mot_de_passe, methods=["GET"])
    bp.add_url_rule("/mot-de-passe", "submit_mot_de_passe", submit_mot_de_passe, methods=["POST"])
    bp.add_url_rule("/mot-de-passe/regles", "password_rules", password_rules, methods=["POST"])
    return password_page
