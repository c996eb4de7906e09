"""An in-memory :class:`~plebiscite.record.board.Board` for tests and short-lived tools.

Nothing survives the process; "durable" here means "in this object". It follows exactly the
rules of the SQL boards (they share :class:`~plebiscite.record.board.BoardBase`), which the
behaviour suite in ``tests/record`` checks by running the same tests on all of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from plebiscite.record.board import BoardBase, check_next_head, plan
from plebiscite.record.events import Event
from plebiscite.record.heads import SignedHead
from plebiscite.record.merkle import Frontier, NodeKey


class MemoryBoard(BoardBase):
    def __init__(self) -> None:
        super().__init__()
        self._data: list[bytes] = []
        self._levels: list[list[bytes]] = []  # _levels[level][index] = complete subtree hash
        self._heads: list[SignedHead] = []
        self._frontier = Frontier()

    def size(self) -> int:
        return len(self._data)

    def _read_nodes(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        found = {}
        for level, index in keys:
            if level < len(self._levels) and index < len(self._levels[level]):
                found[(level, index)] = self._levels[level][index]
        return found

    def _append_locked(self, events: Sequence[Event]) -> list[int]:
        work = plan(self._frontier, events)
        for level, index, value in work.nodes:
            while len(self._levels) <= level:
                self._levels.append([])
            assert len(self._levels[level]) == index, "nodes are completed left to right"
            self._levels[level].append(value)
        self._data.extend(data for _, _, data in work.entries)
        self._frontier = work.frontier
        return [index for index, _, _ in work.entries]

    def _read_entries(self, start: int, stop: int) -> list[tuple[int, bytes]]:
        return [(i, self._data[i]) for i in range(start, min(stop, len(self._data)))]

    def _store_head(self, head: SignedHead) -> None:
        with self._write_lock:
            check_next_head(self.latest_head(), head)
            self._heads.append(head)

    def latest_head(self) -> SignedHead | None:
        return self._heads[-1] if self._heads else None

    def heads(self) -> Iterator[SignedHead]:
        return iter(list(self._heads))

    def close(self) -> None:
        """Nothing to release."""
