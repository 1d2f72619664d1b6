"""Quarantine rows: what a stage could not take, with where it came from and why. Every stage that turns a
file, a record or an article away builds its row here, so the ids and the fields are the same whoever wrote it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import pyarrow as pa

from news_etl.schemas import QUARANTINE, to_table
from news_etl.values import repair_text


def quarantine_row(
    run_id: str,
    source_path: str,
    *,
    stage: str,
    code: str,
    reason: str,
    at: datetime,
    file_hash: str | None = None,
    record_index: int | None = None,
    article_id: str | None = None,
    expectation: str | None = None,
    payload: str | None = None,
) -> dict:
    """One ``quarantine`` row. Its id is a hash of what identifies the failure, so a re-run writes the same row."""
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


def quarantine_table(rows: list[dict]) -> pa.Table:
    """Quarantine rows as a table; a text no encoder takes (a lone surrogate quoted in a message) is repaired."""
    try:
        return to_table(rows, QUARANTINE)
    except (pa.ArrowException, UnicodeEncodeError):
        fixed = [{k: repair_text(v)[0] if isinstance(v, str) else v for k, v in r.items()} for r in rows]
        return to_table(fixed, QUARANTINE)
