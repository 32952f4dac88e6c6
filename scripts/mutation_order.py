"""Which of a mutant's tests `make mutation` runs first (scripts/mutation_mutmut.py):
the tests that killed earlier mutants of the same function. Kept apart from the mutmut
glue so that the suite can test it without mutmut installed."""
from __future__ import annotations

import os
from collections import Counter


def likeliest_killers(mutant_name: str, tests: list[str], killers_file: str | None,
                      at_most: int = 3) -> list[str]:
    """The tests to run first for `mutant_name`: those of `tests` that killed earlier
    mutants of its function, most kills first (then mutmut's order, cheapest first),
    else the cheapest. `killers_file` holds `function test-id` lines, one per kill
    (scripts/mutation_plugin.py writes them). The verdict does not depend on it: a
    mutant survives only if every one of its tests passes."""
    function = mutant_name.rsplit("__mutmut_", 1)[0] + " "
    kills = Counter()
    if killers_file and os.path.exists(killers_file):
        with open(killers_file, encoding="utf-8") as log:
            kills.update(line[len(function):].rstrip("\n") for line in log if line.startswith(function))
    known = sorted((t for t in tests if kills[t]), key=lambda t: -kills[t])
    return known[:at_most] or tests[:1]
