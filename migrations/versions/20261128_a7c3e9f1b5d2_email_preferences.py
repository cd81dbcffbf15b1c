"""what each person chose to receive by email (the weekly summary)

Revision ID: a7c3e9f1b5d2
Revises: f4b8d2e6a9c1
Create Date: 2026-11-28 08:20:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = 'a7c3e9f1b5d2'
down_revision = 'f4b8d2e6a9c1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'email_preferences',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('weekly_summary', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_email_preferences_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_email_preferences')),
    )


def downgrade() -> None:
    op.drop_table('email_preferences')
