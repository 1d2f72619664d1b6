"""Long run: many 15-minute runs of 20 articles into one lake, as months of the schedule would leave it.

    python benchmarks/longrun.py --runs 5000 [--per-run 20] [--work bench-work/longrun]

1. One real template run (plan, process, validate; NLP off) over 400 BBC articles gives staged rows.
2. Each simulated run stages 20 of them with new ids, paths and hashes (every run's articles are new to the
   lake, so the duplicate checks look and find nothing) and its own time, 15 minutes after the last, then
   calls the real ``publish_run``: one DuckLake transaction, duplicate lookups, every table written.
   Story clustering is off (``stories=False``): the figures here are about the lake's own cost; the
   stories' cost against history is ``make bench-history``'s.
3. ``maintain`` once a simulated day (96 runs): flush, merge, expire, delete. Snapshot times are wall-clock
   times, so a simulated week cannot pass: retention is 0 here (every snapshot but the newest expires).
4. At the end: publish seconds around run 100, 1,000 and the last (median of 21 runs), the data files of
   the current snapshot per table and the partition days they cover, files on disk, and each example
   query's time (cold, and best of 3).

Writes bench-results/longrun.md and longrun.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
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

from news_etl import lake as lakes  # noqa: E402 - after the path set-up above
from news_etl.maintenance import maintain  # noqa: E402
from news_etl.queries import example_queries  # noqa: E402
from news_etl.schemas import (  # noqa: E402
    ARTICLE_VECTORS,
    ARTICLES,
    BOILERPLATE_REMOVED,
    GATE_RESULTS,
    QUARANTINE,
    STAGED_FILES,
)
from news_etl.settings import get_settings  # noqa: E402
from news_etl.stages.plan import plan_run  # noqa: E402
from news_etl.stages.process import process_batch  # noqa: E402
from news_etl.stages.publish import publish_run  # noqa: E402
from news_etl.stages.validate import validate_run  # noqa: E402
from news_etl.staging import RunStage  # noqa: E402

SHARED = ROOT.parent / "shared"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=15)
RUNS_PER_DAY = 96
GOALS = {"query_seconds": 0.5, "last_vs_100": 1.5}


def _h(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:20]


def template(work: Path, n: int) -> dict[str, pa.Table]:
    """Staged rows of one real run over ``n`` BBC articles."""
    inbox = work / "template-inbox"
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir(parents=True)
    bbc = sorted((SHARED / "corpora" / "bbc").rglob("*.txt"))
    if not bbc:
        raise SystemExit(f"no BBC corpus at {SHARED / 'corpora' / 'bbc'}")
    for i, p in enumerate(bbc[:n]):
        (inbox / f"t{i:04d}.txt").write_bytes(p.read_bytes())
    settings = get_settings(nlp=False).with_paths(inbox, work / "template-lake")
    plan = plan_run(settings, "template", T0)
    for batch in plan.batches:
        process_batch(settings, batch, T0)
    validate_run(settings, "template", T0)
    stage = RunStage(lakes.Lake.of(settings), "template")
    return {
        "files": stage.read_batches("files", STAGED_FILES),
        "quarantine": stage.read_batches("quarantine", QUARANTINE),
        "article_vectors": stage.read_batches("article_vectors", ARTICLE_VECTORS),
        "boilerplate_removed": stage.read_batches("boilerplate_removed", BOILERPLATE_REMOVED),
        "validated_articles": stage.read_table("validated/articles.parquet", ARTICLES),
        "gate_results": stage.read_table("validated/gate_results.parquet", GATE_RESULTS),
    }


def _replace(table: pa.Table, name: str, values: list) -> pa.Table:
    if name not in table.column_names:
        return table
    i = table.column_names.index(name)
    return table.set_column(i, table.schema.field(i), pa.array(values, table.schema.field(i).type))


def stage_run(settings, tpl: dict[str, pa.Table], k: int, per_run: int, at: datetime) -> str:
    """Stage run ``k``: ``per_run`` template articles under new ids, paths and hashes, at time ``at``."""
    run_id = f"scheduled__{at.isoformat()}"
    arts = tpl["validated_articles"]
    picks = [(k * per_run + i) % arts.num_rows for i in range(per_run)]
    arts = arts.take(pa.array(picks, pa.int64()))
    old_ids = arts.column("article_id").to_pylist()
    old_paths = arts.column("source_path").to_pylist()
    new_id = {a: _h("a", k, i) for i, a in enumerate(old_ids)}
    new_path = {p: f"outlet-{i % 5}/run{k:06d}-{i:02d}.txt" for i, p in enumerate(old_paths)}
    new_hash = {p: _h("f", k, i) for i, p in enumerate(old_paths)}

    def remap(table: pa.Table) -> pa.Table:
        if "article_id" in table.column_names:
            table = table.filter(pc.is_in(table.column("article_id"), pa.array(old_ids, pa.string())))
            table = _replace(table, "article_id", [new_id[a] for a in table.column("article_id").to_pylist()])
        if "source_path" in table.column_names:
            table = table.filter(pc.is_in(table.column("source_path"), pa.array(old_paths, pa.string())))
            paths = table.column("source_path").to_pylist()
            table = _replace(table, "source_path", [new_path[p] for p in paths])
            table = _replace(table, "file_hash", [new_hash[p] for p in paths])
        n = table.num_rows
        for col in ("ingested_at", "validated_at", "quarantined_at"):
            table = _replace(table, col, [at] * n)
        table = _replace(table, "run_id", [run_id] * n)
        return table

    articles = remap(arts)
    articles = _replace(articles, "content_hash", [_h("c", k, i) for i in range(articles.num_rows)])
    stage = RunStage(lakes.Lake.of(settings), run_id)
    stage.write_table("batch-00000/files.parquet", remap(tpl["files"]))
    for name in ("article_vectors", "boilerplate_removed", "quarantine"):
        stage.write_table(f"batch-00000/{name}.parquet", remap(tpl[name]))
    stage.write_table("batch-00000/articles.parquet", articles)
    stage.write_table("validated/articles.parquet", articles)
    stage.write_table("validated/quarantine.parquet", QUARANTINE.empty_table())
    results = tpl["gate_results"]
    results = _replace(
        _replace(results, "run_id", [run_id] * results.num_rows), "validated_at", [at] * results.num_rows
    )
    stage.write_table("validated/gate_results.parquet", results)
    return run_id


def time_queries(lake: lakes.Lake) -> tuple[dict, float]:
    """Each example query in an analyst's session: the first run in a fresh session (cold) and the best of 3;
    and what opening a session costs (loading the extensions, attaching the catalog), paid once per session."""
    out = {}
    opens = []
    for name, sql in example_queries().items():
        t = time.perf_counter()
        with lakes.reader(lake) as con:
            opens.append(time.perf_counter() - t)
            times = []
            for _ in range(3):
                t = time.perf_counter()
                con.execute(sql).fetchall()
                times.append(time.perf_counter() - t)
        out[name] = {"cold_seconds": round(times[0], 3), "best_seconds": round(min(times), 3)}
    return out, round(statistics.median(opens), 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--per-run", type=int, default=20)
    parser.add_argument("--work", type=Path, default=ROOT / "bench-work" / "longrun")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    started = time.perf_counter()
    tpl = template(args.work, 400)
    print(
        f"template: {tpl['validated_articles'].num_rows} articles staged in {time.perf_counter() - started:.0f}s",
        flush=True,
    )
    settings = get_settings(nlp=False, stories=False, catalog=None, data_path=None).with_paths(
        args.work / "inbox", args.work / "lake"
    )
    (args.work / "inbox").mkdir()
    lake = lakes.Lake.of(settings)
    publish_s: list[float] = []
    maint: list[dict] = []
    for k in range(args.runs):
        at = T0 + k * STEP
        run_id = stage_run(settings, tpl, k, args.per_run, at)
        t = time.perf_counter()
        publish_run(settings, run_id, at, at + timedelta(seconds=30))
        publish_s.append(time.perf_counter() - t)
        if (k + 1) % RUNS_PER_DAY == 0:
            m = maintain(lake, datetime.now(UTC), 0, 7)
            maint.append({"after_run": k + 1, "seconds": m["seconds"], "files_after": m["data_files_after"]})
        if (k + 1) % 250 == 0 or k + 1 == args.runs:
            print(
                f"run {k + 1}/{args.runs}: publish {publish_s[-1]:.2f}s (median of last 50 "
                f"{statistics.median(publish_s[-50:]):.2f}s), {time.perf_counter() - started:.0f}s so far",
                flush=True,
            )
    final_maint = maintain(lake, datetime.now(UTC), 0, 7)

    def around(n: int) -> float | None:
        if n > len(publish_s):
            return None
        lo, hi = max(0, n - 11), min(len(publish_s), n + 10)
        return round(statistics.median(publish_s[lo:hi]), 3)

    with lakes.reader(lake) as con:
        per_table = {
            t: con.execute(f"select count(*) from ducklake_list_files('lake', '{t}')").fetchone()[0]
            for t in lakes.ALL_TABLES
        }
        articles = con.execute("select count(*) from articles").fetchone()[0]
    n_days = len({(T0 + k * STEP).date() for k in range(args.runs)})
    results = {
        "runs": args.runs,
        "per_run": args.per_run,
        "articles": articles,
        "simulated_days": n_days,
        "publish_seconds": {"run_100": around(100), "run_1000": around(1000), "last": around(args.runs)},
        "publish_seconds_mean": round(statistics.mean(publish_s), 3),
        "data_files_after_maintenance": per_table,
        "data_files_limit_per_table": n_days + 1,
        "files_on_disk": sum(1 for _ in (args.work / "lake" / "tables").rglob("*.parquet")),
        "catalog_mb": round((args.work / "lake" / "catalog.sqlite").stat().st_size / 2**20, 1),
        "maintenance_seconds": {
            "median": round(statistics.median(m["seconds"] for m in maint), 2) if maint else None,
            "final": final_maint["seconds"],
        },
        "queries": (queries := time_queries(lake))[0],
        "session_open_seconds": queries[1],
        "wall_seconds": round(time.perf_counter() - started),
        "command": f"make bench-longrun RUNS={args.runs}",
    }
    last_vs_100 = (
        results["publish_seconds"]["last"] / results["publish_seconds"]["run_100"]
        if results["publish_seconds"]["run_100"] and results["publish_seconds"]["last"]
        else None
    )
    results["last_vs_run_100"] = round(last_vs_100, 2) if last_vs_100 else None
    worst_query = max(q["cold_seconds"] for q in results["queries"].values())
    results["goals"] = {
        "every example query <= 0.5 s (cold, in a session)": worst_query <= GOALS["query_seconds"],
        "publish of the last run <= 1.5x run 100": last_vs_100 is not None and last_vs_100 <= GOALS["last_vs_100"],
        "data files <= one per table per day + 1": all(v <= n_days + 1 for v in per_table.values()),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "longrun.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    lines = [
        f"# Long run: {args.runs} runs of {args.per_run} articles into one lake",
        "",
        f"`{results['command']}` on {len(os.sched_getaffinity(0))} CPUs; stories off, maintenance daily "
        f"(every {RUNS_PER_DAY} runs), retention 0. {articles:,} articles over {n_days} simulated days.",
        "",
        "| publish seconds (median of 21 runs) | |",
        "|---|---|",
    ]
    for k, v in results["publish_seconds"].items():
        lines.append(f"| {k} | {v} |")
    lines += [
        "",
        f"Last / run 100: {results['last_vs_run_100']}. Mean publish {results['publish_seconds_mean']} s.",
        "",
        f"Data files in the current snapshot after maintenance (limit {n_days + 1} per table):",
        "",
        "| table | files |",
        "|---|---|",
    ]
    lines += [f"| {t} | {n} |" for t, n in per_table.items()]
    lines += [
        "",
        f"Files on disk: {results['files_on_disk']}; catalog {results['catalog_mb']} MB; maintenance "
        f"median {results['maintenance_seconds']['median']} s.",
        "",
        "| example query | cold s | best s |",
        "|---|---|---|",
    ]
    lines += [f"| {n} | {q['cold_seconds']} | {q['best_seconds']} |" for n, q in results["queries"].items()]
    lines += [
        "",
        f"Opening a session (extensions loaded, catalog attached): {results['session_open_seconds']} s, "
        "once per session (each `news-etl sql` call pays it).",
    ]
    lines += ["", "Goals: " + "; ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in results["goals"].items())]
    (args.out / "longrun.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
