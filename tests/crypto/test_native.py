"""The native variable-time path (libdecaf) gives libsodium's results bit for bit.

Every test here compares the two paths of :mod:`plebiscite.crypto.linear` on the same input.
Without the native library (``make setup`` did not build it) they are skipped, except the
one that checks the fallback.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plebiscite.crypto import _sodium, _vartime, linear
from plebiscite.crypto.ballot import QuestionSpec, encrypt_answer, verify_answer
from plebiscite.crypto.elgamal import KeyPair
from plebiscite.crypto.group import G, L, Point, Scalar, is_canonical_encoding
from plebiscite.crypto.randomness import SeededRng
from plebiscite.errors import CryptoError, ProofError

native = pytest.mark.skipif(not _vartime.AVAILABLE, reason="the native library is not built")
scalars = st.one_of(st.integers(0, L - 1), st.sampled_from([0, 1, 2, L - 1, 2**128 - 1]))
points = st.one_of(
    st.integers(1, L - 1).map(lambda k: G * Scalar(k)),
    st.just(Point.identity()),
    st.just(G),
)
SPEC = QuestionSpec("q", 3, 0, 2)


@native
@given(st.lists(st.tuples(scalars, points), min_size=1, max_size=6))
@settings(max_examples=60, deadline=None)
def test_linear_combinations_agree(terms: list[tuple[int, Point]]) -> None:
    with linear.using(linear.SODIUM):
        expected = linear.combine(terms)
    with linear.using(linear.NATIVE):
        assert linear.combine(terms).encode() == expected.encode()
        assert linear.holds(terms, expected)
        assert not linear.holds(terms, expected + G)


@native
def test_the_bucket_method_agrees_on_a_large_input() -> None:
    rng = SeededRng(b"large")
    terms = [(int(rng.scalar()), G * rng.scalar()) for _ in range(170)]  # over Straus's limit
    with linear.using(linear.SODIUM):
        expected = linear.combine(terms)
    with linear.using(linear.NATIVE):
        assert linear.combine(terms) == expected


@native
@given(st.lists(points, min_size=0, max_size=5))
@settings(max_examples=30, deadline=None)
def test_sums_agree(items: list[Point]) -> None:
    groups = [items, items[:2], [], items[::-1]]
    with linear.using(linear.SODIUM):
        expected = linear.sum_points(items)
        grouped = linear.group_sums(groups)
    with linear.using(linear.NATIVE):
        assert linear.sum_points(items) == expected
        assert linear.group_sums(groups) == grouped
    assert grouped[0] == grouped[3] == expected


@native
@given(st.binary(min_size=8, max_size=8), st.integers(0, 2), st.integers(0, 5))
@settings(max_examples=12, deadline=None)
def test_proof_verdicts_agree(seed: bytes, option: int, tamper: int) -> None:
    """An honest answer passes on both paths; one with a response changed fails on both."""
    rng = SeededRng(seed)
    key = KeyPair.generate(rng).public
    choices = [1 if i == option else 0 for i in range(3)]
    answer = encrypt_answer(key, b"ctx", SPEC, choices, seed * 4, rng)
    proofs = list(answer.selection_proofs)
    p = proofs[tamper % 3]
    proofs[tamper % 3] = dataclasses.replace(p, v=(p.v[0] + Scalar(1 + tamper), *p.v[1:]))
    bad = dataclasses.replace(answer, selection_proofs=tuple(proofs))
    for name in (linear.SODIUM, linear.NATIVE):
        with linear.using(name):
            verify_answer(key, b"ctx", SPEC, answer)
            with pytest.raises(ProofError):
                verify_answer(key, b"ctx", SPEC, bad)


@native
@given(st.one_of(st.binary(min_size=32, max_size=32), points.map(lambda p: p.encode())))
@settings(max_examples=300, deadline=None)
def test_both_paths_accept_the_same_encodings(data: bytes) -> None:
    """libdecaf's decoding, behind our canonical test, accepts exactly what ours does."""
    ours = is_canonical_encoding(data) and _sodium.is_valid_point(data)
    assert (_vartime.first_invalid(data) is None) is ours


@native
def test_native_code_refuses_the_rfc_9496_invalid_encodings() -> None:
    vectors = json.loads(
        (Path(__file__).parent.parent / "vectors" / "ristretto255.json").read_text()
    )
    bad = [bytes.fromhex(e) for group in vectors["invalid_encodings"].values() for e in group]
    assert bad and all(_vartime.first_invalid(e) == 0 for e in bad)


@native
def test_native_code_refuses_non_canonical_encodings_itself() -> None:
    top_bit = (G.encode()[:31]) + bytes([G.encode()[31] | 0x80])
    with pytest.raises(CryptoError, match="point 1 is not a valid"):
        _vartime.lincomb(bytes(32) * 2, G.encode() + top_bit)
    with pytest.raises(CryptoError, match="point 0"):
        _vartime.point_sum(bytes(31) + b"\x80")
    assert _vartime.first_invalid(G.encode() + bytes(31) + b"\x80") == 1


def test_without_the_native_library_libsodium_serves() -> None:
    """Hide the built library: the path is libsodium, proofs still verify, and it says so."""
    code = (
        "import ctypes, sys\n"
        "real = ctypes.CDLL\n"
        "def fake(name, *a, **k):\n"
        "    if str(name).endswith('_vartime.so'): raise OSError('hidden by the test')\n"
        "    return real(name, *a, **k)\n"
        "ctypes.CDLL = fake\n"
        "from plebiscite.crypto import linear\n"
        "from plebiscite.crypto.ballot import QuestionSpec, encrypt_answer, verify_answer\n"
        "from plebiscite.crypto.elgamal import KeyPair\n"
        "from plebiscite.crypto.randomness import SeededRng\n"
        "rng = SeededRng(b'x'); key = KeyPair.generate(rng).public\n"
        "spec = QuestionSpec('q', 2, 1, 1)\n"
        "verify_answer(key, b'c', spec, encrypt_answer(key, b'c', spec, [0, 1], b's' * 32, rng))\n"
        "print(linear.backend())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert out.stdout.strip() == linear.SODIUM
    with pytest.raises(ValueError, match="not available"), linear.using("nonsense"):
        pass
