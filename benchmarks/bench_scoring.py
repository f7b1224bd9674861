"""Benchmark: what attune costs on top of the spaCy parse it needs.

    python benchmarks/bench_scoring.py [--n 5000] [--quick] [--out benchmarks/results.json]

On one fixed corpus (the corpus's test split, its texts with their customer messages, repeated
to --n texts), in one run:

- raw ``nlp.pipe`` over the texts and their contexts with exactly the components attune uses;
- the feature layer alone over the parsed texts (its share of the parse time);
- attune's ``score_many`` over the same texts (parse, features, model, evidence);
- the ratio of the two throughputs, texts/s and words/s (each timing the best of ``--repeat``
  interleaved runs, since timings on a shared machine drift by 20% or more between runs);
- ``score_many`` with ``n_process=2`` against 1;
- peak RSS of a process that loads attune and scores the texts, and the cold start (import,
  load, first score) in a fresh process.

Writes a JSON file and prints a table (the README shows it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def corpus(n: int) -> tuple[list[str], list[str | None]]:
    from attune.data import load_corpus

    items = load_corpus(split="test")
    texts, contexts = [], []
    k = 0
    while len(texts) < n:
        item = items[k % len(items)]
        texts.append(item["text"])
        contexts.append(item["context"])
        k += 1
    return texts, contexts


def _words(texts) -> int:
    return sum(len(t.split()) for t in texts)


def bench_main(n: int, quick: bool, repeat: int = 2) -> dict:
    import attune
    from attune import _text
    from attune.features import analyse_context, extract
    from attune.pipeline import disabled_components

    texts, contexts = corpus(n)
    scorer = attune.load()
    nlp = scorer.nlp
    disable = disabled_components(nlp)
    unique_ctx = sorted({c for c in contexts if c})
    scorer.score_many(texts[:50], contexts[:50])  # warm up: matchers, caches

    stock = None
    if "attune_attribute_ruler" in nlp.pipe_names:  # the same pipeline with spaCy's own ruler
        import spacy

        from attune.pipeline import default_pipeline_name

        stock = spacy.load(default_pipeline_name(), exclude=["ner"])
        stock_disable = disabled_components(stock)
    raw_runs, stock_runs, feature_runs, scored_runs = [], [], [], []
    for _ in range(repeat):  # interleaved, best of ``repeat``: this machine's timings drift
        if stock is not None:
            t0 = time.perf_counter()
            for _doc in stock.pipe([_text.prepare(t).parse for t in texts + unique_ctx],
                                   batch_size=64, disable=stock_disable):
                pass
            stock_runs.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        parsed = [_text.prepare(t).parse for t in texts]
        ctx_parsed = [_text.prepare(c).parse for c in unique_ctx]
        docs = list(nlp.pipe(parsed, batch_size=64, disable=disable))
        ctx_docs = list(nlp.pipe(ctx_parsed, batch_size=64, disable=disable))
        raw_runs.append(time.perf_counter() - t0)

        t0 = time.perf_counter()  # as attune runs them: given each doc and the string it parsed
        info = {c: analyse_context(d, p) for c, d, p in zip(unique_ctx, ctx_docs, ctx_parsed)}
        for doc, text, ctx in zip(docs, parsed, contexts):
            extract(doc, info.get(ctx) if ctx else None, text)
        feature_runs.append(time.perf_counter() - t0)
        del docs, ctx_docs

        t0 = time.perf_counter()
        results = scorer.score_many(texts, contexts, batch_size=64)
        scored_runs.append(time.perf_counter() - t0)
        assert len(results) == len(texts) and all(r.ok for r in results)
    raw, features, scored = min(raw_runs), min(feature_runs), min(scored_runs)

    out = {
        "texts": len(texts),
        "words": _words(texts),
        "contexts": len(unique_ctx),
        "pipeline_components": [p for p in nlp.pipe_names if p not in disable],
        "raw_parse_s": round(raw, 2),
        "features_s": round(features, 2),
        "features_share_of_parse": round(features / raw, 3),
        "attune_s": round(scored, 2),
        "raw_texts_per_s": round(len(texts) / raw, 1),
        "attune_texts_per_s": round(len(texts) / scored, 1),
        "attune_words_per_s": round(_words(texts) / scored, 0),
        "throughput_ratio": round(raw / scored, 3),
        # each round runs the parse and then attune back to back, so a round's ratio is less
        # exposed to this machine's drift than the ratio of the two best times
        "throughput_ratio_per_round": [round(r / a, 3) for r, a in zip(raw_runs, scored_runs)],
        "repeats": repeat,
        "stock_parse_s": round(min(stock_runs), 2) if stock_runs else None,
        "throughput_vs_stock_parse": round(min(stock_runs) / scored, 3) if stock_runs else None,
        "raw_runs_s": [round(x, 2) for x in raw_runs],
        "attune_runs_s": [round(x, 2) for x in scored_runs],
    }
    if not quick:
        two_runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            results2 = scorer.score_many(texts, contexts, batch_size=64, n_process=2)
            two_runs.append(time.perf_counter() - t0)
        two = min(two_runs)
        same = all(abs(a.overall - b.overall) < 1e-9 for a, b in zip(results, results2))
        out.update(n_process_2_s=round(two, 2), n_process_speedup=round(scored / two, 2),
                   n_process_identical=same)
    return out


def bench_subprocess(n: int) -> dict:
    """Cold start and peak RSS, each measured in a fresh process."""
    cold_code = (
        "import time; t=time.perf_counter(); import attune; s=attune.load(); "
        "s.score('Thanks, I have refunded the fee today.', context='You charged me twice.'); "
        "print(time.perf_counter()-t)"
    )
    env = dict(os.environ)
    cold = float(subprocess.run([sys.executable, "-c", cold_code], capture_output=True, text=True,
                                check=True, env=env).stdout.strip())
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across fork and exec, so a child started
    # from this (large) process would report this process's peak instead of its own
    rss_code = (
        "import re, sys; sys.path.insert(0, %r); from bench_scoring import corpus; import attune; "
        "t, c = corpus(%d); attune.load().score_many(t, c); "
        "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
        % (str(Path(__file__).parent), n)
    )
    rss_kb = int(subprocess.run([sys.executable, "-c", rss_code], capture_output=True, text=True,
                                check=True, env=env).stdout.strip())
    return {"cold_start_s": round(cold, 2), "peak_rss_mb": round(rss_kb / 1024, 0)}


TARGETS = {
    "throughput_ratio": (">=", 0.85),
    "features_share_of_parse": ("<=", 0.10),
    "n_process_speedup": (">=", 1.6),
    "peak_rss_mb": ("<=", 500),
    "cold_start_s": ("<=", 3.0),
}


def table(res: dict) -> str:
    rows = [
        ("texts (words)", f"{res['texts']} ({res['words']})"),
        ("components run", ", ".join(res["pipeline_components"])),
        ("raw nlp.pipe", f"{res['raw_parse_s']} s, {res['raw_texts_per_s']} texts/s"),
        ("features alone", f"{res['features_s']} s = {100 * res['features_share_of_parse']:.1f}% of the parse"),
        ("attune score_many", f"{res['attune_s']} s, {res['attune_texts_per_s']} texts/s, {res['attune_words_per_s']:.0f} words/s"),
        ("throughput vs raw parse", f"{res['throughput_ratio']:.2f}" + (
            " (per round: " + ", ".join(f"{x:.2f}" for x in res["throughput_ratio_per_round"]) + ")"
            if res.get("throughput_ratio_per_round") else "")),
    ]
    if res.get("stock_parse_s"):
        rows.insert(3, ("raw nlp.pipe, spaCy's own attribute_ruler",
                        f"{res['stock_parse_s']} s ({res['stock_parse_s'] / res['raw_parse_s']:.2f}x the time)"))
        rows.append(("throughput vs the stock parse", f"{res['throughput_vs_stock_parse']:.2f}"))
    if "n_process_speedup" in res:
        rows.append(("n_process=2 vs 1", f"{res['n_process_speedup']:.2f}x (identical output: {res['n_process_identical']})"))
    if "peak_rss_mb" in res:
        rows.append(("peak RSS", f"{res['peak_rss_mb']:.0f} MB"))
        rows.append(("cold start (import, load, first score)", f"{res['cold_start_s']} s"))
    width = max(len(k) for k, _ in rows)
    lines = [f"| {'measure':<{width}} | value |", f"|{'-' * (width + 2)}|-------|"]
    lines += [f"| {k:<{width}} | {v} |" for k, v in rows]
    checks = []
    for key, (op, target) in TARGETS.items():
        if key in res:
            ok = res[key] >= target if op == ">=" else res[key] <= target
            checks.append(f"{key} {res[key]} (target {op} {target}): {'met' if ok else 'NOT met'}")
    return "\n".join(lines) + "\n\n" + "\n".join(checks)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--quick", action="store_true", help="skip n_process=2, RSS and cold start")
    ap.add_argument("--repeat", type=int, default=2, help="timings are the best of this many runs")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"))
    args = ap.parse_args()
    res = bench_main(args.n, args.quick, args.repeat)
    if not args.quick:
        res.update(bench_subprocess(args.n))
    res["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    res["date"] = time.strftime("%Y-%m-%d")
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(table(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
