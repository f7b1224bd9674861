"""Benchmark: batch scoring of a CSV from the command line, as a QA analyst runs it.

    python benchmarks/bench_batch.py [--rows 20000] [--big-rows 200000] [--out benchmarks/batch_results.json]

Builds a CSV of ``--rows`` rows (the corpus's test-split replies with their customer messages,
each row's id and a reference number varied so no two rows are identical, plus a few empty and
NaN-like rows), then times ``attune score IN.csv -o OUT.csv`` in a fresh process with
``--n-process 1`` and ``2`` (rows/s, including start-up), checks both outputs are identical, and
samples the memory (VmRSS) of the job's processes every 0.2 s. With ``--big-rows`` it also runs
a file ten times longer with ``--n-process 2`` to show memory stays flat. Writes a JSON file and
prints a table (the README shows it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_csv(path: Path, rows: int) -> None:
    sys.path.insert(0, str(ROOT))
    from attune.data import load_corpus

    items = [i for i in load_corpus(split="test")]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "agent", "context", "text"])
        for k in range(rows):
            item = items[k % len(items)]
            text = item["text"] if k % 997 else ""  # about one empty row in a thousand
            w.writerow([f"r{k}", f"agent{k % 17}", item["context"] or "", f"{text} Ref {k}." if text else ""])


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(src: Path, out: Path, n_process: int) -> dict:
    cmd = [sys.executable, "-m", "attune", "score", str(src), "-o", str(out), "--keep", "agent",
           "--n-process", str(n_process), "--no-progress"]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    peak_main = peak_worker = peak_total = 0.0
    while proc.poll() is None:
        main = _rss_mb(proc.pid)
        workers = [_rss_mb(c) for c in _children(proc.pid)]
        peak_main = max(peak_main, main)
        peak_worker = max([peak_worker, *workers])
        peak_total = max(peak_total, main + sum(workers))
        time.sleep(0.2)
    seconds = time.perf_counter() - t0
    err = proc.stderr.read()
    if proc.returncode != 0:
        raise SystemExit(f"attune score failed: {err}")
    with open(out, newline="", encoding="utf-8") as fh:
        n = sum(1 for _ in csv.reader(fh)) - 1
    return {"n_process": n_process, "rows": n, "seconds": round(seconds, 1),
            "rows_per_s": round(n / seconds, 1), "peak_rss_main_mb": round(peak_main),
            "peak_rss_worker_mb": round(peak_worker), "peak_rss_sum_mb": round(peak_total)}


def table(res: dict) -> str:
    lines = ["| input rows | --n-process | rows/s (incl. start-up) | seconds | peak RSS main / worker / all (MB) |",
             "|---|---|---|---|---|"]
    for r in res["runs"]:
        lines.append(f"| {r['rows']:,} | {r['n_process']} | {r['rows_per_s']:.0f} | {r['seconds']:.0f} | "
                     f"{r['peak_rss_main_mb']} / {r['peak_rss_worker_mb'] or '-'} / {r['peak_rss_sum_mb']} |")
    lines.append("")
    lines.append(f"Outputs with --n-process 1 and 2 identical: {res['identical']}. "
                 f"Speed-up with 2 processes: {res['speedup']:.2f}x.")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=20_000)
    p.add_argument("--big-rows", type=int, default=200_000, help="0 to skip the memory run")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "batch_results.json"))
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "in.csv"
        make_csv(src, args.rows)
        one = run(src, tmp / "one.csv", 1)
        print(one, flush=True)
        two = run(src, tmp / "two.csv", 2)
        print(two, flush=True)
        identical = (tmp / "one.csv").read_bytes() == (tmp / "two.csv").read_bytes()
        runs = [one, two]
        if args.big_rows:
            big = tmp / "big.csv"
            make_csv(big, args.big_rows)
            runs.append(run(big, tmp / "big_out.csv", 2))
            print(runs[-1], flush=True)
    res = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
           "date": time.strftime("%Y-%m-%d"), "runs": runs, "identical": identical,
           "speedup": two["rows_per_s"] / one["rows_per_s"]}
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(table(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
