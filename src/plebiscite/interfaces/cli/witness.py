"""``plebiscite witness``: a trustee or an observer cosigns a served board's heads
(``docs/board.md`` 8).

::

    plebiscite witness cosign --server URL --key trustee-I.key --state witness-I.json
    plebiscite witness keygen --out observer.key      # an observer, before the manifest
    plebiscite witness cosign --server URL --observer ID --key observer.key --state w.json

The witness reads the board's key from its first entry (and keeps it), fetches the latest
signed head, checks a consistency proof from the last checkpoint it cosigned (kept in
``--state``, created on first use), and only then cosigns and posts the cosignature. A head
that does not extend that checkpoint is refused as a split view (exit 5) and nothing is
signed. The passphrase of the trustee key file comes from ``PLEBISCITE_PASSPHRASE`` or a
prompt.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from plebiscite.crypto import keyfile
from plebiscite.crypto.signing import SigningKey
from plebiscite.errors import InputError
from plebiscite.interfaces.cli.trustee import _index_hint, _passphrase
from plebiscite.services.ceremony.steps import TrusteeState
from plebiscite.services.election.witness import WitnessState, cosign


def _read_state(path: Path) -> WitnessState | None:
    if not path.exists():
        return None
    try:
        return WitnessState.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise InputError(f"{path}: not a witness state file: {exc}") from exc


def _write_state(path: Path, state: WitnessState) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(state.to_json(), sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


@click.group()
def witness() -> None:
    """Cosign a board's heads after checking that each extends the last one cosigned."""


@witness.command(name="keygen")
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="where to write the observer's secret key (created readable by its owner only)",
)
def keygen_command(out_path: Path) -> None:
    """Make an observer's cosigning key; its public half goes into the manifest's
    ``[[trustees.observers]]`` entry."""
    from plebiscite.crypto.signing import SigningKey
    from plebiscite.interfaces.board_key import write_secret

    key = SigningKey.generate()
    write_secret(out_path, key.seed.hex() + "\n")
    Console().print(f'public_key = "{key.verify_key.hex()}"  (for the manifest)')


@witness.command(name="cosign")
@click.option("--server", required=True, help="the board service's URL")
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a trustee's key file (its announced signing key signs), or with --observer the "
    "observer's key file from `witness keygen`",
)
@click.option(
    "--observer",
    "observer_id",
    default=None,
    help="cosign as this observer of the manifest (its key is in the manifest), not a trustee",
)
@click.option(
    "--state",
    "state_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the witness's last checkpoint (created on first use)",
)
def cosign_command(server: str, key_path: Path, observer_id: str | None, state_path: Path) -> None:
    """Check the board's latest head against the last checkpoint; cosign it."""
    from plebiscite.interfaces.api.witness_client import HttpBoardView

    view = HttpBoardView(server)
    try:
        if observer_id is None:
            signing, index, who = _trustee_key(key_path)
        else:
            signing, index = _observer_key(key_path, observer_id, view.manifest_event())
            who = f"observer {observer_id!r} (witness {index})"
        state, cosignature = cosign(
            view, _read_state(state_path), signing, index, int(time.time() * 1000)
        )
    finally:
        view.close_client()
    _write_state(state_path, state)
    Console().print(
        f"{who} cosigned the head of {cosignature.tree_size} entries "
        f"(root {cosignature.root_hash.hex()[:16]}...)"
    )


def _trustee_key(key_path: Path) -> tuple[SigningKey, int, str]:
    text = key_path.read_text(encoding="utf-8")
    index = _index_hint(text)
    purpose = json.loads(text).get("purpose", "")
    trustee = TrusteeState.from_json(keyfile.open_sealed(text, _passphrase(), str(purpose)))
    if trustee.index != index:
        raise InputError(f"{key_path}: the key file names trustee {trustee.index}, not {index}")
    return trustee.signing_key, index, f"trustee {index}"


def _observer_key(
    key_path: Path, observer_id: str, manifest_event: dict[str, Any]
) -> tuple[SigningKey, int]:
    """The observer's key from its file, and its witness number from the board's manifest;
    refused unless the key is the one the manifest names."""
    from plebiscite.crypto.hashing import canonical_json
    from plebiscite.domain.manifest_load import parse_manifest_json

    try:
        key = SigningKey(bytes.fromhex(key_path.read_text(encoding="utf-8").strip()))
    except ValueError as exc:
        raise InputError(f"{key_path}: not an observer key file (64 hex digits)") from exc
    manifest = parse_manifest_json(canonical_json(manifest_event["manifest"]), "the board")
    try:
        index = manifest.trustees.observer_witness(observer_id)
    except KeyError as exc:
        raise InputError(str(exc.args[0])) from exc
    named = manifest.trustees.observers[index - manifest.trustees.n - 1].public_key
    if key.verify_key.hex() != named:
        raise InputError(f"{key_path}: not the key the manifest names for {observer_id!r}")
    return key, index
