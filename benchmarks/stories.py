"""Stories on real data: the seeds, the BBC corpus, and clustering time and memory at 100,000 articles.

    python benchmarks/stories.py [--bbc DIR] [--n 100000] [--pairs 2000]

1. Seeds: ingested (NLP off, it plays no part here); prints the stories and near-duplicates.
2. BBC (2,225 files): ingested the same way, in runs of 250 files; checks the incremental stories against a
   full recompute; prints exact duplicates found, how many of the same-title
   pairs whose texts differ share a story, and the false-merge rate on random pairs of articles from
   *different* BBC sections (business vs sport etc.: surely unrelated).
3. Scale: story vectors of the BBC articles replicated with perturbations (terms dropped, foreign terms
   added, weights jittered) up to --n articles, clustered in a child process; prints seconds and peak RSS.
Writes bench-results/stories.md and stories.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "include"))

from news_etl import lake as lakes  # noqa: E402 - after the path set-up above
from news_etl import similarity  # noqa: E402
from news_etl.runner import run_ingest  # noqa: E402
from news_etl.settings import get_settings  # noqa: E402
from news_etl.stages import stories  # noqa: E402

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def ingest(inbox: Path, lake: Path, files_per_run: int = 20_000) -> None:
    settings = get_settings(nlp=False, max_files_per_run=files_per_run).with_paths(inbox, lake)
    run_ingest(settings, "bench-stories", AT, clock=lambda: AT, workers=2)


def equals_rebuild(lake: Path) -> bool:
    """The story tables the publishes built incrementally equal a full recompute of the same lake."""
    sqls = ("select * from article_stories order by article_id", "select * from stories order by story_id")
    before = [q(lake, s) for s in sqls]
    settings = get_settings().with_paths(lake=lake)
    lakes.transaction(lakes.Lake.of(settings), lambda con: stories.rebuild(con, "bench-rebuild", AT))
    return [q(lake, s) for s in sqls] == before


def q(lake: Path, sql: str) -> list[tuple]:
    return lakes.query(lakes.Lake.of(get_settings().with_paths(lake=lake)), sql)[1]


def seeds_figures(work: Path) -> dict:
    lake = work / "seeds-lake"
    ingest(ROOT / "seeds", lake)
    stories_n = q(lake, "select count(*) from stories")[0][0]
    near = q(
        lake,
        "select a.source_path, n.source_path from article_stories s join articles a using (article_id) "
        "join articles n on n.article_id = s.near_duplicate_of order by 1",
    )
    return {"stories": stories_n, "near_duplicates": [list(r) for r in near]}


def bbc_figures(bbc: Path, work: Path, n_pairs: int) -> dict:
    lake = work / "bbc-lake"
    ingest(bbc, lake, files_per_run=250)  # nine runs: the stories of runs 2-9 are incremental updates
    incremental_equals_rebuild = equals_rebuild(lake)
    dup_files = q(lake, "select count(*) from ingest_files where outcome = 'duplicate'")[0][0]
    same_bytes = q(
        lake,
        "select count(*) from ingest_files f join ingest_files o on o.source_path = f.duplicate_of "
        "where f.outcome = 'duplicate' and f.file_hash = o.file_hash",
    )[0][0]
    rows = q(lake, "select a.source_path, a.body, s.story_id from articles a join article_stories s using (article_id)")
    story = {p: s for p, _, s in rows}
    texts = {p: (bbc / p).read_text(encoding="utf-8", errors="replace") for p, _, _ in rows}
    by_title: dict[str, list[str]] = defaultdict(list)
    for p, t in texts.items():
        by_title[t.split("\n", 1)[0].strip()].append(p)
    same_title_pairs = linked = 0
    for paths in by_title.values():
        distinct = {}
        for p in sorted(paths):
            distinct.setdefault(texts[p], p)
        for a, b in itertools.combinations(sorted(distinct.values()), 2):
            same_title_pairs += 1
            linked += story[a] == story[b]
    section = {p: p.split("/", 1)[0] for p in story}
    paths = sorted(story)
    rng = random.Random(20261123)
    merged = checked = 0
    while checked < n_pairs:
        a, b = rng.sample(paths, 2)
        if section[a] == section[b]:
            continue
        checked += 1
        merged += story[a] == story[b]
    sizes = q(lake, "select n_articles, count(*) from stories group by 1 order by 1")
    return {
        "files": sum(1 for _ in bbc.rglob("*.txt")),
        "articles": len(rows),
        "exact_duplicate_files": dup_files,
        "byte_identical_files": same_bytes,
        "same_title_pairs_with_different_text": same_title_pairs,
        "same_title_pairs_linked": linked,
        "random_cross_section_pairs": checked,
        "false_merges": merged,
        "incremental_equals_rebuild": incremental_equals_rebuild,
        "false_merge_rate": round(merged / checked, 5),
        "story_sizes": [list(s) for s in sizes],
    }


def _perturbed(base: list[tuple[list[str], list[float]]], n: int, seed: int) -> tuple[list, list, list]:
    rng = random.Random(seed)
    vocab = sorted({t for ts, _ in base for t in ts})
    ids, terms, weights = [], [], []
    for i in range(n):
        ts, ws = base[i % len(base)]
        pairs = [(t, w * rng.uniform(0.8, 1.2)) for t, w in zip(ts, ws, strict=True) if rng.random() > 0.15]
        pairs += [(rng.choice(vocab), rng.uniform(0.01, 0.1)) for _ in range(4)]
        merged: dict[str, float] = {}
        for t, w in pairs:
            merged[t] = max(merged.get(t, 0.0), w)
        top = sorted(merged.items(), key=lambda kv: -kv[1])[:40]
        norm = sum(w * w for _, w in top) ** 0.5 or 1.0
        ids.append(f"a{i:07d}")
        terms.append([t for t, _ in top])
        weights.append([w / norm for _, w in top])
    return ids, terms, weights


def _scale_child(args: tuple) -> dict:
    base, n = args
    ids, terms, weights = _perturbed(base, n, seed=7)
    t0 = time.perf_counter()
    result = similarity.cluster(ids, terms, weights)
    seconds = time.perf_counter() - t0
    n_stories = len(set(result.story_of.values()))
    return {
        "articles": n,
        "seconds": round(seconds, 1),
        "stories": n_stories,
        "near_duplicates": len(result.near_duplicate_of),
        "pairs_compared": result.pairs_checked,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def scale_figures(bbc: Path, n: int) -> dict:
    base = []
    seen = set()
    for p in sorted(bbc.rglob("*.txt")):
        text = p.read_text(encoding="utf-8", errors="replace")
        if text in seen:
            continue
        seen.add(text)
        base.append(similarity.story_vector(text.split("\n", 1)[-1]))
    # A fresh process: its peak RSS is the clustering's (plus the interpreter), not this script's.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_scale_child, ((base, n),))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bbc", type=Path, default=ROOT.parent / "shared" / "corpora" / "bbc")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="news-etl-stories-"))
    config = similarity.load_config()
    seeds = seeds_figures(work)
    bbc = bbc_figures(args.bbc, work, args.pairs)
    scale = scale_figures(args.bbc, args.n)
    lines = [
        f"Thresholds (config/stories.yaml): same story >= {config.same_story}, near-duplicate >= "
        f"{config.near_duplicate} (cosine of {config.terms_per_article}-term TF-IDF vectors).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| seeds: stories | {seeds['stories']} (goal 1) |",
        f"| seeds: near-duplicates (article -> earlier one) | "
        f"{'; '.join(a.split('_')[0] + ' -> ' + b.split('_')[0] for a, b in seeds['near_duplicates'])} |",
        f"| BBC: exact duplicates found | {bbc['exact_duplicate_files']}: {bbc['byte_identical_files']} "
        f"byte-identical files (98 known), {bbc['exact_duplicate_files'] - bbc['byte_identical_files']} more "
        "with the same normalised body |",
        f"| BBC: same-title pairs with different text linked as one story | {bbc['same_title_pairs_linked']} of "
        f"{bbc['same_title_pairs_with_different_text']} |",
        f"| BBC in runs of 250 files: incremental stories equal `news-etl stories --rebuild` | "
        f"{'yes' if bbc['incremental_equals_rebuild'] else 'NO'} |",
        f"| BBC: random cross-section pairs merged (false merges) | {bbc['false_merges']} of "
        f"{bbc['random_cross_section_pairs']} ({100 * bbc['false_merge_rate']:.2f}%) |",
        f"| clustering {scale['articles']:,} articles: seconds | {scale['seconds']} (goal < 120) |",
        f"| clustering {scale['articles']:,} articles: peak memory | {scale['peak_rss_mb']:,} MB (goal < 2,048) |",
        f"| clustering {scale['articles']:,} articles: pairs compared, stories | {scale['pairs_compared']:,}, "
        f"{scale['stories']:,} |",
    ]
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "stories.md").write_text(table + "\n")
    (args.out / "stories.json").write_text(json.dumps({"seeds": seeds, "bbc": bbc, "scale": scale}, indent=2))
    print(f"\nwritten: {args.out / 'stories.md'}, {args.out / 'stories.json'} (work folder {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
