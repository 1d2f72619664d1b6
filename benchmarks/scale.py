"""Scale: N articles through the real ``news_ingest`` DAG on Airflow, end to end.

    python benchmarks/scale.py --n 100000 [--work bench-work/scale] [--keep-inbox] [--profile]

1. Builds an inbox of N files from ../shared/corpora/bbc and the seeds: replicas get perturbations (a
   paragraph dropped, sentences of another article of the same section mixed in, numbers changed) so they
   are not duplicates; ~30% carry scraper furniture (share bars, newsletter boxes, cookie banners), ~2% are
   byte copies of an earlier file, 10% are HTML pages and 5% JSON records, spread over five outlet folders.
2. A fresh Airflow home (SQLite) and lake; ``airflow dags test news_ingest`` runs again and again, as the
   schedule would, until a run finds nothing new (each run takes at most ``NEWS_ETL_MAX_FILES_PER_RUN``).
   That last run is the "nothing new" figure.
3. Per stage: task seconds from Airflow's own task_instance rows; inside ``process_batch``, read vs
   extract seconds from its XCom. Memory: PSS of every process in the tree, sampled every 0.5 s.
4. The DuckDB example queries (``sql/examples``) over the finished lake, each best of 3 and cold.
With ``--profile``, the first DAG run is sampled by py-spy (all processes) and the hottest functions and
libraries are listed. Writes bench-results/scale.md and scale.json.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import html
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from news_etl import lake as lakes
from news_etl.queries import example_queries
from news_etl.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
SHARED = ROOT.parent / "shared"
OUTLETS = ["daily-wire", "metro-news", "world-desk", "the-ledger", "bbc"]
# Scraper furniture of the kinds the seeds and newsbench show; the pipeline has no rule naming these lines.
FURNITURE_TOP = [
    "Skip to main content",
    "Home | News | Sport | Business | Culture | Travel",
    "Advertisement",
    "Share this article",
    "Share on Facebook Share on Twitter Email",
    "Listen to this article 4 min",
]
FURNITURE_BOTTOM = [
    "Sign up for our morning newsletter and get the day's top stories in your inbox.",
    "We use cookies to improve your experience. By continuing you agree to our cookie policy.",
    "Related Topics",
    "Most read",
    "More from this section",
    "© {year} {outlet}. All rights reserved.",
    "Comments are closed for this article.",
    "Follow us on social media",
]
GOALS = {"articles_per_hour": 100_000, "peak_memory_mb": 4096, "nothing_new_task_seconds": 15, "query_seconds": 1.0}


# --------------------------------------------------------------------------- inbox


def _sources() -> list[tuple[str, str, str]]:
    """(section, title, body) of every BBC article and seed."""
    out = []
    for path in sorted((SHARED / "corpora" / "bbc").glob("*/*.txt")):
        raw = path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n")
        title, _, body = raw.strip().partition("\n")
        out.append((path.parent.name, title.strip(), body.strip()))
    for path in sorted((SHARED / "seeds").iterdir()) if (SHARED / "seeds").is_dir() else []:
        if path.is_file():
            raw = path.read_text(encoding="utf-8", errors="replace")
            title, _, body = raw.strip().partition("\n")
            out.append(("seeds", title.strip(), body.strip()))
    return out


def _perturb(body: str, other: str, rng: random.Random) -> str:
    paras = [p for p in body.split("\n\n") if p.strip()]
    if len(paras) > 4:
        del paras[rng.randrange(1, len(paras))]
    donor = [s for s in re.split(r"(?<=[.!?])\s+", other.replace("\n", " ")) if len(s) > 40]
    for _ in range(min(2, len(donor))):
        paras.insert(rng.randrange(1, len(paras) + 1), rng.choice(donor))
    text = "\n\n".join(paras)
    return re.sub(r"\b\d+\b", lambda m: str(int(m.group()) + rng.randint(1, 9)), text, count=3)


def build_inbox(n: int, inbox: Path, seed: int = 8) -> dict:
    """Write ``n`` files into ``inbox`` (deterministic for a given seed). Returns the mix's counts."""
    rng = random.Random(seed)
    sources = _sources()
    if not sources:
        sys.exit(f"no source articles: {SHARED / 'corpora' / 'bbc'} and {SHARED / 'seeds'} are missing")
    by_section: dict[str, list[int]] = collections.defaultdict(list)
    for i, (section, _, _) in enumerate(sources):
        by_section[section].append(i)
    counts = collections.Counter()
    written: list[Path] = []
    for i in range(n):
        outlet = OUTLETS[i % len(OUTLETS)]
        folder = inbox / outlet / f"{i // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        if written and rng.random() < 0.02:  # a scraper that fetched the same page twice
            src = rng.choice(written)
            dest = folder / f"copy-{i:06d}{src.suffix}"
            shutil.copyfile(src, dest)
            written.append(dest)
            counts["byte_copies"] += 1
            continue
        k = i % len(sources)
        section, title, body = sources[k]
        if i >= len(sources):
            other = sources[rng.choice(by_section[section])][2]
            body = _perturb(body, other, rng)
            counts["perturbed"] += 1
        top, bottom = [], []
        if rng.random() < 0.3:
            top = rng.sample(FURNITURE_TOP, 2)
            bottom = [line.format(year=2026, outlet=outlet) for line in rng.sample(FURNITURE_BOTTOM, 3)]
            counts["with_furniture"] += 1
        kind = rng.random()
        if kind < 0.10:
            paras = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n"))
            nav = "".join(f"<li>{html.escape(t)}</li>" for t in top)
            foot = "".join(f"<p>{html.escape(t)}</p>" for t in bottom)
            text = (
                f"<!doctype html><html><head><title>{html.escape(title)} - {outlet}</title></head><body>"
                f"<nav><ul>{nav}</ul></nav><article><h1>{html.escape(title)}</h1>{paras}</article>"
                f"<footer>{foot}</footer></body></html>"
            )
            dest = folder / f"a{i:06d}.html"
            counts["html"] += 1
        elif kind < 0.15:
            text = json.dumps(
                {"url": f"https://{outlet}.example/news/{i}", "title": title, "text": "\n".join([*top, body, *bottom])}
            )
            dest = folder / f"a{i:06d}.json"
            counts["json"] += 1
        else:
            text = "\n".join([*top, title, "", body, "", *bottom]) + "\n"
            dest = folder / f"a{i:06d}.txt"
            counts["txt"] += 1
        dest.write_text(text, encoding="utf-8")
        written.append(dest)
    counts["files"] = n
    counts["bytes"] = sum(p.stat().st_size for p in written)
    return dict(counts)


# --------------------------------------------------------------------------- memory sampler


def _role(proc: psutil.Process) -> str:
    with contextlib.suppress(psutil.Error):
        cmd = " ".join(proc.cmdline())
        if "multiprocessing" in cmd:
            # Pool workers are forked from the forkserver and keep its command line.
            parent = proc.parent()
            if parent is not None and "multiprocessing" in " ".join(parent.cmdline()):
                return "batch worker"
            return "forkserver" if "forkserver" in cmd else "multiprocessing helper"
        if "airflow" in cmd:
            return "airflow dags test (DAG run + tasks)"
        if "py-spy" in cmd:
            return "py-spy"
        return cmd[:60]
    return "?"


class Sampler(threading.Thread):
    """Peak PSS of the whole tree and of each process (by pid, with its role), every ``interval`` s."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = psutil.Process(pid), interval
        self.peak_total = 0
        self.per_pid: dict[int, tuple[str, int]] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            total = 0
            with contextlib.suppress(psutil.Error):
                for p in [self.root, *self.root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        info = p.memory_full_info()
                        mem = getattr(info, "pss", None) or info.rss
                        total += mem
                        role, peak = self.per_pid.get(p.pid, (None, 0))
                        self.per_pid[p.pid] = (role or _role(p), max(peak, mem))
            self.peak_total = max(self.peak_total, total)
            self.stop.wait(self.interval)


# --------------------------------------------------------------------------- runs


def airflow_env(home: Path, inbox: Path, lake: Path) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "NO_PROXY": "*",
            "NEWS_ETL_INBOX": str(inbox),
            "NEWS_ETL_LAKE": str(lake),
            "PATH": f"{BIN}:{env.get('PATH', '')}",
        }
    )
    return env


def dag_run(env: dict, home: Path, log_path: Path, profile: Path | None = None) -> dict:
    """One ``airflow dags test news_ingest``; its wall time, memory and what Airflow recorded."""
    cmd = [str(BIN / "airflow"), "dags", "test", "news_ingest"]
    if profile:
        cmd = [
            str(BIN / "py-spy"),
            "record",
            "--subprocesses",
            "--rate",
            "20",
            "--nonblocking",
            "--format",
            "raw",
            "--output",
            str(profile),
            "--",
            *cmd,
        ]
    started = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        sampler = Sampler(proc.pid)
        sampler.start()
        rc = proc.wait()
        sampler.stop.set()
        sampler.join()
    wall = time.perf_counter() - started
    text = log_path.read_text(errors="replace")
    if rc != 0 or "DagRun Finished" not in text or "state=success" not in text.split("DagRun Finished")[-1][:400]:
        sys.exit(f"airflow dags test failed (exit {rc}); log: {log_path}\n{text[-3000:]}")
    con = sqlite3.connect(f"file:{home / 'airflow.db'}?mode=ro", uri=True)
    run_id = con.execute("select run_id from dag_run where dag_id='news_ingest' order by id desc limit 1").fetchone()[0]
    tasks = con.execute(
        "select task_id, map_index, state, (julianday(end_date) - julianday(start_date)) * 86400.0 "
        "from task_instance where dag_id='news_ingest' and run_id=?",
        (run_id,),
    ).fetchall()
    xcoms = {}
    for task_id, map_index, value in con.execute(
        "select task_id, map_index, value from xcom where dag_id='news_ingest' and run_id=? and key='return_value'",
        (run_id,),
    ):
        with contextlib.suppress(Exception):
            xcoms[(task_id, map_index)] = json.loads(value if isinstance(value, str) else value.decode())
    con.close()
    per_task: dict[str, float] = collections.defaultdict(float)
    for task_id, _, state, seconds in tasks:
        if state == "success" and seconds is not None:
            per_task[task_id] += seconds
    batches = [v for (t, _), v in xcoms.items() if t == "process_batch" and isinstance(v, dict)]
    publish = xcoms.get(("publish_articles", -1)) or {}
    return {
        "run_id": run_id,
        "wall_seconds": round(wall, 1),
        "task_seconds": {k: round(v, 1) for k, v in per_task.items()},
        "batches": len(batches),
        "files": sum(b.get("files", 0) for b in batches),
        "articles_published": publish.get("articles_published", 0) if isinstance(publish, dict) else 0,
        "read_seconds": round(sum(b.get("read_seconds", 0) for b in batches), 1),
        "extract_seconds": round(sum(b.get("extract_seconds", 0) for b in batches), 1),
        "nlp_cpu_seconds": round(sum(b.get("nlp_seconds", 0) for b in batches), 1),
        "processes": max((b.get("processes", 1) for b in batches), default=0),
        "stories_seconds": (publish.get("stories_seconds") if isinstance(publish, dict) else None),
        "peak_memory_mb": round(sampler.peak_total / 2**20),
        "per_process_peak_mb": sorted(
            ((role, round(mem / 2**20)) for role, mem in sampler.per_pid.values()), key=lambda x: -x[1]
        ),
    }


def run_queries(lake: Path) -> dict:
    out = {}
    store = lakes.Lake.of(get_settings().with_paths(lake=lake))
    for name, sql in example_queries().items():
        times = []
        for _ in range(3):
            t = time.perf_counter()
            _, rows = lakes.query(store, sql)
            times.append(time.perf_counter() - t)
        out[name] = {"cold_seconds": round(times[0], 3), "best_seconds": round(min(times), 3), "rows": len(rows)}
    return out


def profile_summary(raw: Path, top: int = 15) -> dict:
    """Leaf functions and libraries from py-spy's collapsed stacks ("frame;frame;... count" per line)."""
    leaves, libs, total = collections.Counter(), collections.Counter(), 0
    lib_of = [
        ("gemm (news_etl/nlp", "spaCy (model + pipeline)"),  # thinc's matrix products, routed via numpy
        ("spacy", "spaCy (model + pipeline)"),
        ("thinc", "spaCy (model + pipeline)"),
        ("numpy", "numpy"),
        ("trafilatura", "trafilatura (HTML)"),
        ("lxml", "trafilatura (HTML)"),
        ("great_expectations", "Great Expectations"),
        ("pandas", "pandas"),
        ("pyarrow", "pyarrow"),
        ("duckdb", "DuckDB"),
        ("news_etl/cleaning", "news_etl cleaning"),
        ("news_etl/linemodel", "news_etl line model"),
        ("news_etl/metadata", "news_etl metadata"),
        ("news_etl/nlp", "news_etl NLP walk"),
        ("news_etl/similarity", "news_etl stories"),
        ("news_etl/stages/stories", "news_etl stories"),
        ("news_etl/reading", "news_etl reading"),
        ("news_etl/quality", "news_etl quality"),
        ("airflow", "Airflow"),
        ("sqlalchemy", "Airflow (SQLAlchemy)"),
        ("importlib", "imports"),
    ]
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        if any(
            f.startswith("process_idle")
            or "wait (threading" in f
            or "select (selectors" in f
            or "_recv_bytes" in f
            or ("poll (" in f and "multiprocessing" in f)
            for f in frames[-3:]
        ):
            continue  # a process waiting is not where the time goes
        total += n
        leaves[frames[-1]] += n
        for frame in reversed(frames):
            lib = next((name for key, name in lib_of if key in frame), None)
            if lib:
                libs[lib] += n
                break
        else:
            libs["other"] += n
    return {
        "samples": total,
        "libraries": [(k, round(100 * v / total, 1)) for k, v in libs.most_common()] if total else [],
        "functions": [(k[:120], round(100 * v / total, 1)) for k, v in leaves.most_common(top)] if total else [],
    }


def dir_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=ROOT / "bench-work" / "scale")
    parser.add_argument("--keep-inbox", action="store_true", help="reuse an inbox built earlier for the same N")
    parser.add_argument("--profile", action="store_true", help="sample the first DAG run with py-spy")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args()

    work = args.work
    inbox, lake, home = work / f"inbox-{args.n}", work / "lake", work / "airflow"
    if not (args.keep_inbox and (inbox / ".complete").is_file()):
        shutil.rmtree(inbox, ignore_errors=True)
        t = time.perf_counter()
        mix = build_inbox(args.n, inbox)
        (inbox / ".complete").write_text(json.dumps(mix))
        print(
            f"inbox: {args.n:,} files, {mix['bytes'] / 2**20:.0f} MB in {time.perf_counter() - t:.0f} s: {mix}",
            flush=True,
        )
    mix = json.loads((inbox / ".complete").read_text())
    shutil.rmtree(lake, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env = airflow_env(home, inbox, lake)
    subprocess.run(
        [str(BIN / "airflow"), "db", "migrate"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    runs = []
    started = time.perf_counter()
    while True:
        k = len(runs) + 1
        prof = work / "profile.txt" if args.profile and k == 1 else None
        r = dag_run(env, home, work / f"run-{k}.log", prof)
        runs.append(r)
        print(
            f"run {k}: {r['files']:,} files, {r['articles_published']:,} articles in {r['wall_seconds']} s "
            f"({r['batches']} batches x {r['processes']} processes); tasks {r['task_seconds']}; "
            f"peak {r['peak_memory_mb']} MB",
            flush=True,
        )
        if r["files"] == 0:
            break
    ingest = [r for r in runs if r["files"]]
    nothing_new = runs[-1]
    wall = sum(r["wall_seconds"] for r in ingest)
    articles = sum(r["articles_published"] for r in ingest)
    stage_totals: dict[str, float] = collections.defaultdict(float)
    for r in ingest:
        for task, sec in r["task_seconds"].items():
            stage_totals[task] += sec
    task_total = sum(stage_totals.values())
    queries = run_queries(lake)
    results = {
        "n": args.n,
        "inbox": mix,
        "runs": runs,
        "end_to_end_seconds": round(time.perf_counter() - started, 1),
        "ingest_wall_seconds": round(wall, 1),
        "articles_published": articles,
        "files": sum(r["files"] for r in ingest),
        "articles_per_hour": round(articles / wall * 3600) if wall else 0,
        "files_per_hour": round(sum(r["files"] for r in ingest) / wall * 3600) if wall else 0,
        "stages": {k: {"seconds": round(v, 1), "share": round(v / task_total, 3)} for k, v in stage_totals.items()},
        "process_batch_inside": {
            k: round(sum(r[k] for r in ingest), 1) for k in ("read_seconds", "extract_seconds", "nlp_cpu_seconds")
        },
        "peak_memory_mb": max(r["peak_memory_mb"] for r in runs),
        "nothing_new": {
            "task_seconds": round(sum(nothing_new["task_seconds"].values()), 1),
            "tasks": nothing_new["task_seconds"],
            "wall_seconds": nothing_new["wall_seconds"],
        },
        "output_mb": {p.name: dir_mb(p) for p in sorted((lake / "tables" / "main").iterdir()) if p.is_dir()},
        "catalog_mb": round((lake / "catalog.sqlite").stat().st_size / 2**20, 1),
        "queries": queries,
        "cpus": len(os.sched_getaffinity(0)),
    }
    if args.profile and (work / "profile.txt").is_file():
        results["profile"] = profile_summary(work / "profile.txt")
    results["goals"] = {
        "articles_per_hour": [
            results["articles_per_hour"],
            GOALS["articles_per_hour"],
            results["articles_per_hour"] >= GOALS["articles_per_hour"],
        ],
        "peak_memory_mb": [
            results["peak_memory_mb"],
            GOALS["peak_memory_mb"],
            results["peak_memory_mb"] < GOALS["peak_memory_mb"],
        ],
        "nothing_new_task_seconds": [
            results["nothing_new"]["task_seconds"],
            GOALS["nothing_new_task_seconds"],
            results["nothing_new"]["task_seconds"] < GOALS["nothing_new_task_seconds"],
        ],
        "slowest_query_seconds": [
            max(q["best_seconds"] for q in queries.values()),
            GOALS["query_seconds"],
            max(q["best_seconds"] for q in queries.values()) < GOALS["query_seconds"],
        ],
    }
    args.out.mkdir(exist_ok=True)
    (args.out / "scale.json").write_text(json.dumps(results, indent=2))
    md = render(results)
    (args.out / "scale.md").write_text(md)
    print(md)


def render(r: dict) -> str:
    def mark(goal: list) -> str:
        return "met" if goal[2] else "NOT met"

    g = r["goals"]
    lines = [
        f"`make bench-scale N={r['n']}`: {r['files']:,} inbox files ({r['inbox'].get('txt', 0):,} text, "
        f"{r['inbox'].get('html', 0):,} HTML, {r['inbox'].get('json', 0):,} JSON; "
        f"{r['inbox'].get('byte_copies', 0):,} byte copies, {r['inbox'].get('with_furniture', 0):,} with scraper "
        f"furniture, {r['inbox']['bytes'] / 2**20:.0f} MB) through `airflow dags test news_ingest`, "
        f"{len(r['runs']) - 1} runs until the inbox was drained, on {r['cpus']} CPUs; NLP, stories and validation on.",
        "",
        "| goal | measured | target | |",
        "|---|---|---|---|",
        f"| articles/hour end to end | {g['articles_per_hour'][0]:,} | >= {g['articles_per_hour'][1]:,} | "
        f"{mark(g['articles_per_hour'])} |",
        f"| peak memory, all processes (PSS) | {g['peak_memory_mb'][0]:,} MB | < {g['peak_memory_mb'][1]:,} MB | "
        f"{mark(g['peak_memory_mb'])} |",
        f"| nothing-new run, task time | {g['nothing_new_task_seconds'][0]} s | < {g['nothing_new_task_seconds'][1]} s"
        f" | {mark(g['nothing_new_task_seconds'])} |",
        f"| slowest example query (best of 3) | {g['slowest_query_seconds'][0]} s | < {g['slowest_query_seconds'][1]} s"
        f" | {mark(g['slowest_query_seconds'])} |",
        "",
        f"{r['articles_published']:,} articles published from {r['files']:,} files in "
        f"{r['ingest_wall_seconds']:,} s of `airflow dags test` wall time ({r['files_per_hour']:,} files/hour).",
        "",
        "| stage (task) | seconds | share of task time |",
        "|---|---|---|",
    ]
    for name, s in sorted(r["stages"].items(), key=lambda kv: -kv[1]["seconds"]):
        lines.append(f"| {name} | {s['seconds']:,} | {100 * s['share']:.1f}% |")
    inside = r["process_batch_inside"]
    lines += [
        "",
        f"Inside process_batch: reading {inside['read_seconds']} s, cleaning + metadata + NLP + vectors "
        f"{inside['extract_seconds']} s wall ({inside['nlp_cpu_seconds']} CPU-seconds of it in spaCy).",
        "",
        "| run | files | articles | wall s | batches x processes | peak MB | tasks (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for k, run in enumerate(r["runs"], 1):
        lines.append(
            f"| {k} | {run['files']:,} | {run['articles_published']:,} | {run['wall_seconds']} | "
            f"{run['batches']} x {run['processes']} | {run['peak_memory_mb']:,} | "
            + ", ".join(f"{t} {s}" for t, s in run["task_seconds"].items())
            + " |"
        )
    worst = max(r["runs"], key=lambda x: x["peak_memory_mb"])
    lines += [
        "",
        "Peak memory per process in the run with the highest total: "
        + ", ".join(f"{role} {mb} MB" for role, mb in worst["per_process_peak_mb"][:8]),
        "",
        f"Nothing-new run: {r['nothing_new']['task_seconds']} s of task time ({r['nothing_new']['tasks']}), "
        f"{r['nothing_new']['wall_seconds']} s wall including `airflow dags test` start-up.",
        "",
        "Output: " + ", ".join(f"{k} {v} MB" for k, v in r["output_mb"].items()) + f"; catalog {r['catalog_mb']} MB.",
        "",
        "| example query | cold s | best of 3 s | rows |",
        "|---|---|---|---|",
    ]
    for name, q in r["queries"].items():
        lines.append(f"| {name} | {q['cold_seconds']} | {q['best_seconds']} | {q['rows']} |")
    if "profile" in r:
        p = r["profile"]
        lines += [
            "",
            f"py-spy, first run, {p['samples']:,} samples of busy processes, by library:",
            "",
            "| library | share |",
            "|---|---|",
        ]
        lines += [f"| {k} | {v}% |" for k, v in p["libraries"][:12]]
        lines += ["", "| hottest leaf function | share |", "|---|---|"]
        lines += [f"| `{k}` | {v}% |" for k, v in p["functions"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
