"""The school's staff (journeys §4) without HTTP: their accounts and sign-in, the journal of
their actions, what a school sees of its families, and `flask --app app staff create`."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from records import accounts, audit, school, staff
from records.accounts import ACCOUNTS, SignInOutcome
from records.staff import STAFF, StaffExists
from rules.clock import PARIS
from rules.lockout import wait_until

NOW = datetime(2026, 9, 14, 10, 0, tzinfo=PARIS)
PASSWORD = "Bureau-Rentree-2026!"
CONCORDE, PALMISTES = "0691234A", "0973123Z"
# Two clients (digests of addresses): the school's office, and one somewhere else.
OFFICE, ELSEWHERE = "client-bureau", "client-ailleurs"


@pytest.fixture
def demo(seeded, store):
    return store


# Each call in a transaction of its own, as a request or a command makes it.


def create_staff(store, *args):
    with store.writing() as tx:
        return staff.create_staff(tx, *args)


def find_staff_by_id(store, staff_id):
    with store.reading() as tx:
        return staff.find_staff_by_id(tx, staff_id)


def find_staff_by_identifier(store, identifiant):
    with store.reading() as tx:
        return staff.find_staff_by_identifier(tx, identifiant)


def sign_in_staff(store, identifiant, password, now, client=OFFICE):
    with store.writing() as tx:
        return staff.sign_in_staff(tx, identifiant, password, now, client)


def record(store, *args):
    with store.writing() as tx:
        audit.record(tx, *args)


def entries(store, uai):
    with store.reading() as tx:
        return audit.entries(tx, uai)


def families(store, uai):
    with store.reading() as tx:
        return school.families(tx, uai)


def family(store, uai, responsable_id):
    with store.reading() as tx:
        return school.family(tx, uai, responsable_id)


def unblock(store, uai, responsable_id):
    with store.writing() as tx:
        return school.unblock(tx, uai, responsable_id)


def change_account(store, account_id, changes):
    with store.writing() as tx:
        tx.update(ACCOUNTS, account_id, changes)


def no_staff(store) -> bool:
    with store.reading() as tx:
        return list(tx.scan(STAFF)) == []


@pytest.fixture
def secretariat(demo):
    return create_staff(demo, "secretariat.concorde", PASSWORD, CONCORDE, "secretariat", NOW)


# Staff accounts ----------------------------------------------------------------------------


def test_create_staff(demo, secretariat):
    assert secretariat["identifier"] == "secretariat.concorde"
    assert secretariat["uai"] == CONCORDE
    assert secretariat["role"] == "secretariat"
    assert secretariat["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in secretariat["password_hash"]
    assert secretariat["created_at"] == "2026-09-14T10:00:00+02:00"
    assert find_staff_by_id(demo, secretariat["id"]) == secretariat
    assert find_staff_by_identifier(demo, " SECRETARIAT.Concorde ") == secretariat
    assert find_staff_by_id(demo, 999) is None


def test_identifiant_is_unique_whatever_its_case(demo, secretariat):
    with pytest.raises(StaffExists):
        create_staff(demo, "Secretariat.Concorde", PASSWORD, PALMISTES, "direction", NOW)


def test_an_identifiant_is_kept_as_typed_and_found_by_its_key(demo):
    created = create_staff(demo, "Direction.Concorde", PASSWORD, CONCORDE, "direction", NOW)
    assert (created["identifier"], created["identifier_key"]) == (
        "Direction.Concorde",
        "direction.concorde",
    )
    with demo.reading() as tx:
        assert tx.find_one(STAFF, identifier_key="direction.concorde") == created
    assert find_staff_by_identifier(demo, "DIRECTION.concorde") == created


@pytest.mark.parametrize(
    ("identifiant", "uai", "role", "message"),
    [
        ("direction.x", "0999999Z", "direction", "établissement 0999999Z inconnu"),
        ("direction.x", CONCORDE, "principal", "rôle « principal » inconnu"),
        ("di", CONCORDE, "direction", "identifiant « di » refusé"),
        ("d.école", CONCORDE, "direction", "identifiant « d.école » refusé"),
        ("d x", CONCORDE, "direction", "identifiant « d x » refusé"),
    ],
)
def test_refused_staff_accounts(demo, identifiant, uai, role, message):
    with pytest.raises(ValueError, match=message):
        create_staff(demo, identifiant, PASSWORD, uai, role, NOW)
    assert no_staff(demo)


def test_uai_is_read_in_capitals(demo):
    assert create_staff(demo, "d.concorde", PASSWORD, " 0691234a ", "direction", NOW)["uai"] == (
        CONCORDE
    )


# Signing in --------------------------------------------------------------------------------


def test_sign_in(demo, secretariat):
    result = sign_in_staff(demo, "SECRETARIAT.concorde", PASSWORD, NOW)
    assert result.ok
    assert result.account["id"] == secretariat["id"]


@pytest.mark.parametrize(
    ("identifiant", "password"),
    [("secretariat.concorde", "Mauvais-2026!mdp"), ("inconnu", PASSWORD), ("", PASSWORD)],
)
def test_failed_sign_in(demo, secretariat, identifiant, password):
    assert sign_in_staff(demo, identifiant, password, NOW).outcome is SignInOutcome.FAILED


def test_five_failures_make_that_client_wait_and_not_the_office(demo, secretariat):
    for _ in range(5):
        assert sign_in_staff(demo, "secretariat.concorde", "x", NOW, ELSEWHERE).outcome is (
            SignInOutcome.FAILED
        )
    until = wait_until(find_staff_by_id(demo, secretariat["id"]), ELSEWHERE, NOW)
    assert until == NOW + timedelta(minutes=1)
    # The right password is refused to that client during its wait; the office signs in.
    later = NOW + timedelta(seconds=59)
    assert sign_in_staff(demo, "secretariat.concorde", PASSWORD, later, ELSEWHERE).outcome is (
        SignInOutcome.FAILED
    )
    assert sign_in_staff(demo, "secretariat.concorde", PASSWORD, later, OFFICE).ok
    assert sign_in_staff(demo, "secretariat.concorde", PASSWORD, until, ELSEWHERE).ok


def test_a_waiting_client_still_spends_one_password_check(demo, secretariat, monkeypatch):
    for _ in range(5):
        sign_in_staff(demo, "secretariat.concorde", "x", NOW)
    checked = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda h, p: checked.append(h) or real(h, p))
    waiting = sign_in_staff(demo, "secretariat.concorde", PASSWORD, NOW)
    unknown = sign_in_staff(demo, "inconnu.concorde", PASSWORD, NOW)
    assert waiting == unknown
    assert waiting.outcome is SignInOutcome.FAILED
    assert len(checked) == 2


def test_a_right_password_starts_the_count_again(demo, secretariat):
    for _ in range(4):
        sign_in_staff(demo, "secretariat.concorde", "x", NOW)
    assert sign_in_staff(demo, "secretariat.concorde", PASSWORD, NOW).ok
    assert find_staff_by_id(demo, secretariat["id"])["failures"] == 0


def test_naive_time_is_refused(demo, secretariat):
    with pytest.raises(ValueError):
        sign_in_staff(demo, "secretariat.concorde", PASSWORD, datetime(2026, 9, 14, 10))


# The journal -------------------------------------------------------------------------------


def test_journal_newest_first_per_school(demo, secretariat):
    palmistes = {"identifier": "secretariat.palmistes", "uai": PALMISTES}
    record(demo, secretariat, "connexion", "Première.", NOW)
    record(demo, palmistes, "connexion", "Ailleurs.", NOW + timedelta(minutes=1))
    record(demo, secretariat, "import", "Deuxième.", NOW + timedelta(minutes=2))
    # Same moment: the last written comes first.
    record(demo, secretariat, "deconnexion", "Troisième.", NOW + timedelta(minutes=2))
    found = entries(demo, CONCORDE)
    assert [entry["detail"] for entry in found] == ["Troisième.", "Deuxième.", "Première."]
    assert found[-1] == {
        "at": "2026-09-14T10:00:00+02:00",
        "staff": "secretariat.concorde",
        "uai": CONCORDE,
        "action": "connexion",
        "detail": "Première.",
    }
    assert [entry["detail"] for entry in entries(demo, PALMISTES)] == ["Ailleurs."]


def test_journal_sorts_moments_across_the_change_of_time(demo, secretariat):
    # 02:30 summer time comes before 02:10 winter time, on the night of 25 October 2026.
    summer = datetime.fromisoformat("2026-10-25T02:30:00+02:00")
    winter = datetime.fromisoformat("2026-10-25T02:10:00+01:00")
    record(demo, secretariat, "connexion", "Été.", summer)
    record(demo, secretariat, "connexion", "Hiver.", winter)
    assert [entry["detail"] for entry in entries(demo, CONCORDE)] == ["Hiver.", "Été."]


def test_journal_knows_its_actions(demo, secretariat):
    with pytest.raises(ValueError):
        record(demo, secretariat, "suppression", "Inconnue.", NOW)


# What a school sees of its families --------------------------------------------------------


def activate(store, nom: str, prenom: str, telephone: str) -> dict:
    with store.writing() as tx:
        found = accounts.find_responsables(tx, telephone, nom, prenom)
        ids = [responsable["id"] for responsable in found]
        return accounts.create_account(
            tx, ids, prenom, nom, telephone, None, "auto-inscription", NOW
        )


def test_families_of_one_school_only(demo):
    found = families(demo, CONCORDE)
    assert [one.name for one in found] == [
        "M. Karim Benali",
        "M. François Da Silva",
        "M. Julien Lefèvre-D'Almeida",
        "Mme Sophie Lefèvre-D'Almeida",
        "Mme Aminata N'Diaye",
        "M. Éric Rousseau",
    ]
    francois = found[1]
    # His daughter Emma is at the Palmistes: not shown to the Concorde.
    assert [child["prenom"] for child in francois.children] == ["Lucas"]
    assert {one.state for one in found} == {"non activé"}
    assert family(demo, PALMISTES, francois.id) is None
    assert family(demo, CONCORDE, francois.id) == francois
    assert family(demo, CONCORDE, 999) is None


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("lefevre", ["Julien", "Sophie"]),
        ("LEA", ["Julien", "Sophie"]),  # a child's name, without its accent
        ("da silva", ["François"]),
        ("Silva François", ["François"]),
        ("chloé martin", ["Éric"]),
        ("inconnu", []),
        ("  ", ["Karim", "François", "Julien", "Sophie", "Aminata", "Éric"]),
    ],
)
def test_search_by_name(demo, text, names):
    found = school.search(families(demo, CONCORDE), text)
    assert [one.responsable["prenom"] for one in found] == names


def test_filters_and_statistics(demo):
    activate(demo, "Lefèvre-D'Almeida", "Sophie", "+33612345678")
    found = families(demo, CONCORDE)
    assert school.classes(found) == ["6eA", "5eA", "5eB", "4eA", "4eB", "3eA"]
    assert [one.responsable["prenom"] for one in school.search(found, classe="4eB")] == [
        "Julien",
        "Sophie",
    ]
    assert [one.responsable["prenom"] for one in school.search(found, state="actif")] == ["Sophie"]
    assert school.search(found, "julien", "4eB", "actif") == []

    per_class, total = school.statistics(found)
    assert [classe for classe, _ in per_class] == ["6eA", "5eA", "5eB", "4eA", "4eB", "3eA"]
    assert dict(per_class)["4eB"] == {"actif": 1, "non activé": 1}
    assert dict(per_class)["3eA"] == {"non activé": 1}
    assert total == {"actif": 1, "non activé": 5}


def test_unblock_clears_the_waits_and_the_block(demo):
    account = activate(demo, "Benali", "Karim", "+33623456789")
    waiting = {"failures": 5, "last": NOW.isoformat(), "until": "2026-09-14T10:15:00+02:00"}
    changes = {"state": "bloqué", "failures": 5, "clients": {ELSEWHERE: waiting}}
    change_account(demo, account["id"], changes)
    karim = school.search(families(demo, CONCORDE), "benali")[0]
    assert karim.state == "bloqué"
    assert karim.locked_until(NOW) is not None

    assert unblock(demo, PALMISTES, karim.id) is None  # not that school's
    assert unblock(demo, CONCORDE, karim.id)["identifier"] == "k.benali1"
    karim = family(demo, CONCORDE, karim.id)
    assert karim.state == "actif"
    assert karim.locked_until(NOW) is None
    assert (karim.account["failures"], karim.account["clients"]) == (0, {})


@pytest.mark.parametrize(
    ("account", "state"),
    [({"temporary_password_hash": "h", "activated_at": None}, "notifié"), ({}, "non activé")],
)
def test_unblock_goes_back_to_the_state_reached(demo, account, state):
    created = activate(demo, "Benali", "Karim", "+33623456789")
    change_account(demo, created["id"], {"state": "bloqué", "activated_at": None, **account})
    karim = school.search(families(demo, CONCORDE), "benali")[0]
    unblock(demo, CONCORDE, karim.id)
    assert family(demo, CONCORDE, karim.id).state == state


def test_nothing_to_unblock_without_an_account(demo):
    karim = school.search(families(demo, CONCORDE), "benali")[0]
    assert unblock(demo, CONCORDE, karim.id) is None


# `flask --app app staff create` ------------------------------------------------------------


def create(runner, *args: str, input: str | None = None):
    return runner.invoke(args=["staff", "create", *args], input=input)


def test_create_with_password_from_stdin(runner, demo):
    result = create(
        runner, "direction.concorde", "--uai", "0691234a", "--role", "direction",
        "--password-stdin", input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Compte du personnel créé : direction.concorde (direction, Collège Concorde, 0691234A).\n"
    )
    assert sign_in_staff(demo, "direction.concorde", PASSWORD, NOW).ok
    (entry,) = entries(demo, CONCORDE)
    assert entry["staff"] == "ligne de commande"
    assert entry["action"] == "compte-personnel"
    assert entry["detail"] == (
        "Compte du personnel direction.concorde (direction, Collège Concorde, 0691234A) créé."
    )


def test_create_with_prompt_twice(runner, demo):
    result = create(runner, "secretariat.concorde", "--uai", CONCORDE, input=f"{PASSWORD}\n" * 2)
    assert result.exit_code == 0, result.output
    assert "Mot de passe : \nConfirmation du mot de passe : \n" in result.output
    assert PASSWORD not in result.output  # hidden as typed
    assert "(secrétariat, Collège Concorde, 0691234A)" in result.output
    assert find_staff_by_identifier(demo, "secretariat.concorde")["role"] == "secretariat"


def test_prompts_that_differ(runner, demo):
    result = create(runner, "s.concorde", "--uai", CONCORDE, input=f"{PASSWORD}\nAutre-2026!mdp\n")
    assert result.exit_code == 1
    assert result.output.endswith("Erreur : Les deux mots de passe ne sont pas identiques.\n")
    assert find_staff_by_identifier(demo, "s.concorde") is None


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (
            ["s.concorde", "--uai", CONCORDE],
            "court",
            "Mot de passe refusé, règles non respectées : 12 caractères minimum ; "
            "1 lettre majuscule minimum ; 1 chiffre minimum ; 1 caractère spécial minimum.",
        ),
        (
            ["s.concorde", "--uai", CONCORDE],
            "S.Concorde-2026!",
            "Mot de passe refusé, règles non respectées : "
            "ne contient ni votre identifiant ni votre nom.",
        ),
        (
            ["s.concorde", "--uai", "0999999Z"],
            PASSWORD,
            "Établissement 0999999Z inconnu : importez d'abord sa liste d'élèves.",
        ),
        (["s.concorde"], PASSWORD, "Indiquez l'établissement avec --uai, par exemple --uai "),
        (
            ["s.concorde", "--uai", CONCORDE, "--role", "cpe"],
            PASSWORD,
            "Rôle « cpe » inconnu : indiquez direction ou secretariat.",
        ),
        (["s concorde", "--uai", CONCORDE], PASSWORD, "Identifiant « s concorde » refusé"),
    ],
)
def test_refusals_in_french(runner, demo, args, password, message):
    result = create(runner, *args, "--password-stdin", input=password + "\n")
    assert result.exit_code == 1
    assert f"Erreur : {message}" in result.output
    assert "Traceback" not in result.output
    assert no_staff(demo)


def test_existing_identifiant(runner, demo, secretariat):
    result = create(
        runner, "Secretariat.Concorde", "--uai", CONCORDE, "--password-stdin", input=PASSWORD
    )
    assert result.exit_code == 1
    assert result.output == "Erreur : Un compte du personnel Secretariat.Concorde existe déjà.\n"


# `flask --app app staff password` ----------------------------------------------------------

NEW_PASSWORD = "Nouveau-Bureau-2026?"


def set_password(runner, identifiant: str, input: str):
    return runner.invoke(args=["staff", "password", identifiant, "--password-stdin"], input=input)


def test_a_new_password_replaces_the_old_and_ends_the_waits(runner, demo, secretariat):
    for _ in range(5):
        sign_in_staff(demo, "secretariat.concorde", "Mauvais-2026!mdp", NOW)
    assert wait_until(find_staff_by_id(demo, secretariat["id"]), OFFICE, NOW) is not None
    result = set_password(runner, "Secretariat.Concorde", NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Mot de passe de secretariat.concorde changé ; sessions ouvertes fermées : 0.\n"
    )
    assert not sign_in_staff(demo, "secretariat.concorde", PASSWORD, NOW).ok
    assert sign_in_staff(demo, "secretariat.concorde", NEW_PASSWORD, NOW).ok
    (entry,) = [one for one in entries(demo, CONCORDE) if one["action"] != "connexion"]
    assert entry["action"] == "mot-de-passe-personnel"
    assert entry["staff"] == "ligne de commande"


@pytest.mark.parametrize(
    ("identifiant", "password", "message"),
    [
        ("inconnu.concorde", NEW_PASSWORD, "Aucun compte du personnel inconnu.concorde."),
        ("secretariat.concorde", "court", "Mot de passe refusé, règles non respectées : 12 "),
    ],
)
def test_a_new_password_refused_in_french(
    runner, demo, secretariat, identifiant, password, message
):
    result = set_password(runner, identifiant, password + "\n")
    assert result.exit_code == 1
    assert f"Erreur : {message}" in result.output
    assert sign_in_staff(demo, "secretariat.concorde", PASSWORD, NOW).ok
