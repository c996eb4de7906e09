"""Every file-taking command, every bad file: one line, the documented exit code, no traceback.

The attacker is a careless or hostile user handing each command a file that is missing,
empty, a directory, binary, cut short, in the wrong encoding (UTF-16), or an output path that
cannot be written. Each case must end with exactly one line ``plebiscite: ...`` on standard
error and the exit status ``docs/runbook.md`` documents (2 for bad input, 6 for a database
that is not a board, 7 for a corrupt record), must not raise, and must not create the file
it was given. (``forensics`` and ``legitimacy`` have their own tests.)
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from plebiscite.crypto import keyfile
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.manifest_load import parse_manifest
from plebiscite.interfaces import cli
from plebiscite.services.ceremony.steps import TrusteeState, key_file_purpose

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "seed-referendum" / "manifest.toml"
KINDS = ["missing", "empty", "directory", "binary", "truncated", "utf16"]


@dataclass(frozen=True)
class Fixture:
    root: Path
    db: str
    roll: Path
    roll_key: Path
    trustee_key: Path
    board_key: Path
    record: Path

    def fresh(self, name: str) -> Path:
        return self.root / "fresh" / name


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    root = tmp_path_factory.mktemp("bad-files")
    db = str(root / "board.sqlite")
    roll, roll_key = root / "roll.csv", root / "roll.key"
    cli.main(["roll", "generate", "--manifest", str(SEED), "--voters", "30", "--out", str(roll)])
    cli.main(["roll", "keygen", "--out", str(roll_key)])
    board_key = root / "board.key"
    cli.main(["election", "publish", "--db", db, "--manifest", str(SEED), "--roll", str(roll),
              "--roll-key", str(roll_key), "--board-key", str(board_key)])  # fmt: skip
    cli.main(["board", "sign", "--db", db, "--board-key", str(board_key)])
    record = root / "record"
    cli.main(["board", "export", "--db", db, "--out", str(record)])
    manifest = parse_manifest(SEED.read_text(encoding="utf-8"), str(SEED))
    state = TrusteeState.create(1, manifest_hash(manifest))
    trustee_key = root / "trustee-1.key"
    trustee_key.write_text(
        keyfile.seal(state.to_json(), "pw", key_file_purpose(manifest.id, 1), ops=1, mem=8192)
    )
    (root / "fresh").mkdir()
    (root / "plain-file").write_text("a file, not a folder\n")
    return Fixture(root, db, roll, roll_key, trustee_key, board_key, record)


def bad_file(fx: Fixture, kind: str, valid: Path, name: str) -> Path:
    """A bad stand-in for the file ``valid`` (a new path each time)."""
    path = fx.fresh(f"{name}-{kind}{valid.suffix}")
    if kind == "missing":
        return path
    if kind == "directory":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 8)
    elif kind == "truncated":
        data = valid.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "utf16":
        path.write_bytes(valid.read_bytes().decode("latin-1").encode("utf-16"))
    return path


def bad_record(fx: Fixture, kind: str, name: str) -> Path:
    """A bad stand-in for an exported record folder."""
    path = fx.fresh(f"{name}-record-{kind}")
    if kind == "missing":
        return path
    if kind == "directory":  # the folder slot's odd one out: a file where a folder belongs
        path.write_text("not a folder\n")
        return path
    shutil.copytree(fx.record, path)
    events = path / "events.jsonl"
    if kind == "empty":
        for child in path.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    elif kind == "binary":
        events.write_bytes(bytes(range(256)) * 8)
    elif kind == "truncated":
        data = events.read_bytes()
        events.write_bytes(data[: len(data) // 2])
    elif kind == "utf16":
        events.write_bytes(events.read_text(encoding="utf-8").encode("utf-16"))
    return path


# (name, argv builder taking the bad path, the valid file it stands in for, allowed exit codes)
Case = tuple[str, Callable[[Fixture, Path], list[str]], Callable[[Fixture], Path], set[int]]

INPUTS: list[Case] = [
    ("manifest check", lambda f, p: ["manifest", "check", str(p)], lambda f: SEED, {2}),
    (
        "roll generate --manifest",
        lambda f, p: [
            "roll",
            "generate",
            "--manifest",
            str(p),
            "--voters",
            "3",
            "--out",
            str(f.fresh("gen.csv")),
        ],  # fmt: skip
        lambda f: SEED,
        {2},
    ),
    (
        "roll check",
        lambda f, p: ["roll", "check", "--manifest", str(SEED), str(p)],
        lambda f: f.roll,
        {2},
    ),
    (
        "roll commit --key-file",
        lambda f, p: ["roll", "commit", "--manifest", str(SEED), "--key-file", str(p), str(f.roll)],
        lambda f: f.roll_key,
        {2},
    ),
    (
        "election publish --roll",
        lambda f, p: [
            "election",
            "publish",
            "--db",
            str(f.fresh("new.sqlite")),
            "--manifest",
            str(SEED),
            "--roll",
            str(p),
            "--roll-key",
            str(f.roll_key),
        ],  # fmt: skip
        lambda f: f.roll,
        {2},
    ),
    (
        "election publish --roll-key",
        lambda f, p: [
            "election",
            "publish",
            "--db",
            str(f.fresh("new.sqlite")),
            "--manifest",
            str(SEED),
            "--roll",
            str(f.roll),
            "--roll-key",
            str(p),
        ],  # fmt: skip
        lambda f: f.roll_key,
        {2},
    ),
    (
        "trustee decrypt --key",
        lambda f, p: ["trustee", "decrypt", "--db", f.db, "--key", str(p)],
        lambda f: f.trustee_key,
        {2, 4},  # 4: damaged cryptographic container (a cut key file)
    ),
    (
        "receipt --receipt",
        lambda f, p: ["receipt", "ab" * 32, "--record", str(f.record), "--receipt", str(p)],
        lambda f: f.roll,
        {2},
    ),
    (
        "serve --board-key",
        lambda f, p: ["serve", "--db", f.db, "--board-key", str(p), "--port", "1"],
        lambda f: f.board_key,
        {2},
    ),
    (
        "paper protocol",
        lambda f, p: ["paper", "protocol", str(p), "--db", f.db],
        lambda f: f.roll,
        {2},
    ),
    (
        "election show --db",
        lambda f, p: ["election", "show", "--db", str(p)],
        lambda f: Path(f.db),
        {2, 6},  # 6: a database that is not a board
    ),
]

RECORDS: list[tuple[str, Callable[[Path], list[str]]]] = [
    ("board check-export", lambda p: ["board", "check-export", str(p)]),
    ("verify", lambda p: ["verify", str(p)]),
]

OUTPUTS: list[tuple[str, Callable[[Fixture, Path], list[str]]]] = [
    (
        "roll generate --out",
        lambda f, p: [
            "roll",
            "generate",
            "--manifest",
            str(SEED),
            "--voters",
            "3",
            "--out",
            str(p),
        ],
    ),  # fmt: skip
    ("roll keygen --out", lambda f, p: ["roll", "keygen", "--out", str(p)]),
    (
        "roll commit --json",
        lambda f, p: [
            "roll",
            "commit",
            "--manifest",
            str(SEED),
            "--key-file",
            str(f.roll_key),
            "--json",
            str(p),
            str(f.roll),
        ],
    ),  # fmt: skip
    ("board export --out", lambda f, p: ["board", "export", "--db", f.db, "--out", str(p)]),
    ("verify --json", lambda f, p: ["verify", str(f.record), "--json", str(p)]),
]


def one_line_failure(capsys: pytest.CaptureFixture[str], argv: list[str], allowed: set[int]) -> str:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert exc.value.code in allowed, (argv, exc.value.code, err)
    assert len(lines) == 1 and lines[0].startswith("plebiscite: "), (argv, err)
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", INPUTS, ids=[c[0] for c in INPUTS])
def test_input_files(
    fx: Fixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: Case,
    kind: str,
) -> None:
    name, argv, valid, allowed = case
    monkeypatch.setenv("PLEBISCITE_PASSPHRASE", "pw")
    path = bad_file(fx, kind, valid(fx), name.replace(" ", "-"))
    one_line_failure(capsys, argv(fx, path), allowed)
    if kind == "missing":
        assert not path.exists()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", RECORDS, ids=[c[0] for c in RECORDS])
def test_record_folders(
    fx: Fixture,
    capsys: pytest.CaptureFixture[str],
    case: tuple[str, Callable[[Path], list[str]]],
    kind: str,
) -> None:
    name, argv = case
    allowed = {2, 7, 8} if name == "verify" else {2, 7}  # 8: a verifier check fails
    one_line_failure(capsys, argv(bad_record(fx, kind, name.replace(" ", "-"))), allowed)


@pytest.mark.parametrize("case", OUTPUTS, ids=[c[0] for c in OUTPUTS])
def test_unwritable_outputs(
    fx: Fixture, capsys: pytest.CaptureFixture[str], case: tuple[str, Callable[..., list[str]]]
) -> None:
    _, argv = case
    target = fx.root / "plain-file" / "out"  # under a file: no one can create it, not even root
    one_line_failure(capsys, argv(fx, target), {2})


def test_manifest_check_reads_a_records_manifest_json(
    fx: Fixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """The manifest.json of an exported record is the manifest event's payload; the check
    reads it (and its hash), as legitimacy does. The schedule names locations' own hours."""
    capsys.readouterr()
    cli.main(["manifest", "check", str(fx.record / "manifest.json")])
    out = " ".join(capsys.readouterr().out.split())
    assert "seed-2022" in out and "8 of 24 locations: 10:00-18:00" in out
    forged = fx.fresh("forged-manifest.json")
    payload = json.loads((fx.record / "manifest.json").read_text())
    payload["hash"] = "00" * 64
    forged.write_text(json.dumps(payload))
    line = one_line_failure(capsys, ["manifest", "check", str(forged)], {2})
    assert "hash" in line
