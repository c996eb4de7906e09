"""Two ``plebiscite serve`` processes on one PostgreSQL board, raced by clients (issue 15).

Plays the attacker who hopes that two stateless servers, each judging alone, let through
what one would refuse: the same voter's ballot sent at once to both servers from two devices
(a double vote), one signed ballot sent four times at once (a retry recorded twice), two
ballots continuing one device's chain head at once (a fork), one ciphertext copied into a
second voter's ballot and sent at once (a replay), one device id enrolled twice at once, a
door-to-door and a booth ballot of one voter at once, and ballots sent while voting closes.
Passing: exactly the outcomes the rules allow, every acknowledged ballot in the record once,
and the verifier passes on the record.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from harness import TOKEN, Server, check_record, setup_election

from plebiscite.crypto.group import Point
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest import LocationKind
from plebiscite.domain.rules import location_open
from plebiscite.services.voting.booth import Booth, PreparedBallot

ROUNDS = 6
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _race(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run ``calls`` at once (a barrier releases them together)."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _slug(response: httpx.Response) -> str:
    if response.status_code == 201:
        return "ok"
    return str(response.json().get("type", "")).rsplit(":", 1)[-1]


def test_two_servers_on_one_postgresql_board_allow_only_what_the_rules_allow(
    pg_url: str, tmp_path: Path
) -> None:
    # enough voters that every region keeps home-voting applicants after the booth rounds
    election = setup_election(pg_url, tmp_path / "board.key", voters=1000)
    manifest = election.manifest
    key = Point.from_hex(election.election_key)
    # Two makeshift stations of one region (both open at the start time), and that region's
    # mobile team if it is open then too.
    region = next(
        r
        for r in {r for _, r in election.stations}
        if sum(1 for _, x in election.stations if x == r) >= 2
    )
    s1, s2 = [loc for loc, r in election.stations if r == region][:2]
    servers = [Server(pg_url, election.key_file, election.start) for _ in range(2)]
    for server in servers:
        server.start()
    clients = [httpx.Client(base_url=s.url, timeout=60) for s in servers]
    receipts: dict[str, dict[str, Any]] = {}
    try:

        def booth(name: str, location: str) -> Booth:
            b = Booth(manifest, election.manifest_hash, key, name, location, SigningKey.generate())
            r = clients[0].post("/authority/devices", json=b.enrolment(), headers=AUTH)
            assert r.status_code == 201, r.text
            return b

        a, b, c, d, e, f = (booth(f"race-{n}", s1 if n in "ace" else s2) for n in "abcdef")
        voters = iter(election.take_voters(region, 14 * ROUNDS + 20))

        def prep(booth_: Booth, voter: str, vector: list[int]) -> PreparedBallot:
            """The device checks the voter in (through the first server), then encrypts."""
            r = clients[0].post(
                f"/devices/{booth_.device_id}/check-ins", json=booth_.check_in(voter)
            )
            assert r.status_code == 201, r.text
            return booth_.prepare_vectors(voter, [vector])

        def send(server: int, prepared: PreparedBallot) -> Callable[[], httpx.Response]:
            return lambda: clients[server].post("/ballots", json=prepared.cast_body())

        def keep(prepared: PreparedBallot, response: httpx.Response, booth_: Booth) -> None:
            if response.status_code == 201:
                booth_.accepted(prepared)
                receipts[prepared.tracking_code] = response.json()

        for _ in range(ROUNDS):
            # A double vote: one voter, two devices, two servers, at once.
            voter = next(voters)
            pa, pb = prep(a, voter, [1, 0]), prep(b, voter, [0, 1])
            ra, rb = _race([send(0, pa), send(1, pb)])
            assert sorted([_slug(ra), _slug(rb)]) == ["already-voted", "ok"]
            keep(pa, ra, a)
            keep(pb, rb, b)

            # A retry: one signed ballot four times at once over both servers.
            pc = prep(c, next(voters), [1, 0])
            answers = _race([send(i % 2, pc) for i in range(4)])
            assert [r.status_code for r in answers] == [201] * 4
            assert len({(r.json()["leaf_index"], r.json()["tracking_code"]) for r in answers}) == 1
            keep(pc, answers[0], c)

            # A fork: two ballots on one chain head at once.
            p1, p2 = (
                prep(d, next(voters), [1, 0]),
                prep(d, next(voters), [0, 1]),
            )
            r1, r2 = _race([send(0, p1), send(1, p2)])
            assert sorted([_slug(r1), _slug(r2)]) == ["chain-broken", "ok"]
            keep(p1, r1, d)
            keep(p2, r2, d)

            # A replay: a second voter's ballot carrying the first one's ciphertexts.
            pe = prep(e, next(voters), [1, 0])
            own = prep(f, next(voters), [1, 0])  # f's own check-in and tag, e's answers
            copied = dataclasses.replace(own.ballot, answers=pe.ballot.answers)
            pf = PreparedBallot(
                copied, copied.sign(f.key), copied.tracking_code(), b"", ((1, 0),), own.tag_opening
            )
            re_, rf = _race([send(0, pe), send(1, pf)])
            assert sorted([_slug(re_), _slug(rf)]) == ["ok", "replayed-ballot"]
            keep(pe, re_, e)
            keep(pf, rf, f)

        # One voter at the door and in a booth at once: both are recorded, in either order, and
        # neither receipt says which counts (the count decides by the tags).
        home = next(
            loc.id
            for loc in manifest.locations
            if loc.region_id == region
            and loc.kind is LocationKind.MOBILE_TEAM
            and location_open(manifest, loc, election.start)
        )
        g = booth("race-g", home)
        for voter in election.take_applicants(region, ROUNDS):
            ph, pa = prep(g, voter, [0, 1]), prep(a, voter, [1, 0])
            rh, ra = _race([send(0, ph), send(1, pa)])
            assert (rh.status_code, ra.status_code) == (201, 201), (rh.text, ra.text)
            assert not {"supersedes", "overruled_by"} & (set(rh.json()) | set(ra.json()))
            keep(ph, rh, g)
            keep(pa, ra, a)

        # One device id enrolled twice at once.
        twin = {
            "device": "race-twin",
            "location": s1,
            "public_key": SigningKey.generate().verify_key.hex(),
        }
        enrolments = _race(
            [
                lambda i=i: clients[i].post("/authority/devices", json=twin, headers=AUTH)
                for i in range(2)
            ]  # fmt: skip
        )
        assert sorted(r.status_code for r in enrolments) == [201, 409]

        # Ballots racing the close: each is acknowledged before the close entry, or refused.
        late = [(a, prep(a, next(voters), [1, 0]))]
        late += [(x, prep(x, next(voters), [0, 1])) for x in (b, c, d)]
        calls = [send(i % 2, p) for i, (_, p) in enumerate(late)]
        calls.append(lambda: clients[1].post("/authority/close", headers=AUTH))
        answers = _race(calls)
        closed_at = answers[-1].json()["leaf_index"]
        for (device, prepared), r in zip(late, answers[:-1], strict=True):
            assert _slug(r) in ("ok", "voting-closed"), r.text
            if r.status_code == 201:
                assert r.json()["leaf_index"] < closed_at
                keep(prepared, r, device)
    finally:
        for client in clients:
            client.close()
        for server in servers:
            server.stop()

    summary = check_record(election, receipts, tmp_path / "record", sample=5)
    assert summary["receipts_missing"] == 0 and summary["receipts_wrong"] == 0
    assert summary["duplicate_tracking_codes"] == 0
    assert summary["voters_with_two_cast"] == 0
    assert summary["verify_ok"], summary["verify_failed_checks"]
    assert summary["ballots_on_board"] == len(receipts)
