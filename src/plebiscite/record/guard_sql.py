"""The casting rules' index tables on SQL: read a group's rows, write its changes.

``record/guard.py`` judges; this module moves the rows, inside the append transaction that
already holds the board's sequencing lock (a transaction-level advisory lock on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite). The primary keys of the tables are the rules'
last line: a second row for one tracking code, ciphertext, device, voter and region, or
check-in cannot be written by any writer, whatever it checked.

Each read is one statement per table the group touches (``IN`` lists, in chunks); each write
one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Table,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)

from plebiscite.record.guard import (
    COMMITMENT_KEY,
    Changes,
    DeviceRow,
    Keys,
    LocationRow,
    View,
    VoterRow,
)
from plebiscite.record.schema import (
    board_meta,
    cast_alphas,
    cast_check_ins,
    cast_codes,
    cast_devices,
    cast_locations,
    cast_roll,
    cast_voters,
)

_CHUNK = 512


class Lookup:
    """``SELECT columns WHERE key IN (...)`` with one bound parameter per key. The statement
    for each list length (rounded up to a power of two, the last key repeated) is built once
    and then served from SQLAlchemy's compiled cache: an ``expanding`` parameter would have
    the SQL rendered again at every execution, which costs more than running it."""

    def __init__(self, columns: Sequence[Any], keys: Sequence[Column[Any]]) -> None:
        self.columns = list(columns)
        self.keys = list(keys)
        self._by_size: dict[int, tuple[Any, list[str]]] = {}

    def _statement(self, size: int) -> tuple[Any, list[str]]:
        known = self._by_size.get(size)
        if known is None:
            where: ColumnElement[bool]
            names = [f"k{i}_{j}" for i in range(size) for j in range(len(self.keys))]
            if len(self.keys) == 1:
                where = self.keys[0].in_([bindparam(name) for name in names])
            else:
                # ``(a, b) = (?, ?) OR ...``, not ``(a, b) IN ((?, ?), ...)``: SQLite scans the
                # whole table for a row-value IN list, and searches the primary key once per
                # term for the OR.
                width = len(self.keys)
                where = or_(
                    *[
                        and_(
                            *[
                                key == bindparam(names[i * width + j])
                                for j, key in enumerate(self.keys)
                            ]
                        )
                        for i in range(size)
                    ]
                )
            known = self._by_size[size] = (select(*self.columns).where(where), names)
        return known

    def rows(self, connection: Connection, keys: Iterable[Any]) -> list[Any]:
        out: list[Any] = []
        items = sorted(keys)
        for at in range(0, len(items), _CHUNK):
            chunk = items[at : at + _CHUNK]
            size = 1 << (len(chunk) - 1).bit_length()
            chunk += [chunk[-1]] * (size - len(chunk))
            statement, names = self._statement(size)
            values = [v for key in chunk for v in (key if len(self.keys) > 1 else (key,))]
            out.extend(connection.execute(statement, dict(zip(names, values, strict=True))).all())
        return out


def _by_keys(table: Table, column: Column[Any]) -> Lookup:
    return Lookup(list(table.c), [column])


_CODES = _by_keys(cast_codes, cast_codes.c.code)
_ALPHAS = _by_keys(cast_alphas, cast_alphas.c.alpha)
_DEVICES = _by_keys(cast_devices, cast_devices.c.device)
_LOCATIONS = _by_keys(cast_locations, cast_locations.c.location)
_ROLL = Lookup(
    [cast_roll.c.voter, cast_roll.c.region, cast_roll.c.home_voting], [cast_roll.c.voter]
)
_VOTERS = _by_keys(cast_voters, cast_voters.c.voter)
_CHECK_INS = Lookup(list(cast_check_ins.c), [cast_check_ins.c.device, cast_check_ins.c.checkin])
_MANIFEST_HASH = select(board_meta.c.value).where(board_meta.c.key == "manifest_hash")


def _rows(connection: Connection, lookup: Lookup, keys: Iterable[Any]) -> list[Any]:
    return lookup.rows(connection, keys)


def read_view(
    connection: Connection,
    keys: Keys,
    closed_entry: int | None,
    locations: dict[str, LocationRow] | None = None,
) -> View:
    """The index rows of ``keys`` as the board holds them now. ``locations``: rows the caller
    already holds (they never change once the manifest is on the board); found ones are
    added to it."""
    view = View(closed_entry=closed_entry)
    if keys.manifest_hash:
        view.manifest_hash = connection.execute(_MANIFEST_HASH).scalar_one_or_none()
    for row in _rows(connection, _CODES, keys.codes):
        view.codes[row.code] = (int(row.idx), row.kind)
    for row in _rows(connection, _ALPHAS, keys.alphas):
        view.alphas.add(bytes(row.alpha))
    for row in _rows(connection, _DEVICES, keys.devices):
        view.devices[row.device] = _device(row)
    known = {} if locations is None else locations
    missing = {k for k in keys.locations if k not in known}
    for row in _rows(connection, _LOCATIONS, missing):
        known[row.location] = LocationRow(row.region, bool(row.booth), bool(row.by_application))
    view.locations = {k: known[k] for k in keys.locations if k in known}
    if keys.voters:
        for row in _rows(connection, _ROLL, keys.voters):
            view.roll[row.voter] = row.region
            if row.home_voting:
                view.home_voters.add(row.voter)
        if keys.codes:  # only ballots read the voters' ballots
            for row in _rows(connection, _VOTERS, keys.voters):
                view.voter_ballots[(row.voter, row.region)] = VoterRow(
                    row.home_code, row.home_at, row.booth_code, row.booth_at
                )
    for row in _rows(connection, _CHECK_INS, keys.check_ins):
        view.check_ins[(row.device, row.checkin)] = (str(row.voter), int(row.idx))
    return view


def _device(row: Any) -> DeviceRow:
    return DeviceRow(
        row.location,
        row.region,
        row.public_key,
        row.enrolled_at,
        row.chain_head,
        bool(row.revoked),
        int(row.chain_count),
        bool(row.ended),
    )


def _device_values(device_id: str, row: DeviceRow) -> dict[str, Any]:
    return {"device": device_id, **row.__dict__}


def _voter_values(key: tuple[str, str], row: VoterRow) -> dict[str, Any]:
    return {"voter": key[0], "region": key[1], **row.__dict__}


_INSERT = {t.name: insert(t) for t in (cast_locations, cast_roll, cast_devices, cast_codes,
                                       cast_alphas, cast_voters, cast_check_ins)}  # fmt: skip
_MOVE_DEVICE = (
    update(cast_devices)
    .where(cast_devices.c.device == bindparam("b_device"))
    .values(
        chain_head=bindparam("b_head"),
        revoked=bindparam("b_revoked"),
        chain_count=bindparam("b_count"),
        ended=bindparam("b_ended"),
    )
)
_HOME_BALLOT = (
    update(cast_voters)
    .where(
        cast_voters.c.voter == bindparam("b_voter"),
        cast_voters.c.region == bindparam("b_region"),
        cast_voters.c.home_code.is_(None),
    )
    .values(home_code=bindparam("b_code"), home_at=bindparam("b_at"))
)
_BOOTH_BALLOT = (
    update(cast_voters)
    .where(
        cast_voters.c.voter == bindparam("b_voter"),
        cast_voters.c.region == bindparam("b_region"),
        cast_voters.c.booth_code.is_(None),
    )
    .values(booth_code=bindparam("b_code"), booth_at=bindparam("b_at"))
)


def write_changes(connection: Connection, changes: Changes) -> None:
    """Write what :func:`~plebiscite.record.guard.judge` decided, in the same transaction."""

    def many(statement: Any, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            connection.execute(statement, list(rows))

    if changes.manifest_hash is not None:
        connection.execute(
            insert(board_meta).values(key="manifest_hash", value=changes.manifest_hash)
        )
    for region, commitment in changes.commitments.items():
        key = COMMITMENT_KEY.format(region)
        if connection.execute(select(board_meta.c.key).where(board_meta.c.key == key)).first():
            continue  # the region's earlier part wrote it (every part states the same one)
        connection.execute(insert(board_meta).values(key=key, value=commitment))
    many(
        _INSERT["cast_locations"],
        [
            {
                "location": i,
                "region": r.region,
                "booth": r.booth,
                "by_application": r.by_application,
            }
            for i, r in changes.locations
        ],
    )
    many(
        _INSERT["cast_roll"],
        [
            {"voter": v, "region": r, "precinct": p, "home_voting": h, "decision": d, "seq": s}
            for v, r, p, h, d, s in changes.roll
        ],
    )
    many(
        _INSERT["cast_devices"],
        [_device_values(d, row) for d, row in changes.new_devices.items()],
    )
    many(
        _MOVE_DEVICE,
        [
            {
                "b_device": d,
                "b_head": row.chain_head,
                "b_revoked": row.revoked,
                "b_count": row.chain_count,
                "b_ended": row.ended,
            }
            for d, row in changes.changed_devices.items()
        ],
    )
    many(
        _INSERT["cast_codes"],
        [{"code": c, "idx": i, "kind": k} for c, i, k in changes.codes],
    )
    many(_INSERT["cast_alphas"], [{"alpha": a, "idx": i} for a, i in changes.alphas])
    many(
        _INSERT["cast_voters"],
        [_voter_values(key, row) for key, row in changes.new_voters.items()],
    )
    # A changed voter row gains the kind it lacked; the ``IS NULL`` conditions keep a second
    # writer from overwriting a ballot another one recorded.
    old = changes.changed_voters
    many(
        _BOOTH_BALLOT,
        [
            {"b_voter": k[0], "b_region": k[1], "b_code": r.booth_code, "b_at": r.booth_at}
            for k, r in old.items()
            if r.booth_code is not None
        ],
    )
    many(
        _HOME_BALLOT,
        [
            {"b_voter": k[0], "b_region": k[1], "b_code": r.home_code, "b_at": r.home_at}
            for k, r in old.items()
            if r.home_code is not None
        ],
    )
    many(
        _INSERT["cast_check_ins"],
        [{"device": d, "checkin": c, "voter": v, "idx": i} for d, c, v, i in changes.check_ins],
    )


# --- what a stateless server asks between appends -----------------------------------------------


# Built once with bind parameters: building a statement costs more than running it.
_DEVICE = select(cast_devices).where(cast_devices.c.device == bindparam("device"))
_CODE = select(cast_codes.c.idx, cast_codes.c.kind).where(cast_codes.c.code == bindparam("code"))
_CHECK_IN_VOTER = select(cast_check_ins.c.voter).where(
    cast_check_ins.c.device == bindparam("device"), cast_check_ins.c.checkin == bindparam("checkin")
)


def device_row(connection: Connection, device_id: str) -> DeviceRow | None:
    row = connection.execute(_DEVICE, {"device": device_id}).first()
    return None if row is None else _device(row)


def all_devices(connection: Connection) -> dict[str, DeviceRow]:
    rows = connection.execute(select(cast_devices).order_by(cast_devices.c.device)).all()
    return {row.device: _device(row) for row in rows}


def code_row(connection: Connection, code: str) -> tuple[int, str] | None:
    row = connection.execute(_CODE, {"code": code}).first()
    return None if row is None else (int(row.idx), str(row.kind))


def check_in_row(connection: Connection, device_id: str, checkin: str) -> str | None:
    row = connection.execute(_CHECK_IN_VOTER, {"device": device_id, "checkin": checkin}).first()
    return None if row is None else str(row.voter)


def codes_page(
    connection: Connection, prefix: str, after: str, limit: int
) -> tuple[list[tuple[str, int, str]], int]:
    """Up to ``limit`` (code, leaf, kind) in code order, after ``after``, starting with
    ``prefix``; and how many codes start with ``prefix``."""
    where = cast_codes.c.code.startswith(prefix, autoescape=True)
    rows = connection.execute(
        select(cast_codes.c.code, cast_codes.c.idx, cast_codes.c.kind)
        .where(where, cast_codes.c.code > after)
        .order_by(cast_codes.c.code)
        .limit(limit)
    ).all()
    total = connection.execute(select(func.count()).select_from(cast_codes).where(where))
    return [(str(r.code), int(r.idx), str(r.kind)) for r in rows], int(total.scalar_one())


def roll_page(connection: Connection, offset: int, limit: int) -> list[tuple[str, str, str, bool]]:
    rows = connection.execute(
        select(cast_roll.c.voter, cast_roll.c.region, cast_roll.c.precinct, cast_roll.c.home_voting)
        .order_by(cast_roll.c.seq)
        .offset(offset)
        .limit(limit)
    ).all()
    return [(r.voter, r.region, r.precinct, bool(r.home_voting)) for r in rows]


def roll_counts(connection: Connection) -> dict[str, int]:
    from sqlalchemy import func

    rows: Sequence[Any] = connection.execute(
        select(cast_roll.c.region, func.count()).group_by(cast_roll.c.region)
    ).all()
    return {str(region): int(n) for region, n in rows}


def voters_without_ballot(connection: Connection, region: str, limit: int) -> list[str]:
    voted = select(cast_voters.c.voter).where(cast_voters.c.region == region)
    rows = connection.execute(
        select(cast_roll.c.voter)
        .where(cast_roll.c.region == region, cast_roll.c.voter.not_in(voted))
        .order_by(cast_roll.c.seq)
        .limit(limit)
    ).all()
    return [str(r.voter) for r in rows]
