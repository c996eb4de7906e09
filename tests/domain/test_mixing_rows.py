"""Rows, chunks, contexts, final tags and the filter of the deniable override (protocol 12).

Known-answer style: small synthetic ciphertexts whose plaintexts the test knows, so every
function's result can be stated exactly.
"""

from __future__ import annotations

import pytest

from plebiscite.crypto.ballot import encrypt_answer
from plebiscite.crypto.elgamal import Ciphertext, KeyPair, encrypt
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.hashing import hash_bytes
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.tagging import prove_tag_shares
from plebiscite.domain import mixing
from plebiscite.domain.ballot import Ballot, encrypt_tag, region_specs
from plebiscite.domain.manifest import Manifest
from plebiscite.errors import EncodingError, InputError

RNG = SeededRng(b"domain mixing tests")
KEY = KeyPair.generate(RNG)


def _enc(m: int) -> Ciphertext:
    return encrypt(KEY.public, m, RNG.scalar())


def _dec(ct: Ciphertext) -> Point:
    return ct.beta - ct.alpha * KEY.secret


def test_rows_follow_the_spec_layout() -> None:
    tag = _enc(7)
    answers = [[_enc(1), _enc(0)], [_enc(0), _enc(0), _enc(1)]]
    assert mixing.booth_row(tag) == (tag,)
    row = mixing.home_row(tag, answers)
    assert row == (tag, *answers[0], *answers[1])
    assert mixing.row_width(mixing.HOME, [2, 3]) == len(row) == 6
    assert mixing.row_width(mixing.BOOTH, [2, 3]) == 1
    with pytest.raises(InputError, match="unknown batch"):
        mixing.row_width("mail", [2])


def test_rows_are_split_by_region_and_batch_in_board_order() -> None:
    t = [_enc(i) for i in range(4)]
    rows = mixing.rows_from_pieces(
        [("r1", True, t[0], [[t[0]]]), ("r1", False, t[1], [[t[2]]]), ("r2", True, t[3], [])]
    )
    assert rows["r1"].booth == [(t[0],)] and rows["r1"].home == [(t[1], t[2])]
    assert rows["r2"].booth == [(t[3],)] and rows["r2"].home == []
    assert rows["r1"].batch(mixing.HOME) is rows["r1"].home


def _payload(location: str, tag: Ciphertext, answers: list[list[Ciphertext]]) -> dict[str, object]:
    return {
        "ballot": {
            "location": location,
            "tag": {"ciphertext": tag.to_json(), "proof": {}},
            "answers": [{"selections": [ct.to_json() for ct in a]} for a in answers],
        }
    }


def test_rows_from_cast_payloads(seed: Manifest) -> None:
    tag, home_tag, yes = _enc(1), _enc(2), _enc(1)
    rows = mixing.rows_from_cast(
        seed, [_payload("dn-0101-rs", tag, [[yes]]), _payload("dn-0101-mt", home_tag, [[yes]])]
    )
    assert rows["donetsk"].booth == [(tag,)]
    assert rows["donetsk"].home == [(home_tag, yes)]
    with pytest.raises(EncodingError, match="lacks its location, tag or answers"):
        mixing.rows_from_cast(seed, [{"ballot": {"location": "dn-0101-rs", "answers": []}}])


def test_chunks_cover_every_row_once_last_shorter() -> None:
    rows = [(_enc(i),) for i in range(10)]
    assert mixing.chunk_count(10, 4) == 3 and mixing.chunk_count(0, 4) == 0
    parts = [mixing.chunk(rows, 4, i) for i in range(3)]
    assert [len(p) for p in parts] == [4, 4, 2]
    assert [r for p in parts for r in p] == rows
    with pytest.raises(InputError):
        mixing.chunk(rows, 4, 3)
    with pytest.raises(InputError):
        mixing.chunk_count(3, 0)


def test_a_chunk_that_fits_the_event_size() -> None:
    assert mixing.fitting_chunk_rows(1, 4 * 1024 * 1024) == mixing.DEFAULT_CHUNK_ROWS
    wide = mixing.fitting_chunk_rows(12, 4 * 1024 * 1024)
    assert 1000 < wide < mixing.DEFAULT_CHUNK_ROWS
    assert wide * (140 * 12 + 5 * 68) < 4 * 1024 * 1024


def test_contexts_hash_exactly_the_spec_inputs() -> None:
    ctx = b"\x01" * 64
    assert mixing.shuffle_ctx(ctx, "r", "home", 2) == hash_bytes("shuffle", ctx, "r", "home", 2)
    assert mixing.conversion_ctx(ctx, "r", 3) == hash_bytes("tag-conversion", ctx, "r", 3)
    assert mixing.decryption_ctx(ctx, "r", "booth", 0, 1) == hash_bytes(
        "tag-decryption", ctx, "r", "booth", 0, 1
    )
    assert mixing.shuffle_ctx(ctx, "r", "home", 2) != mixing.shuffle_ctx(ctx, "r", "booth", 2)


def test_final_tags_from_the_k_lowest_valid_trustees() -> None:
    a = RNG.scalar()
    xs = {i: KEY.secret + a * Scalar(i) for i in (1, 2, 3)}  # 2-of-3 sharing
    tags = [_enc(5), _enc(9)]
    shares = {i: prove_tag_shares(b"c", xs[i], tags, RNG).shares for i in (1, 2, 3)}
    assert mixing.decrypting_group([3, 1, 2], 2) == [1, 2]
    with pytest.raises(InputError, match="1 trustees posted valid tag shares, 2 are needed"):
        mixing.decrypting_group([3], 2)
    for group in ([1, 2], [2, 3], [1, 3]):
        assert mixing.final_tags(tags, shares, group) == [_dec(ct).encode() for ct in tags]


def test_the_filter_keeps_home_rows_without_a_booth_tag() -> None:
    booth = [b"v2", b"v5"]
    home = [b"v1", b"v2", b"v3"]
    out = mixing.filter_region("r", booth, home)
    assert out.kept == (0, 2) and out.set_aside == 1 and out.findings == ()


def test_the_filter_names_repeated_tags() -> None:
    out = mixing.filter_region("r", [b"a", b"b", b"a"], [b"c", b"c"])
    assert out.findings == (
        "region r: booth row 2 repeats an earlier booth tag",
        "region r: home row 1 repeats an earlier home tag",
    )


def test_sum_kept_adds_columns_one_onwards_cut_by_question() -> None:
    rows = [
        mixing.home_row(_enc(0), [[_enc(1), _enc(0)], [_enc(1)]]),
        mixing.home_row(_enc(0), [[_enc(0), _enc(1)], [_enc(0)]]),
        mixing.home_row(_enc(0), [[_enc(1), _enc(0)], [_enc(1)]]),
    ]
    sums = mixing.sum_kept(rows, [0, 1], [2, 1])
    g = Point.base_mul
    assert [[_dec(ct) for ct in q] for q in sums] == [[g(Scalar(1)), g(Scalar(1))], [g(Scalar(1))]]
    empty = mixing.sum_kept(rows, [], [2, 1])
    assert [[_dec(ct) for ct in q] for q in empty] == [[Point.identity()] * 2, [Point.identity()]]
    with pytest.raises(InputError, match="home row 0 has 4 ciphertexts, 3 expected"):
        mixing.sum_kept(rows, [0], [2])


def test_the_door_to_door_cell_is_at_region_level() -> None:
    assert mixing.door_to_door_key("r1") == ("r1", "", "door_to_door", 0)


def test_ballot_pieces_read_the_parsed_ballot(seed: Manifest) -> None:
    ctx = b"\x02" * 64
    spec = region_specs(seed, "donetsk")[0]
    answer = encrypt_answer(KEY.public, ctx, spec, [1, 0], b"\x03" * 32, RNG)
    tag, _ = encrypt_tag(KEY.public, ctx, "dev", "00" * 16, "ab" * 16, RNG)
    ballot = Ballot("00" * 64, "dev", "dn-0101-mt", "00" * 16, "00" * 32, tag, (answer,))
    pieces = mixing.ballot_pieces(seed, ballot)
    assert pieces == ("donetsk", False, tag.ciphertext, [list(answer.selections)])
    payload = {"ballot": ballot.to_json()}
    assert mixing.cast_pieces(seed, payload) == pieces
