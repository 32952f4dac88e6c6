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
- With MUTATION_CPU_LOG set, each mutant's CPU time is appended to that file.
- With MUTATION_KILLERS set, the test that killed a mutant is appended to that file
  with the mutated function's name: scripts/mutation_mutmut.py runs those tests first
  for the function's next mutants (see there).

The suite's own conftest compiles werkzeug's URL builders and the templates once per
process and copies each test's empty SQLite schema instead of creating it
(tests/compiled_once.py, tests/sqlite_copy.py) — what mattered most here: every test
builds an app, and those were most of a fast rule test's CPU in a mutant's process."""
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
    _no_final_gc(config)


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


def pytest_runtest_logreport(report):
    """Record which test killed the mutant under test (MUTATION_KILLERS): one line,
    `function test-id`, for the next mutants of the same function."""
    path, name = os.environ.get("MUTATION_KILLERS"), _mutant_under_test()
    if path and report.failed and "__mutmut_" in name:
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{name.rsplit('__mutmut_', 1)[0]} {report.nodeid}\n")


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
