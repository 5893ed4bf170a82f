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
    import torch

    x = torch.ones(16, 16)
    assert measure(lambda: x @ x, sync="torch", repeats=3, number=3).median_s > 0


@pytest.mark.parametrize(
    "kwargs, message", [({"repeats": 2}, "at least 3"), ({"warmup": 0}, "warmup"), ({"sync": "jax"}, "sync must be")]
)
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


# --- knowing when a measurement cannot be trusted ---------------------------------------------


def test_a_noisy_sample_is_flagged_in_str_and_in_the_table():
    import utils.timing as timing

    noisy = Timing("eager", median_s=0.011, iqr_s=0.046, repeats=7, calls_per_repeat=1, load_average=0.5, cpu_count=2)
    assert noisy.unreliable and "IQR" in noisy.unreliable[0]
    assert timing.UNRELIABLE_MARK in str(noisy)
    quiet = Timing(
        "compiled", median_s=0.010, iqr_s=0.0001, repeats=7, calls_per_repeat=1, load_average=0.5, cpu_count=2
    )
    table = ratio_table([noisy, quiet])
    warnings = [line for line in table.splitlines() if line.startswith(timing.UNRELIABLE_MARK)]
    assert len(warnings) == 1 and "(eager)" in warnings[0]


def test_an_iqr_just_under_the_limit_is_not_flagged():
    from utils.timing import IQR_LIMIT

    ok = Timing("ok", median_s=1.0, iqr_s=IQR_LIMIT * 0.99, repeats=7, calls_per_repeat=1)
    assert ok.unreliable == [] and ok.warning == "" and "UNRELIABLE" not in str(ok)


def test_a_load_average_above_the_core_count_during_measure_is_flagged(monkeypatch):
    import utils.timing as timing

    monkeypatch.setattr(timing.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(timing, "load_average", lambda: 5.0)
    result = measure(lambda: None, warmup=1, repeats=3, number=10)
    assert result.load_average == 5.0 and result.cpu_count == 2
    assert any("load average 5.0 on 2 cores" in r for r in result.unreliable)
    assert timing.UNRELIABLE_MARK in ratio_table([result])


def test_a_quiet_measurement_is_not_flagged(monkeypatch):
    import utils.timing as timing

    monkeypatch.setattr(timing.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(timing, "load_average", lambda: 0.3)

    class SteadyTimer:  # every batch takes exactly 3 ms, so the IQR is 0
        def __init__(self, stmt):
            self.stmt = stmt

        def repeat(self, repeat, number):
            return [0.003] * repeat

    monkeypatch.setattr(timing.timeit, "Timer", SteadyTimer)
    result = measure(lambda: None, warmup=1, repeats=5, number=3)
    assert result.median_s == pytest.approx(0.001) and result.iqr_s == 0 and result.unreliable == []
    assert "UNRELIABLE" not in str(result) and "UNRELIABLE" not in ratio_table([result])


def test_no_load_average_on_the_platform_is_not_an_error(monkeypatch):
    import utils.timing as timing

    def no_loadavg():
        raise OSError("no load average here")

    monkeypatch.setattr(timing.os, "getloadavg", no_loadavg)
    assert timing.load_average() is None
    assert measure(lambda: None, warmup=1, repeats=3, number=10).load_average is None


# --- Apple mps synchronisation ------------------------------------------------------------------


@pytest.mark.parametrize("mps_available", [True, False])
def test_torch_sync_waits_for_mps_when_it_is_in_use(monkeypatch, mps_available):
    import torch

    calls = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps_available)
    monkeypatch.setattr(torch.mps, "synchronize", lambda: calls.append("mps"))
    measure(lambda: 1, warmup=2, repeats=3, number=4, sync="torch")
    assert calls == (["mps"] * (2 + 3) if mps_available else [])


@pytest.mark.parametrize(
    "ratio, expected",
    [
        (2.0, "2.00x the speed of eager in this run: faster than eager"),
        (0.5, "slower than eager"),
        (1.05, "about as fast as eager"),
        (0.95, "about as fast as eager"),
    ],
)
def test_read_ratio_says_what_the_number_says(ratio, expected):
    from utils.timing import read_ratio

    assert expected in read_ratio(ratio, "torch.compile", "eager")


def test_the_load_limit_is_per_core_with_slack_for_the_benchmark_itself():
    from utils.timing import LOAD_PER_CORE_LIMIT

    at_limit = Timing("x", 1.0, 0.0, 7, 1, load_average=LOAD_PER_CORE_LIMIT * 2, cpu_count=2)
    over = Timing("x", 1.0, 0.0, 7, 1, load_average=LOAD_PER_CORE_LIMIT * 2 + 0.1, cpu_count=2)
    busy_with_itself = Timing("x", 1.0, 0.0, 7, 1, load_average=2.2, cpu_count=2)  # one 2-thread benchmark
    assert at_limit.unreliable == [] and busy_with_itself.unreliable == []
    assert over.unreliable and "load average" in over.unreliable[0]


def test_the_iqr_is_numpy_percentiles_not_the_range_of_three_batches(monkeypatch):
    """Quartiles interpolate between the sorted batches (numpy.percentile's default), so one slow batch of three
    counts for half its distance, not all of it (statistics.quantiles' default would give the full range)."""
    import numpy as np

    import utils.timing as timing

    batches = [0.010, 0.011, 0.014]

    class FixedTimer:
        def __init__(self, stmt):
            pass

        def repeat(self, repeat, number):
            return list(batches)

    monkeypatch.setattr(timing.timeit, "Timer", FixedTimer)
    result = measure(lambda: None, warmup=1, repeats=3, number=1)
    q1, q3 = np.percentile(batches, [25, 75])
    assert result.iqr_s == pytest.approx(q3 - q1) == pytest.approx(0.002)


def test_product_times_are_real_buckets():
    from utils.timing import product_times

    medians = product_times(seconds=0.5, bucket_s=0.05, size=64)
    assert len(medians) >= 5 and all(0 < m < 0.05 for m in medians)
    with pytest.raises(ValueError, match="probe for longer"):
        product_times(seconds=0.01, bucket_s=0.05, size=64)


def test_busy_share_counts_buckets_slower_than_the_fastest():
    from utils.timing import busy_share

    steady, spell = [1.0] * 10, [1.0] * 7 + [1.5] * 3
    assert busy_share(steady) == 0.0
    assert busy_share(spell) == 0.3
    assert busy_share([1.3] * 10) == 0.0  # slow throughout: invisible on its own...
    assert busy_share([1.3] * 10, fastest=1.0) == 1.0  # ...but not against a faster earlier probe


def test_wait_until_quiet_needs_quiet_probes_in_a_row():
    from utils.timing import wait_until_quiet

    quiet, busy = [1.0] * 10, [1.0] * 5 + [1.5] * 5
    probes = iter([busy, quiet, busy, quiet, quiet, busy])
    calls = []

    def probe():
        calls.append(1)
        return next(probes)

    assert wait_until_quiet(time.monotonic() + 10, probe, pause_s=0) == (True, 1.0)
    assert len(calls) == 5  # the quiet probe after a busy one does not count; two in a row do


def test_wait_until_quiet_compares_with_the_fastest_probe_so_far():
    from utils.timing import wait_until_quiet

    probes = iter([[1.0] * 10, [1.3] * 10, [1.3] * 10, [1.0] * 10, [1.0] * 10])
    assert wait_until_quiet(time.monotonic() + 10, lambda: next(probes), pause_s=0)[0]
    assert next(probes, "spent") == "spent"  # the two uniformly slow probes did not count as quiet


def test_wait_until_quiet_remembers_a_faster_machine_state_from_before():
    from utils.timing import wait_until_quiet

    slow = [1.3] * 10  # steady, but 30 % slower than this machine was seen before
    assert wait_until_quiet(time.monotonic() + 0.3, lambda: slow, pause_s=0.05, fastest=1.0) == (False, 1.0)
    assert wait_until_quiet(time.monotonic() + 1, lambda: slow, pause_s=0) == (True, 1.3)  # no memory: quiet


def test_wait_until_quiet_gives_up_at_the_deadline():
    from utils.timing import wait_until_quiet

    spell = [1.0] * 5 + [2.0] * 5
    assert not wait_until_quiet(time.monotonic() + 0.2, lambda: spell, pause_s=0.05)[0]
    assert wait_until_quiet(time.monotonic() - 1, lambda: [1.0] * 10, fastest=2.0) == (False, 2.0)  # no probe at all


def test_the_fastest_probe_is_kept_per_machine_and_only_improves(tmp_path, monkeypatch):
    from utils import timing

    monkeypatch.setattr(timing, "QUIET_REFERENCE", tmp_path / "artifacts" / "quiet-host.json")
    assert timing.fastest_probe() is None
    assert timing.fastest_probe(update=2.0) == 2.0
    assert timing.fastest_probe(update=3.0) == 2.0  # a slower probe does not raise the bar
    assert timing.fastest_probe(update=1.5) == 1.5
    monkeypatch.setattr(timing, "machine_key", lambda: "another CPU, 2 CPUs")
    assert timing.fastest_probe() is None  # another machine starts afresh
