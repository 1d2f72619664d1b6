"""Staged files on an object store: a task goes on only once the store holds its file whole."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pytest

from news_etl import staging
from news_etl.staging import RunStage

from .conftest import lake_of


class DroppingStore:
    """An object store (not a LocalFileSystem, so staging treats it as one) over a folder, whose first
    ``drops`` uploads store 0 bytes and report no error: what a validator once found after a clean upload."""

    def __init__(self, drops: int) -> None:
        self.local = pafs.LocalFileSystem()
        self.drops = drops
        self.uploads = 0

    def open_output_stream(self, path: str) -> Any:
        self.uploads += 1
        if self.uploads <= self.drops:
            self.local.open_output_stream(path).close()
            return pa.BufferOutputStream()  # the bytes go nowhere
        return self.local.open_output_stream(path)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.local, name)


def _stage(tmp_path: Path, store: DroppingStore) -> RunStage:
    stage = RunStage(lake_of(tmp_path / "lake"), "run-1")
    stage.fs = store
    return stage


def test_an_upload_the_store_dropped_is_uploaded_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = DroppingStore(drops=1)
    stage = _stage(tmp_path, store)
    table = pa.table({"article_id": ["a", "b"], "n": [1, 2]})
    with caplog.at_level(logging.WARNING, logger="news_etl.staging"):
        stage.write_table("batch-00006/files.parquet", table)
    assert store.uploads == 2
    stage.fs = store.local  # pyarrow's readers take only its own filesystems
    assert stage.read_table("batch-00006/files.parquet", table.schema).equals(table)
    assert "holds 0 bytes after upload 1 of 3" in caplog.text


def test_a_store_that_keeps_dropping_fails_the_task_naming_the_file(tmp_path: Path) -> None:
    store = DroppingStore(drops=staging.PUT_ATTEMPTS)
    stage = _stage(tmp_path, store)
    with pytest.raises(OSError, match=r"did not keep the \d+ bytes of .*batch-00001/plan\.json after 3 uploads"):
        stage.write_json("batch-00001/plan.json", {"files": ["a.txt"]})
    assert store.uploads == staging.PUT_ATTEMPTS


def test_a_folder_write_leaves_no_temp_file(tmp_path: Path) -> None:
    stage = RunStage(lake_of(tmp_path / "lake"), "run-1")
    stage.write_json("batch-00001/plan.json", {"files": ["a.txt"]})
    assert stage.read_json("batch-00001/plan.json") == {"files": ["a.txt"]}
    folder = Path(stage.path("batch-00001"))
    assert sorted(p.name for p in folder.iterdir()) == ["plan.json"]
