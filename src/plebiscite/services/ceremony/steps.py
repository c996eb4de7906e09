"""The key ceremony through the board (``docs/ceremony.md``; protocol section 7).

Each trustee runs its steps on its own machine with its own key file; every message is a
``ceremony_message`` event signed with the trustee's Ed25519 key, which the trustee announced
in its first message. The steps, in order:

1. ``announce``: the trustee's signing key and its X25519 key for receiving shares (it may
   announce again, signed with its previous key, until someone deals);
2. ``deal``: the Feldman commitments, the proof of possession, and one sealed share per trustee
   (needs every trustee's ``announce``);
3. ``complaint``: a trustee whose share from a dealer does not open or does not match the
   commitments says so (needs that dealer's ``deal``);
4. ``answer``: the accused dealer publishes the disputed share in the clear, within the
   manifest's complaint window;
5. ``election_key``: anyone folds the transcript into the qualified set, the joint key and
   every qualified trustee's public share (:func:`finish`), once no complaint can still be
   answered; only once;
6. ``confirm``: each trustee derives its key share and confirms it matches its public share.

A trustee can be offline between steps: everything it needs is on the board or in its key file.
What counts and what a minority cannot do is in :mod:`plebiscite.domain.ceremony`; the state a
trustee keeps between steps in :class:`TrusteeState`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

from plebiscite.crypto import _sodium
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.randomness import Rng
from plebiscite.crypto.threshold import (
    Polynomial,
    combine_secret_share,
    deal,
    joint_public_key,
    public_share,
    verify_share,
)
from plebiscite.domain.ceremony import (
    SIGNATURE_TAG,
    Transcript,
    check_box_key,
    new_transcript,
    unsigned,
)
from plebiscite.domain.manifest import Manifest
from plebiscite.errors import InputError, PlebisciteError, ThresholdError
from plebiscite.record.board import Board, Entry
from plebiscite.record.events import Event, EventType
from plebiscite.services.ceremony.state import TrusteeState, key_file_purpose
from plebiscite.services.election.definition import Election, load_election, publish_election_key

# --- the transcript on a board ----------------------------------------------------------------


def transcript_from(
    manifest: Manifest, manifest_hash: bytes, entries: Iterable[Entry], board_key: str = ""
) -> Transcript:
    """The transcript of the ceremony messages among ``entries`` (in log order)."""
    transcript = new_transcript(manifest, manifest_hash, board_key)
    for entry in entries:
        if entry.event.type is EventType.CEREMONY_MESSAGE:
            transcript.apply(entry.index, entry.event.payload)
    return transcript


def read_transcript(board: Board, manifest: Manifest, manifest_hash: bytes) -> Transcript:
    election = load_election(board)
    return transcript_from(manifest, manifest_hash, board.entries(), election.board_key)


def election_transcript(board: Board) -> tuple[Election, Transcript]:
    """The election and its ceremony transcript, in one pass over the board."""
    election = Election()
    transcript: Transcript | None = None
    for entry in board.entries():
        election.apply(entry)
        if transcript is None and election.manifest is not None:
            transcript = new_transcript(
                election.manifest, election.manifest_hash, election.board_key
            )
        if transcript is not None and entry.event.type is EventType.CEREMONY_MESSAGE:
            transcript.apply(entry.index, entry.event.payload)
    if transcript is None:
        raise InputError("the board has no manifest yet")
    return election, transcript


def _now(now: dt.datetime | None) -> dt.datetime:
    t = now if now is not None else dt.datetime.now(dt.UTC)
    if t.utcoffset() is None:
        raise InputError("the time must carry a UTC offset")
    return t


def post_signed(
    board: Board,
    state: TrusteeState,
    payload: dict[str, Any],
    event_type: EventType = EventType.CEREMONY_MESSAGE,
    *,
    context: bytes,
    at: dt.datetime | None = None,
) -> int:
    """Append a message signed with the trustee's announced key; it names the ceremony's
    context (so the signature covers the board key) and the poster's time."""
    payload = {
        **payload,
        "trustee": state.index,
        "context": context.hex(),
        "at": _now(at).isoformat(),
    }
    payload["signature"] = state.signing_key.sign(SIGNATURE_TAG, unsigned(payload)).hex()
    return board.append(Event.create(event_type, payload))


# --- a trustee's steps ----------------------------------------------------------------------


def _open(
    board: Board, state: TrusteeState, now: dt.datetime | None
) -> tuple[Transcript, dt.datetime]:
    election, transcript = election_transcript(board)
    manifest = election.require_manifest()
    if election.manifest_hash.hex() != state.manifest_hash:
        raise InputError(
            f"this key file is for referendum {state.manifest_hash[:16]}..., the board holds "
            f"{election.manifest_hash.hex()[:16]}..."
        )
    n = len(manifest.trustees.members)
    if not 1 <= state.index <= n:
        raise InputError(f"trustee index {state.index} is not in 1..{n}")
    t = _now(now)
    if transcript.last_at is not None and t < transcript.last_at:
        raise InputError(
            f"this clock says {t.isoformat()}, before the board's last ceremony message "
            f"({transcript.last_at.isoformat()}): set the clock right"
        )
    return transcript, t


def _not_after_key(transcript: Transcript, step: str) -> None:
    if transcript.election_key is not None:
        raise InputError(f"the election key is published: the ceremony takes no {step} now")


def announce(board: Board, state: TrusteeState, now: dt.datetime | None = None) -> int:
    """Announce the signing and transport keys; before anyone deals, announce again to
    replace them (the replacement is signed with the key announced before)."""
    transcript, t = _open(board, state, now)
    _not_after_key(transcript, "announcement")
    previous = transcript.keys.get(state.index)
    if previous is not None and transcript.deals:
        raise InputError(f"trustee {state.index} has announced and dealing has begun")
    check_box_key(state.box_keys[0])
    payload = {
        "step": "announce",
        "sign_key": state.signing_key.verify_key.hex(),
        "box_key": state.box_keys[0].hex(),
        "trustee": state.index,
        "context": transcript.context.hex(),
        "at": t.isoformat(),
    }
    signer = state.signing_key if previous is None else state.previous_signing_key()
    payload["signature"] = signer.sign(SIGNATURE_TAG, unsigned(payload)).hex()
    return board.append(Event.create(EventType.CEREMONY_MESSAGE, payload))


def deal_shares(
    board: Board,
    state: TrusteeState,
    rng: Rng,
    corrupt_for: Iterable[int] = (),
    now: dt.datetime | None = None,
) -> int:
    """Deal: publish commitments and one sealed share per trustee.

    ``corrupt_for`` makes this dealer cheat against those trustees (a wrong share): it exists
    so that the demo and the tests can show the complaint path catching a cheater.
    """
    transcript, t = _open(board, state, now)
    _not_after_key(transcript, "deal")
    missing = transcript.missing_announcements()
    if missing:
        raise InputError(f"cannot deal yet: waiting for the announcements of trustees {missing}")
    if state.index in transcript.deals:
        raise InputError(f"trustee {state.index} has already dealt")
    poly, message = deal(transcript.context, state.index, transcript.k, transcript.n, rng)
    state.cheated = sorted(set(corrupt_for))
    sealed: dict[str, str] = {}
    for r in range(1, transcript.n + 1):
        share = _sent_share(poly, state, r)
        plaintext = canonical_json({"dealer": state.index, "recipient": r, "share": share.hex()})
        sealed[str(r)] = _sodium.box_seal(plaintext, transcript.keys[r][1]).hex()
    state.coefficients = list(poly.coefficients)
    state.previous_sign_seed = None
    return post_signed(
        board,
        state,
        {"step": "deal", "dealer_message": message.to_json(), "shares": sealed},
        context=transcript.context,
        at=t,
    )


def _open_share(state: TrusteeState, dealer: int, sealed: bytes) -> Scalar:
    public, secret = state.box_keys
    data = json.loads(_sodium.box_seal_open(sealed, public, secret))
    if data.get("dealer") != dealer or data.get("recipient") != state.index:
        raise ThresholdError("the sealed share is addressed to someone else")
    return Scalar.from_hex(data["share"])


def check_shares(board: Board, state: TrusteeState, now: dt.datetime | None = None) -> list[int]:
    """Open and check every dealt share addressed to this trustee; complain about bad ones.

    Returns the dealers complained against. Good shares go into the trustee's state.
    """
    transcript, t = _open(board, state, now)
    _not_after_key(transcript, "complaint")
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
                context=transcript.context,
                at=t,
            )
            accused.append(dealer)
            continue
        state.received[dealer] = share
    return accused


def answer_complaints(
    board: Board, state: TrusteeState, now: dt.datetime | None = None
) -> list[int]:
    """Publish, for every complaint against this trustee, the disputed share in the clear.

    A dealer stands by what it sent: a cheater reveals the wrong share and is disqualified; an
    honest dealer answering a false complaint stays qualified.
    """
    transcript, t = _open(board, state, now)
    _not_after_key(transcript, "answer")
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
            context=transcript.context,
            at=t,
        )
        answered.append(by)
    return answered


def _sent_share(poly: Polynomial, state: TrusteeState, recipient: int) -> Scalar:
    return poly.evaluate(recipient) + (Scalar(1) if recipient in state.cheated else Scalar(0))


def finish(board: Board, now: dt.datetime | None = None) -> dict[str, Any]:
    """Fold the transcript into the election key and publish it (anyone may run this).

    Refused while any complaint can still be answered (its window, set by the manifest, is
    open at ``now``) and once a key is published: the election key never changes.
    """
    _, transcript = election_transcript(board)
    t = _now(now)
    if transcript.election_key is not None:
        raise InputError("the election key has already been published; it never changes")
    missing = transcript.missing_announcements()
    if missing:
        raise InputError(f"the ceremony is not over: trustees {missing} have not announced")
    if transcript.last_at is not None and t < transcript.last_at:
        raise InputError(f"{t.isoformat()} is before the last ceremony message: check the clock")
    open_ = transcript.answerable(t)
    if open_:
        dealer, by = open_[0]
        raise InputError(
            f"trustee {dealer} may answer the complaint of trustee {by} until "
            f"{transcript.deadline((dealer, by)).isoformat()}: finish after that "
            f"({len(open_)} complaint(s) still answerable)"
        )
    pending = transcript.unanswered()
    disqualified = transcript.disqualified()
    qualified = transcript.qualified()
    if len(qualified) < transcript.k:
        raise ThresholdError(
            f"only {len(qualified)} qualified trustees, {transcript.k} are needed: {disqualified}"
        )
    messages = [transcript.deals[q] for q in qualified]
    key = joint_public_key(messages)
    shares = {q: public_share(messages, q) for q in qualified}
    summary = {
        "disqualified": {str(d): why for d, why in sorted(disqualified.items())},
        "unanswered_complaints": [list(c) for c in pending],
    }
    publish_election_key(
        board, key, transcript.k, qualified, shares, summary, context=transcript.context, at=t
    )
    return {"election_key": key.hex(), "qualified": qualified, **summary}


def confirm_key_share(board: Board, state: TrusteeState, now: dt.datetime | None = None) -> Scalar:
    """Derive this trustee's key share x_l from the qualified dealers; confirm it on the board."""
    transcript, t = _open(board, state, now)
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
        post_signed(
            board,
            state,
            {"step": "confirm", "public_share": Point.base_mul(secret).hex()},
            context=transcript.context,
            at=t,
        )
    return secret


def run_local_ceremony(
    board: Board,
    states: list[TrusteeState],
    rng: Rng,
    cheaters: dict[int, list[int]] | None = None,
    progress: Callable[[str], None] | None = None,
    start: dt.datetime | None = None,
) -> dict[str, Any]:
    """Run every step for trustees whose key files are all at hand (demo, tests).

    In a real referendum each trustee runs its own steps with ``plebiscite trustee``; the
    board carries the same messages either way. ``cheaters`` maps a dealer to the trustees it
    sends wrong shares to. Time runs from ``start`` (default: now), a second per step, and
    the key is published once every complaint's answer window has passed.
    """
    say = progress or (lambda _step: None)
    cheat = cheaters or {}
    clock = [_now(start)]

    def tick() -> dt.datetime:
        clock[0] += dt.timedelta(seconds=1)
        return clock[0]

    for state in states:
        announce(board, state, tick())
    say("announced")
    for state in states:
        deal_shares(board, state, rng, cheat.get(state.index, ()), tick())
    say("dealt")
    for state in states:
        check_shares(board, state, tick())
    say("shares checked")
    for state in states:
        if state.coefficients is not None:
            answer_complaints(board, state, tick())
    say("complaints answered")
    _, transcript = election_transcript(board)
    deadlines = [transcript.deadline(c) for c in transcript.unanswered()]
    summary = finish(board, max([tick(), *deadlines]))
    clock[0] = max([clock[0], *deadlines])
    say("election key published")
    qualified = set(summary["qualified"])
    for state in states:
        if state.index in qualified:
            confirm_key_share(board, state, tick())
    say("key shares confirmed")
    return summary


__all__ = [
    "TrusteeState",
    "announce",
    "answer_complaints",
    "check_shares",
    "confirm_key_share",
    "deal_shares",
    "election_transcript",
    "finish",
    "key_file_purpose",
    "post_signed",
    "read_transcript",
    "run_local_ceremony",
    "transcript_from",
]
