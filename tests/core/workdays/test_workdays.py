"""The working-day calendar: the table overrides chinesecalendar, which overrides the
weekend rule; counting n working days skips holidays and counts adjusted working days."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.workdays import service
from core.workdays.models import CalendarDay


def test_national_day_week_is_skipped_and_the_adjusted_saturday_counts(db):
    # Tuesday 29 Sep 2026: 29, 30 Sep work; 1–7 Oct off; Sat 10 Oct is an adjusted working day.
    assert service.add_working_days(db, date(2026, 9, 29), 1) == date(2026, 9, 30)
    assert service.add_working_days(db, date(2026, 9, 29), 2) == date(2026, 10, 8)
    assert service.add_working_days(db, date(2026, 9, 29), 4) == date(2026, 10, 10)
    assert service.is_working_day(db, date(2026, 10, 10))
    assert not service.is_working_day(db, date(2026, 10, 5))


def test_plain_weeks_skip_weekends(db):
    assert service.add_working_days(db, date(2026, 11, 27), 1) == date(2026, 11, 30)  # Fri → Mon
    assert service.add_working_days(db, date(2026, 11, 27), 0) == date(2026, 11, 27)
    assert service.working_days_between(db, date(2026, 11, 23), date(2026, 11, 29)) == 5


def test_notice_window_starts_on_the_first_working_day_and_spans_the_holiday(db):
    # Planned on Thursday 1 Oct 2026 (a holiday): starts Thu 8 Oct; 8, 9, 10 (adjusted Sat), 12, 13.
    assert service.notice_window(db, date(2026, 10, 1), 5) == (date(2026, 10, 8), date(2026, 10, 13))
    # From Wednesday 30 Sep: 30 Sep, then 8, 9, 10, 12 Oct.
    assert service.notice_window(db, date(2026, 9, 30), 5) == (date(2026, 9, 30), date(2026, 10, 12))


def test_the_table_overrides_the_library(db, make_user):
    admin = make_user("admin")
    # An extra company holiday on Monday 30 Nov 2026 and a worked Saturday 5 Dec.
    service.set_day(db, day=date(2026, 11, 30), is_workday=False, name="厂庆", actor=admin)
    service.set_day(db, day=date(2026, 12, 5), is_workday=True, name="厂庆调休", actor=admin)
    db.commit()
    assert service.add_working_days(db, date(2026, 11, 27), 1) == date(2026, 12, 1)
    assert service.working_days_between(db, date(2026, 11, 30), date(2026, 12, 6)) == 5
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "workdays.set")) == 2
    row = db.scalar(select(CalendarDay).where(CalendarDay.day == date(2026, 11, 30)))
    service.delete_day(db, row=row, actor=admin)
    db.commit()
    assert service.is_working_day(db, date(2026, 11, 30))


def test_a_year_the_library_lacks_falls_back_to_weekdays(db):
    assert not service.library_covers(2031)
    assert service.add_working_days(db, date(2031, 1, 31), 1) == date(2031, 2, 3)  # Fri → Mon


def test_set_day_without_a_name_is_refused_and_writes_nothing(db, make_user):
    import pytest
    admin = make_user("admin")
    with pytest.raises(service.CalendarError):
        service.set_day(db, day=date(2027, 1, 1), is_workday=False, name="  ", actor=admin)
    assert db.scalar(select(func.count()).select_from(CalendarDay)) == 0


def test_seeded_schedule_equals_the_migration_and_is_idempotent(db, tmp_path):
    """The rows the core migration writes are the official days chinesecalendar knows."""
    from sqlalchemy import create_engine, text

    from core.migrate import service as migrate

    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    migrate.upgrade(url, "core@head")
    engine = create_engine(url)
    with engine.connect() as conn:
        migrated = sorted((date.fromisoformat(str(d)), bool(w), n)
                          for d, w, n in conn.execute(text("SELECT day, is_workday, name FROM calendar_days")))
    engine.dispose()
    official = service.official_days()
    assert [(d, w) for d, w, _ in migrated] == [(d, w) for d, w, _ in official]
    assert len(migrated) == 72  # 2025: 28 off + 5 worked; 2026: 33 off + 6 worked
    assert service.seed_official(db) == len(official)
    assert service.seed_official(db) == 0


def test_calendar_page_is_admin_only_and_saves_a_day(client, db, make_user, login):
    admin = make_user("admin")
    secretary = make_user("secretary")
    login(secretary)
    assert client.get("/admin/workdays/").status_code == 404
    client.post("/logout")
    login(admin)
    r = client.post("/admin/workdays/?year=2027", data={"day": "2027-01-01", "kind": "off", "name": "元旦"})
    assert r.status_code == 302
    page = client.get("/admin/workdays/?year=2027").get_data(as_text=True)
    assert "2027年1月1日" in page and "元旦" in page
    r = client.post("/admin/workdays/", data={"day": "2027-01-02", "kind": "off", "name": ""})
    assert r.status_code == 200 and "2027年1月2日" not in client.get("/admin/workdays/?year=2027").get_data(as_text=True)
