"""Encrypted answers to one question, with their proofs (``docs/protocol.md`` section 6).

A question with n options is answered by n ciphertexts, one per option, each encrypting 0 or
1 and carrying a [0, 1] range proof, plus one range proof that their sum (the number of
options selected) lies in [min_selections, max_selections]: [1, 1] for "exactly one", [0, 1]
where a blank answer is allowed. Option i's nonce is derived from the ballot's nonce seed
(``derive_nonce(seed, question_id, i)``), so opening a challenged ballot means revealing the
seed and the plaintext; anyone can then re-encrypt and compare (:func:`verify_opening`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from plebiscite.crypto import linear
from plebiscite.crypto.batch import ProofBatch
from plebiscite.crypto.elgamal import Ciphertext, encrypt
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.hashing import hash_bytes
from plebiscite.crypto.proofs import RangeProof, prove_range, verify_range
from plebiscite.crypto.randomness import Rng, derive_nonce
from plebiscite.errors import CryptoError, EncodingError, ProofError


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    """What the crypto needs to know about a question."""

    question_id: str
    n_options: int
    min_selections: int
    max_selections: int

    def __post_init__(self) -> None:
        if self.n_options < 1:
            raise CryptoError(f"question {self.question_id!r} has no options")
        if not 0 <= self.min_selections <= self.max_selections <= self.n_options:
            raise CryptoError(
                f"question {self.question_id!r}: need 0 <= min_selections <= max_selections "
                f"<= options, got {self.min_selections}, {self.max_selections}, {self.n_options}"
            )


@dataclass(frozen=True, slots=True)
class EncryptedAnswer:
    question_id: str
    selections: tuple[Ciphertext, ...]
    selection_proofs: tuple[RangeProof, ...]
    sum_proof: RangeProof

    def total(self) -> Ciphertext:
        """The sum of the selections (public data: the verifier's path adds them)."""
        if len(self.selections) == 1:
            return self.selections[0]
        return Ciphertext(
            linear.sum_points([ct.alpha for ct in self.selections]),
            linear.sum_points([ct.beta for ct in self.selections]),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question_id,
            "selections": [ct.to_json() for ct in self.selections],
            "selection_proofs": [p.to_json() for p in self.selection_proofs],
            "sum_proof": self.sum_proof.to_json(),
        }

    @classmethod
    def from_json(cls, data: object) -> EncryptedAnswer:
        keys = {"question", "selections", "selection_proofs", "sum_proof"}
        if not isinstance(data, dict) or set(data) != keys:
            raise EncodingError(f"an encrypted answer is an object with keys {sorted(keys)}")
        selections, proofs = data["selections"], data["selection_proofs"]
        if not isinstance(data["question"], str):
            raise EncodingError("encrypted answer: question must be a string")
        if not (isinstance(selections, list) and isinstance(proofs, list)):
            raise EncodingError("encrypted answer: selections and proofs must be lists")
        if len(selections) != len(proofs) or not selections:
            raise EncodingError("encrypted answer: one proof per selection, at least one")
        return cls(
            data["question"],
            tuple(Ciphertext.from_json(ct) for ct in selections),
            tuple(RangeProof.from_json(p) for p in proofs),
            RangeProof.from_json(data["sum_proof"]),
        )


@lru_cache(maxsize=4096)
def selection_context(context: bytes, question_id: str, index: int) -> bytes:
    """The proof context of option ``index``: a proof cannot move to another option."""
    return hash_bytes("selection", context, question_id, index)


@lru_cache(maxsize=1024)
def sum_context(context: bytes, question_id: str) -> bytes:
    return hash_bytes("selection-sum", context, question_id)


def encrypt_answer(
    key: Point,
    context: bytes,
    spec: QuestionSpec,
    choices: Sequence[int],
    nonce_seed: bytes,
    rng: Rng,
) -> EncryptedAnswer:
    """Encrypt a 0/1 vector of choices for one question, with all its proofs."""
    if len(choices) != spec.n_options or any(c not in (0, 1) for c in choices):
        raise CryptoError(
            f"question {spec.question_id!r}: choices must be {spec.n_options} values of 0 or 1"
        )
    chosen = sum(choices)
    if not spec.min_selections <= chosen <= spec.max_selections:
        raise CryptoError(
            f"question {spec.question_id!r}: {chosen} options selected, allowed "
            f"{spec.min_selections} to {spec.max_selections}"
        )
    nonces = [derive_nonce(nonce_seed, spec.question_id, i) for i in range(spec.n_options)]
    cts = [encrypt(key, m, r) for m, r in zip(choices, nonces, strict=True)]
    proofs = tuple(
        prove_range(selection_context(context, spec.question_id, i), key, ct, m, r, 0, 1, rng)
        for i, (ct, m, r) in enumerate(zip(cts, choices, nonces, strict=True))
    )
    total_nonce = Scalar(0)
    for r in nonces:
        total_nonce = total_nonce + r
    answer = EncryptedAnswer(spec.question_id, tuple(cts), proofs, _PLACEHOLDER)
    sum_proof = prove_range(
        sum_context(context, spec.question_id),
        key,
        answer.total(),
        chosen,
        total_nonce,
        spec.min_selections,
        spec.max_selections,
        rng,
    )
    return EncryptedAnswer(spec.question_id, tuple(cts), proofs, sum_proof)


_PLACEHOLDER = RangeProof(
    0, 0, (Scalar(0),), (Scalar(0),), (Point.identity(),), (Point.identity(),)
)


def _check_shape(spec: QuestionSpec, answer: EncryptedAnswer) -> None:
    if answer.question_id != spec.question_id:
        raise ProofError(f"answer is for question {answer.question_id!r}, not {spec.question_id!r}")
    if len(answer.selections) != spec.n_options:
        raise ProofError(
            f"question {spec.question_id!r}: {len(answer.selections)} ciphertexts for "
            f"{spec.n_options} options"
        )
    for i, ct in enumerate(answer.selections):
        if ct.alpha.is_identity():
            raise ProofError(f"question {spec.question_id!r} option {i}: alpha is the identity")


def verify_answer(key: Point, context: bytes, spec: QuestionSpec, answer: EncryptedAnswer) -> None:
    """Check every option's [0, 1] proof and the sum's [min, max] proof; raise ProofError."""
    _check_shape(spec, answer)
    for i, (ct, proof) in enumerate(zip(answer.selections, answer.selection_proofs, strict=True)):
        try:
            verify_range(selection_context(context, spec.question_id, i), key, ct, 0, 1, proof)
        except ProofError as exc:
            raise ProofError(f"question {spec.question_id!r} option {i}: {exc}") from exc
    try:
        verify_range(
            sum_context(context, spec.question_id),
            key,
            answer.total(),
            spec.min_selections,
            spec.max_selections,
            answer.sum_proof,
        )
    except ProofError as exc:
        raise ProofError(f"question {spec.question_id!r} selection count: {exc}") from exc


def add_answer(
    batch: ProofBatch,
    label: Hashable,
    key: Point,
    context: bytes,
    spec: QuestionSpec,
    answer: EncryptedAnswer,
) -> None:
    """:func:`verify_answer`, deferred into ``batch`` under ``label`` (``docs/protocol.md``
    section 5.4): the same checks, the same messages when it fails."""
    try:
        _check_shape(spec, answer)
    except ProofError as exc:
        batch.fail(label, str(exc))
        return
    q = spec.question_id
    for i, (ct, proof) in enumerate(zip(answer.selections, answer.selection_proofs, strict=True)):
        batch.add_range(
            label,
            f"question {q!r} option {i}",
            selection_context(context, q, i),
            key,
            ct,
            0,
            1,
            proof,
        )
    batch.add_range(
        label,
        f"question {q!r} selection count",
        sum_context(context, q),
        key,
        answer.total(),
        spec.min_selections,
        spec.max_selections,
        answer.sum_proof,
        parts=answer.selections,
    )


def verify_opening(
    key: Point, answer: EncryptedAnswer, choices: Sequence[int], nonce_seed: bytes
) -> None:
    """Check that a challenged answer re-encrypts, from its seed and plaintext, to itself."""
    if len(choices) != len(answer.selections):
        raise ProofError(f"question {answer.question_id!r}: opening has the wrong option count")
    for i, (m, ct) in enumerate(zip(choices, answer.selections, strict=True)):
        nonce = derive_nonce(nonce_seed, answer.question_id, i)
        if m not in (0, 1) or encrypt(key, m, nonce) != ct:
            raise ProofError(
                f"question {answer.question_id!r} option {i}: the opened ballot does not "
                "re-encrypt to the published ciphertext"
            )
