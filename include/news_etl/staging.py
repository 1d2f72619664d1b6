"""Staging: what one run's tasks hand each other (plan, batch manifests, staged Parquet), under the lake's data
root (``<data>/staging/<run>/``), so a task on another machine reads what a task elsewhere wrote.

On a folder each file is written to a temp name and renamed; on an object store one upload replaces an
object whole, and its size is checked before the task goes on. Either way a retried task finds whole files
or none. A run's staging is removed once it is published; :func:`prune` removes that of runs abandoned for
longer than the retention.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from news_etl.lake import Lake, crash_point, filesystem

log = logging.getLogger(__name__)

# Uploads of one staged object before its task fails (see RunStage._put_checked).
PUT_ATTEMPTS = 3


def run_slug(run_id: str) -> str:
    """A file-name-safe, unique token for a run id (Airflow ids hold ':' and '+')."""
    safe = re.sub(r"[^A-Za-z0-9]+", "_", run_id).strip("_")[:60]
    digest = hashlib.sha256(run_id.encode()).hexdigest()[:10]
    return f"{safe}_{digest}" if safe else digest


def _missing(exc: OSError) -> bool:
    return isinstance(exc, FileNotFoundError) or "does not exist" in str(exc) or "NoSuchKey" in str(exc)


class RunStage:
    """The staging folder of one run."""

    def __init__(self, lake: Lake, run_id: str) -> None:
        self.fs, root = filesystem(lake)
        self.run_id = run_id
        self.dir = f"{root}/staging/{run_slug(run_id)}"
        self.url = f"{lake.staging_root}/{run_slug(run_id)}"

    def path(self, rel: str) -> str:
        return f"{self.dir}/{rel}"

    def exists(self, rel: str) -> bool:
        return self.fs.get_file_info(self.path(rel)).type == pafs.FileType.File

    def _write_whole(self, rel: str, write: Callable[[Any], None]) -> None:
        """``write(sink)`` the file ``rel`` so that nobody sees half of it: on a folder into a hidden temp name,
        fsync, then a rename; on an object store into memory, one upload, then a check of what the store holds."""
        path = self.path(rel)
        parent = path.rsplit("/", 1)[0]
        self.fs.create_dir(parent, recursive=True)
        if not isinstance(self.fs, pafs.LocalFileSystem):
            sink = pa.BufferOutputStream()
            write(sink)
            self._put_checked(path, sink.getvalue())
            return
        tmp = f"{parent}/.{path.rsplit('/', 1)[1]}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as fh:
                write(fh)
                crash_point(f"mid_write:{parent.rsplit('/', 1)[-1]}")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def _put_checked(self, path: str, data: pa.Buffer) -> None:
        """Upload ``data`` to ``path`` and read back its size: a reader on another machine once found a
        0-byte staged object that a task had uploaded without any error (S3 emulator, two workers), so a
        finished task must prove its object is whole. A short object is uploaded again, then it is an error:
        the task fails and Airflow retries it, instead of a later task failing on a file it cannot read."""
        for attempt in range(1, PUT_ATTEMPTS + 1):
            with self.fs.open_output_stream(path) as out:
                out.write(data)
            stored = self.fs.get_file_info(path)
            if stored.type == pafs.FileType.File and stored.size == len(data):
                return
            log.warning(
                "staged object %s holds %s bytes after upload %d of %d, not %d",
                path,
                stored.size,
                attempt,
                PUT_ATTEMPTS,
                len(data),
            )
        raise OSError(f"the object store did not keep the {len(data)} bytes of {path} after {PUT_ATTEMPTS} uploads")

    def write_table(self, rel: str, table: pa.Table) -> None:
        self._write_whole(rel, lambda sink: pq.write_table(table, sink, compression="zstd"))

    def read_table(self, rel: str, schema: pa.Schema) -> pa.Table:
        """One staged file in ``schema``; empty when it is not there."""
        try:
            return pq.read_table(self.path(rel), filesystem=self.fs, schema=schema)
        except OSError as exc:
            if _missing(exc):
                return schema.empty_table()
            raise

    def read_batches(self, name: str, schema: pa.Schema) -> pa.Table:
        """``batch-*/<name>.parquet`` of every batch, in batch order."""
        infos = self.fs.get_file_info(pafs.FileSelector(self.dir, recursive=True, allow_not_found=True))
        paths = sorted(
            i.path
            for i in infos
            if i.type == pafs.FileType.File and re.search(rf"/batch-\d+/{re.escape(name)}\.parquet$", i.path)
        )
        tables = [pq.read_table(p, filesystem=self.fs, schema=schema) for p in paths]
        return pa.concat_tables(tables) if tables else schema.empty_table()

    def write_json(self, rel: str, value: object) -> str:
        data = json.dumps(value).encode("utf-8")
        self._write_whole(rel, lambda sink: sink.write(data))
        return rel

    def read_json(self, rel: str) -> Any:
        """The parsed JSON at ``rel`` in the run's staging; None when there is no such file."""
        try:
            with self.fs.open_input_stream(self.path(rel)) as src:
                return json.loads(src.read().decode("utf-8"))
        except OSError as exc:
            if _missing(exc):
                return None
            raise

    def clear(self) -> None:
        with contextlib.suppress(OSError):
            self.fs.delete_dir(self.dir)


def prune(lake: Lake, older_than: datetime, keep: str | None = None) -> list[str]:
    """Remove the staging of runs abandoned before ``older_than`` (never published, never retried): a run's
    folder whose newest file is older. ``keep``: a run id whose staging stays whatever its age."""
    fs, root = filesystem(lake)
    base = f"{root}/staging"
    try:
        infos = fs.get_file_info(pafs.FileSelector(base, recursive=True, allow_not_found=True))
    except OSError as exc:
        log.warning("cannot list staging at %s: %s", lake.staging_root, exc)
        return []
    newest: dict[str, float] = {}
    for info in infos:
        if info.type != pafs.FileType.File:  # a folder's time changes when a file in it goes; files tell
            continue
        rel = info.path[len(base) :].lstrip("/")
        run = rel.split("/", 1)[0]
        if not run:
            continue
        mtime = info.mtime.timestamp() if info.mtime is not None else 0.0
        newest[run] = max(newest.get(run, 0.0), mtime)
    keep_slug = run_slug(keep) if keep else None
    pruned = []
    for run, mtime in sorted(newest.items()):
        if run == keep_slug or mtime >= older_than.timestamp():
            continue
        log.warning("removing staging of abandoned run %s (untouched since before %s)", run, older_than)
        with contextlib.suppress(OSError):
            fs.delete_dir(f"{base}/{run}")
        pruned.append(run)
    return pruned
