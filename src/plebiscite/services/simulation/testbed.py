"""A small election on a board, for tests and benchmarks of voting (never for the demo).

It publishes a manifest, a synthetic roll and an election key held by ONE trustee (the
key ceremony is skipped): anyone holding the returned secret can decrypt every ballot.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from plebiscite.crypto.elgamal import KeyPair
from plebiscite.crypto.randomness import SystemRng
from plebiscite.crypto.signing import VerifyKey
from plebiscite.domain.manifest import Manifest
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.roll import Roll, build_roll, generate_roll
from plebiscite.record.board import Board
from plebiscite.services.election.definition import (
    publish_election_key,
    publish_manifest,
    publish_roll,
)


@dataclass(frozen=True)
class Testbed:
    manifest: Manifest
    manifest_hash: bytes
    roll: Roll
    key: KeyPair


def publish_test_election(
    board: Board,
    manifest: Manifest,
    voters: int,
    seed: int = 1,
    home_share: float = 0.2,
    board_key: VerifyKey | None = None,
) -> Testbed:
    digest = manifest_hash(manifest)
    entries = generate_roll(manifest, voters, random.Random(seed), home_share)
    roll = build_roll(manifest, digest, entries, random.Random(seed).randbytes(32))
    key = KeyPair.generate(SystemRng())
    publish_manifest(board, manifest, board_key)
    publish_roll(board, roll)
    publish_election_key(board, key.public, 1, [1], {1: key.public})
    return Testbed(manifest, digest, roll, key)


__all__ = ["Testbed", "publish_test_election"]
