import pytest

from rules.names import normalize_name


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Lefèvre-D'Almeida", "lefevredalmeida"),
        ("lefevre dalmeida", "lefevredalmeida"),
        ("LEFÈVRE D’ALMEIDA", "lefevredalmeida"),
        ("  Da  Silva ", "dasilva"),
        ("N'Diaye", "ndiaye"),
        ("Maëlys", "maelys"),
        ("François", "francois"),
        ("Cœur", "coeur"),
        ("Jean\u00a0Baptiste", "jeanbaptiste"),
    ],
)
def test_normalize_name(typed, expected):
    assert normalize_name(typed) == expected


def test_the_brief_example_matches():
    assert normalize_name("Lefèvre-D'Almeida") == normalize_name("lefevre dalmeida")


def test_different_names_stay_different():
    assert normalize_name("Martin") != normalize_name("Martine")
    assert normalize_name("Céleste") != normalize_name("Célestin")
