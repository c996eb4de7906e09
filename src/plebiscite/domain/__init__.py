"""The referendum's definition and its pure rules (no I/O, no clock).

The manifest and its loader, hash, the roll and the rules are documented in
``docs/manifest.md``; the names below are the stable entry points. The other modules hold the
definitions the producer (``services``) and the verifier share, each once: the signed messages
(``check_in``, ``chain_end``, ``cosignature``, ``paper_signing``), the ceremony transcript
(``ceremony``), the count (``cells``, ``disclosure``, ``tally``, ``results``, ``nist``);
``docs/verifier.md``, "What the verifier shares with the producer".
"""

from plebiscite.domain.manifest import LocationKind, Manifest
from plebiscite.domain.manifest_hash import canonical_manifest, manifest_document, manifest_hash
from plebiscite.domain.manifest_load import parse_manifest, parse_manifest_data, parse_manifest_json
from plebiscite.domain.roll import (
    Roll,
    RollAddition,
    RollEntry,
    add_voter,
    build_roll,
    generate_roll,
    parse_roll_csv,
    pseudonym,
    render_roll_csv,
    roll_commitment,
)
from plebiscite.domain.rules import (
    CastBallot,
    Disposition,
    Resolution,
    check_cast,
    check_eligible,
    check_location_open,
    check_may_cast,
    counted_ballots,
    is_eligible,
    location_open,
    resolve_ballots,
)

__all__ = [
    "CastBallot",
    "Disposition",
    "LocationKind",
    "Manifest",
    "Resolution",
    "Roll",
    "RollAddition",
    "RollEntry",
    "add_voter",
    "build_roll",
    "canonical_manifest",
    "check_cast",
    "check_eligible",
    "check_location_open",
    "check_may_cast",
    "counted_ballots",
    "generate_roll",
    "is_eligible",
    "location_open",
    "manifest_document",
    "manifest_hash",
    "parse_manifest",
    "parse_manifest_data",
    "parse_manifest_json",
    "parse_roll_csv",
    "pseudonym",
    "render_roll_csv",
    "resolve_ballots",
    "roll_commitment",
]
