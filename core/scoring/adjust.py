"""Self-assessment (自评) and verification (线下质量验收) of one evaluation item.

Both values are kept next to the automatic one; the verified value counts. Every save
bumps Evaluation.version; a save carrying an older version is refused (two reviewers
on the same sheet: the second save is refused, nothing is overwritten). Writes into a
closed window (the item's cycle period or any window containing it) are refused.
Decided: a secretary may self-assess any item (manual items above all); the reviewer's
verified value needs a reason every time, including when it equals the automatic one.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from sqlalchemy import update
from sqlalchemy.orm import Session

from core.audit.service import record
from core.db import utcnow
from core.periods.locks import PeriodLocked, ensure_windows_open
from core.periods.models import Period
from core.scoring.errors import InvalidScore, NotFound, ReasonRequired, StaleVersion
from core.scoring.models import Evaluation


def ensure_window_open(session: Session, period: Period) -> None:
    """Take `period` and the windows containing it (quarter, year) shared for this
    transaction (core/periods/locks) and refuse when one of them is closed."""
    from core.scoring.close import parent_keys
    closed = ensure_windows_open(session, [period.pkey, *parent_keys(period.pkey)])
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
    ensure_window_open(session, period)
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
    if not reason:
        raise ReasonRequired(gettext("审核调整必须填写理由。"))
    evaluation, period = _load(session, item)
    value = parse_earned(earned, evaluation.points)
    old = {"verified_earned": evaluation.verified_earned, "verify_reason": evaluation.verify_reason,
           "auto_earned": evaluation.auto_earned}
    _save(session, evaluation, expected_version, {
        "verified_earned": value, "verify_reason": reason, "verified_by": getattr(actor, "id", None),
        "verified_at": utcnow()})
    record(session, actor=actor, action="evaluation.verify", obj=evaluation, object_id=evaluation.key, old=old,
           new={"verified_earned": value, "verify_reason": reason}, reason=reason)
    return evaluation


