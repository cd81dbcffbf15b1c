"""push subscriptions remember the device (hash of the device cookie's key)

Revision ID: c3a9e1d27b64
Revises: 2a1cc25aad3b
Create Date: 2026-11-28 05:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = 'c3a9e1d27b64'
down_revision = '2a1cc25aad3b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing subscriptions have no device key: they keep working, and get one the next
    # time the person turns notifications on from that device.
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_push_subscriptions_device_hash'), ['device_hash']
        )


def downgrade() -> None:
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_push_subscriptions_device_hash'), type_='unique')
        batch_op.drop_column('device_hash')
