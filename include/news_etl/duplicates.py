"""What the lake already holds, asked for one run's own keys: committed runs, ledger entries, published bytes
and published bodies; and the rules that decide which copy of a duplicate is kept.

Every lookup joins the run's keys against the lake (:func:`news_etl.lake.lookup`): its cost follows the run,
not the lake's history. Plan, validate and publish all ask here, so they agree on what a duplicate is.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from news_etl import lake as lakes


def run_published(con_or_lake, run_id: str) -> bool:
    return lakes.read(con_or_lake, "ingest_runs", ["run_id"], where="run_id = ?", params=[run_id]).num_rows > 0


def file_keys(keys: list[tuple[str, int, int]]) -> pa.Table:
    """``(path, size, mtime)`` keys as the ``_keys`` table of a ledger lookup (:func:`news_etl.lake.lookup`)."""
    return pa.table(
        {
            "source_path": pa.array([k[0] for k in keys], pa.string()),
            "size_bytes": pa.array([k[1] for k in keys], pa.int64()),
            "mtime_ns": pa.array([k[2] for k in keys], pa.int64()),
        }
    )


def ledger_keys(con_or_lake, keys: list[tuple[str, int, int]]) -> set[tuple[str, int, int]]:
    """Which of these ``(path, size, mtime)`` a committed run has already seen (discovery skips them): one
    join of the walk's keys against the ledger, which is never loaded whole."""
    return set(
        lakes.lookup(
            con_or_lake,
            f"""
        select distinct _keys.source_path, _keys.size_bytes, _keys.mtime_ns
        from _keys
        join {lakes.ALIAS}.main.ingest_files as f
          on f.source_path = _keys.source_path and f.size_bytes = _keys.size_bytes and f.mtime_ns = _keys.mtime_ns
        """,
            file_keys(keys),
        )
    )


def published_hashes(con_or_lake, files: pa.Table) -> dict[str, str]:
    """file_hash -> the source_path whose articles were published from those bytes, for this run's hashes.

    Quarantined files do not count: re-processing one after a fix to the rules or settings (``touch`` it)
    must not be turned away as a duplicate of itself.
    """
    rows = lakes.lookup(
        con_or_lake,
        f"""
        select f.file_hash, arg_min(f.source_path, f.ingested_at)
        from {lakes.ALIAS}.main.ingest_files as f
        join _keys on f.file_hash = _keys.k
        where f.outcome in ('published', 'partial')
        group by f.file_hash""",
        lakes.key_table(files.column("file_hash").to_pylist()),
    )
    return dict(rows)


def published_bodies(con, articles: pa.Table) -> dict[str, tuple[str, str]]:
    """content_hash -> (article_id, source_path) of the first published article with that normalised body,
    for this run's content hashes."""
    rows = lakes.lookup(
        con,
        f"""
        select content_hash, article_id, source_path
        from {lakes.ALIAS}.main.articles as a
        join _keys on a.content_hash = _keys.k
        qualify row_number() over (partition by content_hash order by ingested_at, source_path, article_id) = 1
        """,
        lakes.key_table(articles.column("content_hash").to_pylist()),
    )
    return {h: (a, p) for h, a, p in rows}


def file_duplicates(files: pa.Table, known: dict[str, str]) -> dict[str, str]:
    """source_path -> the path whose identical bytes were ingested first (earlier run, or earlier in this one).

    Within a run the first path in sorted order wins, so the result does not depend on batch timing.
    """
    seen = dict(known)
    dup_of: dict[str, str] = {}
    rows = sorted(zip(files.column("source_path").to_pylist(), files.column("file_hash").to_pylist(), strict=True))
    for path, file_hash in rows:
        if file_hash is None:
            continue
        if file_hash in seen:
            dup_of[path] = seen[file_hash]
        else:
            seen[file_hash] = path
    return dup_of


def body_duplicates(articles: pa.Table, known: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """article_id -> (its source_path, the source_path of the first article with the same normalised body).

    Earlier runs first, then this run's articles in (source_path, record_index) order: arrival timing
    inside a run does not decide which copy is kept.
    """
    seen = dict(known)
    out: dict[str, tuple[str, str]] = {}
    rows = sorted(
        zip(
            articles.column("source_path").to_pylist(),
            articles.column("record_index").to_pylist(),
            articles.column("article_id").to_pylist(),
            articles.column("content_hash").to_pylist(),
            strict=True,
        )
    )
    for path, _, article_id, content_hash in rows:
        first = seen.get(content_hash)
        if first is None:
            seen[content_hash] = (article_id, path)
        elif first[0] != article_id:
            out[article_id] = (path, first[1])
    return out


def without_paths(table: pa.Table, paths: set[str]) -> pa.Table:
    """The rows of ``table`` whose ``source_path`` is not one of ``paths``."""
    if not paths or table.num_rows == 0:
        return table
    mask = pc.invert(pc.is_in(table.column("source_path"), value_set=pa.array(sorted(paths), pa.string())))
    return table.filter(mask)


def with_ids(table: pa.Table, ids: pa.Array) -> pa.Table:
    """The rows of ``table`` whose ``article_id`` is one of ``ids``."""
    return table.filter(pc.is_in(table.column("article_id"), value_set=ids))


def first_per_key(table: pa.Table, keys: list[str]) -> pa.Table:
    """The first row of each distinct ``keys`` value, in the table's order (identical files share ids)."""
    if table.num_rows == 0:
        return table
    numbered = table.append_column("_row", pa.array(range(table.num_rows), pa.int64()))
    firsts = numbered.group_by(keys, use_threads=False).aggregate([("_row", "min")]).column("_row_min")
    return table.take(pc.take(firsts, pc.sort_indices(firsts)))  # first rows, in their original order
