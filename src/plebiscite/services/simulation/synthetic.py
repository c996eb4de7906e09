"""Synthetic cast ballots for tests and benchmarks (not a casting path).

Real ballots reach the board through the casting service, which checks the device, the
schedule, the roll and the proofs. Benchmarks of the tally and the verifier, and tests of the
count, need many well-formed ballots quickly and without a server: :func:`synthetic_ballots`
builds them exactly as the casting service records them (signed by one device per location,
chained tracking codes, server time within the location's opening hours), with the plaintext
choice alongside so a test can compare the decrypted count with the truth.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from plebiscite.crypto.ballot import encrypt_answer
from plebiscite.crypto.randomness import Rng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.ballot import CHECKIN_BYTES, Ballot, encrypt_tag, genesis_code, region_specs
from plebiscite.domain.manifest import LocationKind, Manifest
from plebiscite.errors import InputError
from plebiscite.record.events import Event, EventType
from plebiscite.services.election.definition import Election
from plebiscite.services.voting.records import sign_check_in


@dataclass(frozen=True)
class Synthetic:
    events: tuple[Event, Event]  # the device's check-in of the voter, then the ballot
    region: str
    choice: str  # the option id chosen for the region's first question

    @property
    def event(self) -> Event:
        """The ballot's entry."""
        return self.events[1]


def device_key(location_id: str) -> SigningKey:
    """A deterministic device key per location (synthetic data only)."""
    from plebiscite.crypto.hashing import hash_bytes

    return SigningKey(hash_bytes("synthetic-device", location_id)[:32])


def synthetic_ballots(
    election: Election,
    voters: int,
    rng: random.Random,
    crypto_rng: Rng,
    yes_share: float = 0.7,
) -> Iterator[Synthetic]:
    """One booth or door-to-door ballot for each of ``voters`` voters from the roll."""
    manifest: Manifest = election.require_manifest()
    if election.election_key is None:
        raise InputError("the board has no election key yet")
    key, context = election.election_key, election.context
    roll = sorted(election.voters.values(), key=lambda v: v.pseudonym)
    if voters > len(roll):
        raise InputError(f"{voters} ballots asked for, the roll has {len(roll)} voters")
    rng.shuffle(roll)
    by_precinct: dict[tuple[str, LocationKind], str] = {
        (loc.precinct_id, loc.kind): loc.id for loc in manifest.locations
    }
    codes: dict[str, str] = {}
    for voter in roll[:voters]:
        day = manifest.days[rng.randrange(len(manifest.days))]
        open_kinds = sorted({k for w in day.windows for k in w.kinds}, key=lambda k: k.value)
        if manifest.home_applications_required and not voter.home_voting:
            # a mobile team takes a ballot only from a voter who applied (the board refuses)
            open_kinds = [k for k in open_kinds if k.is_booth] or open_kinds
        kind = rng.choice(open_kinds)
        location_id = by_precinct[(voter.precinct_id, kind)]
        location = manifest.location_by_id[location_id]
        spans = [s for s in manifest.open_spans(location) if s[0].date() == day.date]
        start, end = spans[0]
        at = start + (end - start) * rng.random()
        region = voter.region_id
        choices = []
        answers = []
        for spec in region_specs(manifest, region):
            pick = 0 if rng.random() < yes_share else 1
            choice = [1 if i == pick else 0 for i in range(spec.n_options)]
            choices.append(pick)
            answers.append(
                encrypt_answer(key, context, spec, choice, rng.randbytes(32), crypto_rng)
            )
        device = f"synthetic-{location_id}"
        checkin = rng.randbytes(CHECKIN_BYTES).hex()
        signing = device_key(location_id)
        check_in = {
            "device": device,
            "checkin": checkin,
            "at": at.astimezone(dt.UTC).isoformat(),
            "signature": sign_check_in(signing, election.manifest_hash.hex(), device, checkin),
        }
        tag, _ = encrypt_tag(key, context, device, checkin, voter.pseudonym, crypto_rng)
        ballot = Ballot(
            election.manifest_hash.hex(),
            device,
            location_id,
            checkin,
            codes.get(device, genesis_code(election.manifest_hash, device)),
            tag,
            tuple(answers),
        )
        code = ballot.tracking_code()
        codes[device] = code
        payload = {
            "ballot": ballot.to_json(),
            "signature": ballot.sign(signing),
            "tracking_code": code,
            "received_at": at.astimezone(dt.UTC).isoformat(),
        }
        option = manifest.region_by_id[region].questions[0].options[choices[0]].id
        private = {"voter": voter.pseudonym}
        yield Synthetic(
            (
                Event.create(EventType.CHECK_IN, check_in, private=private),
                Event.create(EventType.BALLOT_CAST, payload, private=private),
            ),
            region,
            option,
        )


def enrolment_events(manifest: Manifest) -> list[Event]:
    """Enrol the synthetic device of every location (keys from :func:`device_key`)."""
    first = min(day.date for day in manifest.days)
    at = dt.datetime.combine(first, dt.time(0), manifest.zone) - dt.timedelta(days=1)
    return [
        Event.create(
            EventType.DEVICE_ENROLMENT,
            {
                "device": f"synthetic-{loc.id}",
                "location": loc.id,
                "public_key": device_key(loc.id).verify_key.hex(),
                "enrolled_at": at.isoformat(),
            },
        )
        for loc in manifest.locations
    ]
