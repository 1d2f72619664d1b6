"""The ingest pipeline as four idempotent stages: plan, process (per batch), validate, publish.

The Airflow DAG maps one task onto each stage (process is dynamically mapped over the batches); the
CLI runs the same functions in one process. Stages talk through files in the run's staging (under the lake's
data root, see :mod:`news_etl.staging`) and return small dicts (paths and counts) that are safe to pass
through XCom. Publishing is one DuckLake transaction (see :mod:`news_etl.lake`).
Every stage can be re-run for the same ``run_id`` and ends in the same state.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import multiprocessing
import os
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from urllib.parse import urlparse

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from news_etl import archive, quality, staging, stories, story_store
from news_etl import lake as lakes
from news_etl.articles import build_article
from news_etl.budget import TimeBudgetExceeded, time_budget
from news_etl.cleaning import batch_repeats, load_rules
from news_etl.linemodel import default_model
from news_etl.reading import FileRead, InboxFile, ReadError, discover, read_file
from news_etl.schemas import (
    ARTICLE_VECTORS,
    ARTICLES,
    BOILERPLATE_REMOVED,
    ENTITIES,
    INBOX_FOLDERS,
    INGEST_FILES,
    INGEST_RUNS,
    QUARANTINE,
    QUOTES,
    STAGED_FILES,
    VALIDATION_RESULTS,
    to_table,
)
from news_etl.settings import Settings
from news_etl.values import repair_text

log = logging.getLogger(__name__)

PLAN_FILE = "plan.json"
VALIDATED = "validated"


def _batch_dir(batch_no: int) -> str:
    return f"batch-{batch_no:05d}"


def _quarantine_row(run_id: str, source_path: str, *, stage: str, code: str, reason: str, at: datetime,
                    file_hash: str | None = None, record_index: int | None = None,
                    article_id: str | None = None, expectation: str | None = None,
                    payload: str | None = None) -> dict:
    key = f"{run_id}|{source_path}|{file_hash}|{record_index}|{stage}|{code}|{expectation}"
    return {
        "quarantine_id": hashlib.sha256(key.encode()).hexdigest()[:20],
        "run_id": run_id,
        "source_path": source_path,
        "file_hash": file_hash,
        "record_index": record_index,
        "article_id": article_id,
        "stage": stage,
        "reason_code": code,
        "reason": reason,
        "expectation": expectation,
        "payload": payload,
        "quarantined_at": at,
    }


# --------------------------------------------------------------------------- plan


def plan_run(settings: Settings, run_id: str, run_at: datetime) -> dict:
    """Find new inbox files and split them into batches; write one manifest per batch.

    Re-planning a run that was already planned returns the same plan (an Airflow retry must not
    reshuffle batches that mapped tasks may already have processed).
    """
    settings.check_paths()
    lake = lakes.Lake.of(settings)
    # A writer's session: it creates the catalog and any missing table (a first run, or one whose first writer
    # was killed half-way), so every reader of this run finds the tables; the plan's lookups use it too.
    with contextlib.closing(lakes.connect(lake)) as con:
        return _plan(settings, lake, con, run_id, run_at)


def _plan(settings: Settings, lake: lakes.Lake, con, run_id: str, run_at: datetime) -> dict:
    stage = staging.RunStage(lake, run_id)
    if run_published(con, run_id):
        log.info("run %s is already published; nothing to plan", run_id)
        return {"run_id": run_id, "n_files": 0, "batches": [], "already_published": True}
    existing = stage.read_json(PLAN_FILE)
    if existing is not None:
        log.info("reusing the existing plan of run %s", run_id)
        return existing

    staging.prune(lake, run_at - timedelta(days=settings.staging_retention_days), keep=run_id)
    seen: dict[str, int] = {}
    watermark = settings.discovery == "watermark"
    marks = folder_marks(con, settings) if watermark else None
    settled: dict[str, int] = {}
    files = list(discover(settings.inbox, lambda keys: ledger_keys(con, keys), int(run_at.timestamp() * 1e9),
                          settings.min_file_age_seconds, counts=seen, folder_marks=marks,
                          settled=settled if watermark else None))
    if watermark:
        record_folders(con, lake, settings, {d: m for d, m in settled.items() if marks.get(d) != m}, run_id, run_at)
    if settings.done_files != "keep" and seen["unchanged"]:
        # Files a run committed but did not move (it died after its commit): discovery skipped them as
        # unchanged; they leave the inbox now. Only then: a second walk when there is nothing to move is waste.
        archive.settle_inbox(settings, run_at)
    # A run holds its validated articles in memory to publish them: cap its size, the rest waits for the
    # next run (the next schedule, or the CLI's next round). Memory then stays flat however big the inbox.
    waiting = max(0, len(files) - settings.max_files_per_run)
    if waiting:
        log.info("run %s takes the first %d new files; %d wait for the next run (NEWS_ETL_MAX_FILES_PER_RUN)",
                 run_id, settings.max_files_per_run, waiting)
        files = files[: settings.max_files_per_run]
    size = batch_files(len(files), settings)
    chunks: list[list[InboxFile]] = []
    chunk_bytes = 0
    for f in files:
        if not chunks or len(chunks[-1]) >= size or chunk_bytes + f.size_bytes > settings.max_batch_bytes:
            chunks.append([])
            chunk_bytes = 0
        chunks[-1].append(f)
        chunk_bytes += f.size_bytes
    batches = []
    for batch_no, chunk in enumerate(chunks):
        manifest = stage.write_json(f"{_batch_dir(batch_no)}/manifest.json", [asdict(f) for f in chunk])
        batches.append({"run_id": run_id, "batch_no": batch_no, "manifest": manifest, "n_files": len(chunk)})
    plan = {
        "run_id": run_id,
        "inbox": str(settings.inbox),
        "lake": str(settings.lake),
        "staging": stage.url,
        "run_at": run_at.isoformat(),
        "n_files": len(files),
        "n_unchanged": seen["unchanged"],  # files of this inbox already in the ledger, unchanged
        "n_waiting": waiting,
        "batches": batches,
    }
    if files:
        stage.write_json(PLAN_FILE, plan)
    log.info("run %s: %d new or changed file(s) in %d batch(es); %d file(s) of %s already ingested and "
             "unchanged%s", run_id, len(files), len(batches), seen["unchanged"], settings.inbox,
             f"; {seen['too_young']} too recent (NEWS_ETL_MIN_FILE_AGE_SECONDS)" if seen["too_young"] else "")
    return plan


def folder_marks(con, settings: Settings) -> dict[str, int]:
    """Watermark discovery: folder -> the mtime it had when all its files were last found committed."""
    try:
        rows = con.execute(f"select folder, arg_max(mtime_ns, recorded_at) from {lakes.ALIAS}.main.inbox_folders "
                           "where inbox = ? group by folder", [str(settings.inbox)]).fetchall()
    except duckdb.CatalogException:  # a lake created before this table: nothing recorded yet
        return {}
    return dict(rows)


def record_folders(con, lake: lakes.Lake, settings: Settings, folders: dict[str, int], run_id: str,
                   at: datetime) -> None:
    """Record folders whose files are all committed (their own small commit: they are done whatever this run
    does next; a folder with a new file is recorded by a later run, once that file is committed)."""
    if not folders:
        return
    rows = to_table([{"inbox": str(settings.inbox), "folder": d, "mtime_ns": m, "run_id": run_id, "recorded_at": at}
                     for d, m in sorted(folders.items())], INBOX_FOLDERS)
    lakes.transaction(lake, lambda c: lakes.insert(c, "inbox_folders", rows), what="recording inbox folders",
                      guard=False, con=con)
    log.info("watermark: %d inbox folder(s) recorded as done", len(folders))


def batch_files(n_files: int, settings: Settings) -> int:
    """Files per mapped batch for an inbox of ``n_files``: ``ceil(n / batch_size)`` batches, never more than
    ``max_batches``, then the files shared out evenly (2,001 files at 2,000 make two batches of ~1,000, not
    2,000 + 1). A batch also closes early when its bytes reach ``max_batch_bytes`` (it is held in memory)."""
    if n_files <= 0:
        return 0
    n_batches = min(settings.max_batches, math.ceil(n_files / settings.batch_size))
    return math.ceil(n_files / n_batches)


# --------------------------------------------------------------------------- process


def _source_of(source_path: str, record) -> str:
    """Which site a record comes from, for batch-level repeat detection: its URL's host, else its folder."""
    if record.url:
        host = urlparse(record.url).hostname
        if host:
            return host.removeprefix("www.")
    return source_path.rsplit("/", 1)[0] if "/" in source_path else ""


def process_batch(settings: Settings, batch: dict, run_at: datetime) -> dict:
    """Read, clean and extract every file of one batch into staging Parquet files.

    Files are read in order into groups of at most ``max_batch_bytes`` characters of text (counted after
    inflating and decoding, so a small .gz holding a big text counts at its real size); for each group the
    lines a site repeats across its files are found, then every record is cleaned and extracted, and the
    results are kept as Arrow tables. A batch therefore holds one group's text at a time, whatever it brings.
    """
    run_id, batch_no = batch["run_id"], int(batch["batch_no"])
    stage = staging.RunStage(lakes.Lake.of(settings), run_id)
    manifest = stage.read_json(batch["manifest"])
    if manifest is None:
        raise RuntimeError(f"run {run_id}: the manifest of batch {batch_no} is missing from {stage.url}; "
                           "was the run's staging pruned? Re-run the run from discover_files")
    files = [InboxFile(**f) for f in manifest]
    quarantine, staged = [], []
    started = time.perf_counter()
    out_tables: dict[str, list[pa.Table]] = {name: [] for name in _BATCH_OUTPUTS}
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
            if pool is None and (processes := batch_processes(settings, len(items))) > 1:
                # The CPU-heavy part (cleaning, metadata, spaCy, story vectors) on every core the worker has.
                # forkserver, not fork: a fork of a process running Arrow/DuckDB/Airflow threads can deadlock.
                pool = stack.enter_context(_forkserver().Pool(processes, initializer=_init_extract_worker,
                                                              initargs=(settings,)))
                stats["processes"] = processes
            # Chunks come back in order, so the output does not depend on how many processes ran it; each
            # chunk's rows become Arrow tables at once (a row as a Python dict costs ten times more).
            chunks = _chunks(items, settings.limits.max_record_chars)
            if pool is not None:
                parts = pool.imap(_extract_in_worker, [(run_id, run_at, chunk) for chunk in chunks])
            else:
                parts = (extract_records(settings, run_id, run_at, chunk) for chunk in chunks)
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
            staged.append({"source_path": f.source_path, "file_hash": file_hash, "size_bytes": f.size_bytes,
                           "mtime_ns": f.mtime_ns, "n_records": n_records})
            if read is None:
                continue
            group.append((f, read))
            group_chars += sum(len(rec.text) for rec in read.records)
            if group_chars >= settings.max_batch_bytes:
                flush()
        flush()

    out = _batch_dir(batch_no)
    counts = {}
    for name, schema in _BATCH_OUTPUTS.items():
        table = pa.concat_tables(out_tables[name]) if out_tables[name] else schema.empty_table()
        stage.write_table(f"{out}/{name}.parquet", table)
        counts[name] = table.num_rows
    stage.write_table(f"{out}/quarantine.parquet", _safe_table(quarantine, QUARANTINE))
    stage.write_table(f"{out}/files.parquet", to_table(staged, STAGED_FILES))
    seconds = time.perf_counter() - started
    return {"run_id": run_id, "batch_no": batch_no, "files": len(files), "articles": counts["articles"],
            "quarantined": len(quarantine), "lines_removed": counts["boilerplate_removed"],
            "entities": counts["entities"], "quotes": counts["quotes"], "processes": stats["processes"],
            "groups": stats["groups"], "seconds": round(seconds, 3), "read_seconds": round(stats["read_seconds"], 3),
            "extract_seconds": round(stats["extract_seconds"], 3), "nlp_seconds": round(stats["nlp_seconds"], 3)}


#: What a batch stages, by file name, and the key of each extract list it comes from.
_BATCH_OUTPUTS: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "entities": ENTITIES,
    "quotes": QUOTES,
    "article_vectors": ARTICLE_VECTORS,
    "boilerplate_removed": BOILERPLATE_REMOVED,
}
_EXTRACT_KEYS = {"articles": "articles", "entities": "entities", "quotes": "quotes", "article_vectors": "vectors",
                 "boilerplate_removed": "removed"}


def _read_one(settings: Settings, f: InboxFile, run_id: str, run_at: datetime,
              quarantine: list[dict]) -> tuple[FileRead | None, str | None, int]:
    """Read one file of a batch: ``(read or None, file_hash, records)``; what fails becomes quarantine rows."""
    def bad(code: str, reason: str, file_hash: str | None = None) -> tuple[None, str | None, int]:
        quarantine.append(_quarantine_row(run_id, f.source_path, stage="read", code=code, at=run_at,
                                          reason=f"{f.source_path}: {reason}", file_hash=file_hash))
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
        quarantine.append(_quarantine_row(run_id, f.source_path, stage="read", code=err.code,
                                          reason=f"{f.source_path}: {err.message}", at=run_at,
                                          file_hash=read.file_hash, record_index=index))
    if f.fs_path is not None:
        for rec in read.records:
            rec.repairs.append("source_path: the file name is not UTF-8; its bytes are kept as \\xNN escapes")
    return read, read.file_hash, len(read.records) + len(read.record_errors)


def _group_items(settings: Settings, group: list[tuple[InboxFile, FileRead]]) -> list[tuple]:
    """``(source_path, file_hash, record, repeat_marks)`` for every record of a group of read files."""
    records = [(f, read.file_hash, rec) for f, read in group for rec in read.records]
    if settings.batch_repeat_min_files > 0:
        repeats = batch_repeats([(_source_of(f.source_path, rec), rec.text) for f, _, rec in records],
                                settings.batch_repeat_min_files)
    else:
        repeats = [{} for _ in records]
    return [(f.source_path, file_hash, rec, marks) for (f, file_hash, rec), marks in zip(records, repeats,
                                                                                         strict=True)]


def _chunks(items: list[tuple], max_chars: int) -> list[list[tuple]]:
    """Items in order, ``EXTRACT_CHUNK`` at a time, a chunk closing early at ``max_chars`` of text (at most one
    record of the largest size a file may hold, or many small ones)."""
    chunks: list[list[tuple]] = []
    chars = 0
    for item in items:
        size = len(item[2].text)
        if not chunks or len(chunks[-1]) >= EXTRACT_CHUNK or (chunks[-1] and chars + size > max_chars):
            chunks.append([])
            chars = 0
        chunks[-1].append(item)
        chars += size
    return chunks


def _safe_table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """Quarantine rows as a table; a text no encoder takes (a lone surrogate quoted in a message) is repaired."""
    try:
        return to_table(rows, schema)
    except (pa.ArrowException, UnicodeEncodeError):
        fixed = [{k: repair_text(v)[0] if isinstance(v, str) else v for k, v in r.items()} for r in rows]
        return to_table(fixed, schema)


def _extracted_tables(extracted: dict, run_id: str, run_at: datetime) -> tuple[dict[str, pa.Table], list[dict]]:
    """The extract lists as Arrow tables of their schemas. An article with any value Arrow refuses (the
    reader and the field limits should have made that impossible: this is the net under them) is left out
    with everything derived from it and quarantined as ``bad_value``: it costs that record, not the batch."""
    bad: dict[str, str] = {}
    tables: dict[str, pa.Table] = {}
    for name, schema in _BATCH_OUTPUTS.items():
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
            log.error("article %s of %s has a value that cannot be stored: %s", row["article_id"],
                      row["source_path"], bad[row["article_id"]])
            quarantine.append(_quarantine_row(
                run_id, row["source_path"], stage="extract", code="bad_value", at=run_at, file_hash=row["file_hash"],
                record_index=row["record_index"], article_id=row["article_id"],
                reason=f"{row['source_path']}: a value cannot be stored ({bad[row['article_id']][:500]})"))
    for name, schema in _BATCH_OUTPUTS.items():
        rows = [r for r in extracted[_EXTRACT_KEYS[name]] if r["article_id"] not in bad]
        tables[name] = to_table(rows, schema)
    return tables, quarantine


#: Records per task of a batch's process pool: small enough to keep both cores busy to the end of a batch,
#: big enough for spaCy's batching.
EXTRACT_CHUNK = 32
#: Below this many records per process, a pool costs more (each worker loads the model, ~3 s) than it saves.
MIN_RECORDS_PER_PROCESS = 100


def _forkserver():
    """The ``forkserver`` start method, its server preloaded with this package and spaCy.

    Workers fork from that warm server instead of each importing everything (~1.5 s). The default preload
    is the main script, which under Airflow is its whole CLI (several seconds, and nothing a worker needs).
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["news_etl.pipeline", "news_etl.nlp", "spacy"])
    return ctx


def available_cpus() -> int:
    """CPUs this process may run on (a container's or Celery worker's affinity, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def batch_processes(settings: Settings, n_records: int) -> int:
    """Processes one batch uses for its CPU stage: ``NEWS_ETL_BATCH_PROCESSES`` (0 = every CPU the worker
    may use), fewer when the batch is too small to repay starting them."""
    wanted = settings.batch_processes or available_cpus()
    return max(1, min(wanted, n_records // MIN_RECORDS_PER_PROCESS))


def extract_records(settings: Settings, run_id: str, run_at: datetime, items: list[tuple]) -> dict:
    """Clean and extract each ``(source_path, file_hash, record, repeat_marks)``; then NLP and story vectors
    over the articles. One bad record is quarantined, never sinks the others."""
    rules = load_rules(settings.extra_rules)
    model = default_model() if settings.line_model else None
    articles, removed, quarantine = [], [], []
    for source_path, file_hash, record, marks in items:
        try:
            with time_budget(settings.limits.max_file_seconds):
                built = build_article(record, source_path=source_path, file_hash=file_hash, run_id=run_id,
                                      ingested_at=run_at, rules=rules, default_tz=settings.default_timezone,
                                      model=model, extra_marks=marks, limits=settings.limits)
        except TimeBudgetExceeded as exc:
            quarantine.append(_quarantine_row(
                run_id, source_path, stage="extract", code="time_budget", at=run_at,
                reason=f"{source_path}: cleaning and metadata {exc}", file_hash=file_hash,
                record_index=record.record_index))
            continue
        except Exception as exc:  # one bad record must not sink the batch: quarantine, go on
            log.exception("extracting %s record %d failed", source_path, record.record_index)
            quarantine.append(_quarantine_row(
                run_id, source_path, stage="extract", code="extract_error", at=run_at,
                reason=f"{source_path}: metadata/cleaning failed: {type(exc).__name__}: {exc}",
                file_hash=file_hash, record_index=record.record_index))
            continue
        articles.append(built.row)
        removed.extend(built.removed)
    nlp_started = time.perf_counter()
    entities, quotes = add_nlp(settings, articles) if settings.nlp else ([], [])
    nlp_seconds = time.perf_counter() - nlp_started
    vectors = []
    for row in articles:
        terms, weights = stories.story_vector(row["body"])
        vectors.append({"article_id": row["article_id"], "run_id": run_id, "terms": terms, "weights": weights,
                        "ingested_at": run_at})
    return {"articles": articles, "removed": removed, "quarantine": quarantine, "entities": entities,
            "quotes": quotes, "vectors": vectors, "nlp_seconds": nlp_seconds}


#: What a batch pool's worker holds: the run's settings (rules, line model and spaCy load once per worker).
_EXTRACT_SETTINGS: Settings | None = None


def _init_extract_worker(settings: Settings) -> None:
    global _EXTRACT_SETTINGS
    _EXTRACT_SETTINGS = settings
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # one BLAS thread per worker: the pool already has a worker per core
    load_rules(settings.extra_rules)
    if settings.line_model:
        default_model()
    if settings.nlp:
        from news_etl import nlp

        nlp.load_pipeline(settings.spacy_model)


def _extract_in_worker(args: tuple[str, datetime, list[tuple]]) -> dict:
    assert _EXTRACT_SETTINGS is not None, "batch worker started without settings"
    run_id, run_at, items = args
    return extract_records(_EXTRACT_SETTINGS, run_id, run_at, items)


def add_nlp(settings: Settings, articles: list[dict]) -> tuple[list[dict], list[dict]]:
    """Entities, quotes, key phrases and sentence counts for a batch's article rows (rows are updated).

    English bodies only: the model is English, and on other languages it finds names that are not there.
    Identical bodies (the same file twice in a batch) are analysed once.
    """
    from news_etl import nlp  # lazy: spaCy is a heavy import, and the NLP stage can be switched off

    todo: dict[str, list[dict]] = {}
    for row in articles:
        if row["language"] in ("en", None) and row["body"].strip():
            todo.setdefault(row["article_id"], []).append(row)
    if not todo:
        return [], []
    model = nlp.load_pipeline(settings.spacy_model)
    bodies = (rows[0]["body"] for rows in todo.values())
    entities, quotes = [], []
    for (article_id, rows), result in zip(todo.items(), nlp.analyse(
            bodies, model, batch_size=settings.nlp_batch_size,
            max_chars=settings.nlp_max_chars), strict=True):
        for row in rows:
            row["keywords"] = result.keywords
            row["sentence_count"] = result.sentence_count
        run_id, at = rows[0]["run_id"], rows[0]["ingested_at"]
        for e in result.entities:
            entities.append({"article_id": article_id, "entity_id": e.entity_id, "run_id": run_id, "name": e.name,
                             "label": e.label, "mention_count": e.mentions, "first_offset": e.first_offset,
                             "variants": e.variants, "ingested_at": at})
        for q in result.quotes:
            quotes.append({
                "quote_id": hashlib.sha256(f"{article_id}:{q.start_offset}:{q.end_offset}".encode()).hexdigest()[:20],
                "article_id": article_id, "run_id": run_id, "quote": q.text, "speaker": q.speaker,
                "speaker_text": q.speaker_text, "speaker_entity_id": q.speaker_entity_id, "cue": q.cue,
                "start_offset": q.start_offset, "end_offset": q.end_offset, "ingested_at": at,
            })
    return entities, quotes


def _duplicates(files: pa.Table, known: dict[str, str]) -> dict[str, str]:
    """source_path -> the path whose identical bytes were ingested first (earlier run, or earlier in this one).

    Within a run the first path in sorted order wins, so the result does not depend on batch timing.
    """
    seen = dict(known)
    dup_of: dict[str, str] = {}
    rows = sorted(zip(files.column("source_path").to_pylist(), files.column("file_hash").to_pylist(),
                      strict=True))
    for path, file_hash in rows:
        if file_hash is None:
            continue
        if file_hash in seen:
            dup_of[path] = seen[file_hash]
        else:
            seen[file_hash] = path
    return dup_of


def _without_paths(table: pa.Table, paths: set[str]) -> pa.Table:
    if not paths or table.num_rows == 0:
        return table
    mask = pc.invert(pc.is_in(table.column("source_path"), value_set=pa.array(sorted(paths), pa.string())))
    return table.filter(mask)


def _with_ids(table: pa.Table, ids: pa.Array) -> pa.Table:
    return table.filter(pc.is_in(table.column("article_id"), value_set=ids))


def _first_per_key(table: pa.Table, keys: list[str]) -> pa.Table:
    if table.num_rows == 0:
        return table
    numbered = table.append_column("_row", pa.array(range(table.num_rows), pa.int64()))
    firsts = numbered.group_by(keys, use_threads=False).aggregate([("_row", "min")]).column("_row_min")
    return table.take(pc.take(firsts, pc.sort_indices(firsts)))  # first rows, in their original order


# --------------------------------------------------------------------------- validate


def validate_run(settings: Settings, run_id: str, run_at: datetime) -> dict:
    """Run the GX suite on the run's staged articles; failing rows go to quarantine, not to publish."""
    lake = lakes.Lake.of(settings)
    stage = staging.RunStage(lake, run_id)
    articles = stage.read_batches("articles", ARTICLES)
    files = stage.read_batches("files", STAGED_FILES)
    # Identical files are duplicates, not validation failures: leave them out before checking ids.
    dup_paths = set(_duplicates(files, published_hashes(lake, files)))
    articles = _without_paths(articles, dup_paths)

    rules = load_rules(settings.extra_rules)
    outcome = quality.validate_articles(articles, rules, run_id=run_id, validated_at=run_at)
    by_id: dict[str, list[quality.Failure]] = defaultdict(list)
    for failure in outcome.failures:
        by_id[failure.row_id].append(failure)
    quarantined = []
    failed = outcome.failed_ids
    failed_ids = pa.array(sorted(failed), pa.string())
    # Only the failing rows become Python objects: a run can hold many thousands of bodies.
    for row in articles.filter(pc.is_in(articles.column("article_id"), value_set=failed_ids)).to_pylist():
        for failure in by_id.get(row["article_id"], []):
            quarantined.append(_quarantine_row(
                run_id, row["source_path"], stage="validate", code="expectation_failed", at=run_at,
                reason=f"{row['source_path']}: {failure.message}", file_hash=row["file_hash"],
                record_index=row["record_index"], article_id=row["article_id"],
                expectation=failure.expectation, payload=json.dumps(row, default=str, ensure_ascii=False)))
    passed = articles.filter(pc.invert(pc.is_in(articles.column("article_id"), value_set=failed_ids)))
    stage.write_table(f"{VALIDATED}/articles.parquet", passed)
    stage.write_table(f"{VALIDATED}/quarantine.parquet", to_table(quarantined, QUARANTINE))
    stage.write_table(f"{VALIDATED}/validation_results.parquet", to_table(outcome.results, VALIDATION_RESULTS))
    failed_expectations = sorted({r["expectation"] for r in outcome.results if not r["success"]})
    summary = {"run_id": run_id, "articles_checked": articles.num_rows, "articles_passed": passed.num_rows,
               "articles_quarantined": len(failed), "success": outcome.success,
               "failed_expectations": failed_expectations}
    log.info("validation of run %s: %s", run_id, summary)
    return summary


# --------------------------------------------------------------------------- publish


def _run_summary(row: dict, settings: Settings) -> dict:
    out = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
    out["lake"] = str(settings.lake)
    out["lake_store"] = lakes.Lake.of(settings).describe()
    return out


def publish_run(settings: Settings, run_id: str, started_at: datetime, finished_at: datetime) -> dict:
    """Publish a validated run: all its rows in every table, the ledger, the run row and the refreshed stories
    in one DuckLake transaction. A run already published is not published again (a retry returns its row)."""
    lake = lakes.Lake.of(settings)
    stage = staging.RunStage(lake, run_id)

    def publish(con) -> tuple[dict, story_store.StoriesResult | None, bool]:
        existing = lakes.read(con, "ingest_runs", where="run_id = ?", params=[run_id]).to_pylist()
        if existing:
            return existing[0], None, False
        if not stage.exists(f"{VALIDATED}/articles.parquet"):
            raise RuntimeError(f"run {run_id} has not been validated: {stage.url}/{VALIDATED} is missing")
        outputs, run_row = _run_outputs(con, stage, settings, run_id, started_at, finished_at)
        for table, data in outputs.items():
            lakes.insert(con, table, data)
            lakes.crash_point(f"after_insert:{table}")
        con.execute("CALL ducklake_set_commit_message(?, ?, ?)", [lakes.ALIAS, "news-etl", f"publish {run_id}"])
        if not settings.stories:  # NEWS_ETL_STORIES=off: the story tables stay as they are until a rebuild
            story_store.mark_off(con)
            return run_row, None, True
        return run_row, story_store.publish(con, run_id, started_at, outputs["articles"],
                                            outputs["article_vectors"]), True

    run_row, story_result, fresh = lakes.transaction(lake, publish, what=f"publish of run {run_id}")
    lakes.crash_point("after_commit")
    stage.clear()
    if not fresh:
        log.info("run %s was already published", run_id)
        return _run_summary(run_row, settings)
    log.info("published run %s: %d article(s), %d file(s) quarantined, %d duplicate(s); %s stories", run_id,
             run_row["articles_published"], run_row["files_quarantined"], run_row["files_duplicate"],
             story_result.stories if story_result else "no")
    return {**_run_summary(run_row, settings), "stories": story_result.stories if story_result else None,
            "stories_seconds": story_result.seconds if story_result else None}


def _run_outputs(con, stage: staging.RunStage, settings: Settings, run_id: str, started_at: datetime,
                 finished_at: datetime) -> tuple[dict[str, pa.Table], dict]:
    """What a run publishes, table by table, checked for duplicates against the snapshot ``con`` sees."""
    files = stage.read_batches("files", STAGED_FILES)
    # Checked inside the transaction: if a concurrent run commits the same bytes first, this commit conflicts
    # and the retry checks again.
    dup_of = _duplicates(files, published_hashes(con, files))
    dup_paths = set(dup_of)
    articles = _without_paths(stage.read_table(f"{VALIDATED}/articles.parquet", ARTICLES), dup_paths)
    # The same body in other bytes (re-scraped page, another file name or format): published once.
    body_dup_of = _body_duplicates(articles, published_bodies(con, articles))
    if body_dup_of:
        articles = articles.filter(pc.invert(pc.is_in(articles.column("article_id"),
                                                      value_set=pa.array(sorted(body_dup_of), pa.string()))))
    published_ids = pa.array(sorted(set(articles.column("article_id").to_pylist())), pa.string())
    # Identical files share article ids: drop the duplicates' rows by path first, then keep published ids.
    removed = _without_paths(stage.read_batches("boilerplate_removed", BOILERPLATE_REMOVED), dup_paths)
    removed = removed.filter(pc.is_in(removed.column("article_id"), value_set=published_ids))
    # Identical files in two batches share an article id: their NLP rows are kept once.
    entities = _first_per_key(_with_ids(stage.read_batches("entities", ENTITIES), published_ids),
                              ["article_id", "entity_id"])
    quotes = _first_per_key(_with_ids(stage.read_batches("quotes", QUOTES), published_ids), ["quote_id"])
    quarantine = pa.concat_tables([
        stage.read_batches("quarantine", QUARANTINE),
        stage.read_table(f"{VALIDATED}/quarantine.parquet", QUARANTINE),
    ])
    quarantine = _without_paths(quarantine, dup_paths)
    results = stage.read_table(f"{VALIDATED}/validation_results.parquet", VALIDATION_RESULTS)

    n_articles = defaultdict(int)
    for p in articles.column("source_path").to_pylist():
        n_articles[p] += 1
    n_quarantined = defaultdict(int)
    for p in quarantine.column("source_path").to_pylist():
        n_quarantined[p] += 1
    ledger_rows = []
    body_dup_paths = {p: orig for _, (p, orig) in body_dup_of.items()}
    for f in files.to_pylist():
        path = f["source_path"]
        if path in body_dup_paths and not n_articles[path]:
            dup_of[path] = body_dup_paths[path]
        if path in dup_of:
            outcome = "duplicate"
        elif n_articles[path] and n_quarantined[path]:
            outcome = "partial"
        elif n_articles[path]:
            outcome = "published"
        else:
            outcome = "quarantined"
        ledger_rows.append({
            "run_id": run_id, "source_path": path, "file_hash": f["file_hash"], "size_bytes": f["size_bytes"],
            "mtime_ns": f["mtime_ns"], "outcome": outcome, "duplicate_of": dup_of.get(path),
            "n_articles": n_articles[path], "n_quarantined": n_quarantined[path], "ingested_at": started_at,
        })
    outcomes = [r["outcome"] for r in ledger_rows]
    run_row = {
        "run_id": run_id,
        "inbox": str(settings.inbox),
        "started_at": started_at,
        "finished_at": finished_at,
        "files_seen": len(ledger_rows),
        "files_published": outcomes.count("published") + outcomes.count("partial"),
        "files_duplicate": outcomes.count("duplicate"),
        "files_quarantined": outcomes.count("quarantined"),
        "articles_published": articles.num_rows,
        # An article failing two expectations has two quarantine rows but is one article.
        "articles_quarantined": len({r["article_id"] for r in quarantine.select(["stage", "article_id"]).to_pylist()
                                     if r["stage"] == "validate"}),
        "articles_repaired": sum(1 for r in articles.column("repairs").to_pylist() if r),
        "lines_removed": removed.num_rows,
        "validation_success": all(r["success"] for r in results.to_pylist() if r["severity"] == "error"),
        "status": "success",
    }
    outputs = {
        "articles": articles,
        "entities": entities,
        "quotes": quotes,
        "article_vectors": _first_per_key(_with_ids(stage.read_batches("article_vectors", ARTICLE_VECTORS),
                                                    published_ids), ["article_id"]),
        "boilerplate_removed": removed,
        "quarantine": quarantine,
        "validation_results": results,
        "ingest_files": to_table(ledger_rows, INGEST_FILES),
        "ingest_runs": to_table([run_row], INGEST_RUNS),
    }
    return outputs, run_row


# --------------------------------------------------------------------------- lookups in the lake


def run_published(con_or_lake, run_id: str) -> bool:
    return lakes.read(con_or_lake, "ingest_runs", ["run_id"], where="run_id = ?", params=[run_id]).num_rows > 0


def ledger_keys(con_or_lake, keys: list[tuple[str, int, int]]) -> set[tuple[str, int, int]]:
    """Which of these ``(path, size, mtime)`` a committed run has already seen (discovery skips them): one
    join of the walk's keys against the ledger, which is never loaded whole."""
    table = pa.table({"source_path": pa.array([k[0] for k in keys], pa.string()),
                      "size_bytes": pa.array([k[1] for k in keys], pa.int64()),
                      "mtime_ns": pa.array([k[2] for k in keys], pa.int64())})
    return set(lakes.lookup(con_or_lake, f"""
        select distinct _keys.source_path, _keys.size_bytes, _keys.mtime_ns
        from _keys
        join {lakes.ALIAS}.main.ingest_files as f
          on f.source_path = _keys.source_path and f.size_bytes = _keys.size_bytes and f.mtime_ns = _keys.mtime_ns
        """, table))


def published_hashes(con_or_lake, files: pa.Table) -> dict[str, str]:
    """file_hash -> the source_path whose articles were published from those bytes, for this run's hashes.

    Quarantined files do not count: re-processing one after a fix to the rules or settings (``touch`` it)
    must not be turned away as a duplicate of itself.
    """
    rows = lakes.lookup(con_or_lake, f"""
        select f.file_hash, arg_min(f.source_path, f.ingested_at)
        from {lakes.ALIAS}.main.ingest_files as f
        join _keys on f.file_hash = _keys.k
        where f.outcome in ('published', 'partial')
        group by f.file_hash""", lakes.key_table(files.column("file_hash").to_pylist()))
    return dict(rows)


def published_bodies(con, articles: pa.Table) -> dict[str, tuple[str, str]]:
    """content_hash -> (article_id, source_path) of the first published article with that normalised body,
    for this run's content hashes."""
    rows = lakes.lookup(con, f"""
        select content_hash, article_id, source_path
        from {lakes.ALIAS}.main.articles as a
        join _keys on a.content_hash = _keys.k
        qualify row_number() over (partition by content_hash order by ingested_at, source_path, article_id) = 1
        """, lakes.key_table(articles.column("content_hash").to_pylist()))
    return {h: (a, p) for h, a, p in rows}


def _body_duplicates(articles: pa.Table, known: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """article_id -> (its source_path, the source_path of the first article with the same normalised body).

    Earlier runs first, then this run's articles in (source_path, record_index) order: arrival timing
    inside a run does not decide which copy is kept.
    """
    seen = dict(known)
    out: dict[str, tuple[str, str]] = {}
    rows = sorted(zip(articles.column("source_path").to_pylist(), articles.column("record_index").to_pylist(),
                      articles.column("article_id").to_pylist(), articles.column("content_hash").to_pylist(),
                      strict=True))
    for path, _, article_id, content_hash in rows:
        first = seen.get(content_hash)
        if first is None:
            seen[content_hash] = (article_id, path)
        elif first[0] != article_id:
            out[article_id] = (path, first[1])
    return out


# --------------------------------------------------------------------------- one-process run


def _process_in_worker(args: tuple[Settings, dict, datetime]) -> dict:
    settings, batch, run_at = args
    return process_batch(settings, batch, run_at)


def run_ingest(
    settings: Settings,
    run_id: str,
    run_at: datetime,
    clock: Callable[[], datetime],
    workers: int = 1,
) -> dict:
    """Ingest the inbox in this process (the CLI, tests and benchmarks): one run, then further runs
    (``<run_id>--2``, ...) while files wait beyond ``NEWS_ETL_MAX_FILES_PER_RUN``. Returns the summary of
    the first run, with the counts of all rounds added up when there were several."""
    summary = _run_once(settings, run_id, run_at, clock, workers)
    rounds = [summary]
    while summary.get("n_waiting"):
        summary = _run_once(settings, f"{run_id}--{len(rounds) + 1}", clock(), clock, workers)
        rounds.append(summary)
    if len(rounds) == 1:
        return rounds[0]
    total = dict(rounds[0])
    for key in ("files_seen", "files_published", "files_duplicate", "files_quarantined", "articles_published",
                "articles_quarantined", "lines_removed"):
        total[key] = sum(r.get(key, 0) or 0 for r in rounds)
    total["runs"] = [r["run_id"] for r in rounds]
    total["stories"] = rounds[-1].get("stories")
    total.pop("n_waiting", None)
    return total


def _run_once(settings: Settings, run_id: str, run_at: datetime, clock: Callable[[], datetime],
              workers: int) -> dict:
    plan = plan_run(settings, run_id, run_at)
    batches = plan["batches"]
    if not batches:
        if plan.get("already_published"):
            summary = publish_run(settings, run_id, run_at, clock())
            archive.settle_inbox(settings, clock())
            return summary
        log.info("nothing new in %s", settings.inbox)
        return {"run_id": run_id, "files_seen": 0, "articles_published": 0, "nothing_new": True,
                "lake": str(settings.lake)}
    total = sum(b["n_files"] for b in batches)
    done_files = 0
    t0 = time.perf_counter()

    def report(result: dict) -> None:
        nonlocal done_files
        done_files += result["files"]
        elapsed = time.perf_counter() - t0
        rate = done_files / elapsed if elapsed else 0.0
        eta = (total - done_files) / rate if rate else 0.0
        log.info("batch %d/%d: %d files -> %d articles, %d quarantined | %d/%d files, %.0f files/s, ETA %.0fs",
                 result["batch_no"] + 1, len(batches), result["files"], result["articles"], result["quarantined"],
                 done_files, total, rate, eta)

    if workers > 1 and len(batches) > 1:
        # Processes, not threads: trafilatura and the regex-heavy cleaner are CPU-bound and not thread-safe.
        # forkserver, not fork: workers start from a small clean process instead of a copy of this one,
        # whose heap grows with each round's validation and publish.
        # Batches side by side already use the cores: one process per batch, no pool inside each.
        one_each = replace(settings, batch_processes=1)
        with ProcessPoolExecutor(max_workers=workers, mp_context=_forkserver()) as pool:
            for result in pool.map(_process_in_worker, [(one_each, b, run_at) for b in batches]):
                report(result)
    else:
        for b in batches:
            report(process_batch(settings, b, run_at))
    validate_run(settings, run_id, run_at)
    summary = publish_run(settings, run_id, run_at, clock())
    settle = archive.settle_inbox(settings, clock())
    return {**summary, "n_waiting": plan.get("n_waiting", 0), "files_archived": settle.moved,
            "files_deleted": settle.deleted}
