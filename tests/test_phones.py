import pytest

from rules.phones import (
    FOREIGN,
    INVALID,
    LANDLINE,
    NOT_A_NUMBER,
    PhoneError,
    mask_mobile,
    parse_mobile,
    region_for_uai,
)


@pytest.mark.parametrize(
    ("uai", "region"),
    [
        ("0971234X", "GP"),
        ("0972001A", "MQ"),
        ("0973123Z", "GF"),
        ("0974001B", "RE"),
        ("0976001C", "YT"),
        ("0691234A", "FR"),
        ("7500001D", "FR"),
        ("0975001E", "FR"),  # Saint-Pierre-et-Miquelon has no rule of its own in §0
    ],
)
def test_region_for_uai(uai, region):
    assert region_for_uai(uai) == region


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("0612345678", "FR", "+33612345678"),
        ("06.12.34.56.78", "FR", "+33612345678"),
        ("07 81 45 22 90", "FR", "+33781452290"),
        ("+33 6 12 34 56 78", "FR", "+33612345678"),
        ("0033 6 12 34 56 78", "FR", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "FR", "+33612345678"),
        ("0694 20 12 34", "GF", "+594694201234"),
        ("0690 00 12 34", "GP", "+590690001234"),
        ("0696 20 12 34", "MQ", "+596696201234"),
        ("0692 12 34 56", "RE", "+262692123456"),
        ("0639 01 23 45", "YT", "+262639012345"),
        ("+594 694 20 12 34", "FR", "+594694201234"),
        ("00594 694 20 12 34", "FR", "+594694201234"),
        ("+262 639 01 23 45", "FR", "+262639012345"),
    ],
)
def test_french_mobiles_are_normalised_to_e164(typed, region, e164):
    assert parse_mobile(typed, region) == e164


def test_metropolitan_mobile_at_an_overseas_school_falls_back_to_france():
    # Read as Guyane first, "06 45…" is no number; as a metropolitan one it is a mobile.
    assert parse_mobile("06 45 12 78 33", "GF") == "+33645127833"


def test_overseas_national_form_needs_the_overseas_region():
    # Read as metropolitan only, 0694… is not a valid number: the school's region matters.
    with pytest.raises(PhoneError) as error:
        parse_mobile("0694 20 12 34", "FR")
    assert error.value.kind == "invalid"
    assert parse_mobile("0694 20 12 34", "GF") == "+594694201234"


def test_default_region_is_metropolitan():
    assert parse_mobile("06 12 34 56 78") == "+33612345678"


@pytest.mark.parametrize(
    ("typed", "region"),
    [("01 23 45 67 89", "FR"), ("04 78 12 34 56", "FR"), ("0594 30 12 34", "GF")],
)
def test_landline_is_refused_with_its_own_message(typed, region):
    with pytest.raises(PhoneError) as error:
        parse_mobile(typed, region)
    assert error.value.kind == "landline"
    assert str(error.value) == LANDLINE
    assert error.value.message == (
        "C'est un numéro de téléphone fixe : indiquez un numéro de portable."
    )


@pytest.mark.parametrize("typed", ["+44 7911 123456", "+32 470 12 34 56", "0044 7911 123456"])
def test_foreign_mobile_is_refused(typed):
    with pytest.raises(PhoneError) as error:
        parse_mobile(typed, "FR")
    assert error.value.kind == "foreign"
    assert error.value.message == FOREIGN
    assert "français" in error.value.message


@pytest.mark.parametrize("typed", ["06 12", "06 12 34 56 78 90", "07 00 00 00 00", "+33 6"])
def test_wrong_length_or_unallocated_number_is_invalid(typed):
    with pytest.raises(PhoneError) as error:
        parse_mobile(typed, "FR")
    assert error.value.kind == "invalid"
    assert error.value.message == INVALID


@pytest.mark.parametrize("typed", ["abc", "06 12 AB 56 78", "+", "06#12"])
def test_text_that_is_not_a_number(typed):
    with pytest.raises(PhoneError) as error:
        parse_mobile(typed, "FR")
    assert error.value.kind == "not_a_number"
    assert error.value.message == NOT_A_NUMBER


def test_empty_number():
    with pytest.raises(PhoneError) as error:
        parse_mobile("   ")
    assert error.value.kind == "missing"


def test_special_rate_number_is_not_a_mobile():
    with pytest.raises(PhoneError) as error:
        parse_mobile("0800 12 34 56")
    assert error.value.kind == "not_mobile"


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+33612345678", "06 •• •• •• 78"),
        ("+594694201234", "0694 •• •• 34"),
        ("+262692123456", "0692 •• •• 56"),
    ],
)
def test_mask_mobile(e164, masked):
    assert mask_mobile(e164) == masked


def test_mobile_candidates_read_a_national_number_in_every_french_region():
    from rules.phones import mobile_candidates

    assert mobile_candidates("0694 20 12 34") == ["+594694201234"]
    assert mobile_candidates("06 12 34 56 78") == ["+33612345678"]
    assert mobile_candidates("+594 694 20 12 34") == ["+594694201234"]


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("04 72 00 00 00", "landline"),
        ("0594 30 00 00", "landline"),
        ("abc", "not_a_number"),
        ("06 12", "invalid"),
        ("", "missing"),
    ],
)
def test_mobile_candidates_explain_a_refusal(typed, kind):
    from rules.phones import PhoneError, mobile_candidates

    with pytest.raises(PhoneError) as refused:
        mobile_candidates(typed)
    assert refused.value.kind == kind
