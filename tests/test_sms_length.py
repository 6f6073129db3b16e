"""What an SMS costs (rules/sms_length.py), counted as operators count it (3GPP TS 23.038)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.sms_length import fits, is_gsm, sms_length


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        # The accents French needs most are in the GSM alphabet.
        ("é" * 160, "GSM-7", 160, 1),
        ("à è ù É Ç", "GSM-7", 9, 1),
        # The extension table: two places each.
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        # An escaped character is never cut between two parts: 152 + 2 does not fit in 153.
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
        # One character outside the alphabet makes the whole text UCS-2.
        ("a" * 69 + "ê", "UCS-2", 70, 1),
        ("a" * 70 + "ç", "UCS-2", 71, 2),
        ("« a »", "UCS-2", 5, 1),
        ("’" * 134, "UCS-2", 134, 2),
        ("’" * 135, "UCS-2", 135, 3),
        # A character beyond the BMP takes two UTF-16 units, never split.
        ("a" * 66 + "😀" + "a" * 66, "UCS-2", 134, 3),
    ],
)
def test_lengths_and_segments(text, encoding, units, segments):
    assert sms_length(text) == (encoding, units, segments)


def test_fits_in_two_segments_by_default():
    assert fits("a" * 306) and not fits("a" * 307)
    assert fits("ê" * 134) and not fits("ê" * 135)
    assert fits("a" * 160, max_segments=1) and not fits("a" * 161, max_segments=1)


def test_french_letters_outside_the_gsm_alphabet():
    assert [letter for letter in "âêîôûëïçœ" if is_gsm(letter)] == []


@given(st.text(max_size=400))
def test_a_longer_text_never_costs_fewer_segments(text):
    assert sms_length(text + "a").segments >= sms_length(text).segments
