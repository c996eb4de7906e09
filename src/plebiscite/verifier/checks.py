"""The verifier's checks that run after the streaming pass (``docs/verifier.md`` V8-V28).

The roll commitments (V9), the election key from the ceremony transcript (V8), and then the
count: the booth ballots' base cells (summed by the workers, the few cast after the close read
again and taken out) and each region's door-to-door cell from the kept shuffled rows
(:mod:`.verify_mixing`, V48) give the encrypted tally, recomputed with the small-cell rule
(V23); every decryption share is checked against the public share recomputed from the
transcript (V24); the shares the results name combine to the published counts (V25); the
results event (V26), ``results.json`` (V27) and the NIST file (V28) are rebuilt and compared.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plebiscite.crypto.batch import ProofBatch
from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import g_pow
from plebiscite.crypto.threshold import (
    DecryptionShare,
    add_decryption_share,
    combine_shares,
    joint_public_key,
    public_share,
)
from plebiscite.domain.ballot import Ballot
from plebiscite.domain.cells import BaseKey, published_cells
from plebiscite.domain.ceremony import check_signed
from plebiscite.domain.manifest import Manifest
from plebiscite.domain.mixing import door_to_door_key
from plebiscite.domain.nist import build_report, sidecar
from plebiscite.domain.offline import ballot_time
from plebiscite.domain.results import counted_in_tally, dispositions, summary
from plebiscite.domain.tally import Partial, registered_by_region, results_payload, tally_payload
from plebiscite.errors import PlebisciteError
from plebiscite.record.export import EVENTS
from plebiscite.verifier.ballots import base_cell
from plebiscite.verifier.mixing import DoorCell
from plebiscite.verifier.report import VerificationReport
from plebiscite.verifier.voters import roll_commitment_of

if TYPE_CHECKING:
    from plebiscite.verifier.verify import RecordState

Progress = Callable[[str, int, int], None]
_CAST_SUFFIX = b'"type":"ballot_cast","version":1}'


def difference(a: object, b: object, path: str = "") -> str | None:
    """The first place where two JSON values differ, as a path, or None if they are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key} (present in only one)"
            found = difference(a[key], b[key], f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path} (lengths {len(a)} and {len(b)})"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = difference(x, y, f"{path}[{i}]")
            if found is not None:
                return found
        return None
    if a == b and type(a) is type(b):
        return None
    return f"{path or '(top)'}: {json.dumps(a)[:60]} != {json.dumps(b)[:60]}"


# --- V9: roll commitments -------------------------------------------------------------------


def check_roll(state: RecordState, report: VerificationReport) -> None:
    for region, info in sorted(state.roll_parts.items()):
        report.count("V9")
        parts = info["parts"]
        if sorted(info["seen"]) != list(range(1, parts + 1)):
            report.fail("V9", f"region {region!r}: roll parts {sorted(info['seen'])} of {parts}")
        if info["listed"] != info["count"]:
            report.fail(
                "V9", f"region {region!r}: {info['listed']} voters listed, {info['count']} stated"
            )
        actual = roll_commitment_of(state.voters, state.manifest_hash, region)  # streamed
        if actual.hex() != info["commitment"]:
            report.fail(
                "V9",
                f"region {region!r}: the commitment is not the hash of the published pseudonyms",
            )


# --- V8: the election key -------------------------------------------------------------------


def check_ceremony(state: RecordState, report: VerificationReport) -> None:
    transcript, manifest = state.transcript, state.manifest
    assert transcript is not None and manifest is not None
    report.count("V8")
    if state.key_message is None:
        report.fail("V8", "the record has no election key message")
        return
    index, payload = state.key_message
    qualified = transcript.qualified()
    state.qualified = qualified
    if payload.get("k") != manifest.trustees.k:
        report.fail(
            "V8", f"k is {payload.get('k')}, the manifest says {manifest.trustees.k}", index
        )
    if payload.get("qualified") != qualified:
        report.fail(
            "V8",
            f"the published qualified set {payload.get('qualified')} is not the transcript's "
            f"{qualified} (disqualified: {transcript.disqualified()})",
            index,
        )
    if len(qualified) < manifest.trustees.k:
        report.fail("V8", f"only {len(qualified)} trustees qualified, k = {manifest.trustees.k}")
        return
    messages = [transcript.deals[t] for t in qualified]
    key = joint_public_key(messages)
    if key.hex() != payload.get("election_key"):
        report.fail("V8", "the election key is not the sum of the qualified dealers' C_0", index)
    state.public_shares = {t: public_share(messages, t) for t in qualified}
    published = payload.get("public_shares", {})
    for t, share in state.public_shares.items():
        report.count("V8")
        if published.get(str(t)) != share.hex():
            report.fail("V8", f"trustee {t}'s public share differs from the transcript's", index)
    for entry, trustee, stated in state.confirmations:
        report.count("V8")
        mine = state.public_shares.get(trustee)
        if mine is None or mine.hex() != stated:
            report.fail(
                "V8", f"trustee {trustee} confirmed a public share that is not its own", entry
            )


# --- V22-V28: tally, decryption, results ----------------------------------------------------


def check_tally_and_results(
    directory: Path,
    state: RecordState,
    report: VerificationReport,
    doors: dict[str, DoorCell] | None,
    say: Progress,
) -> None:
    manifest = state.manifest
    assert manifest is not None
    report.count("V22")
    if state.closed is None:
        report.fail("V22", "voting was never closed")
    report.count("V23")
    if not state.tallies:
        report.fail("V23", "the record has no encrypted tally")
        return
    tally_index, tally = state.tallies[-1]
    if state.closed is None or tally_index < state.closed[0]:
        report.fail("V22", "the tally precedes the close of voting", tally_index)
        return
    closed_index = state.closed[0]
    partial = Partial() if state.checker is None else state.checker.partial
    _take_out(directory, state, set(state.uncounted), partial, say)
    partial.last_index = closed_index - 1
    door_keys = _add_doors(manifest, partial, doors or {})
    expected = tally_payload(manifest, partial, closed_index)
    try:
        doors_of = functools.cache(lambda: _holding(manifest, partial, door_keys))
        _compare_tally(expected, tally, tally_index, report, doors_of)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        report.fail("V23", f"the encrypted tally cannot be read: {exc!r}", tally_index)
        return
    try:
        valid = _check_shares(state, report, tally_index, tally)
        _check_results(directory, state, report, tally_index, tally, valid)
    except (PlebisciteError, KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        report.fail("V26", f"the shares or the results cannot be read: {exc!r}")


def _add_doors(manifest: Manifest, partial: Partial, doors: dict[str, DoorCell]) -> set[BaseKey]:
    """Each region's door-to-door cell, summed from its kept shuffled rows (V48), as a base
    cell; returns the door-to-door base keys of every region."""
    for region, cell in doors.items():
        if cell.count and cell.sums is not None:
            shape = [len(q.options) for q in manifest.region_by_id[region].questions]
            key = door_to_door_key(region)
            partial.counts[key] = cell.count
            partial.sums[key] = _cut(cell.sums, shape)
    return {door_to_door_key(r.id) for r in manifest.regions}


def _cut(flat: list[Ciphertext], shape: list[int]) -> list[list[Ciphertext]]:
    out, start = [], 0
    for n in shape:
        out.append(flat[start : start + n])
        start += n
    return out


def _holding(manifest: Manifest, partial: Partial, keys: set[BaseKey]) -> set[str]:
    """Ids of the published cells that hold door-to-door ballots (V48 compares them)."""
    return {cell.id for cell in published_cells(manifest, partial.counts) if cell.members & keys}


def _take_out(
    directory: Path, state: RecordState, excluded: set[int], partial: Partial, say: Progress
) -> None:
    """Second pass: subtract from the base cells the cast ballots that do not count.

    The workers summed every booth ballot that parses; the ones recorded after the close (or
    without a location or time) are read again (only those lines are parsed) and taken out,
    by the same rule the workers used to put them in.
    """
    if state.checker is None or not excluded:
        return
    statics = state.checker.statics
    path = directory / EVENTS
    total, done, last = path.stat().st_size, 0, max(excluded)
    with path.open("rb") as stream:
        for index, line in enumerate(stream):
            done += len(line)
            if index % 5000 == 0:
                say("tally", done, total)
            if index > last:
                break
            if index not in excluded or not line.rstrip(b"\n").endswith(_CAST_SUFFIX):
                continue
            try:
                payload = json.loads(line)["payload"]
                cell = base_cell(statics, Ballot.from_json(payload["ballot"]), ballot_time(payload))
            except (PlebisciteError, KeyError, TypeError, ValueError):
                continue  # the workers could not add it either
            if cell is not None:
                _subtract(partial, *cell)
    say("tally", total, total)


def _subtract(partial: Partial, key: BaseKey, answers: list[list[Ciphertext]]) -> None:
    sums = partial.sums.get(key)
    if sums is None:
        return
    for q, row in enumerate(answers):
        for o, ct in enumerate(row):
            sums[q][o] = Ciphertext(sums[q][o].alpha - ct.alpha, sums[q][o].beta - ct.beta)
    partial.counts[key] -= 1
    if partial.counts[key] == 0:
        del partial.counts[key], partial.sums[key]


def _compare_tally(
    expected: dict[str, Any],
    tally: dict[str, Any],
    index: int,
    report: VerificationReport,
    doors: Callable[[], set[str]],
) -> None:
    """``doors()``: the cells holding door-to-door ballots (computed only if a cell differs)."""
    for name in ("closed_entry", "entries", "small_cell_threshold"):
        if tally.get(name) != expected[name]:
            report.fail("V23", f"{name} is {tally.get(name)}, recomputed {expected[name]}", index)
    mine = {c["id"]: c for c in expected["cells"]}
    cells = tally.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise ValueError("cells is not a list of objects")
    theirs = {c.get("id"): c for c in cells}
    for cell_id in sorted(set(mine) | set(theirs), key=str):
        report.count("V23")
        if cell_id not in theirs:
            report.fail("V23", f"cell {cell_id}: missing from the tally", index)
        elif cell_id not in mine:
            report.fail("V23", f"cell {cell_id}: not a cell the small-cell rule publishes", index)
        else:
            where = difference(mine[cell_id], theirs[cell_id])
            if where is not None:
                report.fail(
                    "V23", f"cell {cell_id}: recomputed and published differ at {where}", index
                )
                if cell_id in doors():
                    report.count("V48")
                    report.fail(
                        "V48",
                        f"cell {cell_id} is not the sum of the door-to-door rows the filter "
                        f"keeps (differs at {where})",
                        index,
                    )
    if [c["id"] for c in expected["cells"]] != [c.get("id") for c in cells]:
        report.fail("V23", "the cells are not in the order the tally publishes them", index)


def _ciphertexts(tally: dict[str, Any]) -> list[tuple[str, int, int, Ciphertext]]:
    out = []
    for cell in tally["cells"]:
        for q, row in enumerate(cell["sums"]):
            for o, ct in enumerate(row):
                out.append((str(cell["id"]), q, o, Ciphertext.from_json(ct)))
    return out


def _check_shares(
    state: RecordState, report: VerificationReport, tally_index: int, tally: dict[str, Any]
) -> dict[int, dict[str, Any]]:
    """V24: the valid shares by trustee; an invalid one is a finding unless results name it."""
    transcript = state.transcript
    assert transcript is not None
    cts = _ciphertexts(tally)
    rejected = {} if state.results is None else state.results[1].get("rejected_shares", {})
    valid: dict[int, dict[str, Any]] = {}
    for index, payload in state.shares:
        if payload.get("tally") != tally_index:
            continue
        report.count("V24")
        trustee = payload.get("trustee")
        try:
            trustee = check_signed(transcript, payload)
            if trustee not in state.qualified:
                raise PlebisciteError(f"trustee {trustee} is not qualified")
            public = state.public_shares[trustee]
            batch = ProofBatch(secrets.token_bytes(32))  # protocol section 5.4
            for cell_id, q, o, ct in cts:
                share = DecryptionShare.from_json(payload["shares"][cell_id][q][o])
                if share.trustee != trustee:
                    raise PlebisciteError(
                        f"cell {cell_id} holds a share of trustee {share.trustee}"
                    )
                where = f"cell {cell_id} question {q} option {o}"
                add_decryption_share(batch, trustee, where, state.context, public, ct, share)
            for _, message in batch.failures()[:1]:
                raise PlebisciteError(message)
        except (PlebisciteError, KeyError, IndexError, TypeError, ValueError) as exc:
            if str(trustee) in rejected or (not isinstance(trustee, int) and "-1" in rejected):
                continue  # combine rejected it too, and the results say so
            report.fail("V24", f"decryption share of trustee {trustee!r}: {exc}", index)
            continue
        if trustee not in valid:
            valid[trustee] = payload["shares"]
    return valid


def _counts_from_results(manifest: Manifest, results: dict[str, Any]) -> dict[str, list[list[int]]]:
    counts: dict[str, list[list[int]]] = {}
    for region in results["regions"]:
        spec = manifest.region_by_id[region["region"]]
        cells = [("region:" + region["region"], region["questions"])]
        cells += [(c["id"], c["questions"]) for c in region["cells"]]
        for cell_id, questions in cells:
            counts[cell_id] = [
                [int(q["options"][opt.id]) for opt in question.options]
                for question, q in zip(spec.questions, questions, strict=True)
            ]
    return counts


def _check_results(
    directory: Path,
    state: RecordState,
    report: VerificationReport,
    tally_index: int,
    tally: dict[str, Any],
    valid: dict[int, dict[str, Any]],
) -> None:
    manifest = state.manifest
    assert manifest is not None
    k = manifest.trustees.k
    for check in ("V25", "V26", "V27"):
        report.count(check)
    if state.results is None:
        report.fail("V25", "the record has no results event")
        return
    results_index, results = state.results
    group = results.get("decrypted_by")
    counts = _counts_from_results(manifest, results)
    if not isinstance(group, list) or len(set(group)) != len(group) or len(group) < k:
        report.fail(
            "V25", f"decrypted_by {group!r}: need at least {k} distinct trustees", results_index
        )
    elif [t for t in group if t not in valid]:
        invalid = [t for t in group if t not in valid]
        report.fail("V25", f"trustees {invalid} have no valid decryption share", results_index)
    else:
        _check_combination(report, tally, valid, group, counts, k, results_index)
    registered = registered_by_region(state.voters.values())  # the on-disk roll streams it
    expected = results_payload(
        manifest, registered, tally_index, tally, counts, list(group or []), {}
    )
    expected["decrypted_by"] = group
    expected["rejected_shares"] = results.get("rejected_shares")
    where = difference(expected, results)
    if where is not None:
        report.fail("V26", f"recomputed and published results differ at {where}", results_index)
    _check_files(directory, state, report, results)


def _check_combination(
    report: VerificationReport,
    tally: dict[str, Any],
    valid: dict[int, dict[str, Any]],
    group: list[int],
    counts: dict[str, list[list[int]]],
    k: int,
    results_index: int,
) -> None:
    for cell_id, q, o, ct in _ciphertexts(tally):
        report.count("V25")
        values = {t: DecryptionShare.from_json(valid[t][cell_id][q][o]).value for t in group}
        plain = combine_shares(ct, values, k)
        stated = counts.get(cell_id)
        if stated is None:
            report.fail("V25", f"cell {cell_id} is missing from the results", results_index)
            continue
        if plain != g_pow(stated[q][o]):
            report.fail(
                "V25",
                f"cell {cell_id} question {q} option {o}: the results say {stated[q][o]}, the "
                "shares decrypt to another number",
                results_index,
            )


def _check_files(
    directory: Path, state: RecordState, report: VerificationReport, results: dict[str, Any]
) -> None:
    manifest = state.manifest
    assert manifest is not None
    # totals only (no ballot is named as set aside); the counted ones are the region cells of
    # the tally V23 recomputed
    _, tally = state.tallies[-1]
    ballots = dispositions(state.cast, state.challenged, counted_in_tally(tally["cells"]))
    path = directory / "results.json"
    if not path.is_file():
        report.fail("V27", "the record has no results.json")
    else:
        try:
            published = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            report.fail("V27", f"results.json is not JSON: {exc}")
        else:
            where = difference(summary(results, ballots), published)
            if where is not None:
                report.fail("V27", f"results.json differs from the results event at {where}")
    nist = directory / "results-nist.json"
    if nist.is_file():
        report.count("V28")
        try:
            published = json.loads(nist.read_text(encoding="utf-8"))
            generated = dt.datetime.fromisoformat(published["GeneratedDate"])
            rebuilt = build_report(manifest, results, generated, is_test=published["IsTest"])
            where = difference(_languages_sorted(rebuilt), _languages_sorted(published))
        except (PlebisciteError, ValueError, KeyError, TypeError) as exc:
            where = f"(unreadable: {exc})"
        if where is not None:
            report.fail("V28", f"results-nist.json differs from the results at {where}")
    side = directory / "results-sidecar.json"
    if side.is_file():
        report.count("V28")
        try:
            published = json.loads(side.read_text(encoding="utf-8"))
            where = difference(sidecar(manifest, results, ballots), published)
        except (PlebisciteError, ValueError, KeyError, TypeError) as exc:
            where = f"(unreadable: {exc})"
        if where is not None:
            report.fail("V28", f"results-sidecar.json differs from the results at {where}")


def _languages_sorted(value: Any) -> Any:
    """Texts in language order: the NIST writer keeps the manifest source's order, which the
    record's canonical manifest (keys sorted) does not preserve."""
    if isinstance(value, dict):
        out = {k: _languages_sorted(v) for k, v in value.items()}
        text = out.get("Text")
        if isinstance(text, list) and all(isinstance(t, dict) for t in text):
            out["Text"] = sorted(text, key=lambda t: str(t.get("Language")))
        return out
    if isinstance(value, list):
        return [_languages_sorted(v) for v in value]
    return value


__all__ = ["check_ceremony", "check_roll", "check_tally_and_results"]
