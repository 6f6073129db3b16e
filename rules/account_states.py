"""The states of a parent's ÉduConnect account (journeys §0, §4, §5).

The values stay the French words: the back office shows them as they are (its badges, its
filter, its statistics' columns), filters by them in its links (`?etat=actif`), and every
responsable record keeps its account's state as its list key "etat_compte"
(rules/family_list.py), read by an index. English values would only need a label beside each,
and every stored record and link rewritten, for the same words on the page.
"""

from __future__ import annotations

from enum import StrEnum


class AccountState(StrEnum):
    ACTIVE = "actif"
    NOTIFIED = "notifié"  # a school sent its identifiant and temporary password (§4)
    NOT_ACTIVATED = "non activé"  # never activated; also listed for a responsable with no account
    BLOCKED = "bloqué"  # by the school: nothing signs in until it is unblocked
    CLOSED = "fermé"  # merged into another account (records/merge.py): holds no responsable


# What the back office lists and filters by: a closed account holds no responsable.
LISTED = (
    AccountState.ACTIVE,
    AccountState.NOTIFIED,
    AccountState.NOT_ACTIVATED,
    AccountState.BLOCKED,
)
