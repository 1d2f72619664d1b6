"""Hostile values and paths: each costs at most its own file or record, never a run, and nothing is silent.

The cases are the ones an attacker or a careless scraper produces: lone surrogates, file names that are not
UTF-8, unreadable folders, paths over PATH_MAX, out-of-range dates, giant numbers and fields, overlapping
inbox and lake, glob characters in the lake path, ESC sequences, and a second run after each.
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from news_etl import lake as lakes
from news_etl.cli import format_table
from news_etl.quality import published
from news_etl.ruleset import load_rules
from news_etl.runner import run_ingest
from news_etl.settings import ConfigError, Limits, get_settings
from news_etl.stages.process import _extracted_tables
from news_etl.values import printable

from .conftest import ROOT, RUN_AT, lake_of

ARTICLE = (
    "The council voted on Thursday to close the old bridge to all traffic from next month, after engineers "
    "found deep cracks in two of its piers. The mayor said the closure would last at least a year while "
    "contractors rebuild them, and that drivers would be sent over the northern crossing instead."
)
LATER = RUN_AT.replace(hour=13)
LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)] + ["ab", "ce", "di", "el", "ox"]


def _text(i: int) -> str:
    return f"Bridge story {i}\n\n{ARTICLE} Report {i} of the series.\n\nMore on the bridge, part {i}."


def _ingest(inbox: Path, lake: Path, run_id: str = "r1", at=RUN_AT, **overrides) -> dict:
    settings = get_settings(nlp=False, **overrides).with_paths(inbox, lake)
    return run_ingest(settings, run_id, at, clock=lambda: at)


def _q(lake: Path, sql: str) -> list[tuple]:
    return lakes.query(lake_of(lake), sql)[1]


def test_a_lone_surrogate_in_a_json_title_costs_nothing_and_is_recorded(inbox: Path, lake: Path) -> None:
    # json.dumps would escape a lone surrogate the same way; written out so the input is plain to see.
    (inbox / "emoji.json").write_text('{"title": "Bridge closes \\ud83d", "text": ' + json.dumps(_text(1)) + "}")
    (inbox / "emoji.jsonl").write_text(
        '{"authors": ["Ann \\udc00Lee"], "text": '
        + json.dumps(_text(2))
        + "}\n"
        + json.dumps({"text": _text(3)})
        + "\n"
    )
    (inbox / "plain.txt").write_text(_text(4))
    summary = _ingest(inbox, lake)
    assert summary.files_quarantined == 0 and summary.articles_published == 4
    rows = dict(_q(lake, "select source_path || ':' || record_index, repairs from articles"))
    title = _q(lake, "select title from articles where source_path = 'emoji.json'")[0][0]
    assert title == "Bridge closes \ufffd"
    assert any("lone surrogates" in r for r in rows["emoji.json:0"])
    assert any(r.startswith("authors:") for r in rows["emoji.jsonl:0"])
    assert rows["plain.txt:0"] is None  # nothing changed, nothing noted
    assert _q(lake, "select articles_repaired from ingest_runs") == [(2,)]
    # The next run finds nothing new and does not fail.
    assert _ingest(inbox, lake, "r2", LATER).nothing_new


def test_a_file_name_that_is_not_utf8_is_published_under_an_escaped_name_once(inbox: Path, lake: Path) -> None:
    raw = os.path.join(os.fsencode(inbox), b"caf\xe9 \xff.txt")
    with open(raw, "wb") as fh:
        fh.write(_text(1).encode())
    (inbox / "ok.txt").write_text(_text(2))
    summary = _ingest(inbox, lake)
    assert summary.articles_published == 2 and summary.files_quarantined == 0
    rows = _q(lake, "select source_path, repairs from articles order by 1")
    assert rows[0][0] == "caf\\xe9 \\xff.txt" and "not UTF-8" in rows[0][1][0]
    assert _q(lake, "select outcome from ingest_files where source_path = 'caf\\xe9 \\xff.txt'") == [("published",)]
    assert _ingest(inbox, lake, "r2", LATER).nothing_new  # the ledger knows it by its escaped name


def _without_root_override() -> list[str]:
    """A command prefix under which permissions bind: root reads any folder whatever its mode, unless the
    capabilities that let it are dropped (util-linux's setpriv)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be made to bind")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_an_unreadable_folder_and_file_end_in_the_ledger_and_quarantine_not_silence(tmp_path: Path) -> None:
    inbox, lake = tmp_path / "inbox", tmp_path / "lake"
    (inbox / "locked").mkdir(parents=True)
    (inbox / "locked" / "secret.txt").write_text(_text(1))
    (inbox / "ok.txt").write_text(_text(2))
    (inbox / "noperm.txt").write_text(_text(3))
    (inbox / "noperm.txt").chmod(0o000)
    (inbox / "locked").chmod(0o000)
    try:
        cli = [
            *_without_root_override(),
            str(Path(sys.executable).with_name("news-etl")),
            "ingest",
            "--inbox",
            str(inbox),
            "--lake",
            str(lake),
        ]
        env = {**os.environ, "NEWS_ETL_NLP": "off"}
        done = subprocess.run(cli, capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        summary = json.loads(done.stdout)
        assert summary["files_seen"] == 3 and summary["articles_published"] == 1
        ledger = dict(_q(lake, "select source_path, outcome from ingest_files"))
        reasons = dict(_q(lake, "select source_path, reason_code from quarantine"))
        assert ledger == {"locked": "quarantined", "noperm.txt": "quarantined", "ok.txt": "published"}
        assert reasons == {"locked": "unreadable", "noperm.txt": "unreadable"}
        again = subprocess.run(cli, capture_output=True, text=True, env=env, timeout=300)
        assert again.returncode == 0 and json.loads(again.stdout).get("nothing_new"), again.stderr[-2000:]
    finally:
        (inbox / "locked").chmod(0o755)
        (inbox / "noperm.txt").chmod(0o644)


def test_a_byline_padded_with_a_run_of_spaces_costs_no_more_than_its_length(inbox: Path, lake: Path) -> None:
    # "By Jane" and 200,000 spaces: the byline patterns backtracked over the run from every space in it (20,000
    # spaces took 14 s, so this page would have taken about half an hour). The whole inbox goes in one command.
    padded = "By Jane" + " " * 200_000 + "Doe"
    (inbox / "padded.txt").write_text(f"Bridge story\n{padded}\n{ARTICLE}\n", encoding="utf-8")
    (inbox / "tabs.txt").write_text(f"Bridge story two\nJane Doe{chr(9) * 200_000}Reuters\n{ARTICLE} Two.\n")
    cli = [str(Path(sys.executable).with_name("news-etl")), "ingest", "--inbox", str(inbox), "--lake", str(lake)]
    done = subprocess.run(cli, capture_output=True, text=True, env={**os.environ, "NEWS_ETL_NLP": "off"}, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout)["articles_published"] == 2
    # A byline that long is no byline (bylines.MAX_BYLINE_CHARS): the page keeps its story, with no author.
    rows = sorted(_q(lake, "select title, len(authors) from articles"))
    assert rows == [("Bridge story", 0), ("Bridge story two", 0)]


def test_a_path_longer_than_path_max_is_quarantined(inbox: Path, lake: Path) -> None:
    # Made with directory file descriptors: the full path (over 4,096 bytes) can never be passed to the kernel.
    fd = os.open(inbox, os.O_RDONLY)
    try:
        for level in range(18):
            name = f"{level:02d}" + "d" * 240
            os.mkdir(name, dir_fd=fd)
            nxt = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        out = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, _text(1).encode())
        os.close(out)
    finally:
        os.close(fd)
    (inbox / "ok.txt").write_text(_text(2))
    summary = _ingest(inbox, lake)
    assert summary.articles_published == 1 and summary.files_quarantined == 1
    ((code, path),) = _q(lake, "select reason_code, source_path from quarantine")
    assert code == "path_too_long" and len(path) > 3500
    assert _ingest(inbox, lake, "r2", LATER).nothing_new


def test_dates_out_of_range_keep_the_article_and_the_raw_text(inbox: Path, lake: Path) -> None:
    raws = [
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "9999-12-31",
        "1970-01-01",
        "1989-12-31",
        "2023-12-22T10:00:00Z",
    ]
    for i, raw in enumerate(raws):
        (inbox / f"d{i}.json").write_text(json.dumps({"published": raw, "text": _text(i)}))
    summary = _ingest(inbox, lake)
    assert summary.articles_published == len(raws) and summary.files_quarantined == 0
    rows = _q(lake, "select published_at_raw, published_at, repairs from articles order by source_path")
    for (raw, at, repairs), expected in zip(rows, raws, strict=True):
        assert raw == expected
        if expected.startswith("2023"):
            assert at is not None and repairs is None
        else:
            assert at is None and "outside the years 1990-2100" in repairs[0]
    # The published-data check uses the same bounds: nothing that ingest published fails it.
    checked = published.check_published(lake_of(lake), "r1", RUN_AT, load_rules(None))
    assert checked.success, checked.failed_errors


def test_odd_json_numbers_cost_one_record_and_nan_is_no_title(inbox: Path, lake: Path) -> None:
    (inbox / "big.jsonl").write_text(
        json.dumps({"text": _text(1)})
        + "\n"
        + '{"text": "x", "count": '
        + "7" * 5000
        + "}\n"
        + json.dumps({"text": _text(2)})
        + "\n"
    )
    (inbox / "nan.json").write_text('{"title": NaN, "section": Infinity, "text": ' + json.dumps(_text(3)) + "}")
    summary = _ingest(inbox, lake)
    assert summary.articles_published == 3
    assert _q(lake, "select outcome from ingest_files where source_path = 'big.jsonl'") == [("partial",)]
    ((code, index),) = _q(lake, "select reason_code, record_index from quarantine")
    assert (code, index) == ("bad_json", 1)
    title, section, repairs = _q(lake, "select title, section, repairs from articles where source_path = 'nan.json'")[0]
    assert title != "nan" and section is None and any("NaN" in r for r in repairs)


def test_giant_fields_are_cut_to_the_limits_and_noted(inbox: Path, lake: Path) -> None:
    record = {
        "title": "Bridge " * 1_500_000,
        "section": "S" * 5_000_000,
        "url": "https://x.test/" + "u" * 2_000_000,
        "authors": [
            f"Ann {''.join(p)}".title() for p in itertools.islice(itertools.product(LETTERS, repeat=4), 100_000)
        ],
        "text": _text(1),
    }
    (inbox / "huge.json").write_text(json.dumps(record))
    summary = _ingest(inbox, lake)
    assert summary.articles_published == 1
    title, section, url, authors, repairs = _q(lake, "select title, section, url, authors, repairs from articles")[0]
    limits = Limits()
    assert len(title) <= limits.max_title_chars and title.endswith("…")
    assert len(section) <= limits.max_field_chars and len(url) <= limits.max_url_chars
    assert len(authors) == limits.max_authors
    assert {r.split(":")[0] for r in repairs} >= {"title", "section", "url", "authors"}


def test_a_record_over_max_record_chars_is_quarantined_and_a_small_gz_counts_inflated(inbox: Path, lake: Path) -> None:
    # 40,000 short share lines in 3 kB of gzip: what decides is the inflated text, not the compressed size.
    bomb = gzip.compress(("Share this: Twitter\n" * 40_000).encode())
    assert len(bomb) < 10_000
    (inbox / "shares.txt.gz").write_bytes(bomb)
    (inbox / "ok.txt").write_text(_text(1))
    summary = _ingest(inbox, lake, limits=Limits(max_record_chars=100_000))
    assert summary.articles_published == 1
    ((code, reason),) = _q(lake, "select reason_code, reason from quarantine")
    assert code == "record_too_large" and "NEWS_ETL_MAX_RECORD_CHARS" in reason


def test_a_batch_over_its_text_budget_is_processed_in_groups_with_the_same_result(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(12):
        (inbox / f"a{i:02d}.txt").write_text(_text(i))
    whole = _ingest(inbox, tmp_path / "one")
    grouped = _ingest(inbox, tmp_path / "many", max_batch_bytes=900)  # about two files of text per group
    assert whole.articles_published == grouped.articles_published == 12
    sql = "select article_id, title, body, content_hash from articles order by 1"
    assert _q(tmp_path / "one", sql) == _q(tmp_path / "many", sql)


def test_an_article_with_a_value_arrow_refuses_is_quarantined_alone() -> None:
    good = {"article_id": "a1", "source_path": "a.txt", "record_index": 0, "file_hash": "h1"}
    bad = {"article_id": "a2", "source_path": "b.txt", "record_index": 0, "file_hash": "h2"}

    def article(base: dict, title: str) -> dict:
        return {
            **base,
            "run_id": "r",
            "content_hash": "c",
            "source_format": "txt",
            "encoding": "utf-8",
            "url": None,
            "title": title,
            "authors": None,
            "published_at": None,
            "published_at_raw": None,
            "published_date": None,
            "modified_at": None,
            "modified_at_raw": None,
            "dateline": None,
            "publisher": None,
            "language": "en",
            "description": None,
            "section": None,
            "word_count": 20,
            "sentence_count": None,
            "reading_time_minutes": 0.1,
            "keywords": None,
            "headings": [],
            "body": ARTICLE,
            "lines_removed": 0,
            "repairs": None,
            "ingested_at": RUN_AT,
        }

    extracted = {
        "articles": [article(good, "fine"), article(bad, "broken \udc80")],
        "removed": [],
        "entities": [],
        "quotes": [],
        "vectors": [
            {"article_id": i, "run_id": "r", "terms": ["x"], "weights": [1.0], "ingested_at": RUN_AT}
            for i in ("a1", "a2")
        ],
        "quarantine": [],
    }
    tables, quarantined = _extracted_tables(extracted, "r", RUN_AT)
    assert tables["articles"].column("article_id").to_pylist() == ["a1"]
    assert tables["article_vectors"].column("article_id").to_pylist() == ["a1"]
    assert [(q["article_id"], q["reason_code"]) for q in quarantined] == [("a2", "bad_value")]


# --------------------------------------------------------------------------- paths and settings


@pytest.mark.parametrize("layout", ["same", "lake_in_inbox", "inbox_in_lake"])
def test_an_inbox_and_lake_that_overlap_are_refused_at_start(tmp_path: Path, layout: str) -> None:
    base = tmp_path / "data"
    inbox, lake = {
        "same": (base, base),
        "lake_in_inbox": (base, base / "lake"),
        "inbox_in_lake": (base / "inbox", base),
    }[layout]
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "a.txt").write_text(_text(1))
    with pytest.raises(ConfigError, match="NEWS_ETL_LAKE and NEWS_ETL_INBOX"):
        _ingest(inbox, lake)
    done = subprocess.run(
        [str(Path(sys.executable).with_name("news-etl")), "ingest", "--inbox", str(inbox), "--lake", str(lake)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "would be read as articles" in done.stderr and "Traceback" not in done.stderr


def test_a_lake_path_with_glob_characters_reads_only_its_own_files(tmp_path: Path) -> None:
    for name, n in (("g1", 3), ("g[1]", 1), ("g*", 2)):
        inbox = tmp_path / f"inbox-{n}"
        inbox.mkdir()
        for i in range(n):
            (inbox / f"{name}-{i}.txt").write_text(_text(i + 10 * n))
        _ingest(inbox, tmp_path / "lakes" / name)
    for name, n in (("g1", 3), ("g[1]", 1), ("g*", 2)):
        lake = tmp_path / "lakes" / name
        assert _q(lake, "select count(*) from articles") == [(n,)]
        assert _q(lake, "select count(*) from stories") != [(0,)]
        checked = published.check_published(lake_of(lake), "r1", RUN_AT, load_rules(None))
        assert checked.articles == n


# --------------------------------------------------------------------------- what a terminal shows


def test_escape_sequences_never_reach_the_terminal(inbox: Path, lake: Path) -> None:
    assert printable("a\x1b[2J\x07b\u202ec") == "a\\x1b[2J\\x07b\\u202ec"
    table = format_table(["col\x1b[31m"], [("t\x1b]0;owned\x07",), (["x\x9b1m"],)])
    assert "\x1b" not in table and "\x07" not in table and "\x9b" not in table and "\\x1b" in table
    record = {"title": "Title \x1b[2J\x1b]0;pwned\x07", "text": _text(1)}
    (inbox / "evil\x1b[31mname.json").write_text(json.dumps(record))
    _ingest(inbox, lake)
    cli = str(Path(sys.executable).with_name("news-etl"))
    for args in (
        ["sql", "select source_path, title from articles", "--lake", str(lake)],
        ["summary", "--lake", str(lake)],
    ):
        done = subprocess.run([cli, *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "evil\\x1b[31mname.json" in done.stdout
        assert not re.search(r"[\x1b\x07\x9b]", done.stdout + done.stderr)


def test_every_reason_code_in_the_code_is_listed_in_the_reliability_docs() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "include" / "news_etl").rglob("*.py"))
    codes = set(re.findall(r'ReadError\(\s*"([a-z_]+)"', source))
    codes |= set(re.findall(r'code="([a-z_]+)"', source))
    codes |= set(re.findall(r'code, why = "([a-z_]+)"', source))
    codes |= set(re.findall(r'bad\("([a-z_]+)"', source))
    codes |= set(re.findall(r'code = "([a-z_]+)" if', source)) | {"unreadable"}
    assert {"record_too_large", "path_too_long", "bad_value", "internal_error", "extract_error"} <= codes
    listed = set(re.findall(r"`([a-z_]+)`", (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")))
    assert codes <= listed, f"reason codes missing from docs/reliability.md: {sorted(codes - listed)}"


def test_pyarrow_refuses_lone_surrogates_so_the_repairs_matter() -> None:
    # If this ever stops raising, the repairs above are belt without braces: keep the check honest.
    with pytest.raises((pa.ArrowException, UnicodeEncodeError)):
        pa.array(["bad \ud83d"])
