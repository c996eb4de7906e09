"""The first board schema: entries, complete Merkle subtrees, signed heads.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_index64 = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    meta = op.create_table(
        "board_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    state = op.create_table(
        "board_state",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name="board_state_single_row"),
    )
    op.create_table(
        "board_entries",
        sa.Column("idx", _index64, primary_key=True, autoincrement=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_index("board_entries_by_type", "board_entries", ["event_type", "idx"])
    op.create_table(
        "board_nodes",
        sa.Column("node_id", _index64, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "board_heads",
        sa.Column("id", _index64, primary_key=True, autoincrement=True),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.LargeBinary(32), nullable=False),
        sa.Column("signature", sa.LargeBinary(64), nullable=False),
    )
    op.bulk_insert(meta, [{"key": "kind", "value": "plebiscite-board"}])
    op.bulk_insert(state, [{"id": 1, "tree_size": 0}])


def downgrade() -> None:
    for table in ("board_heads", "board_nodes", "board_entries", "board_state", "board_meta"):
        op.drop_table(table)
