from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy import stats

from plebiscite.services.forensics.integer_percentages import (
    integer_percentages,
    integer_probability,
    is_integer_percent,
)
from plebiscite.services.forensics.synthetic import SyntheticElection, simulate_election


def _brute_integer(k: int, n: int) -> bool:
    x = Fraction(100 * k, n)
    return abs(x - round(x)) <= Fraction(1, 20)


def test_is_integer_percent_matches_exact_fractions() -> None:
    ks, ns = [], []
    for n in (1, 2, 3, 7, 100, 199, 200, 2000, 2001, 4000):
        for k in range(0, n + 1, max(1, n // 400)):
            ks.append(k)
            ns.append(n)
    got = is_integer_percent(np.array(ks), np.array(ns))
    want = np.array([_brute_integer(k, n) for k, n in zip(ks, ns, strict=True)])
    assert np.array_equal(got, want)
    # The border is inclusive: 2000 voters, 1 vote = 0.05 %.
    assert is_integer_percent(np.array([1]), np.array([2000]))[0]
    assert not is_integer_percent(np.array([1]), np.array([1999]))[0]


def test_integer_probability_is_the_binomial_mass_of_integer_outcomes() -> None:
    for n, p in ((100, 0.3), (157, 0.62), (1234, 0.55), (2000, 0.05)):
        k = np.arange(n + 1)
        mask = np.array([_brute_integer(int(i), n) for i in k])
        want = stats.binom.pmf(k[mask], n, p).sum()
        got = integer_probability(np.array([n]), np.array([p]))[0]
        assert abs(got - want) < 1e-9, (n, p, got, want)


def _run(e: SyntheticElection):  # type: ignore[no-untyped-def]
    t = e.table
    return integer_percentages(
        t.line("registered"), t.line("issued"), t.ballots_found, t.leader_votes
    )


def test_rounded_protocols_are_found(rounded_election: SyntheticElection) -> None:
    r = _run(rounded_election)
    # 5 % of 20,000 stations rewritten, about 1,000; most of them were not integer before.
    assert r.excess > 600
    assert r.z > 10
    assert r.p_value < 1e-12


def test_clean_elections_reject_at_the_stated_rate() -> None:
    # At alpha = 1 %, 40 clean elections should give about 0.4 rejections; 4 or more would
    # happen with probability < 1e-3 if the test were calibrated.
    rejections = 0
    for seed in range(40):
        e = simulate_election(np.random.default_rng(1000 + seed), 2_000)
        rejections += _run(e).p_value < 0.01
    assert rejections <= 3


def test_filters_follow_the_paper(clean_election: SyntheticElection) -> None:
    t = clean_election.table
    r = _run(clean_election)
    N, G, R, W = t.line("registered"), t.line("issued"), t.ballots_found, t.leader_votes
    keep = (R > 0) & (N >= 100) & (G / N <= 0.99) & (W / R <= 0.99)
    assert r.n_units == int(keep.sum())
    assert r.observed_leader + r.observed_turnout >= r.observed
