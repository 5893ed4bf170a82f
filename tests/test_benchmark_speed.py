"""Smoke test of benchmarks/speed.py: tiny sizes, eager modes only, a few repeats. Checks the JSON and the plot.

The full ladder is never run here (it takes minutes); no timing is asserted, only that each was measured.
"""

from __future__ import annotations

import json
import subprocess
import sys

from utils import REPO_ROOT

SCRIPT = REPO_ROOT / "benchmarks" / "speed.py"


def test_quick_run_writes_json_with_machine_description_and_a_plot(tmp_path):
    out = tmp_path / "quick.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--eager-only", "--rounds", "3", "--threads", "1", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["schema"] == 1
    for key in (
        "cpu_model",
        "logical_cores",
        "usable_cores",
        "python",
        "numpy",
        "gpus",
        "load_average_start",
        "flags",
        "bf16_units",
        "kernels",
        "numpy_threadpools",
    ):
        assert key in result["machine"], f"machine description lacks {key}"
    assert result["settings"]["ladder"] == "quick" and result["settings"]["threads"] == 1
    assert set(result["frameworks"]) == {"torch", "tf"}
    for fw, data in result["frameworks"].items():
        if "skipped" in data:  # a machine without this framework (the GPU box has no TensorFlow)
            continue
        assert "error" not in data, f"{fw}: {data.get('error')}"
        assert data["version"] and data["device"]
        assert data["threads"]["intra_op"] == 1, f"{fw} did not take the thread setting: {data['threads']}"
        rungs = {(r["rung"], r["task"]) for r in data["ladder"] if "median_ms" in r}
        assert rungs == {(rung, task) for rung in ("tiny", "small") for task in ("inference", "train")}, rungs
        for row in data["ladder"] + data["dispatch"]:
            assert row.get("median_ms", row.get("us_per_op", 0)) > 0, row
            assert row["first_call_s"] > 0
        assert {m["library"] for m in data["matmul"]} >= {"numpy"}
        assert all(m["gflops"] > 0 for m in data["matmul"])
    assert "verdict" in result["c15"]
    assert result["measurements"] > 0 and 0 <= result["unreliable_measurements"] <= result["measurements"]
    png = out.with_suffix(".png")
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "the plot was not written"
    assert png.stat().st_size > 5_000


# ---------------------------------------------------------------------------------------------------------------
# pairs.speed's pieces, without timing anything that matters
# ---------------------------------------------------------------------------------------------------------------

CPUINFO_AMX = """processor\t: 0
vendor_id\t: GenuineIntel
flags\t\t: fpu avx2 fma avx512f avx512_bf16 amx_bf16 amx_tile amx_int8
"""
CPUINFO_PLAIN = """processor\t: 0
flags\t\t: fpu avx2 fma avx512f avx512_vnni
"""


def test_cpu_flags_and_bf16_units_from_cpuinfo():
    from pairs.speed import bf16_units, cpu_flags

    assert bf16_units(cpu_flags(CPUINFO_AMX)) == ["avx512_bf16", "amx_bf16"]
    assert bf16_units(cpu_flags(CPUINFO_PLAIN)) == []
    assert bf16_units({"avx512_bf16"}) == ["avx512_bf16"]  # AMD Zen 4/5: AVX512-BF16 without AMX
    assert cpu_flags("processor : 0\n") == set()


def test_this_machines_flags_are_read():
    from pairs.speed import cpu_flags

    flags = cpu_flags()
    assert not flags or "fpu" in flags or any(f.startswith(("sse", "neon", "fp")) for f in flags)


def test_peak_arithmetic_and_every_record_has_its_peak_on_file():
    from pairs.speed import PEAKS, clock_ghz, cpu_records, peak_gflops, peak_of

    assert peak_gflops(2, 2, 16, 2.0) == 256.0  # 2 cores x 2 FMA units x 16 lanes x 2 FLOP x 2 GHz
    for path, _record in cpu_records():
        assert path.name in PEAKS, f"{path.name}: add its peak (with sources) to pairs.speed.PEAKS"
        spec = PEAKS[path.name]
        assert spec["why"] and spec["source"], path.name
        ghz = clock_ghz(path.name)
        assert ghz >= spec["ghz_floor"], path.name
        assert peak_of(path.name) == peak_gflops(spec["cores"], spec["fma_units"], spec["lanes"], ghz)
        fastest = max(
            m["gflops"] for d in _record["frameworks"].values() for m in d["matmul"] if m["dtype"] == "float32"
        )
        assert fastest <= peak_of(path.name), f"{path.name}: a row above the peak means the clock is too low"
    amx = "cpu-2core-intel-xeon-amx.json"
    assert peak_of(amx, "bfloat16") == 2 * 1024 * clock_ghz(amx)  # AMX: 1,024 bf16 FLOP per cycle per core
    assert peak_of("no-such-record.json") is None


def test_records_per_vendor_describe_their_cpu():
    from pairs.speed import cpu_records

    records = dict((p.name, r) for p, r in cpu_records())
    vendors = {("AMD" if "AMD" in r["machine"]["cpu_model"] else "Intel") for r in records.values()}
    assert vendors == {"AMD", "Intel"}, vendors
    for name, record in records.items():
        assert "provenance" in record or record["created"] < "2026-12-05" or record["machine"].get("flags"), (
            f"{name}: a record made here stores the CPU's flags"
        )


def test_interleaved_and_one_at_a_time_report_median_iqr_and_reasons():
    from pairs.speed import first_call, interleaved, one_at_a_time

    seconds, result = first_call(lambda: 41 + 1)
    assert result == 42 and seconds >= 0
    for timer in (interleaved, one_at_a_time):
        out = timer({"a": lambda: sum(range(50)), "b": lambda: sum(range(100))}, rounds=3, min_time_s=0.001, echo=False)
        assert set(out) == {"a", "b"}
        for row in out.values():
            assert row["rounds"] == 3 and row["median_ms"] > 0 and row["iqr_ms"] >= 0
            assert isinstance(row["unreliable"], list)


def test_ladder_table_and_ratio_mark_differences_within_the_iqr():
    from pairs.speed import ladder_table, ratio_text

    rows = [
        {"rung": "tiny", "task": task, "mode": mode, "median_ms": ms, "iqr_ms": iqr}
        for task in ("inference", "train")
        for mode, ms, iqr in (("eager", 1.0, 0.05), ("graph", 0.5, 0.05))
    ]
    lines = ladder_table(rows, ["eager", "graph"], ["tiny"])
    assert len(lines) == 3 and "graph: 2.00x" in lines[1] and "~" not in lines[1]
    assert "(  0.050)" in lines[1], "the table prints each row's IQR"
    assert ratio_text({"median_ms": 1.02, "iqr_ms": 0.05}, {"median_ms": 1.0, "iqr_ms": 0.05}).endswith("~")
    assert not ratio_text({"median_ms": 2.0, "iqr_ms": 0.05}, {"median_ms": 1.0, "iqr_ms": 0.05}).endswith("~")


def _train_row(framework, rung, mode, ms, iqr=0.01, unreliable=()):
    return {
        "framework": framework,
        "rung": rung,
        "task": "train",
        "mode": mode,
        "median_ms": ms,
        "iqr_ms": iqr,
        "unreliable": list(unreliable),
    }


def test_flagged_rows_are_never_read_as_speeds():
    from pairs.speed import best, c15_reading, flagged, matmul_lines, ratio_text

    scattered = _train_row("torch", "tiny", "eager", 0.4, iqr=20.0, unreliable=["the 5 rounds disagree"])
    assert flagged(scattered)
    assert flagged({"median_ms": 10.0, "iqr_ms": 2.7}), "an older row without reasons is judged by its IQR"
    assert not flagged({"median_ms": 10.0, "iqr_ms": 1.0}) and not flagged({"median_ms": 10.0})
    compiled = _train_row("torch", "tiny", "torch.compile", 0.5)
    assert best([scattered, compiled], "torch", "tiny", "train") is compiled, "the fastest row is skipped: flagged"
    assert best([scattered], "torch", "tiny", "train", ("eager",)) is None
    assert ratio_text(None, compiled) == ratio_text(compiled, None) == "flagged"

    matmul = [
        {"library": "torch", "dtype": "float32", "threads": 2, "median_ms": 10.0, "iqr_ms": 1.0, "gflops": 200.0},
        {"library": "numpy", "dtype": "float32", "threads": 2, "median_ms": 10.0, "iqr_ms": 2.7, "gflops": 210.0},
    ]
    lines = matmul_lines("no-such-record.json", {"frameworks": {"torch": {"matmul": matmul}}})
    assert "200.0 GFLOP/s  IQR 10.0%" in lines[1]
    assert "flagged in the record (IQR 27.0%)" in lines[2] and "GFLOP/s" not in lines[2] and "210" not in lines[2]

    def record(ladder):
        frameworks = {fw: {"ladder": [r for r in ladder if r["framework"] == fw]} for fw in ("torch", "tf")}
        return {"frameworks": frameworks}

    read = [
        _train_row("torch", "tiny", "eager", 1.0),
        _train_row("tf", "tiny", "eager", 20.0),
        _train_row("torch", "xlarge", "eager", 100.0),
        _train_row("tf", "xlarge", "eager", 120.0),
    ]
    assert c15_reading(record(read))["verdict"] == "holds partly"  # small part only
    small_flagged = [dict(read[0], iqr_ms=0.5, unreliable=["busy"])] + read[1:]
    c15 = c15_reading(record(small_flagged))
    assert c15["pytorch_faster_small"] is None and c15["ratios"]["tiny train eager"]["tf_over_torch"] is None
    assert c15["tf_faster_large"] is False and c15["verdict"] is None, "what is left cannot decide the verdict"
    large_flagged = read[:3] + [dict(read[3], unreliable=["busy"])]
    c15 = c15_reading(record(large_flagged))
    assert c15["tf_faster_large"] is None and c15["graph_is_why"] is None and c15["verdict"] == "holds partly"


def test_kernel_log_keeps_the_library_lines_without_addresses_or_times():
    from pairs.speed import kernel_log

    code = (
        "print('MKL_VERBOSE SGEMM(N,N,8,8,8,0x7ffc12,0x55aa,8) 9.34ms CNR:OFF Dyn:1 NThr:2'); "
        "print('onednn_verbose,v1,primitive,exec,cpu,gemm_api,,undef,src_f32,,,8x8:8x8,32.4829'); print('other')"
    )
    lines = kernel_log(code, {})
    assert lines == [
        "MKL_VERBOSE SGEMM(N,N,8,8,8,..,..,8)",
        "onednn_verbose,v1,primitive,exec,cpu,gemm_api,,undef,src_f32,,,8x8:8x8",
    ], lines


def _speed_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("speed_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_wait_quiet_retries_a_run_with_flagged_rows_and_keeps_the_cleanest(monkeypatch):
    speed = _speed_script()
    noisy = {"ladder": [{"unreliable": ["the 5 rounds disagree"]}, {"unreliable": []}], "matmul": []}
    clean = {"ladder": [{"unreliable": []}, {"unreliable": []}], "matmul": []}
    runs, after = iter([noisy, clean]), iter([True, True])
    monkeypatch.setattr(speed, "wait_until_quiet", lambda deadline, fastest: (True, 0.001))
    monkeypatch.setattr(speed, "fastest_probe", lambda update=None: 0.001)
    monkeypatch.setattr(speed, "still_quiet", lambda: next(after))
    kept = speed.run_when_quiet(lambda: dict(next(runs)), minutes=5)
    assert speed.flagged_rows(kept) == 0 and kept["tries"] == 2
    assert kept["host_quiet"] == {"before": True, "after": True}

    # a run after which the host was busy ranks below one with a flagged row; a host that stays busy ends the tries
    runs, after = iter([clean, noisy]), iter([False, True])
    waits = iter([(True, 0.001), (True, 0.001), (False, 0.001)])
    monkeypatch.setattr(speed, "wait_until_quiet", lambda deadline, fastest: next(waits))
    kept = speed.run_when_quiet(lambda: dict(next(runs)), minutes=5)
    assert kept["tries"] == 2 and speed.flagged_rows(kept) == 1 and kept["host_quiet"]["after"]
    monkeypatch.setattr(speed, "wait_until_quiet", lambda deadline, fastest: (True, 0.001))
    runs, after = iter([noisy]), iter([True])  # no minutes left: the one try is kept, flagged row and all
    assert speed.run_when_quiet(lambda: dict(next(runs)), minutes=0)["tries"] == 1

    # a host never quiet: one run all the same, marked as such
    monkeypatch.setattr(speed, "wait_until_quiet", lambda deadline, fastest: (False, 0.002))
    runs, after = iter([clean]), iter([True])
    kept = speed.run_when_quiet(lambda: dict(next(runs)), minutes=0)
    assert kept["tries"] == 1 and kept["host_quiet"]["before"] is False
    assert speed.run_when_quiet(lambda: {"skipped": "no torch"}, minutes=0) == {"skipped": "no torch"}
