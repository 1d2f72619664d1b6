"""The lake's copy on an object store: what is sent, in which order, and DuckDB reading it back.

Most tests use a ``file://`` URL (the same pyarrow code path as ``s3://``, no server needed); one runs a
real S3 server (s3rver, from npm; ``.ci/run`` installs it when Node.js is there) and is skipped without it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pyarrow.fs as pafs
import pytest

from news_etl import catalog, objectstore, storage
from news_etl.pipeline import run_ingest
from news_etl.schemas import SNAPSHOTS
from news_etl.settings import get_settings

from .conftest import ROOT, RUN_AT


def _ingest(inbox: Path, lake: Path, url: str | None, run_id: str = "run-1") -> dict:
    settings = get_settings(lake_url=url, nlp=False).with_paths(inbox, lake)
    return run_ingest(settings, run_id, RUN_AT, clock=lambda: RUN_AT)


def _count(con_or_catalog, table: str, url: str | None = None) -> int:
    return catalog.query(con_or_catalog, f"select count(*) from {table}", url)[1][0][0]


def test_publish_copies_committed_tables_and_duckdb_reads_the_copy(seed_inbox: Path, tmp_path: Path) -> None:
    remote = tmp_path / "bucket" / "news-lake"
    url = remote.as_uri()
    lake = tmp_path / "lake"
    summary = _ingest(seed_inbox, lake, url)
    assert summary["lake_url"] == url and summary["files_copied"] > 0
    for table in ("articles", "ingest_runs", "ingest_files"):
        local = sorted(p.relative_to(lake) for p in storage.committed_files(lake, table))
        assert local and local == sorted(p.relative_to(remote) for p in (remote / table).rglob("*.parquet"))
    out = catalog.build_url_catalog(url, tmp_path / "remote.duckdb")
    for table in ("articles", "entities", "ingest_runs", "stories", "article_stories"):
        assert _count(out, table, url) == _count(lake / "catalog.duckdb", table), table
    # The shipped example queries run on the copy as on the folder.
    for name, sql in catalog.example_queries().items():
        assert catalog.query(out, sql, url)[1] == catalog.query(lake / "catalog.duckdb", sql)[1], name


def test_sync_sends_only_what_is_missing_and_markers_after_their_parts(seed_inbox: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    lake = tmp_path / "lake"
    _ingest(seed_inbox, lake, None)
    url = (tmp_path / "copy").as_uri()
    sent: list[str] = []
    real_copy = pafs.copy_files

    def recording_copy(src, dest, **kwargs):
        sent.append(dest)
        return real_copy(src, dest, **kwargs)

    monkeypatch.setattr(pafs, "copy_files", recording_copy)
    first = objectstore.sync_lake(lake, url)
    tables = [d.split("/copy/", 1)[1].split("/", 1)[0] for d in sent]  # temp names sit beside the final ones
    marker = tables.index("ingest_runs")
    assert set(tables[:marker]) >= {"articles", "ingest_files", "boilerplate_removed"}
    assert set(tables[marker + 1:]) <= set(SNAPSHOTS), "only story snapshots may follow the commit markers"
    sent.clear()
    again = objectstore.sync_lake(lake, url)
    assert again["files_sent"] == len([t for t in SNAPSHOTS if storage.snapshot_path(lake, t).is_file()])
    assert first["files_sent"] > again["files_sent"]
    # A later run adds its own parts only.
    (seed_inbox / "extra.txt").write_text("A new story\n\n" + "Fresh reporting on the talks today. " * 20)
    _ingest(seed_inbox, lake, None, "run-2")
    sent.clear()
    objectstore.sync_lake(lake, url)
    assert all("run_2" in d or d.rsplit("/", 2)[-2] in SNAPSHOTS for d in sent), sent


def test_a_failed_copy_fails_publish_and_the_retry_sends_the_rest(seed_inbox: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    lake, remote = tmp_path / "lake", tmp_path / "copy"
    url = remote.as_uri()

    def broken(*args, **kwargs):
        raise OSError("object store unreachable")

    with monkeypatch.context() as m:
        m.setattr(pafs, "copy_files", broken)
        with pytest.raises(OSError, match="unreachable"):
            _ingest(seed_inbox, lake, url)
    assert storage.is_committed(lake, "run-1"), "the run is committed in the lake even when its copy failed"
    summary = _ingest(seed_inbox, lake, url)  # the retry: same run id, finds it committed, copies
    assert summary["articles_published"] == 5
    assert len(list((remote / "articles").rglob("*.parquet"))) == 1


def test_a_bad_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="NEWS_ETL_LAKE_URL 'nosuchscheme://x' is not a URL"):
        objectstore.sync_lake(tmp_path, "nosuchscheme://x")


# --------------------------------------------------------------------------- a real S3 server


def _s3rver() -> str | None:
    found = shutil.which("s3rver")
    local = ROOT / ".cache" / "s3rver" / "node_modules" / ".bin" / "s3rver"
    return found or (str(local) if local.exists() and shutil.which("node") else None)


@pytest.mark.skipif(_s3rver() is None,
                    reason="s3rver (npm) is not installed; `sudo make test-deps` installs it, as .ci/run does")
def test_the_copy_over_the_s3_protocol(seed_inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([_s3rver(), "-d", str(tmp_path / "s3data"), "--port", str(port), "--address",
                               "127.0.0.1", "--configure-bucket", "news", "--silent"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "S3RVER")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "S3RVER")
        # s3rver predates the SDK's default aws-chunked checksums (as older MinIO and Ceph releases do).
        monkeypatch.setenv("AWS_REQUEST_CHECKSUM_CALCULATION", "WHEN_REQUIRED")
        url = f"s3://news/lake?endpoint_override=127.0.0.1:{port}&scheme=http&region=us-east-1"
        lake = tmp_path / "lake"
        summary = _ingest(seed_inbox, lake, url)
        assert summary["lake_url"] == "s3://news/lake" and summary["files_copied"] > 0
        out = catalog.build_url_catalog(url, tmp_path / "remote.duckdb")
        assert _count(out, "articles", url) == 5
        assert catalog.query(out, "select list(article_id order by article_id) from articles", url)[1] == \
            catalog.query(lake / "catalog.duckdb", "select list(article_id order by article_id) from articles")[1]
        assert objectstore.sync_lake(lake, url)["files_sent"] == len(SNAPSHOTS)  # nothing else re-sent
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=10)
