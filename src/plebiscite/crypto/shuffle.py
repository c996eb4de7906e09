"""Verifiable re-encryption shuffle of ciphertext rows (``docs/protocol.md`` section 10).

A shuffle takes N rows of w ElGamal ciphertexts each (a ballot's tag and its answers), permutes
the rows and re-encrypts every ciphertext: output row i is input row psi(i) plus an encryption
of zero, ``(alpha + r*G, beta + r*K)``, with a fresh nonce per ciphertext. The proof that the
outputs are such a shuffle of the inputs, revealing nothing of psi or the nonces, is the
Terelius-Wikstrom proof of a shuffle (Terelius and Wikstrom, AFRICACRYPT 2010) in the
step-by-step form of Haenni, Locher, Koenig and Dubuis, "Pseudo-code algorithms for verifiable
re-encryption mix-nets" (FC 2017 Workshops), written here additively over ristretto255 and
extended to rows with one re-encryption nonce per column.

Statement and witness, in the notation of the protocol document:

* generators ``H`` and ``H_0 .. H_{N-1}`` from :func:`hash_to_group` (nobody knows their logs);
* the permutation commitment ``c_j = r_j*G + H_i`` where ``psi(i) = j``;
* challenges ``u_j = H("shuffle-u", ..., j)`` over the whole statement, ``u'_i = u_{psi(i)}``;
* the commitment chain ``chat_i = rhat_i*G + u'_i*chat_{i-1}``, ``chat_{-1} = H``.

The prover shows knowledge of ``rbar = sum r_j``, ``rhat = sum rhat_i * prod_{k>i} u'_k``,
``rtilde = sum u_j r_j``, ``r4[k] = sum u'_i r'_{i,k}`` and the ``u'_i`` such that

1. ``sum c_j - sum H_i = rbar*G``
2. ``chat_{N-1} - (prod u_j)*H = rhat*G``
3. ``sum u_j*c_j = rtilde*G + sum u'_i*H_i``
4. ``sum u_j*e_j = sum u'_i*e'_i - (r4*G, r4*K)`` for every column
5. ``chat_i = rhat_i*G + u'_i*chat_{i-1}`` for every i.

The proof carries its commitments (``t1 .. t4``, ``that_i``) and responses ``s = omega + c*w``;
the verifier recomputes the challenge from the statement and the commitments and checks each
equation, so the equations of many proofs can later be combined with random weights.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from plebiscite.crypto import linear
from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import G, L, Point, Scalar
from plebiscite.crypto.hashing import hash_bytes, hash_to_group, hash_to_scalar
from plebiscite.crypto.randomness import Rng
from plebiscite.errors import CryptoError, EncodingError, ProofError

Row = tuple[Ciphertext, ...]


def random_permutation(n: int, rng: Rng) -> list[int]:
    """A uniformly random permutation of ``range(n)`` (Fisher-Yates over the scalar source).

    Each index is a 252-bit scalar reduced mod ``i + 1``: the bias is below 2^-200.
    """
    psi = list(range(n))
    for i in range(n - 1, 0, -1):
        j = int(rng.scalar()) % (i + 1)
        psi[i], psi[j] = psi[j], psi[i]
    return psi


def _check_rows(rows: Sequence[Row], what: str) -> int:
    if not rows:
        raise CryptoError(f"{what}: a shuffle needs at least one row")
    width = len(rows[0])
    if width == 0 or any(len(row) != width for row in rows):
        raise CryptoError(f"{what}: every row must hold the same number (>= 1) of ciphertexts")
    return width


def shuffle(
    public_key: Point, rows: Sequence[Row], rng: Rng
) -> tuple[list[Row], list[int], list[list[Scalar]]]:
    """Permute and re-encrypt ``rows``: returns the outputs, psi and the nonces (the witness)."""
    width = _check_rows(rows, "shuffle")
    psi = random_permutation(len(rows), rng)
    nonces = [[rng.scalar() for _ in range(width)] for _ in rows]
    outputs = [
        tuple(
            Ciphertext(ct.alpha + Point.base_mul(r), ct.beta + public_key * r)
            for ct, r in zip(rows[psi[i]], nonces[i], strict=True)
        )
        for i in range(len(rows))
    ]
    return outputs, psi, nonces


def generators(context: bytes, n: int) -> tuple[Point, list[Point]]:
    """``H`` and ``H_0 .. H_{n-1}``: independent generators for an n-row shuffle."""
    h = hash_to_group("shuffle-generator", context, n, "chain")
    return h, [hash_to_group("shuffle-generator", context, n, i) for i in range(n)]


def _statement_hash(
    context: bytes, public_key: Point, inputs: Sequence[Row], outputs: Sequence[Row]
) -> bytes:
    def flat(rows: Sequence[Row]) -> list[list[Point]]:
        return [[p for ct in row for p in (ct.alpha, ct.beta)] for row in rows]

    return hash_bytes("shuffle-statement", context, public_key, flat(inputs), flat(outputs))


def _challenges(statement: bytes, commitments: Sequence[Point]) -> list[Scalar]:
    seed = hash_bytes("shuffle-u-seed", statement, list(commitments))
    return [hash_to_scalar("shuffle-u", seed, j) for j in range(len(commitments))]


@dataclass(frozen=True, slots=True)
class ShuffleProof:
    commitments: tuple[Point, ...]  # c_j
    chain: tuple[Point, ...]  # chat_i
    t1: Point
    t2: Point
    t3: Point
    t4: tuple[tuple[Point, Point], ...]  # per column: (alpha part, beta part)
    t_hat: tuple[Point, ...]
    s1: Scalar
    s2: Scalar
    s3: Scalar
    s4: tuple[Scalar, ...]
    s_hat: tuple[Scalar, ...]
    s_prime: tuple[Scalar, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "commitments": [p.hex() for p in self.commitments],
            "chain": [p.hex() for p in self.chain],
            "t": [self.t1.hex(), self.t2.hex(), self.t3.hex()],
            "t4": [[a.hex(), b.hex()] for a, b in self.t4],
            "t_hat": [p.hex() for p in self.t_hat],
            "s": [self.s1.hex(), self.s2.hex(), self.s3.hex()],
            "s4": [s.hex() for s in self.s4],
            "s_hat": [s.hex() for s in self.s_hat],
            "s_prime": [s.hex() for s in self.s_prime],
        }

    @classmethod
    def from_json(cls, data: object, n: int, width: int) -> ShuffleProof:
        """Decode a proof for ``n`` rows of ``width`` ciphertexts; any other shape is refused."""
        keys = {"commitments", "chain", "t", "t4", "t_hat", "s", "s4", "s_hat", "s_prime"}
        if not isinstance(data, dict) or set(data) != keys:
            raise EncodingError(f"a shuffle proof is an object with keys {sorted(keys)}")

        def points(name: str, count: int) -> list[Point]:
            v = data[name]
            if not (isinstance(v, list) and len(v) == count and all(isinstance(x, str) for x in v)):
                raise EncodingError(f"shuffle proof: {name} must be a list of {count} hex points")
            return [Point.from_hex(x, allow_identity=True) for x in v]

        def scalars(name: str, count: int) -> list[Scalar]:
            v = data[name]
            if not (isinstance(v, list) and len(v) == count and all(isinstance(x, str) for x in v)):
                raise EncodingError(f"shuffle proof: {name} must be a list of {count} hex scalars")
            return [Scalar.from_hex(x) for x in v]

        t4 = data["t4"]
        if not (
            isinstance(t4, list)
            and len(t4) == width
            and all(isinstance(p, list) and len(p) == 2 for p in t4)
            and all(isinstance(x, str) for p in t4 for x in p)
        ):
            raise EncodingError(f"shuffle proof: t4 must be {width} pairs of hex points")
        t1, t2, t3 = points("t", 3)
        s1, s2, s3 = scalars("s", 3)
        return cls(
            tuple(points("commitments", n)),
            tuple(points("chain", n)),
            t1,
            t2,
            t3,
            tuple(
                (Point.from_hex(a, allow_identity=True), Point.from_hex(b, allow_identity=True))
                for a, b in t4
            ),
            tuple(points("t_hat", n)),
            s1,
            s2,
            s3,
            tuple(scalars("s4", width)),
            tuple(scalars("s_hat", n)),
            tuple(scalars("s_prime", n)),
        )


def _challenge(statement: bytes, proof_parts: Sequence[object]) -> Scalar:
    return hash_to_scalar("shuffle-challenge", statement, list(proof_parts))  # type: ignore[arg-type]


def _proof_parts(
    commitments: Sequence[Point],
    chain: Sequence[Point],
    t123: Sequence[Point],
    t4: Sequence[tuple[Point, Point]],
    t_hat: Sequence[Point],
) -> list[object]:
    return [list(commitments), list(chain), list(t123), [list(p) for p in t4], list(t_hat)]


def _sum(points: Sequence[Point]) -> Point:
    acc = Point.identity()
    for p in points:
        acc = acc + p
    return acc


def prove_shuffle(
    context: bytes,
    public_key: Point,
    inputs: Sequence[Row],
    outputs: Sequence[Row],
    psi: Sequence[int],
    nonces: Sequence[Sequence[Scalar]],
    rng: Rng,
) -> ShuffleProof:
    """Prove that ``outputs[i]`` re-encrypts ``inputs[psi[i]]`` with ``nonces[i]``."""
    width = _check_rows(inputs, "shuffle proof")
    n = len(inputs)
    if len(outputs) != n or sorted(psi) != list(range(n)) or len(nonces) != n:
        raise CryptoError("shuffle proof: outputs, permutation and nonces must match the inputs")
    h, hs = generators(context, n)
    statement = _statement_hash(context, public_key, inputs, outputs)
    # Permutation commitment: c_j = r_j*G + H_i with psi(i) = j.
    r = [rng.scalar() for _ in range(n)]
    commitments: list[Point] = [Point.identity()] * n
    for i, j in enumerate(psi):
        commitments[j] = Point.base_mul(r[j]) + hs[i]
    u = _challenges(statement, commitments)
    u_prime = [u[psi[i]] for i in range(n)]
    # Commitment chain.
    r_hat = [rng.scalar() for _ in range(n)]
    chain: list[Point] = []
    previous = h
    for i in range(n):
        previous = Point.base_mul(r_hat[i]) + previous * u_prime[i]
        chain.append(previous)
    # Commitments of the sigma protocol.
    w1, w2, w3 = rng.scalar(), rng.scalar(), rng.scalar()
    w4 = [rng.scalar() for _ in range(width)]
    w_hat = [rng.scalar() for _ in range(n)]
    w_prime = [rng.scalar() for _ in range(n)]
    t1, t2 = Point.base_mul(w1), Point.base_mul(w2)
    t3 = Point.base_mul(w3) + _sum([hs[i] * w_prime[i] for i in range(n)])
    t4 = [
        (
            _sum([outputs[i][k].alpha * w_prime[i] for i in range(n)]) - Point.base_mul(w4[k]),
            _sum([outputs[i][k].beta * w_prime[i] for i in range(n)]) - public_key * w4[k],
        )
        for k in range(width)
    ]
    t_hat = [Point.base_mul(w_hat[i]) + (chain[i - 1] if i else h) * w_prime[i] for i in range(n)]
    c = _challenge(statement, _proof_parts(commitments, chain, [t1, t2, t3], t4, t_hat))
    # Witnesses.
    r_bar = _scalar_sum(r)
    v = [Scalar(1)] * n  # v_i = prod_{k > i} u'_k
    for i in range(n - 2, -1, -1):
        v[i] = v[i + 1] * u_prime[i + 1]
    r_hat_sum = _scalar_sum([r_hat[i] * v[i] for i in range(n)])
    r_tilde = _scalar_sum([u[j] * r[j] for j in range(n)])
    r4 = [_scalar_sum([u_prime[i] * nonces[i][k] for i in range(n)]) for k in range(width)]
    return ShuffleProof(
        tuple(commitments),
        tuple(chain),
        t1,
        t2,
        t3,
        tuple(t4),
        tuple(t_hat),
        w1 + c * r_bar,
        w2 + c * r_hat_sum,
        w3 + c * r_tilde,
        tuple(w4[k] + c * r4[k] for k in range(width)),
        tuple(w_hat[i] + c * r_hat[i] for i in range(n)),
        tuple(w_prime[i] + c * u_prime[i] for i in range(n)),
    )


def _link_weights(statement: bytes, c: Scalar, n: int) -> list[int]:
    seed = hash_bytes("shuffle-link-weights", statement, c)
    stream = hashlib.shake_256(seed).digest(16 * n)
    return [int.from_bytes(stream[16 * i : 16 * i + 16], "little") | 1 for i in range(n)]


def _scalar_sum(values: Sequence[Scalar]) -> Scalar:
    acc = Scalar(0)
    for s in values:
        acc = acc + s
    return acc


def verify_shuffle(
    context: bytes,
    public_key: Point,
    inputs: Sequence[Row],
    outputs: Sequence[Row],
    proof: ShuffleProof,
) -> None:
    """Raise :class:`ProofError` unless ``outputs`` is a re-encryption shuffle of ``inputs``."""
    width = _check_rows(inputs, "shuffle proof")
    n = len(inputs)
    if len(outputs) != n or _check_rows(outputs, "shuffle proof") != width:
        raise ProofError(f"shuffle: {n} input rows of {width} but outputs of another shape")
    if not (
        len(proof.commitments) == len(proof.chain) == len(proof.t_hat) == n
        and len(proof.s_hat) == len(proof.s_prime) == n
        and len(proof.t4) == len(proof.s4) == width
    ):
        raise ProofError("shuffle proof: its lists do not match the number of rows and columns")
    h, hs = generators(context, n)
    statement = _statement_hash(context, public_key, inputs, outputs)
    u = _challenges(statement, proof.commitments)
    c = _challenge(
        statement,
        _proof_parts(
            proof.commitments, proof.chain, [proof.t1, proof.t2, proof.t3], proof.t4, proof.t_hat
        ),
    )
    u_prod = 1
    for uj in u:
        u_prod = u_prod * int(uj) % L
    ci = int(c)
    neg_c = L - ci
    uc = [int(x) for x in u]
    s_prime = [int(x) for x in proof.s_prime]
    # Each equation is one linear relation over public points, checked by one multi-scalar
    # multiplication on the native path (crypto/linear.py); written as sum = target.
    failures: list[str] = []
    eq1 = [(int(proof.s1), G), *((neg_c, cj) for cj in proof.commitments), *((ci, hi) for hi in hs)]
    if not linear.holds(eq1, proof.t1):
        failures.append("1 (permutation commitment sum)")
    eq2 = [(int(proof.s2), G), (neg_c, proof.chain[-1]), (ci * u_prod % L, h)]
    if not linear.holds(eq2, proof.t2):
        failures.append("2 (commitment chain product)")
    eq3 = [
        (int(proof.s3), G),
        *zip(s_prime, hs, strict=True),
        *((neg_c * uj % L, cj) for uj, cj in zip(uc, proof.commitments, strict=True)),
    ]
    if not linear.holds(eq3, proof.t3):
        failures.append("3 (permutation commitment weighted)")
    for k in range(width):
        t_alpha, t_beta = proof.t4[k]
        s4 = int(proof.s4[k])
        eq_alpha = [
            (L - s4, G),
            *((s_prime[i], outputs[i][k].alpha) for i in range(n)),
            *((neg_c * uc[j] % L, inputs[j][k].alpha) for j in range(n)),
        ]
        if not linear.holds(eq_alpha, t_alpha):
            failures.append(f"4 (column {k}, alpha)")
        eq_beta = [
            (L - s4, public_key),
            *((s_prime[i], outputs[i][k].beta) for i in range(n)),
            *((neg_c * uc[j] % L, inputs[j][k].beta) for j in range(n)),
        ]
        if not linear.holds(eq_beta, t_beta):
            failures.append(f"4 (column {k}, beta)")
    # The N chain links at once: sum_i rho_i (shat_i G + s'_i chat_{i-1} - c chat_i - that_i) = 0
    # with 128-bit weights rho_i hashed from the whole proof (a prover cannot aim at them
    # without changing the proof, and so the weights); a failure is then looked for link by link.
    rho = _link_weights(statement, c, n)
    links: list[linear.Term] = [
        (sum(r * int(x) for r, x in zip(rho, proof.s_hat, strict=True)) % L, G)
    ]
    for i in range(n):
        previous = proof.chain[i - 1] if i else h
        links += [(rho[i] * s_prime[i] % L, previous), (L - rho[i] * ci % L, proof.chain[i])]
        links.append((L - rho[i], proof.t_hat[i]))
    if not linear.holds(links, Point.identity()):
        for i in range(n):
            previous = proof.chain[i - 1] if i else h
            link = [(int(proof.s_hat[i]), G), (s_prime[i], previous), (neg_c, proof.chain[i])]
            if not linear.holds(link, proof.t_hat[i]):
                failures.append(f"5 (chain link {i})")
                break
        else:  # pragma: no cover - the weighted sum fails only if some link does
            failures.append("5 (chain links)")
    if failures:
        raise ProofError("shuffle proof fails equation " + ", ".join(failures[:4]))
