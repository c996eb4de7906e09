"""k-of-n trustees: any k decrypt the same value, k-1 cannot, a cheating dealer is caught."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import pytest

from plebiscite.crypto.elgamal import Ciphertext, DiscreteLog, encrypt
from plebiscite.crypto.group import G, L, Point, Scalar
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.threshold import (
    DealerMessage,
    DecryptionShare,
    Polynomial,
    check_parameters,
    combine_secret_share,
    combine_shares,
    deal,
    decrypt_share,
    joint_public_key,
    judge_complaint,
    lagrange_coefficient,
    public_share,
    verify_dealer_message,
    verify_decryption_share,
    verify_share,
)
from plebiscite.errors import EncodingError, ProofError, ThresholdError

CTX = b"ceremony"
K, N = 3, 5


def ceremony(seed: bytes) -> tuple[list[tuple[Polynomial, DealerMessage]], SeededRng]:
    rng = SeededRng(seed)
    return [deal(CTX, i, K, N, rng) for i in range(1, N + 1)], rng


DEALS, RNG = ceremony(b"threshold-tests")
MESSAGES = [m for _, m in DEALS]
KEY = joint_public_key(MESSAGES)
SECRETS = {t: combine_secret_share(p.evaluate(t) for p, _ in DEALS) for t in range(1, N + 1)}
PUBLICS = {t: public_share(MESSAGES, t) for t in range(1, N + 1)}
DLOG = DiscreteLog(1000)


def test_shares_verify_and_match_public_shares() -> None:
    for poly, message in DEALS:
        verify_dealer_message(CTX, message, K, N)
        for t in range(1, N + 1):
            verify_share(message, t, poly.evaluate(t))
    for t in range(1, N + 1):
        assert Point.base_mul(SECRETS[t]) == PUBLICS[t]


def test_every_k_subset_decrypts_the_same_value() -> None:
    ct = encrypt(KEY, 42, RNG.scalar())
    shares = {t: decrypt_share(CTX, t, SECRETS[t], ct, RNG) for t in range(1, N + 1)}
    for t, share in shares.items():
        verify_decryption_share(CTX, PUBLICS[t], ct, share)
        assert DecryptionShare.from_json(share.to_json()) == share
    for group in combinations(range(1, N + 1), K):
        values = {t: shares[t].value for t in group}
        assert DLOG.solve(combine_shares(ct, values, K)) == 42
    # More than k also works.
    assert DLOG.solve(combine_shares(ct, {t: s.value for t, s in shares.items()}, K)) == 42


def test_k_minus_one_trustees_cannot_decrypt() -> None:
    ct = encrypt(KEY, 7, RNG.scalar())
    shares = {t: SECRETS[t] * Scalar(1) for t in range(1, N + 1)}
    with pytest.raises(ThresholdError, match="at least 3"):
        combine_shares(ct, {1: ct.alpha * shares[1], 2: ct.alpha * shares[2]}, K)
    # Interpolating k-1 shares as if they were enough gives a wrong key, not the secret.
    for group in combinations(range(1, N + 1), K - 1):
        guess = Point.identity()
        for t in group:
            guess = guess + ct.alpha * SECRETS[t] * lagrange_coefficient(t, list(group))
        plain = ct.beta - guess
        with pytest.raises(Exception, match="no discrete logarithm"):
            DLOG.solve(plain)


def test_bad_share_is_caught_and_dealer_excluded() -> None:
    (poly, message) = DEALS[1]  # dealer 2 cheats against trustee 4
    bad = poly.evaluate(4) + Scalar(1)
    with pytest.raises(ThresholdError, match="dealer 2 to trustee 4"):
        verify_share(message, 4, bad)
    assert judge_complaint(message, 4, None) is True
    assert judge_complaint(message, 4, bad) is True
    assert judge_complaint(message, 4, poly.evaluate(4)) is False
    # The others run on without dealer 2: any k of them still decrypt.
    qualified = [m for m in MESSAGES if m.dealer != 2]
    key = joint_public_key(qualified)
    secrets = {
        t: combine_secret_share(p.evaluate(t) for p, m in DEALS if m.dealer != 2)
        for t in range(1, N + 1)
    }
    ct = encrypt(key, 5, RNG.scalar())
    for t in (1, 3, 5):
        verify_decryption_share(
            CTX, public_share(qualified, t), ct, decrypt_share(CTX, t, secrets[t], ct, RNG)
        )
    values = {t: ct.alpha * secrets[t] for t in (1, 3, 5)}
    assert DLOG.solve(combine_shares(ct, values, K)) == 5


def test_wrong_decryption_share_is_rejected() -> None:
    ct = encrypt(KEY, 1, RNG.scalar())
    share = decrypt_share(CTX, 1, SECRETS[1], ct, RNG)
    forged = replace(share, value=share.value + G)
    with pytest.raises(ProofError, match="trustee 1"):
        verify_decryption_share(CTX, PUBLICS[1], ct, forged)
    with pytest.raises(ProofError):
        verify_decryption_share(CTX, PUBLICS[2], ct, share)


def test_dealer_message_checks() -> None:
    message = MESSAGES[0]
    with pytest.raises(ThresholdError, match="2 commitments, need 3"):
        verify_dealer_message(CTX, replace(message, commitments=message.commitments[:2]), K, N)
    with pytest.raises(ThresholdError, match="dealer 1: Schnorr"):
        verify_dealer_message(b"other", message, K, N)
    with pytest.raises(ThresholdError, match="not in 1..5"):
        verify_dealer_message(CTX, replace(message, dealer=6), K, N)
    assert DealerMessage.from_json(message.to_json()) == message
    for bad in (None, {"dealer": "1", "commitments": [], "proof": {}}):
        with pytest.raises(ThresholdError):
            DealerMessage.from_json(bad)


def test_parameters_and_lagrange_errors() -> None:
    for k, n in [(0, 3), (4, 3)]:
        with pytest.raises(ThresholdError, match="1 <= k <= n"):
            check_parameters(k, n)
    with pytest.raises(ThresholdError, match="not in the decrypting group"):
        lagrange_coefficient(4, [1, 2, 3])
    with pytest.raises(ThresholdError, match="repeated"):
        lagrange_coefficient(1, [1, 1, 2])
    # Interpolation at 0 of the constant polynomial 1 gives 1.
    total = sum(int(lagrange_coefficient(t, [2, 4, 5])) for t in (2, 4, 5)) % L
    assert total == 1
    with pytest.raises(ThresholdError, match="dealer index 0"):
        deal(CTX, 0, K, N, RNG)


def test_decryption_share_json_errors() -> None:
    for bad in (None, {"trustee": "1", "value": "00", "proof": {}}):
        with pytest.raises(ThresholdError):
            DecryptionShare.from_json(bad)
    share = decrypt_share(CTX, 1, SECRETS[1], encrypt(KEY, 1, Scalar(3)), RNG)
    data = share.to_json()
    data["value"] = "ff" * 32
    with pytest.raises(EncodingError):
        DecryptionShare.from_json(data)


def test_zero_ciphertext_decrypts_to_zero() -> None:
    zero = Ciphertext.zero()
    values = {t: zero.alpha * SECRETS[t] for t in (1, 2, 3)}
    assert DLOG.solve(combine_shares(zero, values, K)) == 0
