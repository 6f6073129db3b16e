"""The scale of the bourse de collège: the data files, the estimate on every ceiling, the
formula behind the tables, and bad input."""

import json
from datetime import date
from decimal import Decimal

import pytest

from rules import bourse
from rules.bourse import (
    BourseError,
    Estimate,
    annees,
    estimate,
    formula_table,
    load_scale,
    read_whole_number,
    recompute,
    school_year_on,
)

YEARS = ["2021-2022", "2022-2023", "2023-2024", "2024-2025", "2025-2026", "2026-2027"]

# The tables of ../shared/spec/bourse-college.md, typed again here (échelon 1, 2, 3; amounts).
SPEC = {
    "2025-2026": (
        [18130, 22313, 26497, 30680, 34865, 39048, 43232, 47416],
        [9800, 12062, 14324, 16586, 18847, 21109, 23371, 25632],
        [3458, 4256, 5054, 5852, 6650, 7448, 8246, 9044],
        [120, 330, 516],
    ),
    "2024-2025": (
        [17927, 22064, 26201, 30338, 34476, 38613, 42750, 46886],
        [9691, 11928, 14164, 16401, 18637, 20873, 23110, 25346],
        [3419, 4208, 4997, 5786, 6576, 7365, 8154, 8943],
        [114, 315, 495],
    ),
    "2023-2024": (
        [16885, 20781, 24677, 28573, 32471, 36367, 40263, 44160],
        [9127, 11234, 13340, 15447, 17553, 19659, 21766, 23872],
        [3220, 3964, 4707, 5450, 6193, 6936, 7680, 8423],
        [111, 312, 486],
    ),
    "2021-2022": (
        [15795, 19440, 23085, 26730, 30376, 34021, 37666, 41311],
        [8538, 10509, 12479, 14451, 16421, 18391, 20362, 22332],
        [3013, 3708, 4403, 5098, 5794, 6489, 7184, 7879],
        [105, 294, 459],
    ),
    "2026-2027": (
        [18488, 22754, 27020, 31286, 35553, 39819, 44085, 48352],
        [9993, 12301, 14606, 16914, 19219, 21525, 23832, 26138],
        [3526, 4340, 5154, 5967, 6781, 7595, 8409, 9222],
        [120, 336, 525],
    ),
}
SPEC["2022-2023"] = SPEC["2023-2024"]  # the same ceilings and amounts, per the spec
SMIC_BMAF = {
    "2021-2022": ("10.15", "414.40"),
    "2023-2024": ("10.85", "439.17"),
    "2024-2025": ("11.52", "445.93"),
    "2025-2026": ("11.65", "466.44"),
    "2026-2027": ("11.88", "474.37"),
}
DEADLINES = {
    "2021-2022": date(2021, 10, 21),
    "2022-2023": date(2022, 10, 20),
    "2023-2024": date(2023, 10, 19),
    "2024-2025": date(2024, 10, 17),
    "2025-2026": date(2025, 10, 16),
    "2026-2027": date(2026, 10, 15),
}


# The data files -----------------------------------------------------------------------------


def test_every_year_has_a_scale():
    assert annees() == YEARS


@pytest.mark.parametrize("annee", YEARS)
def test_data_file_holds_the_spec_table(annee):
    scale = load_scale(annee)
    one, two, three, amounts = SPEC[annee]
    assert scale.annee == annee
    assert scale.plafonds == {"1": tuple(one), "2": tuple(two), "3": tuple(three)}
    assert scale.montants_annuels == dict(zip("123", amounts, strict=True))
    assert scale.source
    if annee in SMIC_BMAF:
        assert (scale.smic, scale.bmaf) == tuple(Decimal(v) for v in SMIC_BMAF[annee])


@pytest.mark.parametrize("annee", YEARS)
def test_only_2026_2027_is_provisional_and_2022_2023_uncertain(annee):
    scale = load_scale(annee)
    assert scale.provisoire is (annee == "2026-2027")
    assert scale.incertain is (annee == "2022-2023")


@pytest.mark.parametrize("annee", YEARS)
def test_deadline_is_the_third_thursday_of_october(annee):
    deadline = load_scale(annee).date_limite
    assert deadline == DEADLINES[annee]
    assert deadline.weekday() == 3 and 15 <= deadline.day <= 21 and deadline.month == 10
    assert deadline.year == int(annee[:4])


@pytest.mark.parametrize("annee", YEARS)
def test_ceilings_decrease_with_the_echelon_and_grow_with_the_children(annee):
    plafonds = load_scale(annee).plafonds
    for column in range(8):
        assert plafonds["3"][column] < plafonds["2"][column] < plafonds["1"][column]
    for row in plafonds.values():
        assert list(row) == sorted(row)


# The formula --------------------------------------------------------------------------------

# The rows the spec says come from the formula, and the official rows: all reproduced.
FORMULA_ROWS = [
    ("2023-2024", "2"),
    ("2023-2024", "3"),
    ("2021-2022", "2"),
    ("2021-2022", "3"),
    ("2026-2027", "1"),
    ("2026-2027", "2"),
    ("2026-2027", "3"),
]
PUBLISHED_ROWS = [
    ("2025-2026", "1"),
    ("2025-2026", "2"),
    ("2025-2026", "3"),
    ("2024-2025", "1"),
    ("2024-2025", "2"),
    ("2024-2025", "3"),
    ("2023-2024", "1"),
    ("2021-2022", "1"),
]


@pytest.mark.parametrize(("annee", "echelon"), FORMULA_ROWS + PUBLISHED_ROWS)
def test_formula_reproduces_the_ceilings(annee, echelon):
    smic, bmaf = SMIC_BMAF[annee]
    plafonds, _ = formula_table(Decimal(smic), Decimal(bmaf))
    assert plafonds[echelon] == SPEC[annee]["123".index(echelon)]


@pytest.mark.parametrize("annee", sorted(SMIC_BMAF))
def test_formula_reproduces_the_amounts(annee):
    smic, bmaf = SMIC_BMAF[annee]
    _, montants = formula_table(Decimal(smic), Decimal(bmaf))
    assert [montants[e] for e in "123"] == SPEC[annee][3]


@pytest.mark.parametrize("annee", YEARS)
def test_recompute_matches_every_data_file(annee):
    plafonds, montants = recompute(annee)
    scale = load_scale(annee)
    assert {e: tuple(row) for e, row in plafonds.items()} == scale.plafonds
    assert montants == scale.montants_annuels


def test_formula_rounds_half_up_and_to_a_multiple_of_3():
    # 296.8 × 10 = 2968 exactly; 1556.2 × 0.5 = 778.1; 841.2 × 2.5 = 2103 exactly.
    plafonds, montants = formula_table(Decimal("0.5"), Decimal("100"))
    assert plafonds["3"][0] == 148  # 148.4
    assert plafonds["1"][7] == 2035  # 4070 × 0.5
    assert plafonds["2"][2] == 615  # 614.75 → 615
    # 25.6 → 27 (8.53 terms of 3 → 9), 70.91 → 72, 110.75 → 111
    assert montants == {"1": 27, "2": 72, "3": 111}


# The estimate on every ceiling --------------------------------------------------------------

BOUNDARIES = [
    (annee, enfants, echelon) for annee in YEARS for enfants in range(1, 9) for echelon in (3, 2, 1)
]


@pytest.mark.parametrize(("annee", "enfants", "echelon"), BOUNDARIES)
def test_ceiling_gives_its_echelon_and_one_euro_more_the_next_lower(annee, enfants, echelon):
    scale = load_scale(annee)
    ceiling = scale.plafonds[str(echelon)][enfants - 1]
    at = estimate(annee, ceiling, enfants)
    above = estimate(annee, ceiling + 1, enfants)
    assert at.echelon == echelon
    assert at.montant_annuel == scale.montants_annuels[str(echelon)]
    assert at.montant_trimestriel * 3 == at.montant_annuel
    assert above.echelon == echelon - 1
    if echelon == 1:
        assert (above.montant_annuel, above.montant_trimestriel) == (0, 0)


@pytest.mark.parametrize("annee", YEARS)
@pytest.mark.parametrize("enfants", [8, 9, 12, 40])
def test_eight_children_or_more_use_the_last_column(annee, enfants):
    scale = load_scale(annee)
    for echelon in "321":
        ceiling = scale.plafonds[echelon][7]
        assert estimate(annee, ceiling, enfants).echelon == int(echelon)
        assert estimate(annee, ceiling + 1, enfants).echelon == int(echelon) - 1


def test_the_example_of_the_issue():
    assert estimate("2025-2026", 12000, 2) == Estimate("2025-2026", 2, 330, 110, False)


def test_zero_income_is_echelon_3():
    assert estimate("2024-2025", 0, 1) == Estimate("2024-2025", 3, 495, 165, False)


def test_provisional_year_says_so():
    assert estimate("2026-2027", 50000, 1) == Estimate("2026-2027", 0, 0, 0, True)


def test_as_dict_keeps_the_order_of_the_command():
    assert list(estimate("2025-2026", 12000, 2).as_dict()) == [
        "annee",
        "echelon",
        "montant_annuel",
        "montant_trimestriel",
        "provisoire",
    ]


# Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("annee", ["2020-2021", "2027-2028", "2025", "", "../2025-2026", None])
def test_unknown_year(annee):
    with pytest.raises(BourseError, match="inconnue : les barèmes disponibles vont de 2021-2022"):
        estimate(annee, 12000, 2)


def test_negative_income():
    with pytest.raises(BourseError, match="^Le revenu fiscal de référence ne peut pas être"):
        estimate("2025-2026", -1, 2)


@pytest.mark.parametrize("enfants", [0, -3])
def test_fewer_than_one_child(enfants):
    with pytest.raises(BourseError, match="au moins 1"):
        estimate("2025-2026", 12000, enfants)


@pytest.mark.parametrize("rfr", [12000.5, "12000", None, True, Decimal("12000")])
def test_income_must_be_an_integer(rfr):
    with pytest.raises(BourseError, match="nombre entier d'euros"):
        estimate("2025-2026", rfr, 2)


@pytest.mark.parametrize("enfants", [2.0, "2", None, True])
def test_children_must_be_an_integer(enfants):
    with pytest.raises(BourseError, match="nombre entier"):
        estimate("2025-2026", 12000, enfants)


@pytest.mark.parametrize(
    ("text", "value"),
    [("12000", 12000), ("12 000", 12000), ("12\u202f000 €", 12000), (" 0 ", 0)],
)
def test_read_whole_number(text, value):
    assert read_whole_number(text) == value


@pytest.mark.parametrize("text", ["", "-5", "12000,50", "12.000", "douze", "1e5", "1" * 10])
def test_read_whole_number_refuses(text):
    with pytest.raises(ValueError):
        read_whole_number(text)


def test_school_year_on():
    assert school_year_on(date(2026, 9, 1)) == "2026-2027"
    assert school_year_on(date(2026, 8, 31)) == "2025-2026"
    assert school_year_on(date(2027, 1, 5)) == "2026-2027"


@pytest.fixture
def scales_of_next_year(tmp_path):
    """A folder of scales holding, beside the published ones, a 2027-2028 copied from 2026-2027
    (a year not yet published, for tests only); the default folder is read again after."""
    default = bourse.DATA
    for path in default.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    scale = json.loads((tmp_path / "2026-2027.json").read_text(encoding="utf-8"))
    (tmp_path / "2027-2028.json").write_text(json.dumps({**scale, "annee": "2027-2028"}))
    yield tmp_path
    bourse.use_scales(default)


def test_the_scales_are_read_from_the_folder_the_setting_names(make_app, scales_of_next_year):
    assert "2027-2028" not in bourse.annees()
    make_app(BOURSE_SCALES=str(scales_of_next_year))
    assert bourse.annees()[-1] == "2027-2028"
    assert bourse.estimate("2027-2028", 3400, 1).echelon == 3
