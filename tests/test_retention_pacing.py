"""The sweep's batches are sized by time: grown while short, shrunk when long."""

from __future__ import annotations

from receptionist.retention.pacing import Pace


def test_a_quick_batch_makes_the_next_larger_but_at_most_double() -> None:
    pace = Pace(size=1000, least=100, most=50_000, target=0.3)
    assert pace.took(1000, 0.1) == 2000  # three times as many would fit: doubled
    assert pace.took(2000, 0.2) == 3000  # half as many again fit


def test_a_slow_batch_makes_the_next_smaller_but_at_least_half() -> None:
    pace = Pace(size=4000, least=100, most=50_000, target=0.3)
    assert pace.took(4000, 0.6) == 2000
    assert pace.took(2000, 6.0) == 1000  # twenty times too slow: halved once


def test_sizes_stay_within_the_limits() -> None:
    pace = Pace(size=800, least=500, most=1200, target=0.3)
    assert pace.took(800, 0.01) == 1200
    assert pace.took(1200, 10.0) == 600
    assert pace.took(600, 10.0) == 500


def test_a_short_last_batch_is_read_by_its_rows_and_an_empty_one_changes_nothing() -> None:
    pace = Pace(size=1000, least=100, most=50_000, target=0.3)
    assert pace.took(300, 0.3) == 500  # 300 rows in the target: halved, not kept
    assert pace.took(0, 0.0) == 500
