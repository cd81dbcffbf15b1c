"""secure messages between a patient and their care team, read receipts, quick replies,
and the push that tells of a new message

Revision ID: f4b8d2e6a9c1
Revises: e1a5c0d3f7b2
Create Date: 2026-11-28 08:10:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = 'f4b8d2e6a9c1'
down_revision = 'e1a5c0d3f7b2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('exercise_id', sa.Integer(), nullable=True),
        sa.Column('client_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_messages_patient_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_messages_author_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_messages_exercise_id_exercises'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
        sa.UniqueConstraint('client_id', name=op.f('uq_messages_client_id')),
    )
    op.create_index('ix_messages_patient_created', 'messages', ['patient_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_messages_author_id'), 'messages', ['author_id'], unique=False)
    op.create_table(
        'message_reads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('reader_id', sa.Integer(), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_reads_message_id_messages'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reader_id'], ['users.id'], name=op.f('fk_message_reads_reader_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message_reads')),
        sa.UniqueConstraint('message_id', 'reader_id', name=op.f('uq_message_reads_message_id_reader_id')),
    )
    op.create_index(op.f('ix_message_reads_reader_id'), 'message_reads', ['reader_id'], unique=False)
    op.create_table(
        'quick_replies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('therapist_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_quick_replies_therapist_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quick_replies')),
    )
    op.create_index(op.f('ix_quick_replies_therapist_id'), 'quick_replies', ['therapist_id'], unique=False)
    with op.batch_alter_table('reminder_occurrences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_reminder_occurrences_message_id_messages'), 'messages',
            ['message_id'], ['id'], ondelete='CASCADE',
        )


def downgrade() -> None:
    with op.batch_alter_table('reminder_occurrences', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_reminder_occurrences_message_id_messages'), type_='foreignkey'
        )
        batch_op.drop_column('message_id')
    op.drop_index(op.f('ix_quick_replies_therapist_id'), table_name='quick_replies')
    op.drop_table('quick_replies')
    op.drop_index(op.f('ix_message_reads_reader_id'), table_name='message_reads')
    op.drop_table('message_reads')
    op.drop_index(op.f('ix_messages_author_id'), table_name='messages')
    op.drop_index('ix_messages_patient_created', table_name='messages')
    op.drop_table('messages')
