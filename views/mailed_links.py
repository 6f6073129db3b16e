"""The page a mailed link opens (an account's activation, a new address's confirmation, a
forgotten password): a genuine link shows one button that posts — opening a link changes
nothing, since mail filters open every link — and any other gets a page saying what is wrong
with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rules.signed_links import LinkExpired, LinkInvalid
from views.rendering import render_page


@dataclass(frozen=True)
class LinkPages:
    template: str
    # Why a link is refused → (status, heading, text); the text may name `text_values`.
    refusals: dict
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

    def read(self, read_token: Callable[[], tuple]) -> tuple[tuple | None, object]:
        """(the token's content, None), or (None, the page refusing an expired or a forged
        link)."""
        try:
            return read_token(), None
        except LinkExpired:
            return None, self.refused("expired")
        except LinkInvalid:
            return None, self.refused("invalid")
