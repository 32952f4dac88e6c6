"""The stage machine 申报 → 培育 → 验收 → 命名 (and 摘牌): every transition from every
stage by every role — allowed exactly once, refused otherwise with nothing written."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.periods.locks import PeriodLocked
from plugins.brands.models import Brand, BrandEvent
from plugins.brands.stages import TRANSITIONS, BrandError, transition, update_file

from .conftest import FILE, TODAY

ROLES = ["secretary", "other_secretary", "reviewer", "other_reviewer", "admin", "viewer"]
#: The role allowed for each action (the rest are refused).
RIGHT = {"declare": "secretary", "cultivate": "reviewer", "propose": "reviewer", "accept": "admin",
         "reject": "admin", "name": "admin", "withdraw": "admin"}
#: How to bring a brand to each stage: the actions after declaring.
PATHS = {None: [], "declared": ["declare"], "cultivating": ["declare", "cultivate"],
         "proposed": ["declare", "cultivate", "propose"], "accepted": ["declare", "cultivate", "propose", "accept"],
         "named": ["declare", "cultivate", "propose", "accept", "name"],
         "withdrawn": ["declare", "cultivate", "propose", "accept", "name", "withdraw"]}


def _bring(db, world, stage):
    for i, action in enumerate(PATHS[stage]):
        transition(db, world["a"], action, actor=world[RIGHT[action]], on=date(2026, 1, 1 + i), values=FILE,
                   comment="理由", today=TODAY)
    db.commit()


def _counts(db):
    return (db.scalar(select(func.count(BrandEvent.id))), db.scalar(select(func.count(AuditEntry.id))),
            db.scalar(select(Brand.stage)))


@pytest.mark.parametrize("stage", list(PATHS), ids=[str(s) for s in PATHS])
def test_every_transition_from_every_stage_by_every_role(db, world, stage):
    """For one starting stage: each of the 7 actions by each of the 6 roles. Allowed ones
    are checked and rolled back (they are not committed), refused ones write nothing."""
    _bring(db, world, stage)
    before = _counts(db)
    allowed_seen = []
    for action, t in TRANSITIONS.items():
        for role in ROLES:
            allowed = stage in t.sources and role == RIGHT[action]
            if not allowed:
                with pytest.raises(BrandError):
                    transition(db, world["a"], action, actor=world[role], on=date(2026, 2, 1), values=FILE,
                               comment="理由", today=TODAY)
                db.rollback()
                assert _counts(db) == before, (action, role)
                continue
            brand = transition(db, world["a"], action, actor=world[role], on=date(2026, 2, 1), values=FILE,
                               comment="理由", today=TODAY)
            assert brand.stage == t.target
            events, audits, _ = _counts(db)
            assert (events, audits) == (before[0] + 1, before[1] + 1)
            last = db.scalar(select(BrandEvent).order_by(BrandEvent.id.desc()).limit(1))
            assert (last.action, last.from_stage, last.to_stage, last.happened_on) == (
                action, stage, t.target, date(2026, 2, 1))
            allowed_seen.append(action)
            db.rollback()
            assert _counts(db) == before
    expected = {None: ["declare"], "declared": ["cultivate"], "cultivating": ["propose"],
                "proposed": ["accept", "reject"], "accepted": ["name"], "named": ["withdraw"],
                "withdrawn": ["declare"]}[stage]
    assert allowed_seen == expected


def test_the_machine_allows_exactly_the_documented_moves():
    moves = {(s, t.action, t.target) for t in TRANSITIONS.values() for s in t.sources}
    assert moves == {(None, "declare", "declared"), ("withdrawn", "declare", "declared"),
                     ("declared", "cultivate", "cultivating"), ("cultivating", "propose", "proposed"),
                     ("proposed", "accept", "accepted"), ("proposed", "reject", "cultivating"),
                     ("accepted", "name", "named"), ("named", "withdraw", "withdrawn")}


def test_a_stage_cannot_be_skipped(db, world):
    _bring(db, world, "declared")
    with pytest.raises(BrandError, match="不能执行"):
        transition(db, world["a"], "name", actor=world["admin"], today=TODAY)


@pytest.mark.parametrize("action,stage", [("reject", "proposed"), ("withdraw", "named")])
def test_rejection_and_withdrawal_need_a_reason(db, world, action, stage):
    _bring(db, world, stage)
    before = _counts(db)
    with pytest.raises(BrandError, match="理由"):
        transition(db, world["a"], action, actor=world["admin"], on=date(2026, 2, 1), comment="  ", today=TODAY)
    db.rollback()
    assert _counts(db) == before


def test_rejected_acceptance_returns_to_cultivating_with_its_reason_in_the_history(db, world):
    _bring(db, world, "proposed")
    transition(db, world["a"], "reject", actor=world["admin"], on=date(2026, 2, 1), comment="五有佐证不足", today=TODAY)
    db.commit()
    brand = db.scalar(select(Brand))
    assert brand.stage == "cultivating"
    assert [(e.action, e.to_stage, e.comment) for e in brand.events][-1] == ("reject", "cultivating", "五有佐证不足")
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "brands.reject"))
    assert entry.reason == "五有佐证不足" and entry.old == {"stage": "proposed"}


def test_dates_never_go_back_nor_into_the_future(db, world):
    _bring(db, world, "declared")   # declared on 2026-01-01
    with pytest.raises(BrandError, match="早于"):
        transition(db, world["a"], "cultivate", actor=world["reviewer"], on=date(2025, 12, 31), today=TODAY)
    with pytest.raises(BrandError, match="晚于今天"):
        transition(db, world["a"], "cultivate", actor=world["reviewer"], on=date(2026, 11, 21), today=TODAY)


def test_a_transition_dated_in_a_closed_period_is_refused(db, world):
    from core.periods.models import Period
    from core.periods.services import get_or_create_period

    _bring(db, world, "declared")
    period = get_or_create_period(db, "2026-02")
    period.status = "closed"
    db.commit()
    with pytest.raises(PeriodLocked):
        transition(db, world["a"], "cultivate", actor=world["reviewer"], on=date(2026, 2, 3), today=TODAY)
    db.rollback()
    assert db.scalar(select(Period.status).where(Period.key == "2026-02")) == "closed"
    assert db.scalar(select(Brand.stage)) == "declared"


def test_a_branch_of_a_unit_without_the_plugin_cannot_declare(db, world):
    with pytest.raises(BrandError, match="未启用"):
        transition(db, world["x"], "declare", actor=world["off_secretary"], values=FILE, today=TODAY)
    db.rollback()
    assert db.scalar(select(func.count(Brand.id))) == 0


def test_declaring_needs_the_brand_file(db, world):
    with pytest.raises(BrandError) as exc:
        transition(db, world["a"], "declare", actor=world["secretary"], values={**FILE, "vanguard_type": "x"},
                   today=TODAY)
    assert exc.value.field == "vanguard_type"


def test_a_withdrawn_brand_is_declared_again_on_the_same_file(db, world):
    _bring(db, world, "withdrawn")
    transition(db, world["a"], "declare", actor=world["secretary"], on=date(2026, 3, 1),
               values={**FILE, "name": "新品牌"}, today=TODAY)
    db.commit()
    brands = db.scalars(select(Brand)).all()
    assert len(brands) == 1 and brands[0].name == "新品牌" and brands[0].stage == "declared"
    assert [e.action for e in brands[0].events] == PATHS["withdrawn"] + ["declare"]


def test_the_file_is_frozen_from_the_acceptance_request(db, world):
    _bring(db, world, "cultivating")
    update_file(db, world["a"], {**FILE, "slogan": "新口号"}, actor=world["reviewer"])
    db.commit()
    assert db.scalar(select(Brand.slogan)) == "新口号"
    with pytest.raises(BrandError):
        update_file(db, world["a"], FILE, actor=world["other_reviewer"])
    transition(db, world["a"], "propose", actor=world["reviewer"], on=date(2026, 2, 1), today=TODAY)
    db.commit()
    with pytest.raises(BrandError, match="不能再修改"):
        update_file(db, world["a"], FILE, actor=world["secretary"])
