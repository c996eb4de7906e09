"""The verifier's checklist and its report (``docs/verifier.md``).

Every check has an id (``V1`` ...), a title and the protocol version it belongs to. The
verifier counts, per check, the items it examined and the findings (failures) among them. A
report keeps at most :data:`MAX_FINDINGS` findings per check (it counts all of them), so its
memory stays flat however broken a record is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from plebiscite.crypto import linear
from plebiscite.errors import VerificationError

PROTOCOL: Final = "plebiscite-v2"
MAX_FINDINGS: Final = 100

#: id -> title, in the order of ``docs/verifier.md``.
CHECKS: Final[dict[str, str]] = {
    "V1": "record layout: the files, manifest.json equals the manifest event",
    "V2": "every events.jsonl line is a canonical event",
    "V3": "every head is well formed and signed by the one board key",
    "V4": "every head's root is the Merkle root of the lines it covers",
    "V5": "heads only grow (consistency); the last head covers every line",
    "V6": "the manifest: first event, only one, hashes to its stated hash, plebiscite-v2",
    "V7": "ceremony messages: signed by the announced keys, in protocol order",
    "V8": "election key: qualified set, joint key and public shares recomputed",
    "V9": "roll commitments recomputed from the published pseudonyms",
    "V10": "roll additions: reason, decision, a new voter of that region",
    "V11": "devices and check-ins: enrolments, revocations, check-in ids and signatures",
    "V12": "ballot form: payload fields, canonical ballot, the manifest hash",
    "V13": "ballot device: enrolled earlier at that location, not revoked",
    "V14": "ballot signature by its device",
    "V15": "ballot time: location open at received_at, before the close",
    "V16": "ballot check-in: posted earlier by the device; one cast ballot per check-in",
    "V17": "ballot proofs: every option and every selection count",
    "V18": "tracking code recomputed",
    "V19": "device chains: no gap, no fork, no reordering",
    "V20": "challenged ballots: the opening re-encrypts; never cast",
    "V22": "voting closed once, before the tally",
    "V23": "encrypted tally: booth ballots and kept door-to-door rows, small cells merged",
    "V24": "decryption shares: signed by a qualified trustee, every proof",
    "V25": "decryption: k valid shares combine to the published counts",
    "V26": "results event recomputed from the tally and the counts",
    "V27": "results.json equals the results event, dispositions recounted",
    "V28": "the NIST results file agrees with the results",
    "V29": "no ciphertext (alpha) appears twice in the record",
    "V44": "ballot tags: a proof of the tag's nonce bound to device and check-in",
    "V45": "shuffles: every chunk once, inputs rebuilt from the board, proofs valid",
    "V46": "tag conversions: chained, one Z per trustee and region, proofs valid",
    "V47": "tag decryption shares: qualified, same conversions, proofs, at least k",
    "V48": "filter: distinct tags per batch; door-to-door cell = the kept shuffled rows",
    "V40": "paper records: well formed, naming the manifest's precincts, questions and days",
    "V41": "paper protocols in force: the hard control relations K1-K4",
    "V42": "protocol corrections: versions 1, 2, ... in board order, each with a reason",
    "V43": "mobile trips T1-T4; daily custody acts sum to the protocol's boxes (D1M, D1S)",
    "V49": "paper records filed and signed by an enrolled, unrevoked device of the precinct",
    "V32": "board key anchored: the manifest event names it (and the pinned key equals it)",
    "V33": "ceremony timing: the key waits for every complaint's answer window",
    "V34": "device chains end where each device signed they end",
    "V35": "witnesses: the final checkpoint carries enough consistent cosignatures",
    "V70": "uploaded ballots: cast_at signed by a mobile team's device, in the window",
    "V71": "uploaded ballots: reached the board within the team's custody deadline",
    "V72": "receipt complaints: the device signed the receipt; the ballot is indeed missing",
}


@dataclass(frozen=True)
class Finding:
    """One failure: the check, where (entry index, 0-based; line = entry + 1) and what."""

    check: str
    message: str
    entry: int | None = None

    def __str__(self) -> str:
        where = "" if self.entry is None else f"entry {self.entry} (events.jsonl line "
        where += "" if self.entry is None else f"{self.entry + 1}): "
        return f"{self.check}: {where}{self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "entry": self.entry, "message": self.message}


@dataclass
class CheckResult:
    id: str
    title: str
    checked: int = 0
    failed: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failed == 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "checked": self.checked,
            "failed": self.failed,
            "passed": self.passed,
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass
class VerificationReport:
    """What the verifier found, check by check."""

    record: str
    protocol: str = PROTOCOL
    entries: int = 0
    ballots: int = 0
    seconds: float = 0.0
    #: the public-data arithmetic that ran (``plebiscite.crypto.linear``): "libdecaf" or
    #: "libsodium"
    arithmetic: str = field(default_factory=linear.backend)
    #: devices the record names as never having signed their chain's end (V34): their chains
    #: rest on the board's word alone
    unreported_devices: list[str] = field(default_factory=list)
    checks: dict[str, CheckResult] = field(
        default_factory=lambda: {cid: CheckResult(cid, title) for cid, title in CHECKS.items()}
    )

    def count(self, check: str, n: int = 1) -> None:
        self.checks[check].checked += n

    def fail(self, check: str, message: str, entry: int | None = None) -> None:
        result = self.checks[check]
        result.failed += 1
        if len(result.findings) < MAX_FINDINGS:
            result.findings.append(Finding(check, message, entry))

    @property
    def ok(self) -> bool:
        return all(c.passed for c in self.checks.values())

    def failed_checks(self) -> list[str]:
        return [c.id for c in self.checks.values() if not c.passed]

    def findings(self) -> list[Finding]:
        """Every kept finding, in checklist order, then by entry."""
        out: list[Finding] = []
        for result in self.checks.values():
            out += sorted(result.findings, key=lambda f: -1 if f.entry is None else f.entry)
        return out

    def raise_for_failure(self) -> None:
        """Raise :class:`VerificationError` naming the first failed check, if any."""
        failed = self.failed_checks()
        if not failed:
            return
        first = self.checks[failed[0]]
        detail = str(first.findings[0]).split(": ", 1)[1] if first.findings else first.title
        others = f" (and checks {', '.join(failed[1:])})" if len(failed) > 1 else ""
        raise VerificationError(failed[0], f"{detail}{others}")

    def to_json(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "protocol": self.protocol,
            "ok": self.ok,
            "entries": self.entries,
            "ballots": self.ballots,
            "seconds": round(self.seconds, 3),
            "arithmetic": self.arithmetic,
            "unreported_devices": self.unreported_devices,
            "checks": [c.to_json() for c in self.checks.values()],
        }
