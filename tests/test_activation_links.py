"""The activation link (journeys §4): signed, valid 48 hours; single use rests on the nonce the
caller keeps on the account."""

from datetime import datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from rules import activation_links, signed_links
from rules.activation_links import (
    MAX_AGE,
    LinkExpired,
    LinkInvalid,
    make_token,
    new_nonce,
    read_token,
)
from rules.clock import PARIS

KEY = "une-clé-de-test-assez-longue-pour-signer-0123456789"
SENT = datetime(2026, 9, 14, 10, 0, tzinfo=PARIS)
EMAIL = "sophie.lefevre-dalmeida@example.org"


def test_a_link_gives_back_the_account_the_address_and_the_nonce():
    nonce = new_nonce()
    token = make_token(KEY, 7, EMAIL, nonce, now=SENT)
    assert read_token(KEY, token, now=SENT + timedelta(minutes=5)) == (7, EMAIL, nonce)


def test_a_link_fits_in_a_url():
    token = make_token(KEY, 7, EMAIL, new_nonce(), now=SENT)
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert set(token) <= allowed


def test_it_works_for_48_hours_then_says_it_expired():
    assert timedelta(hours=48) == MAX_AGE
    token = make_token(KEY, 7, EMAIL, "n", now=SENT)
    assert read_token(KEY, token, now=SENT + timedelta(hours=48)) == (7, EMAIL, "n")
    with pytest.raises(LinkExpired):
        read_token(KEY, token, now=SENT + timedelta(hours=48, seconds=1))


def test_the_age_is_a_parameter():
    token = make_token(KEY, 7, EMAIL, "n", now=SENT)
    with pytest.raises(LinkExpired):
        read_token(KEY, token, max_age=timedelta(hours=1), now=SENT + timedelta(hours=2))


def test_without_a_clock_the_real_time_is_read():
    token = make_token(KEY, 7, EMAIL, "n")
    assert read_token(KEY, token) == (7, EMAIL, "n")
    with pytest.raises(LinkExpired):
        read_token(KEY, token, now=datetime.now(PARIS) + timedelta(days=3))


def changed(token: str, position: int) -> str:
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1 :]


@pytest.mark.parametrize("position", [0, 10, -20, -1])
def test_a_changed_link_is_invalid(position):
    token = make_token(KEY, 7, EMAIL, "n", now=SENT)
    with pytest.raises(LinkInvalid):
        read_token(KEY, changed(token, position), now=SENT)


def test_another_account_cannot_be_put_in_a_link():
    # A token is payload.timestamp.signature: account 8's payload under account 7's signature.
    token = make_token(KEY, 7, EMAIL, "n", now=SENT)
    other = make_token(KEY, 8, EMAIL, "n", now=SENT)
    forged = ".".join([other.split(".")[0], *token.split(".")[1:]])
    assert forged not in (token, other)
    with pytest.raises(LinkInvalid):
        read_token(KEY, forged, now=SENT)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "x" * 500, "é"])
def test_anything_else_is_invalid(token):
    with pytest.raises(LinkInvalid):
        read_token(KEY, token, now=SENT)


def test_a_link_signed_with_another_key_is_invalid():
    token = make_token("une-autre-clé-tout-aussi-longue-0123456789", 7, EMAIL, "n", now=SENT)
    with pytest.raises(LinkInvalid):
        read_token(KEY, token, now=SENT)


def test_a_tampered_expired_link_is_invalid_not_expired():
    token = make_token(KEY, 7, EMAIL, "n", now=SENT)
    with pytest.raises(LinkInvalid):
        read_token(KEY, changed(token, 5), now=SENT + timedelta(days=30))


def test_other_signed_data_of_this_key_is_not_a_link():
    # Another use of the application's key (a different salt) never makes an activation link.
    elsewhere = URLSafeTimedSerializer(KEY, salt="autre-usage").dumps([7, EMAIL, "n"])
    with pytest.raises(LinkInvalid):
        read_token(KEY, elsewhere)


@pytest.mark.parametrize("payload", [[7, EMAIL], ["7", EMAIL, "n"], [True, EMAIL, "n"], {"a": 7}])
def test_a_signed_payload_not_made_here_is_invalid(payload):
    token = signed_links.sign(KEY, activation_links.PURPOSE, payload, SENT)
    with pytest.raises(LinkInvalid):
        read_token(KEY, token, now=SENT)


def test_nonces_are_random_and_url_safe():
    nonces = {new_nonce() for _ in range(1000)}
    assert len(nonces) == 1000
    assert all(len(nonce) >= 20 and "/" not in nonce and "+" not in nonce for nonce in nonces)
