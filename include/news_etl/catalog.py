"""The DuckDB catalog: a small ``.duckdb`` file of views over the lake's Parquet tables.

The catalog holds no data, only views, so it is rebuilt whole into a temp file and renamed over the
old one. Nobody ever opens the live catalog read-write: a user's read-only session keeps the file it
opened, the next session sees the new one, and the pipeline never waits for (or blocks) a reader.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

import duckdb

from news_etl.schemas import SNAPSHOTS, TABLES
from news_etl.settings import SQL_DIR
from news_etl.storage import committed_files, snapshot_path

log = logging.getLogger(__name__)

EXAMPLES_DIR = SQL_DIR / "examples"


def _sql(name: str, **params: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8").format(**params)


def _quote(path: Path | str) -> str:
    return str(path).replace("'", "''")


def glob_escape(path: str) -> str:
    """``path`` as a DuckDB file pattern that matches only itself: DuckDB globs every path it reads, so a
    lake at ``lakes/g[1]`` would otherwise read ``lakes/g1``'s files. ``[x]`` matches the character x."""
    return re.sub(r"([\[*?])", r"[\1]", path)


def sql_path(path: Path | str) -> str:
    """A literal file path for a DuckDB ``read_parquet``: no pattern characters, quotes doubled."""
    return _quote(glob_escape(str(path)))


def build_catalog(lake: Path, catalog: Path | None = None) -> Path:
    """(Re)write the catalog atomically with one view per lake table."""
    lake = Path(lake)
    catalog = Path(catalog) if catalog else lake / "catalog.duckdb"
    _write_atomically(catalog, lambda con: _create_views(con, lake))
    log.info("catalog refreshed: %s", catalog)
    return catalog


def _write_atomically(catalog: Path, fill: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
    """Build a catalog in a temp file and rename it over ``catalog``: readers see the old one or the new one."""
    catalog.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_temps(catalog)
    tmp = catalog.parent / f".{catalog.name}.{os.getpid()}.tmp"
    for leftover in (tmp, Path(str(tmp) + ".wal")):
        leftover.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        try:
            fill(con)
            con.execute("checkpoint")
        finally:
            con.close()
        os.replace(tmp, catalog)
    finally:
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _remove_dead_temps(catalog: Path) -> None:
    """Remove temp files of this catalog left by builders that were killed (their pid is in the name and no
    longer runs). A live builder's temp file is left alone: several processes may build the catalog."""
    for leftover in catalog.parent.glob(f".{catalog.name}.*.tmp*"):
        pid = leftover.name[len(catalog.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            log.warning("removing %s: left by a catalog build that died", leftover)
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _create_views(con: duckdb.DuckDBPyConnection, lake: Path) -> None:
    present = {t for t in TABLES if committed_files(lake, t)}
    present |= {t for t in SNAPSHOTS if snapshot_path(lake, t).is_file()}
    _create_views_at(con, lake.as_posix(), present)


def _create_views_at(con: duckdb.DuckDBPyConnection, root: str, present: set[str]) -> None:
    """Views over the lake at ``root`` (a folder or an object-store URL); ``present``: tables with files."""
    con.execute(_sql("source_of.sql"))
    has_runs = "ingest_runs" in present
    if has_runs:
        con.execute(_sql("committed_runs.sql", glob=_quote(f"{glob_escape(root)}/ingest_runs/*/part-*.parquet")))
    for table, schema in SNAPSHOTS.items():
        if has_runs and table in present:
            rel = snapshot_path(Path("."), table).as_posix()
            con.execute(_sql("snapshot_view.sql", table=table, path=sql_path(f"{root}/{rel}")))
        else:
            empty = schema.empty_table()
            con.execute(f"create or replace table {table} as select * from empty")
    for table, schema in TABLES.items():
        if has_runs and table in present:
            con.execute(_sql("table_view.sql", table=table,
                             glob=_quote(f"{glob_escape(root)}/{table}/*/part-*.parquet")))
        else:
            # No data yet: an empty table of the right shape, so queries bind and return nothing.
            empty = schema.empty_table()  # noqa: F841 - referenced by name in the SQL below
            con.execute(f"create or replace table {table} as select * from empty")


def build_url_catalog(url: str, catalog: Path) -> Path:
    """A catalog whose views read the lake copy at an object-store ``url`` (see :mod:`news_etl.objectstore`).

    Sessions on it need the URL's scheme readable: :func:`connect` with ``url`` registers it, and DuckDB's
    httpfs extension (with an S3 secret) does the same for other clients.
    """
    from news_etl import objectstore

    def fill(con: duckdb.DuckDBPyConnection) -> None:
        objectstore.register(con, url)
        _create_views_at(con, objectstore.public_url(url), objectstore.remote_tables(url))

    catalog = Path(catalog)
    _write_atomically(catalog, fill)
    log.info("catalog over %s: %s", objectstore.public_url(url), catalog)
    return catalog


def connect(catalog: Path, url: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only session on the catalog (never takes the write lock); ``url``: the object store its views
    read (a catalog from :func:`build_url_catalog`)."""
    if not Path(catalog).is_file():
        raise FileNotFoundError(
            f"no catalog at {catalog}: run `news-etl ingest` (or the news_ingest DAG) first"
        )
    con = duckdb.connect(str(catalog), read_only=True)
    if url:
        from news_etl import objectstore

        objectstore.register(con, url)
    return con


def query(catalog: Path, sql: str, url: str | None = None) -> tuple[list[str], list[tuple]]:
    con = connect(catalog, url)
    try:
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description] if cur.description else []
        return columns, cur.fetchall()
    finally:
        con.close()


def example_queries() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES_DIR.glob("*.sql"))}
