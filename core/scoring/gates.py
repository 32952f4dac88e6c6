"""Star gates (星级门槛): a star level may require more than its band, e.g. ★5 only
with a brand at stage 'accepted' or later. settings["gates"] maps a star level to a
gate name ({"5": "brand_accepted"}); a gate provider maps the name to a check.

Providers come through the `starbranch_star_gates` hook (the brands plugin may add
'brand_accepted'); the core ships none. A gate named in the rule set without a
provider is *unknown*: no branch passes it (the sheet notes 门槛未配置), so a
misconfiguration can only lower stars, never hand them out.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: check(session, branch_ids, window: PeriodKey) -> set of the branch ids that pass.
GateCheck = Callable[[object, list[int], object], set[int]]


@dataclass(frozen=True)
class StarGate:
    """A named gate and its set-based check (one query for all candidate branches)."""

    name: str
    label: str
    check: GateCheck


def gates_from(source) -> dict[str, StarGate]:
    """Gates from a plugin registry (its `starbranch_star_gates` hook), a dict
    name → StarGate/callable, a list of StarGate, or None (no gates)."""
    if source is None:
        return {}
    if hasattr(source, "hook"):
        hook = getattr(source.hook, "starbranch_star_gates", None)
        batches = hook() if hook is not None else []
        return gates_from([g for batch in batches for g in (batch or [])])
    if isinstance(source, dict):
        return {name: g if isinstance(g, StarGate) else StarGate(name, name, g) for name, g in source.items()}
    out: dict[str, StarGate] = {}
    for gate in source:
        if gate.name in out:
            raise ValueError(f"星级门槛名称重复：{gate.name}")
        out[gate.name] = gate
    return out


def gate_levels(settings_gates: dict | None) -> dict[int, str]:
    """settings["gates"] → {star level: gate name}."""
    return {int(level): name for level, name in (settings_gates or {}).items() if name}


def passing(session, gates: dict[str, StarGate], name: str, branch_ids: Iterable[int], window) -> set[int]:
    """The branch ids passing gate `name`; an unknown gate passes nobody."""
    ids = sorted(set(branch_ids))
    if not ids or name not in gates:
        return set()
    return set(gates[name].check(session, ids, window))
