"""Stars (季评星) and annual grades (年定级) from totals (SCORING.md "Stars, veto, promotion").

Quarter, in this order:
1. band star from the total (bands of the rule set);
2. 逐级晋升: at most one star above the branch's star of the previous quarter (the
   stored, closed one; Q1 looks at the previous year's Q4); no stored star → no limit;
3. gates: a level whose gate the branch does not pass gives the next star down (and
   that level's gate is checked in turn);
4. veto: any veto record dated in the quarter caps the star at veto_cap;
5. proportions (off/warn/cap) per category, when `proportion_scope` is "quarter" or
   "both": allowed places at a level = `allowed_places(n, pct, rounding)` (n = the
   category's branches rated in this close); the excess, taken from the end of the
   ranking's display order (core.scoring.ranking.display_key: total, performance
   index, code), is noted (warn) or moved one star down (cap, where gates are checked
   again), from ★5 down to ★2. A branch moved down although its total equals a kept
   branch's carries the tie in its step ("tie": the total) for the sheet.
Year: band star of the year total, capped by any veto in the year, then the same
proportions when `proportion_scope` is "year" or "both" (default both, #18) — no
promotion rule or gates (those steer the quarterly rating). Months get no star.
Every change is recorded in notes["steps"].

Small categories (#18, `proportion_rounding`): "half_up_min1" (default) rounds
n × pct ÷ 100 half-up and gives at least one place when the share is above 0 — a
category of 4 branches with ★5 ≤ 10 % keeps one ★5; "floor" is the old ⌊n × pct ÷ 100⌋.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from core.scoring.gates import gate_levels, passing
from core.scoring.models import tier_of
from core.scoring.ranking import by_category, display_key

#: Where guide proportions apply (rule-set setting `proportion_scope`).
PROPORTION_SCOPES = ("quarter", "year", "both")


def proportions_apply(ruleset, kind: str) -> bool:
    """Whether the rule set's guide proportions apply to a window of `kind`."""
    return ruleset.setting("proportion_scope") in (kind, "both")


def allowed_places(n: int, share: Decimal, rounding: str) -> int:
    """Places at a level for a category of n branches under a share in % (see module doc)."""
    if rounding == "floor":
        return int(n * share // 100)
    places = int((Decimal(n) * share / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return max(places, 1) if share > 0 and n > 0 else places


def bands_of(ruleset) -> list[tuple[Decimal, int]]:
    """[(min_score, stars)] highest first."""
    return sorted(((Decimal(b.min_score), int(b.stars)) for b in ruleset.bands), reverse=True)


def band_star(total: Decimal, bands) -> int:
    for minimum, stars in bands:
        if total >= minimum:
            return stars
    return 1


def _step(score, rule: str, to: int, **extra) -> None:
    score.notes.setdefault("steps", []).append({"rule": rule, "from": score.stars, "to": to, **extra})
    score.stars = to


def _apply_gates(session, scores, levels: dict[int, str], gates, window) -> None:
    for level in sorted((lvl for lvl in levels if lvl > 1), reverse=True):
        candidates = [s for s in scores if s.stars == level]
        if not candidates:
            continue
        name = levels[level]
        ok = passing(session, gates, name, [s.branch_id for s in candidates], window)
        for s in candidates:
            if s.branch_id not in ok:
                _step(s, "gate", level - 1, gate=name, **({} if name in gates else {"unknown": True}))


def rate_quarter(session, scores, ruleset, *, window, previous_stars: dict[int, int], gates: dict,
                 proportions: bool = True) -> list[str]:
    """Set stars and tiers of quarter scores in place; returns proportion warnings."""
    bands = bands_of(ruleset)
    settings_gates = gate_levels(ruleset.setting("gates"))
    veto_cap = int(ruleset.setting("veto_cap"))
    promotion_step = ruleset.setting("promotion_step")
    for s in scores:
        s.stars = band_star(s.total, bands)
        s.notes["band_star"] = s.stars
        prev = previous_stars.get(s.branch_id)
        if promotion_step and prev and s.stars > prev + 1:
            _step(s, "promotion", prev + 1, previous=prev)
    _apply_gates(session, scores, settings_gates, gates, window)
    for s in scores:
        if s.vetoed and s.stars > veto_cap:
            _step(s, "veto", veto_cap)
    warnings = []
    if proportions and proportions_apply(ruleset, "quarter"):
        warnings = apply_proportions(session, scores, ruleset, settings_gates, gates, window)
    for s in scores:
        s.tier = tier_of(s.stars)
    return warnings


def apply_proportions(session, scores, ruleset, levels, gates, window) -> list[str]:
    mode = ruleset.setting("proportion_mode")
    shares = {int(k): Decimal(str(v)) for k, v in (ruleset.setting("proportions") or {}).items() if v is not None}
    if mode not in ("warn", "cap") or not shares:
        return []
    from core.org.models import CATEGORIES
    rounding = ruleset.setting("proportion_rounding")
    warnings = []
    for category, members in sorted(by_category(scores).items()):
        n = len(members)
        for level in range(5, 1, -1):
            if level not in shares:
                continue
            allowed = allowed_places(n, shares[level], rounding)
            at_level = sorted((s for s in members if s.stars == level), key=display_key)
            excess = at_level[allowed:]
            if not excess:
                continue
            kept_totals = {s.total for s in at_level[:allowed]}
            warnings.append(f"{CATEGORIES.get(category, category)}{level}星 {len(at_level)} 个，"
                            f"超过指导比例 {shares[level]}%（最多 {allowed} 个）")
            for s in excess:
                tie = {"tie": str(s.total)} if s.total in kept_totals else {}
                if mode == "warn":
                    s.notes["proportion_warning"] = {"level": level, "allowed": allowed, **tie}
                else:
                    _step(s, "proportion", level - 1, allowed=allowed, **tie)
            if mode == "cap" and levels:
                lower = {lvl: name for lvl, name in levels.items() if lvl < level}
                _apply_gates(session, excess, lower, gates, window)
    return warnings


def rate_year(scores, ruleset, *, proportions: bool = True) -> list[str]:
    """Annual grade: band of the year total, capped by any veto in the year, then the
    guide proportions when their scope includes the year; returns proportion warnings."""
    bands = bands_of(ruleset)
    veto_cap = int(ruleset.setting("veto_cap"))
    for s in scores:
        s.stars = band_star(s.total, bands)
        s.notes["band_star"] = s.stars
        if s.vetoed and s.stars > veto_cap:
            _step(s, "veto", veto_cap)
    warnings = []
    if proportions and proportions_apply(ruleset, "year"):
        warnings = apply_proportions(None, scores, ruleset, {}, {}, None)
    for s in scores:
        s.tier = tier_of(s.stars)
    return warnings
