"""The e-mail address a parent types at the first login (rules/emails.py)."""

import pytest

from rules import emails


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("sophie@example.org", "sophie@example.org"),
        ("  Sophie.Perso@EXAMPLE.Net ", "Sophie.Perso@example.net"),
        ("o'brien+ecole@mail.example.org", "o'brien+ecole@mail.example.org"),
        ("nadege@saint-cyr.gf", "nadege@saint-cyr.gf"),
        ("parent@élysée.fr", "parent@élysée.fr"),
        ("parent@exemple.xn--p1ai", "parent@exemple.xn--p1ai"),
    ],
)
def test_good_addresses(typed, kept):
    assert emails.normalize(typed) == kept


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (None, emails.MISSING),
        ("", emails.MISSING),
        (" \t", emails.MISSING),
        ("sophie.example.org", emails.NO_AT),
        ("sophie@", emails.INVALID),
        ("@example.org", emails.INVALID),
        ("sophie@example", emails.INVALID),
        ("sophie@example.c", emails.INVALID),
        ("sophie@example.123", emails.INVALID),
        ("sophie@@example.org", emails.INVALID),
        ("so phie@example.org", emails.INVALID),
        (".sophie@example.org", emails.INVALID),
        ("sophie.@example.org", emails.INVALID),
        ("so..phie@example.org", emails.INVALID),
        ("sophie@-example.org", emails.INVALID),
        ("sophie@example-.org", emails.INVALID),
        ("sophie@example..org", emails.INVALID),
        ("sophie@example.org.", emails.INVALID),
        ("sophie@exa_mple.org", emails.INVALID),
        ("sophié@example.org", emails.INVALID),
        ("x" * 65 + "@example.org", emails.INVALID),
        ("x@" + "a" * 64 + ".org", emails.INVALID),
        ("x" * 64 + "@" + "a" * 190 + ".org", emails.TOO_LONG),
    ],
)
def test_bad_addresses(typed, message):
    with pytest.raises(emails.EmailError) as raised:
        emails.normalize(typed)
    assert raised.value.message == message


def test_longest_address_is_accepted():
    local, label = "x" * 64, "a" * 63
    address = f"{local}@{label}.{label}.{'b' * 61}"
    assert len(address) == emails.MAX_LENGTH
    assert emails.normalize(address) == address
