"""The casting rules' index tables and the closing entry in the board state.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("board_state") as batch:
        batch.add_column(sa.Column("closed_entry", sa.BigInteger(), nullable=True))
    op.create_table(
        "cast_locations",
        sa.Column("location", sa.Text(), primary_key=True),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("booth", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "cast_roll",
        sa.Column("voter", sa.Text(), primary_key=True),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("precinct", sa.Text(), nullable=False),
        sa.Column("home_voting", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
    )
    op.create_index("cast_roll_by_seq", "cast_roll", ["seq"])
    op.create_table(
        "cast_devices",
        sa.Column("device", sa.Text(), primary_key=True),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("enrolled_at", sa.Text(), nullable=False),
        sa.Column("chain_head", sa.Text(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "cast_voters",
        sa.Column("voter", sa.Text(), primary_key=True),
        sa.Column("region", sa.Text(), primary_key=True),
        sa.Column("home_code", sa.Text(), nullable=True),
        sa.Column("home_at", sa.Text(), nullable=True),
        sa.Column("booth_code", sa.Text(), nullable=True),
        sa.Column("booth_at", sa.Text(), nullable=True),
    )
    op.create_table(
        "cast_codes",
        sa.Column("code", sa.Text(), primary_key=True),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
    )
    op.create_table(
        "cast_alphas",
        sa.Column("alpha", sa.LargeBinary(32), primary_key=True),
        sa.Column("idx", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "cast_check_ins",
        sa.Column("device", sa.Text(), primary_key=True),
        sa.Column("voter", sa.Text(), primary_key=True),
        sa.Column("signature", sa.Text(), primary_key=True),
        sa.Column("idx", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "cast_check_ins",
        "cast_alphas",
        "cast_codes",
        "cast_voters",
        "cast_devices",
        "cast_roll",
        "cast_locations",
    ):
        op.drop_table(table)
    with op.batch_alter_table("board_state") as batch:
        batch.drop_column("closed_entry")
