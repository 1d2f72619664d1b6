"""Memory stays bounded: peak memory of `news-etl ingest` on the worst inputs the limits allow, and on many files.

    python benchmarks/memory.py [--files 100000] [--workers 2] [--nlp on|off] [--cases hostile,big,many]

1. hostile: the worst cases within the configured limits, in one inbox: four .txt.gz that each inflate to
   just under NEWS_ETL_MAX_INFLATED_BYTES (an 812 kB gzip inflating to 200 MB is past it and stops at the
   limit), four 22 MB text files of 60,000 repeated share lines, four texts of short share lines just under
   NEWS_ETL_MAX_RECORD_CHARS (the costliest text per character to clean that is still accepted), and a JSONL
   file just under the inflate limit whose records are each such a text, and two HTML pages just under
   NEWS_ETL_MAX_HTML_CHARS.
2. big: one article just under NEWS_ETL_MAX_RECORD_CHARS (BBC articles glued into one long article).
3. many: --files files, each a BBC article with a line that makes it unique (so none is a duplicate).
Each is ingested by the real CLI in a fresh lake; a sampler adds up the memory (PSS: shared pages split
between the processes that share them) of the CLI process and all its children every 0.2 s, and the peak
of that sum is reported (the goal: under 2 GB). Writes bench-results/memory.md and memory.json.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from news_etl.settings import get_settings

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
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "news-etl"),
            "ingest",
            "--inbox",
            str(inbox),
            "--lake",
            str(lake),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(ps))
        time.sleep(0.2)
    out, err = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"ingest failed:\n{err[-3000:]}")
    summary = json.loads(out)
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(peak / 2**20),
        "files_seen": summary.get("files_seen"),
        "articles": summary.get("articles_published"),
    }


SHARE_LINES = [
    "Share this: Twitter",
    "Facebook",
    "Share on WhatsApp",
    "Click to email a link to a friend",
    "Related: More news from our team",
    "Follow us on Instagram",
]


def share_text(chars: int, lede: str) -> str:
    """An article followed by short share lines up to ``chars`` characters: the most lines per character."""
    parts, n, i = [lede], len(lede), 0
    while n < chars:
        line = SHARE_LINES[i % len(SHARE_LINES)]
        if n + len(line) + 1 > chars:
            break
        parts.append(line)
        n += len(line) + 1
        i += 1
    return "\n".join(parts)


def build_hostile(inbox: Path, lede: str) -> dict:
    limits = get_settings().limits
    inbox.mkdir(parents=True)
    near_inflate = limits.max_inflated_bytes - 1024
    block = share_text(1 << 20, lede).encode()
    for k in range(4):
        with gzip.open(inbox / f"inflates-{k}.txt.gz", "wb", compresslevel=6) as fh:
            written = 0
            while written + len(block) < near_inflate:
                fh.write(block)
                written += len(block)
    with gzip.open(inbox / "bomb-200mb.txt.gz", "wb", compresslevel=9) as fh:
        for _ in range(200):
            fh.write(block)
    lines22 = "\n".join([lede] + [(SHARE_LINES[i % 6] + " ") * 16 for i in range(60_000)])  # ~22 MB
    for k in range(4):
        (inbox / f"shares-22mb-{k}.txt").write_text(lines22 + f"\nCopy {k}.", encoding="utf-8")
        (inbox / f"at-record-limit-{k}.txt").write_text(
            share_text(limits.max_record_chars - 100, lede + f" ({k})"), encoding="utf-8"
        )
    # Pages of markup just under NEWS_ETL_MAX_HTML_CHARS (a big inline script, then many small blocks).
    blocks = "".join(f"<div><p>Paragraph {i}: {lede[:120]}</p><a href='/x/{i}'>Link {i}</a></div>" for i in range(2000))
    for k in range(2):
        head = f"<html><head><title>Page {k}</title><script>{'var x=1;' * 100_000}</script></head><body><article>"
        body = blocks * max(1, (limits.max_html_chars - len(head) - 1000) // len(blocks))
        (inbox / f"page-{k}.html").write_text(head + body + "</article></body></html>", encoding="utf-8")
    with open(inbox / "records.jsonl", "w", encoding="utf-8") as fh:
        written, k = 0, 0
        while True:
            line = json.dumps({"text": share_text(limits.max_record_chars - 100, lede + f" [{k}]")}) + "\n"
            if written + len(line) >= near_inflate:
                break
            fh.write(line)
            written += len(line)
            k += 1
    return {
        "files": len(list(inbox.iterdir())),
        "bytes": sum(p.stat().st_size for p in inbox.iterdir()),
        "record_limit": limits.max_record_chars,
        "inflate_limit": limits.max_inflated_bytes,
    }


def bbc_texts(bbc: Path) -> list[str]:
    return [p.read_text(encoding="utf-8", errors="replace") for p in sorted(bbc.rglob("*.txt"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bbc", type=Path, default=ROOT.parent / "shared" / "corpora" / "bbc")
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--cases", default="hostile,big,many", help="which of hostile, big, many to run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--nlp", default="on")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args(argv)
    texts = bbc_texts(args.bbc)
    cases = set(args.cases.split(","))
    work = Path(tempfile.mkdtemp(prefix="news-etl-memory-"))
    results = {}
    try:
        if "hostile" in cases:
            built = build_hostile(work / "hostile" / "inbox", texts[0].strip())
            results["hostile"] = {
                **built,
                **ingest(work / "hostile" / "inbox", work / "hostile" / "lake", args.workers, args.nlp),
            }
            print("hostile:", results["hostile"], flush=True)
        if "big" in cases:
            big = work / "big" / "inbox"
            big.mkdir(parents=True)
            limit = get_settings().limits.max_record_chars - 1000
            with open(big / "big.txt", "w", encoding="utf-8") as fh:
                written, i = 0, 0
                fh.write("One very long article\n\n")
                while True:
                    body = texts[i % len(texts)].split("\n", 1)[-1].strip() + f"\n\nPart {i} ends here.\n\n"
                    if written + len(body) > limit:
                        break
                    fh.write(body)
                    written += len(body)
                    i += 1
            results["big_file"] = {"chars": written, **ingest(big, work / "big" / "lake", args.workers, args.nlp)}
            print("big file:", results["big_file"], flush=True)
        if "many" not in cases:
            args.files = 0
        many = work / "many" / "inbox"
        for k in range(args.files):
            folder = many / f"d{k // 1000:04d}"  # 1,000 files a folder, as scrapers usually shard
            if k % 1000 == 0:
                folder.mkdir(parents=True)
            (folder / f"{k:07d}.txt").write_text(texts[k % len(texts)] + f"\n\nArchive copy {k}.\n", encoding="utf-8")
        if args.files:
            results["many_files"] = {
                "files": args.files,
                **ingest(many, work / "many" / "lake", args.workers, args.nlp),
            }
            print("many files:", results["many_files"], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        f"Peak memory (PSS summed over the CLI and its worker processes), `--workers {args.workers}`, NLP {args.nlp}:",
        "",
        "| input | seconds | peak memory | goal |",
        "|---|---|---|---|",
    ]
    if "hostile" in results:
        h = results["hostile"]
        lines.append(
            f"| worst cases within the limits: {h['files']} files, {h['bytes'] / 2**20:,.0f} MB on disk "
            f"({h['articles']} articles) | {h['seconds']} | {h['peak_rss_mb']:,} MB | < 2,048 MB |"
        )
    if "big_file" in results:
        b = results["big_file"]
        lines.append(
            f"| one article of {b['chars']:,} characters | {b['seconds']} | {b['peak_rss_mb']:,} MB | < 2,048 MB |"
        )
    if "many_files" in results:
        m = results["many_files"]
        lines.append(
            f"| {m['files']:,} files ({m['articles']:,} articles) | {m['seconds']} | "
            f"{m['peak_rss_mb']:,} MB | < 2,048 MB |"
        )
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "memory.md").write_text(table + "\n")
    (args.out / "memory.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
