from __future__ import annotations

import numpy as np

from plebiscite.services.forensics.fingerprint import fingerprint
from plebiscite.services.forensics.klimek import klimek_fit
from plebiscite.services.forensics.synthetic import SyntheticElection, simulate_election


def _fp(e: SyntheticElection):  # type: ignore[no-untyped-def]
    t = e.table
    return fingerprint(t.line("registered"), t.line("issued"), t.ballots_found, t.leader_votes)


def _fit(e: SyntheticElection):  # type: ignore[no-untyped-def]
    t = e.table
    return klimek_fit(t.line("registered"), t.ballots_found, t.leader_votes)


def test_corner_is_empty_when_clean(clean_election: SyntheticElection) -> None:
    fp = _fp(clean_election)
    assert fp.corner_units == 0
    assert fp.histogram.sum() == clean_election.table.n_units


def test_corner_holds_the_extreme_stations(stuffed_election: SyntheticElection) -> None:
    fp = _fp(stuffed_election)
    n_extreme = len(stuffed_election.extreme)
    # Extreme fraud of size 1 - |N(0, 0.075)| lands in the corner about half the time.
    assert 0.3 * n_extreme < fp.corner_units <= n_extreme + 50
    assert fp.corner_leader_vote_share > 0.05


def test_fit_finds_no_fraud_in_a_clean_election(clean_election: SyntheticElection) -> None:
    fit = _fit(clean_election)
    # Small incremental fraud (theta = 0.1) mimics ordinary noise, so f_i is not exactly 0.
    assert fit.f_incremental <= 0.1
    assert fit.f_extreme <= 0.005


def test_fit_recovers_injected_fraud(stuffed_election: SyntheticElection) -> None:
    fit = _fit(stuffed_election)
    assert abs(fit.f_extreme - 0.05) <= 0.025
    assert abs(fit.f_incremental - 0.3) <= 0.12
    assert fit.distance < fit.fair_distance / 2


def test_fit_recovers_extreme_fraud_alone() -> None:
    e = simulate_election(np.random.default_rng(21), 20_000, f_extreme=0.1)
    fit = _fit(e)
    assert abs(fit.f_extreme - 0.1) <= 0.015
    assert fit.f_incremental <= 0.05
