"""jobs' last sign of life and attempts (recovery of jobs whose task a broker lost)

Revision ID: core_0011_redisjobs
Revises: core_0010
Create Date: 2026-11-29 10:45:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'core_0011_redisjobs'
down_revision: Union[str, Sequence[str], None] = 'core_0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('beat_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('attempt', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('document_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('beat_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('document_jobs', schema=None) as batch_op:
        batch_op.drop_column('beat_at')
        batch_op.drop_column('attempt')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('attempt')
        batch_op.drop_column('beat_at')
