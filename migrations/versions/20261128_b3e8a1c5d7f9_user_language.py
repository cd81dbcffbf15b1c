"""user language

The language each person reads the app in ("en", "es"); empty for everyone until they
choose one or redeem an invite, so their browser's language or the clinic's default applies.

Revision ID: b3e8a1c5d7f9
Revises: d7e4f1a2b9c3
Create Date: 2026-11-28 09:25:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = 'b3e8a1c5d7f9'
down_revision = 'd7e4f1a2b9c3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
