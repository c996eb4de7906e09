"""The key ceremony as the board records it (``docs/ceremony.md``; protocol section 7).

A :class:`Transcript` folds the payloads of ``ceremony_message`` entries, in log order, into
what the ceremony decided: each trustee's announced keys, the dealings, complaints and answers,
and who is qualified. The trustees' steps (:mod:`plebiscite.services.ceremony.steps`), the tally
and the verifier (:mod:`plebiscite.verifier`) all read the ceremony through this one fold, so a
message counts the same for each of them. It is pure: it reads payloads it is given, never the
board nor the clock.

The rules that keep a minority from steering the ceremony (``docs/ceremony.md``, "What a
minority cannot do"):

* every message names the ceremony's context ``H("ceremony", manifest_hash, board_key, n, k)``
  inside its signed payload, so every trustee's signatures cover the board key;
* every message carries the poster's time ``at``, never earlier than the message before it;
* a complaint can be answered until ``at + complaint_window_minutes``; the election key may
  not be published before every unanswered complaint's window has passed;
* once the election key is on the board, only ``confirm`` messages count: anything else
  after it (a late complaint, a late deal) is ignored, and a second key is ignored;
* a trustee may replace its announcement, signed with its previous key, until someone deals;
  a transport key that a share cannot be sealed to (a low-order point such as all zeros) is
  refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from plebiscite.crypto import _sodium
from plebiscite.crypto.group import Scalar
from plebiscite.crypto.hashing import canonical_json, hash_bytes
from plebiscite.crypto.signing import VerifyKey
from plebiscite.crypto.threshold import DealerMessage, judge_complaint, verify_dealer_message
from plebiscite.domain.manifest import Manifest
from plebiscite.errors import CryptoError, InputError, PlebisciteError, ThresholdError

SIGNATURE_TAG = "ceremony"
ELECTION_KEY_STEP = "election_key"
STEPS = ("announce", "deal", "complaint", "answer", "confirm")


def ceremony_context(manifest_hash: bytes, board_key: str, n: int, k: int) -> bytes:
    """``H("ceremony", manifest_hash, board_key, n, k)``; ``board_key`` in hex ("" if none)."""
    return hash_bytes("ceremony", manifest_hash, board_key, n, k)


def parse_at(value: object) -> dt.datetime:
    """A message's ``at``: an ISO-8601 time with a UTC offset."""
    if not isinstance(value, str):
        raise InputError("no 'at' time (an ISO-8601 string with an offset)")
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"'at' is not an ISO-8601 time: {value!r:.40}") from exc
    if at.utcoffset() is None:
        raise InputError("'at' has no UTC offset")
    return at


def check_box_key(box_key: bytes) -> None:
    """Refuse a transport key that nothing can be sealed to (a low-order X25519 point)."""
    try:
        _sodium.box_seal(b"", box_key)
    except CryptoError as exc:
        raise InputError(f"the transport key cannot receive shares: {exc}") from exc


def unsigned(payload: Mapping[str, Any]) -> bytes:
    return canonical_json({k: v for k, v in payload.items() if k != "signature"})


def check_signature(key: VerifyKey, payload: Mapping[str, Any]) -> None:
    signature = payload.get("signature")
    if not isinstance(signature, str):
        raise InputError("unsigned ceremony message")
    try:
        raw = bytes.fromhex(signature)
    except ValueError as exc:
        raise InputError("the signature is not hexadecimal") from exc
    key.verify(SIGNATURE_TAG, unsigned(payload), raw)


@dataclass
class Transcript:
    """The ceremony as the board records it, signatures checked."""

    n: int
    k: int
    context: bytes
    window: dt.timedelta = dt.timedelta(minutes=60)
    keys: dict[int, tuple[VerifyKey, bytes]] = field(default_factory=dict)  # sign key, box key
    deals: dict[int, DealerMessage] = field(default_factory=dict)
    sealed: dict[int, dict[int, bytes]] = field(default_factory=dict)  # dealer -> recipient
    complaints: dict[tuple[int, int], str] = field(default_factory=dict)  # (dealer, by) -> why
    complained_at: dict[tuple[int, int], dt.datetime] = field(default_factory=dict)
    answers: dict[tuple[int, int], Scalar] = field(default_factory=dict)  # (dealer, to) -> share
    confirmed: set[int] = field(default_factory=set)
    election_key: dict[str, Any] | None = None
    key_entry: int | None = None
    last_at: dt.datetime | None = None
    last_before_key: dt.datetime | None = None
    problems: list[str] = field(default_factory=list)
    #: Entries that came after the election key and do not count (not an error of the record).
    ignored: list[int] = field(default_factory=list)

    def missing_announcements(self) -> list[int]:
        return [t for t in range(1, self.n + 1) if t not in self.keys]

    def apply(self, index: int, payload: dict[str, Any]) -> None:
        """Fold the ``ceremony_message`` payload of log entry ``index`` in."""
        step, trustee = payload.get("step"), payload.get("trustee")
        if step == ELECTION_KEY_STEP:
            if self.election_key is None:
                self.election_key, self.key_entry = payload, index
                self.last_before_key = self.last_at
            else:
                self.ignored.append(index)
            return
        if self.election_key is not None and step != "confirm":
            self.ignored.append(index)
            return
        if step not in STEPS or type(trustee) is not int or not 1 <= trustee <= self.n:
            self.problems.append(f"entry {index}: not a ceremony step of a known trustee")
            return
        try:
            self._apply_step(str(step), trustee, payload)
        except (PlebisciteError, KeyError, TypeError, ValueError, AttributeError) as exc:
            self.problems.append(f"entry {index} ({step} by trustee {trustee}): {exc}")

    def check_message(self, step: str, trustee: int, payload: dict[str, Any]) -> dt.datetime:
        """The checks every message passes: context, time order, signature (not announce's)."""
        if payload.get("context") != self.context.hex():
            raise InputError("the message names another ceremony context (board key or manifest)")
        at = parse_at(payload.get("at"))
        if self.last_at is not None and at < self.last_at:
            raise InputError(
                f"its time {at.isoformat()} is before the previous message's "
                f"{self.last_at.isoformat()}"
            )
        if step != "announce":
            if trustee not in self.keys:
                raise InputError("message before the trustee's announcement")
            check_signature(self.keys[trustee][0], payload)
        return at

    def _apply_step(self, step: str, trustee: int, payload: dict[str, Any]) -> None:
        at = self.check_message(step, trustee, payload)
        if step == "announce":
            self._announce(trustee, payload)
        elif step == "deal":
            if self.missing_announcements():
                raise InputError("deal before every trustee announced")
            if trustee in self.deals:
                raise InputError("trustee dealt twice")
            message = DealerMessage.from_json(payload["dealer_message"])
            if message.dealer != trustee:
                raise InputError("dealer message names another dealer")
            sealed = {int(t): bytes.fromhex(s) for t, s in payload["shares"].items()}
            self.deals[trustee] = message
            self.sealed[trustee] = sealed
        elif step == "complaint":
            against = payload["against"]
            if type(against) is not int or against not in self.deals:
                raise InputError(f"complaint against trustee {against!r}, who has not dealt")
            if (against, trustee) in self.complaints:
                raise InputError(f"a second complaint against trustee {against}")
            self.complaints[(against, trustee)] = str(payload["reason"])
            self.complained_at[(against, trustee)] = at
        elif step == "answer":
            to = payload["complainant"]
            if type(to) is not int or (trustee, to) not in self.complaints:
                raise InputError(f"answer to a complaint by trustee {to!r} that was never made")
            if (trustee, to) in self.answers:
                raise InputError(f"a second answer to trustee {to}")
            self.answers[(trustee, to)] = Scalar.from_hex(payload["share"])
        elif step == "confirm":
            self.confirmed.add(trustee)
        self.last_at = at

    def _announce(self, trustee: int, payload: dict[str, Any]) -> None:
        key = VerifyKey.from_hex(payload["sign_key"])
        box_key = bytes.fromhex(payload["box_key"])
        previous = self.keys.get(trustee)
        if previous is not None and self.deals:
            raise InputError("a second announcement after dealing began")
        # A first announcement is signed by its own key; a replacement by the key it replaces,
        # so that nobody else can swap a trustee's keys.
        check_signature(key if previous is None else previous[0], payload)
        check_box_key(box_key)
        self.keys[trustee] = (key, box_key)

    def deadline(self, complaint: tuple[int, int]) -> dt.datetime:
        """Until when the accused dealer may answer ``complaint``."""
        return self.complained_at[complaint] + self.window

    def unanswered(self) -> list[tuple[int, int]]:
        return sorted(c for c in self.complaints if c not in self.answers)

    def answerable(self, now: dt.datetime) -> list[tuple[int, int]]:
        """Unanswered complaints whose answer window is still open at ``now``."""
        return [c for c in self.unanswered() if now < self.deadline(c)]

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


def new_transcript(manifest: Manifest, manifest_hash: bytes, board_key: str) -> Transcript:
    n, k = manifest.trustees.n, manifest.trustees.k
    return Transcript(
        n,
        k,
        ceremony_context(manifest_hash, board_key, n, k),
        dt.timedelta(minutes=manifest.trustees.complaint_window_minutes),
    )


def check_signed(transcript: Transcript, payload: Mapping[str, Any]) -> int:
    """The trustee who signed ``payload`` (raises if unknown, of another ceremony, or forged)."""
    trustee = payload.get("trustee")
    if type(trustee) is not int or trustee not in transcript.keys:
        raise InputError(f"message from unknown trustee {trustee!r}")
    if payload.get("context") != transcript.context.hex():
        raise InputError("the message names another ceremony context (board key or manifest)")
    check_signature(transcript.keys[trustee][0], payload)
    return trustee
