"""Mutation testing of the rules (`make mutation`): mutmut over the engine, the scoping
layer, the periods, the points and the ledger's scoring methods, one module group per
mutmut run, each with only the tests that exercise it (two groups side by side by default:
MUTATION_LANES; MUTATION_CHILDREN mutants tested at once in all, default 2).

    python scripts/mutation.py run [GROUP …]     mutate and test (all groups by default)
    python scripts/mutation.py retest [GROUP …]  test the survivors again (after adding tests)
    python scripts/mutation.py report [--survivors]
    python scripts/mutation.py show MUTANT        the diff of one mutant
    python scripts/mutation.py diffs GROUP [--all] [PATTERN]   the diffs of its survivors
                                                  (--all: of every mutant), to review

mutmut runs through scripts/mutation_mutmut.py (its command line, with the clean pass
after a full stats pass skipped and a mutant's first test run alone first).
Each group runs in its own folder `.mutation/<group>/` (git-ignored) holding links to
core/, plugins/ and tests/ and a setup.cfg written here: mutmut copies the code into
`mutants/` there, runs the group's tests once to learn which test reaches which
function, then runs, for each mutant, only the tests that reach the mutated function
(stopping at the first failure). A second `run` only tests what is not yet tested or
whose source changed; delete `.mutation/<group>/` to start a group afresh.

The report prints, per group and overall, killed ÷ (mutants − equivalents − PostgreSQL
only): mutants listed in tests/mutation_equivalents.txt (one per line: name, then the
reason) change no behaviour and are left out; those whose reason starts with
`[postgresql]` change only a PostgreSQL branch (COPY, casts, locks): the SQLite run
cannot reach them (make test-pg does), and they are counted apart, in their own
column. A mutant no selected test reaches counts as surviving. The report also prints
each group's wall and CPU time (the machine is shared: CPU time ÷ cores estimates the
wall time on an idle machine).
It is a benchmark-like figure, not a pass/fail step of .ci/run. Decisions:
- Lines that only build a user message (gettext(…), _l(…)) are not mutated: wording is
  the pages' tests' business, not a rule (`SKIP_LINES`).
- core/scoring's views, commands, tasks, export, sheet and demo periods are UI and CLI
  glue with their own page tests; they are not in the groups.
"""
from __future__ import annotations

import fcntl
import fnmatch
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.txt"
PLUGIN = ROOT / "scripts" / "mutation_plugin.py"
RUNNER = ROOT / "scripts" / "mutation_mutmut.py"   # mutmut's CLI, with what it costs cut
PG_ONLY = "[postgresql]"

#: The scoring engine's tests, the pool the scoring groups draw from: page, export,
#: what-if, concurrency and property tests are left out (slow, and they check glue
#: around the rules, not the rules); the sheet's CLI and the fan-out tests are in, for
#: the engine's preview and one-unit paths.
_SCORING = "tests/core/scoring/"

#: group → (files to mutate, test paths run against them). Each group gets the smallest
#: set of test files that reaches (and pins) its modules: mutmut then runs, for each
#: mutant, only those of them that reach the mutated function, fastest first, stopping
#: at the first failure.
GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "points": (["core/points.py"],
               ["tests/core/test_points.py", _SCORING + "test_formula.py"]),
    "scoping": (["core/auth/scoping.py"],
                ["tests/core/test_scoping.py", "tests/core/test_access_matrix.py"]),
    "periods": (["core/periods/keys.py", "core/periods/locks.py", "core/periods/services.py"],
                ["tests/core/test_periods.py", "tests/core/ledger/test_open_periods.py",
                 "tests/core/cutoff/test_locks.py", _SCORING + "test_close.py"]),
    "ledger_kinds": (["core/ledger/kinds.py"],
                     [_SCORING + f for f in ("test_ledger_kinds.py", "test_evaluators.py",
                                             "test_pinned_rules.py", "test_kind_bounds.py", "test_rescore.py",
                                             "test_fanout.py")]
                     + ["tests/core/scoring_web/test_sheet_explained.py"]),
    "scoring_rules": (["core/scoring/aggregate.py", "core/scoring/ranking.py", "core/scoring/stars.py",
                       "core/scoring/gates.py", "core/scoring/sqlfuncs.py", "core/scoring/kinds.py",
                       "core/scoring/sources.py"],
                      [_SCORING + f for f in ("test_aggregate.py", "test_rounding.py", "test_formula.py",
                                              "test_gates.py", "test_sqlfuncs.py", "test_stars.py",
                                              "test_star_rules.py", "test_pinned_rules.py",
                                              "test_annual_rules.py", "test_kind_bounds.py",
                                              "test_evaluators.py", "test_ledger_kinds.py", "test_close.py",
                                              "test_cli_sheet.py", "test_fanout.py", "test_rescore.py",
                                              # session 7: the rules' edges its survivors showed
                                              "test_rules_stars.py", "test_rules_aggregate.py",
                                              "test_rules_sources.py")]),
    "scoring_engine": (["core/scoring/engine.py", "core/scoring/compute.py", "core/scoring/bulk.py"],
                       [_SCORING + f for f in ("test_formula.py", "test_pinned_rules.py", "test_evaluators.py",
                                               "test_ledger_kinds.py", "test_kind_bounds.py",
                                               "test_aggregate.py", "test_rounding.py", "test_sqlfuncs.py",
                                               "test_engine_output_integrity.py", "test_close.py",
                                               "test_stars.py", "test_star_rules.py",
                                               # the cut-off: only cycle periods already ended are scored
                                               "test_closing_rules.py",
                                               # the preview (sheet) and the one-unit (fan-out) paths
                                               "test_cli_sheet.py", "test_fanout.py",
                                               "test_preview_closed_months.py",
                                               # a one-branch preview's scope, gates asked with session and window
                                               "test_engine_scope.py",
                                               # evaluate_periods(indicator_ids=…), a what-if's path
                                               "test_engine_some_indicators.py")]),
    "scoring_close": (["core/scoring/close.py", "core/scoring/adjust.py", "core/scoring/notice.py"],
                      [_SCORING + f for f in ("test_close.py", "test_closing_rules.py",
                                              "test_unverified_items.py", "test_aggregate.py",
                                              "test_pinned_rules.py", "test_formula.py",
                                              "test_notice_catalogue.py", "test_notice_rounds.py",
                                              "test_annual_rules.py", "test_stars.py",
                                              "test_engine_output_integrity.py", "test_fanout.py",
                                              "test_close_rules_confirm.py", "test_close_rules_items.py",
                                              "test_close_rules_notice.py", "test_close_rules_audit.py")]
                      # the notice's objections, finalising and cancelling are pinned by its pages
                      + ["tests/core/scoring_web/test_notice_flow.py", "tests/core/scoring_web/test_notice_pages.py"]),
}

#: Regular expressions of source lines left unmutated (mutmut's do_not_mutate_patterns).
SKIP_LINES = [r"gettext\(", r"\b_l?\(\"", r"ngettext\("]

KILLED = {1, 3, 36, -24, 24, 152, 255}   # mutmut: failing test, pytest error, timeout
UNTESTED = {None}                         # not checked yet


def _setup_cfg(files: list[str], tests: list[str]) -> str:
    pytest_section = _section(ROOT / "setup.cfg", "tool:pytest")
    lines = ["[mutmut]", "source_paths =", "    core", "    plugins", "only_mutate ="]
    lines += [f"    {f}" for f in files]
    lines += ["do_not_mutate_patterns ="] + [f"    {p}" for p in SKIP_LINES]
    lines += ["pytest_add_cli_args_test_selection ="] + [f"    {t}" for t in tests]
    # scripts/mutation_plugin.py (copied next to the mutants): listed equivalents not run
    # plugins are not discovered (scripts/mutation_mutmut.py): hypothesis's named here
    lines += ["also_copy =", f"    {PLUGIN.name}", "pytest_add_cli_args =", f"    -p {PLUGIN.stem}",
              "    -p _hypothesis_pytestplugin"]
    return "\n".join(lines) + "\n\n" + pytest_section


def _section(path: Path, name: str) -> str:
    """One [section] of an ini file, verbatim."""
    out, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            inside = line.strip() == f"[{name}]"
        if inside:
            out.append(line)
    return "\n".join(out) + "\n"


def prepare(group: str) -> Path:
    files, tests = GROUPS[group]
    folder = WORK / group
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("core", "plugins", "tests"):
        link = folder / name
        if not link.exists():
            link.symlink_to(ROOT / name)
    (folder / "setup.cfg").write_text(_setup_cfg(files, [t for t in tests if (ROOT / t).exists()]),
                                      encoding="utf-8")
    # a copy, not a link: mutmut copies it into mutants/, where pytest imports it
    (folder / PLUGIN.name).write_text(PLUGIN.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


#: The order groups start in: the costliest first, so that with two lanes the small ones
#: fill the end. Session 8 measured (CPU minutes, quiet): scoring_close 9.6,
#: scoring_engine 9.1, scoring_rules 4.5, ledger_kinds 2.5, the rest 1.2 — two lanes
#: (close then the small groups; engine then rules) both ended about 14 minutes in.
HEAVIEST_FIRST = ["scoring_close", "scoring_engine", "scoring_rules", "ledger_kinds", "periods", "scoping", "points"]


def run(groups: list[str], children: int, only: dict[str, list[str]] | None = None, lanes: int = 1) -> int:
    """mutmut run per group; `only`: group → the mutant names to test (retest).

    `lanes` > 1: that many groups run side by side, each testing children ÷ lanes mutants
    at a time, the next group (costliest first) starting when a lane is free. The
    mutants, tests and verdicts are the same as one group after another; what changes is
    that a group's one-process passes (generating the mutants, the stats pass) and its
    last long survivor no longer leave a core idle."""
    mutmut = Path(sys.executable).with_name("mutmut")
    if not mutmut.exists():
        print("mutmut is missing: pip install -e '.[mutation]' (make mutation does it)", file=sys.stderr)
        return 2
    todo = [g for g in groups if only is None or only.get(g)]
    lanes = max(1, min(lanes, children, len(todo)))
    if lanes == 1:
        for group in todo:
            _run_group(group, children, only)
        return report(groups)
    todo.sort(key=lambda g: HEAVIEST_FIRST.index(g) if g in HEAVIEST_FIRST else len(HEAVIEST_FIRST))
    with ThreadPoolExecutor(max_workers=lanes) as pool:
        try:
            for future in [pool.submit(_run_group, g, children // lanes, only, True) for g in todo]:
                future.result()
        except BaseException:   # Ctrl-C, kill: stop the groups not started and those running
            _stopping.set()
            pool.shutdown(cancel_futures=True)
            raise
    return report(groups)


_stopping = threading.Event()


def _run_group(group: str, children: int, only: dict[str, list[str]] | None, in_lane: bool = False) -> None:
    if _stopping.is_set():
        return
    folder = prepare(group)
    lock = open(folder / ".lock", "w")
    try:  # two runs of one group would write the same mutants/ folder
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"!! {group} is being run by another process: skipped", file=sys.stderr)
        return
    # side by side, mutmut's progress lines would mix: each lane's go to its group's log
    log = open(folder / "mutmut.log", "w") if in_lane else None
    print(f">> {group}: {', '.join(GROUPS[group][0])}" + (f" (progress in {folder / 'mutmut.log'})" if log else ""),
          flush=True)
    cpu_file = folder / "cpu_s"
    cpu_file.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "MUTATION_EQUIVALENTS": str(EQUIVALENTS),
           "MUTATION_CPU_FILE": str(cpu_file), "MUTATION_KILLERS": str(folder / "killers")}
    started, load = time.monotonic(), os.getloadavg()[0]
    proc = subprocess.Popen([sys.executable, str(RUNNER), "run", "--max-children", str(children),
                             *(only or {}).get(group, [])],
                            cwd=folder, env=env,
                            stdout=log or (subprocess.DEVNULL if os.environ.get("MUTATION_QUIET") else None))
    try:
        while (code := _wait(proc)) is None:
            if _stopping.is_set():
                raise KeyboardInterrupt
    finally:  # stopped (Ctrl-C, kill): stop mutmut too, and keep the time spent
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        cpu = float(cpu_file.read_text()) if cpu_file.exists() else 0.0
        _record_time(group, "retest" if only is not None else "run", time.monotonic() - started, cpu, load)
        if log:
            log.close()
    print(f"<< {group} done in {(time.monotonic() - started) / 60:.1f} min", flush=True)
    if code:
        print(f"!! mutmut ended with {code} for {group}", file=sys.stderr)


def _wait(proc: subprocess.Popen) -> int | None:
    try:
        return proc.wait(timeout=1)
    except subprocess.TimeoutExpired:
        return None


def _record_time(group: str, kind: str, wall: float, cpu: float, load: float) -> None:
    """Keep each run's wall and CPU time in .mutation/<group>/times.json: the report
    prints them, and the CPU time estimates the wall time on a quiet machine (the
    machine is shared, so the wall time alone says little)."""
    path = WORK / group / "times.json"
    runs = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    runs.append({"kind": kind, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "load_at_start": round(load, 1),
                 "at": time.strftime("%Y-%m-%d %H:%M")})
    path.write_text(json.dumps(runs, indent=1), encoding="utf-8")


def forget_survivors(groups: list[str]) -> dict[str, list[str]]:
    """Mark every surviving mutant of `groups` as not tested, so that it is tested again
    (with the tests added since; mutmut learns which new test reaches what); returns
    their names by group."""
    equiv = equivalents()
    names: dict[str, list[str]] = {}
    for group in groups:
        for meta in (WORK / group / "mutants").rglob("*.py.meta"):
            data = json.loads(meta.read_text(encoding="utf-8"))
            codes = data["exit_code_by_key"]
            for name, code in codes.items():
                if code is not None and code not in KILLED and name not in equiv:
                    codes[name] = None
                    names.setdefault(group, []).append(name)
            meta.write_text(json.dumps(data, indent=4), encoding="utf-8")
    return names


def equivalents() -> dict[str, str]:
    out = {}
    if EQUIVALENTS.exists():
        for line in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, reason = line.partition(" ")
                out[name] = reason.strip()
    return out


def results(group: str) -> dict[str, int | None]:
    """mutant name → mutmut exit code (None: not tested yet) of one group."""
    out: dict[str, int | None] = {}
    for meta in sorted((WORK / group / "mutants").rglob("*.py.meta")):
        out.update(_read_meta(meta)["exit_code_by_key"])
    return out


def _read_meta(path: Path, tries: int = 20) -> dict:
    """A mutmut .meta file; a run in progress may be rewriting it: read again."""
    for _ in range(tries - 1):
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            time.sleep(0.1)
    return json.loads(path.read_text(encoding="utf-8"))


def report(groups: list[str] | None = None, survivors: bool = False) -> int:
    groups = groups or list(GROUPS)
    equiv = equivalents()
    total = Counter()
    print(f"{'group':<16}{'mutants':>8}{'equiv':>7}{'pg only':>8}{'killed':>8}{'survived':>10}{'pending':>9}"
          f"{'score':>9}{'wall min':>10}{'CPU min':>9}")
    seen = set()
    for group in groups:
        res = results(group)
        seen.update(res)
        c = Counter(times(group))
        for name, code in res.items():
            c["mutants"] += 1
            if name in equiv:
                c["pg_only" if equiv[name].startswith(PG_ONLY) else "equiv"] += 1
            elif code in UNTESTED:
                c["pending"] += 1
            elif code in KILLED:
                c["killed"] += 1
            else:
                c["survived"] += 1
                if survivors:
                    print(f"   survived: {name}")
        total.update(c)
        print(_row(group, c))
    print(_row("overall", total))
    stale = sorted(n for n in equiv if n not in seen and _group_of(n) in groups and results(_group_of(n)))
    if stale:
        print(f"{len(stale)} listed equivalents are no longer mutants (their code changed): "
              f"check them in {EQUIVALENTS.name}: {', '.join(stale[:5])}{' …' if len(stale) > 5 else ''}")
    cores = os.cpu_count() or 1
    print(f"CPU time {total['cpu_s'] / 60:.1f} min: on {cores} idle cores about "
          f"{total['cpu_s'] / cores / 60:.1f} min of wall time (the groups' wall times add up to "
          f"{total['wall_s'] / 60:.1f} min; run side by side they overlap: `time make mutation` gives the run's)")
    return 0


def _group_of(mutant: str) -> str | None:
    """The group whose files hold `mutant` (core.scoring.engine.x_f__mutmut_3 → scoring_engine)."""
    module = re.split(r"\.x[_ǁ]", mutant, maxsplit=1)[0].replace(".", "/") + ".py"
    return next((g for g, (files, _) in GROUPS.items() if module in files), None)


def times(group: str) -> Counter:
    """Wall and CPU seconds of the group's recorded runs and retests, summed."""
    path = WORK / group / "times.json"
    out = Counter()
    for entry in json.loads(path.read_text(encoding="utf-8")) if path.exists() else []:
        out["wall_s"] += entry["wall_s"]
        out["cpu_s"] += entry["cpu_s"]
    return out


def _row(name: str, c: Counter) -> str:
    judged = c["killed"] + c["survived"]
    score = f"{100 * c['killed'] / judged:.1f} %" if judged else "–"
    return (f"{name:<16}{c['mutants']:>8}{c['equiv']:>7}{c['pg_only']:>8}{c['killed']:>8}{c['survived']:>10}{c['pending']:>9}"
            f"{score:>9}{c['wall_s'] / 60:>10.1f}{c['cpu_s'] / 60:>9.1f}")


def show(name: str) -> int:
    for group in GROUPS:
        if name in results(group):
            return subprocess.call([str(Path(sys.executable).with_name("mutmut")), "show", name], cwd=WORK / group)
    print(f"no mutant {name}", file=sys.stderr)
    return 1


_DIFFS = r"""
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
for path, names in json.loads(sys.argv[1]).items():
    for name in names:
        print("## " + name)
        print(get_diff_for_mutant(name, path=path).split("\n", 2)[-1], end="\n\n")
"""


def diffs(group: str, everything: bool, pattern: str = "*") -> int:
    """The diff of each surviving (or, `everything`, each) mutant of `group` that
    matches `pattern`, headed by its name (mutmut's API, in one process: `mutmut show`
    per mutant takes a second each)."""
    equiv = equivalents()
    by_path: dict[str, list[str]] = {}
    for meta in sorted((WORK / group / "mutants").rglob("*.py.meta")):
        source = str(meta.relative_to(WORK / group / "mutants"))[:-len(".meta")]
        for name, code in _read_meta(meta)["exit_code_by_key"].items():
            survived = code is not None and code not in KILLED and name not in equiv
            if fnmatch.fnmatch(name, pattern) and (everything or survived):
                by_path.setdefault(source, []).append(name)
    return subprocess.call([sys.executable, "-c", _DIFFS, json.dumps(by_path)], cwd=WORK / group)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # run the cleanup of run()
    if not argv or argv[0] not in ("run", "retest", "report", "show", "diffs"):
        print(__doc__)
        return 2
    command, args = argv[0], argv[1:]
    if command == "show":
        return show(args[0])
    if command == "diffs":
        rest = [a for a in args[1:] if a != "--all"]
        return diffs(args[0], "--all" in args, rest[0] if rest else "*")
    flags = [a for a in args if a.startswith("--")]
    groups = [a for a in args if not a.startswith("--")]
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        print(f"unknown groups {unknown}; groups: {', '.join(GROUPS)}", file=sys.stderr)
        return 2
    if command == "report":
        return report(groups, survivors="--survivors" in flags)
    children = int(os.environ.get("MUTATION_CHILDREN", "2"))
    lanes = int(os.environ.get("MUTATION_LANES", "2"))
    if command == "retest":
        return run(groups or list(GROUPS), children, only=forget_survivors(groups or list(GROUPS)), lanes=lanes)
    return run(groups or list(GROUPS), children, lanes=lanes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
