"""`make mutation` runs first, for each mutant, the tests that killed earlier mutants
of its function (scripts/mutation_order.py)."""
from scripts.mutation_order import likeliest_killers

TESTS = ["t.py::cheap", "t.py::middle", "u.py::dear", "u.py::dearest"]   # mutmut's order: cheapest first


def test_a_function_with_no_kill_yet_runs_its_cheapest_test_first(tmp_path):
    killers = tmp_path / "killers"
    killers.write_text("core.m.x_other u.py::dear\n", encoding="utf-8")
    assert likeliest_killers("core.m.x_f__mutmut_4", TESTS, str(killers)) == ["t.py::cheap"]
    assert likeliest_killers("core.m.x_f__mutmut_4", TESTS, str(tmp_path / "none yet")) == ["t.py::cheap"]
    assert likeliest_killers("core.m.x_f__mutmut_4", TESTS, None) == ["t.py::cheap"]


def test_the_function_s_killers_come_first_most_kills_first_at_most_three(tmp_path):
    killers = tmp_path / "killers"
    killers.write_text("".join(f"core.m.x_f {t}\n" for t in [
        "u.py::dear", "t.py::middle", "u.py::dear", "u.py::dearest", "t.py::cheap", "t.py::cheap",
        "u.py::dear", "gone.py::renamed",           # a test no longer among the mutant's
    ]) + "core.m.x_f_longer t.py::middle\ncore.m.x_f_longer t.py::middle\n", encoding="utf-8")
    # dear 3, cheap 2, then middle and dearest 1 each: mutmut's order breaks the tie
    assert likeliest_killers("core.m.x_f__mutmut_9", TESTS, str(killers)) == [
        "u.py::dear", "t.py::cheap", "t.py::middle"]
    assert likeliest_killers("core.m.x_f__mutmut_9", TESTS, str(killers), at_most=1) == ["u.py::dear"]
    # another function whose name starts alike keeps its own kills
    assert likeliest_killers("core.m.x_f_longer__mutmut_1", TESTS, str(killers)) == ["t.py::middle"]
