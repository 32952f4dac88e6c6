"""Notification centre, reminders, the e-mail digest and the schedule (issue #15):
reminders are created once per event, scoped per user, mailed as one digest, and the
scheduled steps run on their day once — closes only when an admin switched them on."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.notifications.models import MailPreference, Notification, ScheduleRun, ScheduleStep
from core.notifications.reminders import send_reminders
from core.notifications.schedule import run_due_steps, working_day_number
from core.targets.models import Target


@pytest.fixture
def world(db, make_unit, make_branch, make_user):
    unit = make_unit(name="炼铁厂党委")
    branch = make_branch(unit=unit, name="高炉党支部")
    other = make_branch(unit=make_unit(name="炼钢厂党委"), name="转炉党支部")
    from core.indicators.catalogue import seed_ruleset
    seed_ruleset(db, 2026)
    db.commit()
    return dict(unit=unit, branch=branch, other=other, secretary=make_user("secretary", branch=branch),
                other_secretary=make_user("secretary", branch=other), reviewer=make_user("reviewer", units=[unit]),
                admin=make_user("admin"))


def _count(db, **where):
    stmt = select(func.count(Notification.id))
    for key, value in where.items():
        stmt = stmt.where(getattr(Notification, key) == value)
    return db.scalar(stmt)


def test_reminders_are_created_once_per_event(db, world):
    today = date(2026, 11, 27)  # 3 days before the month ends
    first = send_reminders(db, today)
    db.commit()
    assert first > 0
    assert _count(db, user_id=world["secretary"].id, kind="ledger_due") >= 1
    assert send_reminders(db, today) == 0  # a rerun duplicates nothing
    db.commit()
    titles = db.scalars(select(Notification.title).where(Notification.user_id == world["secretary"].id)).all()
    assert any("支部委员会" in t and "剩 3 天" in t for t in titles)


def test_overdue_targets_remind_the_owning_branch_only(db, world):
    db.add(Target(branch_id=world["branch"].id, unit_id=world["unit"].id, title="全年零事故", group="safety_production",
                  index_code="performance", points=10, owner="王厂长", deadline=date(2026, 10, 31)))
    db.commit()
    send_reminders(db, date(2026, 11, 10))
    db.commit()
    assert _count(db, user_id=world["secretary"].id, kind="target_overdue") == 1
    assert _count(db, user_id=world["other_secretary"].id, kind="target_overdue") == 0


def test_the_centre_is_scoped_per_user_and_marks_read(client, db, login, world):
    send_reminders(db, date(2026, 11, 27))
    db.commit()
    mine = db.scalar(select(Notification).where(Notification.user_id == world["secretary"].id))
    theirs = db.scalar(select(Notification).where(Notification.user_id == world["other_secretary"].id))
    login(world["secretary"])
    page = client.get("/notifications").get_data(as_text=True)
    assert mine.title in page and 'class="badge-count"' in page
    assert client.get(f"/notifications/{theirs.id}").status_code == 404
    db.expire_all()
    assert db.get(Notification, theirs.id).read_at is None
    r = client.get(f"/notifications/{mine.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/ledger/branch/{world['branch'].id}")
    client.post("/notifications/read")
    db.expire_all()
    assert _count(db, user_id=world["secretary"].id, read_at=None) == 0
    assert 'class="badge-count"' not in client.get("/notifications").get_data(as_text=True)


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port on the loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def test_daily_digest_is_one_mail_per_user_and_respects_opt_out(app, db, world, smtp_server):
    from email import message_from_bytes

    from core.notifications.mail import send_digests

    port, inbox = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="zzb@example.test")
    db.add(MailPreference(user_id=world["secretary"].id, email="shuji@example.test", digest=True))
    db.add(MailPreference(user_id=world["other_secretary"].id, email="no@example.test", digest=False))
    send_reminders(db, date(2026, 11, 27))
    db.commit()
    assert send_digests(db, app.config) == 1
    assert len(inbox.messages) == 1 and inbox.messages[0].rcpt_tos == ["shuji@example.test"]
    body = message_from_bytes(inbox.messages[0].content).get_payload(decode=True).decode("utf-8")
    assert "支部委员会" in body
    assert send_digests(db, app.config) == 0  # mailed once, not again
    assert len(inbox.messages) == 1


def test_working_days_follow_the_calendar(db):
    assert working_day_number(db, date(2026, 12, 7)) == 5    # Tue 1, Wed 2, Thu 3, Fri 4, Mon 7
    assert working_day_number(db, date(2026, 12, 5)) is None  # a Saturday
    assert working_day_number(db, date(2026, 10, 7)) is None  # National Day holiday (1–7 Oct)
    assert working_day_number(db, date(2026, 10, 8)) == 1     # the first working day of October 2026
    assert working_day_number(db, date(2026, 10, 10)) == 3    # an adjusted working Saturday


def test_schedule_runs_each_step_once_and_never_closes_unless_switched_on(app, db, world):
    from core.periods.models import Period

    now = datetime(2026, 11, 10, 21, 0)  # the 10th, after the close step's hour
    done = run_due_steps(db, app, now)
    assert "remind" in done and "close_last_month" not in done
    assert run_due_steps(db, app, now + timedelta(minutes=10)) == {}  # at most once a day
    assert db.scalar(select(Period.status).where(Period.key == "2026-10")) != "closed"

    db.add(ScheduleStep(code="close_last_month", enabled=True, day=10, working_day=False, hour=20))
    db.commit()
    done = run_due_steps(db, app, now + timedelta(minutes=20))
    assert list(done) == ["close_last_month"]
    status = db.scalar(select(Period.status).where(Period.key == "2026-10"))
    assert status == "closed" or "未审核" in done["close_last_month"] or "未结账" in done["close_last_month"]
    assert db.scalar(select(func.count(ScheduleRun.id)).where(ScheduleRun.code == "close_last_month")) == 1


def test_beat_ticks_the_schedule_task(app):
    celery = app.extensions["celery"]
    assert celery.conf.beat_schedule["starbranch-tick"]["task"] == "notifications.tick"
    assert "notifications.tick" in celery.tasks


def test_admin_switches_a_step_on_and_it_is_audited(client, db, login, world):
    from core.audit.models import AuditEntry

    login(world["admin"])
    assert "自动结账上月" in client.get("/admin/schedule").get_data(as_text=True)
    r = client.post("/admin/schedule/close_last_month", data={"enabled": "y", "day": "12", "hour": "19"})
    assert r.status_code == 302
    row = db.get(ScheduleStep, "close_last_month")
    assert (row.enabled, row.day, row.hour) == (True, 12, 19)
    assert db.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "schedule.update")) == 1
    r = client.post("/admin/schedule/close_last_month", data={"enabled": "y", "day": "40", "hour": "19"})
    db.expire_all()
    assert db.get(ScheduleStep, "close_last_month").day == 12  # refused, nothing written
    login(world["reviewer"])
    assert client.get("/admin/schedule").status_code == 404


# ---------------------------------------------------------------- items awaiting verification (issue #15)
from tests.core.scoring.conftest import make_ruleset, registry  # noqa: E402,F401  (fixtures)


def test_reviewers_are_reminded_of_expected_manual_items_before_any_row_is_stored(db, make_unit, make_branch,
                                                                                   make_user, make_ruleset, registry):
    """The reminder counts with core.scoring.manual's rule: an open window has its manual
    items from its start, stored or not (SCORING.md "Manual and verified items")."""
    from core.periods.keys import PeriodKey
    from core.periods.models import Period
    from core.scoring.adjust import verify_item
    from core.scoring.manual import ensure_items
    from core.scoring.models import Evaluation
    from core.scoring.sources import kinds_from

    u1, u2 = make_unit(name="炼铁厂党委"), make_unit(name="炼钢厂党委")
    a, b, c = make_branch(unit=u1), make_branch(unit=u1), make_branch(unit=u2)
    rev1, rev2 = make_user("reviewer", units=[u1]), make_user("reviewer", units=[u2])
    rs = make_ruleset(year=2027, indicators=[{"index_code": "team", "points": 10, "cycle": "month", "method": "manual"},
                                             {"index_code": "service", "points": 10, "cycle": "quarter",
                                              "method": "manual"}])
    today = date(2027, 2, 10)
    assert db.scalar(select(func.count()).select_from(Evaluation)) == 0 and db.scalar(select(func.count(Period.id))) == 0

    created = send_reminders(db, today, registry)
    db.commit()
    mine = dict(db.execute(select(Notification.event_key, Notification.title)
                           .where(Notification.user_id == rev1.id)).all())
    # January, February (started) and Q1: 2 branches each; March has not started yet.
    assert set(mine) == {f"verify_pending:{u1.id}:2027-01", f"verify_pending:{u1.id}:2027-02",
                         f"verify_pending:{u1.id}:2027Q1"}
    assert all("有 2 项人工评分待审核" in title for title in mine.values())
    assert "2027年2月" in mine[f"verify_pending:{u1.id}:2027-02"]
    theirs = set(db.scalars(select(Notification.event_key).where(Notification.user_id == rev2.id)))
    assert theirs == {f"verify_pending:{u2.id}:2027-01", f"verify_pending:{u2.id}:2027-02",
                      f"verify_pending:{u2.id}:2027Q1"}  # each reviewer only his unit's
    assert created == 6
    assert send_reminders(db, today, registry) == 0  # once per unit and window

    # Stored and verified items no longer count; stored unverified ones still do.
    ensure_items(db, [PeriodKey.parse("2027-03")], rs, kinds_from(registry))
    db.commit()
    row = db.scalar(select(Evaluation).where(Evaluation.branch_id == a.id))
    verify_item(db, row.ident, "8", "查阅会议记录", row.version)
    db.commit()
    send_reminders(db, date(2027, 3, 1), registry)
    db.commit()
    title = db.scalar(select(Notification.title).where(Notification.user_id == rev1.id,
                                                       Notification.event_key == f"verify_pending:{u1.id}:2027-03"))
    assert "有 1 项人工评分待审核" in title
