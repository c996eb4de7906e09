"""RFC 9162 Merkle hashing and proofs: hand-computed small trees, then properties."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plebiscite.errors import InputError, RecordError
from plebiscite.record.merkle import (
    EMPTY_ROOT,
    ConsistencyProof,
    Frontier,
    InclusionProof,
    NodeKey,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_at,
    root_of,
    verify_consistency,
    verify_inclusion,
)


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def store(leaves: list[bytes]) -> dict[NodeKey, bytes]:
    """Every complete subtree of a tree of these leaf hashes, as a board stores them."""
    nodes: dict[NodeKey, bytes] = {}
    frontier = Frontier()
    for leaf in leaves:
        for level, index, value in frontier.append(leaf):
            nodes[(level, index)] = value
    return nodes


def reader(nodes: dict[NodeKey, bytes]):  # type: ignore[no-untyped-def]
    return lambda keys: {key: nodes[key] for key in keys if key in nodes}


LEAVES = [leaf_hash(bytes([i])) for i in range(8)]
NODES = store(LEAVES)
READ = reader(NODES)


def test_hash_rules_are_rfc_9162() -> None:
    assert (
        bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        == EMPTY_ROOT
    )
    assert leaf_hash(b"") == sha(b"\x00")
    assert leaf_hash(b"abc") == sha(b"\x00abc")
    assert node_hash(b"L" * 32, b"R" * 32) == sha(b"\x01" + b"L" * 32 + b"R" * 32)


def test_roots_of_small_trees_by_hand() -> None:
    a, b, c, d, e = LEAVES[:5]
    assert root_at(0, READ) == EMPTY_ROOT
    assert root_at(1, READ) == a  # one leaf: the root is the leaf hash
    assert root_at(2, READ) == sha(b"\x01" + a + b)
    ab = node_hash(a, b)
    assert root_at(3, READ) == node_hash(ab, c)  # odd size: c is promoted, not duplicated
    abcd = node_hash(ab, node_hash(c, d))
    assert root_at(4, READ) == abcd
    assert root_at(5, READ) == node_hash(abcd, e)
    assert root_at(7, READ) == node_hash(abcd, node_hash(node_hash(e, LEAVES[5]), LEAVES[6]))
    for n in range(9):
        assert root_at(n, READ) == root_of(LEAVES[:n])


def test_inclusion_paths_by_hand() -> None:
    a, b, c, d, e, f, g, _ = LEAVES
    assert inclusion_proof(0, 1, READ).path == ()
    assert inclusion_proof(0, 2, READ).path == (b,)
    assert inclusion_proof(1, 2, READ).path == (a,)
    assert inclusion_proof(2, 3, READ).path == (node_hash(a, b),)
    # Leaf 4 (e) of 7: sibling f, then g (promoted), then the left half abcd.
    abcd = root_at(4, READ)
    assert inclusion_proof(4, 7, READ).path == (f, g, abcd)
    assert inclusion_proof(6, 7, READ).path == (node_hash(e, f), abcd)
    assert inclusion_proof(3, 5, READ).path == (c, node_hash(a, b), e)


def test_consistency_paths_by_hand() -> None:
    a, b, c, d, e, f, g, _ = LEAVES
    # RFC 9162 section 2.1.4 examples, on a tree of 7 leaves.
    assert consistency_proof(3, 7, READ).path == (
        c,
        d,
        node_hash(a, b),
        root_of(LEAVES[4:7]),
    )
    assert consistency_proof(4, 7, READ).path == (root_of(LEAVES[4:7]),)
    assert consistency_proof(6, 7, READ).path == (
        node_hash(e, f),
        g,
        root_of(LEAVES[:4]),
    )
    assert consistency_proof(1, 2, READ).path == (b,)
    assert consistency_proof(7, 7, READ).path == ()
    assert consistency_proof(0, 7, READ).path == ()


def test_one_and_two_leaf_trees_verify() -> None:
    a, b = LEAVES[:2]
    verify_inclusion(InclusionProof(0, 1, ()), a, a)
    verify_inclusion(inclusion_proof(1, 2, READ), b, node_hash(a, b))
    verify_consistency(ConsistencyProof(1, 2, (b,)), a, node_hash(a, b))
    verify_consistency(ConsistencyProof(1, 1, ()), a, a)
    verify_consistency(ConsistencyProof(0, 2, ()), EMPTY_ROOT, node_hash(a, b))


@pytest.mark.parametrize(
    ("proof", "leaf", "message"),
    [
        (InclusionProof(2, 2, ()), LEAVES[0], "outside the tree"),
        (InclusionProof(0, 2, ()), LEAVES[0], "shorter than the tree is deep"),
        (InclusionProof(0, 1, (LEAVES[1],)), LEAVES[0], "longer than the tree is deep"),
        (InclusionProof(0, 2, (LEAVES[2],)), LEAVES[0], "does not match"),
        (InclusionProof(0, 2, (b"short",)), LEAVES[0], "32 bytes"),
    ],
)
def test_bad_inclusion_proofs_say_why(proof: InclusionProof, leaf: bytes, message: str) -> None:
    root = node_hash(LEAVES[0], LEAVES[1]) if proof.tree_size == 2 else LEAVES[0]
    with pytest.raises(RecordError, match=message):
        verify_inclusion(proof, leaf, root)


def test_bad_consistency_proofs_say_why() -> None:
    r3, r7 = root_at(3, READ), root_at(7, READ)
    good = consistency_proof(3, 7, READ)
    with pytest.raises(RecordError, match="the proof is empty"):
        verify_consistency(ConsistencyProof(3, 7, ()), r3, r7)
    with pytest.raises(RecordError, match="larger than the second"):
        verify_consistency(ConsistencyProof(7, 3, good.path), r7, r3)
    with pytest.raises(RecordError, match="first root"):
        verify_consistency(good, root_at(2, READ), r7)
    with pytest.raises(RecordError, match="second root"):
        verify_consistency(good, r3, root_at(6, READ))
    with pytest.raises(RecordError, match="different roots"):
        verify_consistency(ConsistencyProof(3, 3, ()), r3, r7)
    with pytest.raises(RecordError, match="must be empty"):
        verify_consistency(ConsistencyProof(7, 7, good.path), r7, r7)
    with pytest.raises(RecordError, match="empty tree"):
        verify_consistency(ConsistencyProof(0, 7, ()), r3, r7)


def test_proof_requests_outside_the_tree_are_input_errors() -> None:
    with pytest.raises(InputError, match="leaf index 8 is not in a tree of size 8"):
        inclusion_proof(8, 8, READ)
    with pytest.raises(InputError, match="first size <= second size"):
        consistency_proof(5, 3, READ)


def test_proofs_round_trip_through_json() -> None:
    proof = inclusion_proof(4, 7, READ)
    assert InclusionProof.from_json(proof.to_json()) == proof
    cons = consistency_proof(3, 7, READ)
    assert ConsistencyProof.from_json(cons.to_json()) == cons
    with pytest.raises(RecordError, match="path element 0"):
        InclusionProof.from_json({"leaf_index": 0, "tree_size": 2, "path": ["zz"]})


def test_frontier_reloads_from_stored_nodes() -> None:
    for n in range(9):
        frontier = Frontier.load(n, READ)
        assert frontier.root() == root_of(LEAVES[:n])
    with pytest.raises(RecordError, match="missing stored Merkle node"):
        Frontier.load(9, READ)


logs = st.lists(st.binary(max_size=8), min_size=1, max_size=70)


@settings(max_examples=60, deadline=None)
@given(data=logs, pick=st.data())
def test_every_inclusion_proof_verifies_and_a_changed_leaf_breaks_it(
    data: list[bytes], pick: st.DataObject
) -> None:
    leaves = [leaf_hash(d) for d in data]
    read = reader(store(leaves))
    size = pick.draw(st.integers(1, len(leaves)), label="size")
    root = root_at(size, read)
    assert root == root_of(leaves[:size])
    for index in range(size):
        proof = inclusion_proof(index, size, read)
        verify_inclusion(proof, leaves[index], root)
        with pytest.raises(RecordError):
            verify_inclusion(proof, leaf_hash(data[index] + b"!"), root)
    changed = list(leaves)
    victim = pick.draw(st.integers(0, size - 1), label="victim")
    changed[victim] = leaf_hash(data[victim] + b"x")
    changed_root = root_of(changed[:size])
    for index in range(size):
        with pytest.raises(RecordError):
            verify_inclusion(inclusion_proof(index, size, read), leaves[index], changed_root)


@settings(max_examples=60, deadline=None)
@given(data=logs, pick=st.data())
def test_every_consistency_proof_verifies_and_a_changed_leaf_breaks_it(
    data: list[bytes], pick: st.DataObject
) -> None:
    leaves = [leaf_hash(d) for d in data]
    read = reader(store(leaves))
    n = len(leaves)
    roots = [root_at(m, read) for m in range(n + 1)]
    for first in range(n + 1):
        for second in range(first, n + 1):
            proof = consistency_proof(first, second, read)
            verify_consistency(proof, roots[first], roots[second])
    victim = pick.draw(st.integers(0, n - 1), label="victim")
    forged = list(leaves)
    forged[victim] = leaf_hash(data[victim] + b"x")
    # A log that rewrote leaf `victim` cannot prove itself an extension of a head covering it.
    forged_read = reader(store(forged))
    for first in range(victim + 1, n + 1):
        proof = consistency_proof(first, n, forged_read)
        with pytest.raises(RecordError):
            verify_consistency(proof, roots[first], root_of(forged))
