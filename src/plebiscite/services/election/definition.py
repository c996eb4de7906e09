"""The election's public definition on the board: manifest, roll, election key, closing.

Every service and the verifier learn what the referendum is from the board alone, by folding
its entries into an :class:`Election` (:func:`load_election`, or :meth:`Election.apply` one
entry at a time for a service that follows the board as it grows).

Payloads written here (``docs/board.md`` lists every event type):

* ``manifest``: ``{"board_key": hex, "hash": hex, "manifest": <canonical manifest document>}``:
  the board's head-signing key is anchored here, on the first entry, and the key ceremony's
  context covers it (``docs/board.md`` section 3);
* ``roll_commitment``: one per region and part, ``{"region", "part", "parts", "count",
  "commitment", "voters": [[pseudonym, precinct, home_voting], ...]}``; the commitment (the
  same in every part) is over the whole region's sorted pseudonyms;
* ``roll_addition``: ``{"voter", "region", "precinct", "home_voting", "reason", "decision"}``;
* ``ceremony_message`` with ``step = "election_key"``: the joint key, the qualified trustees
  and every trustee's public share (written by the key ceremony); only the first one counts:
  the election key never changes;
* ``voting_closed``: ``{"closed_at": ISO-8601}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from plebiscite.crypto.group import Point
from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.signing import VerifyKey
from plebiscite.domain.ballot import election_context
from plebiscite.domain.ceremony import ELECTION_KEY_STEP
from plebiscite.domain.manifest import Manifest
from plebiscite.domain.manifest_hash import manifest_document, manifest_hash
from plebiscite.domain.manifest_load import parse_manifest_json
from plebiscite.domain.roll import PublicEntry, Roll, RollAddition, roll_commitment
from plebiscite.errors import InputError, RecordError
from plebiscite.record.board import Board, Entry
from plebiscite.record.events import Event, EventType

ROLL_PART_SIZE = 20_000


@dataclass
class Election:
    """What the board says the referendum is, as far as it has been read."""

    manifest: Manifest | None = None
    manifest_hash: bytes = b""
    board_key: str = ""  # hex; "" when the manifest event anchors none
    election_key: Point | None = None
    threshold: int = 0
    qualified: tuple[int, ...] = ()
    public_shares: dict[int, Point] = field(default_factory=dict)
    voters: dict[str, PublicEntry] = field(default_factory=dict)
    roll_commitments: dict[str, str] = field(default_factory=dict)
    closed_at: dt.datetime | None = None
    closed_entry: int | None = None  # the first voting_closed entry: the tally stops there
    entries_read: int = 0

    @property
    def context(self) -> bytes:
        """The election context of protocol section 3.3 (needs the manifest and the key)."""
        if self.manifest is None or self.election_key is None:
            raise InputError("the board has no manifest and election key yet")
        return election_context(self.manifest_hash, self.election_key)

    def require_manifest(self) -> Manifest:
        if self.manifest is None:
            raise InputError("the board has no manifest yet")
        return self.manifest

    def apply(self, entry: Entry) -> None:
        """Fold one board entry (in log order) into the state."""
        event = entry.event
        payload = event.payload
        if event.type is EventType.MANIFEST:
            self._apply_manifest(entry.index, payload)
        elif event.type is EventType.ROLL_COMMITMENT:
            self.roll_commitments[payload["region"]] = payload["commitment"]
            for pseudonym, precinct, home in payload["voters"]:
                self.voters[pseudonym] = PublicEntry(pseudonym, payload["region"], precinct, home)
        elif event.type is EventType.ROLL_ADDITION:
            self.voters[payload["voter"]] = PublicEntry(
                payload["voter"],
                payload["region"],
                payload["precinct"],
                payload["home_voting"],
                payload["decision"],
            )
        elif (
            event.type is EventType.CEREMONY_MESSAGE
            and payload.get("step") == ELECTION_KEY_STEP
            and self.election_key is None
        ):
            self.election_key = Point.from_hex(payload["election_key"])
            self.threshold = payload["k"]
            self.qualified = tuple(payload["qualified"])
            self.public_shares = {
                int(t): Point.from_hex(h) for t, h in payload["public_shares"].items()
            }
        elif event.type is EventType.VOTING_CLOSED and self.closed_entry is None:
            self.closed_at = dt.datetime.fromisoformat(payload["closed_at"])
            self.closed_entry = entry.index
        self.entries_read = entry.index + 1

    def _apply_manifest(self, index: int, payload: dict[str, Any]) -> None:
        if self.manifest is not None:
            raise RecordError(f"entry {index}: a second manifest event")
        manifest = parse_manifest_json(canonical_json(payload["manifest"]), f"board entry {index}")
        digest = manifest_hash(manifest)
        if digest.hex() != payload["hash"]:
            raise RecordError(f"entry {index}: the manifest does not hash to its stated hash")
        self.manifest, self.manifest_hash = manifest, digest
        key = payload.get("board_key")
        self.board_key = key if isinstance(key, str) else ""


def load_election(board: Board, entries: Iterable[Entry] | None = None) -> Election:
    """Read the whole board (streaming) into an :class:`Election`."""
    election = Election()
    for entry in board.entries() if entries is None else entries:
        election.apply(entry)
    return election


def publish_manifest(board: Board, manifest: Manifest, board_key: VerifyKey | None = None) -> int:
    """The first entry: the manifest and the key the board will sign its heads with."""
    payload = {
        "board_key": None if board_key is None else board_key.hex(),
        "hash": manifest_hash(manifest).hex(),
        "manifest": manifest_document(manifest),
    }
    return board.append(Event.create(EventType.MANIFEST, payload))


def publish_roll(board: Board, roll: Roll, part_size: int = ROLL_PART_SIZE) -> list[int]:
    """The published roll, region by region, in parts of ``part_size`` voters."""
    commitments = roll.commitments()
    by_region: dict[str, list[PublicEntry]] = {}
    for entry in roll.public_entries.values():
        if entry.added_by is None:
            by_region.setdefault(entry.region_id, []).append(entry)
    events: list[Event] = []
    for region_id in sorted(by_region):
        voters = sorted(by_region[region_id], key=lambda e: e.pseudonym)
        parts = max(1, -(-len(voters) // part_size))
        for part in range(parts):
            chunk = voters[part * part_size : (part + 1) * part_size]
            payload = {
                "region": region_id,
                "part": part + 1,
                "parts": parts,
                "count": len(voters),
                "commitment": commitments[region_id].hex(),
                "voters": [[e.pseudonym, e.precinct_id, e.home_voting] for e in chunk],
            }
            events.append(Event.create(EventType.ROLL_COMMITMENT, payload))
    return board.append_batch(events)


def publish_roll_addition(board: Board, roll: Roll, addition: RollAddition) -> int:
    entry = addition.entry
    payload = {
        "voter": roll.pseudonym_of(entry.voter_id),
        "region": entry.region_id,
        "precinct": entry.precinct_id,
        "home_voting": entry.home_voting,
        "reason": addition.reason,
        "decision": addition.decision_id,
    }
    return board.append(Event.create(EventType.ROLL_ADDITION, payload))


def publish_election_key(
    board: Board,
    key: Point,
    k: int,
    qualified: Iterable[int],
    public_shares: dict[int, Point],
    transcript: dict[str, Any] | None = None,
    *,
    context: bytes = b"",
    at: dt.datetime | None = None,
) -> int:
    payload: dict[str, Any] = {
        "step": ELECTION_KEY_STEP,
        "context": context.hex(),
        "at": (at or dt.datetime.now(dt.UTC)).isoformat(),
        "election_key": key.hex(),
        "k": k,
        "qualified": sorted(qualified),
        "public_shares": {str(t): p.hex() for t, p in sorted(public_shares.items())},
    }
    if transcript:
        payload["transcript"] = transcript
    return board.append(Event.create(EventType.CEREMONY_MESSAGE, payload))


def publish_close(board: Board, closed_at: dt.datetime) -> int:
    if closed_at.tzinfo is None:
        raise InputError("the closing time must carry a time zone")
    return board.append(Event.create(EventType.VOTING_CLOSED, {"closed_at": closed_at.isoformat()}))


def check_roll_commitments(election: Election) -> None:
    """Recompute each region's commitment from the published pseudonyms (additions aside)."""
    by_region: dict[str, list[str]] = {}
    for entry in election.voters.values():
        if entry.added_by is None:
            by_region.setdefault(entry.region_id, []).append(entry.pseudonym)
    for region_id, stated in election.roll_commitments.items():
        actual = roll_commitment(election.manifest_hash, region_id, by_region.get(region_id, []))
        if actual.hex() != stated:
            raise RecordError(f"the roll commitment of region {region_id!r} does not match")
