"""Self-assessment (自评) and verification (线下质量验收) of one evaluation item.

Both values are kept next to the automatic one; the verified value counts. Every save
bumps Evaluation.version; a save carrying an older version is refused (two reviewers
on the same sheet: the second save is refused, nothing is overwritten). Writes into a
closed window (the item's cycle period or any window containing it) are refused.
Decided: a secretary may self-assess any item (manual items above all). The reviewer's
verified value needs a reason only when it changes the proposed value — the automatic
score, or for a manual item the self-assessment; confirming it unchanged stores the
reason "确认自动得分" / "确认自评得分" (a manual item without a self-assessment has nothing
to confirm: a reason is required). `confirm_automatic` confirms every unverified
automatic item of a branch's window in one save (one audit entry with the count).
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.audit.service import record
from core.db import utcnow
from core.periods.keys import PeriodKey
from core.periods.locks import PeriodLocked, ensure_windows_open
from core.periods.models import Period
from core.scoring.errors import InvalidScore, NotFound, ReasonRequired, StaleVersion
from core.scoring.models import Evaluation


def ensure_window_open(session: Session, window: PeriodKey) -> None:
    """Take `window` and the windows containing it (quarter, year) shared for this
    transaction (core/periods/locks: missing rows are created) and refuse when one of
    them is closed."""
    from core.scoring.close import parent_keys
    closed = ensure_windows_open(session, [window, *parent_keys(window)])
    if closed is not None:
        raise PeriodLocked(gettext("%(closed)s已结账锁定，不能再修改该期间的评分；如需修改，请先由组织部重新开启该期间。", closed=closed.label))


def parse_earned(value, points: Decimal) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidScore(gettext("得分须为数字，当前为“%(value)s”。", value=value)) from None
    if not number.is_finite():
        raise InvalidScore(gettext("得分须为数字。"))
    if number != number.quantize(Decimal("0.01")):
        raise InvalidScore(gettext("得分最多保留两位小数。"))
    if number < 0 or number > points:
        raise InvalidScore(gettext("得分须在 0 到 %(points)s 之间，当前为 %(number)s。", points=points, number=number))
    return number.quantize(Decimal("0.01"))


def _load(session: Session, item: tuple[int, int, int]) -> tuple[Evaluation, Period]:
    evaluation = session.get(Evaluation, tuple(item))
    if evaluation is None:
        raise NotFound(gettext("评分项不存在。"))
    period = session.get(Period, evaluation.period_id)
    ensure_window_open(session, period.pkey)
    return evaluation, period


def _save(session, evaluation: Evaluation, expected_version: int | None, values: dict) -> None:
    version = evaluation.version if expected_version is None else int(expected_version)
    done = session.execute(update(Evaluation).where(Evaluation.period_id == evaluation.period_id,
                                                    Evaluation.branch_id == evaluation.branch_id,
                                                    Evaluation.indicator_id == evaluation.indicator_id,
                                                    Evaluation.version == version)
                           .values(version=version + 1, **values).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        session.refresh(evaluation)
        raise StaleVersion(gettext("该评分项已被他人修改（可能有另一位审核人同时在审核本表），本次保存未生效；请刷新后查看最新结果再修改。"))
    session.refresh(evaluation)


#: The stored reasons of an unchanged confirmation (data, kept in Chinese).
CONFIRM_AUTO = "确认自动得分"
CONFIRM_SELF = "确认自评得分"


def confirm_automatic(session: Session, branch_id: int, window, actor=None) -> int:
    """确认全部自动得分: every automatic item of the branch in `window` (a PeriodKey) that
    no reviewer has verified gets verified = automatic, reason CONFIRM_AUTO. Items whose
    cycle period is closed are left alone; a closed window is refused. Returns the count."""
    from core.scoring.compute import cycle_keys
    ensure_window_open(session, window)
    ids = list(session.scalars(select(Period.id).where(Period.key.in_([k.key for k in cycle_keys(window)]),
                                                       Period.status != "closed")))
    if not ids:
        return 0
    done = session.execute(update(Evaluation).where(
        Evaluation.branch_id == branch_id, Evaluation.period_id.in_(ids), Evaluation.auto_earned.is_not(None),
        Evaluation.verified_earned.is_(None)).values(
        verified_earned=Evaluation.auto_earned, verify_reason=CONFIRM_AUTO, verified_by=getattr(actor, "id", None),
        verified_at=utcnow(), version=Evaluation.version + 1).execution_options(synchronize_session=False))
    count = done.rowcount or 0
    if count:
        from core.org.models import Branch
        record(session, actor=actor, action="evaluation.confirm_all", object_type="branches", object_id=str(branch_id),
               new={"window": window.key, "confirmed": count},
               unit_id=session.scalar(select(Branch.unit_id).where(Branch.id == branch_id)))
    session.expire_all()
    return count


def self_assess(session: Session, item: tuple[int, int, int], earned, note: str | None, actor=None, *,
                expected_version: int | None = None) -> Evaluation:
    """The branch's self-assessed value (0 ≤ earned ≤ points; None clears it) on the
    evaluation `item` = (period_id, branch_id, indicator_id)."""
    evaluation, period = _load(session, item)
    value = None if earned in (None, "") else parse_earned(earned, evaluation.points)
    old = {"self_earned": evaluation.self_earned, "self_note": evaluation.self_note}
    note = (note or "").strip() or None
    _save(session, evaluation, expected_version, {"self_earned": value, "self_note": note})
    record(session, actor=actor, action="evaluation.self_assess", obj=evaluation, object_id=evaluation.key, old=old,
           new={"self_earned": value, "self_note": note})
    return evaluation


def verify_item(session: Session, item: tuple[int, int, int], earned, reason: str, expected_version: int | None,
                actor=None) -> Evaluation:
    """The reviewer's verified value with its mandatory reason on the evaluation `item`
    = (period_id, branch_id, indicator_id); it replaces the automatic value in every
    formula. `expected_version` is the version the reviewer saw; None only for scripts
    (no concurrency check)."""
    reason = (reason or "").strip()
    evaluation, period = _load(session, item)
    value = parse_earned(earned, evaluation.points)
    if not reason:
        proposed = evaluation.auto_earned if evaluation.auto_earned is not None else evaluation.self_earned
        if proposed is None or value != proposed:
            raise ReasonRequired(gettext("审核调整必须填写理由（与自动得分或自评得分相同的确认可不填）。"))
        reason = CONFIRM_AUTO if evaluation.auto_earned is not None else CONFIRM_SELF
    old = {"verified_earned": evaluation.verified_earned, "verify_reason": evaluation.verify_reason,
           "auto_earned": evaluation.auto_earned}
    _save(session, evaluation, expected_version, {
        "verified_earned": value, "verify_reason": reason, "verified_by": getattr(actor, "id", None),
        "verified_at": utcnow()})
    record(session, actor=actor, action="evaluation.verify", obj=evaluation, object_id=evaluation.key, old=old,
           new={"verified_earned": value, "verify_reason": reason}, reason=reason)
    return evaluation


