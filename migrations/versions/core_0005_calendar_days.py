"""working-day calendar (calendar_days), seeded with the official 2025–2026 schedules

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-11-29 07:50:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'core_0005'
down_revision: Union[str, Sequence[str], None] = 'core_0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    table = op.create_table('calendar_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_calendar_days_updated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_days')),
    sa.UniqueConstraint('day', name=op.f('uq_calendar_days_day'))
    )
    # The State Council's schedules (国办发明电〔2024〕12号 for 2025, 〔2025〕7号 for 2026):
    # (first day, last day, is_workday, holiday). Data of this revision, frozen here.
    spans = [
        ("2025-01-01", "2025-01-01", False, "元旦"), ("2025-01-26", "2025-01-26", True, "春节"),
        ("2025-01-28", "2025-02-04", False, "春节"), ("2025-02-08", "2025-02-08", True, "春节"),
        ("2025-04-04", "2025-04-06", False, "清明节"), ("2025-04-27", "2025-04-27", True, "劳动节"),
        ("2025-05-01", "2025-05-05", False, "劳动节"), ("2025-05-31", "2025-06-02", False, "端午节"),
        ("2025-09-28", "2025-09-28", True, "国庆节"), ("2025-10-01", "2025-10-08", False, "国庆节、中秋节"),
        ("2025-10-11", "2025-10-11", True, "国庆节"),
        ("2026-01-01", "2026-01-03", False, "元旦"), ("2026-01-04", "2026-01-04", True, "元旦"),
        ("2026-02-14", "2026-02-14", True, "春节"), ("2026-02-15", "2026-02-23", False, "春节"),
        ("2026-02-28", "2026-02-28", True, "春节"), ("2026-04-04", "2026-04-06", False, "清明节"),
        ("2026-05-01", "2026-05-05", False, "劳动节"), ("2026-05-09", "2026-05-09", True, "劳动节"),
        ("2026-06-19", "2026-06-21", False, "端午节"), ("2026-09-20", "2026-09-20", True, "国庆节"),
        ("2026-09-25", "2026-09-27", False, "中秋节"), ("2026-10-01", "2026-10-07", False, "国庆节"),
        ("2026-10-10", "2026-10-10", True, "国庆节"),
    ]
    from datetime import date, datetime, timedelta

    now = datetime(2026, 11, 29)
    rows = []
    for first, last, workday, name in spans:
        d, end = date.fromisoformat(first), date.fromisoformat(last)
        while d <= end:
            rows.append({"day": d, "is_workday": workday, "name": name, "source": "official", "updated_at": now})
            d += timedelta(days=1)
    op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table('calendar_days')
