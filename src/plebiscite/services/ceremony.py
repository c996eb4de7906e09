"""The key ceremony through the board (``docs/ceremony.md``; protocol section 7).

Each trustee runs its steps on its own machine with its own key file; every message is a
``ceremony_message`` event signed with the trustee's Ed25519 key, which the trustee announced
in its first message. The steps, in order:

1. ``announce``: the trustee's signing key and its X25519 key for receiving shares;
2. ``deal``: the Feldman commitments, the proof of possession, and one sealed share per trustee
   (needs every trustee's ``announce``);
3. ``complaint``: a trustee whose share from a dealer does not open or does not match the
   commitments says so (needs that dealer's ``deal``);
4. ``answer``: the accused dealer publishes the disputed share in the clear;
5. ``election_key``: anyone folds the transcript into the qualified set, the joint key and
   every qualified trustee's public share (:func:`finish`);
6. ``confirm``: each trustee derives its key share and confirms it matches its public share.

A trustee can be offline between steps: everything it needs is on the board or in its key file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from plebiscite.crypto import _sodium
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.hashing import canonical_json, hash_bytes
from plebiscite.crypto.randomness import Rng
from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.crypto.threshold import (
    DealerMessage,
    Polynomial,
    combine_secret_share,
    deal,
    joint_public_key,
    judge_complaint,
    public_share,
    verify_dealer_message,
    verify_share,
)
from plebiscite.domain.manifest import Manifest
from plebiscite.errors import CryptoError, InputError, PlebisciteError, ThresholdError
from plebiscite.record.board import Board, Entry
from plebiscite.record.events import Event, EventType
from plebiscite.services.election import ELECTION_KEY_STEP, load_election, publish_election_key

SIGNATURE_TAG = "ceremony"
STEPS = ("announce", "deal", "complaint", "answer", "confirm")


def ceremony_context(manifest_hash: bytes, n: int, k: int) -> bytes:
    return hash_bytes("ceremony", manifest_hash, n, k)


def key_file_purpose(manifest_id: str, index: int) -> str:
    return f"trustee {index} of referendum {manifest_id}"


@dataclass
class TrusteeState:
    """A trustee's secrets, kept in its passphrase-protected key file between steps."""

    index: int
    manifest_hash: str
    sign_seed: bytes
    box_seed: bytes
    coefficients: list[Scalar] | None = None
    received: dict[int, Scalar] = field(default_factory=dict)
    secret_share: Scalar | None = None
    #: Trustees this dealer sent a wrong share to (demo and tests of the complaint path only).
    cheated: list[int] = field(default_factory=list)

    @classmethod
    def create(cls, index: int, manifest_hash: bytes) -> TrusteeState:
        return cls(index, manifest_hash.hex(), _sodium.random_bytes(32), _sodium.random_bytes(32))

    @property
    def signing_key(self) -> SigningKey:
        return SigningKey(self.sign_seed)

    @property
    def box_keys(self) -> tuple[bytes, bytes]:
        return _sodium.box_seed_keypair(self.box_seed)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "manifest_hash": self.manifest_hash,
            "sign_seed": self.sign_seed.hex(),
            "box_seed": self.box_seed.hex(),
            "coefficients": None
            if self.coefficients is None
            else [c.hex() for c in self.coefficients],
            "received": {str(i): s.hex() for i, s in sorted(self.received.items())},
            "secret_share": None if self.secret_share is None else self.secret_share.hex(),
            "cheated": self.cheated,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrusteeState:
        try:
            return cls(
                index=int(data["index"]),
                manifest_hash=str(data["manifest_hash"]),
                sign_seed=bytes.fromhex(data["sign_seed"]),
                box_seed=bytes.fromhex(data["box_seed"]),
                coefficients=None
                if data["coefficients"] is None
                else [Scalar.from_hex(c) for c in data["coefficients"]],
                received={int(i): Scalar.from_hex(s) for i, s in data["received"].items()},
                secret_share=None
                if data["secret_share"] is None
                else Scalar.from_hex(data["secret_share"]),
                cheated=[int(t) for t in data.get("cheated", [])],
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise CryptoError(f"the key file's trustee state is damaged: {exc}") from exc


# --- the transcript -----------------------------------------------------------------------


@dataclass
class Transcript:
    """The ceremony as the board records it, signatures checked."""

    n: int
    k: int
    context: bytes
    keys: dict[int, tuple[VerifyKey, bytes]] = field(default_factory=dict)  # sign key, box key
    deals: dict[int, DealerMessage] = field(default_factory=dict)
    sealed: dict[int, dict[int, bytes]] = field(default_factory=dict)  # dealer -> recipient
    complaints: dict[tuple[int, int], str] = field(default_factory=dict)  # (dealer, by) -> why
    answers: dict[tuple[int, int], Scalar] = field(default_factory=dict)  # (dealer, to) -> share
    confirmed: set[int] = field(default_factory=set)
    election_key: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    def missing_announcements(self) -> list[int]:
        return [t for t in range(1, self.n + 1) if t not in self.keys]

    def apply(self, entry: Entry) -> None:
        payload = entry.event.payload
        step, trustee = payload.get("step"), payload.get("trustee")
        if step == ELECTION_KEY_STEP:
            self.election_key = payload
            return
        if step not in STEPS or type(trustee) is not int or not 1 <= trustee <= self.n:
            self.problems.append(f"entry {entry.index}: not a ceremony step of a known trustee")
            return
        try:
            self._apply_step(str(step), trustee, payload)
        except PlebisciteError as exc:
            self.problems.append(f"entry {entry.index} ({step} by trustee {trustee}): {exc}")

    def _apply_step(self, step: str, trustee: int, payload: dict[str, Any]) -> None:
        if step == "announce":
            if trustee in self.keys:
                raise InputError("trustee announced twice")
            key = VerifyKey.from_hex(payload["sign_key"])
            _check_signature(key, payload)
            self.keys[trustee] = (key, bytes.fromhex(payload["box_key"]))
            return
        if trustee not in self.keys:
            raise InputError("message before the trustee's announcement")
        _check_signature(self.keys[trustee][0], payload)
        if step == "deal":
            if self.missing_announcements():
                raise InputError("deal before every trustee announced")
            if trustee in self.deals:
                raise InputError("trustee dealt twice")
            message = DealerMessage.from_json(payload["dealer_message"])
            if message.dealer != trustee:
                raise InputError("dealer message names another dealer")
            self.deals[trustee] = message
            self.sealed[trustee] = {int(t): bytes.fromhex(s) for t, s in payload["shares"].items()}
        elif step == "complaint":
            against = int(payload["against"])
            if against not in self.deals:
                raise InputError(f"complaint against trustee {against}, who has not dealt")
            self.complaints[(against, trustee)] = str(payload["reason"])
        elif step == "answer":
            to = int(payload["complainant"])
            if (trustee, to) not in self.complaints:
                raise InputError(f"answer to a complaint by trustee {to} that was never made")
            self.answers[(trustee, to)] = Scalar.from_hex(payload["share"])
        elif step == "confirm":
            self.confirmed.add(trustee)

    def disqualified(self) -> dict[int, str]:
        """Every trustee excluded from the key, with the reason (protocol section 7.2)."""
        out: dict[int, str] = {}
        for t in range(1, self.n + 1):
            message = self.deals.get(t)
            if message is None:
                out[t] = "did not deal"
                continue
            try:
                verify_dealer_message(self.context, message, self.k, self.n)
            except ThresholdError as exc:
                out[t] = str(exc)
                continue
            for (dealer, by), _why in sorted(self.complaints.items()):
                if dealer != t:
                    continue
                revealed = self.answers.get((dealer, by))
                if judge_complaint(message, by, revealed):
                    out[t] = f"complaint by trustee {by} upheld: " + (
                        "no answer" if revealed is None else "the revealed share is wrong"
                    )
                    break
        return out

    def qualified(self) -> list[int]:
        bad = self.disqualified()
        return [t for t in range(1, self.n + 1) if t not in bad]


def read_transcript(board: Board, manifest: Manifest, manifest_hash: bytes) -> Transcript:
    return transcript_from(manifest, manifest_hash, board.entries())


def transcript_from(
    manifest: Manifest, manifest_hash: bytes, entries: Iterable[Entry]
) -> Transcript:
    """The transcript of the ceremony messages among ``entries`` (in log order)."""
    n, k = len(manifest.trustees.members), manifest.trustees.k
    transcript = Transcript(n, k, ceremony_context(manifest_hash, n, k))
    for entry in entries:
        if entry.event.type is EventType.CEREMONY_MESSAGE:
            transcript.apply(entry)
    return transcript


def _unsigned(payload: dict[str, Any]) -> bytes:
    return canonical_json({k: v for k, v in payload.items() if k != "signature"})


def _check_signature(key: VerifyKey, payload: dict[str, Any]) -> None:
    signature = payload.get("signature")
    if not isinstance(signature, str):
        raise InputError("unsigned ceremony message")
    key.verify(SIGNATURE_TAG, _unsigned(payload), bytes.fromhex(signature))


def post_signed(
    board: Board,
    state: TrusteeState,
    payload: dict[str, Any],
    event_type: EventType = EventType.CEREMONY_MESSAGE,
) -> int:
    """Append a message signed with the trustee's announced key."""
    payload = {**payload, "trustee": state.index}
    payload["signature"] = state.signing_key.sign(SIGNATURE_TAG, _unsigned(payload)).hex()
    return board.append(Event.create(event_type, payload))


def check_signed(transcript: Transcript, payload: dict[str, Any]) -> int:
    """The trustee who signed ``payload`` (raises if unknown or the signature fails)."""
    trustee = payload.get("trustee")
    if type(trustee) is not int or trustee not in transcript.keys:
        raise InputError(f"message from unknown trustee {trustee!r}")
    _check_signature(transcript.keys[trustee][0], payload)
    return trustee


# --- a trustee's steps ----------------------------------------------------------------------


def _open(board: Board, state: TrusteeState) -> tuple[Manifest, Transcript]:
    election = load_election(board)
    manifest = election.require_manifest()
    if election.manifest_hash.hex() != state.manifest_hash:
        raise InputError(
            f"this key file is for referendum {state.manifest_hash[:16]}..., the board holds "
            f"{election.manifest_hash.hex()[:16]}..."
        )
    n = len(manifest.trustees.members)
    if not 1 <= state.index <= n:
        raise InputError(f"trustee index {state.index} is not in 1..{n}")
    return manifest, read_transcript(board, manifest, election.manifest_hash)


def announce(board: Board, state: TrusteeState) -> int:
    _, transcript = _open(board, state)
    if state.index in transcript.keys:
        raise InputError(f"trustee {state.index} has already announced")
    return post_signed(
        board,
        state,
        {
            "step": "announce",
            "sign_key": state.signing_key.verify_key.hex(),
            "box_key": state.box_keys[0].hex(),
        },
    )


def deal_shares(
    board: Board, state: TrusteeState, rng: Rng, corrupt_for: Iterable[int] = ()
) -> int:
    """Deal: publish commitments and one sealed share per trustee.

    ``corrupt_for`` makes this dealer cheat against those trustees (a wrong share): it exists
    so that the demo and the tests can show the complaint path catching a cheater.
    """
    _, transcript = _open(board, state)
    missing = transcript.missing_announcements()
    if missing:
        raise InputError(f"cannot deal yet: waiting for the announcements of trustees {missing}")
    if state.index in transcript.deals:
        raise InputError(f"trustee {state.index} has already dealt")
    poly, message = deal(transcript.context, state.index, transcript.k, transcript.n, rng)
    state.cheated = sorted(set(corrupt_for))
    sealed: dict[str, str] = {}
    for t in range(1, transcript.n + 1):
        share = _sent_share(poly, state, t)
        plaintext = canonical_json({"dealer": state.index, "recipient": t, "share": share.hex()})
        sealed[str(t)] = _sodium.box_seal(plaintext, transcript.keys[t][1]).hex()
    state.coefficients = list(poly.coefficients)
    return post_signed(
        board, state, {"step": "deal", "dealer_message": message.to_json(), "shares": sealed}
    )


def _open_share(state: TrusteeState, dealer: int, sealed: bytes) -> Scalar:
    public, secret = state.box_keys
    data = json.loads(_sodium.box_seal_open(sealed, public, secret))
    if data.get("dealer") != dealer or data.get("recipient") != state.index:
        raise ThresholdError("the sealed share is addressed to someone else")
    return Scalar.from_hex(data["share"])


def check_shares(board: Board, state: TrusteeState) -> list[int]:
    """Open and check every dealt share addressed to this trustee; complain about bad ones.

    Returns the dealers complained against. Good shares go into the trustee's state.
    """
    _, transcript = _open(board, state)
    accused = []
    for dealer, message in sorted(transcript.deals.items()):
        if dealer in state.received or (dealer, state.index) in transcript.complaints:
            continue
        try:
            share = _open_share(state, dealer, transcript.sealed[dealer][state.index])
            verify_share(message, state.index, share)
        except (PlebisciteError, KeyError, ValueError) as exc:
            post_signed(
                board,
                state,
                {"step": "complaint", "against": dealer, "reason": str(exc) or "unreadable share"},
            )
            accused.append(dealer)
            continue
        state.received[dealer] = share
    return accused


def answer_complaints(board: Board, state: TrusteeState) -> list[int]:
    """Publish, for every complaint against this trustee, the disputed share in the clear.

    A dealer stands by what it sent: a cheater reveals the wrong share and is disqualified.
    """
    _, transcript = _open(board, state)
    if state.coefficients is None:
        raise InputError(f"trustee {state.index} has not dealt: nothing to answer with")
    poly = Polynomial(tuple(state.coefficients))
    answered = []
    for dealer, by in sorted(transcript.complaints):
        if dealer != state.index or (dealer, by) in transcript.answers:
            continue
        post_signed(
            board,
            state,
            {"step": "answer", "complainant": by, "share": _sent_share(poly, state, by).hex()},
        )
        answered.append(by)
    return answered


def _sent_share(poly: Polynomial, state: TrusteeState, recipient: int) -> Scalar:
    return poly.evaluate(recipient) + (Scalar(1) if recipient in state.cheated else Scalar(0))


def finish(board: Board) -> dict[str, Any]:
    """Fold the transcript into the election key and publish it (anyone may run this)."""
    election = load_election(board)
    manifest = election.require_manifest()
    transcript = read_transcript(board, manifest, election.manifest_hash)
    if transcript.election_key is not None:
        raise InputError("the election key has already been published")
    missing = transcript.missing_announcements()
    if missing:
        raise InputError(f"the ceremony is not over: trustees {missing} have not announced")
    pending = [c for c in transcript.complaints if c not in transcript.answers]
    disqualified = transcript.disqualified()
    qualified = transcript.qualified()
    if len(qualified) < transcript.k:
        raise ThresholdError(
            f"only {len(qualified)} qualified trustees, {transcript.k} are needed: {disqualified}"
        )
    messages = [transcript.deals[t] for t in qualified]
    key = joint_public_key(messages)
    shares = {t: public_share(messages, t) for t in qualified}
    summary = {
        "disqualified": {str(t): why for t, why in sorted(disqualified.items())},
        "unanswered_complaints": [list(c) for c in sorted(pending)],
    }
    publish_election_key(board, key, transcript.k, qualified, shares, summary)
    return {"election_key": key.hex(), "qualified": qualified, **summary}


def confirm_key_share(board: Board, state: TrusteeState) -> Scalar:
    """Derive this trustee's key share x_l from the qualified dealers; confirm it on the board."""
    _, transcript = _open(board, state)
    election = load_election(board)
    if election.election_key is None:
        raise InputError("the election key has not been published yet")
    if state.index not in election.qualified:
        raise ThresholdError(f"trustee {state.index} was disqualified and holds no key share")
    shares = []
    for dealer in election.qualified:
        revealed = transcript.answers.get((dealer, state.index))
        share = revealed if revealed is not None else state.received.get(dealer)
        if share is None:
            raise ThresholdError(f"no valid share from dealer {dealer}: run the share check first")
        shares.append(share)
    secret = combine_secret_share(shares)
    if Point.base_mul(secret) != election.public_shares[state.index]:
        raise ThresholdError("the derived key share does not match the published public share")
    state.secret_share = secret
    if state.index not in transcript.confirmed:
        post_signed(board, state, {"step": "confirm", "public_share": Point.base_mul(secret).hex()})
    return secret


def run_local_ceremony(
    board: Board,
    states: list[TrusteeState],
    rng: Rng,
    cheaters: dict[int, list[int]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run every step for trustees whose key files are all at hand (demo, tests).

    In a real referendum each trustee runs its own steps with ``plebiscite trustee``; the
    board carries the same messages either way. ``cheaters`` maps a dealer to the trustees it
    sends wrong shares to.
    """
    say = progress or (lambda _step: None)
    cheat = cheaters or {}
    for state in states:
        announce(board, state)
    say("announced")
    for state in states:
        deal_shares(board, state, rng, cheat.get(state.index, ()))
    say("dealt")
    for state in states:
        check_shares(board, state)
    say("shares checked")
    for state in states:
        if state.coefficients is not None:
            answer_complaints(board, state)
    say("complaints answered")
    summary = finish(board)
    say("election key published")
    qualified = set(summary["qualified"])
    for state in states:
        if state.index in qualified:
            confirm_key_share(board, state)
    say("key shares confirmed")
    return summary
