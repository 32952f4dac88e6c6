"""annual notice in working days, offline objections, year corrections (#18)

Revision ID: core_0007
Revises: core_0006
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = 'core_0007'
down_revision: Union[str, Sequence[str], None] = 'core_0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('annual_notices') as batch:
        batch.add_column(sa.Column('working_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('objections') as batch:
        batch.add_column(sa.Column('channel', sa.String(length=12), server_default='online', nullable=False))
        batch.add_column(sa.Column('received_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('complainant', sa.Text(), nullable=True))
    op.create_table('year_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('objection_id', sa.Integer(), nullable=True),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('from_key', sa.String(length=10), nullable=False),
    sa.Column('reopened', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opened_by', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_year_corrections_branch_id_branches')),
    sa.ForeignKeyConstraint(['closed_by'], ['users.id'], name=op.f('fk_year_corrections_closed_by_users')),
    sa.ForeignKeyConstraint(['objection_id'], ['objections.id'], name=op.f('fk_year_corrections_objection_id_objections')),
    sa.ForeignKeyConstraint(['opened_by'], ['users.id'], name=op.f('fk_year_corrections_opened_by_users')),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_year_corrections_period_id_periods')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_year_corrections'))
    )
    with op.batch_alter_table('year_corrections') as batch:
        batch.create_index(batch.f('ix_year_corrections_period_id'), ['period_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('year_corrections') as batch:
        batch.drop_index(batch.f('ix_year_corrections_period_id'))
    op.drop_table('year_corrections')
    with op.batch_alter_table('objections') as batch:
        batch.drop_column('complainant')
        batch.drop_column('received_on')
        batch.drop_column('channel')
    with op.batch_alter_table('annual_notices') as batch:
        batch.drop_column('working_days')
