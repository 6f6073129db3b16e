import pytest

from rules.tax_numbers import TaxNumberError, check_numero_fiscal, check_reference_avis

# python-stdnum's own example, and one of the sandbox's.
VALID = "3023217600053"


def test_a_valid_numero_fiscal_is_returned_as_13_digits():
    assert check_numero_fiscal(VALID) == VALID
    assert check_numero_fiscal("2080012799074") == "2080012799074"


@pytest.mark.parametrize(
    "typed", ["30 23 217 600 053", " 3023217600053 ", "30\u00a023\u00a0217\u00a0600\u00a0053"]
)
def test_spaces_as_printed_on_the_notice_are_removed(typed):
    assert check_numero_fiscal(typed) == VALID


@pytest.mark.parametrize("typed", ["302321760005", "30232176000531", "3"])
def test_a_numero_fiscal_of_the_wrong_length_says_13_digits(typed):
    with pytest.raises(TaxNumberError, match="13 chiffres ; vous en avez saisi"):
        check_numero_fiscal(typed)


@pytest.mark.parametrize("typed", ["302321760005A", "3023-217600053", "３０２３２１７６０００５３"])
def test_a_numero_fiscal_with_letters_or_signs_says_digits_only(typed):
    with pytest.raises(TaxNumberError, match="que des chiffres"):
        check_numero_fiscal(typed)


@pytest.mark.parametrize("typed", ["3023217600054", "9701987765432"])
def test_a_wrong_checksum_or_first_digit_asks_to_check_the_notice(typed):
    with pytest.raises(TaxNumberError) as error:
        check_numero_fiscal(typed)
    assert str(error.value) == (
        "Ce numéro fiscal n'est pas valide : vérifiez-le sur votre avis d'impôt."
    )


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_an_empty_numero_fiscal_says_where_to_find_it(typed):
    with pytest.raises(TaxNumberError, match="Saisissez votre numéro fiscal"):
        check_numero_fiscal(typed)


def test_a_valid_reference_avis_is_compacted_and_upper_cased():
    assert check_reference_avis("2569B02A21701") == "2569B02A21701"
    assert check_reference_avis("25 69 b02a 21701") == "2569B02A21701"


@pytest.mark.parametrize("typed", ["2569B02A2170", "2569B02A217011"])
def test_a_reference_avis_of_the_wrong_length(typed):
    with pytest.raises(TaxNumberError, match="13 chiffres et lettres ; vous en avez saisi"):
        check_reference_avis(typed)


@pytest.mark.parametrize("typed", ["2569B02A2170-", "2569É02A21701", "2569B02A2170."])
def test_a_reference_avis_with_other_signs(typed):
    with pytest.raises(TaxNumberError, match="que des chiffres et des lettres"):
        check_reference_avis(typed)


def test_an_empty_reference_avis():
    with pytest.raises(TaxNumberError, match="Saisissez la référence de l'avis"):
        check_reference_avis(" ")


def test_the_error_is_a_value_error():
    assert issubclass(TaxNumberError, ValueError)
