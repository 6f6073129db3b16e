"""The page a mailed link opens (an account's activation, a new address's confirmation, a
forgotten password): a genuine link shows one button that posts — opening a link changes
nothing, since mail filters open every link — and any other gets a page saying what is wrong
with it.

Each link's GET and POST are views under `@LINKS.follow(step)`: the token is read, the `step`
(a check on GET, the link's use on POST) is run on its content, and the view is called only
when both went well; otherwise the answer is the page of the refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from rules.signed_links import LinkExpired, LinkInvalid
from views.rendering import render_page


class LinkRefused(Exception):
    """A genuine link refused all the same (another account's, in this browser): `why` is the
    key of its page."""

    def __init__(self, why):
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class LinkPages:
    template: str
    # Why a link is refused → (status, heading, text); the text may name `text_values`.
    refusals: dict
    # The token's content; raises LinkExpired, LinkInvalid or LinkRefused.
    read_token: Callable[[str], tuple]
    # Why a step's answer refuses the link (a key of `refusals`), None when it does not.
    refusal_of: Callable[[object], object]
    text_values: Callable[[], dict] = field(default=dict)  # e.g. the link's lifetime
    context: Callable[[], dict] = field(default=dict)  # given to every page

    def page(
        self,
        status: int,
        heading: str,
        text: str | None = None,
        token: str | None = None,
        **context,
    ):
        """The page a link opens: its button when given the `token`, else `text` saying why not."""
        return render_page(
            self.template,
            "main",
            title=heading,
            status=status,
            components=("form",),
            heading=heading,
            text=text,
            token=token,
            **self.context(),
            **context,
        )

    def refused(self, why):
        status, heading, text = self.refusals[why]
        return self.page(status, heading, text.format(**self.text_values()))

    def follow(self, step: Callable[[tuple], object]):
        """The decorator of a link's view, called as `view(token, content, answer)` with the
        content of a genuine link and `step`'s answer to it, when that answer refuses nothing."""

        def decorate(view):
            @wraps(view)
            def followed(token: str):
                try:
                    content = self.read_token(token)
                except LinkExpired:
                    return self.refused("expired")
                except LinkInvalid:
                    return self.refused("invalid")
                except LinkRefused as refusal:
                    return self.refused(refusal.why)
                answer = step(content)
                why = self.refusal_of(answer)
                if why is not None:
                    return self.refused(why)
                return view(token, content, answer)

            return followed

        return decorate
