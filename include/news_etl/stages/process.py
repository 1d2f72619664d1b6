"""The process stage: read, clean and extract every file of one batch into the run's staging.

Entry point :func:`process_batch` (one Airflow task per batch) -> :class:`BatchResult`. Files are read in
order into groups of at most ``max_batch_bytes`` characters of text (counted after inflating and decoding, so
a small .gz holding a big text counts at its real size); for each group the lines a site repeats across its
files are found, then every record is cleaned and extracted (:mod:`news_etl.stages.extract`) and the results
are kept as Arrow tables. A batch therefore holds one group's text at a time, whatever it brings.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from urllib.parse import urlparse

import pyarrow as pa

from news_etl import lake as lakes
from news_etl import staging
from news_etl.budget import TimeBudgetExceeded, time_budget
from news_etl.cleaning import batch_repeats
from news_etl.decoding import ReadError
from news_etl.discovery import InboxFile
from news_etl.quarantine import quarantine_row, quarantine_table
from news_etl.reading import FileRead, read_file
from news_etl.schemas import ARTICLE_VECTORS, ARTICLES, BOILERPLATE_REMOVED, ENTITIES, QUOTES, STAGED_FILES, to_table
from news_etl.settings import Settings
from news_etl.stages import extract
from news_etl.stages.plan import Batch, batch_dir

log = logging.getLogger(__name__)

#: What a batch stages, by file name (the run's tables), and the key of the extract list each comes from.
BATCH_OUTPUTS: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "entities": ENTITIES,
    "quotes": QUOTES,
    "article_vectors": ARTICLE_VECTORS,
    "boilerplate_removed": BOILERPLATE_REMOVED,
}
_EXTRACT_KEYS = {
    "articles": "articles",
    "entities": "entities",
    "quotes": "quotes",
    "article_vectors": "vectors",
    "boilerplate_removed": "removed",
}


@dataclass(frozen=True)
class BatchResult:
    """What one batch staged, and where its time went."""

    run_id: str
    batch_no: int
    files: int
    articles: int
    quarantined: int
    lines_removed: int
    entities: int
    quotes: int
    processes: int
    groups: int
    seconds: float
    read_seconds: float
    extract_seconds: float
    nlp_seconds: float

    def to_xcom(self) -> dict:
        return asdict(self)

    @classmethod
    def from_xcom(cls, data: dict) -> BatchResult:
        return cls(**data)


def process_batch(settings: Settings, batch: Batch, run_at: datetime) -> BatchResult:
    """Read, clean and extract every file of one batch into staging Parquet files."""
    run_id, batch_no = batch.run_id, batch.batch_no
    stage = staging.RunStage(lakes.Lake.of(settings), run_id)
    manifest = stage.read_json(batch.manifest)
    if manifest is None:
        raise RuntimeError(
            f"run {run_id}: the manifest of batch {batch_no} is missing from {stage.url}; "
            "was the run's staging pruned? Re-run the run from discover_files"
        )
    files = [InboxFile(**f) for f in manifest]
    quarantine: list[dict] = []
    staged = []
    started = time.perf_counter()
    out_tables: dict[str, list[pa.Table]] = {name: [] for name in BATCH_OUTPUTS}
    group: list[tuple[InboxFile, FileRead]] = []
    group_chars = 0
    stats = {"read_seconds": 0.0, "extract_seconds": 0.0, "nlp_seconds": 0.0, "processes": 1, "groups": 0}

    with contextlib.ExitStack() as stack:
        pool = None

        def flush() -> None:
            nonlocal pool, group, group_chars
            if not group:
                return
            items = _group_items(settings, group)
            lakes.crash_point("mid_batch")
            extract_started = time.perf_counter()
            if pool is None and (processes := extract.batch_processes(settings, len(items))) > 1:
                # The CPU-heavy part (cleaning, metadata, spaCy, story vectors) on every core the worker has.
                # forkserver, not fork: a fork of a process running Arrow/DuckDB/Airflow threads can deadlock.
                pool = stack.enter_context(
                    extract.forkserver().Pool(processes, initializer=extract.init_worker, initargs=(settings,))
                )
                stats["processes"] = processes
            # Chunks come back in order, so the output does not depend on how many processes ran it; each
            # chunk's rows become Arrow tables at once (a row as a Python dict costs ten times more).
            chunks = extract.chunks(items, settings.limits.max_record_chars)
            if pool is not None:
                parts = pool.imap(extract.extract_in_worker, [(run_id, run_at, chunk) for chunk in chunks])
            else:
                parts = (extract.extract_records(settings, run_id, run_at, chunk) for chunk in chunks)
            for extracted in parts:
                stats["nlp_seconds"] += extracted["nlp_seconds"]
                tables, bad = _extracted_tables(extracted, run_id, run_at)
                quarantine.extend(extracted["quarantine"] + bad)
                for name, table in tables.items():
                    out_tables[name].append(table)
            stats["extract_seconds"] += time.perf_counter() - extract_started
            stats["groups"] += 1
            group, group_chars = [], 0

        for f in files:
            read_started = time.perf_counter()
            read, file_hash, n_records = _read_one(settings, f, run_id, run_at, quarantine)
            stats["read_seconds"] += time.perf_counter() - read_started
            staged.append(
                {
                    "source_path": f.source_path,
                    "file_hash": file_hash,
                    "size_bytes": f.size_bytes,
                    "mtime_ns": f.mtime_ns,
                    "n_records": n_records,
                }
            )
            if read is None:
                continue
            group.append((f, read))
            group_chars += sum(len(rec.text) for rec in read.records)
            if group_chars >= settings.max_batch_bytes:
                flush()
        flush()

    out = batch_dir(batch_no)
    counts = {}
    for name, schema in BATCH_OUTPUTS.items():
        table = pa.concat_tables(out_tables[name]) if out_tables[name] else schema.empty_table()
        stage.write_table(f"{out}/{name}.parquet", table)
        counts[name] = table.num_rows
    stage.write_table(f"{out}/quarantine.parquet", quarantine_table(quarantine))
    stage.write_table(f"{out}/files.parquet", to_table(staged, STAGED_FILES))
    return BatchResult(
        run_id=run_id,
        batch_no=batch_no,
        files=len(files),
        articles=counts["articles"],
        quarantined=len(quarantine),
        lines_removed=counts["boilerplate_removed"],
        entities=counts["entities"],
        quotes=counts["quotes"],
        processes=int(stats["processes"]),
        groups=int(stats["groups"]),
        seconds=round(time.perf_counter() - started, 3),
        read_seconds=round(stats["read_seconds"], 3),
        extract_seconds=round(stats["extract_seconds"], 3),
        nlp_seconds=round(stats["nlp_seconds"], 3),
    )


def _source_of(source_path: str, record) -> str:
    """Which site a record comes from, for batch-level repeat detection: its URL's host, else its folder."""
    if record.url:
        host = urlparse(record.url).hostname
        if host:
            return host.removeprefix("www.")
    return source_path.rsplit("/", 1)[0] if "/" in source_path else ""


def _read_one(
    settings: Settings, f: InboxFile, run_id: str, run_at: datetime, quarantine: list[dict]
) -> tuple[FileRead | None, str | None, int]:
    """Read one file of a batch: ``(read or None, file_hash, records)``; what fails becomes quarantine rows."""

    def bad(code: str, reason: str, file_hash: str | None = None) -> tuple[None, str | None, int]:
        quarantine.append(
            quarantine_row(
                run_id,
                f.source_path,
                stage="read",
                code=code,
                at=run_at,
                reason=f"{f.source_path}: {reason}",
                file_hash=file_hash,
            )
        )
        return None, file_hash, 1

    if f.problem_code:  # discovery could not reach it (an unreadable folder, a path too long)
        return bad(f.problem_code, f.problem or "could not be reached")
    try:
        with time_budget(settings.limits.max_file_seconds):
            read = read_file(settings.inbox, f.source_path, settings.limits, f.fs_path)
    except ReadError as exc:
        return bad(exc.code, exc.message, exc.file_hash)
    except TimeBudgetExceeded as exc:
        return bad("time_budget", f"reading {exc}")
    except Exception as exc:  # an unexpected bug still ends as a quarantine row with its message
        log.exception("reading %s failed unexpectedly", f.source_path)
        return bad("internal_error", f"unexpected {type(exc).__name__}: {exc}")
    for index, err in read.record_errors:
        quarantine.append(
            quarantine_row(
                run_id,
                f.source_path,
                stage="read",
                code=err.code,
                reason=f"{f.source_path}: {err.message}",
                at=run_at,
                file_hash=read.file_hash,
                record_index=index,
            )
        )
    if f.fs_path is not None:
        for rec in read.records:
            rec.repairs.append("source_path: the file name is not UTF-8; its bytes are kept as \\xNN escapes")
    return read, read.file_hash, len(read.records) + len(read.record_errors)


def _group_items(settings: Settings, group: list[tuple[InboxFile, FileRead]]) -> list[tuple]:
    """``(source_path, file_hash, record, repeat_marks)`` for every record of a group of read files."""
    records = [(f, read.file_hash, rec) for f, read in group for rec in read.records]
    if settings.batch_repeat_min_files > 0:
        repeats = batch_repeats(
            [(_source_of(f.source_path, rec), rec.text) for f, _, rec in records], settings.batch_repeat_min_files
        )
    else:
        repeats = [{} for _ in records]
    return [(f.source_path, file_hash, rec, marks) for (f, file_hash, rec), marks in zip(records, repeats, strict=True)]


def _extracted_tables(extracted: dict, run_id: str, run_at: datetime) -> tuple[dict[str, pa.Table], list[dict]]:
    """The extract lists as Arrow tables of their schemas. An article with any value Arrow refuses (the
    reader and the field limits should have made that impossible: this is the net under them) is left out
    with everything derived from it and quarantined as ``bad_value``: it costs that record, not the batch."""
    bad: dict[str, str] = {}
    tables: dict[str, pa.Table] = {}
    for name, schema in BATCH_OUTPUTS.items():
        rows = extracted[_EXTRACT_KEYS[name]]
        try:
            tables[name] = to_table(rows, schema)
        except (pa.ArrowException, UnicodeEncodeError, OverflowError, ValueError):
            for row in rows:
                try:
                    to_table([row], schema)
                except (pa.ArrowException, UnicodeEncodeError, OverflowError, ValueError) as exc:
                    bad.setdefault(row["article_id"], f"{name}: {type(exc).__name__}: {exc}")
    if not bad:
        return tables, []
    quarantine = []
    for row in extracted["articles"]:
        if row["article_id"] in bad:
            log.error(
                "article %s of %s has a value that cannot be stored: %s",
                row["article_id"],
                row["source_path"],
                bad[row["article_id"]],
            )
            quarantine.append(
                quarantine_row(
                    run_id,
                    row["source_path"],
                    stage="extract",
                    code="bad_value",
                    at=run_at,
                    file_hash=row["file_hash"],
                    record_index=row["record_index"],
                    article_id=row["article_id"],
                    reason=f"{row['source_path']}: a value cannot be stored ({bad[row['article_id']][:500]})",
                )
            )
    for name, schema in BATCH_OUTPUTS.items():
        rows = [r for r in extracted[_EXTRACT_KEYS[name]] if r["article_id"] not in bad]
        tables[name] = to_table(rows, schema)
    return tables, quarantine
