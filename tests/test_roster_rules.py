from datetime import date

import pytest

from rules.roster import HEADER, parse_roster, parse_roster_bytes
from tests.roster_lines import TODAY, line


def csv_text(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def errors_of(report) -> list[tuple[int | None, str]]:
    return [(error.line, error.reason) for error in report.errors]


def test_a_good_line_is_read_and_normalised():
    report = parse_roster(csv_text(line()), TODAY)
    assert report.ok
    assert report.data_lines == 1
    [row] = report.rows
    assert row.line == 2
    assert row.etablissement.uai == "0691234A"
    assert row.etablissement.nom == "Collège Concorde"
    assert row.etablissement.region == "FR"
    assert row.eleve.ine == "0691500123K"
    assert row.eleve.date_naissance == date(2015, 3, 14)
    assert row.eleve.niveau == "6e"
    assert row.eleve.uai == "0691234A"
    assert row.responsable.civilite == "Mme"
    assert row.responsable.lien == "mère"
    assert row.responsable.telephone == "+33612345678"
    assert row.responsable.email == "sophie.lefevre-dalmeida@example.org"


def test_codes_are_upper_cased_and_spellings_normalised():
    text = csv_text(
        line(
            uai="0973123z",
            ine="0971500246t",
            niveau="6ème",
            resp_civilite="madame",
            resp_lien="Mere",
            resp_telephone_portable="0694 20 12 34",
            resp_email="",
            eleve_nom="  Da   Silva ",
        )
    )
    [row] = parse_roster(text, TODAY).rows
    assert row.etablissement.uai == "0973123Z"
    assert row.etablissement.region == "GF"
    assert row.eleve.ine == "0971500246T"
    assert row.eleve.niveau == "6e"
    assert row.eleve.nom == "Da Silva"
    assert row.responsable.civilite == "Mme"
    assert row.responsable.lien == "mère"
    assert row.responsable.telephone == "+594694201234"
    assert row.responsable.email is None


@pytest.mark.parametrize(
    ("typed", "civilite"), [("M.", "M."), ("M", "M."), ("Monsieur", "M."), ("MME", "Mme")]
)
def test_civilites(typed, civilite):
    [row] = parse_roster(csv_text(line(resp_civilite=typed)), TODAY).rows
    assert row.responsable.civilite == civilite


@pytest.mark.parametrize(
    ("typed", "lien"),
    [
        ("père", "père"),
        ("PERE", "père"),
        ("Tuteur", "tuteur"),
        ("tutrice", "tuteur"),
        ("autre", "autre"),
    ],
)
def test_liens(typed, lien):
    [row] = parse_roster(csv_text(line(resp_lien=typed)), TODAY).rows
    assert row.responsable.lien == lien


BAD_CELLS = [
    ("uai", "069123A", "UAI « 069123A » invalide (colonne uai)"),
    ("uai", "", "UAI de l'établissement manquant (colonne uai)."),
    ("etablissement_nom", "", "Nom de l'établissement manquant (colonne etablissement_nom)."),
    ("ine", "12345", "INE « 12345 » invalide (colonne ine)"),
    ("ine", "0691500123-K", "INE « 0691500123-K » invalide (colonne ine)"),
    ("eleve_nom", "", "Nom de l'élève manquant (colonne eleve_nom)."),
    ("eleve_prenom", " ", "Prénom de l'élève manquant (colonne eleve_prenom)."),
    (
        "eleve_date_naissance",
        "31/02/2013",
        "Date de naissance « 31/02/2013 » impossible (colonne eleve_date_naissance)",
    ),
    (
        "eleve_date_naissance",
        "2013-05-04",
        "Date de naissance « 2013-05-04 » au mauvais format (colonne eleve_date_naissance)",
    ),
    (
        "eleve_date_naissance",
        "4/5/13",
        "Date de naissance « 4/5/13 » au mauvais format (colonne eleve_date_naissance)",
    ),
    (
        "eleve_date_naissance",
        "15/09/2026",
        "Date de naissance « 15/09/2026 » dans le futur (colonne eleve_date_naissance).",
    ),
    ("niveau", "2nde", "Niveau « 2nde » inconnu (colonne niveau) : indiquez 6e, 5e, 4e ou 3e."),
    ("niveau", "CM2", "Niveau « CM2 » inconnu (colonne niveau)"),
    ("classe", "", "Classe manquante (colonne classe)."),
    (
        "resp_civilite",
        "Dr",
        "Civilité « Dr » inconnue (colonne resp_civilite) : indiquez M. ou Mme.",
    ),
    ("resp_lien", "oncle", "Lien « oncle » inconnu (colonne resp_lien)"),
    ("resp_nom", "", "Nom du responsable manquant (colonne resp_nom)."),
    ("resp_prenom", "", "Prénom du responsable manquant (colonne resp_prenom)."),
    (
        "resp_telephone_portable",
        "04 78 12 34 56",
        "Téléphone « 04 78 12 34 56 » refusé (colonne resp_telephone_portable) : "
        "C'est un numéro de téléphone fixe : indiquez un numéro de portable.",
    ),
    (
        "resp_telephone_portable",
        "06 12 34",
        "Téléphone « 06 12 34 » refusé (colonne resp_telephone_portable) : "
        "Ce numéro de téléphone n'est pas valide",
    ),
    (
        "resp_telephone_portable",
        "+44 7911 123456",
        "Téléphone « +44 7911 123456 » refusé (colonne resp_telephone_portable) : "
        "Ce numéro n'est pas un numéro français",
    ),
    (
        "resp_telephone_portable",
        "",
        "Téléphone portable du responsable manquant (colonne resp_telephone_portable).",
    ),
    ("resp_email", "sophie@", "Adresse e-mail « sophie@ » invalide (colonne resp_email)"),
    ("resp_email", "sophie example.org", "Adresse e-mail « sophie example.org » invalide"),
]


@pytest.mark.parametrize(("column", "value", "reason"), BAD_CELLS)
def test_each_bad_cell_is_reported_with_its_line_and_column(column, value, reason):
    second_child = {"ine": "0691300456L", "eleve_prenom": "Hugo", column: value}
    text = csv_text(line(), line(**second_child))
    report = parse_roster(text, TODAY)
    assert [row.line for row in report.rows] == [2]
    assert report.bad_lines == [3]
    [error] = report.errors
    assert error.line == 3
    assert error.reason.startswith(reason)
    assert str(error).startswith(f"Ligne 3 : {reason}")


def test_born_today_is_not_in_the_future():
    report = parse_roster(csv_text(line(eleve_date_naissance="14/09/2026")), TODAY)
    assert report.ok


def test_wrong_column_count():
    report = parse_roster(csv_text(line(), "0691234A;Collège Concorde;0691500124K"), TODAY)
    assert errors_of(report) == [(3, "14 colonnes attendues, séparées par « ; », mais 3 trouvées.")]
    assert len(report.rows) == 1


def test_a_line_with_one_column_too_many():
    report = parse_roster(csv_text(line() + ";en trop"), TODAY)
    assert errors_of(report) == [
        (2, "14 colonnes attendues, séparées par « ; », mais 15 trouvées.")
    ]


def test_several_reasons_on_one_line_are_all_reported():
    bad = line(uai="123", eleve_date_naissance="31/02/2013", resp_lien="cousin", resp_email="x@")
    report = parse_roster(csv_text(line(), line(), bad), TODAY)
    assert report.bad_lines == [4]
    reasons = [reason for number, reason in errors_of(report)]
    assert len(reasons) == 4
    assert reasons[0].startswith("UAI « 123 » invalide")
    assert reasons[1].startswith("Date de naissance « 31/02/2013 » impossible")
    assert reasons[2].startswith("Lien « cousin » inconnu")
    assert reasons[3].startswith("Adresse e-mail « x@ » invalide")


def test_same_ine_with_another_name_date_or_school_contradicts_the_earlier_line():
    julien = {
        "resp_civilite": "M.",
        "resp_prenom": "Julien",
        "resp_lien": "père",
        "resp_telephone_portable": "07 81 45 22 90",
        "resp_email": "julien@example.org",
    }
    text = csv_text(
        line(),
        line(**julien),
        line(eleve_prenom="Lena", eleve_date_naissance="15/03/2015", **julien),
        line(uai="0691235B", **julien),
    )
    report = parse_roster(text, TODAY)
    assert [row.line for row in report.rows] == [2, 3]
    assert errors_of(report) == [
        (
            4,
            "Contredit la ligne 2 pour l'élève d'INE 0691500123K (colonne eleve_prenom) : "
            "« Lena » ici, « Léa » à la ligne 2.",
        ),
        (
            4,
            "Contredit la ligne 2 pour l'élève d'INE 0691500123K (colonne eleve_date_naissance) : "
            "« 15/03/2015 » ici, « 14/03/2015 » à la ligne 2.",
        ),
        (
            5,
            "Contredit la ligne 2 pour l'élève d'INE 0691500123K (colonne uai) : "
            "« 0691235B » ici, « 0691234A » à la ligne 2.",
        ),
    ]


def test_same_uai_with_another_school_name():
    text = csv_text(line(), line(ine="0691300456L", etablissement_nom="Collège Voltaire"))
    assert errors_of(parse_roster(text, TODAY)) == [
        (
            3,
            "Contredit la ligne 2 pour l'établissement 0691234A (colonne etablissement_nom) : "
            "« Collège Voltaire » ici, « Collège Concorde » à la ligne 2.",
        )
    ]


def test_same_names_written_differently_are_no_contradiction():
    text = csv_text(line(), line(ine="0691300456L", etablissement_nom="COLLEGE CONCORDE"))
    assert parse_roster(text, TODAY).ok


def test_same_responsable_with_another_email_contradicts():
    text = csv_text(line(), line(ine="0691300456L", resp_email="autre@example.org"))
    [(number, reason)] = errors_of(parse_roster(text, TODAY))
    assert number == 3
    assert reason.startswith("Contredit la ligne 2 pour le même responsable (colonne resp_email)")


def test_a_bad_earlier_line_does_not_hide_a_later_one():
    text = csv_text(line(resp_telephone_portable="01 23 45 67 89"), line(eleve_prenom="Lena"))
    report = parse_roster(text, TODAY)
    assert report.bad_lines == [2, 3]
    assert "Contredit la ligne 2" in report.errors[-1].reason


def test_blank_lines_are_skipped_but_keep_the_numbering():
    text = csv_text(line(), "", ";" * 13, line(ine="0691300456L", classe=""))
    report = parse_roster(text, TODAY)
    assert report.data_lines == 2
    assert [row.line for row in report.rows] == [2]
    assert errors_of(report) == [(5, "Classe manquante (colonne classe).")]


def test_quoted_cells_from_a_spreadsheet():
    text = csv_text(line(etablissement_nom='"Collège ""Concorde"" ; Lyon"'))
    [row] = parse_roster(text, TODAY).rows
    assert row.etablissement.nom == 'Collège "Concorde" ; Lyon'


def test_wrong_header_is_line_1_and_gives_no_rows():
    text = "\n".join([HEADER.replace("ine", "INE_eleve", 1), line()])
    report = parse_roster(text, TODAY)
    assert report.rows == []
    assert report.bad_lines == [1]
    [error] = report.errors
    assert error.reason.startswith(
        "En-tête inattendu : la colonne 3 devrait s'appeler « ine » et non « INE_eleve »."
    )
    assert HEADER in error.reason


def test_header_with_a_missing_column():
    text = "\n".join([HEADER.removesuffix(";resp_email"), line()])
    report = parse_roster(text, TODAY)
    assert report.rows == []
    assert errors_of(report)[0][0] == 1
    assert errors_of(report)[0][1].startswith("En-tête inattendu : 13 colonnes au lieu de 14.")


def test_bom_and_windows_line_ends_are_accepted():
    data = ("\ufeff" + csv_text(line(), line(ine="0691300456L")).replace("\n", "\r\n")).encode()
    report = parse_roster_bytes(data, TODAY)
    assert report.ok
    assert [row.line for row in report.rows] == [2, 3]


def test_utf8_without_bom():
    report = parse_roster_bytes(csv_text(line()).encode("utf-8"), TODAY)
    assert report.ok
    assert report.rows[0].eleve.prenom == "Léa"


def test_non_utf8_file_gives_one_clear_error():
    data = csv_text(line(), line(ine="0691300456L")).encode("cp1252")
    report = parse_roster_bytes(data, TODAY)
    assert report.rows == []
    [error] = report.errors
    assert error.line is None
    assert error.reason.startswith(
        "Le fichier n'est pas encodé en UTF-8 (premier caractère illisible à la ligne 2)."
    )
    assert "CSV UTF-8" in str(error)


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n  \n"])
def test_empty_file(data):
    report = parse_roster_bytes(data, TODAY)
    assert report.rows == []
    [error] = report.errors
    assert error.line is None
    assert error.reason.startswith("Le fichier est vide.")


def test_header_only():
    report = parse_roster(HEADER + "\n", TODAY)
    assert report.rows == []
    assert [str(error) for error in report.errors] == [
        "Le fichier ne contient que la ligne d'en-tête : aucun élève à importer."
    ]


def test_the_demo_roster_is_valid():
    from commands.demo import DEMO_ROSTER

    report = parse_roster_bytes(DEMO_ROSTER.read_bytes(), TODAY)
    assert report.errors == []
    assert len(report.rows) == 15
    assert {row.etablissement.region for row in report.rows} == {"FR", "GF"}
