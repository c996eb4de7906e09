"""RFC 9162 Merkle tree hashing, proofs and their verification (``docs/board.md`` section 2).

Hashes (RFC 9162 section 2.1.1)::

    MTH({})      = SHA-256()
    leaf(d)      = SHA-256(0x00 || d)
    node(l, r)   = SHA-256(0x01 || l || r)
    MTH(D[n])    = node(MTH(D[0:k]), MTH(D[k:n]))   k = largest power of two < n

Storage model. A board stores the hash of every *complete* subtree: node ``(level, index)``
covers leaves ``[index * 2**level, (index + 1) * 2**level)`` and exists once all of them are
appended. The hash of any range ``[start, end)`` whose start is a multiple of the largest power
of two not above its length (every range a proof needs is one) is then a right fold over at
most ``log2(n)`` complete subtrees, so roots at any past size and proofs cost O(log n) stored
hashes, fetched in one batch through a :class:`NodeReader`.

Verification (:func:`verify_inclusion`, :func:`verify_consistency`) is pure and needs only the
proof, the hashes and the sizes; it raises :class:`~plebiscite.errors.RecordError` with the
reason instead of returning ``False``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

from plebiscite.errors import InputError, RecordError

HASH_SIZE: Final = 32
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()

#: ``(level, index)`` of a complete subtree.
NodeKey: TypeAlias = tuple[int, int]
#: Fetches stored complete-subtree hashes; must return every key it is asked for.
NodeReader: TypeAlias = Callable[[Sequence[NodeKey]], dict[NodeKey, bytes]]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes held in memory (the definition, for small trees and tests)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


# --- ranges, complete subtrees and the stored-node reader ------------------------------------


def range_nodes(start: int, end: int) -> list[NodeKey]:
    """The complete subtrees, left to right, whose right fold is MTH(D[start:end])."""
    keys: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def _fold(hashes: Sequence[bytes]) -> bytes:
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


class _Ranges:
    """Collects ranges, fetches all their nodes in one batch, then yields their hashes."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []

    def add(self, start: int, end: int) -> None:
        self.ranges.append((start, end))

    def hashes(self, read: NodeReader) -> list[bytes]:
        per_range = [range_nodes(s, e) for s, e in self.ranges]
        wanted = sorted({key for keys in per_range for key in keys})
        found = read(wanted) if wanted else {}
        missing = [key for key in wanted if key not in found]
        if missing:
            raise RecordError(f"board is missing stored Merkle nodes {missing[:5]}")
        return [_fold([found[key] for key in keys]) for keys in per_range]


def root_at(size: int, read: NodeReader) -> bytes:
    """MTH of the first ``size`` leaves from stored complete subtrees."""
    if size == 0:
        return EMPTY_ROOT
    ranges = _Ranges()
    ranges.add(0, size)
    return ranges.hashes(read)[0]


# --- proofs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InclusionProof:
    """RFC 9162 section 2.1.3: the audit path of leaf ``leaf_index`` in a tree of ``tree_size``."""

    leaf_index: int
    tree_size: int
    path: tuple[bytes, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "path": [h.hex() for h in self.path],
        }

    @classmethod
    def from_json(cls, obj: dict[str, object]) -> InclusionProof:
        return cls(_int_field(obj, "leaf_index"), _int_field(obj, "tree_size"), _hashes_field(obj))


@dataclass(frozen=True)
class ConsistencyProof:
    """RFC 9162 section 2.1.4: shows the tree of ``first_size`` is a prefix of ``second_size``."""

    first_size: int
    second_size: int
    path: tuple[bytes, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "first_size": self.first_size,
            "second_size": self.second_size,
            "path": [h.hex() for h in self.path],
        }

    @classmethod
    def from_json(cls, obj: dict[str, object]) -> ConsistencyProof:
        return cls(
            _int_field(obj, "first_size"), _int_field(obj, "second_size"), _hashes_field(obj)
        )


def _int_field(obj: dict[str, object], name: str) -> int:
    value = obj.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RecordError(f"proof field {name!r} must be a non-negative integer, got {value!r}")
    return value


def _hashes_field(obj: dict[str, object]) -> tuple[bytes, ...]:
    path = obj.get("path")
    if not isinstance(path, list):
        raise RecordError("proof field 'path' must be a list of hex hashes")
    out = []
    for i, item in enumerate(path):
        try:
            raw = bytes.fromhex(item) if isinstance(item, str) else b""
        except ValueError:
            raw = b""
        if len(raw) != HASH_SIZE:
            raise RecordError(f"proof path element {i} is not a {HASH_SIZE}-byte hex hash")
        out.append(raw)
    return tuple(out)


def inclusion_proof(leaf_index: int, tree_size: int, read: NodeReader) -> InclusionProof:
    """PATH(m, D[n]) of RFC 9162 section 2.1.3.1, from stored complete subtrees."""
    if not 0 <= leaf_index < tree_size:
        raise InputError(f"leaf index {leaf_index} is not in a tree of size {tree_size}")
    ranges = _Ranges()
    # Walk down from the root; each step records the sibling range, so reverse for leaf-first.
    start, end, m = 0, tree_size, leaf_index
    while end - start > 1:
        k = _split(end - start)
        if m < k:
            ranges.add(start + k, end)
            end = start + k
        else:
            ranges.add(start, start + k)
            start, m = start + k, m - k
    ranges.ranges.reverse()
    return InclusionProof(leaf_index, tree_size, tuple(ranges.hashes(read)))


def consistency_proof(first_size: int, second_size: int, read: NodeReader) -> ConsistencyProof:
    """PROOF(m, D[n]) of RFC 9162 section 2.1.4.1; empty when ``m`` is 0 or ``m == n``."""
    if not 0 <= first_size <= second_size:
        raise InputError(
            f"consistency needs 0 <= first size <= second size, got {first_size} and {second_size}"
        )
    if first_size in (0, second_size):
        return ConsistencyProof(first_size, second_size, ())
    ranges = _Ranges()
    start, end, m, whole = 0, second_size, first_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.add(start + k, end)
            end = start + k
        else:
            ranges.add(start, start + k)
            start, m, whole = start + k, m - k, False
    if not whole:
        ranges.add(start, end)
    ranges.ranges.reverse()
    return ConsistencyProof(first_size, second_size, tuple(ranges.hashes(read)))


# --- verification -------------------------------------------------------------------------------


def _check_hash(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise RecordError(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")


def verify_inclusion(proof: InclusionProof, leaf: bytes, root: bytes) -> None:
    """RFC 9162 section 2.1.3.2: raise :class:`RecordError` unless ``leaf`` (a leaf *hash*) is
    at ``proof.leaf_index`` in the tree of ``proof.tree_size`` whose root is ``root``."""
    _check_hash("leaf hash", leaf)
    _check_hash("root hash", root)
    where = f"inclusion proof of leaf {proof.leaf_index} in tree size {proof.tree_size}"
    if not 0 <= proof.leaf_index < proof.tree_size:
        raise RecordError(f"{where}: leaf index is outside the tree")
    fn, sn, r = proof.leaf_index, proof.tree_size - 1, leaf
    for p in proof.path:
        _check_hash(f"{where}: path element", p)
        if sn == 0:
            raise RecordError(f"{where}: path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise RecordError(f"{where}: path is shorter than the tree is deep")
    if r != root:
        raise RecordError(f"{where}: computed root {r.hex()} does not match {root.hex()}")


def verify_consistency(proof: ConsistencyProof, first_root: bytes, second_root: bytes) -> None:
    """RFC 9162 section 2.1.4.2: raise :class:`RecordError` unless the tree of
    ``proof.first_size`` with root ``first_root`` is a prefix of the tree of
    ``proof.second_size`` with root ``second_root``.

    Size 0 (the empty tree, root SHA-256 of nothing) is a prefix of every tree.
    """
    _check_hash("first root", first_root)
    _check_hash("second root", second_root)
    first, second, path = proof.first_size, proof.second_size, list(proof.path)
    where = f"consistency proof from size {first} to size {second}"
    for p in path:
        _check_hash(f"{where}: path element", p)
    if first > second:
        raise RecordError(f"{where}: the first tree is larger than the second")
    if first in (0, second):
        if path:
            raise RecordError(f"{where}: the proof must be empty")
        if first == 0 and first_root != EMPTY_ROOT:
            raise RecordError(f"{where}: the root of the empty tree is not {first_root.hex()}")
        if first == second and first_root != second_root:
            raise RecordError(f"{where}: equal sizes but different roots")
        return
    if not path:
        raise RecordError(f"{where}: the proof is empty")
    if first & (first - 1) == 0:  # a power of two: the first tree is itself a stored subtree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise RecordError(f"{where}: path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise RecordError(f"{where}: path is shorter than the tree is deep")
    if fr != first_root:
        raise RecordError(f"{where}: does not lead to the first root {first_root.hex()}")
    if sr != second_root:
        raise RecordError(f"{where}: does not lead to the second root {second_root.hex()}")


# --- appending ------------------------------------------------------------------------------------


class Frontier:
    """The right edge of a growing tree: the complete subtrees that make up its current size.

    Appending a leaf returns the complete-subtree nodes it finishes (the leaf itself first), which
    a board stores; the root is the right fold of the frontier. Memory is O(log n).
    """

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        keys = range_nodes(0, size)
        if len(keys) != len(nodes):
            raise ValueError(f"a frontier of size {size} has {len(keys)} nodes, got {len(nodes)}")
        self.size = size
        self._stack: list[tuple[int, bytes]] = [
            (level, h) for (level, _), h in zip(keys, nodes, strict=True)
        ]

    @classmethod
    def load(cls, size: int, read: NodeReader) -> Frontier:
        keys = range_nodes(0, size)
        found = read(keys) if keys else {}
        try:
            return cls(size, [found[key] for key in keys])
        except KeyError as exc:
            raise RecordError(f"board is missing stored Merkle node {exc.args[0]}") from exc

    def nodes(self) -> dict[NodeKey, bytes]:
        """The frontier's complete subtrees by key (``range_nodes(0, size)``)."""
        keys = range_nodes(0, self.size)
        return {key: h for key, (_, h) in zip(keys, self._stack, strict=True)}

    def copy(self) -> Frontier:
        twin = Frontier()
        twin.size, twin._stack = self.size, list(self._stack)
        return twin

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the ``(level, index, hash)`` of every subtree it completes."""
        index = self.size
        created = [(0, index, leaf)]
        level, current = 0, leaf
        while self._stack and self._stack[-1][0] == level:
            _, left = self._stack.pop()
            current = node_hash(left, current)
            level += 1
            created.append((level, index >> level, current))
        self._stack.append((level, current))
        self.size += 1
        return created

    def extend(self, leaves: Iterable[bytes]) -> list[tuple[int, int, bytes]]:
        created: list[tuple[int, int, bytes]] = []
        for leaf in leaves:
            created.extend(self.append(leaf))
        return created

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        return _fold([h for _, h in self._stack])
