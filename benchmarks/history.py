"""A run's cost against the lake's history: a 20-article run on lakes of growing size, and a nothing-new run
over an inbox that already holds every processed file.

    python benchmarks/history.py [--sizes 10000,100000,1000000] [--runs 3] [--work bench-work/history]

1. Template: one real run (NLP off) over 400 BBC articles gives staged rows and story vectors.
2. For each size N, a lake pre-filled with N articles: replicas of the template rows (articles, vectors, the
   ledger) under new ids, paths and hashes, spread over a year of ingest days, in groups of 400. Each group
   is a world of its own news: its terms get the group's suffix, except the 200 terms most common in the
   template (those are shared by all, as common words are, and become too common to block on). Stories are
   then built by ``news-etl stories --rebuild``'s function, and maintenance merges the files.
3. On each lake, ``--runs`` runs of 20 new BBC articles (files the template did not use) through the real
   plan, process, validate and publish (stories included), each in a fresh process: seconds per stage and
   the process's peak memory. The goal compares plan + publish on the biggest and the smallest lake.
4. Nothing new: on the biggest lake, an inbox holding one file per article it has (a year of hourly
   folders, exactly the paths, sizes and mtimes in its ledger). A plan with full discovery; with watermark
   discovery (the first run records the folders, the second is timed); and with archived files (the inbox
   holds none of them).

Writes bench-results/history.md and history.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "include"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from longrun import template  # noqa: E402 - after the path set-up above

from news_etl import lake as lakes  # noqa: E402
from news_etl.maintenance import maintain  # noqa: E402
from news_etl.schemas import ARTICLE_VECTORS, ARTICLES, INGEST_FILES, INGEST_RUNS  # noqa: E402
from news_etl.settings import get_settings  # noqa: E402
from news_etl.stages import stories as story_stage  # noqa: E402

SHARED = ROOT.parent / "shared"
T0 = datetime(2025, 1, 1, tzinfo=UTC)
GOALS = {"run_seconds": 5.0, "ratio": 2.0, "memory_mb": 1024, "nothing_new_seconds": 15.0}
CHUNK = 50_000
COMMON_TERMS = 200


def _ids(prefix: str, start: int, n: int) -> pa.Array:
    return pa.array([f"{prefix}{k:09d}" for k in range(start, start + n)], pa.string())


def _path(k: int) -> str:
    at = T0 + timedelta(seconds=k * 365 * 86400 // 1_000_000)  # a year of hourly folders at any size
    return f"{at:%Y/%m/%d/%H}/f{k:09d}.txt"


def _content(k: int) -> bytes:
    return f"already ingested {k}\n".encode()


def _mtime_ns(k: int) -> int:
    return int(T0.timestamp() * 1e9) + k * 1_000


def _set(table: pa.Table, name: str, values) -> pa.Table:
    i = table.column_names.index(name)
    return table.set_column(
        i,
        table.schema.field(i),
        pa.array(values, table.schema.field(i).type) if not isinstance(values, pa.Array) else values,
    )


def prefill(settings, tpl: dict[str, pa.Table], n: int) -> None:
    """The lake's history: ``n`` replicated articles with their vectors and ledger rows, then its stories."""
    lake = lakes.Lake.of(settings)
    arts, vecs = tpl["validated_articles"], tpl["article_vectors"]
    vec_of = {a: i for i, a in enumerate(vecs.column("article_id").to_pylist())}
    keep = [i for i, a in enumerate(arts.column("article_id").to_pylist()) if a in vec_of]
    arts = arts.take(pa.array(keep, pa.int64()))
    vecs = vecs.take(pa.array([vec_of[a] for a in arts.column("article_id").to_pylist()], pa.int64()))
    base = arts.num_rows
    df: dict[str, int] = {}
    for ts in vecs.column("terms").to_pylist():
        for t in set(ts):
            df[t] = df.get(t, 0) + 1
    common = pa.array(sorted(sorted(df, key=lambda t: -df[t])[:COMMON_TERMS]), pa.string())
    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        ks = list(range(start, start + m))
        picks = pa.array([k % base for k in ks], pa.int64())
        day = [T0 + timedelta(days=k * 365 // n) for k in ks]
        ids = _ids("p", start, m)
        a = arts.take(picks)
        for name, values in (
            ("article_id", ids),
            ("run_id", [f"prefill-{start // CHUNK:03d}"] * m),
            ("source_path", [_path(k) for k in ks]),
            ("file_hash", _ids("h", start, m)),
            ("content_hash", _ids("c", start, m)),
            ("ingested_at", day),
        ):
            a = _set(a, name, values)
        v = vecs.take(picks)
        terms = v.column("terms").combine_chunks()
        flat = pc.list_flatten(terms)
        parent = pc.list_parent_indices(terms).to_numpy()
        group = [str(k // base) for k in ks]
        suffix = pa.array(["~" + group[i] if group[i] != "0" else "" for i in parent], pa.string())
        shared = pc.is_in(flat, value_set=common)
        new_flat = pc.if_else(shared, flat, pc.binary_join_element_wise(flat, suffix, ""))
        v = _set(v, "terms", pa.ListArray.from_arrays(terms.offsets, new_flat))
        for name, values in (
            ("article_id", ids),
            ("run_id", [f"prefill-{start // CHUNK:03d}"] * m),
            ("ingested_at", day),
        ):
            v = _set(v, name, values)
        ledger = pa.Table.from_pylist(
            [
                {
                    "run_id": f"prefill-{start // CHUNK:03d}",
                    "source_path": _path(k),
                    "file_hash": f"h{k:09d}",
                    "size_bytes": len(_content(k)),
                    "mtime_ns": _mtime_ns(k),
                    "outcome": "published",
                    "duplicate_of": None,
                    "n_articles": 1,
                    "n_quarantined": 0,
                    "ingested_at": d,
                }
                for k, d in zip(ks, day, strict=True)
            ],
            schema=INGEST_FILES,
        )
        run = pa.Table.from_pylist(
            [
                {
                    "run_id": f"prefill-{start // CHUNK:03d}",
                    "inbox": str(settings.inbox),
                    "started_at": day[0],
                    "finished_at": day[-1],
                    "files_seen": m,
                    "files_published": m,
                    "files_duplicate": 0,
                    "files_quarantined": 0,
                    "articles_published": m,
                    "articles_quarantined": 0,
                    "articles_repaired": 0,
                    "lines_removed": 0,
                    "validation_success": True,
                    "status": "success",
                }
            ],
            schema=INGEST_RUNS,
        )

        rows = {
            "articles": a.cast(ARTICLES),
            "article_vectors": v.cast(ARTICLE_VECTORS),
            "ingest_files": ledger,
            "ingest_runs": run,
        }

        def body(con, rows=rows) -> None:
            for table, data in rows.items():
                lakes.insert(con, table, data)

        lakes.transaction(lake, body, what="prefill")
        print(f"  prefill {start + m:,}/{n:,}", flush=True)
    t = time.perf_counter()
    result = lakes.transaction(lake, lambda con: story_stage.rebuild(con, "prefill", T0 + timedelta(days=365)))
    print(f"  stories rebuilt: {result.stories:,} stories in {time.perf_counter() - t:.0f}s", flush=True)
    maintain(lake, datetime.now(UTC), 0, 7)


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: reset by exec, unlike ru_maxrss, which a spawned child
    inherits from the parent it was forked from)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measured_run(args: tuple) -> dict:
    """One 20-article run through the real stages, in a fresh process (its peak memory is the run's)."""
    settings, run_id, at = args
    import logging

    logging.basicConfig(level=logging.WARNING)
    from news_etl.stages.plan import plan_run
    from news_etl.stages.process import process_batch
    from news_etl.stages.publish import publish_run
    from news_etl.stages.validate import validate_run

    out = {}
    t = time.perf_counter()
    plan = plan_run(settings, run_id, at)
    out["plan"] = time.perf_counter() - t
    t = time.perf_counter()
    for batch in plan.batches:
        process_batch(settings, batch, at)
    out["process"] = time.perf_counter() - t
    t = time.perf_counter()
    validate_run(settings, run_id, at)
    out["validate"] = time.perf_counter() - t
    t = time.perf_counter()
    summary = publish_run(settings, run_id, at, at + timedelta(seconds=30))
    out["publish"] = time.perf_counter() - t
    out["stories_seconds"] = summary.stories_seconds
    out["articles"] = summary.articles_published
    out["plan_publish"] = out["plan"] + out["publish"]
    out["peak_rss_mb"] = _peak_mb()
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


def _plan_only(args: tuple) -> dict:
    settings, run_id, at = args
    import logging

    logging.basicConfig(level=logging.WARNING)
    from news_etl.stages.plan import plan_run

    t = time.perf_counter()
    plan = plan_run(settings, run_id, at)
    return {
        "seconds": round(time.perf_counter() - t, 2),
        "new_files": plan.n_files,
        "unchanged": plan.n_unchanged,
        "peak_rss_mb": round(_peak_mb()),
    }


def in_fresh_process(fn, args: tuple) -> dict:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(fn, (args,))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "bench-work" / "history")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    started = time.perf_counter()
    tpl = template(args.work, 400)
    bbc = sorted((SHARED / "corpora" / "bbc").rglob("*.txt"))[400:]
    results: dict = {"sizes": {}, "command": f"make bench-history SIZES={args.sizes}"}
    biggest = None
    for n in sizes:
        print(f"lake of {n:,} articles", flush=True)
        folder = args.work / f"lake-{n}"
        settings = get_settings(nlp=False, catalog=None, data_path=None).with_paths(folder / "inbox", folder / "lake")
        (folder / "inbox").mkdir(parents=True)
        t = time.perf_counter()
        prefill(settings, tpl, n)
        prefill_s = time.perf_counter() - t
        runs = []
        for r in range(args.runs):
            inbox = folder / "inbox"
            for p in bbc[r * 20 : (r + 1) * 20]:
                shutil.copy(p, inbox / f"new-{r}-{p.parent.name}-{p.name}")
            at = T0 + timedelta(days=366, minutes=15 * r)
            runs.append(in_fresh_process(_measured_run, (settings, f"measured-{r}", at)))
            print(f"  run {r + 1}: {runs[-1]}", flush=True)
        med = {k: round(statistics.median(x[k] for x in runs), 3) for k in runs[0] if k != "articles"}
        results["sizes"][n] = {"prefill_seconds": round(prefill_s), "runs": runs, "median": med}
        biggest = (n, settings)

    n, settings = biggest
    print(f"nothing new: an inbox of {n:,} processed files", flush=True)
    inbox = settings.inbox
    for p in list(inbox.iterdir()):  # the measured runs' files: archived, as a long-running deployment would
        if p.is_file():
            p.unlink()
    t = time.perf_counter()
    for k in range(n):
        path = inbox / _path(k)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_content(k))
        os.utime(path, ns=(_mtime_ns(k), _mtime_ns(k)))
    old = (T0 + timedelta(days=365)).timestamp()
    for dirpath, _, _ in os.walk(inbox):
        os.utime(dirpath, (old, old))
    print(f"  {n:,} files written in {time.perf_counter() - t:.0f}s", flush=True)
    at = T0 + timedelta(days=367)
    nothing = {"full": in_fresh_process(_plan_only, (settings, "nothing-full", at))}
    wm = dataclasses.replace(settings, discovery="watermark")
    nothing["watermark_first"] = in_fresh_process(_plan_only, (wm, "nothing-wm-1", at))
    nothing["watermark"] = in_fresh_process(_plan_only, (wm, "nothing-wm-2", at + timedelta(minutes=15)))
    shutil.rmtree(inbox)
    inbox.mkdir()
    nothing["archived"] = in_fresh_process(_plan_only, (settings, "nothing-archived", at))
    results["nothing_new"] = nothing
    print(f"  {nothing}", flush=True)

    small, big = results["sizes"][sizes[0]]["median"], results["sizes"][sizes[-1]]["median"]
    ratio = big["plan_publish"] / small["plan_publish"] if small["plan_publish"] else None
    results["ratio_biggest_to_smallest"] = round(ratio, 2) if ratio else None
    results["goals"] = {
        f"20-article run on {sizes[-1]:,}: plan + publish <= 5 s": big["plan_publish"] <= GOALS["run_seconds"],
        f"... <= 2x the same on {sizes[0]:,}": ratio is not None and ratio <= GOALS["ratio"],
        "memory of that run < 1 GB": big["peak_rss_mb"] < GOALS["memory_mb"],
        "nothing new (watermark or archived) < 15 s": min(
            nothing["watermark"]["seconds"], nothing["archived"]["seconds"]
        )
        < GOALS["nothing_new_seconds"],
        "nothing new, full discovery < 15 s": nothing["full"]["seconds"] < GOALS["nothing_new_seconds"],
    }
    results["wall_seconds"] = round(time.perf_counter() - started)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "history.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    lines = [
        f"# A run's cost against the lake's history ({', '.join(f'{s:,}' for s in sizes)} articles)",
        "",
        f"`{results['command']}` on {len(os.sched_getaffinity(0))} CPUs; NLP off, stories on; median of "
        f"{args.runs} runs of 20 new BBC articles, each in a fresh process.",
        "",
        "| lake articles | plan s | process s | validate s | publish s (stories s) | plan + publish s | peak MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in sizes:
        m = results["sizes"][s]["median"]
        lines.append(
            f"| {s:,} | {m['plan']} | {m['process']} | {m['validate']} | {m['publish']} "
            f"({m['stories_seconds']}) | {m['plan_publish']} | {m['peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        f"Plan + publish, biggest / smallest lake: {results['ratio_biggest_to_smallest']}.",
        "",
        f"Nothing new, inbox of {n:,} processed files (a plan in a fresh process):",
        "",
        "| discovery | seconds | files looked up as unchanged | peak MB |",
        "|---|---|---|---|",
    ]
    for k, v in nothing.items():
        lines.append(f"| {k} | {v['seconds']} | {v['unchanged']:,} | {v['peak_rss_mb']} |")
    lines += ["", "Goals: " + "; ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in results["goals"].items())]
    (args.out / "history.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
