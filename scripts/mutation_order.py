"""pytest plugin of `make mutation` (scripts/mutation.py copies it next to each group's
mutants and loads it with `-p mutation_order`): run a mutant's tests fastest first, and
none for a mutant listed as equivalent.

mutmut runs, for each mutant, the tests that reach the mutated function, stopping at the
first failure (`-x`), but in no particular order. Most mutants are killed by most of
their tests, so starting with the quickest ones kills a mutant after a fraction of a
second instead of after a slow page or export test. Durations come from mutmut's own
clean run (mutants/mutmut-stats.json: the time of each test's call phase).

A mutant listed in tests/mutation_equivalents.txt (MUTATION_EQUIVALENTS names the file)
was found to change no behaviour, or only a PostgreSQL branch: no test can fail on
SQLite, so all of them would run in vain (a minute for an engine function). Its tests
are deselected (pytest's "no tests ran"); the report leaves it out of the score."""
from __future__ import annotations

import json
import os
from pathlib import Path



def _known_durations() -> dict[str, float]:
    """Read afresh for each run of the tests (not cached: the module stays imported in
    mutmut's process from its first, stats-collecting run, before any duration is known)."""
    try:
        from mutmut.state import state   # the forked worker inherits mutmut's state
        durations = state().duration_by_test
    except Exception:                    # outside mutmut, or another layout
        durations = {}
    if not durations:
        stats = Path("mutmut-stats.json")
        if stats.exists():
            durations = json.loads(stats.read_text(encoding="utf-8")).get("duration_by_test", {})
    return durations


def _listed_equivalents() -> set[str]:
    """Read for each mutant (a short file): entries added during a run count at once."""
    path = os.environ.get("MUTATION_EQUIVALENTS")
    lines = Path(path).read_text(encoding="utf-8").splitlines() if path and Path(path).exists() else []
    return {line.split()[0] for line in lines if line.strip() and not line.startswith("#")}


def _mutant_under_test() -> str:
    try:
        from mutmut.mutation.trampoline import get_mutant_under_test
        return get_mutant_under_test() or ""
    except Exception:
        return os.environ.get("MUTANT_UNDER_TEST", "")


def pytest_collection_modifyitems(session, config, items):
    if _mutant_under_test() in _listed_equivalents():
        config.hook.pytest_deselected(items=list(items))
        items[:] = []
        return
    durations = _known_durations()
    if not durations:
        return
    # unknown tests (new since the stats) last: they are the ones least likely to be quick
    items.sort(key=lambda item: durations.get(item.nodeid, durations.get(f"mutants/{item.nodeid}", 1e9)))


def pytest_configure(config):
    """No full garbage collection at the end of each run. pytest collects (to report
    exceptions raised in finalizers) when the session ends; in a worker forked from
    mutmut's process, whose heap holds the whole app and test suite, that collection
    took more CPU than a fast test itself. pytester turns it off the same way for the
    same reason (many pytest runs in one process)."""
    try:
        from _pytest.unraisableexception import gc_collect_iterations_key
    except ImportError:   # another pytest: keep its default
        return
    config.stash[gc_collect_iterations_key] = 0
