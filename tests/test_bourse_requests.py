"""Scholarship requests in the records (journeys §7): one active request per pupil and school
year, numbers per school and year never given twice, submitting twice with one token, the
family's corrections and withdrawal while the campaign is open, the staff's state changes and
their journal entries, and the counts of the back office."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest

from commands.demo import DEMO_ROSTER
from records import audit, bourse_requests
from records.accounts import children_of, create_account, find_by_id, find_responsables
from records.bourse_requests import (
    DECIDED,
    REQUESTS,
    AlreadyRequested,
    BadTransition,
    CampaignClosed,
    DecisionReserved,
    NotChangeable,
    RequestState,
    active_for_child,
    correct,
    counts,
    find,
    of_account,
    of_school,
    propose,
    set_state,
    submit,
    withdraw,
)
from records.roster import import_roster
from records.teleservices import BOURSE, State, save_service
from rules.bourse import estimate
from rules.clock import PARIS
from rules.roster import parse_roster_bytes
from tests.processes import racers, submit_in_process

CONCORDE, PALMISTES = "0691234A", "0973123Z"
NOW = datetime(2026, 9, 14, 18, 5, tzinfo=PARIS)
SECRETARIAT = {"identifier": "secretariat.concorde", "uai": CONCORDE, "role": "secretariat"}
DIRECTION = {"identifier": "direction.concorde", "uai": CONCORDE, "role": "direction"}
PALMISTES_STAFF = {"identifier": "secretariat.palmistes", "uai": PALMISTES, "role": "secretariat"}
LEA, HUGO, INES, MOUSSA, LUCAS, EMMA = (
    "0691500123K",
    "0691300456L",
    "0691400789M",
    "0691200321N",
    "0691400654P",
    "0971200135S",
)
# The demo's parents, by phone and name, and the pupils each has at the Collège Concorde.
PARENTS = {
    "sophie": ("+33612345678", "Lefèvre-D'Almeida", "Sophie"),
    "karim": ("+33623456789", "Benali", "Karim"),
    "aminata": ("+33698765432", "N'Diaye", "Aminata"),
    "francois": ("+33645127833", "Da Silva", "François"),
}
PARENT_OF = {LEA: "sophie", HUGO: "sophie", INES: "karim", MOUSSA: "aminata", LUCAS: "francois"}


def written(store, fn, *args, **kwargs):
    """`fn(tx, …)` in a write transaction of its own, as one request would call it."""
    with store.writing() as tx:
        return fn(tx, *args, **kwargs)


def read(store, fn, *args, **kwargs):
    """`fn(tx, …)` in a read transaction of its own."""
    with store.reading() as tx:
        return fn(tx, *args, **kwargs)


def make_store(store):
    """The demo roster, an account for each parent above, and Concorde's campaign open (1
    September to 15 October 2026); the Palmistes' stays closed."""
    report = parse_roster_bytes(DEMO_ROSTER.read_bytes(), date(2026, 9, 14))
    with store.writing() as tx:
        import_roster(tx, report.rows)
        for telephone, nom, prenom in PARENTS.values():
            found = find_responsables(tx, telephone, nom, prenom)
            ids = [record["id"] for record in found]
            create_account(tx, ids, prenom, nom, telephone, None, "franceconnect", NOW, prenom)
        save_service(
            tx, CONCORDE, BOURSE, State.OPEN, "", date(2026, 9, 1), date(2026, 10, 15), NOW
        )
    return store


@pytest.fixture
def store(new_store):
    return make_store(new_store)


def account_of(store, name: str) -> dict:
    """The account made for that parent (they were created in PARENTS' order)."""
    return read(store, find_by_id, list(PARENTS).index(name) + 1)


def child(store, account: dict, ine: str) -> dict:
    children = read(store, children_of, account["responsable_ids"])
    return next(one for one in children if one["ine"] == ine)


def data(source="dgfip", rfr=12_000, enfants=2, iban="FR7630006000011234567890189") -> dict:
    return {
        "contact": {
            "email": "sophie.lefevre-dalmeida@example.org",
            "phone": "+33612345678",
            "address": {
                "line1": "12 rue des Lilas",
                "line2": "",
                "postal_code": "69003",
                "city": "Lyon",
            },
        },
        "tax": {
            "source": source,
            "notices": [
                {
                    "numero_fiscal": "3023217600053",
                    "reference_avis": "2623A12345678",
                    "notice": None,
                }
            ],
            "rfr": rfr,
            "enfants_a_charge": enfants,
            "annee_revenus": 2025,
            "dgfip_consent": source == "dgfip",
            "renewal": "accepte",
            "files": []
            if source == "dgfip"
            else [{"key": "clé-1", "name": "avis.pdf", "type": "application/pdf", "size": 1234}],
        },
        "estimate": estimate("2026-2027", rfr, enfants).as_dict(),
        "bank": {"holder": "Sophie Lefèvre-D'Almeida", "iban": iban, "bic": ""},
    }


def send(store, ine: str, token: str | None = None, now=NOW, **changes) -> dict:
    return written(store, submit, *submission(store, ine, token, now, **changes))


def submission(store, ine: str, token: str | None = None, now=NOW, **changes) -> tuple:
    """submit's arguments after its transaction, for this pupil by its parent."""
    account = account_of(store, PARENT_OF.get(ine, "francois"))
    pupil = child(store, account, ine)
    return account, pupil, data(**changes), token or f"j-{ine}", now


def at_once(count: int, action) -> list:
    """`action()` in `count` threads released together (requests arriving at one moment)."""
    start = threading.Barrier(count)

    def run(_):
        start.wait()
        return action()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def rows(store) -> list[dict]:
    with store.reading() as tx:
        return list(tx.scan(REQUESTS))


# -- Submitting ----------------------------------------------------------------------------------


def test_a_submitted_request_holds_the_contract_row(store):
    sophie = account_of(store, "sophie")
    made = written(store, submit, sophie, child(store, sophie, LEA), data(), "jeton-1", NOW)
    assert made["number"] == "0691234A-2026-00001"
    assert (made["school_year"], made["uai"], made["ine"]) == ("2026-2027", CONCORDE, LEA)
    assert made["account_id"] == sophie["id"]
    assert made["pupil"] == {
        "prenom": "Léa",
        "nom": "Lefèvre-D'Almeida",
        "classe": "6eA",
        "niveau": "6e",
        "etablissement_nom": "Collège Concorde",
    }
    assert made["applicant"] == {"first_name": "Sophie", "last_name": "Lefèvre-D'Almeida"}
    for key, value in data().items():
        assert made[key] == value
    assert made["documents_to_check"] is False
    assert (made["state"], made["granted_echelon"], made["refusal_reason"]) == (
        RequestState.SUBMITTED,
        None,
        None,
    )
    assert made["submitted_at"] == "2026-09-14T18:05:00+02:00"
    assert (made["modified_at"], made["decided_at"]) == (None, None)
    assert made["token"] == "jeton-1"
    assert made["history"] == [
        {
            "state": RequestState.SUBMITTED,
            "at": "2026-09-14T18:05:00+02:00",
            "by": "famille",
            "detail": "Demande déposée en ligne.",
        }
    ]
    assert read(store, find, made["number"]) == made
    assert len(rows(store)) == 1


def test_typed_tax_data_flag_the_documents_to_check(store):
    assert send(store, LEA, source="manuel")["documents_to_check"] is True


def test_the_files_requests_hold(store):
    assert read(store, bourse_requests.kept_pieces) == set()
    send(store, LEA, source="manuel")
    send(store, INES)
    assert read(store, bourse_requests.kept_pieces) == {"clé-1"}


def test_numbers_follow_each_other_per_school(store):
    numeros = [send(store, ine)["number"] for ine in (LEA, INES, MOUSSA)]
    assert numeros == ["0691234A-2026-00001", "0691234A-2026-00002", "0691234A-2026-00003"]


def test_a_new_school_year_starts_numbering_again(store, tmp_path):
    send(store, LEA)
    next_year = datetime(2027, 9, 6, 9, 0, tzinfo=PARIS)
    dates = (date(2027, 9, 1), date(2027, 10, 21))
    written(store, save_service, CONCORDE, BOURSE, State.OPEN, "", *dates, next_year)
    made = send(store, LEA, token="année-suivante", now=next_year)
    assert (made["number"], made["school_year"]) == ("0691234A-2027-00001", "2027-2028")


def test_numbers_go_on_from_the_schools_counter(store):
    # A file written before the counters: the migration set the counter to the highest number.
    with store.writing() as tx:
        tx.insert("compteurs", {"name": "demande:0691234A-2026", "value": 41})
    assert send(store, LEA)["number"] == "0691234A-2026-00042"


def test_the_same_token_twice_returns_the_request_unchanged(store):
    first = send(store, LEA, token="clic")
    again = send(store, LEA, token="clic", rfr=99_999)
    assert again == first
    assert len(rows(store)) == 1


def test_the_receipt_of_one_sending_is_claimed_once(store):
    first = send(store, LEA, token="clic")
    assert written(store, bourse_requests.claim_receipt, first["number"], "clic") is True
    assert written(store, bourse_requests.claim_receipt, first["number"], "clic") is False
    assert written(store, bourse_requests.claim_receipt, first["number"], "correction") is True
    with pytest.raises(LookupError):
        written(store, bourse_requests.claim_receipt, "0691234A-2026-99999", "clic")


def test_two_clicks_at_once_claim_the_receipt_once(store):
    first = send(store, LEA, token="clic")
    claims = at_once(
        8, lambda: written(store, bourse_requests.claim_receipt, first["number"], "clic")
    )
    assert sorted(claims) == [False] * 7 + [True]
    assert read(store, find, first["number"])["receipts_sent"] == ["clic"]


def test_the_same_token_after_a_correction_returns_the_corrected_request(store):
    first = send(store, LEA, token="clic")
    corrected = written(
        store, correct, first["number"], first["account_id"], data(rfr=20_000), "c1", NOW
    )
    again = send(store, LEA, token="clic")
    assert again == corrected
    assert again["tax"]["rfr"] == 20_000
    assert len(rows(store)) == 1


def test_another_token_for_the_same_child_is_refused(store):
    first = send(store, LEA, token="premier")
    with pytest.raises(AlreadyRequested) as raised:
        send(store, LEA, token="second")
    assert raised.value.existing == first
    assert first["number"] in str(raised.value)
    assert len(rows(store)) == 1


def test_a_sibling_gets_their_own_request(store):
    lea, hugo = send(store, LEA), send(store, HUGO)
    assert lea["number"] != hugo["number"]
    assert [request["number"] for request in read(store, of_account, lea["account_id"])] == [
        hugo["number"],
        lea["number"],
    ]


def test_a_request_cannot_be_made_when_the_campaign_is_closed(store):
    francois = account_of(store, "francois")
    emma = child(store, francois, EMMA)
    with pytest.raises(CampaignClosed) as raised:
        written(store, submit, francois, emma, data(), "j", NOW)
    assert "secrétariat" in str(raised.value)
    after = datetime(2026, 10, 16, 8, 0, tzinfo=PARIS)
    with pytest.raises(CampaignClosed):
        send(store, LEA, now=after)
    assert rows(store) == []


def test_a_late_double_click_still_gets_its_request(store):
    first = send(store, LEA, token="clic", now=datetime(2026, 10, 15, 23, 59, tzinfo=PARIS))
    late = datetime(2026, 10, 16, 0, 0, 1, tzinfo=PARIS)
    assert send(store, LEA, token="clic", now=late) == first


def test_the_day_of_the_campaign_is_the_day_in_paris(store):
    # 22:30 UTC on 15 October is already the 16th in Paris: closed.
    with pytest.raises(CampaignClosed):
        send(store, LEA, now=datetime(2026, 10, 15, 22, 30, tzinfo=UTC))
    with pytest.raises(ValueError):
        send(store, LEA, now=datetime(2026, 10, 15, 12, 0))
    assert rows(store) == []


def test_a_child_of_another_account_is_refused(store):
    karim, sophie = account_of(store, "karim"), account_of(store, "sophie")
    with pytest.raises(LookupError):
        written(store, submit, karim, child(store, sophie, LEA), data(), "j", NOW)
    assert rows(store) == []


def test_incomplete_data_is_a_programming_error(store):
    sophie = account_of(store, "sophie")
    partial = {key: value for key, value in data().items() if key != "bank"}
    with pytest.raises(ValueError, match="bank"):
        written(store, submit, sophie, child(store, sophie, LEA), partial, "j", NOW)
    assert rows(store) == []


def test_the_active_request_of_a_child(store):
    assert read(store, active_for_child, LEA, "2026-2027") is None
    made = send(store, LEA)
    assert read(store, active_for_child, LEA, "2026-2027") == made
    assert read(store, active_for_child, LEA, "2025-2026") is None
    assert read(store, active_for_child, HUGO, "2026-2027") is None


# -- Numbers across processes ----------------------------------------------------------------------


def test_processes_submitting_at_once_never_share_a_number(database, new_store):
    store = make_store(new_store)
    work = [
        (LEA, "léa"),
        (LEA, "léa"),  # a double click reaching two server processes
        (LEA, "léa-autre-onglet"),
        (HUGO, "hugo"),
        (INES, "inès"),
        (MOUSSA, "moussa"),
        (LUCAS, "lucas"),
    ]
    context = racers()
    start = context.Event()
    workers = [
        context.Process(target=submit_in_process, args=(database, submission(store, *one), start))
        for one in work
    ]
    for process in workers:
        process.start()
    start.set()
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0

    made = rows(store)
    assert sorted(request["number"] for request in made) == [
        f"0691234A-2026-0000{n}" for n in range(1, 6)
    ]
    assert sorted(request["ine"] for request in made) == sorted([LEA, HUGO, INES, MOUSSA, LUCAS])


# -- Corrections and withdrawal --------------------------------------------------------------------


def test_a_correction_replaces_the_data_and_is_in_the_history(store):
    first = send(store, LEA)
    later = NOW + timedelta(days=2)
    changed = data(source="manuel", rfr=30_000, enfants=3, iban="DE89370400440532013000")
    corrected = written(
        store, correct, first["number"], first["account_id"], changed, "corr", later
    )
    for key, value in changed.items():
        assert corrected[key] == value
    assert corrected["documents_to_check"] is True
    assert corrected["modified_at"] == later.isoformat()
    assert (corrected["number"], corrected["submitted_at"]) == (
        first["number"],
        first["submitted_at"],
    )
    assert corrected["history"][-1] == {
        "state": RequestState.SUBMITTED,
        "at": later.isoformat(),
        "by": "famille",
        "detail": "Demande corrigée par la famille.",
    }
    assert read(store, find, first["number"]) == corrected


def test_the_same_correction_twice_changes_nothing_more(store):
    first = send(store, LEA)
    once = written(
        store, correct, first["number"], first["account_id"], data(rfr=20_000), "corr", NOW
    )
    twice = written(store, correct, first["number"], first["account_id"], data(rfr=1), "corr", NOW)
    assert twice == once == read(store, find, first["number"])
    assert len(once["history"]) == 2


def test_only_the_owner_corrects_or_withdraws(store):
    first = send(store, LEA)
    karim = account_of(store, "karim")
    with pytest.raises(LookupError):
        written(store, correct, first["number"], karim["id"], data(), "x", NOW)
    with pytest.raises(LookupError):
        written(store, withdraw, first["number"], karim["id"], NOW)
    with pytest.raises(LookupError):
        written(store, withdraw, "0691234A-2026-99999", first["account_id"], NOW)
    assert read(store, find, first["number"]) == first


def test_a_request_under_study_can_still_be_corrected(store):
    first = send(store, LEA)
    written(store, set_state, first["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)
    corrected = written(store, correct, first["number"], first["account_id"], data(rfr=5), "c", NOW)
    assert (corrected["state"], corrected["tax"]["rfr"]) == (RequestState.IN_REVIEW, 5)


@pytest.mark.parametrize(
    "decision",
    [(RequestState.GRANTED, 2, ""), (RequestState.REFUSED, None, "Ressources trop élevées")],
)
def test_a_decided_request_cannot_be_changed(store, decision):
    first = send(store, LEA)
    written(store, set_state, first["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)
    state, echelon, motif = decision
    decided = written(store, set_state, first["number"], DIRECTION, state, NOW, echelon, motif)
    with pytest.raises(NotChangeable) as raised:
        written(store, correct, first["number"], first["account_id"], data(), "c", NOW)
    assert f"« {state} »" in str(raised.value)
    with pytest.raises(NotChangeable):
        written(store, withdraw, first["number"], first["account_id"], NOW)
    assert read(store, find, first["number"]) == decided


def test_nothing_changes_once_the_campaign_is_over(store):
    first = send(store, LEA)
    over = datetime(2026, 10, 16, 9, 0, tzinfo=PARIS)
    with pytest.raises(CampaignClosed):
        written(store, correct, first["number"], first["account_id"], data(), "c", over)
    with pytest.raises(CampaignClosed):
        written(store, withdraw, first["number"], first["account_id"], over)
    dates = (date(2026, 9, 1), date(2026, 10, 15))
    written(store, save_service, CONCORDE, BOURSE, State.CLOSED, "", *dates, NOW)
    with pytest.raises(CampaignClosed):
        written(store, withdraw, first["number"], first["account_id"], NOW)
    assert read(store, find, first["number"]) == first


def test_last_years_request_stays_closed_in_the_new_campaign(store):
    first = send(store, LEA)
    next_year = datetime(2027, 9, 6, 9, 0, tzinfo=PARIS)
    dates = (date(2027, 9, 1), date(2027, 10, 21))
    written(store, save_service, CONCORDE, BOURSE, State.OPEN, "", *dates, next_year)
    with pytest.raises(CampaignClosed):
        written(store, correct, first["number"], first["account_id"], data(), "c", next_year)


def test_a_withdrawn_request_stays_and_a_new_one_can_be_made(store):
    first = send(store, LEA, token="premier")
    later = NOW + timedelta(hours=1)
    withdrawn = written(store, withdraw, first["number"], first["account_id"], later)
    assert (withdrawn["state"], withdrawn["modified_at"]) == (
        RequestState.WITHDRAWN,
        later.isoformat(),
    )
    assert withdrawn["history"][-1] == {
        "state": RequestState.WITHDRAWN,
        "at": later.isoformat(),
        "by": "famille",
        "detail": "Demande retirée par la famille.",
    }
    assert read(store, find, first["number"]) == withdrawn
    assert read(store, active_for_child, LEA, "2026-2027") is None
    with pytest.raises(NotChangeable):
        written(store, withdraw, first["number"], first["account_id"], later)
    with pytest.raises(NotChangeable):
        written(store, correct, first["number"], first["account_id"], data(), "c", later)

    # The first journey's token still answers with the first request, never a new one.
    assert send(store, LEA, token="premier") == withdrawn
    second = send(store, LEA, token="second")
    assert second["number"] == "0691234A-2026-00002"
    assert read(store, active_for_child, LEA, "2026-2027") == second
    assert [r["number"] for r in read(store, of_account, first["account_id"])] == [
        second["number"],
        first["number"],
    ]


# -- The staff -----------------------------------------------------------------------------------


def test_the_schools_requests_of_a_year_by_number(store):
    made = [send(store, ine) for ine in (MOUSSA, LEA, INES)]
    assert read(store, of_school, CONCORDE, "2026-2027") == made
    assert read(store, of_school, CONCORDE, "2025-2026") == []
    assert read(store, of_school, PALMISTES, "2026-2027") == []


def test_a_request_is_studied_then_granted_with_its_echelon(store):
    first = send(store, LEA)
    studied = written(store, set_state, first["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)
    assert (studied["state"], studied["decided_at"]) == (RequestState.IN_REVIEW, None)
    later = NOW + timedelta(days=20)
    granted = written(
        store, set_state, first["number"], DIRECTION, RequestState.GRANTED, later, echelon=3
    )
    assert (granted["state"], granted["granted_echelon"]) == (RequestState.GRANTED, 3)
    assert granted["decided_at"] == later.isoformat()
    assert [entry["state"] for entry in granted["history"]] == [
        RequestState.SUBMITTED,
        RequestState.IN_REVIEW,
        RequestState.GRANTED,
    ]
    assert granted["history"][-1]["by"] == "direction.concorde"
    assert granted["history"][-1]["detail"] == "Bourse accordée, échelon 3."
    assert read(store, find, first["number"]) == granted
    journal = read(store, audit.entries, CONCORDE)
    assert [entry["action"] for entry in journal] == ["bourse", "bourse"]
    assert journal[0]["detail"] == (
        "Demande n° 0691234A-2026-00001 (Léa Lefèvre-D'Almeida) : Bourse accordée, échelon 3."
    )
    assert [entry["staff"] for entry in journal] == ["direction.concorde", "secretariat.concorde"]


@pytest.mark.parametrize(
    "decision",
    [(RequestState.GRANTED, 2, ""), (RequestState.REFUSED, None, "Ressources trop élevées")],
)
def test_only_the_direction_grants_or_refuses(store, decision):
    first = send(store, LEA)
    written(store, set_state, first["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)
    before = read(store, find, first["number"])
    state, echelon, motif = decision
    for staff in (SECRETARIAT, {**DIRECTION, "role": None}, {**DIRECTION, "role": "Direction"}):
        with pytest.raises(DecisionReserved) as raised:
            written(store, set_state, first["number"], staff, state, NOW, echelon, motif)
        assert "Seule la direction de l'établissement" in str(raised.value)
    # Even where the change could not be made anyway: the role is the first answer.
    with pytest.raises(DecisionReserved):
        written(store, set_state, send(store, HUGO)["number"], SECRETARIAT, state, NOW, 1, "x")
    assert read(store, find, first["number"]) == before
    assert len(read(store, audit.entries, CONCORDE)) == 1


def proposed(store, number: str, decision: str, echelon=None, reason="", now=NOW) -> dict:
    return written(store, propose, number, SECRETARIAT, decision, now, echelon, reason)


def test_the_secretariat_proposes_a_grant(store):
    first = send(store, LEA)
    written(store, set_state, first["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)
    later = NOW + timedelta(hours=2)
    changed = proposed(store, first["number"], RequestState.GRANTED, echelon=2, now=later)
    assert changed["state"] == RequestState.IN_REVIEW and changed["decided_at"] is None
    assert changed["proposal"] == {
        "state": RequestState.GRANTED,
        "echelon": 2,
        "reason": None,
        "by": "secretariat.concorde",
        "at": later.isoformat(),
    }
    assert changed["history"][-1] == {
        "state": RequestState.IN_REVIEW,
        "at": later.isoformat(),
        "by": "secretariat.concorde",
        "detail": "Proposition : accorder la bourse, échelon 2.",
    }
    assert read(store, find, first["number"]) == changed
    (entry, _) = read(store, audit.entries, CONCORDE)
    assert (entry["staff"], entry["action"]) == ("secretariat.concorde", "bourse")
    assert entry["detail"] == (
        "Demande n° 0691234A-2026-00001 (Léa Lefèvre-D'Almeida) : "
        "Proposition : accorder la bourse, échelon 2."
    )


def test_a_new_proposal_replaces_the_last(store):
    first = send(store, LEA)
    written(store, set_state, first["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)
    proposed(store, first["number"], RequestState.GRANTED, echelon=2)
    changed = proposed(store, first["number"], RequestState.REFUSED, reason=" Hors barème ")
    assert (changed["proposal"]["state"], changed["proposal"]["echelon"]) == (
        RequestState.REFUSED,
        None,
    )
    assert changed["proposal"]["reason"] == "Hors barème"
    assert changed["history"][-1]["detail"] == (
        "Proposition : refuser la demande, motif « Hors barème »."
    )
    assert len(changed["history"]) == 4


@pytest.mark.parametrize(
    ("decision", "echelon", "motif", "field"),
    [
        (RequestState.GRANTED, None, "", "echelon"),
        (RequestState.GRANTED, 4, "", "echelon"),
        (RequestState.REFUSED, None, "  ", "motif"),
        (RequestState.REFUSED, None, "x" * 501, "motif"),
    ],
)
def test_a_proposal_needs_its_echelon_or_its_reason(store, decision, echelon, motif, field):
    first = send(store, LEA)
    written(store, set_state, first["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)
    before = read(store, find, first["number"])
    with pytest.raises(BadTransition) as raised:
        proposed(store, first["number"], decision, echelon, motif)
    assert raised.value.field == field
    assert "proposé" in str(raised.value) or "motif du refus" in str(raised.value)
    assert read(store, find, first["number"]) == before


@pytest.mark.parametrize(
    ("path", "decision"),
    [
        ((), RequestState.GRANTED),
        ((RequestState.IN_REVIEW,), RequestState.IN_REVIEW),
        ((RequestState.IN_REVIEW, RequestState.REFUSED), RequestState.GRANTED),
    ],
)
def test_a_proposal_is_made_only_under_study(store, path, decision):
    first = send(store, LEA)
    for state in path:
        written(store, set_state, first["number"], DIRECTION, state, NOW, 1, "motif")
    before = read(store, find, first["number"])
    with pytest.raises(BadTransition) as raised:
        proposed(store, first["number"], decision, 1, "motif")
    assert raised.value.field is None
    assert read(store, find, first["number"]) == before
    with pytest.raises(LookupError):
        written(store, propose, first["number"], PALMISTES_STAFF, RequestState.GRANTED, NOW, 1)


def test_the_decision_names_who_proposed_and_who_decided(store):
    first = send(store, LEA)
    written(store, set_state, first["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)
    proposed(store, first["number"], RequestState.GRANTED, echelon=2)
    granted = written(
        store, set_state, first["number"], DIRECTION, RequestState.GRANTED, NOW, echelon=3
    )
    assert granted["history"][-1]["by"] == "direction.concorde"
    assert granted["history"][-1]["detail"] == (
        "Proposition de secretariat.concorde : accorder la bourse, échelon 2. "
        "Bourse accordée, échelon 3."
    )
    # The proposal stays on the request, for the record.
    assert granted["proposal"]["by"] == "secretariat.concorde"
    entry = read(store, audit.entries, CONCORDE)[0]
    assert entry["staff"] == "direction.concorde"
    assert entry["detail"].endswith(
        "(Léa Lefèvre-D'Almeida) : Proposition de secretariat.concorde : accorder la bourse, "
        "échelon 2. Bourse accordée, échelon 3."
    )


def test_a_proposal_and_a_decision_at_once_make_no_lost_change(store):
    first = send(store, LEA)
    written(store, set_state, first["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)

    def refuse():
        return written(
            store, set_state, first["number"], DIRECTION, RequestState.REFUSED, NOW, None, "Non"
        )

    def propose_a_grant():
        return proposed(store, first["number"], RequestState.GRANTED, echelon=1)

    turns = iter([refuse, propose_a_grant] * 3)

    def act():
        with contextlib.suppress(BadTransition):
            return next(turns)()

    at_once(6, act)
    found = read(store, find, first["number"])
    assert found["state"] == RequestState.REFUSED
    # Every change written is in the history: none overwrote another.
    assert len(found["history"]) == 1 + len(read(store, audit.entries, CONCORDE))


def test_a_state_change_is_kept_only_with_its_journal_entry(store, monkeypatch):
    first = send(store, LEA)

    def journal_unavailable(*args):
        raise OSError("journal indisponible")

    monkeypatch.setattr(audit, "record", journal_unavailable)
    with pytest.raises(OSError):
        written(store, set_state, first["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)
    assert read(store, find, first["number"]) == first


def test_two_staff_members_deciding_at_once_make_one_change(store):
    first = send(store, LEA)

    def study():
        try:
            return written(
                store, set_state, first["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW
            )
        except BadTransition:
            return None

    changed = [one for one in at_once(8, study) if one is not None]
    assert len(changed) == 1
    assert [entry["state"] for entry in read(store, find, first["number"])["history"]] == [
        RequestState.SUBMITTED,
        RequestState.IN_REVIEW,
    ]
    assert len(read(store, audit.entries, CONCORDE)) == 1


def test_a_refusal_needs_its_reason(store):
    first = send(store, LEA)
    written(store, set_state, first["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)
    for reason in ("", "   ", "x" * 501):
        with pytest.raises(BadTransition) as raised:
            written(
                store,
                set_state,
                first["number"],
                DIRECTION,
                RequestState.REFUSED,
                NOW,
                reason=reason,
            )
        assert raised.value.field == "motif"
    assert read(store, find, first["number"])["state"] == RequestState.IN_REVIEW
    refused = written(
        store,
        set_state,
        first["number"],
        DIRECTION,
        RequestState.REFUSED,
        NOW,
        reason=" Hors barème ",
    )
    assert (refused["state"], refused["refusal_reason"]) == (RequestState.REFUSED, "Hors barème")
    assert refused["granted_echelon"] is None
    assert read(store, audit.entries, CONCORDE)[0]["detail"].endswith(
        "Demande refusée : Hors barème"
    )


@pytest.mark.parametrize("echelon", [None, 0, 4, True, "2"])
def test_a_grant_needs_an_echelon_from_1_to_3(store, echelon):
    first = send(store, LEA)
    written(store, set_state, first["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)
    with pytest.raises(BadTransition) as raised:
        written(
            store, set_state, first["number"], DIRECTION, RequestState.GRANTED, NOW, echelon=echelon
        )
    assert raised.value.field == "echelon"
    assert "1, 2 ou 3" in str(raised.value)
    assert read(store, find, first["number"])["state"] == RequestState.IN_REVIEW


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ((), RequestState.GRANTED),
        ((), RequestState.REFUSED),
        ((), RequestState.SUBMITTED),
        ((), RequestState.WITHDRAWN),
        ((RequestState.IN_REVIEW,), RequestState.IN_REVIEW),
        ((RequestState.IN_REVIEW,), RequestState.SUBMITTED),
        ((RequestState.IN_REVIEW, RequestState.GRANTED), RequestState.REFUSED),
        ((RequestState.IN_REVIEW, RequestState.REFUSED), RequestState.GRANTED),
        ((), "perdue"),
    ],
)
def test_other_state_changes_are_refused(store, path, target):
    first = send(store, LEA)
    for state in path:
        written(store, set_state, first["number"], DIRECTION, state, NOW, 1, "motif")
    before = read(store, find, first["number"])
    with pytest.raises(BadTransition) as raised:
        written(store, set_state, first["number"], DIRECTION, target, NOW, 1, "motif")
    assert raised.value.field is None
    assert read(store, find, first["number"]) == before


def test_a_withdrawn_request_is_not_studied(store):
    first = send(store, LEA)
    written(store, withdraw, first["number"], first["account_id"], NOW)
    with pytest.raises(BadTransition):
        written(store, set_state, first["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)


def test_staff_of_another_school_cannot_touch_a_request(store):
    first = send(store, LEA)
    with pytest.raises(LookupError):
        written(store, set_state, first["number"], PALMISTES_STAFF, RequestState.IN_REVIEW, NOW)
    with pytest.raises(LookupError):
        written(store, set_state, "0691234A-2026-00042", SECRETARIAT, RequestState.IN_REVIEW, NOW)
    assert read(store, find, first["number"]) == first
    assert [entry["action"] for entry in read(store, audit.entries, PALMISTES)] == []


# -- Counts --------------------------------------------------------------------------------------


def test_counts_by_state_and_echelon(store):
    lea = send(store, LEA, rfr=0)  # estimate: échelon 3
    send(store, HUGO, rfr=0)
    ines = send(store, INES, rfr=10_000_000)  # estimate: no scholarship
    moussa = send(store, MOUSSA, rfr=0)
    written(store, set_state, lea["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)
    written(store, set_state, lea["number"], DIRECTION, RequestState.GRANTED, NOW, echelon=1)
    written(store, set_state, ines["number"], SECRETARIAT, RequestState.IN_REVIEW, NOW)
    written(
        store, set_state, ines["number"], DIRECTION, RequestState.REFUSED, NOW, reason="Hors barème"
    )
    written(store, withdraw, moussa["number"], moussa["account_id"], NOW)

    assert counts(read(store, of_school, CONCORDE, "2026-2027")) == {
        "states": {
            RequestState.SUBMITTED: 1,
            RequestState.IN_REVIEW: 0,
            RequestState.GRANTED: 1,
            RequestState.REFUSED: 1,
            RequestState.WITHDRAWN: 1,
        },
        "echelons": {0: 1, 1: 1, 2: 0, 3: 2},
    }
    assert counts([]) == {
        "states": dict.fromkeys(RequestState, 0),
        "echelons": {0: 0, 1: 0, 2: 0, 3: 0},
    }
    assert list(counts([])["states"]) == list(RequestState)
    assert DECIDED == (RequestState.GRANTED, RequestState.REFUSED)
