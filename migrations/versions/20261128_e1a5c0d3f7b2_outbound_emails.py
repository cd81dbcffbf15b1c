"""emails queued by requests and jobs, sent by the scheduler

Revision ID: e1a5c0d3f7b2
Revises: 5b7e0c2d9f41
Create Date: 2026-11-28 08:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = 'e1a5c0d3f7b2'
down_revision = "5b7e0c2d9f41"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outbound_emails',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('invite_id', sa.Integer(), nullable=True),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('text_body', sa.Text(), nullable=False),
        sa.Column('html_body', sa.Text(), nullable=False),
        sa.Column('headers', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lease_owner', sa.String(length=80), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_outbound_emails_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['invite_id'], ['invites.id'], name=op.f('fk_outbound_emails_invite_id_invites'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_emails')),
        sa.UniqueConstraint('key', name=op.f('uq_outbound_emails_key')),
    )
    op.create_index(
        'ix_outbound_emails_due', 'outbound_emails', ['status', 'next_attempt_at'], unique=False
    )
    op.create_index(
        'ix_outbound_emails_user_kind', 'outbound_emails', ['user_id', 'kind', 'created_at'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_outbound_emails_user_kind', table_name='outbound_emails')
    op.drop_index('ix_outbound_emails_due', table_name='outbound_emails')
    op.drop_table('outbound_emails')
