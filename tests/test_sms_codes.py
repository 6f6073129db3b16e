"""One-time SMS codes (journeys §2.2): 6 digits, 10 minutes, single use, 3 wrong tries, hashed;
a new code after 60 s, 3 per journey."""

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta

import pytest

from rules import sms_codes
from rules.clock import PARIS
from rules.sms_codes import (
    NEW_NUMBER,
    CodeCheck,
    Resend,
    ResendStatus,
    can_resend,
    check,
    check_message,
    daily_limit_reached,
    issue,
    new_code,
    resend_message,
    sms_text,
    tries_left,
)

SENT = datetime(2026, 9, 14, 18, 30, tzinfo=PARIS)
SECRET = "clé secrète du service"


def later(**delta) -> datetime:
    return SENT + timedelta(**delta)


def test_limits_are_those_of_the_journey():
    assert timedelta(minutes=10) == sms_codes.CODE_LIFETIME
    assert timedelta(seconds=60) == sms_codes.RESEND_DELAY
    assert sms_codes.MAX_WRONG_TRIES == 3
    assert sms_codes.MAX_CODES_PER_JOURNEY == 3
    assert sms_codes.MAX_SMS_PER_NUMBER_PER_DAY == 5


def test_a_new_code_is_six_random_digits():
    codes = {new_code() for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 190


def test_a_small_random_number_keeps_its_leading_zeros(monkeypatch):
    monkeypatch.setattr(sms_codes.secrets, "randbelow", lambda limit: 42)
    assert new_code() == "000042"


def test_the_record_keeps_a_keyed_digest_never_the_code():
    record = issue("123456", SENT, SECRET)
    assert set(record) == {"hmac", "nonce", "sent_at", "wrong_tries", "used"}
    assert record["sent_at"] == "2026-09-14T18:30:00+02:00"
    assert record["wrong_tries"] == 0 and record["used"] is False
    assert "123456" not in json.dumps(record)
    again = issue("123456", SENT, SECRET)
    assert again["nonce"] != record["nonce"] and again["hmac"] != record["hmac"]


def test_the_digest_is_an_hmac_sha256_of_a_key_derived_from_the_secret():
    """What a thief of the database alone cannot recompute: the key is not in it."""
    record = issue("123456", SENT, SECRET)
    key = hmac.new(SECRET.encode(), b"sms-code", hashlib.sha256).digest()
    message = bytes.fromhex(record["nonce"]) + b"123456"
    assert record["hmac"] == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_another_secret_does_not_accept_the_code_and_counts_a_try():
    record = issue("123456", SENT, SECRET)
    assert check(record, "123456", later(minutes=1), ["une autre clé"]) is CodeCheck.WRONG
    assert record["wrong_tries"] == 1


def test_a_code_sent_before_the_secret_key_changed_still_works():
    """SECRET_KEY_FALLBACKS: the key being retired still checks the codes it made."""
    record = issue("123456", SENT, "ancienne clé")
    assert check(record, "123456", later(minutes=1), ["ancienne clé", SECRET]) is CodeCheck.OK


def test_a_code_hashed_with_scrypt_before_the_deploy_is_expired_and_spends_no_try():
    """Codes sent in the ten minutes before the switch to HMAC: the parent asks a new one."""
    before = {
        "hash": "ab" * 32,
        "salt": "cd" * 16,
        "sent_at": SENT.isoformat(),
        "wrong_tries": 0,
        "used": False,
    }
    assert check(before, "123456", later(minutes=1), [SECRET]) is CodeCheck.EXPIRED
    assert before["wrong_tries"] == 0 and before["used"] is False
    assert can_resend(before, 1, later(minutes=1)).allowed


def test_hashing_and_checking_a_code_take_microseconds_not_scrypt_s_milliseconds():
    started = time.perf_counter()
    for _ in range(200):
        check(issue("123456", SENT, SECRET), "123456", later(minutes=1), [SECRET])
    assert (time.perf_counter() - started) / 200 < 0.002


def test_the_right_code_is_accepted_once():
    record = issue("123456", SENT, SECRET)
    assert check(record, "123456", later(minutes=1), [SECRET]) is CodeCheck.OK
    assert record["used"] is True
    assert check(record, "123456", later(minutes=2), [SECRET]) is CodeCheck.USED


def test_the_record_survives_being_saved_as_json():
    record = json.loads(json.dumps(issue("123456", SENT, SECRET)))
    assert check(record, "123456", later(minutes=1), [SECRET]) is CodeCheck.OK


def test_a_code_is_valid_for_ten_minutes():
    assert (
        check(issue("123456", SENT, SECRET), "123456", later(minutes=9, seconds=59), [SECRET])
        is CodeCheck.OK
    )
    assert (
        check(issue("123456", SENT, SECRET), "123456", later(minutes=10), [SECRET]) is CodeCheck.OK
    )
    expired = issue("123456", SENT, SECRET)
    assert check(expired, "123456", later(minutes=10, seconds=1), [SECRET]) is CodeCheck.EXPIRED
    assert check(expired, "123456", later(minutes=10, seconds=1), [SECRET]) is CodeCheck.EXPIRED
    assert expired["used"] is False


def test_the_lifetime_is_a_parameter():
    record = issue("123456", SENT, SECRET)
    assert check(record, "123456", later(minutes=3), [SECRET], lifetime=timedelta(minutes=2)) is (
        CodeCheck.EXPIRED
    )


def test_a_wrong_try_on_an_expired_code_says_expired_and_costs_nothing():
    record = issue("123456", SENT, SECRET)
    assert check(record, "654321", later(minutes=11), [SECRET]) is CodeCheck.EXPIRED
    assert record["wrong_tries"] == 0


def test_two_wrong_tries_then_the_right_code():
    record = issue("123456", SENT, SECRET)
    assert check(record, "111111", later(minutes=1), [SECRET]) is CodeCheck.WRONG
    assert tries_left(record) == 2
    assert check(record, "222222", later(minutes=1), [SECRET]) is CodeCheck.WRONG
    assert tries_left(record) == 1
    assert check(record, "123456", later(minutes=1), [SECRET]) is CodeCheck.OK


def test_the_third_wrong_try_kills_the_code():
    record = issue("123456", SENT, SECRET)
    assert check(record, "111111", later(minutes=1), [SECRET]) is CodeCheck.WRONG
    assert check(record, "222222", later(minutes=1), [SECRET]) is CodeCheck.WRONG
    assert check(record, "333333", later(minutes=1), [SECRET]) is CodeCheck.EXHAUSTED
    assert record["wrong_tries"] == 3 and tries_left(record) == 0
    assert check(record, "123456", later(minutes=1), [SECRET]) is CodeCheck.EXHAUSTED
    assert record["used"] is False


def test_the_number_of_tries_is_a_parameter():
    record = issue("123456", SENT, SECRET)
    assert (
        check(record, "111111", later(seconds=5), [SECRET], max_wrong_tries=1)
        is CodeCheck.EXHAUSTED
    )


@pytest.mark.parametrize("typed", ["123 456", " 123456 ", "12 34 56", "123\u00a0456", "\t123456"])
def test_spaces_typed_or_pasted_are_ignored(typed):
    assert check(issue("123456", SENT, SECRET), typed, later(minutes=1), [SECRET]) is CodeCheck.OK


@pytest.mark.parametrize(
    "typed", ["", "12345", "1234567", "abcdef", "12345a", "12-456", "１２３４５６", "12345²", None]
)
def test_anything_but_six_digits_is_malformed_and_spends_no_try(typed):
    record = issue("123456", SENT, SECRET)
    assert check(record, typed, later(minutes=1), [SECRET]) is CodeCheck.MALFORMED
    assert record["wrong_tries"] == 0
    assert check(record, "123456", later(minutes=1), [SECRET]) is CodeCheck.OK


def test_times_without_a_time_zone_are_refused():
    with pytest.raises(ValueError):
        issue("123456", datetime(2026, 9, 14, 18, 30), SECRET)
    with pytest.raises(ValueError):
        check(issue("123456", SENT, SECRET), "123456", datetime(2026, 9, 14, 18, 31), [SECRET])
    with pytest.raises(ValueError):
        can_resend(None, 0, datetime(2026, 9, 14, 18, 31))


def test_messages_are_in_french():
    assert check_message(CodeCheck.WRONG, 2) == (
        "Le code saisi est incorrect. Il vous reste 2 essais."
    )
    assert (
        check_message(CodeCheck.WRONG, 1) == "Le code saisi est incorrect. Il vous reste 1 essai."
    )
    assert check_message(CodeCheck.EXPIRED) == "Ce code a expiré. Demandez un nouveau code."
    assert check_message(CodeCheck.EXHAUSTED) == (
        "Trop d'essais : ce code n'est plus valable. Demandez un nouveau code."
    )
    assert check_message(CodeCheck.MALFORMED) == "Le code doit comporter 6 chiffres."
    assert check_message(CodeCheck.USED) == (
        "Ce code a déjà été utilisé. Demandez un nouveau code."
    )
    with pytest.raises(ValueError):
        check_message(CodeCheck.OK)


def test_the_sms_text():
    assert sms_text("123456") == (
        "ÉduConnect : votre code d'activation est 123456. Il est valable 10 minutes. "
        "Ne le communiquez à personne."
    )
    assert sms_text("123456", NEW_NUMBER).startswith(
        "ÉduConnect : le code qui confirme votre nouveau numéro est 123456."
    )


def test_the_first_code_can_be_sent_at_once():
    assert can_resend(None, 0, SENT) == Resend(ResendStatus.OK)
    assert can_resend(None, 0, SENT).allowed


def test_a_new_code_after_sixty_seconds():
    record = issue("123456", SENT, SECRET)
    assert can_resend(record, 1, later(seconds=59)) == Resend(ResendStatus.WAIT, 1)
    assert can_resend(record, 1, later(seconds=20)) == Resend(ResendStatus.WAIT, 40)
    assert can_resend(record, 1, later(seconds=59, milliseconds=500)).seconds_left == 1
    assert not can_resend(record, 1, later(seconds=59)).allowed
    assert can_resend(record, 1, later(seconds=60)) == Resend(ResendStatus.OK)


def test_three_codes_per_journey_at_most():
    record = issue("123456", SENT, SECRET)
    assert can_resend(record, 2, later(minutes=5)).allowed
    assert can_resend(record, 3, later(minutes=5)) == Resend(ResendStatus.TOO_MANY)
    assert can_resend(record, 3, later(seconds=1)) == Resend(ResendStatus.TOO_MANY)


def test_resend_limits_are_parameters():
    record = issue("123456", SENT, SECRET)
    assert can_resend(record, 1, later(seconds=90), resend_delay=timedelta(minutes=2)) == (
        Resend(ResendStatus.WAIT, 30)
    )
    assert can_resend(record, 3, later(minutes=5), max_codes=4).allowed


def test_resend_messages():
    assert resend_message(Resend(ResendStatus.WAIT, 40)) == (
        "Vous pourrez demander un nouveau code dans 40 secondes."
    )
    assert resend_message(Resend(ResendStatus.WAIT, 1)) == (
        "Vous pourrez demander un nouveau code dans 1 seconde."
    )
    assert "nombre maximal de codes" in resend_message(Resend(ResendStatus.TOO_MANY))
    with pytest.raises(ValueError):
        resend_message(Resend(ResendStatus.OK))


def test_five_sms_per_number_per_day():
    assert not daily_limit_reached(4)
    assert daily_limit_reached(5)
    assert not daily_limit_reached(5, max_per_day=6)
