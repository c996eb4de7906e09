from __future__ import annotations

import base64
import json
import re

from plebiscite.services.forensics import analyse, render_html
from plebiscite.services.forensics.synthetic import SyntheticElection

# The fields the issue promises under tests.<method>.
PROMISED = {
    "integer_percentages": {"observed", "expected", "excess", "z", "p_value", "n_units"},
    "fingerprint": {"corner_units", "corner_leader_vote_share", "f_incremental", "f_extreme"},
    "shpilkin": {"excess_votes", "clean_turnout"},
    "second_digit": {"mean", "chi2", "p_value"},
    "last_digit": {"mean", "chi2", "p_value"},
    "control_relations": {"checked", "failed"},
}


def test_report_has_the_promised_fields_and_is_strict_json(
    stuffed_election: SyntheticElection,
) -> None:
    steps: list[str] = []
    report = analyse(stuffed_election.table, input_format="synthetic", step=steps.append)
    for method, fields in PROMISED.items():
        assert fields <= set(report["tests"][method]), method
        assert report["tests"][method]["reading"]
        assert report["tests"][method]["reference"]
        assert report["tests"][method]["null"]
    assert set(report["readings"]) == set(report["tests"])
    text = json.dumps(report, allow_nan=False)
    assert json.loads(text)["tests"]["fingerprint"]["corner_units"] > 0
    assert "integer percentages" in steps
    assert len(report["regions"]) == 10
    scores = [r["score"] for r in report["regions"]]
    assert scores == sorted(scores, reverse=True)


def test_report_reads_clean_and_stuffed_differently(
    clean_election: SyntheticElection, stuffed_election: SyntheticElection
) -> None:
    clean = analyse(clean_election.table)["tests"]
    stuffed = analyse(stuffed_election.table)["tests"]
    assert clean["fingerprint"]["corner_units"] == 0
    assert stuffed["fingerprint"]["corner_units"] > 300
    assert stuffed["shpilkin"]["excess_votes"] > 10 * abs(clean["shpilkin"]["excess_votes"])
    assert clean["control_relations"]["failed"] == 0


def test_html_is_self_contained_with_pictures_and_regions(
    stuffed_election: SyntheticElection,
) -> None:
    report = analyse(stuffed_election.table)
    page = render_html(stuffed_election.table, report)
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 4  # fingerprint, comet, integer peaks, Shpilkin
    for data in images:
        assert base64.b64decode(data).startswith(b"\x89PNG")
    assert "Regions, most anomalous first" in page
    assert page.count("<tr>") >= 11
    assert "http://" not in page and "https://" not in page  # nothing fetched from outside
    assert report["readings"]["integer_percentages"] in page
