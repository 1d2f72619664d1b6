"""Digest of the lake an inbox makes: one line per table (rows, sha256 of its rows in a fixed order).

Used to show that a change of structure changed no behaviour: ingest the same inbox before and after, with the
same run id and times, and compare the two digests (``--compare``)::

    .venv/bin/python scripts/lake_digest.py --inbox seeds --out before.json
    ... change the code ...
    .venv/bin/python scripts/lake_digest.py --inbox seeds --compare before.json

The run id and every time are fixed, so two runs of the same code give the same digest. Tables renamed since a
digest was written are compared under their current names (``RENAMED`` of :mod:`news_etl.lake`, when present).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SKIP = {"truth.jsonl"}  # newsbench's labels sit beside its pages: they are answers, not articles


def _inbox_copy(inbox: Path, into: Path) -> Path:
    """The inbox without label files, as a scraper would have dropped it."""
    target = into / "inbox"
    shutil.copytree(inbox, target, ignore=lambda _d, names: [n for n in names if n in SKIP])
    # A checkout gives files the time it was made: fix every mtime so the ledger's rows are the same anywhere.
    stamp = (AT - timedelta(days=1)).timestamp()
    for path in sorted(target.rglob("*"), reverse=True):
        os.utime(path, (stamp, stamp))
    return target


def digest(inbox: Path, workdir: Path) -> dict[str, dict]:
    from news_etl import lake as lakes

    try:
        from news_etl.runner import run_ingest
    except ImportError:  # before the stages moved into their own modules
        from news_etl.pipeline import run_ingest
    from news_etl.schemas import ALL_TABLES
    from news_etl.settings import get_settings

    settings = get_settings().with_paths(str(_inbox_copy(inbox, workdir)), str(workdir / "lake"))
    run_ingest(settings, "digest", AT, clock=lambda: AT)
    out: dict[str, dict] = {}
    with lakes.reader(lakes.Lake.of(settings)) as con:
        for name in ALL_TABLES:
            table = lakes.read(con, name)
            # The inbox's absolute path (ingest_runs.inbox) is this run's temp folder: not part of the result.
            rows = sorted(
                json.dumps(r, default=str, sort_keys=True, ensure_ascii=False).replace(str(workdir), "<tmp>")
                for r in table.to_pylist()
            )
            out[name] = {"rows": len(rows), "sha256": hashlib.sha256("\n".join(rows).encode()).hexdigest()}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inbox", required=True, type=Path)
    parser.add_argument("--out", type=Path, help="write the digest here (JSON)")
    parser.add_argument("--compare", type=Path, help="compare with a digest written earlier; exit 1 on a difference")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        now = digest(args.inbox, Path(tmp))
    for name, d in now.items():
        print(f"{name:22s} {d['rows']:7d} rows  {d['sha256'][:16]}")
    if args.out:
        args.out.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
    if args.compare:
        try:
            from news_etl.lake import RENAMED
        except ImportError:
            RENAMED = {}
        before = {RENAMED.get(k, k): v for k, v in json.loads(args.compare.read_text()).items()}
        differ = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
        if differ:
            print(f"DIFFERENT from {args.compare}: {', '.join(differ)}")
            return 1
        print(f"identical to {args.compare} ({len(now)} tables)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
