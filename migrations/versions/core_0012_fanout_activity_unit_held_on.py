"""activity_records(unit_id, held_on): a fanned-out close batch reads its units' window

Revision ID: core_0012_fanout
Revises: core_0011_redisjobs
Create Date: 2026-11-29 13:50:00

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = 'core_0012_fanout'
down_revision: Union[str, Sequence[str], None] = 'core_0011_redisjobs'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_activity_records_unit_held_on', 'activity_records', ['unit_id', 'held_on'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_activity_records_unit_held_on', table_name='activity_records')
