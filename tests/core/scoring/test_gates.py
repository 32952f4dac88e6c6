"""Star gates (core/scoring/gates.py): where gates come from and who passes."""
from types import SimpleNamespace

import pytest

from core.periods.keys import PeriodKey
from core.scoring.gates import StarGate, gate_levels, gates_from, passing

Q1 = PeriodKey.parse("2026Q1")


def test_gates_from_each_source():
    def even(session, ids, window):
        return {i for i in ids if i % 2 == 0}
    gate = StarGate("even", "偶数", even)
    assert gates_from(None) == {}
    assert gates_from([gate]) == {"even": gate}
    made = gates_from({"even": even, "given": gate})
    assert made["even"] == StarGate("even", "even", even) and made["given"] is gate
    registry = SimpleNamespace(hook=SimpleNamespace(starbranch_star_gates=lambda: [[gate], None]))
    assert gates_from(registry) == {"even": gate}
    assert gates_from(SimpleNamespace(hook=SimpleNamespace())) == {}   # a registry without the hook
    with pytest.raises(ValueError, match="重复"):
        gates_from([gate, StarGate("even", "again", even)])


def test_gate_levels_reads_the_setting():
    assert gate_levels({"5": "brand", "4": "", "3": None, "2": "g2"}) == {5: "brand", 2: "g2"}
    assert gate_levels(None) == {} and gate_levels({}) == {}


def test_passing_asks_the_check_once_with_sorted_unique_ids():
    asked = []

    def check(session, ids, window):
        asked.append((session, ids, window))
        return {i for i in ids if i > 2} | {99}
    gates = {"g": StarGate("g", "g", check)}
    assert passing("S", gates, "g", [4, 1, 3, 4], Q1) == {3, 4, 99}
    assert asked == [("S", [1, 3, 4], Q1)]
    assert passing("S", gates, "g", [], Q1) == set() and len(asked) == 1   # nobody to ask about
    assert passing("S", gates, "unknown", [1, 2], Q1) == set()            # an unknown gate passes nobody
