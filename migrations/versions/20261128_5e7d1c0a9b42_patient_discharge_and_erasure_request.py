"""a patient's record from start to end: discharge, read access until, closing, erasure asked

Revision ID: 5e7d1c0a9b42
Revises: 5e7f2b9c4d10
Create Date: 2026-11-28 08:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '5e7d1c0a9b42'
down_revision = "5e7f2b9c4d10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every existing person is in care: all four start empty.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discharged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('access_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('erasure_requested_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erasure_requested_at')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('access_until')
        batch_op.drop_column('discharged_at')
