"""Memory stays bounded: peak memory of `news-etl ingest` on one big file and on many files.

    python benchmarks/memory.py [--big-mb 25] [--files 100000] [--workers 2] [--nlp on|off]

1. One text file of --big-mb MB (BBC articles glued into one long article of short paragraphs).
2. --files files, each a BBC article with a line that makes it unique (so none is a duplicate).
Each is ingested by the real CLI in a fresh lake; a sampler adds up the memory (PSS: shared pages split
between the processes that share them) of the CLI process and all its children every 0.2 s, and the peak
of that sum is reported (the goal: under 2 GB). Writes
bench-results/memory.md and memory.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def tree_rss(proc: psutil.Process) -> int:
    """Memory of the process tree: PSS (shared pages split between their users, so forked workers are
    not counted twice), else RSS where PSS is not available."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            info = p.memory_full_info()
            total += getattr(info, "pss", None) or info.rss
    return total


def ingest(inbox: Path, lake: Path, workers: int, nlp: str) -> dict:
    env = {**dict(__import__("os").environ), "NEWS_ETL_NLP": nlp}
    started = time.perf_counter()
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "news-etl"), "ingest", "--inbox", str(inbox), "--lake",
                             str(lake), "--workers", str(workers)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(ps))
        time.sleep(0.2)
    out, err = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"ingest failed:\n{err[-3000:]}")
    summary = json.loads(out)
    return {"seconds": round(time.perf_counter() - started, 1), "peak_rss_mb": round(peak / 2**20),
            "files_seen": summary.get("files_seen"), "articles": summary.get("articles_published")}


def bbc_texts(bbc: Path) -> list[str]:
    return [p.read_text(encoding="utf-8", errors="replace") for p in sorted(bbc.rglob("*.txt"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bbc", type=Path, default=ROOT.parent / "shared" / "corpora" / "bbc")
    parser.add_argument("--big-mb", type=int, default=25)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--nlp", default="on")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args(argv)
    texts = bbc_texts(args.bbc)
    work = Path(tempfile.mkdtemp(prefix="news-etl-memory-"))
    results = {}
    try:
        big = work / "big" / "inbox"
        big.mkdir(parents=True)
        with open(big / "big.txt", "w", encoding="utf-8") as fh:
            written, i = 0, 0
            fh.write("One very long article\n\n")
            while written < args.big_mb * 2**20:
                body = texts[i % len(texts)].split("\n", 1)[-1].strip() + f"\n\nPart {i} ends here.\n\n"
                fh.write(body)
                written += len(body.encode())
                i += 1
        results["big_file"] = {"mb": args.big_mb, **ingest(big, work / "big" / "lake", args.workers, args.nlp)}
        print("big file:", results["big_file"], flush=True)
        many = work / "many" / "inbox"
        for k in range(args.files):
            folder = many / f"d{k // 1000:04d}"  # 1,000 files a folder, as scrapers usually shard
            if k % 1000 == 0:
                folder.mkdir(parents=True)
            (folder / f"{k:07d}.txt").write_text(texts[k % len(texts)] + f"\n\nArchive copy {k}.\n",
                                                  encoding="utf-8")
        results["many_files"] = {"files": args.files, **ingest(many, work / "many" / "lake", args.workers, args.nlp)}
        print("many files:", results["many_files"], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [f"Peak memory (PSS summed over the CLI and its worker processes), `--workers {args.workers}`, "
             f"NLP {args.nlp}:", "", "| input | seconds | peak memory | goal |", "|---|---|---|---|"]
    b, m = results["big_file"], results["many_files"]
    lines.append(f"| one {b['mb']} MB file | {b['seconds']} | {b['peak_rss_mb']:,} MB | < 2,048 MB |")
    lines.append(f"| {m['files']:,} files ({m['articles']:,} articles) | {m['seconds']} | {m['peak_rss_mb']:,} MB "
                 f"| < 2,048 MB |")
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "memory.md").write_text(table + "\n")
    (args.out / "memory.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
