"""The SMS a family receives about its scholarship request (issue 15): what the e-mails say, short,
for the families who have a mobile and no e-mail address they read.

Each text fits in MAX_SEGMENTS parts (rules/sms_length.py) and names no one but the parent, by
first name, and the request by its number; the page behind the link says the rest. The texts are
written in the GSM alphabet (no « », no "n°", no typographic apostrophe), so only a name with a
letter outside it (ç, ê…) makes a message UCS-2: it then loses the name, and a refusal's reason
is cut, rather than the message growing.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from documents.decision import granted_amounts
from records.bourse_requests import RequestState
from rules.clock import in_paris
from rules.sms_length import fits

SENDER = "Téléservices"
CUT = "..."
# A cut reason keeps the parent's name only if at least this much of the reason fits with it.
MIN_REASON = 60


def receipt_sms(request: dict, url: str) -> str:
    """On submission, and on correction (as the receipt e-mail, documents/receipt.py)."""
    corrected = request.get("modified_at")
    return fitted(
        _parent(request),
        f"votre demande de bourse de collège {request['number']} a bien été "
        f"{'corrigée' if corrected else 'enregistrée'} le "
        f"{_moment(corrected or request['submitted_at'])}. Accusé et suivi : {url}",
    )


def withdrawal_sms(request: dict, url: str) -> str:
    return fitted(
        _parent(request),
        f"votre demande de bourse de collège {request['number']} a été retirée le "
        f"{_moment(request['modified_at'])}, à votre demande. Suivi : {url}",
    )


def decision_sms(request: dict, url: str) -> str:
    number = request["number"]
    if request["state"] == RequestState.GRANTED:
        annual, per_term = granted_amounts(request)
        return fitted(
            _parent(request),
            f"la bourse de collège est accordée (demande {number}) : échelon "
            f"{request['granted_echelon']}, {annual} € pour l'année, versés en 3 fois "
            f"{per_term} €. Détail : {url}",
        )
    if request["state"] == RequestState.REFUSED:
        return _refusal(request, url)
    raise ValueError(f"pas de décision pour une demande {request['state']}")


def _refusal(request: dict, url: str) -> str:
    """The reason whole when it fits, else cut as little as needed: with the parent's name
    while at least MIN_REASON characters of it fit beside the name, else without the name."""
    reason = " ".join(request["refusal_reason"].split()).rstrip(".")

    def text(motif: str) -> str:
        return (
            f"la bourse de collège n'est pas accordée (demande {request['number']}). "
            f"Motif : {motif} Détail : {url}"
        )

    for write, shortest in ((partial(_named, _parent(request)), MIN_REASON), (_unnamed, 0)):
        if fits(write(text(f"{reason}."))):
            return write(text(f"{reason}."))
        kept = _longest(
            lambda length, write=write: fits(write(text(_cut(reason, length)))), len(reason)
        )
        if kept >= min(shortest, len(reason)):
            return write(text(_cut(reason, kept)))
    return _unnamed(text(CUT))


def _cut(reason: str, length: int) -> str:
    return reason[:length].rstrip() + CUT


def _longest(fitting, most: int) -> int:
    """The largest length in 0..most for which `fitting(length)` holds, by bisection: a longer
    cut never fits where a shorter one does not."""
    low, high = 0, most
    while low < high:
        middle = (low + high + 1) // 2
        if fitting(middle):
            low = middle
        else:
            high = middle - 1
    return low


def fitted(first_name: str, message: str) -> str:
    """The message with the parent's first name when it fits, without it otherwise."""
    named = _named(first_name, message)
    return named if fits(named) else _unnamed(message)


def _parent(request: dict) -> str:
    """The first name of the parent who made the request."""
    return request["applicant"]["first_name"]


def _named(first_name: str, message: str) -> str:
    return f"{SENDER} : {first_name}, {message}"


def _unnamed(message: str) -> str:
    return f"{SENDER} : {message[:1].upper()}{message[1:]}"


def _moment(iso: str) -> str:
    local = in_paris(datetime.fromisoformat(iso))
    return f"{local:%d/%m/%Y} à {local.hour} h {local.minute:02d}"


def phone_changed_sms(new_e164: str, now: datetime) -> str:
    """To the OLD mobile of an account whose number was just changed (issue 12): only the last
    two digits of the new one, which a stranger holding this old number need not know."""
    return (
        f"{SENDER} : le numéro de portable de votre compte ÉduConnect a été remplacé le "
        f"{_moment(now.isoformat())} par un numéro finissant par {new_e164[-2:]}. Si ce n'est "
        "pas vous, contactez le secrétariat de l'établissement de votre enfant."
    )
