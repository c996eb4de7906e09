"""The verifier's ceremony-timing check (V33; ``docs/ceremony.md``, "What a minority cannot do").

The transcript (:mod:`plebiscite.domain.ceremony`) already refuses, under V7,
a message dated before the one before it, and ignores whatever follows the election key
(except ``confirm``). This check adds what only the whole transcript shows: the election key
was published after every unanswered complaint's answer window had passed, so that no
trustee was disqualified without its chance to answer; and it names the messages ignored for
coming after the key (they are not faults of the election: anyone with write access can
append them, and they change nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plebiscite.domain.ceremony import parse_at
from plebiscite.errors import PlebisciteError
from plebiscite.verifier.report import VerificationReport

if TYPE_CHECKING:
    from plebiscite.verifier.verify import RecordState


def check_ceremony_timing(state: RecordState, report: VerificationReport) -> None:
    transcript = state.transcript
    if transcript is None or transcript.election_key is None:
        return  # V8 names a missing key
    key, entry = transcript.election_key, transcript.key_entry
    report.count("V33")
    if key.get("context") != transcript.context.hex():
        report.fail("V33", "the election key names another ceremony context", entry)
    try:
        published = parse_at(key.get("at"))
    except PlebisciteError as exc:
        report.fail("V33", f"the election key message: {exc}", entry)
        return
    before = transcript.last_before_key
    if before is not None and published < before:
        report.fail("V33", "the election key is dated before the message it follows", entry)
    for complaint in transcript.unanswered():
        report.count("V33")
        deadline = transcript.deadline(complaint)
        if published < deadline:
            dealer, by = complaint
            report.fail(
                "V33",
                f"the election key was published at {published.isoformat()}, while trustee "
                f"{dealer} could still answer trustee {by}'s complaint (until "
                f"{deadline.isoformat()}): a disqualification without a chance to answer",
                entry,
            )
