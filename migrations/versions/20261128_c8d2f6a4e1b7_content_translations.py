"""content translations

The reader's text of shipped exercises and program templates in other languages than
English: ``exercises.translations`` ({"es": {title, purpose, steps, cautions}}),
``program_templates.translations`` ({"es": {title, description}}) and
``template_items.note_translations`` ({"es": note}). Empty until the next sync of the
shipped content fills them.

Revision ID: c8d2f6a4e1b7
Revises: b3e8a1c5d7f9
Create Date: 2026-11-28 10:50:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = "c8d2f6a4e1b7"
down_revision = "b3e8a1c5d7f9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exercises", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("translations", sa.JSON(), nullable=False, server_default="{}")
        )
    with op.batch_alter_table("program_templates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("translations", sa.JSON(), nullable=False, server_default="{}")
        )
    with op.batch_alter_table("template_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("note_translations", sa.JSON(), nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("template_items", schema=None) as batch_op:
        batch_op.drop_column("note_translations")
    with op.batch_alter_table("program_templates", schema=None) as batch_op:
        batch_op.drop_column("translations")
    with op.batch_alter_table("exercises", schema=None) as batch_op:
        batch_op.drop_column("translations")
