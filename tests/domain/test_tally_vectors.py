"""Known-answer vectors for what the count and the verifier compute the same way
(``tests/vectors/tally-v2.json``; ``docs/tally.md`` sections 2, 4 and 5).

A small election on the seed manifest (``examples/seed-referendum/manifest.toml``, pinned by
its manifest hash): the counted ballots of each base cell (region, precinct, channel, voting
day), with the encrypted sum of each base cell under a key whose secret is given. From these
inputs the file pins, through the definitions in ``plebiscite.domain``:

* ``cells``: the published cells under the small-cell rule (threshold 10), sibling merges and
  the subtraction audit included, with their ballot counts;
* ``encrypted_tally``: the ``encrypted_tally`` payload (cell sums of the base cells' sums);
* ``results``: the ``results`` payload from each cell's decrypted counts (blank counts included)
  and ``results_json``: what ``results.json`` holds (percentages and ballot dispositions);
* ``percentages``: ``percent(part, whole)`` at its edges (ties, zero denominators);
* ``nist`` and ``sidecar``: the NIST SP 1500-100 report and its sidecar for these results;
* ``paper_signature``: the bytes a filing device signs for a custody act, and its signature.

The test rebuilds every output from the inputs, byte for byte; it also decrypts every cell of
the pinned tally with the given secret and finds the pinned counts, and checks that the pinned
cells keep the small-cell rule (no published cell but a region total under the threshold).
Regenerate (only with a protocol change) with ``python tests/domain/test_tally_vectors.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from plebiscite.crypto.elgamal import Ciphertext, DiscreteLog, decrypt_to_point, encrypt
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.cells import BaseKey, published_cells
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.manifest_load import parse_manifest
from plebiscite.domain.nist import build_report, sidecar
from plebiscite.domain.paper import custody_act_payload, parse_custody_act
from plebiscite.domain.paper_signing import PURPOSES, signed_message
from plebiscite.domain.results import dispositions, percent, summary
from plebiscite.domain.tally import Partial, results_payload, tally_payload

ROOT = Path(__file__).resolve().parents[2]
PATH = ROOT / "tests" / "vectors" / "tally-v2.json"
MANIFEST_FILE = "examples/seed-referendum/manifest.toml"
MANIFEST = parse_manifest((ROOT / MANIFEST_FILE).read_text(encoding="utf-8"), MANIFEST_FILE)
SEED = b"plebiscite-v2 tally vectors"

#: (region, precinct, channel, day) -> (ballots, yes, no); the rest of each cell's ballots are
#: blank. Donetsk has a small voting day (day 3) merged with day 2 into an "other" cell, Luhansk
#: a small district merged with its smallest sibling, Kherson is a region under the threshold
#: (its total alone is published) and Zaporizhzhia holds no ballot.
BASE_CELLS: list[tuple[BaseKey, tuple[int, int, int]]] = [
    (("donetsk", "dn-0101", "regular_station", 1), (60, 35, 24)),
    (("donetsk", "dn-0101", "makeshift_station", 2), (30, 12, 18)),
    (("donetsk", "dn-0102", "regular_station", 1), (50, 20, 29)),
    (("donetsk", "dn-0102", "regular_station", 3), (3, 1, 2)),
    (("donetsk", "dn-0201", "regular_station", 1), (45, 40, 5)),
    (("donetsk", "dn-0202", "regular_station", 2), (25, 10, 13)),
    (("donetsk", "dn-0202", "makeshift_station", 1), (4, 2, 2)),
    (("donetsk", "dn-0301", "regular_station", 1), (40, 18, 22)),
    (("donetsk", "dn-0302", "makeshift_station", 1), (35, 35, 0)),
    (("donetsk", "", "door_to_door", 0), (15, 6, 8)),
    (("kherson", "ks-0101", "regular_station", 1), (7, 4, 3)),
    (("luhansk", "lh-0101", "regular_station", 1), (60, 30, 30)),
    (("luhansk", "lh-0101", "makeshift_station", 1), (30, 10, 19)),
    (("luhansk", "lh-0102", "regular_station", 1), (50, 25, 25)),
    (("luhansk", "lh-0102", "regular_station", 2), (12, 2, 10)),
    (("luhansk", "lh-0201", "regular_station", 1), (45, 15, 30)),
    (("luhansk", "lh-0202", "regular_station", 1), (25, 5, 20)),
    (("luhansk", "lh-0202", "regular_station", 2), (14, 7, 7)),
    (("luhansk", "lh-0301", "regular_station", 1), (4, 1, 3)),
    (("luhansk", "lh-0302", "regular_station", 1), (3, 3, 0)),
    (("luhansk", "", "door_to_door", 0), (15, 5, 9)),
]
REGISTERED = {"donetsk": 600, "kherson": 50, "luhansk": 0, "zaporizhzhia": 20}
CLOSED_ENTRY, TALLY_ENTRY, DECRYPTED_BY = 200, 230, [1, 3, 4]
CAST, CHALLENGED = 580, 4
GENERATED = "2022-09-28T12:00:00+00:00"
PERCENTAGES = [(1, 3), (2, 3), (1, 8), (1, 32), (3, 32), (1, 40000), (1, 0), (0, 0), (0, 7), (7, 7)]
DEVICE_SEED = bytes(range(64, 96))
CUSTODY_ACT = {
    "precinct": "dn-0101",
    "date": "2022-09-23",
    "box": "MB-1",
    "box_kind": "mobile",
    "packet": "P-1",
    "seal": "S-7",
    "count": 38,
    "signatories": ["member-a", "member-b"],
    "observers": [],
}


def _key(key: list[Any]) -> BaseKey:
    return (str(key[0]), str(key[1]), str(key[2]), int(key[3]))


def build_vectors() -> dict[str, Any]:
    rng = SeededRng(SEED)
    secret = rng.scalar()
    public = Point.base_mul(secret)
    partial = Partial(last_index=CLOSED_ENTRY - 1)
    base_cells = []
    for key, (ballots, yes, no) in BASE_CELLS:
        sums = [[encrypt(public, yes, rng.scalar()), encrypt(public, no, rng.scalar())]]
        partial.counts[key] = ballots
        partial.sums[key] = sums
        base_cells.append(
            {
                "key": list(key),
                "ballots": ballots,
                "sums": [[ct.to_json() for ct in row] for row in sums],
            }
        )
    cells = published_cells(MANIFEST, partial.counts)
    tally = tally_payload(MANIFEST, partial, CLOSED_ENTRY)
    plain = {key: (ballots, yes, no) for key, (ballots, yes, no) in BASE_CELLS}
    counts = {
        cell.id: [
            [
                sum(plain[k][1] for k in cell.members if k in plain),
                sum(plain[k][2] for k in cell.members if k in plain),
            ]
        ]
        for cell in cells
    }
    results = results_payload(MANIFEST, REGISTERED, TALLY_ENTRY, tally, counts, DECRYPTED_BY, {})
    ballots = dispositions(CAST, CHALLENGED, sum(b for _, (b, _, _) in BASE_CELLS))
    device = SigningKey(DEVICE_SEED)
    act = {**custody_act_payload(parse_custody_act(CUSTODY_ACT, "act")), "device": "dev-dn-0101"}
    election = manifest_hash(MANIFEST).hex()
    message = signed_message(election, act)
    return {
        "inputs": {
            "manifest_file": MANIFEST_FILE,
            "manifest_hash": election,
            "small_cell_threshold": MANIFEST.small_cell_threshold,
            "rng_seed": SEED.hex(),
            "secret_key": secret.hex(),
            "election_key": public.hex(),
            "base_cells": base_cells,
            "closed_entry": CLOSED_ENTRY,
            "entries_read": CLOSED_ENTRY,
            "tally_entry": TALLY_ENTRY,
            "decrypted_by": DECRYPTED_BY,
            "registered": REGISTERED,
            "cast": CAST,
            "challenged": CHALLENGED,
            "nist_generated": GENERATED,
        },
        "cells": [
            {
                "id": c.id,
                "level": c.level,
                "region": c.region,
                "units": list(c.units),
                "members": sorted(list(k) for k in c.members),
                "ballots": sum(partial.counts.get(k, 0) for k in c.members),
            }
            for c in cells
        ],
        "encrypted_tally": tally,
        "cell_counts": counts,
        "results": results,
        "results_json": summary(results, ballots),
        "percentages": [[part, whole, percent(part, whole)] for part, whole in PERCENTAGES],
        "nist": build_report(MANIFEST, results, dt.datetime.fromisoformat(GENERATED), is_test=True),
        "sidecar": sidecar(MANIFEST, results, ballots),
        "paper_signature": {
            "inputs": {
                "election": election,
                "kind": "custody_act",
                "device_seed": DEVICE_SEED.hex(),
                "payload": act,
            },
            "purpose": PURPOSES["custody_act"],
            "message": message.decode(),
            "signature": device.sign(PURPOSES["custody_act"], message).hex(),
        },
    }


def _pinned() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PATH.read_text(encoding="utf-8"))
    return data


def test_vectors_are_reproduced_byte_for_byte() -> None:
    assert canonical_json(build_vectors()) == canonical_json(_pinned())


def test_the_pinned_manifest_is_the_seed_manifest() -> None:
    inputs = _pinned()["inputs"]
    assert manifest_hash(MANIFEST).hex() == inputs["manifest_hash"]


def test_the_layout_from_the_pinned_counts_alone() -> None:
    """The published cells are a function of the base-cell counts: rebuilt from the file's
    counts (no ciphertext), and no published cell but a region total is under the threshold."""
    pinned = _pinned()
    counts = {_key(b["key"]): b["ballots"] for b in pinned["inputs"]["base_cells"]}
    cells = published_cells(MANIFEST, counts)
    assert [c.id for c in cells] == [c["id"] for c in pinned["cells"]]
    threshold = pinned["inputs"]["small_cell_threshold"]
    for cell in pinned["cells"]:
        assert cell["level"] == "region" or cell["ballots"] >= threshold, cell["id"]
    merged = [c["id"] for c in pinned["cells"] if "other@" in c["id"]]
    assert merged  # the vector exercises the merge, not only the plain layout


def test_the_pinned_tally_decrypts_to_the_pinned_counts() -> None:
    pinned = _pinned()
    secret = Scalar.from_hex(pinned["inputs"]["secret_key"])
    dlog = DiscreteLog(400)
    for cell in pinned["encrypted_tally"]["cells"]:
        decrypted = [
            [dlog.solve(decrypt_to_point(secret, Ciphertext.from_json(ct))) for ct in row]
            for row in cell["sums"]
        ]
        assert decrypted == pinned["cell_counts"][cell["id"]], cell["id"]


def test_the_results_blanks_and_percentages_by_the_written_rules() -> None:
    """Blank = cell ballots minus the option counts; percent = 100 * part / whole with two
    decimals, ties to even on the double, "n/a" for a zero whole (docs/tally.md section 4)."""
    pinned = _pinned()
    for region in pinned["results_json"]["regions"]:
        for q in region["questions"]:
            assert q["blank"] == region["ballots"] - sum(q["options"].values())
            valid = sum(q["options"].values())
            for option, n in q["options"].items():
                expected = "n/a" if valid == 0 else f"{100 * n / valid:.2f}"
                assert q["percent"][option] == expected
    table = {(p, w): s for p, w, s in pinned["percentages"]}
    assert table[(3, 32)] == "9.38" and table[(1, 32)] == "3.12"  # ties to even
    assert table[(1, 0)] == "n/a" and table[(0, 0)] == "n/a"


def test_the_paper_signature_verifies_under_the_device_key() -> None:
    vector = _pinned()["paper_signature"]
    inputs = vector["inputs"]
    key = SigningKey(bytes.fromhex(inputs["device_seed"])).verify_key
    message = signed_message(inputs["election"], inputs["payload"])
    assert message.decode() == vector["message"]
    key.verify(vector["purpose"], message, bytes.fromhex(vector["signature"]))


if __name__ == "__main__":  # pragma: no cover
    PATH.write_text(json.dumps(build_vectors(), indent=1, sort_keys=True) + "\n")
