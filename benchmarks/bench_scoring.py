"""Benchmark: what attune costs on top of the spaCy parse it needs.

    python benchmarks/bench_scoring.py [--n 5000] [--quick] [--out benchmarks/results.json]

On one fixed corpus (the corpus's test split, its texts with their customer messages, repeated
to --n texts), in one run:

- raw ``nlp.pipe`` over the texts and their contexts with exactly the components attune uses;
- the feature layer alone over the parsed texts (its share of the parse time);
- attune's ``score_many`` over the same texts (parse, features, model, evidence);
- the ratio of the two throughputs, texts/s and words/s. This machine's speed drifts by 20%
  or more within minutes, so the parse and attune are timed interleaved, chunk by chunk
  (:data:`CHUNK` texts, in alternating order), over ``--repeat`` rounds; the ratio is of the
  summed times, and the per-round and per-chunk ratios show the spread;
- ``score_many`` with ``n_process=2`` against 1, on the whole input, interleaved;
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

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

CHUNK = 500
"""Texts per interleaved timing step."""


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
    # This machine's speed drifts by 20% or more within minutes, so the two sides are timed
    # interleaved: chunk by chunk, in alternating order, each round over all the texts; the
    # ratio is of the summed times, so both sides see the same drift.
    chunks = [(texts[i:i + CHUNK], contexts[i:i + CHUNK]) for i in range(0, len(texts), CHUNK)]
    raw_t = np.zeros((repeat, len(chunks)))
    scored_t = np.zeros_like(raw_t)
    feature_t = np.zeros_like(raw_t)
    stock_t = np.zeros_like(raw_t)
    for r in range(repeat):
        for k, (chunk_texts, chunk_contexts) in enumerate(chunks):
            def raw():
                t0 = time.perf_counter()
                parsed = [_text.prepare(t).parse for t in chunk_texts]
                ctx_text = sorted({c for c in chunk_contexts if c})
                ctx_parsed = [_text.prepare(c).parse for c in ctx_text]
                docs = list(nlp.pipe(parsed, batch_size=64, disable=disable))
                ctx_docs = list(nlp.pipe(ctx_parsed, batch_size=64, disable=disable))
                raw_t[r, k] = time.perf_counter() - t0
                # the feature layer alone, as attune runs it: given each doc and its string
                t0 = time.perf_counter()
                info = {c: analyse_context(d, p) for c, d, p in zip(ctx_text, ctx_docs, ctx_parsed)}
                for doc, text, ctx in zip(docs, parsed, chunk_contexts):
                    extract(doc, info.get(ctx) if ctx else None, text)
                feature_t[r, k] = time.perf_counter() - t0

            def scored():
                t0 = time.perf_counter()
                results = scorer.score_many(chunk_texts, chunk_contexts, batch_size=64)
                scored_t[r, k] = time.perf_counter() - t0
                assert len(results) == len(chunk_texts) and all(x.ok for x in results)

            for step in ((raw, scored) if (r + k) % 2 == 0 else (scored, raw)):
                step()
            if stock is not None:
                t0 = time.perf_counter()
                for _doc in stock.pipe([_text.prepare(t).parse for t in chunk_texts]
                                       + [_text.prepare(c).parse for c in sorted({c for c in chunk_contexts if c})],
                                       batch_size=64, disable=stock_disable):
                    pass
                stock_t[r, k] = time.perf_counter() - t0
    raw, features, scored = raw_t.sum() / repeat, feature_t.sum() / repeat, scored_t.sum() / repeat
    chunk_ratios = (raw_t / scored_t).ravel()

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
        "throughput_ratio": round(raw_t.sum() / scored_t.sum(), 3),
        "throughput_ratio_per_round": [round(x, 3) for x in raw_t.sum(axis=1) / scored_t.sum(axis=1)],
        "throughput_ratio_chunks": {"chunk_texts": CHUNK, "n": len(chunk_ratios),
                                    "median": round(float(np.median(chunk_ratios)), 3),
                                    "min": round(float(chunk_ratios.min()), 3),
                                    "max": round(float(chunk_ratios.max()), 3)},
        "throughput_ratio_median_chunk": round(float(np.median(chunk_ratios)), 3),
        "repeats": repeat,
        "stock_parse_s": round(stock_t.sum() / repeat, 2) if stock is not None else None,
        "throughput_vs_stock_parse": round(stock_t.sum() / scored_t.sum(), 3) if stock is not None else None,
    }
    if not quick:  # the whole input in one call, one process and two, interleaved
        one_runs, two_runs = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            results = scorer.score_many(texts, contexts, batch_size=64)
            one_runs.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            results2 = scorer.score_many(texts, contexts, batch_size=64, n_process=2)
            two_runs.append(time.perf_counter() - t0)
        same = all(abs(a.overall - b.overall) < 1e-9 for a, b in zip(results, results2))
        out.update(n_process_1_s=round(sum(one_runs) / repeat, 2),
                   n_process_2_s=round(sum(two_runs) / repeat, 2),
                   n_process_speedup=round(sum(one_runs) / sum(two_runs), 2),
                   n_process_identical=same and len(results) == len(results2) == len(texts))
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
    "throughput_ratio_median_chunk": (">=", 0.85),
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
    chunks = res.get("throughput_ratio_chunks")
    if chunks:
        rows.append((f"per {chunks['chunk_texts']}-text chunk ({chunks['n']})",
                     f"median {chunks['median']:.2f}, range {chunks['min']:.2f}-{chunks['max']:.2f}"))
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
    ap.add_argument("--repeat", type=int, default=3, help="rounds over the texts (timings are their mean)")
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
