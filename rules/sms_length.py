"""How many SMS a text costs (3GPP TS 23.038): a text made only of the GSM 7-bit alphabet
travels in 160 characters, or 153 per part once split; any other character (a « », a ê, a
typographic apostrophe) turns the whole text into UCS-2, 70 characters, or 67 per part. The
characters of the GSM extension table (€, [, ], {, }, ~, ^, |, \\) take two places.

French is mostly GSM: é, è, à, ù, É and Ç are in the alphabet; â, ê, î, ô, û, ë, ï and ç are not.
"""

from __future__ import annotations

from typing import NamedTuple

# The texts the service sends: at most this many parts, so each arrives as one message.
MAX_SEGMENTS = 2

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("\f^{}\\[~]|€")

GSM_SINGLE, GSM_PART = 160, 153  # septets
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units


class SmsLength(NamedTuple):
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets, or UTF-16 code units
    segments: int


def is_gsm(text: str) -> bool:
    return all(char in GSM_BASIC or char in GSM_EXTENSION for char in text)


def sms_length(text: str) -> SmsLength:
    if is_gsm(text):
        sizes = [2 if char in GSM_EXTENSION else 1 for char in text]
        return SmsLength("GSM-7", sum(sizes), _segments(sizes, GSM_SINGLE, GSM_PART))
    sizes = [len(char.encode("utf-16-le")) // 2 for char in text]
    return SmsLength("UCS-2", sum(sizes), _segments(sizes, UCS2_SINGLE, UCS2_PART))


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    return sms_length(text).segments <= max_segments


def _segments(sizes: list[int], single: int, part: int) -> int:
    """Parts of `part` units, filled in order: a character is never cut between two parts (an
    escaped GSM character, a UTF-16 surrogate pair)."""
    if sum(sizes) <= single:
        return 1
    count, used = 1, 0
    for size in sizes:
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return count
