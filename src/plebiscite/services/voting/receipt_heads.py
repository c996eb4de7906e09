"""Signed heads for receipts, and the heads a casting server stores on the board.

A receipt needs a signed head whose tree holds the ballot. The append that recorded the
ballot returns the tree size and root its commit left (``Board.append_entry``), so the head
is signed from those without reading the board again; concurrent casts whose commits landed
in one tree share one head. Storing a head costs a durable commit, so the board stores one
every :data:`HEAD_STORE_EVERY` entries (and whenever asked, e.g. at closing); a receipt's own
head need not be stored, because the voter holds it, signed, and a consistency proof shows
that any later stored head extends it.

Several processes store heads on one board. A stored head is signed when it is stored, with
a timestamp no earlier than the latest stored head's, so that stored heads never go back in
time whichever process stores them (verifier check V5).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from plebiscite.crypto.signing import SigningKey
from plebiscite.errors import InputError
from plebiscite.record.board import Board
from plebiscite.record.heads import SignedHead, sign_head

#: The board stores a signed head at least once per this many new entries (and at closing).
HEAD_STORE_EVERY = 256


class ReceiptHeads:
    """The latest head this process signed (one value: no state grows with the board)."""

    def __init__(self, board: Board, key: SigningKey, now_ms: Callable[[], int]) -> None:
        self.board = board
        self.key = key
        self.now_ms = now_ms
        self._lock = threading.Lock()
        self._latest: SignedHead | None = None
        stored = board.latest_head()
        self._stored_size = 0 if stored is None else stored.tree_size

    def covering(self, tree_size: int, root: bytes, when_ms: int | None = None) -> SignedHead:
        """A signed head of at least ``tree_size`` entries; ``root`` is that tree's root;
        ``when_ms`` the time to sign it with if a new one is needed (default: now)."""
        with self._lock:
            head = self._latest
            if head is None or head.tree_size < tree_size:
                head = sign_head(
                    self.key, tree_size, root, self.now_ms() if when_ms is None else when_ms
                )
                self._latest = head
            store = head.tree_size - self._stored_size >= HEAD_STORE_EVERY
        if store:
            self.store(head.tree_size, head.root_hash)
        return head

    def exactly(self, tree_size: int, root: bytes, when_ms: int) -> SignedHead:
        """A signed head of exactly ``tree_size`` entries (whose root is ``root``), so that a
        receipt's proof is the one its commit's nodes give; concurrent casts landed by one
        commit share it."""
        with self._lock:
            head = self._latest
            if head is None or head.tree_size != tree_size:
                head = sign_head(self.key, tree_size, root, when_ms)
                if self._latest is None or self._latest.tree_size < tree_size:
                    self._latest = head
            store = tree_size - self._stored_size >= HEAD_STORE_EVERY
        if store:
            self.store(head.tree_size, head.root_hash)
        return head

    def fresh(self) -> SignedHead:
        """A head over the whole board as it is now (for receipts asked for later)."""
        size = self.board.size()
        return self.covering(size, self.board.root(size))

    def store(self, tree_size: int, root: bytes) -> SignedHead | None:
        """Sign and store a head of ``tree_size`` unless the board has one as large."""
        latest = self.board.latest_head()
        if latest is not None and latest.tree_size >= tree_size:
            with self._lock:  # another process stored one as large: count from it
                self._stored_size = max(self._stored_size, latest.tree_size)
            return latest
        when = max(self.now_ms(), 0 if latest is None else latest.timestamp)
        head = sign_head(self.key, tree_size, root, when)
        try:
            self.board.add_head(head)
        except InputError:
            latest = self.board.latest_head()  # another process stored a larger head first
            with self._lock:
                self._stored_size = max(
                    self._stored_size, 0 if latest is None else latest.tree_size
                )
            return latest
        with self._lock:
            self._stored_size = max(self._stored_size, tree_size)
        return head

    def flush(self) -> SignedHead | None:
        """Store the latest head receipts were given, if the board has not stored one as
        large; return the board's latest stored head."""
        with self._lock:
            head = self._latest
        if head is not None and head.tree_size > self._stored_size:
            return self.store(head.tree_size, head.root_hash)
        return self.board.latest_head()


__all__ = ["HEAD_STORE_EVERY", "ReceiptHeads"]
