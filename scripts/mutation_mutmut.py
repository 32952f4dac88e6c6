"""mutmut's command line (`mutmut run …`) with three changes to what it costs, for
`make mutation` (scripts/mutation.py runs this instead of the `mutmut` script). The
mutants, the tests selected for each and the verdicts are mutmut's own:

- No clean pass right after a full stats pass. mutmut runs the whole selection twice
  before the first mutant: once to learn which test reaches which function ("stats":
  the original code, every call recorded) and once "clean" (the original code, to
  check that the tests pass). The stats pass already stops the run when a test fails,
  so after a full one the clean pass repeats it for nothing (a minute of CPU for a
  scoring group). It still runs after loaded stats (a second `run`, a retest).
- A mutant's tests in two pytest runs: first the tests likeliest to kill it alone, then,
  if they all passed, the others. pytest collects every test file it is given before
  running one: collecting a scoring group's 10 to 16 files cost a mutant more than the
  test that kills it. The likeliest are the tests that killed earlier mutants of the
  same function (scripts/mutation_plugin.py records them in MUTATION_KILLERS), most
  kills first, at most three; for a function with no kill yet, its cheapest test
  (mutmut sorts them by duration). Measured on the close group: with the cheapest test
  alone first, 57 % of the mutants passed it and paid for the second run — 85 % of
  the group's CPU; with the killers first, 9 % (19.3 → 9.9 CPU minutes).
- pytest's plugins are not discovered from every installed package (playwright,
  xdist… unused here: PYTEST_DISABLE_PLUGIN_AUTOLOAD) — hypothesis's, which some rule
  tests use, is named in the group's setup.cfg (scripts/mutation.py). It cost each of
  those pytest runs a scan of the installed packages' metadata.

With MUTATION_CPU_FILE set, the run's CPU seconds (its own and its forked mutants')
are written there at the end (groups run side by side: the parent cannot tell them apart).
"""
from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"

import mutmut.__main__ as mutmut_main  # noqa: E402  (after the environment is set)
from mutmut.runners.harness import PytestRunner  # noqa: E402
from mutmut.workers.isolation import ForkRunner  # noqa: E402

from mutation_order import likeliest_killers  # noqa: E402  (this script's folder)

_full_stats_passed = False


def _skip_clean_pass_after_full_stats() -> None:
    collect = mutmut_main.run_stats_collection
    clean = ForkRunner.run_clean_tests

    def run_stats_collection(runner, tests=None):
        global _full_stats_passed
        collect(runner, tests)     # exits the run if a test failed
        _full_stats_passed = _full_stats_passed or not tests

    def run_clean_tests(self, tests):
        tests = list(tests)
        if _full_stats_passed and not tests:   # the whole selection, passed just now
            print("    (clean pass skipped: the full stats pass just ran the same tests and passed)", file=sys.__stdout__)
            return 0
        return clean(self, tests)

    mutmut_main.run_stats_collection = run_stats_collection
    ForkRunner.run_clean_tests = run_clean_tests


def _likeliest_killers_first() -> None:
    run_tests = PytestRunner.run_tests

    def in_two_steps(self, *, mutant_name, tests):
        tests = list(tests)
        if mutant_name is None or len(tests) < 2:   # the clean and forced-fail passes
            return run_tests(self, mutant_name=mutant_name, tests=tests)
        first = likeliest_killers(mutant_name, tests, os.environ.get("MUTATION_KILLERS"))
        code = run_tests(self, mutant_name=mutant_name, tests=first)
        rest = [t for t in tests if t not in first]
        if code != 0 or not rest:   # killed (or no test: a listed equivalent), as one run would end
            return code
        return run_tests(self, mutant_name=mutant_name, tests=rest)

    PytestRunner.run_tests = in_two_steps


def _cpu_seconds() -> float:
    """This process's CPU seconds and its finished children's (mutmut waits for each
    forked mutant), user + system: the group's cost, whatever else runs beside it."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    _skip_clean_pass_after_full_stats()
    _likeliest_killers_first()
    sys.argv[0] = "mutmut"
    try:
        sys.exit(mutmut_main.cli())
    finally:  # scripts/mutation.py records it in the group's times.json
        if os.environ.get("MUTATION_CPU_FILE"):
            Path(os.environ["MUTATION_CPU_FILE"]).write_text(f"{_cpu_seconds():.1f}", encoding="utf-8")
