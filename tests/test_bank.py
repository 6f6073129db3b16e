"""The bank details of a scholarship request (journeys §7): the IBAN checked with python-stdnum,
of a SEPA country, the optional BIC, the holder, and how the IBAN is shown and masked."""

from __future__ import annotations

import pytest
from stdnum import iban

from rules.bank import (
    SEPA,
    BankError,
    check_bic,
    check_holder,
    check_iban,
    format_iban,
    mask_iban,
)

FRENCH = "FR7630006000011234567890189"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (FRENCH, FRENCH),
        ("FR76 3000 6000 0112 3456 7890 189", FRENCH),
        (" fr76-3000.6000\u00a00112\u202f3456 7890 189 ", FRENCH),
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819"),
        ("CH93 0076 2011 6238 5295 7", "CH9300762011623852957"),
        ("ME25 5050 0001 2345 6789 51", "ME25505000012345678951"),
    ],
)
def test_a_valid_sepa_iban_is_kept_compact(typed, kept):
    assert check_iban(typed) == kept


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Indiquez l'IBAN"),
        ("   ", "Indiquez l'IBAN"),
        (None, "Indiquez l'IBAN"),
        ("FR76 3000 6000 0112 3456 7890 18é", "que des lettres et des chiffres"),
        ("FR76/3000/6000/0112/3456/7890/189", "que des lettres et des chiffres"),
        ("7630006000011234567890189", "code du pays en deux lettres"),
        ("FRAB30006000011234567890189", "code du pays en deux lettres"),
        ("ZZ7630006000011234567890189", "« ZZ » n'est pas un code de pays"),
        ("FR76 3000 6000 0112 3456 7890 18", "compte 27 caractères ; celui saisi en compte 26"),
        ("FR76 3000 6000 0112 3456 7890 1890", "celui saisi en compte 28"),
        ("FR76 3000 6000 0112 3456 7890 188", "clé de contrôle"),
        ("FR67 3000 6000 0112 3456 7890 189", "clé de contrôle"),
        # Brazil and Kosovo have IBANs, but are not in SEPA.
        ("BR18 0036 0305 0000 1000 9795 493C 1", "zone SEPA"),
        ("XK05 1212 0123 4567 8906", "« XK »"),
    ],
)
def test_a_wrong_iban_is_refused_in_french(typed, message):
    with pytest.raises(BankError) as raised:
        check_iban(typed)
    assert message in str(raised.value)


def test_non_sepa_ibans_are_otherwise_valid():
    assert iban.is_valid("BR1800360305000010009795493C1")
    assert iban.is_valid("XK051212012345678906")
    assert {"FR", "DE", "GB", "CH", "NO", "MC"} <= SEPA
    assert not {"BR", "XK", "US", "TR", "NC"} & SEPA


def test_a_wrong_national_structure_is_refused():
    # The checksum is right, but a French BBAN's bank code has digits only.
    wrong = "FR" + "00" + "A0006000011234567890189"
    wrong = wrong[:2] + iban.calc_check_digits(wrong) + wrong[4:]
    with pytest.raises(BankError) as raised:
        check_iban(wrong)
    assert "forme d'un IBAN FR" in str(raised.value)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("", ""), ("  ", ""), (None, ""), ("bnpa fr pp", "BNPAFRPP"), ("BNPAFRPPXXX", "BNPAFRPPXXX")],
)
def test_a_bic_is_optional(typed, kept):
    assert check_bic(typed) == kept


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("BNPAFRP", "8 ou 11 caractères ; celui saisi en compte 7"),
        ("BNPAFRPPXX", "celui saisi en compte 10"),
        ("BNP1FRPP", "n'est pas valide"),
        ("BNPAQQPP", "n'est pas valide"),
    ],
)
def test_a_wrong_bic_is_refused_in_french(typed, message):
    with pytest.raises(BankError) as raised:
        check_bic(typed)
    assert message in str(raised.value)


def test_the_holder_is_required_and_tidied():
    assert check_holder("  Sophie   Lefèvre-D'Almeida ") == "Sophie Lefèvre-D'Almeida"
    assert check_holder("x" * 70) == "x" * 70
    for empty in ("", "   ", None):
        with pytest.raises(BankError, match="Indiquez le nom du titulaire"):
            check_holder(empty)
    with pytest.raises(BankError, match="70 caractères \\(il en compte 71\\)"):
        check_holder("x" * 71)
    with pytest.raises(BankError, match="non imprimables"):
        check_holder("Sophie\x00Lefèvre")


def test_an_iban_is_shown_in_groups_of_four_or_masked():
    assert format_iban(FRENCH) == "FR76 3000 6000 0112 3456 7890 189"
    assert mask_iban(FRENCH) == "FR76 **** **** **** **** **** 189"
    assert mask_iban("FR76 3000 6000 0112 3456 7890 189") == mask_iban(FRENCH)
    assert mask_iban("DE89370400440532013000") == "DE89 **** **** **** ***0 00"
