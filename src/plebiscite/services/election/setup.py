"""Setting a referendum up from files: the manifest and the roll (``docs/manifest.md``).

The domain parses text; this module reads the files, so every error still names the file.
"""

from __future__ import annotations

import random
from pathlib import Path

from plebiscite.domain.manifest import Manifest
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.manifest_load import parse_manifest, parse_manifest_json
from plebiscite.domain.roll import (
    MIN_KEY_BYTES,
    Roll,
    RollEntry,
    build_roll,
    generate_roll,
    parse_roll_csv,
    render_roll_csv,
)
from plebiscite.errors import InputError, ManifestError, RollError


def _read_text(path: Path, error: type[InputError]) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None


def load_manifest(path: Path) -> Manifest:
    """Read and check a manifest: TOML, or its JSON form when the name ends in ``.json``."""
    text = _read_text(path, ManifestError)
    if path.suffix == ".json":
        return _from_json(text, path)
    return parse_manifest(text, str(path))


def _from_json(text: str, path: Path) -> Manifest:
    """The JSON form, or a record's ``manifest.json`` (the manifest event's payload,
    ``{"hash", "manifest"}`` and the anchored ``board_key``), whose hash must then be the
    manifest's."""
    import json

    from plebiscite.crypto.hashing import canonical_json

    try:
        data = json.loads(text)
    except ValueError:
        return parse_manifest_json(text, str(path))  # names the JSON error
    if not (isinstance(data, dict) and set(data) - {"board_key"} == {"hash", "manifest"}):
        return parse_manifest_json(text, str(path))
    manifest = parse_manifest_json(canonical_json(data["manifest"]), str(path))
    if manifest_hash(manifest).hex() != data["hash"]:
        raise ManifestError(f"{path}: the manifest's hash is not the one recorded beside it")
    return manifest


def _whole(text: str, path: Path) -> str:
    """A roll or key file ends with a newline; one that does not was most likely cut short
    (a half-copied roll would silently lose voters, a cut key would change every pseudonym)."""
    if text and not text.endswith("\n"):
        raise RollError(f"{path}: the last line has no newline at its end (file cut short?)")
    return text


def load_roll_entries(path: Path, manifest: Manifest) -> tuple[RollEntry, ...]:
    """Read and check a roll CSV against the manifest (all or nothing)."""
    return parse_roll_csv(_whole(_read_text(path, RollError), path), str(path), manifest)


def read_roll_key(path: Path) -> bytes:
    """A roll key file: hex digits (whitespace ignored), at least 16 bytes, a final newline."""
    text = "".join(_whole(_read_text(path, RollError), path).split())
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise RollError(f"{path}: a roll key file holds hex digits only") from None
    if len(key) < MIN_KEY_BYTES:
        raise RollError(f"{path}: the roll key must be at least {MIN_KEY_BYTES} bytes")
    return key


def load_roll(manifest: Manifest, roll_path: Path, key_path: Path) -> Roll:
    """The roll of a referendum, with pseudonyms under the key in ``key_path``."""
    entries = load_roll_entries(roll_path, manifest)
    return build_roll(manifest, manifest_hash(manifest), entries, read_roll_key(key_path))


def write_synthetic_roll(manifest: Manifest, voters: int, seed: int, out: Path) -> int:
    """Write ``voters`` synthetic voters to ``out`` (CSV); the same seed gives the same file."""
    entries = generate_roll(manifest, voters, random.Random(seed))
    out.write_text(render_roll_csv(entries), encoding="utf-8")
    return len(entries)
