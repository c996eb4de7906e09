"""Passphrase-protected key files: round trip, wrong passphrase, foreign file, damage."""

from __future__ import annotations

import json

import pytest

from plebiscite.crypto.keyfile import open_sealed, seal
from plebiscite.errors import CryptoError

FAST = {"ops": 1, "mem": 8 * 1024 * 1024}


def test_round_trip() -> None:
    text = seal({"x": "s3cr3t-value"}, "correct horse", "trustee 1 of R", **FAST)
    assert open_sealed(text, "correct horse", "trustee 1 of R") == {"x": "s3cr3t-value"}
    assert "s3cr3t" not in text


def test_wrong_passphrase_and_foreign_file() -> None:
    text = seal({"x": "01"}, "correct horse", "trustee 1 of R", **FAST)
    with pytest.raises(CryptoError, match="wrong passphrase"):
        open_sealed(text, "battery staple", "trustee 1 of R")
    with pytest.raises(CryptoError, match="belongs to 'trustee 1 of R', not to 'trustee 2 of R'"):
        open_sealed(text, "correct horse", "trustee 2 of R")


def test_damaged_files() -> None:
    text = seal({"x": "01"}, "pw", "p", **FAST)
    data = json.loads(text)
    with pytest.raises(CryptoError, match="not a plebiscite key file"):
        open_sealed(json.dumps({**data, "format": "x"}), "pw", "p")
    with pytest.raises(CryptoError, match="damaged"):
        open_sealed(json.dumps({**data, "nonce": "zz"}), "pw", "p")
    with pytest.raises(CryptoError, match="damaged"):
        open_sealed("[]", "pw", "p")
    with pytest.raises(CryptoError, match="unsupported"):
        open_sealed(json.dumps({**data, "kdf": {**data["kdf"], "alg": "scrypt"}}), "pw", "p")
    with pytest.raises(CryptoError, match="below the minimum"):
        open_sealed(json.dumps({**data, "kdf": {**data["kdf"], "ops": 0}}), "pw", "p")
    box = data["box"]
    flipped = box[:-2] + ("00" if box[-2:] != "00" else "01")
    with pytest.raises(CryptoError, match="wrong passphrase or damaged"):
        open_sealed(json.dumps({**data, "box": flipped}), "pw", "p")
    with pytest.raises(CryptoError, match="empty passphrase"):
        seal({}, "", "p")
