"""Check-ins by opaque id (the voter a check-in names lives only in this index), and each
device's chain length and end in its row (a server reads no entry to judge a chain end), and
whether a door-to-door location needs the voter's home-voting application.

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
    with op.batch_alter_table("cast_devices") as batch:
        batch.add_column(
            sa.Column("chain_count", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("ended", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("cast_locations") as batch:
        batch.add_column(
            sa.Column("by_application", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.drop_table("cast_check_ins")
    op.create_table(
        "cast_check_ins",
        sa.Column("device", sa.Text(), primary_key=True),
        sa.Column("checkin", sa.Text(), primary_key=True),
        sa.Column("voter", sa.Text(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("cast_locations") as batch:
        batch.drop_column("by_application")
    with op.batch_alter_table("cast_devices") as batch:
        batch.drop_column("ended")
        batch.drop_column("chain_count")
    op.drop_table("cast_check_ins")
    op.create_table(
        "cast_check_ins",
        sa.Column("device", sa.Text(), primary_key=True),
        sa.Column("voter", sa.Text(), primary_key=True),
        sa.Column("signature", sa.Text(), primary_key=True),
        sa.Column("idx", sa.BigInteger(), nullable=False),
    )
