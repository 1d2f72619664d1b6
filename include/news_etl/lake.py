"""The lake: one DuckLake (a SQL catalog + Parquet data files) holding every table. The one owner of its layout
and connections; every other module asks here.

Layout (defaults; each part can move with a setting)::

    <NEWS_ETL_LAKE>/catalog.sqlite        the DuckLake catalog (NEWS_ETL_CATALOG: sqlite:<file> | postgres:<dsn>)
    <NEWS_ETL_DATA_PATH>/tables/...       the tables' Parquet files, written and tracked by DuckLake
    <NEWS_ETL_DATA_PATH>/staging/<run>/   what a run's tasks hand each other (staged Parquet, plan, manifests)
    <NEWS_ETL_LAKE>/_reports/             the run report and the GX Data Docs

``NEWS_ETL_DATA_PATH`` defaults to the lake folder and may be ``s3://bucket/prefix``: tasks on other machines
then share nothing but the catalog database and the bucket. Staging sits beside ``tables/``, never inside it:
DuckLake's orphan clean-up deletes every Parquet file under the data path that its catalog does not track.

A publish is one DuckLake transaction over all of a run's rows; readers attach read-only and see the snapshot
they started on. Concurrent publishers are kept apart by a guard row every publish updates (two transactions
that both change it cannot both commit), and :func:`transaction` retries the loser from the start, so its
duplicate checks run again against what the winner committed.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import logging
import os
import random
import re
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa
import pyarrow.fs as pafs

from news_etl.schemas import ALL_TABLES, PARTITION_COLUMN
from news_etl.settings import SQL_DIR, ConfigError, Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The lake's own format, kept in ``_meta.lake_state``: a lake written by a newer release is refused, not guessed at.
LAKE_FORMAT = 1
ALIAS = "lake"
META_SCHEMA = "_meta"
DUCKDB_VERSION = "1.5.5"


class LakeError(RuntimeError):
    """The lake cannot be used right now (catalog unreachable or locked): a retry may fix it."""


class LakeMissing(FileNotFoundError):
    """No lake has been created at this catalog yet (a reader came first)."""


class SnapshotRewritten(LakeError):
    """Maintenance rewrote data files after this transaction's snapshot: what it read may be incomplete, so it
    runs again (see :data:`REWRITES`)."""


#: Snapshot changes that take data files out of the catalog instead of ending them at a snapshot (compaction,
#: flushes of inlined rows). In DuckLake 1.5.5 a transaction that began before such a commit and scans a table
#: after it finds none of the table's files and reads it empty, without an error (a reader during maintenance saw
#: ``articles`` empty 1 run in 6 under load; a transaction open across ``ducklake_merge_adjacent_files`` always
#: does). So every read and every publish here checks, once its reads are done, that no such commit followed its
#: snapshot, and runs again if one did.
REWRITES = frozenset({"merge_adjacent", "rewrite_delete", "flushed_inlined", "compacted_table"})


# --------------------------------------------------------------------------- where things are


@dataclass(frozen=True)
class Lake:
    """Where one lake lives: its local folder, its catalog, its data root and how to reach object storage."""

    folder: Path
    catalog: str  # "sqlite:/abs/file" or "postgres:<libpq conninfo>"
    data_root: str  # "/abs/folder" or "s3://bucket/prefix" (no trailing slash)
    s3_endpoint: str | None = None
    s3_region: str = "us-east-1"
    s3_url_style: str = "vhost"
    s3_use_ssl: bool = True
    retries: int = 30

    @classmethod
    def of(cls, settings: Settings) -> Lake:
        folder = Path(settings.lake)
        catalog = settings.catalog or f"sqlite:{folder / 'catalog.sqlite'}"
        kind, _, where = catalog.partition(":")
        if kind not in ("sqlite", "postgres") or not where:
            raise ConfigError(f"NEWS_ETL_CATALOG must be sqlite:<file> or postgres:<conninfo>, got {catalog!r}")
        if kind == "sqlite":
            catalog = f"sqlite:{Path(where).expanduser().resolve()}"
        root = (settings.data_path or str(folder)).rstrip("/")
        if "://" in root:
            if not root.startswith("s3://"):
                raise ConfigError(f"NEWS_ETL_DATA_PATH must be a folder or s3://bucket/prefix, got {root!r}")
        else:
            root = str(Path(root).expanduser().resolve())
        return cls(
            folder=folder,
            catalog=catalog,
            data_root=root,
            s3_endpoint=settings.s3_endpoint,
            s3_region=settings.s3_region,
            s3_url_style=settings.s3_url_style or ("path" if settings.s3_endpoint else "vhost"),
            s3_use_ssl=settings.s3_use_ssl,
            retries=settings.publish_retries,
        )

    @property
    def kind(self) -> str:
        return self.catalog.split(":", 1)[0]

    @property
    def remote(self) -> bool:
        return self.data_root.startswith("s3://")

    @property
    def tables_path(self) -> str:
        return f"{self.data_root}/tables/"

    @property
    def staging_root(self) -> str:
        return f"{self.data_root}/staging"

    @property
    def reports_dir(self) -> Path:
        return self.folder / "_reports"

    def sqlite_file(self) -> Path | None:
        return Path(self.catalog.split(":", 1)[1]) if self.kind == "sqlite" else None

    def exists(self) -> bool:
        """Whether the catalog has been created (a PostgreSQL catalog is assumed to exist: attach tells)."""
        f = self.sqlite_file()
        return f is None or f.is_file()

    def describe(self) -> str:
        where = self.catalog if self.kind == "sqlite" else "postgres:" + _hide_password(self.catalog[9:])
        return f"catalog {where}, data {self.data_root}"

    def attach_sql(self, read_only: bool = True) -> str:
        """The ``ATTACH`` line any DuckDB session (with the ducklake extension) uses to open this lake."""
        opts = ["READ_ONLY"] if read_only else []
        opts_sql = f" ({', '.join(opts)})" if opts else ""
        return f"ATTACH 'ducklake:{_q(self.catalog)}' AS {ALIAS}{opts_sql};"


def _q(text: str) -> str:
    return text.replace("'", "''")


def _hide_password(conninfo: str) -> str:
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", conninfo)


# --------------------------------------------------------------------------- connections


def extension_path(name: str) -> str:
    """The signed DuckDB extension binary shipped in the ``duckdb-extension-<name>`` PyPI package.

    Loaded by path: this machine (and many deployments) cannot download extensions, and these are DuckDB's
    own signed builds, so ``allow_unsigned_extensions`` stays off.
    """
    package = f"duckdb_extension_{name}"
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"the DuckDB extension {name} is not installed: pip install "
            f"duckdb-extension-{name.replace('_', '-')}=={DUCKDB_VERSION}"
        )
    found = sorted(
        glob.glob(
            os.path.join(
                spec.submodule_search_locations[0], "extensions", f"v{duckdb.__version__}", "*.duckdb_extension"
            )
        )
    )
    if not found:
        raise ConfigError(
            f"duckdb-extension-{name.replace('_', '-')} holds no build for DuckDB {duckdb.__version__}: "
            f"install the package version that matches duckdb ({duckdb.__version__})"
        )
    return found[0]


def _extensions(lake: Lake) -> list[str]:
    names = ["ducklake", "sqlite_scanner" if lake.kind == "sqlite" else "postgres_scanner"]
    if lake.remote:
        names.append("httpfs")
    return names


def _s3_secret(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    params = {
        "TYPE": "s3",
        "REGION": lake.s3_region,
        "URL_STYLE": lake.s3_url_style,
        "USE_SSL": "true" if lake.s3_use_ssl else "false",
        "KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", ""),
        "SECRET": os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
    }
    if lake.s3_endpoint:
        params["ENDPOINT"] = lake.s3_endpoint
    if os.environ.get("AWS_SESSION_TOKEN"):
        params["SESSION_TOKEN"] = os.environ["AWS_SESSION_TOKEN"]
    body = ", ".join(
        f"{k} {v}" if v in ("true", "false") or k == "TYPE" else f"{k} '{_q(v)}'" for k, v in params.items()
    )
    con.execute(f"CREATE OR REPLACE TEMPORARY SECRET news_etl_s3 ({body})")


def _new_connection(lake: Lake) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        config={
            "allow_unsigned_extensions": False,
            "autoload_known_extensions": False,
            "autoinstall_known_extensions": False,
        }
    )
    con.execute("SET TimeZone = 'UTC'")  # partition days and timestamps in UTC, whatever the machine's zone
    for name in _extensions(lake):
        con.execute(f"LOAD '{_q(extension_path(name))}'")
    if lake.remote:
        _s3_secret(con, lake)
    return con


def _prepare_sqlite(lake: Lake, path: Path) -> None:
    """A new SQLite catalog in WAL mode: readers then never block a publish (nor a publish its readers).

    Two first runs at once both find no catalog: while one switches the new file to WAL or creates the
    catalog's tables, the other's switch gets "database is locked" (SQLite answers so at once rather than wait
    when two connections would both upgrade their lock); it backs off and tries again like any busy commit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        retrying(lake, "switching the new catalog to WAL", lambda: set_wal(path))


def set_wal(path: Path, timeout: float = 5.0) -> None:
    """Switch the SQLite file at ``path`` to WAL unless it is already (another run may have switched it)."""
    with contextlib.closing(sqlite3.connect(path, timeout=timeout)) as db:
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode=WAL")


def connect(lake: Lake, read_only: bool = False, at: str | int | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB session with the lake attached as ``lake`` (and in use, so ``from articles`` works).

    ``read_only``: a reader's session (``news-etl sql``, reports). ``at``: time travel, a snapshot id or a
    timestamp. A writer's first session creates the catalog and the tables.
    """
    missing = f"no lake at {lake.folder} ({lake.describe()}): run `news-etl ingest` (or the news_ingest DAG) first"
    if read_only and not lake.exists():
        raise LakeMissing(missing)
    if not read_only and (f := lake.sqlite_file()) is not None:
        _prepare_sqlite(lake, f)
    con = _new_connection(lake)
    for attempt in range(lake.retries):
        try:
            _attach(con, lake, read_only, at)
            break
        except duckdb.Error as exc:
            text = str(exc)
            if read_only and "does not exist" in text and "creating a new DuckLake is explicitly disabled" in text:
                con.close()
                raise LakeMissing(missing) from exc
            # Two first writers creating the same catalog at once: one wins, the other attaches what it made.
            if attempt < lake.retries - 1 and (retryable(exc) or "already exists" in text):
                backoff(attempt, "opening the lake")
                continue
            con.close()
            raise _attach_error(lake, exc) from exc
    try:
        con.execute(f"USE {ALIAS}")
        _check_formats(con, lake)
        if not read_only:
            ensure_tables(con, lake)
    except BaseException:
        con.close()
        raise
    return con


def _attach(con: duckdb.DuckDBPyConnection, lake: Lake, read_only: bool, at: str | int | None) -> None:
    opts = ["READ_ONLY"] if read_only else [f"DATA_PATH '{_q(lake.tables_path)}'"]
    if at is not None:
        at_text = str(at).strip()
        opts.append(f"SNAPSHOT_VERSION {int(at_text)}" if at_text.isdigit() else f"SNAPSHOT_TIME '{_q(at_text)}'")
    con.execute(f"ATTACH 'ducklake:{_q(lake.catalog)}' AS {ALIAS} ({', '.join(opts)})")


def _attach_error(lake: Lake, exc: duckdb.Error) -> Exception:
    text = str(exc)
    if "version mismatch" in text.lower() or ("version" in text.lower() and "newer" in text.lower()):
        # Never migrated silently: a newer format needs a newer release, an older one a deliberate upgrade.
        return ConfigError(
            f"the lake's catalog ({lake.describe()}) is in a DuckLake format this release does not "
            f"read ({text.splitlines()[0]}). The lake was not changed: use the news-etl release that "
            "wrote it, or upgrade news-etl"
        )
    if "does not match existing data path" in text:
        return ConfigError(
            f"the catalog {lake.describe()} keeps its data elsewhere: {text.splitlines()[0]} Point "
            "NEWS_ETL_DATA_PATH at the lake's data (or unset it for the default)"
        )
    if "snapshot" in text.lower():
        return ConfigError(f"no such snapshot in the lake: {text}. `news-etl snapshots` lists them")
    return LakeError(f"cannot open the lake ({lake.describe()}; NEWS_ETL_CATALOG / NEWS_ETL_DATA_PATH): {text}")


def _check_formats(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    # The DuckLake format itself is checked by the extension at ATTACH (see _attach_error).
    opts = dict(con.execute(f"select option_name, value from ducklake_options('{ALIAS}')").fetchall())
    stored = str(opts.get("data_path", "")).rstrip("/")
    if stored and stored != lake.tables_path.rstrip("/"):
        raise ConfigError(
            f"the catalog {lake.catalog} keeps its data at {stored}, but NEWS_ETL_DATA_PATH says "
            f"{lake.data_root} (tables at {lake.tables_path}): point NEWS_ETL_DATA_PATH at the "
            "lake's data"
        )
    if (META_SCHEMA,) in con.execute(
        f"select schema_name from duckdb_schemas() where database_name = '{ALIAS}'"
    ).fetchall():
        row = con.execute(f"select value from {ALIAS}.{META_SCHEMA}.lake_state where key = 'format'").fetchone()
        if row and int(row[0]) > LAKE_FORMAT:
            raise ConfigError(
                f"the lake ({lake.describe()}) was written by a newer news-etl (lake format {row[0]}, "
                f"this release writes {LAKE_FORMAT}): upgrade news-etl; the lake was not changed"
            )


_ENSURED: set[tuple[str, str]] = set()

#: Tables renamed since a lake may have been created: old name -> new. The first writer session renames them
#: (DuckLake keeps their files, snapshots and partitioning).
RENAMED = {"validation_results": "gate_results", "dq_results": "check_results", "dq_runs": "check_runs"}

#: Options kept in the catalog (every client of the lake uses them), set once when missing.
LAKE_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("parquet_compression", "'zstd'", "bench-scale's 98,012 articles take 41.7 MB instead of 152 MB with snappy"),
    # No inlined rows: DuckLake's flush of inlined rows commits its snapshot before it drops the rows' old
    # table, and a reader in that gap reads the table empty (seen by test_readers_during_maintenance in CI;
    # duckdb/ducklake#1413, #1305). Every insert writes Parquet; maintenance merges the small files daily.
    ("data_inlining_row_limit", "0", "a reader never meets a flush of inlined rows"),
)


def lake_macros() -> dict[str, str]:
    """name -> ``create macro`` statement (in the lake's catalog) of every macro in ``sql/macros.sql``."""
    text = "\n".join(
        line
        for line in (SQL_DIR / "macros.sql").read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("--")
    )
    out = {}
    for statement in filter(str.strip, text.split(";")):
        found = re.search(r"create or replace macro (\w+)\(", statement)
        if found is None:
            raise ValueError(f"sql/macros.sql: a statement that creates no macro: {statement.strip()[:80]}")
        name = found.group(1)
        out[name] = statement.strip().replace(f"macro {name}(", f"macro {ALIAS}.main.{name}(", 1)
    return out


def ensure_tables(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    """Create what is missing: tables (partitioned by day), columns added to a schema since, the guard row,
    the ``source_of`` macro. Once per process and lake; each step is idempotent, so racing creators are fine."""
    key = (lake.catalog, lake.data_root)
    if key in _ENSURED:
        return
    retrying(lake, "creating the lake's tables", lambda: _create(con), also=_creation_race)
    _ENSURED.add(key)


def _creation_race(exc: BaseException) -> bool:
    """Two first writers creating the tables at once: DuckLake fails the later commit with a catalog it cannot load
    in its view ("table with id 29 references schema id 1 that does not exist", 1 in 45 first sessions of three
    started together), not with a conflict. Creating is idempotent: the retry finds the other's tables."""
    text = str(exc).lower()  # a commit that fails for another reason (a full disk) is no race: it fails at once
    return "failed to commit ducklake transaction" in text and "failed to load ducklake" in text


def _create(con: duckdb.DuckDBPyConnection) -> None:
    """One transaction for whatever is missing; none at all when nothing is (every task process opens the lake,
    and an empty commit would still be a snapshot)."""
    existing = {
        (s, t)
        for s, t in con.execute(
            f"select schema_name, table_name from duckdb_tables() where database_name = '{ALIAS}'"
        ).fetchall()
    }
    columns = {
        (RENAMED.get(t, t), c)
        for t, c in con.execute(
            f"select table_name, column_name from duckdb_columns() where database_name = '{ALIAS}'"
        ).fetchall()
    }
    macros = {
        name
        for (name,) in con.execute(
            f"select function_name from duckdb_functions() where database_name = '{ALIAS}'"
        ).fetchall()
    }
    steps: list[str] = []
    if (META_SCHEMA, "lake_state") not in existing:
        steps += [
            f"CREATE SCHEMA IF NOT EXISTS {ALIAS}.{META_SCHEMA}",
            f"CREATE TABLE IF NOT EXISTS {ALIAS}.{META_SCHEMA}.lake_state (key varchar, value varchar)",
            f"INSERT INTO {ALIAS}.{META_SCHEMA}.lake_state VALUES ('format', '{LAKE_FORMAT}'), ('publish', '0')",
        ]
    for old, new in RENAMED.items():
        if ("main", old) in existing and ("main", new) not in existing:
            log.info("renaming table %s to %s", old, new)
            steps.append(f"ALTER TABLE {ALIAS}.main.{old} RENAME TO {new}")
            existing.add(("main", new))
    for table, schema in ALL_TABLES.items():
        types = dict(zip(schema.names, (str(t) for t in duckdb.from_arrow(schema.empty_table()).types), strict=True))
        if ("main", table) not in existing:
            cols = ", ".join(
                f"{name} {types[name]}{'' if schema.field(name).nullable else ' NOT NULL'}" for name in schema.names
            )
            steps.append(f"CREATE TABLE IF NOT EXISTS {ALIAS}.main.{table} ({cols})")
            if (part := PARTITION_COLUMN.get(table)) is not None:
                steps.append(
                    f"ALTER TABLE {ALIAS}.main.{table} SET PARTITIONED BY (year({part}), month({part}), day({part}))"
                )
        else:  # schema evolution: a column added in a later release
            for name in schema.names:
                if (table, name) not in columns:
                    log.info("adding column %s.%s to the lake", table, name)
                    steps.append(f"ALTER TABLE {ALIAS}.main.{table} ADD COLUMN {name} {types[name]}")
    for name, sql in lake_macros().items():
        if name not in macros:  # kept in the catalog: every session that attaches the lake can call them
            steps.append(sql)
    options = {name for (name,) in con.execute(f"select option_name from ducklake_options('{ALIAS}')").fetchall()}
    for name, value, why in LAKE_OPTIONS:
        if name not in options:
            log.debug("lake option %s = %s: %s", name, value, why)
            con.execute(f"CALL ducklake_set_option('{ALIAS}', '{name}', {value})")
    if not steps:
        return
    crash_point("creating_tables")  # the catalog exists, its tables do not yet
    con.execute("BEGIN")
    try:
        for sql in steps:
            con.execute(sql)
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise


def reports_dir(folder: Path) -> Path:
    """The run report and the GX project (Data Docs) of the lake in ``folder``."""
    return Path(folder) / "_reports"


def gx_project_dir(folder: Path) -> Path:
    return reports_dir(folder) / "gx"


def data_docs_dir(folder: Path) -> Path:
    return gx_project_dir(folder) / "gx" / "uncommitted" / "data_docs" / "local_site"


@contextlib.contextmanager
def reader(lake: Lake, at: str | int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only session held at one snapshot (the newest, or ``at``): each of its statements is a transaction
    of its own, and all of them read the same lake, whatever commits meanwhile. Work that must not read a table
    half-compacted goes through :func:`read_consistently`."""
    con = connect(lake, read_only=True, at=at)
    try:
        if at is None:
            # Re-attached at the snapshot it found (about 50 ms; a new session costs 0.4 s).
            snapshot = current_snapshot(con)
            con.execute("USE memory")
            con.execute(f"DETACH {ALIAS}")
            _attach(con, lake, True, snapshot)
            con.execute(f"USE {ALIAS}")
        yield con
    finally:
        con.close()


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    """The snapshot this session's (or open transaction's) reads see."""
    return int(scalar(con, f"select id from ducklake_current_snapshot('{ALIAS}')"))


def check_not_rewritten(con: duckdb.DuckDBPyConnection, since: int, what: str) -> None:
    """Raise :class:`SnapshotRewritten` when a commit after snapshot ``since`` rewrote data files (:data:`REWRITES`)."""
    # A cursor is a transaction of its own: it sees the commits the caller's open transaction does not (neither
    # its ducklake_snapshots nor a held session's ducklake_current_snapshot shows them). It reads the catalog's
    # own table, which DuckLake attaches as __ducklake_metadata_<alias>: the filter goes to SQLite or PostgreSQL,
    # so the cost follows the commits since, not the snapshots kept (ducklake_snapshots: 45 ms at 2,000).
    cur = con.cursor()
    try:
        rows = cur.execute(
            f"select snapshot_id, changes_made from __ducklake_metadata_{ALIAS}.ducklake_snapshot_changes "
            "where snapshot_id > ?",
            [since],
        ).fetchall()
    finally:
        cur.close()
    rewritten = sorted(sid for sid, changes in rows if _REWRITE_CHANGE.search(changes or ""))
    if rewritten:
        raise SnapshotRewritten(
            f"{what}: lake maintenance rewrote data files (snapshot {rewritten[0]}) after this read's snapshot "
            f"{since}; reading again"
        )


#: A change of :data:`REWRITES` in the catalog's text of a snapshot's changes ("merge_adjacent:12,...").
_REWRITE_CHANGE = re.compile(rf"(?:^|,)(?:{'|'.join(sorted(REWRITES))}):")


def unrewritten(con: duckdb.DuckDBPyConnection, body: Callable[[duckdb.DuckDBPyConnection], T], what: str) -> T:
    """``body(con)``, then :func:`check_not_rewritten` since the snapshot ``con`` saw before it: what ``body``
    read is no table half-compacted. An IO error (a file gone under the read) is maintenance's clean-up when a
    rewrite came (:class:`SnapshotRewritten`, retried), else raised as it is (a real loss)."""
    snapshot = current_snapshot(con)
    try:
        result = body(con)
    except duckdb.IOException:
        check_not_rewritten(con, snapshot, what)
        raise
    check_not_rewritten(con, snapshot, what)
    return result


def read_consistently(
    lake: Lake, body: Callable[[duckdb.DuckDBPyConnection], T], at: str | int | None = None, what: str = "reading"
) -> T:
    """``body(con)`` in a :func:`reader` session, run again (:func:`retrying`) when maintenance rewrote data
    files during it (its tables may have read empty) or removed a file it was reading (:func:`unrewritten`)."""

    def once() -> T:
        with reader(lake, at) as con:
            return unrewritten(con, body, what)

    return retrying(lake, what, once)


def rows_of(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple[list[str], list[tuple]]:
    """``(column names, rows)`` of one query in an open session."""
    cur = con.execute(sql, params or [])
    columns = [d[0] for d in cur.description] if cur.description else []
    return columns, cur.fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> Any:
    """The one value of a query that returns one row (a count, a max)."""
    row = con.execute(sql, params or []).fetchone()
    if row is None:
        raise LakeError(f"expected one row from: {sql[:200]}")
    return row[0]


def query(
    lake: Lake, sql: str, params: list | None = None, at: str | int | None = None
) -> tuple[list[str], list[tuple]]:
    """Run one read-only query in a session of its own; ``(column names, rows)``."""
    return read_consistently(lake, lambda con: rows_of(con, sql, params), at, "query")


def read(
    lake: Lake | duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str] | None = None,
    where: str | None = None,
    params: list | None = None,
) -> pa.Table:
    """A table (or some columns, some rows) as Arrow in its schema's types; empty when the lake has none yet."""
    schema = ALL_TABLES[table]
    if columns:
        schema = pa.schema([schema.field(c) for c in columns])
    if isinstance(lake, Lake):
        try:
            return read_consistently(
                lake, lambda con: read(con, table, columns, where, params), what=f"reading {table}"
            )
        except LakeMissing:
            return schema.empty_table()
    sql = f"select {', '.join(schema.names)} from {ALIAS}.main.{table}" + (f" where {where}" if where else "")
    try:
        return lake.execute(sql, params or []).to_arrow_table().cast(schema)
    except duckdb.CatalogException:
        # A lake whose first writer died between creating the catalog and its tables: nothing published yet.
        if (table,) in lake.execute(
            f"select table_name from duckdb_tables() where database_name = '{ALIAS}' and schema_name = 'main'"
        ).fetchall():
            raise
        return schema.empty_table()


@contextlib.contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """``table`` visible to SQL as ``name`` in this session, for the block's duration."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


def key_table(values) -> pa.Table:
    """One column ``k`` of the distinct non-empty values: the ``_keys`` of :func:`lookup`."""
    return pa.table({"k": pa.array(sorted({v for v in values if v}), pa.string())})


def lookup(con_or_lake, sql: str, keys: pa.Table) -> list[tuple]:
    """Run ``sql``, which joins ``_keys`` (the given keys), for just these keys: cost follows the run, not the
    lake. A lake not created yet, or without its tables yet, has nothing to find."""
    if keys.num_rows == 0:
        return []
    if isinstance(con_or_lake, Lake):
        try:
            return read_consistently(con_or_lake, lambda con: lookup(con, sql, keys), what="lookup")
        except LakeMissing:
            return []
    try:
        with registered(con_or_lake, "_keys", keys):
            return con_or_lake.execute(sql).fetchall()
    except duckdb.CatalogException:  # a lake without its tables yet (see lakes.read): nothing published
        return []


def lookup_table(con: duckdb.DuckDBPyConnection, sql: str, keys: pa.Table) -> pa.Table:
    """:func:`lookup` in an open session of a lake with its tables, as Arrow."""
    with registered(con, "_keys", keys):
        return con.execute(sql).to_arrow_table()


def insert(con: duckdb.DuckDBPyConnection, table: str, data: pa.Table) -> None:
    """Append ``data`` (in the table's schema, checked here) to a lake table inside the caller's transaction."""
    data = data.cast(ALL_TABLES[table]) if data.schema != ALL_TABLES[table] else data
    if data.num_rows == 0:
        return
    with registered(con, "_news_etl_rows", data):
        con.execute(f"INSERT INTO {ALIAS}.main.{table} BY NAME SELECT * FROM _news_etl_rows")


# --------------------------------------------------------------------------- transactions


def retryable(exc: BaseException) -> bool:
    if isinstance(exc, SnapshotRewritten):
        return True
    text = str(exc).lower()
    return any(
        s in text
        for s in (
            "conflict",
            "database is locked",
            "busy",
            "could not serialize",
            "deadlock",
            "the database file is locked",
        )
    )


#: Why :func:`retrying` waits, unless the error says better.
_BUSY = "the lake is busy (another commit)"


def backoff(attempt: int, what: str, why: str = _BUSY) -> None:
    wait = min(5.0, 0.1 * 1.6**attempt) * (0.5 + random.random())
    (log.warning if attempt >= 5 else log.info)("%s: %s; retrying in %.1fs", what, why, wait)
    time.sleep(wait)


def retrying(lake: Lake, what: str, attempt: Callable[[], T], also: Callable[[BaseException], bool] | None = None) -> T:
    """``attempt()`` until it succeeds: a conflict or a busy catalog (or an error ``also`` accepts) backs off and
    tries again, at most ``lake.retries`` times in all (then a :class:`LakeError` naming the lake); any other error
    propagates at once. ``attempt`` must leave nothing behind when it fails (roll back what it began)."""
    for n in range(lake.retries):
        try:
            return attempt()
        except (duckdb.Error, sqlite3.OperationalError, SnapshotRewritten) as exc:  # sqlite3: the catalog's file
            accepted = also is not None and also(exc)
            if not (retryable(exc) or accepted):
                raise
            if n == lake.retries - 1:
                raise LakeError(
                    f"{what}: the lake stayed busy through {lake.retries} attempts ({lake.describe()}): {exc}"
                ) from exc
            backoff(
                n, what, str(exc).strip().splitlines()[-1] if accepted or isinstance(exc, SnapshotRewritten) else _BUSY
            )
    raise AssertionError("unreachable")


def transaction(
    lake: Lake,
    body: Callable[[duckdb.DuckDBPyConnection], T],
    what: str = "publish",
    guard: bool = True,
    con: duckdb.DuckDBPyConnection | None = None,
) -> T:
    """Run ``body(con)`` in one DuckLake transaction and commit it; all of it lands or none of it.

    ``guard``: the transaction also bumps the publish guard row, so two guarded transactions never both commit
    (the second fails at commit with a conflict). A conflict or a busy catalog rolls back and runs ``body`` again
    from the start on the newest snapshot, so whatever it checked (duplicates, a run already published) is
    checked again. Other errors roll back and propagate. ``con``: a writer's session to use (else one of its own).
    """
    if con is None:
        with contextlib.closing(connect(lake)) as own:
            return transaction(lake, body, what, guard, own)

    def once() -> T:
        con.execute("BEGIN")
        try:
            # What body read must not be a table half-compacted (REWRITES): then it decides again.
            result = unrewritten(con, body, what)
            if guard:
                con.execute(
                    f"UPDATE {ALIAS}.{META_SCHEMA}.lake_state SET value = "
                    "(cast(value as bigint) + 1)::varchar WHERE key = 'publish'"
                )
            crash_point("before_commit")
            con.execute("COMMIT")
            return result
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise

    return retrying(lake, what, once)


def crash_point(name: str) -> None:
    """Die here, now, with SIGKILL, when ``NEWS_ETL_CRASH_AT`` names this point (crash tests only).

    A real kill at a precise point (mid-write, inside the publish transaction) is how the crash tests show that
    a re-run ends with every article exactly once; mocking would prove nothing.
    """
    if os.environ.get("NEWS_ETL_CRASH_AT") == name:
        log.warning("crash point %s: killing this process (NEWS_ETL_CRASH_AT)", name)
        os.kill(os.getpid(), signal.SIGKILL)


# --------------------------------------------------------------------------- snapshots and maintenance


def snapshots(lake: Lake, limit: int = 50) -> tuple[list[str], list[tuple]]:
    """The newest ``limit`` snapshots: id, time, what changed, the commit message (the run that made it)."""
    return query(
        lake,
        "select snapshot_id, snapshot_time, changes, commit_message "
        f"from ducklake_snapshots('{ALIAS}') order by snapshot_id desc limit {int(limit)}",
    )


def referenced_files(lake: Lake) -> set[str]:
    """Every data and delete file the current snapshot references, over all the lake's tables."""

    def files(con: duckdb.DuckDBPyConnection) -> set[str]:
        out: set[str] = set()
        tables = con.execute(
            f"select schema_name, table_name from duckdb_tables() where database_name = '{ALIAS}'"
        ).fetchall()
        for schema, table in tables:
            for data, delete in con.execute(
                f"select data_file, delete_file from ducklake_list_files('{ALIAS}', ?, schema => ?)", [table, schema]
            ).fetchall():
                out.add(data)
                if delete:
                    out.add(delete)
        return out

    return read_consistently(lake, files, what="listing the lake's files")


def data_files(lake: Lake) -> dict[str, int]:
    """Parquet data files per table in the current snapshot (what a query of the whole table reads)."""
    return read_consistently(
        lake,
        lambda con: {t: scalar(con, f"select count(*) from ducklake_list_files('{ALIAS}', '{t}')") for t in ALL_TABLES},
        what="counting the lake's files",
    )


# --------------------------------------------------------------------------- object storage


def filesystem(lake: Lake) -> tuple[pafs.FileSystem, str]:
    """The pyarrow filesystem of the data root, and the root as a path on it."""
    if not lake.remote:
        return pafs.LocalFileSystem(), lake.data_root
    bucket_path = lake.data_root[len("s3://") :]
    fs = pafs.S3FileSystem(
        access_key=os.environ.get("AWS_ACCESS_KEY_ID") or None,
        secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
        session_token=os.environ.get("AWS_SESSION_TOKEN") or None,
        region=lake.s3_region,
        endpoint_override=lake.s3_endpoint,
        scheme="https" if lake.s3_use_ssl else "http",
        force_virtual_addressing=lake.s3_url_style == "vhost" and not lake.s3_endpoint,
    )
    return fs, bucket_path
