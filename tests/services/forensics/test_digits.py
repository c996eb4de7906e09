from __future__ import annotations

import numpy as np

from plebiscite.services.forensics.last_digit import last_digit
from plebiscite.services.forensics.second_digit import (
    BENFORD_SECOND,
    BENFORD_SECOND_MEAN,
    BENFORD_SECOND_VAR,
    second_digit,
    second_digits,
)


def test_benford_second_digit_law_matches_the_reference_table() -> None:
    # reference/forensics-audits.md section 0 (Mebane 2006).
    want = [0.11968, 0.11389, 0.10882, 0.10433, 0.10031, 0.09668, 0.09337, 0.09035, 0.08757, 0.085]
    assert np.allclose(BENFORD_SECOND, want, atol=5e-6)
    assert round(BENFORD_SECOND_MEAN, 4) == 4.1874
    assert round(BENFORD_SECOND_VAR, 4) == 8.2538


def test_second_digits_of_awkward_numbers() -> None:
    counts = np.array([9, 10, 19, 99, 100, 109, 999, 1000, 1090, 99999, 100000, 123456789])
    assert second_digits(counts).tolist() == [0, 9, 9, 0, 0, 9, 0, 0, 9, 0, 2]


def test_benford_counts_pass_at_the_stated_rate() -> None:
    rejections = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        counts = np.floor(10 ** rng.uniform(1, 5, 3000)).astype(np.int64)  # Benford data
        rejections += second_digit(counts).p_value < 0.01
    assert rejections <= 3


def test_invented_counts_fail_second_digit() -> None:
    rng = np.random.default_rng(5)
    # Made-up numbers that favour round figures: second digit always 0 or 5.
    counts = rng.integers(1, 10, 3000) * 100 + rng.choice([0, 50], 3000) + rng.integers(0, 10, 3000)
    r = second_digit(counts)
    assert r.p_value < 1e-6


def test_last_digit_uniform_passes_and_rounded_fails() -> None:
    rng = np.random.default_rng(6)
    rejections = sum(last_digit(rng.integers(100, 3000, 3000)).p_value < 0.01 for _ in range(40))
    assert rejections <= 3
    honest = rng.integers(100, 3000, 3000)
    rounded = honest.copy()
    rounded[:300] = (rounded[:300] // 10) * 10  # 10 % of protocols end in zero
    r = last_digit(rounded)
    assert r.p_value < 1e-6
    assert r.c05 > 0.25


def test_p05_counts_turnouts_ending_in_zero_or_five() -> None:
    r = last_digit(np.array([1, 2, 3, 4]), np.array([0.50, 0.551, 0.449, 1.2]))
    # 50 -> yes, 55 -> yes, 45 -> yes, capped 100 -> yes
    assert r.p05_turnout == 1.0
    r = last_digit(np.array([1]), np.array([0.51]))
    assert r.p05_turnout == 0.0
