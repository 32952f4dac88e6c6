"""pytest plugin of `make mutation` (scripts/mutation.py copies it next to each group's
mutants and loads it with `-p mutation_plugin`): what mutmut's own per-mutant pytest run
lacks. (mutmut 3.8 already runs a mutant's tests fastest first, with -x.)

- A mutant listed in tests/mutation_equivalents.txt (MUTATION_EQUIVALENTS names the
  file) was found to change no behaviour, or only a PostgreSQL branch: no test can fail
  on SQLite, so all its tests would run in vain (a minute of CPU for an engine
  function). Its tests are deselected (pytest's "no tests ran"); the report leaves it
  out of the score.
- No full garbage collection at the end of each run (see pytest_configure).
- A test's recorded duration counts its setup and teardown, not its call alone (see
  pytest_runtest_makereport): mutmut runs a mutant's tests shortest first.
- Werkzeug's URL builders are compiled once per process, not once per app (see
  _reuse_url_builders): every test builds an app, and that was a third of the
  fastest tests' CPU.
- Each test database's schema is copied, not created (see _copy_schema).
- With MUTATION_CPU_LOG set, each mutant's CPU time is appended to that file."""
from __future__ import annotations

import os
from pathlib import Path


def _listed_equivalents() -> set[str]:
    """Read for each mutant (a short file): entries added during a run count at once."""
    path = os.environ.get("MUTATION_EQUIVALENTS")
    lines = Path(path).read_text(encoding="utf-8").splitlines() if path and Path(path).exists() else []
    return {line.split()[0] for line in lines if line.strip() and not line.startswith("#")}


def _mutant_under_test() -> str:
    try:
        from mutmut.mutation.trampoline import get_mutant_under_test
        return get_mutant_under_test() or ""
    except Exception:   # outside mutmut, or another layout
        return os.environ.get("MUTANT_UNDER_TEST", "")


def pytest_collection_modifyitems(session, config, items):
    if _mutant_under_test() in _listed_equivalents():
        config.hook.pytest_deselected(items=list(items))
        items[:] = []


def pytest_configure(config):
    _reuse_url_builders()
    _copy_schema()
    _no_final_gc(config)


def _copy_schema():
    """Every test's app creates the whole schema in a new in-memory SQLite database:
    ~170 tables and their indexes compiled and executed, 0.07 CPU s a test, the
    largest single cost of a fast rule test in a mutant's process. The schema is the
    same every time (the models are not mutated, and no DDL hook runs mutated code),
    so it is created once per process (mutmut's clean run, before the forks) and
    copied into each new database as bytes (sqlite3's deserialize: the database
    image, tables, indexes and all). The copied database is the one create_all
    makes: same statements, same file; connection settings (foreign keys, the SQL
    functions) are set per connection as before. Only in mutation runs, and only for
    in-memory SQLite."""
    try:
        from core import db as core_db
    except ImportError:
        return
    create_all = core_db.Database.create_all
    if getattr(create_all, "copied", False) or not hasattr(__import__("sqlite3").Connection, "deserialize"):
        return
    image = {}

    def copied(self):
        if self.url not in ("sqlite://", "sqlite:///:memory:"):
            return create_all(self)
        if "bytes" not in image:
            source = core_db.Database(self.url)
            create_all(source)
            raw = source.engine.raw_connection()
            image["bytes"] = raw.driver_connection.serialize()
            raw.close()
            source.engine.dispose()
        raw = self.engine.raw_connection()   # StaticPool: the database's one connection
        try:
            raw.driver_connection.deserialize(image["bytes"])
        finally:
            raw.close()

    copied.copied = True
    core_db.Database.create_all = copied


def _reuse_url_builders():
    """Werkzeug compiles two URL-builder functions per route (an AST, then compile())
    each time an app registers its ~200 routes: 0.1 of the 0.25 CPU s an app costs in
    a mutant's process. The function is the same for the same route text, so it is
    kept, per process, by the rule's parsed parts; mutmut forks each mutant's process
    after its clean run, so every app there reuses them. Rules with defaults inside
    the path (none here) are compiled as before. Only in mutation runs: the test
    suite's own runs are unchanged."""
    try:
        from werkzeug.routing.rules import Rule
        compile_builder = Rule._compile_builder
    except (ImportError, AttributeError):   # another werkzeug: keep its own
        return
    if getattr(compile_builder, "reused", False):
        return
    built = {}

    def reused(self, append_unknown=True):
        defaults = self.defaults or {}
        if any(dynamic and part in defaults for dynamic, part in self._trace):
            return compile_builder(self, append_unknown)
        key = (append_unknown, tuple(self._trace), tuple(defaults))
        if key not in built:
            built[key] = compile_builder(self, append_unknown)
        return built[key]

    reused.reused = True
    Rule._compile_builder = reused


def _no_final_gc(config):
    """pytest collects garbage (to report exceptions raised in finalizers) when the
    session ends; in a worker forked from mutmut's process, whose heap holds the whole
    app and test suite, that took more CPU than a fast test itself. pytester turns it
    off the same way for the same reason (many pytest runs in one process)."""
    try:
        from _pytest.unraisableexception import gc_collect_iterations_key
    except ImportError:   # another pytest: keep its default
        return
    config.stash[gc_collect_iterations_key] = 0


def pytest_unconfigure(config):
    """With MUTATION_CPU_LOG set, append this mutant's CPU seconds (user + system of
    the forked process, which starts at zero at the fork) to that file: the cost per
    mutant, measured rather than estimated from the totals."""
    path, name = os.environ.get("MUTATION_CPU_LOG"), _mutant_under_test()
    if path and name and name not in ("stats", "fail", "mutant_generation"):
        import resource
        usage = resource.getrusage(resource.RUSAGE_SELF)
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{name} {usage.ru_utime + usage.ru_stime:.3f}\n")


def pytest_runtest_makereport(item, call):
    """mutmut records each test's duration in its stats run (mutant "stats") from the
    test's call alone and runs a mutant's tests shortest first, stopping at the first
    failure. Most of a rule test's time is its fixtures' (an app, its schema, closed
    windows: the notice tests close a whole year in setup), so by call time alone
    such a test came first and cost seconds before a one-second test that fails on the
    same mutant. Adding setup and teardown orders them by what they cost (and sets
    mutmut's CPU limit per mutant from the real cost)."""
    if call.when == "call" or _mutant_under_test() != "stats":
        return
    from mutmut.state import state
    durations = state().duration_by_test
    if item.nodeid in durations:   # set to 0 by mutmut when the test starts
        durations[item.nodeid] += call.duration
