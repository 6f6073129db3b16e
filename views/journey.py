"""What every multi-step journey shares: its state kept server-side under a random id held in
the session, one URL per step, and the rule that a request for any step other than the
journey's current one goes back to it, so no step can be skipped or replayed.

A journey a signed-in parent runs (`owned`, the scholarship request) is also kept under the
account: after a session ends (30 idle minutes, a new device), signing in again and opening the
journey resumes it at the step reached, with what was saved, for the rest of its lifetime. An
activation (the first login of a school's letter) is started under its account too (`owner`),
and resumed (`resume`) when its parent signs in with the password its first step chose."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps

from flask import current_app, redirect, request, session, url_for

from records import journeys
from records.sessions import ACCOUNT_KEY
from views.rendering import leave_to, render_page, wants_fragment
from views.session_timeout import signed_in_only
from views.unit import tx

COMPONENTS = ("form", "stepper", "password")


def now():
    return current_app.extensions["clock"].now()


def sign_in_first():
    """A step of an `owned` journey asked for with nobody signed in: the login page. A step
    sent after the session ended comes back to it once signed in again (the journey is the
    account's); what this form held is not kept."""
    if request.method == "POST":
        return leave_to(url_for("login.show", next=request.path))
    return redirect(url_for("login.show"), code=303)


@dataclass
class Journey:
    blueprint: str  # also the session key holding the journey's id
    kind: journeys.Kind
    heading: str  # the <h1> of every step
    titles: dict[str, str]  # step → title, in order
    # Where a request goes when there is no journey: its first step, or another page when the
    # journey can only begin elsewhere (FranceConnect's first connection starts at its callback).
    without_journey: str | None = None
    views: dict[str, Callable] = field(default_factory=dict)  # step → its page (`at_step`)
    folder: str = "journeys"  # where the steps' templates are, one per step
    # Steps drawn by the templates the activations share (templates/journeys/), when `folder`
    # is another (« Mot de passe oublié ? »'s code and new password).
    shared_steps: tuple[str, ...] = ()
    components: tuple[str, ...] = COMPONENTS
    # Pages that are not steps of their own but another way through a step, shown under that
    # step's number and title (the manual entry of the tax situation in the scholarship request).
    detours: dict[str, str] = field(default_factory=dict)
    # A detour's own title, under its step's number (each page has a title of its own).
    detour_titles: dict[str, str] = field(default_factory=dict)
    lifetime: timedelta = journeys.JOURNEY_LIFETIME  # from its start
    # Run by a signed-in parent, and found again by the account in a later session.
    owned: bool = False

    @property
    def steps(self) -> list[str]:
        return list(self.titles)

    def url(self, step: str) -> str:
        return url_for(f"{self.blueprint}.{step}")

    # State ---------------------------------------------------------------------------------

    def start(self, state: dict, owner: int | None = None) -> None:
        """A new journey from `state`, held by this session; kept under the account `owner`
        (by default the signed-in one, for an `owned` journey) to be found again later."""
        owner = owner if owner is not None else self._owner()
        session[self.blueprint] = journeys.start(
            tx(), self.kind, state, now(), self.lifetime, account_id=owner
        )

    def resume(self, journey_id: str) -> str:
        """This session takes over the journey `journey_id` (one a session that ended held);
        the URL of the step it stands at (its first step if it has ended meanwhile)."""
        session[self.blueprint] = journey_id
        state = self.load()
        return self.url(state["step"] if state else self.steps[0])

    def load(self) -> dict | None:
        state = journeys.load(tx(), session.get(self.blueprint), kind=self.kind, now=now())
        owner = self._owner()
        if state is None and owner is not None:
            # A new session (signed in again): the account's journey in progress, if any.
            found = journeys.for_account(tx(), owner, self.kind, now())
            state = journeys.load(tx(), found, kind=self.kind, now=now())
            if state is not None:
                session[self.blueprint] = found
        return state

    def _owner(self) -> int | None:
        """The signed-in account a journey of this kind belongs to; None if not `owned`."""
        return session.get(ACCOUNT_KEY) if self.owned else None

    def save(self, state: dict) -> None:
        journeys.save(tx(), session[self.blueprint], state)

    def finish(self) -> None:
        journeys.finish(tx(), session.pop(self.blueprint))

    def journey_id(self) -> str:
        return session[self.blueprint]

    # Navigation ----------------------------------------------------------------------------

    def guard(self, step: str):
        """(state, None) when the journey stands at `step`, else (None, a redirect to where it
        stands; the first step when there is no journey)."""
        state = self.load()
        if state is None and self.without_journey:
            return None, redirect(url_for(self.without_journey), code=303)
        current = state["step"] if state else self.steps[0]
        if current != step:
            return None, redirect(self.url(current), code=303)
        return state, None

    def at_step(self, step: str, guard: Callable[[dict], object] | None = None):
        """The one way a step's view is declared: it runs, given the journey's state (then the
        route's arguments), only when the journey stands at `step` and the journey's own
        `guard(state)` lets it through (else that answer); an `owned` journey's, only for a
        signed-in parent. The view named after its step is the step's page, the one `go_to`
        draws; its title is the journey's `titles[step]`."""

        def decorate(view):
            @wraps(view)
            def guarded(*args, **kwargs):
                if self.owned and self._owner() is None:
                    return sign_in_first()
                state, elsewhere = self.guard(step)
                elsewhere = elsewhere or (guard(state) if guard else None)
                return elsewhere or view(state, *args, **kwargs)

            if view.__name__ == step:
                self.views[step] = guarded
            return signed_in_only(guarded) if self.owned else guarded

        return decorate

    def go_to(self, step: str):
        """After a step succeeds: the next page, as a fragment for htmx (with its address
        pushed into the history) or as a redirect after the POST for a plain form."""
        if not wants_fragment():
            return redirect(self.url(step), code=303)
        response = self.views[step]()
        response.headers["HX-Push-Url"] = self.url(step)
        return response

    def advance(self, state: dict, step: str):
        """A step done: the journey saved standing at `step`, and that step's page."""
        state["step"] = step
        self.save(state)
        return self.go_to(step)

    def go_back(self, state: dict, step: str):
        """« Précédent », « Modifier »: back to a step before the one the journey stands at (or
        from a detour to its step); any other step leaves the journey where it stands."""
        here = self.detours.get(state["step"], state["step"])
        earlier = self.steps[: self.steps.index(here)]
        if step in earlier or (step == here and state["step"] != here):
            state["step"] = step
            self.save(state)
        return self.go_to(state["step"])

    def title_of(self, step: str) -> str:
        return self.detour_titles.get(step) or self.titles[self.detours.get(step, step)]

    def number_of(self, step: str) -> int:
        """The step's number in the stepper (a detour's is its step's)."""
        return self.steps.index(self.detours.get(step, step)) + 1

    def page_title(self, step: str) -> str:
        return f"Étape {self.number_of(step)} sur {len(self.steps)} — {self.title_of(step)}"

    def page(self, step: str, status: int = 200, **context):
        shown = self.detours.get(step, step)
        number = self.number_of(step)
        following = self.steps[number] if number < len(self.steps) else None
        form = context.get("form")
        field_errors = bool(context.get("errors")) or bool(form and form.errors)
        folder = "journeys" if step in self.shared_steps else self.folder
        return render_page(
            f"{folder}/{step}.html",
            "parcours",
            title=self.page_title(step),
            status=status,
            components=self.components,
            blueprint=self.blueprint,
            heading=self.heading,
            step_number=number,
            step_count=len(self.steps),
            step_title=self.titles[shown],
            next_title=self.titles.get(following),
            # The focus goes to the first wrong field, or else to the step's heading.
            heading_focus=not field_errors,
            **context,
        )
