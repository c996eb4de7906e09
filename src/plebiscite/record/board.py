"""The ``Board`` port: an append-only, Merkle-hashed log of events with signed heads.

``docs/board.md`` describes the guarantees. Implementations: :class:`~.memory.MemoryBoard`
(tests) and :class:`~.sql.SqlBoard` (SQLite, PostgreSQL). Both share :class:`BoardBase`, which
holds every rule that does not depend on storage (validation, Merkle bookkeeping, proofs,
heads), so a backend only moves rows.

Leaf indices are 0-based; entry ``i`` is leaf ``i`` of the tree; a tree of size ``n`` holds
entries ``0 .. n-1``.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, Self, runtime_checkable

from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.errors import InputError, PlebisciteError, RecordError, SignatureError
from plebiscite.record.codec import decode_event
from plebiscite.record.events import Event, EventType
from plebiscite.record.guard import DeviceRow
from plebiscite.record.heads import SignedHead, sign_head
from plebiscite.record.merkle import (
    ConsistencyProof,
    Frontier,
    InclusionProof,
    NodeKey,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_at,
)

#: Entries read per query when streaming.
CHUNK: int = 1000


@dataclass(frozen=True)
class Entry:
    """Entry ``index`` of the log (leaf ``index`` of the tree)."""

    index: int
    event: Event

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.event.data)


@runtime_checkable
class Board(Protocol):
    """What services may ask of a bulletin board."""

    replica: bool  # a copy of a published record (BoardBase.replica)

    def append(self, event: Event) -> int:
        """Append one event; return its leaf index once the commit is durable."""
        ...

    def append_batch(self, events: Sequence[Event]) -> list[int]:
        """Append events in order in one durable commit; all or nothing."""
        ...

    def size(self) -> int: ...

    def root(self, tree_size: int | None = None) -> bytes:
        """Merkle root of the first ``tree_size`` entries (default: all)."""
        ...

    def entry(self, index: int) -> Entry: ...

    def entries(self, start: int = 0, stop: int | None = None) -> Iterator[Entry]:
        """Stream entries ``start .. stop-1`` in order, reading a chunk at a time."""
        ...

    def inclusion_proof(self, index: int, tree_size: int | None = None) -> InclusionProof: ...

    def consistency_proof(
        self, first_size: int, second_size: int | None = None
    ) -> ConsistencyProof: ...

    def sign_head(self, key: SigningKey, timestamp: int | None = None) -> SignedHead:
        """Sign, store and return a head for the current size (timestamp in ms, default now)."""
        ...

    def add_head(self, head: SignedHead) -> None:
        """Store a head signed elsewhere, after checking its signature and root."""
        ...

    def latest_head(self) -> SignedHead | None: ...

    def heads(self) -> Iterator[SignedHead]:
        """Every stored head, oldest first."""
        ...

    def check(self, progress: Callable[[int], None] | None = None) -> int:
        """Recompute the tree from the entries; raise :class:`RecordError` on any mismatch
        with the stored nodes or heads; return the number of entries checked."""
        ...

    def close(self) -> None: ...

    # --- the casting index (``record/guard.py``): what stateless servers ask -----------------

    def append_entry(self, event: Event) -> Appended:
        """Append one event under the casting rules; the index, tree size and root after."""
        ...

    def device(self, device_id: str) -> DeviceRow | None: ...

    def devices(self) -> dict[str, DeviceRow]: ...

    def ballot_code(self, code: str) -> tuple[int, str] | None:
        """(leaf index, "cast" or "challenged") of the ballot with this tracking code."""
        ...

    def check_in_voter(self, device_id: str, checkin: str) -> str | None:
        """The pseudonym the device's check-in ``checkin`` checked in (private index)."""
        ...

    def codes_page(
        self, prefix: str, after: str, limit: int
    ) -> tuple[list[tuple[str, int, str]], int]:
        """Up to ``limit`` (code, leaf index, kind) in code order after ``after`` that start
        with ``prefix``, and how many codes start with it."""
        ...

    def closed_entry(self) -> int | None: ...

    def roll_page(self, offset: int, limit: int) -> list[tuple[str, str, str, bool]]:
        """(pseudonym, region, precinct, home voting) in roll order."""
        ...

    def roll_counts(self) -> dict[str, int]: ...

    def voters_without_ballot(self, region: str, limit: int) -> list[str]: ...

    def entries_of_type(self, types: Sequence[EventType], start: int = 0) -> Iterator[Entry]:
        """Entries of these types from ``start`` on, in order (by the type index)."""
        ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...


@dataclass(frozen=True)
class Appended:
    """Where an append landed, the tree its commit left, and the entry's inclusion proof in
    that tree (for a receipt)."""

    index: int
    tree_size: int
    root: bytes
    read_nodes: Callable[[Sequence[NodeKey]], dict[NodeKey, bytes]] = field(
        repr=False, compare=False
    )

    def proof(self) -> InclusionProof:
        """The entry's inclusion proof in the tree of ``tree_size``."""
        return inclusion_proof(self.index, self.tree_size, self.read_nodes)


class BoardBase(ABC):
    """Storage-independent half of a board; subclasses implement the ``_`` primitives."""

    #: A replica of a published record (``record/export.py``, ``import_export``): its entries
    #: were judged when they were first appended, and the voters that check-ins checked in are
    #: not in a record, so the casting rules that need them are not applied again.
    replica: bool = False

    def __init__(self) -> None:
        self._write_lock = threading.Lock()
        # Group commit: appends from concurrent threads that arrive while a commit is running
        # wait, then one of them commits all of them together (one fsync for the group).
        self._group = threading.Condition()
        self._queue: list[_Pending] = []
        self._committing = False

    # --- primitives -----------------------------------------------------------------------

    @abstractmethod
    def size(self) -> int: ...

    @abstractmethod
    def _read_nodes(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]: ...

    @abstractmethod
    def _append_locked(self, groups: Sequence[Sequence[Event]]) -> Committed:
        """Judge each group under the casting rules (:func:`~.guard.judge`), then sequence and
        durably commit the accepted ones with their index rows, using :func:`plan`."""

    @abstractmethod
    def _read_entries(self, start: int, stop: int) -> list[tuple[int, bytes]]: ...

    @abstractmethod
    def _store_head(self, head: SignedHead) -> None:
        """Store ``head``, refusing (InputError) a smaller tree size or another key than the
        latest stored head, atomically with reading that latest head."""

    @abstractmethod
    def latest_head(self) -> SignedHead | None: ...

    @abstractmethod
    def heads(self) -> Iterator[SignedHead]: ...

    @abstractmethod
    def close(self) -> None: ...

    # --- appending ------------------------------------------------------------------------

    def append(self, event: Event) -> int:
        return self.append_batch([event])[0]

    def append_entry(self, event: Event) -> Appended:
        pending = self._submit([event])
        index = pending.result()[0]
        assert pending.tree_size is not None
        size = pending.tree_size
        known = pending.nodes

        def read(keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
            found = {key: known[key] for key in keys if key in known}
            missing = [key for key in keys if key not in found]
            return {**found, **self._read_nodes(missing)} if missing else found

        # The commit's own nodes and the frontier before it hold the proof's nodes; the
        # board is read only for a node they lack.
        return Appended(index, size, pending.root, read)

    def append_batch(self, events: Sequence[Event]) -> list[int]:
        return self._submit(events).result() if events else []

    def _submit(self, events: Sequence[Event]) -> _Pending:
        for i, event in enumerate(events):
            if not isinstance(event, Event):
                raise InputError(
                    f"item {i} of the batch is a {type(event).__name__}, not an Event "
                    "(build events with Event.create)"
                )
        mine = _Pending(list(events))
        if not events:
            mine.indices = []
            return mine
        with self._group:
            self._queue.append(mine)
            while self._committing and not mine.done:
                self._group.wait()
            if mine.done:
                return mine
            self._committing = True
            group, self._queue = self._queue, []
        try:
            self._commit_group(group)
        finally:
            with self._group:
                self._committing = False
                self._group.notify_all()
        return mine

    def _commit_group(self, group: list[_Pending]) -> None:
        """Commit a group of appends in one transaction; a rule refuses one caller's append
        alone (the others still commit); if the transaction itself fails, retry each alone
        so that one append's failure is its own."""
        with self._write_lock:
            if len(group) > 1:
                try:
                    self._settle(group, self._append_locked([p.events for p in group]))
                except PlebisciteError:
                    pass
                else:
                    return
            for pending in group:
                try:
                    self._settle([pending], self._append_locked([pending.events]))
                except BaseException as error:
                    pending.error = error

    @staticmethod
    def _settle(group: list[_Pending], committed: Committed) -> None:
        for pending, outcome in zip(group, committed.outcomes, strict=True):
            if isinstance(outcome, BaseException):
                pending.error = outcome
            else:
                pending.indices = outcome
                pending.tree_size, pending.root = committed.tree_size, committed.root
                pending.nodes = committed.nodes

    # --- reading --------------------------------------------------------------------------

    def _check_size(self, tree_size: int | None, current: int | None = None) -> int:
        current = self.size() if current is None else current
        if tree_size is None:
            return current
        if not 0 <= tree_size <= current:
            raise InputError(f"tree size {tree_size} is not between 0 and the board's {current}")
        return tree_size

    def root(self, tree_size: int | None = None) -> bytes:
        return root_at(self._check_size(tree_size), self._read_nodes)

    def entry(self, index: int) -> Entry:
        rows = self._read_entries(index, index + 1) if index >= 0 else []
        if not rows:
            raise InputError(f"no entry {index}: the board has {self.size()} entries")
        return Entry(index, decode_event(rows[0][1], where=f"board entry {index}"))

    def entries(self, start: int = 0, stop: int | None = None) -> Iterator[Entry]:
        size = self.size()
        stop = size if stop is None else min(stop, size)
        if start < 0:
            raise InputError(f"entry range cannot start at {start}")
        position = start
        while position < stop:
            rows = self._read_entries(position, min(position + CHUNK, stop))
            if not rows:
                raise RecordError(f"board entry {position} is missing")
            for index, data in rows:
                if index != position:
                    raise RecordError(f"board entry {position} is missing")
                yield Entry(index, decode_event(data, where=f"board entry {index}"))
                position += 1

    def inclusion_proof(self, index: int, tree_size: int | None = None) -> InclusionProof:
        return inclusion_proof(index, self._check_size(tree_size), self._read_nodes)

    def consistency_proof(
        self, first_size: int, second_size: int | None = None
    ) -> ConsistencyProof:
        return consistency_proof(first_size, self._check_size(second_size), self._read_nodes)

    # --- heads ----------------------------------------------------------------------------

    def sign_head(self, key: SigningKey, timestamp: int | None = None) -> SignedHead:
        size = self.size()
        when = int(time.time() * 1000) if timestamp is None else timestamp
        head = sign_head(key, size, self.root(size), when)
        self._store_head(head)
        return head

    def add_head(self, head: SignedHead) -> None:
        where = f"head of tree size {head.tree_size}"
        head.verify()
        size = self.size()
        if head.tree_size > size:
            raise InputError(f"{where}: the board has only {size} entries")
        if self.root(head.tree_size) != head.root_hash:
            raise RecordError(f"{where}: its root does not match the board's entries")
        self._store_head(head)

    def check(self, progress: Callable[[int], None] | None = None) -> int:
        size = self.size()
        heads = iter(self.heads())
        head = next(heads, None)
        frontier = Frontier()
        done = 0

        def check_heads() -> SignedHead | None:
            nonlocal head
            if head is not None and head.tree_size < frontier.size:
                raise RecordError(f"stored head of tree size {head.tree_size} is out of order")
            while head is not None and head.tree_size == frontier.size:
                try:
                    head.verify()
                except SignatureError as exc:
                    raise RecordError(f"stored head of tree size {head.tree_size}: {exc}") from exc
                if head.root_hash != frontier.root():
                    raise RecordError(
                        f"stored head of tree size {head.tree_size} does not match the entries"
                    )
                head = next(heads, None)
            return head

        check_heads()
        for chunk_start in range(0, size, CHUNK):
            created: list[tuple[int, int, bytes]] = []
            for entry in self.entries(chunk_start, min(chunk_start + CHUNK, size)):
                created.extend(frontier.append(entry.leaf_hash))
                check_heads()
            stored = self._read_nodes([(level, index) for level, index, _ in created])
            for level, index, value in created:
                if stored.get((level, index)) != value:
                    raise RecordError(
                        f"stored Merkle node (level {level}, index {index}) does not match "
                        f"entries {index << level} .. {((index + 1) << level) - 1}"
                    )
            done = frontier.size
            if progress is not None:
                progress(done)
        if head is not None:
            raise RecordError(
                f"stored head of tree size {head.tree_size} is beyond the board's {size} entries"
            )
        return done

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class _Pending:
    """One caller's append waiting in the group-commit queue."""

    events: list[Event]
    indices: list[int] | None = None
    error: BaseException | None = None
    tree_size: int | None = None
    root: bytes = b""
    nodes: dict[NodeKey, bytes] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.indices is not None or self.error is not None

    def result(self) -> list[int]:
        if self.error is not None:
            raise self.error
        assert self.indices is not None
        return self.indices


@dataclass
class Committed:
    """One commit of a group: per caller its leaf indices or its refusal; the tree after."""

    outcomes: list[list[int] | PlebisciteError]
    tree_size: int
    root: bytes
    #: The frontier before the commit and the nodes it wrote: enough for its receipts' proofs.
    nodes: dict[NodeKey, bytes] = field(default_factory=dict)


def outcomes(
    first_index: int, groups: Sequence[Sequence[Event]], refused: Sequence[PlebisciteError | None]
) -> tuple[list[Event], list[list[int] | PlebisciteError]]:
    """The accepted events in order, and per group its indices (numbered from
    ``first_index`` over the accepted events) or its refusal."""
    accepted: list[Event] = []
    out: list[list[int] | PlebisciteError] = []
    for events, error in zip(groups, refused, strict=True):
        if error is not None:
            out.append(error)
            continue
        start = first_index + len(accepted)
        out.append(list(range(start, start + len(events))))
        accepted.extend(events)
    return accepted, out


@dataclass
class Plan:
    """What an append writes: entry rows, finished subtree nodes, and the new frontier."""

    first_index: int
    entries: list[tuple[int, str, bytes]]
    nodes: list[tuple[int, int, bytes]]
    frontier: Frontier
    before: dict[NodeKey, bytes]

    def known_nodes(self) -> dict[NodeKey, bytes]:
        """The frontier before the append and every node it completes."""
        return {**self.before, **{(level, i): h for level, i, h in self.nodes}}


def plan(frontier: Frontier, events: Sequence[Event]) -> Plan:
    """Work out an append on a copy of ``frontier`` (the caller swaps it in after commit)."""
    after = frontier.copy()
    first = after.size
    rows = []
    nodes: list[tuple[int, int, bytes]] = []
    for offset, event in enumerate(events):
        rows.append((first + offset, event.type.value, event.data))
        nodes.extend(after.append(leaf_hash(event.data)))
    return Plan(first, rows, nodes, after, frontier.nodes())


def check_next_head(latest: SignedHead | None, head: SignedHead) -> None:
    """Heads on one board grow and share one key: refuse a head that breaks either."""
    if latest is None:
        return
    if head.tree_size < latest.tree_size:
        raise InputError(
            f"head of tree size {head.tree_size} is older than the latest stored head "
            f"(tree size {latest.tree_size})"
        )
    if head.key != latest.key:
        raise InputError(
            f"this board's heads are signed by key {latest.key.hex()}; "
            f"refusing a head signed by {head.key.hex()}"
        )


def board_key(board: Board) -> VerifyKey | None:
    """The key the board's heads are signed with; before any head, the key its manifest
    event anchors (``docs/board.md`` 3); None for a board with neither."""
    head = board.latest_head()
    if head is not None:
        return head.key
    if board.size() == 0:
        return None
    first = board.entry(0).event
    anchored = first.payload.get("board_key") if first.type is EventType.MANIFEST else None
    return VerifyKey.from_hex(anchored) if isinstance(anchored, str) else None
