"""The new password (§2.4), the step that ends the activations (views/registration.py,
views/activation.py) and « Mot de passe oublié ? » (views/forgotten_password.py): the rules shown
met or not as the parent types, checked again when it is sent. Each of those modules declares
the step's routes, views calling its PasswordStep."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import redirect, request, session

from records import journeys
from rules import passwords
from views.forms.verification import PasswordForm
from views.journey import Journey, now
from views.rendering import render_page, wants_fragment
from views.unit import tx
from views.verification import RULES_NOT_MET


def of_state(state: dict) -> tuple[str, list[str]]:
    """The identifiant and the names a password must not contain, as the journey keeps them."""
    return state["identifier"], [state["last_name"], state["first_name"]]


@dataclass(frozen=True)
class PasswordStep:
    """A new password with the rules of §2.4, shown met or not as the parent types (htmx posts
    the field to the rules' route; the submit checks them again). Each journey declares the
    step's three routes in its own module, views that call `page`, `submit` and `rules`.

    `personal(state)` gives the identifiant and the names the password must not contain (from
    the state alone); `after_password(state, password)` answers once the password meets every
    rule and is confirmed; with `hashed`, it is given the password's argon2 hash instead, made
    before the request's transaction."""

    journey: Journey
    personal: Callable[[dict], tuple[str | None, list[str]]]
    after_password: Callable[[dict, str], object]
    submit_label: str
    intro: Callable[[dict], str | None] = lambda state: None
    hashed: bool = False

    def rule_states(self, state: dict, password: str) -> list[tuple[str, str, bool]]:
        return passwords.rule_states(password, *self.personal(state))

    def page(self, state: dict, status: int = 200, form: PasswordForm | None = None, **context):
        """The step's page; also for a failure found after the check."""
        form = form or PasswordForm(formdata=None)
        typed = form.mot_de_passe.data or ""
        return self.journey.page(
            "mot_de_passe",
            status,
            form=form,
            rules=self.rule_states(state, typed),
            checked=bool(typed),
            submit_label=self.submit_label,
            intro=self.intro(state),
            **context,
        )

    def rules(self):
        """The rules, met or not, as the parent types (htmx only). Not `at_step`: a journey
        moved on answers nothing here (below)."""
        state, elsewhere = self.journey.guard("mot_de_passe")
        if elsewhere:
            # Typed while the step was being sent: the journey has moved on, and the answer
            # of the step (already shown) must not be replaced by another page.
            return ("", 204) if wants_fragment() else elsewhere
        if not wants_fragment():
            # Only the rules block can be drawn here: a whole page needs the step's form.
            return redirect(self.journey.url("mot_de_passe"), code=303)
        typed = request.form.get("mot_de_passe", "")
        return render_page(
            "journeys/mot_de_passe.html",
            "password_rules",
            title=self.journey.page_title("mot_de_passe"),
            rules=self.rule_states(state, typed),
            checked=bool(typed),
            field_id="mot_de_passe",
            errors=[],
        )

    def acceptable(self, state: dict | None, form: PasswordForm) -> bool:
        return (
            state is not None
            and state["step"] == "mot_de_passe"
            and all(met for _, _, met in self.rule_states(state, form.mot_de_passe.data))
            and form.confirmation.data == form.mot_de_passe.data
        )

    def hash_ahead(self, form: PasswordForm) -> str | None:
        """The password's hash, made before the journey's lock is taken when a look at the
        journey shows it will be accepted: argon2 takes a fifth of a second or more, and on
        TinyDB that lock is the file's (every other request would wait)."""
        journey_id = session.get(self.journey.blueprint)
        state = journeys.load(tx(), journey_id, kind=self.journey.kind, now=now(), peek=True)
        if not self.acceptable(state, form):
            return None
        return passwords.hash_password(form.mot_de_passe.data)

    def submit(self):
        """The password sent; the step's guard runs after the hash made ahead (`check`)."""
        form = PasswordForm()
        valid = form.validate_on_submit()
        early_hash = self.hash_ahead(form) if self.hashed and valid else None
        return self.journey.at_step("mot_de_passe")(self.check)(form, valid, early_hash)

    def check(self, state: dict, form: PasswordForm, valid: bool, early_hash: str | None):
        if not valid:
            return self.page(state, 422, form)
        if not all(met for _, _, met in self.rule_states(state, form.mot_de_passe.data)):
            form.mot_de_passe.errors.append(RULES_NOT_MET)
            return self.page(state, 422, form)
        if form.confirmation.data != form.mot_de_passe.data:
            form.confirmation.errors.append(passwords.MISMATCH)
            return self.page(state, 422, form)
        if self.hashed:
            password_hash = early_hash or passwords.hash_password(form.mot_de_passe.data)
            return self.after_password(state, password_hash)
        return self.after_password(state, form.mot_de_passe.data)
