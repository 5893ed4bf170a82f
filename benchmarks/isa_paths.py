"""What a 256-bit code path costs each framework's matrix product on this CPU, read from the libraries' own logs.

    python -m benchmarks.isa_paths                # -> benchmarks/results/isa-paths-<machine>.json

Why it exists: on the AMD EPYC record (pair 08, §3.8) PyTorch's float32 2048 x 2048 product ran at about half of
TensorFlow's (209 vs 444 GFLOP/s), on the Intel Xeons not. PyTorch's CPU wheels send it to Intel's oneMKL,
TensorFlow to oneDNN. oneMKL picks its instruction-set code path only on Intel processors ("This feature is not
available on non-Intel processors", oneMKL developer guide, "Instruction Set Specific Dispatching on Intel
Architectures"); oneDNN picks by the CPU's feature flags whoever made it. This measures both halves of that
argument on the CPU it runs on: each library limited to its AVX2 (256-bit) path with its own switch
(``MKL_ENABLE_INSTRUCTIONS=AVX2``, ``ONEDNN_MAX_CPU_ISA=AVX2``), against its default, each in a fresh process, with
the library's log line that names the path it took. On a non-Intel CPU oneMKL is also asked for AVX-512 outright
(``MKL_ENABLE_INSTRUCTIONS=AVX512``): if the request is ignored there, the log and the time say so. Nothing asserts
on a time.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.speed import machine, usable_cores
from pairs.speed import kernel_log

N = 2048
RESULTS = Path(__file__).resolve().parent / "results"

# (framework, switch that caps the path, code that times the product and prints one JSON line)
_TIMED = {
    "torch": (
        "MKL_ENABLE_INSTRUCTIONS",
        "import torch; torch.set_num_threads({threads}); a = torch.randn({n}, {n}); b = torch.randn({n}, {n})\n"
        "from utils.timing import measure\n"
        "t = measure(lambda: a @ b, warmup=3, repeats=9)\n",
        "import torch; a = torch.ones(256, 256); a @ a",
        {"MKL_VERBOSE": "1"},
    ),
    "tf": (
        "ONEDNN_MAX_CPU_ISA",
        "import tensorflow as tf; tf.config.threading.set_intra_op_parallelism_threads({threads})\n"
        "a = tf.random.normal(({n}, {n})); b = tf.random.normal(({n}, {n}))\n"
        "from utils.timing import measure\n"
        "t = measure(lambda: tf.linalg.matmul(a, b), warmup=3, repeats=9, sync=lambda r: r.numpy())\n",
        "import tensorflow as tf; a = tf.ones((256, 256)); tf.linalg.matmul(a, a).numpy()",
        {"ONEDNN_VERBOSE": "1"},
    ),
}
_PRINT = (
    "import json; print('RESULT ' + json.dumps({'median_ms': t.median_s * 1e3, 'iqr_ms': t.iqr_s * 1e3, "
    "'load_average': t.load_average}))\n"
)


def run(framework: str, cap: str | None, threads: int) -> dict:
    switch, timed, logged, log_env = _TIMED[framework]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", OMP_NUM_THREADS=str(threads))
    if cap:
        env[switch] = cap
    code = timed.format(threads=threads, n=N) + _PRINT
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{framework} {switch}={cap}: exit {done.returncode}: {done.stderr[-600:]}")
    result = json.loads(next(line[7:] for line in done.stdout.splitlines() if line.startswith("RESULT ")))
    log = kernel_log(logged, {**log_env, switch: cap} if cap else log_env)
    gflops = 2 * N**3 / (result["median_ms"] * 1e6)
    return {
        "framework": framework,
        "switch": f"{switch}={cap}" if cap else "(default)",
        "n": N,
        "threads": threads,
        **result,
        "gflops": gflops,
        "path_in_log": [line for line in log if "info" in line or "Product build" in line][:1],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=usable_cores())
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    info = machine()
    intel = info.get("vendor_id") == "GenuineIntel"
    rows = []
    for framework in _TIMED:
        caps = [None, "AVX2", None]  # default, capped, default again: a drift in between shows
        if framework == "torch" and not intel:
            caps.insert(2, "AVX512")  # does oneMKL take AVX-512 on this CPU when asked outright?
        for cap in caps:
            rows.append(run(framework, cap, args.threads))
            print(f"{framework:<6} {rows[-1]['switch']:<28} {rows[-1]['gflops']:7.1f} GFLOP/s", flush=True)
    record = {
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": "python -m benchmarks.isa_paths",
        "machine": {k: info.get(k) for k in ("cpu_model", "vendor_id", "cpu_family", "model", "bf16_units")},
        "rows": rows,
    }
    vendor = "intel" if intel else "amd" if "AMD" in str(info.get("vendor_id")) else "cpu"
    out = args.out or RESULTS / f"isa-paths-{vendor}-{info.get('cpu_family')}-{info.get('model')}.json"
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
