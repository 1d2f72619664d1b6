"""The CPU side of the process stage: clean and extract records, NLP rows and story vectors, on a pool of
processes when a batch is big enough to repay starting one.

:func:`extract_records` turns ``(source_path, file_hash, record, repeat_marks)`` items into row lists; the
process stage (:mod:`news_etl.stages.process`) reads files, groups them, and turns these lists into tables.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import time
from datetime import datetime

from news_etl import similarity
from news_etl.articles import build_article
from news_etl.budget import TimeBudgetExceeded, time_budget
from news_etl.byline_lines import default_byline_model
from news_etl.date_lines import default_date_model
from news_etl.headlines import default_title_model
from news_etl.linemodel import LineModel, Ranker, default_model
from news_etl.quarantine import quarantine_row
from news_etl.ruleset import load_rules
from news_etl.settings import Settings

log = logging.getLogger(__name__)

#: Records per task of a batch's process pool: small enough to keep both cores busy to the end of a batch,
#: big enough for spaCy's batching.
EXTRACT_CHUNK = 32
#: Below this many records per process, a pool costs more (each worker loads the model, ~3 s) than it saves.
MIN_RECORDS_PER_PROCESS = 100


def forkserver():
    """The ``forkserver`` start method, its server preloaded with this package and spaCy.

    Workers fork from that warm server instead of each importing everything (~1.5 s). The default preload
    is the main script, which under Airflow is its whole CLI (several seconds, and nothing a worker needs).
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["news_etl.stages.process", "news_etl.nlp", "spacy"])
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


def chunks(items: list[tuple], max_chars: int) -> list[list[tuple]]:
    """Items in order, ``EXTRACT_CHUNK`` at a time, a chunk closing early at ``max_chars`` of text (at most one
    record of the largest size a file may hold, or many small ones)."""
    out: list[list[tuple]] = []
    chars = 0
    for item in items:
        size = len(item[2].text)
        if not out or len(out[-1]) >= EXTRACT_CHUNK or (out[-1] and chars + size > max_chars):
            out.append([])
            chars = 0
        out[-1].append(item)
        chars += size
    return out


def load_models(settings: Settings) -> tuple[LineModel | None, Ranker | None, Ranker | None, Ranker | None]:
    """The line model and the headline, byline and date rankers the settings turn on (each loaded once per
    process). A model file that is not one raises :class:`ConfigError`: callers check this before a run."""
    return (
        default_model(settings.line_model_file) if settings.line_model else None,
        default_title_model(settings.title_model_file) if settings.title_model else None,
        default_byline_model(settings.byline_model_file) if settings.byline_model else None,
        default_date_model(settings.date_model_file) if settings.date_model else None,
    )


def extract_records(settings: Settings, run_id: str, run_at: datetime, items: list[tuple]) -> dict:
    """Clean and extract each ``(source_path, file_hash, record, repeat_marks)``; then NLP and story vectors
    over the articles. One bad record is quarantined, never sinks the others."""
    rules = load_rules(settings.extra_rules)
    model, title_model, byline_model, date_model = load_models(settings)
    articles, removed, quarantine = [], [], []
    for source_path, file_hash, record, marks in items:
        try:
            with time_budget(settings.limits.max_file_seconds):
                built = build_article(
                    record,
                    source_path=source_path,
                    file_hash=file_hash,
                    run_id=run_id,
                    ingested_at=run_at,
                    rules=rules,
                    default_tz=settings.default_timezone,
                    model=model,
                    extra_marks=marks,
                    limits=settings.limits,
                    title_model=title_model,
                    byline_model=byline_model,
                    date_model=date_model,
                )
        # One bad record must not sink the batch: quarantine, go on. (TimeBudgetExceeded is no Exception, so
        # that no handler inside the cleaner swallows it.)
        except (Exception, TimeBudgetExceeded) as exc:
            if isinstance(exc, TimeBudgetExceeded):
                code, why = "time_budget", f"cleaning and metadata {exc}"
            else:
                log.exception("extracting %s record %d failed", source_path, record.record_index)
                code, why = "extract_error", f"metadata/cleaning failed: {type(exc).__name__}: {exc}"
            quarantine.append(
                quarantine_row(
                    run_id,
                    source_path,
                    stage="extract",
                    code=code,
                    at=run_at,
                    reason=f"{source_path}: {why}",
                    file_hash=file_hash,
                    record_index=record.record_index,
                )
            )
            continue
        articles.append(built.row)
        removed.extend(built.removed)
    nlp_started = time.perf_counter()
    entities, quotes = nlp_rows(settings, articles) if settings.nlp else ([], [])
    nlp_seconds = time.perf_counter() - nlp_started
    vectors = []
    for row in articles:
        terms, weights = similarity.story_vector(row["body"])
        vectors.append(
            {
                "article_id": row["article_id"],
                "run_id": run_id,
                "terms": terms,
                "weights": weights,
                "ingested_at": run_at,
            }
        )
    return {
        "articles": articles,
        "removed": removed,
        "quarantine": quarantine,
        "entities": entities,
        "quotes": quotes,
        "vectors": vectors,
        "nlp_seconds": nlp_seconds,
    }


def nlp_rows(settings: Settings, articles: list[dict]) -> tuple[list[dict], list[dict]]:
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
    for (article_id, rows), result in zip(
        todo.items(),
        nlp.analyse(bodies, model, batch_size=settings.nlp_batch_size, max_chars=settings.nlp_max_chars),
        strict=True,
    ):
        for row in rows:
            row["keywords"] = result.keywords
            row["sentence_count"] = result.sentence_count
        run_id, at = rows[0]["run_id"], rows[0]["ingested_at"]
        for e in result.entities:
            entities.append(
                {
                    "article_id": article_id,
                    "entity_id": e.entity_id,
                    "run_id": run_id,
                    "name": e.name,
                    "label": e.label,
                    "mention_count": e.mentions,
                    "first_offset": e.first_offset,
                    "variants": e.variants,
                    "ingested_at": at,
                }
            )
        for q in result.quotes:
            quotes.append(
                {
                    "quote_id": hashlib.sha256(f"{article_id}:{q.start_offset}:{q.end_offset}".encode()).hexdigest()[
                        :20
                    ],
                    "article_id": article_id,
                    "run_id": run_id,
                    "quote": q.text,
                    "speaker": q.speaker,
                    "speaker_text": q.speaker_text,
                    "speaker_entity_id": q.speaker_entity_id,
                    "cue": q.cue,
                    "start_offset": q.start_offset,
                    "end_offset": q.end_offset,
                    "ingested_at": at,
                }
            )
    return entities, quotes


#: What a batch pool's worker holds: the run's settings (rules, line model and spaCy load once per worker).
_WORKER_SETTINGS: Settings | None = None


def init_worker(settings: Settings) -> None:
    """A pool worker's start: hold the settings, load rules, line model and spaCy once."""
    global _WORKER_SETTINGS
    _WORKER_SETTINGS = settings
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # one BLAS thread per worker: the pool already has a worker per core
    load_rules(settings.extra_rules)
    load_models(settings)
    if settings.nlp:
        from news_etl import nlp

        nlp.load_pipeline(settings.spacy_model)


def extract_in_worker(args: tuple[str, datetime, list[tuple]]) -> dict:
    assert _WORKER_SETTINGS is not None, "batch worker started without settings"
    run_id, run_at, items = args
    return extract_records(_WORKER_SETTINGS, run_id, run_at, items)
