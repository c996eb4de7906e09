"""Check-ins by opaque id: the voter a check-in names lives only in this index.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("cast_check_ins")
    op.create_table(
        "cast_check_ins",
        sa.Column("device", sa.Text(), primary_key=True),
        sa.Column("checkin", sa.Text(), primary_key=True),
        sa.Column("voter", sa.Text(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cast_check_ins")
    op.create_table(
        "cast_check_ins",
        sa.Column("device", sa.Text(), primary_key=True),
        sa.Column("voter", sa.Text(), primary_key=True),
        sa.Column("signature", sa.Text(), primary_key=True),
        sa.Column("idx", sa.BigInteger(), nullable=False),
    )
