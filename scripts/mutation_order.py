"""pytest plugin of `make mutation` (scripts/mutation.py copies it next to each group's
mutants and loads it with `-p mutation_order`): run a mutant's tests fastest first.

mutmut runs, for each mutant, the tests that reach the mutated function, stopping at the
first failure (`-x`), but in no particular order. Most mutants are killed by most of
their tests, so starting with the quickest ones kills a mutant after a fraction of a
second instead of after a slow page or export test. Durations come from mutmut's own
clean run (mutants/mutmut-stats.json: the time of each test's call phase)."""
from __future__ import annotations

import json
from pathlib import Path

_durations: dict[str, float] | None = None


def _known_durations() -> dict[str, float]:
    global _durations
    if _durations is None:
        try:
            from mutmut.state import state   # the forked worker inherits mutmut's state
            _durations = dict(state().duration_by_test)
        except Exception:                    # outside mutmut, or an older layout
            _durations = {}
        if not _durations:
            stats = Path("mutmut-stats.json")
            if stats.exists():
                _durations = json.loads(stats.read_text(encoding="utf-8")).get("duration_by_test", {})
    return _durations


def pytest_collection_modifyitems(session, config, items):
    durations = _known_durations()
    if not durations:
        return
    # unknown tests (new since the stats) last: they are the ones least likely to be quick
    items.sort(key=lambda item: durations.get(item.nodeid, durations.get(f"mutants/{item.nodeid}", 1e9)))
