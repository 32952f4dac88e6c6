"""Ranks within category (1, 2, 2, 4) and the display order among equals."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal


def display_key(score) -> tuple:
    """Total descending, then performance index score descending (an absent index
    counts as below any score), then branch code."""
    perf = score.index_scores.get("performance")
    return (-score.total, 0 if perf is not None else 1, -(perf or Decimal(0)), score.code)


def _cents_key(score) -> tuple:
    """display_key on a BranchScore's stored integers (same order, no Decimal work):
    cents = (team, management, performance, brand, service, base, bonus, deduction, total)."""
    cents = score.cents
    return (-cents[8], cents[2] is None, -(cents[2] or 0), score.code)


def by_category(scores) -> dict[str, list]:
    groups: dict[str, list] = defaultdict(list)
    for s in scores:
        groups[s.category].append(s)
    return groups


def assign_ranks(scores) -> None:
    """Competition ranking by total within each category: equal totals share a rank and
    the next rank skips. Sets `rank` in place."""
    for members in by_category(scores).values():
        members.sort(key=_cents_key if getattr(members[0], "cents", None) else display_key)
        previous, rank = None, 0
        for position, s in enumerate(members, start=1):
            if s.total != previous:
                rank, previous = position, s.total
            s.rank = rank


def ordered(items, of=None) -> list:
    """Items in display order: category, then rank, then display key. `of(item)` gives
    the score an item carries (category, rank, total, code, index_scores); default
    the item itself."""
    score_of = of or (lambda item: item)

    def key(item):
        s = score_of(item)
        return (s.category, s.rank, display_key(s))

    return sorted(items, key=key)
