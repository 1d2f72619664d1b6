"""Discovery that does not rescan history: done files archived after their commit, and watermark discovery."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from news_etl import duplicates
from news_etl import lake as lakes
from news_etl.discovery import discover
from news_etl.runner import run_ingest
from news_etl.settings import ConfigError, get_settings
from news_etl.stages import plan, settle

from .conftest import RUN_AT, SEEDS, sql_rows

AT = RUN_AT + timedelta(days=40)


def _settings(inbox: Path, lake: Path, **overrides):
    return get_settings(nlp=False, stories=False, **overrides).with_paths(inbox, lake)


def _ingest(settings, run_id: str, at=AT) -> dict:
    return run_ingest(settings, run_id, at, clock=lambda: at)


def test_archive_moves_committed_files_by_ingest_date_and_leaves_quarantined_ones(tmp_path, seed_inbox, lake) -> None:
    (seed_inbox / "broken.txt").write_bytes(b"\x00\x01\x02" * 100)  # binary: quarantined
    settings = _settings(seed_inbox, lake, done_files="archive")
    summary = _ingest(settings, "archive-1")
    assert summary.articles_published == 5 and summary.files_archived == 5
    assert sorted(p.name for p in seed_inbox.iterdir()) == ["broken.txt"]  # kept for a fix and a re-run
    day = tmp_path / "inbox-archive" / f"{AT:%Y-%m-%d}"
    assert sorted(p.name for p in day.iterdir()) == sorted(p.name for p in SEEDS.iterdir())
    # The same bytes dropped again: a committed duplicate, archived beside the first copy, not over it.
    name = next(SEEDS.iterdir()).name
    shutil.copy(SEEDS / name, seed_inbox / name)
    again = _ingest(settings, "archive-2", AT + timedelta(minutes=15))
    assert again.files_duplicate == 1 and again.files_archived == 1
    assert (day / f"{name}~2").read_bytes() == (day / name).read_bytes()
    assert sql_rows(lake, "select count(*) from articles") == [(5,)]


def test_a_crash_between_commit_and_move_loses_nothing_and_publishes_nothing_twice(
    seed_inbox, lake, monkeypatch
) -> None:
    settings = _settings(seed_inbox, lake, done_files="archive")

    def crash(*args, **kwargs):
        raise SystemExit("killed after the commit")

    monkeypatch.setattr(settle, "settle_inbox", crash)
    with pytest.raises(SystemExit):
        _ingest(settings, "crash-1")
    assert len(list(seed_inbox.iterdir())) == 5  # committed, not moved
    assert sql_rows(lake, "select count(*) from articles") == [(5,)]
    monkeypatch.undo()
    summary = _ingest(settings, "crash-2", AT + timedelta(minutes=15))
    assert summary.nothing_new and not list(seed_inbox.iterdir())  # the next plan moved them
    assert sql_rows(lake, "select count(*) from articles") == [(5,)]
    assert len(list(settings.archive.rglob("*.txt"))) == 5


def test_delete_mode_and_a_file_rewritten_after_its_commit(seed_inbox, lake) -> None:
    settings = _settings(seed_inbox, lake, done_files="delete")
    _ingest(settings, "delete-1")
    assert not list(seed_inbox.iterdir())
    # A file committed, then rewritten before the settle step: it is new, not deleted.
    settings_keep = _settings(seed_inbox, lake)
    shutil.copy(next(SEEDS.iterdir()), seed_inbox / "late.txt")
    (seed_inbox / "late.txt").write_text((seed_inbox / "late.txt").read_text() + "\nA new closing line.\n")
    _ingest(settings_keep, "delete-2", AT + timedelta(minutes=15))
    with open(seed_inbox / "late.txt", "a") as fh:
        fh.write("Rewritten after the commit.\n")
    result = settle.settle_inbox(settings, AT + timedelta(minutes=16))
    assert (result.deleted, result.changed_since) == (0, 0) and (seed_inbox / "late.txt").exists()


def test_an_archive_inside_the_inbox_is_refused(seed_inbox, lake) -> None:
    with pytest.raises(ConfigError, match="NEWS_ETL_ARCHIVE"):
        _settings(seed_inbox, lake, done_files="archive", archive_path=seed_inbox / "done").check_paths()


def _tree(inbox: Path) -> None:
    for folder in ("2026/03/01", "2026/03/02"):
        (inbox / folder).mkdir(parents=True)
        for p in sorted(SEEDS.iterdir())[:2] if folder.endswith("01") else sorted(SEEDS.iterdir())[2:]:
            shutil.copy(p, inbox / folder / p.name)
    old = (AT - timedelta(hours=1)).timestamp()
    for dirpath, _, _ in os.walk(inbox):  # settled: unchanged for a while before the run
        os.utime(dirpath, (old, old))


def test_watermark_discovery_skips_settled_folders_and_finds_new_files(tmp_path, lake) -> None:
    inbox = tmp_path / "inbox"
    _tree(inbox)
    settings = _settings(inbox, lake, discovery="watermark")
    assert _ingest(settings, "wm-1").articles_published == 5
    # The next run finds every file committed: it records the folders (their mtime) as done.
    assert _ingest(settings, "wm-2", AT + timedelta(minutes=15)).nothing_new
    folders = {f for (f,) in sql_rows(lake, "select folder from inbox_folders")}
    assert {"2026/03/01", "2026/03/02"} <= folders

    # A file rewritten in place does not change its folder: watermark discovery does not look (the
    # documented limit of the mode), full discovery does. It shows that settled folders are not read.
    target = inbox / "2026/03/01" / sorted(SEEDS.iterdir())[0].name
    stamp = os.stat(target.parent).st_mtime_ns
    target.write_text(target.read_text() + "\nAn update written in place.\n")
    os.utime(target.parent, ns=(stamp, stamp))
    with lakes.reader(lakes.Lake.of(settings)) as con:
        marks = plan.folder_marks(con, settings)
        known = lambda keys: duplicates.ledger_keys(con, keys)  # noqa: E731 - a one-line lookup
        now = int((AT + timedelta(minutes=30)).timestamp() * 1e9)
        assert list(discover(inbox, known, now, folder_marks=marks)) == []
        assert [f.source_path for f in discover(inbox, known, now)] == [target.relative_to(inbox).as_posix()]

    # A new file changes its folder's mtime: found, ingested; folders not touched are still skipped.
    shutil.copy(sorted(SEEDS.iterdir())[4], inbox / "2026/03/01" / "new.txt")
    summary = _ingest(settings, "wm-3", AT + timedelta(minutes=30))
    assert summary.files_seen == 2  # the new file, and the rewritten one beside it in the changed folder


def test_watermark_never_marks_a_folder_holding_a_file_too_young_to_ingest(tmp_path, lake) -> None:
    inbox = tmp_path / "inbox"
    _tree(inbox)
    young = inbox / "2026/03/02" / "young.txt"
    shutil.copy(next(SEEDS.iterdir()), young)
    os.utime(young, ns=(int(AT.timestamp() * 1e9),) * 2)  # modified at the run's time: too young
    old = (AT - timedelta(hours=1)).timestamp()
    os.utime(young.parent, (old, old))
    settings = _settings(inbox, lake, discovery="watermark", min_file_age_seconds=60)
    _ingest(settings, "young-1")
    _ingest(settings, "young-2", AT + timedelta(seconds=10))
    assert "2026/03/02" not in {f for (f,) in sql_rows(lake, "select folder from inbox_folders")}
    summary = _ingest(settings, "young-3", AT + timedelta(minutes=5))  # old enough now
    assert summary.files_seen == 1 and summary.files_duplicate == 1


def test_names_that_are_not_utf8_are_archived_and_their_folders_recorded(tmp_path, lake) -> None:
    inbox = tmp_path / "inbox"
    folder = Path(os.fsdecode(os.path.join(os.fsencode(inbox), b"caf\xe9")))
    folder.mkdir(parents=True)
    name = os.fsdecode(b"r\xe9sum\xe9.txt")
    shutil.copy(next(SEEDS.iterdir()), folder / name)
    old = (AT - timedelta(hours=1)).timestamp()
    for path in (folder, inbox):
        os.utime(path, (old, old))
    watermark = _settings(inbox, lake, discovery="watermark", done_files="archive")
    assert _ingest(watermark, "hostile-1").files_archived == 1
    assert [p.name for p in (watermark.archive / f"{AT:%Y-%m-%d}" / folder.name).iterdir()] == [name]
    shutil.copy(sorted(SEEDS.iterdir())[1], folder / "second.txt")
    os.utime(folder, (old, old))
    _ingest(watermark, "hostile-2", AT + timedelta(minutes=15))
    _ingest(watermark, "hostile-3", AT + timedelta(minutes=30))
    assert "caf\\xe9" in {f for (f,) in sql_rows(lake, "select folder from inbox_folders")}
