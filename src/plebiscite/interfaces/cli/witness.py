"""``plebiscite witness``: a trustee cosigns a served board's heads (``docs/board.md`` 8).

::

    plebiscite witness cosign --server URL --key trustee-I.key --state witness-I.json

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

import click
from rich.console import Console

from plebiscite.crypto import keyfile
from plebiscite.errors import InputError
from plebiscite.interfaces.cli.trustee import _index_hint, _passphrase
from plebiscite.services.ceremony import TrusteeState
from plebiscite.services.witness import WitnessState, cosign


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


@witness.command(name="cosign")
@click.option("--server", required=True, help="the board service's URL")
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="this trustee's key file (its announced signing key signs the cosignature)",
)
@click.option(
    "--state",
    "state_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the witness's last checkpoint (created on first use)",
)
def cosign_command(server: str, key_path: Path, state_path: Path) -> None:
    """Check the board's latest head against the last checkpoint; cosign it."""
    from plebiscite.interfaces.api.witness_client import HttpBoardView

    text = key_path.read_text(encoding="utf-8")
    index = _index_hint(text)
    purpose = json.loads(text).get("purpose", "")
    trustee = TrusteeState.from_json(keyfile.open_sealed(text, _passphrase(), str(purpose)))
    if trustee.index != index:
        raise InputError(f"{key_path}: the key file names trustee {trustee.index}, not {index}")
    view = HttpBoardView(server)
    try:
        state, cosignature = cosign(
            view, _read_state(state_path), trustee.signing_key, index, int(time.time() * 1000)
        )
    finally:
        view.close_client()
    _write_state(state_path, state)
    Console().print(
        f"trustee {index} cosigned the head of {cosignature.tree_size} entries "
        f"(root {cosignature.root_hash.hex()[:16]}...)"
    )
