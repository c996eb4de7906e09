"""The verifier's check of witness cosignatures (V35; ``docs/board.md`` section 8).

Every ``head_cosignature`` entry must be signed (tag ``cosignature``) by a trustee's announced
key, or an observer's key from the manifest (witness ``n + i``), over the anchored board key and
a checkpoint (tree size, root) that is one of the record's signed heads: V4 checks each head's
root against the log, so every cosigned checkpoint is then a prefix of this very log
(consistent with it). A cosignature of a checkpoint the record does
not hold is a witness that was shown another history: a split view, or a rewritten log.

With ``trustees.head_cosignatures = m > 0`` the final checkpoint, the largest one cosigned by
``m`` distinct witnesses, must cover every entry that is not itself a cosignature.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plebiscite.domain.cosignature import Cosignature, witness_key
from plebiscite.errors import PlebisciteError
from plebiscite.verifier.report import VerificationReport

if TYPE_CHECKING:
    from plebiscite.verifier.verify import RecordState


def check_witnesses(state: RecordState, report: VerificationReport) -> None:
    transcript, manifest = state.transcript, state.manifest
    assert transcript is not None and manifest is not None
    board_key = "" if state.board_key is None else state.board_key.hex()
    witnesses: dict[int, set[int]] = {}  # tree size -> distinct witnesses with a valid cosignature
    for index, payload in state.cosignatures:
        report.count("V35")
        try:
            cosignature = Cosignature.from_json(payload)
            cosignature.verify(board_key, witness_key(manifest, transcript, cosignature.witness))
        except PlebisciteError as exc:
            report.fail("V35", f"a cosignature that does not verify: {exc}", index)
            continue
        if state.head_roots.get(cosignature.tree_size) != cosignature.root_hash:
            report.fail(
                "V35",
                f"witness {cosignature.witness} cosigned a checkpoint of {cosignature.tree_size} "
                "entries that is not among the record's heads: it was shown another history "
                "(a split view, or the log was rewritten since)",
                index,
            )
            continue
        witnesses.setdefault(cosignature.tree_size, set()).add(cosignature.witness)
    need = manifest.trustees.head_cosignatures
    report.count("V35")
    if need == 0:
        return
    enough = [size for size, who in witnesses.items() if len(who) >= need]
    final = max(enough, default=0)
    if final <= state.last_content:
        best = max((len(who) for who in witnesses.values()), default=0)
        report.fail(
            "V35",
            f"no checkpoint covering entry {state.last_content} carries {need} cosignatures "
            f"(the manifest's trustees.head_cosignatures; the best checkpoint has {best})",
        )
