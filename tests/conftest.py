import os
import shutil
import tempfile

import pytest
from flask import Flask
from hypothesis import settings as hypothesis_settings
from jinja2 import BytecodeCache
from werkzeug.routing import Map, Rule
from werkzeug.routing.matcher import State, StateMachineMatcher

from app import create_app
from outside.storage import open_store
from rules.passwords import set_hash_cost
from tests import backends
from tests.collector import keep_loaded_code_out_of_collections
from tests.fake_clock import FakeClock, install
from tests.staff import signed_in_staff
from views import login

# argon2 at its lowest cost: at the production cost each hash takes a fifth of a second, which
# made most of the suite's time. tests/test_settings.py proves the service's own cost.
CHEAP_HASH_COST = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
TEST_SETTINGS = {
    "TESTING": True,
    "TODAY": "2026-09-14",
    "PASSWORD_HASH_COST": CHEAP_HASH_COST,
    # The recovery's answers are evened out to 1 s; tests/test_recovery.py checks that wait.
    "RECOVERY_ANSWER_SECONDS": 0,
}
# For the hashes tests make themselves, before or without an app.
set_hash_cost(CHEAP_HASH_COST)

# Hypothesis fails an example slower than 200 ms (its "deadline"): on a machine shared with other
# work, the first example of a test (imports, compiled patterns) took 0.9 s and failed a test
# whose property held. Timing is `make bench`'s business, never a test's.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")

# The tests' folders (tmp_path: their TinyDB files) in memory where the system offers it: the
# engine fsyncs the file at each write, 2 ms on a disk, for the tens of thousands of writes of
# the suite; nothing on tmpfs.
if os.path.isdir("/dev/shm"):
    tempfile.tempdir = "/dev/shm"


class CompiledTemplates(BytecodeCache):
    """Each app has a Jinja environment of its own, which compiled every template it rendered
    again: most of a view test's time. The apps of one test process share the compiled code
    instead; a template whose source changed is compiled again (its checksum is the source's)."""

    def __init__(self):
        self.codes = {}

    def load_bytecode(self, bucket):
        checksum, code = self.codes.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket):
        self.codes[bucket.key] = (bucket.checksum, bucket.code)


COMPILED_TEMPLATES = CompiledTemplates()


class OnceCompiledRule(Rule):
    """For each rule of each app, werkzeug parses the rule's text into its parts (regular
    expressions, weights, converters) and writes and compiles two functions that build its URLs:
    most of create_app's time, and the tests make thousands of apps. The apps of one test
    process share them:
    - a builder is plain code over the rule's own parts and defaults, and is given the rule it
      builds for at each call;
    - a rule's parts and trace follow from its text, its domain and its map's converter classes
      and slash settings only (werkzeug never changes them once made), so a rule of the same
      text in another app gets the same ones; its converters are made again for its own map
      from the arguments first parsed, as werkzeug would have made them.
    Both override werkzeug's private Rule.compile and Rule._compile_builder: check them when
    werkzeug is upgraded."""

    builders = {}
    parsed = {}

    def _compile_builder(self, append_unknown=True):
        key = (self.rule, repr(self.defaults) if self.defaults else None, append_unknown)
        builders = self.builders.setdefault(tuple(self._trace), {})
        if key not in builders:
            builders[key] = super()._compile_builder(append_unknown)
        return builders[key]

    def compile(self):
        key = (
            self.rule,
            self.host if self.map.host_matching else self.subdomain,
            self.map.host_matching,
            self.merge_slashes,
            tuple(self.map.converters.items()),
        )
        if key not in self.parsed:
            self._converter_arguments = []
            try:
                super().compile()
                made = (tuple(self._parts), tuple(self._trace), self._converter_arguments)
                self.parsed[key] = made
            finally:
                del self._converter_arguments
            return
        parts, trace, converter_arguments = self.parsed[key]
        self._parts, self._trace = list(parts), list(trace)
        self._converters = {}
        for variable, *arguments in converter_arguments:
            self._converters[variable] = self.get_converter(variable, *arguments)
            self.arguments.add(variable)
        self._build = self._compile_builder(False).__get__(self, None)
        self._build_unknown = self._compile_builder(True).__get__(self, None)

    def get_converter(self, variable_name, converter_name, args, kwargs):
        # Kept while a rule is parsed for the first time, for the same rule in the next apps.
        if hasattr(self, "_converter_arguments"):
            self._converter_arguments.append((variable_name, converter_name, args, kwargs))
        return super().get_converter(variable_name, converter_name, args, kwargs)


Flask.url_rule_class = OnceCompiledRule


class LeanMatcher(StateMachineMatcher):
    """werkzeug's matcher makes a new State for each static part of each rule it adds, and drops
    it when that state already exists (`setdefault`): a fifth of what making an app costs. The
    same tree, each state made only when missing. Overrides werkzeug's StateMachineMatcher.add:
    check it when werkzeug is upgraded."""

    def add(self, rule):
        state = self._root
        for part in rule._parts:
            if part.static:
                following = state.static.get(part.content)
                if following is None:
                    following = state.static[part.content] = State()
            else:
                following = next((known for test, known in state.dynamic if test == part), None)
                if following is None:
                    following = State()
                    state.dynamic.append((part, following))
            state = following
        state.rules.append(rule)


class LeanMap(Map):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._matcher = LeanMatcher(self._matcher.merge_slashes)


Flask.url_map_class = LeanMap


def new_app(**settings):
    """The service with the tests' settings and these."""
    app = create_app({**TEST_SETTINGS, **settings})
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app


@pytest.fixture(scope="session")
def engine() -> str:
    """The engine this run keeps records in (TEST_BACKEND). Every fixture that gives a test a
    database of that engine asks for it: the run on PostgreSQL runs only the tests that do
    (`pytest_collection_modifyitems`)."""
    return backends.BACKEND


@pytest.fixture(scope="session")
def postgresql_url(engine, worker_id):
    """This worker's PostgreSQL database, when the suite runs on PostgreSQL."""
    if engine != "postgresql":
        yield None
        return
    if not backends.postgresql_answers():
        backends.skip_or_fail(f"PostgreSQL ne répond pas à {backends.ADMIN_URL}")
    url = backends.worker_database(worker_id)
    yield url
    backends.drop(url)


@pytest.fixture
def database(postgresql_url, tmp_path):
    """The DATABASE setting of this test: an emptied PostgreSQL database, or a new TinyDB file."""
    if postgresql_url:
        backends.empty(postgresql_url)
        return postgresql_url
    return str(tmp_path / "db.json")


@pytest.fixture
def new_store(database):
    """A store on the test's database, outside any app."""
    return open_store(database)


@pytest.fixture
def storage(database, tmp_path):
    """Where the test's app keeps its records and the files parents upload."""
    return {"DATABASE": database, "UPLOAD_FOLDER": str(tmp_path / "pieces")}


@pytest.fixture
def app(storage):
    return new_app(**storage)


@pytest.fixture
def make_app(storage):
    """Another app for settings a test changes (`make_app(DEV_PAGES=True)`), on the test's
    database."""

    def make(**settings):
        return new_app(**{**storage, **settings})

    return make


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store(app):
    return app.extensions["store"]


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# The service on the demo roster and a fake clock, for the view tests (registration, sign-in) -----


@pytest.fixture(scope="session")
def demo_database(postgresql_url, tmp_path_factory):
    """The demo roster as `flask demo seed` leaves an empty database, seeded once by each test
    process (the command took a view test's time again and again): on TinyDB a file, on
    PostgreSQL the SQL that fills the emptied database with it."""
    folder = tmp_path_factory.mktemp("demo")
    database = postgresql_url or str(folder / "db.json")
    if postgresql_url:
        # A session fixture comes before the test's own `database`, which empties the worker's
        # database: the records an earlier test left would be seeded into the copy otherwise.
        backends.empty(postgresql_url)
    app = new_app(DATABASE=database, UPLOAD_FOLDER=str(folder / "pieces"))
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    return backends.filling(postgresql_url) if postgresql_url else database


@pytest.fixture
def seeded(database, demo_database):
    """The test's database starts with the demo roster, a copy of its own."""
    if backends.on_postgresql():
        backends.run(database, demo_database)
    else:
        assert not os.path.exists(database), "the demo roster comes before any other record"
        shutil.copyfile(demo_database, database)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def web(make_app, seeded, clock):
    """The service without CSRF checks (they have their own tests), on the demo roster."""
    return install(make_app(WTF_CSRF_ENABLED=False), clock)


@pytest.fixture
def guarded(make_app, seeded, clock):
    """The service as it runs: CSRF checked."""
    return install(make_app(), clock)


@pytest.fixture
def parent(web):
    return web.test_client()


@pytest.fixture
def db(web):
    return web.extensions["store"]


@pytest.fixture(autouse=True)
def fresh_rate_limits(request):
    """The limiter is one module-level object: what a test counted must not reach the next.
    Only an app gives it a storage to empty."""
    yield
    if "storage" in request.fixturenames:
        login.limiter.reset()


@pytest.fixture
def office(web, db, clock):
    """The Concorde's secretariat, signed in: it instructs and proposes."""
    return signed_in_staff(web, db, clock, "secretariat.concorde")


@pytest.fixture
def head(web, db, clock):
    """The Concorde's direction, signed in: it grants or refuses."""
    return signed_in_staff(web, db, clock, "direction.concorde", role="direction")


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """`-n 2` alone deals the tests out to the workers by turns (xdist's `load`): a module's
    tests went to both, and each worker started the same module's servers (tests/test_races.py,
    tests/test_reminder_races.py); and a worker that ran out first waited for the other's
    last long tests. Work stealing gives each worker one half of the tests, in order, and lets
    the first one done take the other's last ones (the short tests: LONGEST_FIRST below).
    Any other --dist asked is kept."""
    if config.getvalue("dist") == "load":
        from xdist.scheduler import WorkStealingScheduling

        return WorkStealingScheduling(config, log)
    return None


# The tests that take seconds each (real servers and processes, the fuzzing of every route),
# run first: work stealing then balances the two workers with the short tests at the end, never
# leaving one worker alone with a long test, nor splitting a module of servers between them.
LONGEST_FIRST = (
    "tests/test_races.py",
    "tests/test_fuzz.py",
    "tests/test_reminder_races.py",
    "tests/test_shared_limits.py",
    "tests/test_migrations.py",
)


def pytest_collection_finish(session):
    keep_loaded_code_out_of_collections()


def pytest_collection_modifyitems(config, items):
    def rank(item):
        path = item.nodeid.split("::")[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the same order as before within each module and for the rest
    if backends.on_postgresql():
        leave_out_what_the_engine_cannot_change(config, items)


def leave_out_what_the_engine_cannot_change(config, items) -> None:
    """The run on PostgreSQL runs the tests whose records live in the engine under test (those
    that ask for `engine`). The others (the rules, the documents, the settings, what runs on
    TinyDB files or PostgreSQL databases of its own) get the same fixtures in both runs and
    passed in the run on TinyDB: run again, they took a quarter of this run's time and could
    only repeat the first."""
    engine_free = [item for item in items if "engine" not in item.fixturenames]
    if engine_free:
        config.hook.pytest_deselected(items=engine_free)
        items[:] = [item for item in items if "engine" in item.fixturenames]
