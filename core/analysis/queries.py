"""Read-side queries of the analysis pages: rankings, category aggregates, distribution,
trends, the tier ladder and the annual star report.

Every query is scoped through core.auth.scoping and set-based: a page issues a fixed
number of statements whatever the number of branches (aggregates are GROUP BYs over
integer hundredths; ratios are done in Python Decimal)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import Integer, and_, case, func, or_, select, type_coerce, union_all
from sqlalchemy.orm import Session, aliased

from core.auth.scoping import branch_clause, unit_clause
from core.indicators.models import INDICES, IndexWeight
from core.org.models import CATEGORIES, Branch, OrgNode
from core.periods.models import Period
from core.points import to_points
from core.scoring.models import ScoreResult
from core.web import Page

#: At the same end date a quarter is shown before its last month and the year.
KIND_PRIORITY = {"quarter": 0, "month": 1, "year": 2}
_KIND_ORDER = case(KIND_PRIORITY, value=Period.kind)
#: Equal weights when a rule set has none for the category (should not happen).
FALLBACK_WEIGHT = 20
#: Width of a distribution band in hundredths (10 points).
BAND_CENTS = 1000
#: Entries kept by closed_memo per process (periods × categories × kinds of aggregate).
MEMO_SIZE = 2048


# ------------------------------------------------------------------ periods

def closed_periods(session: Session, kinds=("month", "quarter", "year")) -> list[Period]:
    """Closed windows, newest first (for the period selector)."""
    return list(session.scalars(select(Period).where(Period.status == "closed", Period.kind.in_(kinds))
                                .order_by(Period.ends_on.desc(), _KIND_ORDER)))


def provisional_periods(session: Session, kinds=("month", "quarter", "year")) -> list[Period]:
    """Open windows that hold trial (试算) results, newest first: their ranking is
    provisional (shown labelled as such; a close replaces it)."""
    has_results = select(ScoreResult.id).where(ScoreResult.period_id == Period.id).exists()
    return list(session.scalars(select(Period).where(Period.status != "closed", Period.kind.in_(kinds), has_results)
                                .order_by(Period.ends_on.desc(), _KIND_ORDER)))


def chronological(periods) -> list[Period]:
    """Newest first by end date; at the same end date a quarter, then its last month,
    then the year (KIND_PRIORITY) — the order of every period menu."""
    return sorted(periods, key=lambda p: (-p.ends_on.toordinal(), KIND_PRIORITY.get(p.kind, 9)))


def pick_period(session: Session, key: str | None, kinds=("month", "quarter", "year"), *,
                provisional: bool = False) -> tuple[Period | None, list[Period]]:
    """The period named by `key` (closed, of an allowed kind), else the newest closed one;
    with the list of choices. With `provisional`, open windows holding trial results
    are choices too (never the default)."""
    choices = closed_periods(session, kinds)
    if provisional:
        choices = chronological(choices + provisional_periods(session, kinds))
    if key:
        for p in choices:
            if p.key == key or p.key.lower() == key.lower():
                return p, choices
        return None, choices
    closed = [p for p in choices if p.status == "closed"]
    return (closed[0] if closed else None), choices


# ------------------------------------------------------------------ rankings

#: The catalogue's order of categories (生产类, 辅助类, 综合管理类, 市场经营类, 非公改制类),
#: the order of the "全部" ranking; an unknown category comes last.
CATEGORY_ORDER = {code: i for i, code in enumerate(CATEGORIES)}


def category_key(code: str) -> int:
    return CATEGORY_ORDER.get(code, len(CATEGORY_ORDER))

@dataclass
class RankingFilters:
    """What the ranking page can be filtered by (all optional)."""

    unit_id: int | None = None
    category: str | None = None
    stars: int | None = None
    tier: int | None = None
    q: str | None = None

    @classmethod
    def from_args(cls, args) -> RankingFilters:
        def as_int(name, allowed=None):
            try:
                v = int(args.get(name) or "")
            except ValueError:
                return None
            return v if allowed is None or v in allowed else None

        category = args.get("category") or None
        q = (args.get("q") or "").strip()[:60] or None
        return cls(unit_id=as_int("unit"), category=category if category in CATEGORIES else None,
                   stars=as_int("stars", range(1, 6)), tier=as_int("tier", (1, 2, 3)), q=q)

    def as_args(self) -> dict:
        out = {"unit": self.unit_id, "category": self.category, "stars": self.stars, "tier": self.tier, "q": self.q}
        return {k: v for k, v in out.items() if v not in (None, "")}


def _ranking_columns():
    """The plain columns a ranking row carries (Core rows, no ORM objects: a page is
    read many times a second)."""
    sr = ScoreResult
    return [sr.branch_id, sr.unit_id, sr.category, *(getattr(sr, c) for c in INDICES), sr.base, sr.bonus,
            sr.deduction, sr.total, sr.stars, sr.tier, sr.rank, sr.vetoed, sr.notes]


def _ranking_where(stmt, user, period_id: int, filters: RankingFilters):
    sr = ScoreResult
    stmt = stmt.where(sr.period_id == period_id, branch_clause(user, sr.branch_id, sr.unit_id))
    if filters.unit_id:
        stmt = stmt.where(sr.unit_id == filters.unit_id)
    if filters.category:
        stmt = stmt.where(sr.category == filters.category)
    if filters.stars:
        stmt = stmt.where(sr.stars == filters.stars)
    if filters.tier:
        stmt = stmt.where(sr.tier == filters.tier)
    if filters.q:
        like = f"%{filters.q}%"
        stmt = stmt.where(sr.branch_id.in_(select(Branch.id).where(or_(Branch.name.like(like),
                                                                       Branch.code.like(like)))))
    return stmt


def within_category_order(sr=ScoreResult):
    """The display rule (core.scoring.ranking.display_key) within a category, in SQL:
    rank (= total descending), then the performance index descending (absent last),
    then the branch code. Needs Branch joined."""
    return (sr.rank, sr.performance.is_(None), sr.performance.desc(), Branch.code)


def ranking_stmt(user, period_id: int, filters: RankingFilters):
    """Rows of one period, within category by rank, scoped to the user: the score
    columns (branch_id, unit_id, category, the indices, base … rank, vetoed) plus
    branch_name, branch_code and unit_name."""
    sr = ScoreResult
    stmt = (select(*_ranking_columns(), Branch.name.label("branch_name"), Branch.code.label("branch_code"),
                   OrgNode.name.label("unit_name"))
            .join(Branch, Branch.id == sr.branch_id)
            .join(OrgNode, OrgNode.id == sr.unit_id))
    # categories in the catalogue's order (an export reads every row anyway; the page
    # walks the (period, category, rank, branch) index per category, see ranking_page)
    return _ranking_where(stmt, user, period_id, filters).order_by(
        case(CATEGORY_ORDER, value=sr.category, else_=len(CATEGORY_ORDER)), *within_category_order())


def ranking_count_stmt(user, period_id: int, filters: RankingFilters):
    """The count of ranking_stmt's rows without its joins (they never drop a row)."""
    return _ranking_where(select(func.count()).select_from(ScoreResult), user, period_id, filters)


def paginate_rows(session: Session, stmt, page: int, per_page: int, count_stmt=None) -> Page:
    """Page of row tuples: one count query and one rows query."""
    page = max(1, page)
    if count_stmt is None:
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = session.scalar(count_stmt)
    rows = list(session.execute(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=rows, page=page, per_page=per_page, total=total or 0)


def ranking_page(session: Session, user, period_id: int, filters: RankingFilters, page: int, per_page: int,
                 sizes: dict[str, int] | None = None) -> Page:
    """One page of ranking_stmt, categories in the catalogue's order: the rows per
    category (one GROUP BY, or the period's `sizes` when unscoped and unfiltered) place
    the page's window over the categories; each category it touches is read in the
    display order by walking the (period, category, rank, branch) index (see
    _display_window: a deep OFFSET skips index entries, not table rows, and only the
    page's ranks are sorted); then those rows with their names."""
    sr = ScoreResult
    page = max(1, page)
    if sizes is not None and user.role == "admin" and not (filters.unit_id or filters.stars or filters.tier
                                                           or filters.q):
        counts = {c: n for c, n in sizes.items() if not filters.category or c == filters.category}
    else:
        counts = dict(session.execute(_ranking_where(select(sr.category, func.count()), user, period_id, filters)
                                      .group_by(sr.category)).all())
    total = sum(counts.values())
    start, end = (page - 1) * per_page, page * per_page
    parts = []
    before = 0
    for category in sorted(counts, key=lambda c: (category_key(c), c)):
        n = counts[category]
        lo, hi = max(start - before, 0), min(end - before, n)
        if lo < hi:
            parts.append(_display_window(user, period_id, filters, category, lo, hi, f"window_{len(parts)}"))
        before += n
    rows = []
    if parts:
        # one statement whatever the number of categories the page spans
        keys = parts[0] if len(parts) == 1 else union_all(*parts)
        stmt = ranking_stmt(user, period_id, filters).where(sr.branch_id.in_(keys))
        rows = list(session.execute(stmt))
    return Page(items=rows, page=page, per_page=per_page, total=total)


def _display_window(user, period_id: int, filters: RankingFilters, category: str, lo: int, hi: int,
                    name: str = "window"):
    """The branch ids at positions lo … hi-1 of one category in the display order, read
    without sorting the category: the index (rank, branch) gives the ranks at both ends
    of the window (every order by rank first puts the same ranks there) and how many
    rows come before its first rank; only the rows of the window's ranks — the page and
    its ties — are sorted by the display rule."""
    sr = ScoreResult

    def rows(*columns):
        return _ranking_where(select(*columns).select_from(sr), user, period_id, filters).where(
            sr.category == category)

    def rank_at(offset):
        return rows(sr.rank).order_by(sr.rank, sr.branch_id).limit(1).offset(offset).scalar_subquery()

    ends = select(rank_at(lo).label("first"), rank_at(hi - 1).label("last")).cte(name)
    before = rows(func.count()).where(sr.rank < select(ends.c.first).scalar_subquery()).scalar_subquery()
    position = before + func.row_number().over(order_by=within_category_order()) - 1
    placed = (rows(sr.branch_id, position.label("position")).join(Branch, Branch.id == sr.branch_id)
              .join(ends, sr.rank.between(ends.c.first, ends.c.last)).subquery())
    return select(placed.c.branch_id).where(placed.c.position >= lo, placed.c.position < hi)


def closed_memo(period: Period, name: str, compute):
    """`compute()` once per process for a closed period: a closed period's ScoreResult
    rows are written only by its close (core.scoring.close), which stamps a new
    `closed_at`, so (period id, closed_at) names one immutable set of rows. Open
    periods, or periods without a close stamp, are never memoised."""
    if period is None or period.status != "closed" or period.closed_at is None or not has_app_context():
        return compute()
    cache = current_app.extensions.setdefault("starbranch.analysis_memo", {})
    key = (period.id, period.closed_at, name)
    try:
        return cache[key]
    except KeyError:
        pass
    value = compute()
    if len(cache) >= MEMO_SIZE:
        cache.clear()
    cache[key] = value
    return value


def category_sizes(session: Session, period) -> dict[str, int]:
    """How many branches were ranked in each category (for 'rank x of n'; group-wide).
    `period`: a Period (memoised when closed) or a period id."""
    def compute():
        pid = period if isinstance(period, int) else period.id
        rows = session.execute(select(ScoreResult.category, func.count())
                               .where(ScoreResult.period_id == pid).group_by(ScoreResult.category))
        return {c: n for c, n in rows}
    return dict(compute() if isinstance(period, int) else closed_memo(period, "category_sizes", compute))


def scope_units(session: Session, user) -> list:
    """Units the user may filter by: rows of (id, code, name), by code."""
    return list(session.execute(select(OrgNode.id, OrgNode.code, OrgNode.name)
                                .where(OrgNode.kind == "unit", unit_clause(user, OrgNode.id))
                                .order_by(OrgNode.code)))


# ------------------------------------------------------------------ weights and percentages

def weights_for(session: Session, ruleset_ids, category: str) -> dict[int, dict[str, int]]:
    """ruleset id → {index: weight} for a category (one query)."""
    out: dict[int, dict[str, int]] = {rid: {} for rid in ruleset_ids}
    if not out:
        return out
    rows = session.execute(select(IndexWeight.ruleset_id, IndexWeight.index_code, IndexWeight.weight)
                           .where(IndexWeight.ruleset_id.in_(sorted(out)), IndexWeight.category == category))
    for rid, code, w in rows:
        out[rid][code] = w
    return out


def effective_weights(present, weights: dict[str, int]) -> dict[str, Decimal]:
    """The weights a result was scored with: W_i × 100 ÷ ΣW over the indices `present`
    (not None) in it — the engine re-scales when an index has no evaluation."""
    w = {code: Decimal(weights.get(code) or FALLBACK_WEIGHT) for code in present}
    total = sum(w.values())
    return {code: v * 100 / total for code, v in w.items()} if total else {}


def percent_of(score: Decimal | None, weight) -> Decimal | None:
    """An index score as a percentage of the weight it was scored with, two places,
    at most 100: score_i = W′_i × ratio_i with ratio_i ≤ 1, so anything above 100 is
    the index score's rounding (or a raw weight used where the re-scaled one applies —
    the cause of "星级队伍 103.70 %"). Pass the effective weight (effective_weights)."""
    if score is None:
        return None
    weight = Decimal(weight or FALLBACK_WEIGHT)
    return min(to_points(Decimal(score) * 100 / weight), Decimal("100.00"))


def index_percentages(result: ScoreResult, weights: dict[str, int]) -> dict[str, Decimal | None]:
    return scaled_percentages({code: getattr(result, code) for code in INDICES}, weights)


def scaled_percentages(scores: dict, weights: dict[str, int]) -> dict[str, Decimal | None]:
    """Index scores (code → score or None) as percentages of the weight each index had
    in its window: when some index has no evaluation the others' weights were re-scaled
    to 100 (SCORING.md), so an index's share is its effective weight — a month scored
    only on 管理 and 品牌 must not show 品牌 at 190 %."""
    eff = effective_weights([c for c, v in scores.items() if v is not None], weights)
    return {code: percent_of(scores.get(code), eff.get(code)) for code in INDICES}


# ------------------------------------------------------------------ category aggregates

@dataclass
class CategoryStats:
    """Anonymised aggregates of one category in one period (group-wide)."""

    count: int = 0
    avg_total: Decimal | None = None
    avg_index: dict[str, Decimal | None] = field(default_factory=dict)
    bands: list[int] = field(default_factory=lambda: [0] * 10)
    #: Which indices a result has (its re-scaling) → (rows, {index: Σ score cents}):
    #: the average percentage is taken per row against the weights it was scored with.
    by_presence: dict[tuple, tuple[int, dict[str, int]]] = field(default_factory=dict)

    def avg_percent(self, weights: dict[str, int]) -> dict[str, Decimal | None]:
        """Mean over the category's rows of each index's percentage of its effective
        weight (never above 100): Σ_pattern Σscore ÷ W′_pattern ÷ rows with the index."""
        out: dict[str, Decimal | None] = {}
        for code in INDICES:
            total, rows = Decimal(0), 0
            for present, (n, sums) in self.by_presence.items():
                if code not in present:
                    continue
                eff = effective_weights(present, weights)[code]
                total += Decimal(sums[code]) / 100 * 100 / eff
                rows += n
            out[code] = min(to_points(total / rows), Decimal("100.00")) if rows else None
        return out


def category_stats(session: Session, period, category: str) -> CategoryStats:
    """Averages of the total and each index (sum of hundredths / count, in Decimal),
    and the 10-point band counts of totals: one GROUP BY over the category's rows
    (memoised per closed period, see closed_memo). `period`: a Period or a period id."""
    if isinstance(period, int):
        return _category_stats(session, period, category)
    return closed_memo(period, ("category_stats", category), lambda: _category_stats(session, period.id, category))


def _category_stats(session: Session, period_id: int, category: str) -> CategoryStats:
    sr = ScoreResult
    band = type_coerce(sr.total, Integer) // BAND_CENTS  # integer hundredths → 10-point band
    presence = [getattr(sr, code).is_(None) for code in INDICES]
    cols = [band, *presence, func.count(), func.sum(type_coerce(sr.total, Integer))]
    for code in INDICES:
        col = getattr(sr, code)
        cols += [func.sum(type_coerce(col, Integer)), func.count(col)]
    stats = CategoryStats()
    sums = [0] * (1 + 2 * len(INDICES))
    k = len(INDICES)
    for row in session.execute(select(*cols).where(sr.period_id == period_id, sr.category == category)
                               .group_by(band, *presence)):
        n = row[1 + k]
        stats.bands[max(0, min(9, int(row[0])))] += n
        stats.count += n
        present = tuple(code for code, missing in zip(INDICES, row[1:1 + k]) if not missing)
        rows, pattern = stats.by_presence.get(present, (0, dict.fromkeys(present, 0)))
        for i, code in enumerate(INDICES):
            if code in pattern:
                pattern[code] += int(row[3 + k + 2 * i] or 0)
        stats.by_presence[present] = (rows + n, pattern)
        for i, v in enumerate(row[2 + k:]):
            sums[i] += int(v or 0)
    if stats.count:
        stats.avg_total = to_points(Decimal(sums[0]) / 100 / stats.count)
    for i, code in enumerate(INDICES):
        s, n = sums[1 + 2 * i], sums[2 + 2 * i]
        stats.avg_index[code] = to_points(Decimal(s) / 100 / n) if n else None
    return stats


def band_of(total: Decimal) -> int:
    return max(0, min(9, int(Decimal(total) * 100) // BAND_CENTS))


BAND_LABELS = [f"{10 * i}–{10 * i + 9 if i < 9 else 100}" for i in range(10)]


# ------------------------------------------------------------------ trend

def branch_history(session: Session, branch_id: int, limit: int = 60) -> list[tuple[ScoreResult, Period]]:
    """The branch's results in closed periods, newest first (one query)."""
    return list(session.execute(
        select(ScoreResult, Period).join(Period, Period.id == ScoreResult.period_id)
        .where(ScoreResult.branch_id == branch_id, Period.status == "closed")
        .order_by(Period.ends_on.desc(), _KIND_ORDER).limit(limit)))


# ------------------------------------------------------------------ tier ladder

def tier_counts(session: Session, user, period_id: int, unit_id=None, category=None) -> dict[int | None, int]:
    sr = ScoreResult
    stmt = select(sr.tier, func.count()).where(sr.period_id == period_id, branch_clause(user, sr.branch_id, sr.unit_id))
    if unit_id:
        stmt = stmt.where(sr.unit_id == unit_id)
    if category:
        stmt = stmt.where(sr.category == category)
    return {t: n for t, n in session.execute(stmt.group_by(sr.tier))}


def movers_stmt(user, period_id: int, prev_period_id: int, unit_id=None, category=None, direction=None):
    """Branches whose tier changed since the previous window: (current, previous tier, names)."""
    cur, prev = ScoreResult, aliased(ScoreResult)
    stmt = (select(cur, prev.tier.label("prev_tier"), prev.stars.label("prev_stars"),
                   Branch.name.label("branch_name"), Branch.code.label("branch_code"), OrgNode.name.label("unit_name"))
            .join(prev, and_(prev.branch_id == cur.branch_id, prev.period_id == prev_period_id))
            .join(Branch, Branch.id == cur.branch_id).join(OrgNode, OrgNode.id == cur.unit_id)
            .where(cur.period_id == period_id, cur.tier != prev.tier, branch_clause(user, cur.branch_id, cur.unit_id)))
    if unit_id:
        stmt = stmt.where(cur.unit_id == unit_id)
    if category:
        stmt = stmt.where(cur.category == category)
    if direction == "up":
        stmt = stmt.where(cur.tier < prev.tier)
    elif direction == "down":
        stmt = stmt.where(cur.tier > prev.tier)
    return stmt.order_by(cur.tier, cur.category, *within_category_order(cur))


def mover_counts(session: Session, user, period_id: int, prev_period_id: int, unit_id=None, category=None) -> dict:
    sub = movers_stmt(user, period_id, prev_period_id, unit_id, category).order_by(None).subquery()
    up = func.sum(case((sub.c.tier < sub.c.prev_tier, 1), else_=0))
    down = func.sum(case((sub.c.tier > sub.c.prev_tier, 1), else_=0))
    row = session.execute(select(up, down)).one()
    return {"up": int(row[0] or 0), "down": int(row[1] or 0)}


# ------------------------------------------------------------------ annual star report

@dataclass
class StarReport:
    """★3/★4/★5 counts per (unit, category), and branches honoured at city level or above."""

    rows: list[dict]
    totals: dict[int, int]
    honoured: int
    honoured_by_unit: dict[int, int]


def star_report(session: Session, user, year_period: Period, unit_id=None) -> StarReport:
    from core.honours.models import CITY_OR_ABOVE, Honour

    sr = ScoreResult
    stmt = (select(sr.unit_id, OrgNode.name, sr.category, sr.stars, func.count())
            .join(OrgNode, OrgNode.id == sr.unit_id)
            .where(sr.period_id == year_period.id, sr.stars >= 3, branch_clause(user, sr.branch_id, sr.unit_id)))
    if unit_id:
        stmt = stmt.where(sr.unit_id == unit_id)
    stmt = stmt.group_by(sr.unit_id, OrgNode.name, sr.category, sr.stars)
    table: dict[tuple, dict] = {}
    totals = {3: 0, 4: 0, 5: 0}
    for uid, uname, cat, stars, n in session.execute(stmt):
        row = table.setdefault((uname, uid, cat), {"unit_id": uid, "unit_name": uname, "category": cat,
                                                    3: 0, 4: 0, 5: 0})
        row[stars] += n
        totals[stars] += n
    cat_order = {c: i for i, c in enumerate(CATEGORIES)}
    rows = [table[k] for k in sorted(table, key=lambda k: (k[0], k[1], cat_order.get(k[2], 99)))]

    h = (select(Honour.unit_id, func.count(func.distinct(Honour.branch_id)))
         .where(Honour.level.in_(CITY_OR_ABOVE), Honour.awarded_on >= year_period.starts_on,
                Honour.awarded_on <= year_period.ends_on, branch_clause(user, Honour.branch_id, Honour.unit_id)))
    if unit_id:
        h = h.where(Honour.unit_id == unit_id)
    by_unit = {u: n for u, n in session.execute(h.group_by(Honour.unit_id))}
    hq = (select(func.count(func.distinct(Honour.branch_id)))
          .where(Honour.level.in_(CITY_OR_ABOVE), Honour.awarded_on >= year_period.starts_on,
                 Honour.awarded_on <= year_period.ends_on, branch_clause(user, Honour.branch_id, Honour.unit_id)))
    if unit_id:
        hq = hq.where(Honour.unit_id == unit_id)
    return StarReport(rows=rows, totals=totals, honoured=session.scalar(hq) or 0, honoured_by_unit=by_unit)
