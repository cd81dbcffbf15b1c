"""clinic exercises keep the figure a therapist posed (JSON, nullable)

Revision ID: 5b7e0c2d9f41
Revises: 477fc5b7ee7a
Create Date: 2026-11-28 08:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '5b7e0c2d9f41'
down_revision = '477fc5b7ee7a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing exercises have no posed figure: built-in ones draw theirs from content/poses.
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pose', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.drop_column('pose')
