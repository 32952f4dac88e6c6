"""core/scoring/sources.py: where a close finds its scoring methods and star gates — a
plugin registry gives both unless gates are passed; plain lists give no gates."""
from types import SimpleNamespace

import pytest

from core.scoring.gates import StarGate
from core.scoring.kinds import KINDS
from core.scoring.sources import kinds_from, resolve

MANUAL = KINDS[0]


def _registry(*gates):
    return SimpleNamespace(hook=SimpleNamespace(starbranch_indicator_kinds=lambda: [[MANUAL]],
                                                starbranch_star_gates=lambda: [list(gates)]))


def test_a_registry_gives_its_kinds_and_gates_unless_gates_are_passed():
    theirs, mine = StarGate("theirs", "t", lambda s, ids, w: set()), StarGate("mine", "m", lambda s, ids, w: set())
    assert resolve(_registry(theirs)) == ({"manual": MANUAL}, {"theirs": theirs})
    assert resolve(_registry(theirs), [mine]) == ({"manual": MANUAL}, {"mine": mine})
    # passed gates, even none at all, are not replaced by the registry's
    assert resolve(_registry(theirs), {}) == ({"manual": MANUAL}, {})


def test_plain_kinds_come_without_gates():
    assert resolve([MANUAL]) == ({"manual": MANUAL}, {})
    assert resolve({"manual": MANUAL}) == ({"manual": MANUAL}, {})


def test_kinds_are_required_and_a_method_code_is_taken_once():
    with pytest.raises(ValueError, match="^kinds is required: pass the plugin registry or a list of IndicatorKind$"):
        kinds_from(None)
    with pytest.raises(ValueError, match="^评分方法代码重复：manual$"):
        kinds_from([MANUAL, MANUAL])
    with pytest.raises(ValueError, match="^评分方法代码重复：manual$"):
        resolve(SimpleNamespace(hook=SimpleNamespace(starbranch_indicator_kinds=lambda: [[MANUAL], None, [MANUAL]],
                                                     starbranch_star_gates=lambda: [])))
