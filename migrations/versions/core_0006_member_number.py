"""members.number (党员编号): the member's identity in imports and exports; existing
members get generated numbers DY + their id in 8 digits.

Revision ID: core_0006
Revises: core_0005
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'core_0006'
down_revision: Union[str, Sequence[str], None] = 'core_0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.String(length=32), nullable=True))
    conn = op.get_bind()
    members = sa.table('members', sa.column('id', sa.Integer), sa.column('number', sa.String))
    ids = [row[0] for row in conn.execute(sa.select(members.c.id).order_by(members.c.id))]
    for i in range(0, len(ids), 1000):
        conn.execute(members.update().where(members.c.id == sa.bindparam('mid'))
                     .values(number=sa.bindparam('num')),
                     [{'mid': m, 'num': f'DY{m:08d}'} for m in ids[i:i + 1000]])
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_members_number'), ['number'])


def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_members_number'), type_='unique')
        batch_op.drop_column('number')
