"""`python -m bench.examination`: how long the automatic examination of a school of 1,000
consenting pupils takes (issue 14), on TinyDB and on PostgreSQL (skipped when it does not
answer), in one process, as the back office's background thread or the command runs it.

The school is written straight into a new store (the bench's families, bench/families.py, each
with a consent); the tax data is a stand-in answering at once, a quarter each eligible, not
eligible, not found and unavailable, so what is measured is the service's own work: the reads,
the results, the requests and the notices written by batches. A second run (the unavailable
quarter examined again) is timed too.

    BENCH_PUPILS=2000 python -m bench.examination     another size (default 1,000)
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app import create_app
from bench.families import BENCH_UAI, Family, password_hash
from bench.seed import ADMIN_URL, database_url, postgresql_version, recreate_database
from outside.storage import open_store
from outside.storage.migrations import upgrade
from outside.tax import TaxUnavailable, TaxUnknown
from records import consents, examinations
from rules.civil_status import CivilStatus
from views import examination_run

TODAY = "2026-09-14"
SCHOOL = {"uai": BENCH_UAI, "nom": "Collège du Banc d'essai", "type": "collège public"}


@dataclass(frozen=True)
class Avis:
    revenu_fiscal_reference: int
    nombre_personnes_charge: int

    def to_api(self) -> dict:
        return {"revenuFiscalReference": self.revenu_fiscal_reference}


class InstantTaxData:
    """Answers by the applicant's birth day: a quarter of the households in each result."""

    def find_by_civil_status(self, applicant: CivilStatus, partner, annee_impots: int):
        kind = applicant.birth_date.day % 4
        if kind == 2:
            raise TaxUnknown("banc d'essai")
        if kind == 3:
            raise TaxUnavailable("banc d'essai")
        return [Avis(3000 if kind == 0 else 90000, 1)]


def seed(database: str, pupils: int, moment) -> None:
    """The school, its pupils and parents, an account each (half with a confirmed e-mail) and
    each one's consent."""
    store = open_store(database)
    upgrade(store)
    families = [Family(n) for n in range(pupils)]
    hashed = password_hash()
    with store.writing() as tx:
        tx.insert("etablissements", SCHOOL)
        tx.insert_many(
            "eleves", [_without_id({**one.eleve(), "uai": BENCH_UAI}) for one in families]
        )
        ids = tx.insert_many("comptes", [_account(one, hashed) for one in families])
        for one, account_id in zip(families, ids, strict=True):
            born = date(1980, 1, one.n % 28 + 1)
            applicant = CivilStatus(one.nom, one.parent_prenom, born, "Lyon", "69")
            account = {"id": account_id, "first_name": one.parent_prenom, "last_name": one.nom}
            child = {"ine": one.ine, "uai": BENCH_UAI}
            consents.choose(tx, account, child, True, moment, applicant=applicant)
    store.close()


def _account(family: Family, hashed: str) -> dict:
    identifiant = f"banc.{family.n}"
    return {
        **_without_id(family.compte(hashed)),
        "identifier": identifiant,
        "identifier_key": identifiant,
        "responsable_ids": [],
        "email": f"parent{family.n}@exemple.fr",
        "email_confirmed": family.n % 2 == 0,
    }


def _without_id(doc: dict) -> dict:
    return {name: value for name, value in doc.items() if name != "id"}


def measure(database: str, pupils: int) -> list[str]:
    settings = {"TESTING": True, "SECRET_KEY": "b" * 32, "DATABASE": database, "TODAY": TODAY}
    app = create_app(settings)
    app.extensions["tax"] = InstantTaxData()
    store, clock = app.extensions["store"], app.extensions["clock"]
    seed(database, pupils, clock.now())
    lines = []
    links = examination_run.Links("http://banc.example/")
    with app.app_context():
        for label in ("first run", "second run"):
            with store.writing() as tx:
                run = examination_run.start(tx, BENCH_UAI, "2026-2027", "banc", clock.now())
            started = time.monotonic()
            ended = examination_run.examine_all(run, links)
            seconds = time.monotonic() - started
            lines.append(f"  {label}: {ended['done']} pupils in {seconds:.1f} s ({ended['state']})")
        with store.reading() as tx:
            found = examinations.of_school(tx, BENCH_UAI, "2026-2027")
    counted = Counter(row["result"] for row in found)
    lines.append(
        f"  {len(found)} results: " + ", ".join(f"{n} {kind}" for kind, n in counted.items())
    )
    return lines


def main() -> None:
    pupils = int(os.environ.get("BENCH_PUPILS", "1000"))
    with tempfile.TemporaryDirectory() as folder:
        print(f"TinyDB, {pupils} consenting pupils:")
        print("\n".join(measure(str(Path(folder) / "examen.json"), pupils)))
    if postgresql_version():
        url = database_url(pupils, ADMIN_URL).replace("bench_", "bench_examen_")
        recreate_database(url, ADMIN_URL)
        print(f"PostgreSQL, {pupils} consenting pupils:")
        print("\n".join(measure(url, pupils)))
    else:
        print("PostgreSQL does not answer: skipped.")


if __name__ == "__main__":
    main()
