"""utils.timing: warm-up excluded, batches sized automatically, median per call, sync called.

These tests check the mechanics with counters and a known sleep, never a framework's speed.
"""

import time

import pytest

from utils.timing import Timing, measure, ratio_table


def test_warmup_calls_are_made_and_batches_are_sized():
    calls = []
    result = measure(lambda: calls.append(1), warmup=4, repeats=5, number=10)
    # 4 warm-up calls, then 5 batches of 10 timed calls
    assert len(calls) == 4 + 5 * 10
    assert result.repeats == 5 and result.calls_per_repeat == 10


def test_median_of_a_known_sleep_is_close():
    result = measure(lambda: time.sleep(0.002), warmup=1, repeats=3, number=5)
    assert 0.0019 < result.median_s < 0.05  # sleep never returns early; generous upper bound for a busy CI
    assert result.iqr_s >= 0


def test_autorange_makes_each_batch_last_long_enough():
    result = measure(lambda: None, warmup=1, repeats=3, min_time_s=0.01)
    assert result.calls_per_repeat > 100


def test_sync_runs_once_per_batch_and_per_warmup_call():
    synced = []
    measure(lambda: 42, warmup=2, repeats=3, number=7, sync=lambda result: synced.append(result))
    assert synced == [42] * (2 + 3)


def test_torch_sync_accepts_tensors():
    torch = pytest.importorskip("torch")
    x = torch.ones(16, 16)
    assert measure(lambda: x @ x, sync="torch", repeats=3, number=3).median_s > 0


@pytest.mark.parametrize("kwargs, message", [({"repeats": 2}, "at least 3"), ({"warmup": 0}, "warmup"),
                                             ({"sync": "jax"}, "sync must be")])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        measure(lambda: None, **kwargs)


def test_ratio_table_shows_speedups_against_the_first_row():
    slow = Timing("slow", 0.004, 0.0, 5, 1)
    fast = Timing("fast", 0.001, 0.0, 5, 1)
    table = ratio_table([slow, fast])
    assert "1.00x" in table.splitlines()[1]
    assert "4.00x" in table.splitlines()[2]
    with pytest.raises(ValueError):
        ratio_table([])
