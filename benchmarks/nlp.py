"""NLP stage throughput against plain ``nlp.pipe`` of the same spaCy components on the same texts.

    python benchmarks/nlp.py [--corpus DIR] [--articles 600] [--processes 1 2]

Texts are BBC article bodies (title line dropped). For each process count it times, best of two:
``plain``: ``list(nlp.pipe(texts, n_process=k))`` (the model alone, nothing else), and ``news-etl``:
``news_etl.nlp.analyse(texts, nlp, n_process=k)`` (the model plus entities, quotes, key phrases).
Writes bench-results/nlp.md and nlp.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "include"))

from news_etl import nlp as nlp_mod  # noqa: E402 - after the path set-up above


def load_texts(corpus: Path, limit: int) -> list[str]:
    files = sorted(p for p in corpus.rglob("*.txt") if p.is_file())[:limit]
    return [p.read_text(encoding="utf-8", errors="replace").split("\n", 1)[-1].strip() for p in files]


def best_of(n: int, fn) -> float:
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "bbc")
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--processes", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--model", default=os.environ.get("NEWS_ETL_SPACY_MODEL", "en_core_web_sm"))
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    texts = load_texts(args.corpus, args.articles)
    words = sum(len(t.split()) for t in texts)
    nlp = nlp_mod.load_pipeline(args.model)
    list(nlp_mod.analyse(texts[:20], nlp))  # warm-up: configuration, IDF table, first-call costs
    rows = []
    for k in args.processes:
        # Plain spaCy: the model's own components, without the project's paragraph-break component.
        with nlp.select_pipes(disable=[nlp_mod.PARAGRAPH_COMPONENT]):
            plain = best_of(2, lambda k=k: list(nlp.pipe(texts, n_process=k, batch_size=64)))
        ours = best_of(2, lambda k=k: list(nlp_mod.analyse(texts, nlp, n_process=k, batch_size=64)))
        rows.append(
            {
                "processes": k,
                "plain_seconds": round(plain, 2),
                "news_etl_seconds": round(ours, 2),
                "plain_articles_per_s": round(len(texts) / plain, 1),
                "news_etl_articles_per_s": round(len(texts) / ours, 1),
                "news_etl_words_per_s": round(words / ours),
                "ratio": round(plain / ours, 3),
            }
        )
    components = ", ".join(c for c in nlp.pipe_names if c != nlp_mod.PARAGRAPH_COMPONENT)
    lines = [
        f"NLP stage on {len(texts)} BBC articles ({words:,} words), model {nlp.meta.get('name')} "
        f"{nlp.meta.get('version')}, components {components}; best of 2 runs.",
        "",
        "| processes | plain nlp.pipe art/s | news-etl NLP art/s | news-etl words/s | news-etl / plain | goal |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        met = "met" if r["ratio"] >= 0.9 else "not met"
        lines.append(
            f"| {r['processes']} | {r['plain_articles_per_s']} | {r['news_etl_articles_per_s']} | "
            f"{r['news_etl_words_per_s']:,} | **{r['ratio']:.2f}** | >= 0.90 ({met}) |"
        )
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "nlp.md").write_text(table + "\n")
    (args.out / "nlp.json").write_text(json.dumps({"articles": len(texts), "words": words, "runs": rows}, indent=2))
    print(f"\nwritten: {args.out / 'nlp.md'}, {args.out / 'nlp.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
