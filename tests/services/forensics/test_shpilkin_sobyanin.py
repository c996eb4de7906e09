from __future__ import annotations

import numpy as np

from plebiscite.services.forensics.shpilkin import shpilkin, turnout_bins
from plebiscite.services.forensics.sobyanin import sobyanin
from plebiscite.services.forensics.synthetic import SyntheticElection, simulate_election


def _args(e: SyntheticElection):  # type: ignore[no-untyped-def]
    t = e.table
    return t.line("registered"), t.ballots_found, t.leader_votes


def test_turnout_bins_are_whole_percent_floors() -> None:
    bins = turnout_bins(np.array([100, 3, 0, 200]), np.array([57, 2, 0, 200]))
    assert bins.tolist() == [57, 66, -1, 100]


def test_clean_election_has_no_excess(clean_election: SyntheticElection) -> None:
    sh = shpilkin(*_args(clean_election))
    assert abs(sh.excess_share) < 0.03
    assert abs(sh.clean_leader_share - sh.official_leader_share) < 0.02


def test_excess_is_close_to_the_votes_added() -> None:
    # Extreme fraud only: the fraud units leave the clean peak alone, so the estimate should
    # recover most of the added votes.
    e = simulate_election(np.random.default_rng(31), 20_000, f_extreme=0.1)
    clean = simulate_election(np.random.default_rng(31), 20_000)
    added = float(e.table.leader_votes.sum() - clean.table.leader_votes.sum())
    sh = shpilkin(*_args(e))
    assert added > 0
    assert 0.7 * added < sh.excess_votes < 1.3 * added


def test_sobyanin_slope_is_the_share_when_clean(clean_election: SyntheticElection) -> None:
    t = clean_election.table
    s = sobyanin(t.line("registered"), t.line("issued"), t.ballots_found, t.leader_votes)
    assert abs(s.slope - s.leader_share) < 0.05
    assert s.p_value > 0.001 or abs(s.slope - s.leader_share) < 0.02


def test_sobyanin_slope_exceeds_one_with_stuffing(stuffed_election: SyntheticElection) -> None:
    t = stuffed_election.table
    s = sobyanin(t.line("registered"), t.line("issued"), t.ballots_found, t.leader_votes)
    assert s.slope > 1.0
    assert s.others_slope < 0
    assert s.p_value < 1e-6


def test_sobyanin_reading_when_the_slope_could_not_be_fitted() -> None:
    from plebiscite.services.forensics.readings import sobyanin

    text = sobyanin({"slope": None, "others_slope": None, "leader_share": None})
    assert "not run" in text
