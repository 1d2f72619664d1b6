"""Unit tests of reading: encodings, formats, gzip, and the errors that send a file to quarantine."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from news_etl.decoding import ReadError, decode_bytes, gunzip_bounded
from news_etl.discovery import discover
from news_etl.reading import read_file
from news_etl.settings import Limits

TEXT = "Café owners in Zürich say “prices” rose — a lot.\nSecond paragraph here."
ASCII = "Cafe owners in Zurich say prices rose, a lot.\nSecond paragraph here."


def _write(inbox: Path, name: str, data: bytes) -> str:
    (inbox / name).write_bytes(data)
    return name


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-bom"),
        (TEXT.encode("utf-16"), "utf-16-le"),  # Python writes a LE BOM
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM: found from the NUL pattern
        # No BOM and plain ASCII: also valid UTF-8 (with a NUL after each letter), which is not what it is.
        (ASCII.encode("utf-16-le"), "utf-16-le"),
        (ASCII.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_decode_detects_encoding(data: bytes, encoding: str) -> None:
    text, found = decode_bytes(data)
    assert text in (TEXT, ASCII)
    assert found == encoding


def test_latin1_text_without_cp1252_only_bytes_decodes() -> None:
    text, _ = decode_bytes("Señor Müller à la française, ça va très bien.".encode("latin-1"))
    assert text == "Señor Müller à la française, ça va très bien."


def test_binary_is_refused() -> None:
    with pytest.raises(ReadError) as err:
        decode_bytes(bytes(range(256)) * 8)
    assert err.value.code == "binary"


def test_txt_lines_normalised(inbox: Path) -> None:
    name = _write(inbox, "a.txt", b"Line one\r\nLine two\rLine three\x1b[31m red\x00\n")
    rec = read_file(inbox, name, Limits()).records[0]
    assert rec.text == "Line one\nLine two\nLine three[31m red\n"
    assert rec.source_format == "txt"


def test_html_file_is_extracted(inbox: Path) -> None:
    html = (
        "<html><head><title>Big News Today</title><meta charset='utf-8'></head><body>"
        "<nav>Home | World | Sport</nav><article><h1>Big News Today</h1>"
        + "".join(f"<p>Paragraph {i} of the story says something long enough to be kept as text.</p>" for i in range(6))
        + "</article><footer>© 2023 Example News</footer></body></html>"
    )
    name = _write(inbox, "page.html", html.encode())
    rec = read_file(inbox, name, Limits()).records[0]
    assert "Paragraph 3 of the story" in rec.text
    assert "Home | World | Sport" not in rec.text
    assert rec.title == "Big News Today"
    assert rec.source_format == "html"


def test_a_guessed_author_that_names_no_one_is_dropped() -> None:
    """trafilatura guesses an author from a page's text when its markup names none; a topic link ("Manga") or a
    sentence of the author's biography is no author, and the page's visible byline is read instead."""
    from news_etl.html import _split_authors

    assert _split_authors("Manga") == []
    assert _split_authors("Saima Sidik Author Saima Sidik is science journalist based; Massachusetts") == []
    assert _split_authors("Sarah Crespi; Zack Savitsky") == ["Sarah Crespi", "Zack Savitsky"]
    assert _split_authors("The Citizen") == ["The Citizen"]  # an outlet credited alone
    assert _split_authors(None) == []


@pytest.mark.parametrize("depth", [300, 2000, 50000])
def test_deeply_nested_html_keeps_all_its_text(inbox: Path, depth: int) -> None:
    # libxml2 stops at 256 nested elements unless told otherwise, and cuts the rest of the page off
    # without an error; 300 is what an old page of unclosed <div>s reaches.
    paragraphs = [f"Paragraph {i} of an old page with unclosed tags and words enough to be prose." for i in range(5)]
    html = (
        "<html><head><title>Old page</title></head><body><nav>Home | World</nav>"
        + "<div>" * depth
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</body></html>"
    )
    rec = read_file(inbox, _write(inbox, "old.html", html.encode()), Limits()).records[0]
    assert all(p in rec.text for p in paragraphs)


def test_unclosed_blocks_lose_no_paragraph(inbox: Path) -> None:
    html = "<html><body>" + "".join(f"<div><p>Paragraph number {i} of the story.</p>" for i in range(400))
    rec = read_file(inbox, _write(inbox, "open.html", html.encode()), Limits()).records[0]
    assert all(f"Paragraph number {i} of the story." in rec.text for i in range(400))


def test_html_inside_txt_is_treated_as_html(inbox: Path) -> None:
    html = "<!DOCTYPE html><html><body><p>" + "Words of the article body. " * 20 + "</p></body></html>"
    rec = read_file(inbox, _write(inbox, "x.txt", html.encode()), Limits()).records[0]
    assert "<p>" not in rec.text and "Words of the article body." in rec.text


def test_json_and_jsonl_records(inbox: Path) -> None:
    obj = {"text": "Body text here.", "url": "https://example.com/a", "title": "T", "published": "2023-01-02"}
    rec = read_file(inbox, _write(inbox, "a.json", json.dumps(obj).encode()), Limits()).records[0]
    assert (rec.text, rec.url, rec.title, rec.published) == ("Body text here.", obj["url"], "T", "2023-01-02")

    lines = [
        json.dumps({"text": "First."}),
        "{not json",
        json.dumps({"html": "<p>Second one.</p>"}),
        json.dumps({"url": "x"}),
        json.dumps([1, 2]),
    ]
    read = read_file(inbox, _write(inbox, "b.jsonl", "\n".join(lines).encode()), Limits())
    assert [r.record_index for r in read.records] == [0, 2]
    assert "Second one." in read.records[1].text
    codes = {i: e.code for i, e in read.record_errors}
    assert codes == {1: "bad_json", 3: "no_text", 4: "bad_record"}


def test_gzipped_inputs(inbox: Path) -> None:
    name = _write(inbox, "a.txt.gz", gzip.compress(TEXT.encode("utf-16")))
    rec = read_file(inbox, name, Limits()).records[0]
    assert rec.text == TEXT and rec.source_format == "txt.gz"
    name = _write(inbox, "b.jsonl.gz", gzip.compress(b'{"text": "one"}\n{"text": "two"}\n'))
    assert [r.text for r in read_file(inbox, name, Limits()).records] == ["one", "two"]


def test_truncated_gzip_is_quarantined(inbox: Path) -> None:
    data = gzip.compress(TEXT.encode() * 100)
    with pytest.raises(ReadError) as err:
        read_file(inbox, _write(inbox, "t.txt.gz", data[: len(data) // 2]), Limits())
    assert err.value.code == "corrupt_gzip"


def test_gzip_bomb_stops_at_limit() -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024))
    with pytest.raises(ReadError) as err:
        gunzip_bounded(bomb, 1024 * 1024)
    assert err.value.code == "inflated_too_large"
    assert "max_inflated_bytes" in err.value.message


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\t\n ", "empty"),
        ("image.txt", bytes(range(256)) * 40, "binary"),
        ("notes.docx", b"PK\x03\x04", "unsupported_type"),
        ("bad.json", b'{"text": ', "bad_json"),
    ],
)
def test_unreadable_files_raise_with_a_code(inbox: Path, name: str, data: bytes, code: str) -> None:
    with pytest.raises(ReadError) as err:
        read_file(inbox, _write(inbox, name, data), Limits())
    assert err.value.code == code
    assert err.value.message  # a sentence for the person reading the quarantine table


def test_size_limits_are_named(inbox: Path) -> None:
    name = _write(inbox, "big.txt", b"word " * 1000)
    with pytest.raises(ReadError) as err:
        read_file(inbox, name, Limits(max_file_bytes=100))
    assert err.value.code == "too_large" and "max_file_bytes" in err.value.message
    with pytest.raises(ReadError) as err:
        read_file(inbox, name, Limits(max_line_chars=100))
    assert err.value.code == "line_too_long"


def test_symlink_out_of_inbox_is_not_followed(inbox: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret text that must never be ingested")
    os.symlink(secret, inbox / "link.txt")
    with pytest.raises(ReadError) as err:
        read_file(inbox, "link.txt", Limits())
    assert err.value.code == "outside_inbox"


def test_discover_skips_known_temp_and_hidden_files(inbox: Path) -> None:
    for name in ["a.txt", "b.txt", ".hidden.txt", "c.txt.part", "d.tmp", "~lock.txt"]:
        (inbox / name).write_text("text")
    (inbox / "sub").mkdir()
    (inbox / "sub" / "e.txt").write_text("text")
    st = (inbox / "a.txt").stat()
    found = list(discover(inbox, {("a.txt", st.st_size, st.st_mtime_ns)}, now_ns=0))
    assert [f.source_path for f in found] == ["b.txt", "sub/e.txt"]


def test_discover_missing_inbox_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        list(discover(tmp_path / "nope", set(), now_ns=0))


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><title>Only a head</title></head></html>",
        "<html><body>" + "<div>" * 50000 + "</div>" * 50000 + "</body></html>",
    ],
)
def test_html_without_readable_text_says_so(inbox: Path, html: str) -> None:
    with pytest.raises(ReadError) as err:
        read_file(inbox, _write(inbox, "page.html", html.encode()), Limits())
    assert err.value.code == "no_text" and "HTML" in err.value.message


def test_a_mtime_no_datetime_holds_reads_the_file_without_a_saved_time(
    inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = _write(inbox, "a.txt", TEXT.encode())
    assert read_file(inbox, name, Limits()).records[0].saved_at is not None
    real_stat = os.stat

    def far_future(path, *args, **kwargs):
        st = real_stat(path, *args, **kwargs)
        return os.stat_result((*st[:8], 1e18, st[9]))  # st_mtime: far past year 9999

    monkeypatch.setattr(os, "stat", far_future)
    record = read_file(inbox, name, Limits()).records[0]
    assert record.text == TEXT and record.saved_at is None


def test_shown_standfirst_is_a_declared_summary_the_page_shows() -> None:
    from news_etl.html import shown_standfirst

    page = "Menu\nCouncil closes the old bridge\nRepairs will take two years, engineers say.\nThe council voted ..."
    title = "Council closes the old bridge"
    search_only = "Springfield news: the council, the bridge and what it means for you."
    shown = "Repairs will take two years, engineers say"  # as declared: no full stop, another case
    assert shown_standfirst([search_only, shown.upper()], page, title) == "Repairs will take two years, engineers say."
    assert shown_standfirst([search_only], page, title) is None  # declared, never shown
    assert shown_standfirst([title], page, title) is None  # the headline is no standfirst
    assert shown_standfirst(["Menu"], page, title) is None  # one word is a label
    assert shown_standfirst([], page, title) is None
    # A site's tagline, declared on every page and shown in its footer, below the whole article: no standfirst.
    tagline = "Springfield Daily: news, sport and weather for the Springfield area."
    footer = f"{page}\nThe mayor said the works start in May.\nContact us\n{tagline}"
    main = "The council voted ...\nThe mayor said the works start in May."
    assert shown_standfirst([tagline], footer, title, main) is None
    assert shown_standfirst([shown], footer, title, main) == "Repairs will take two years, engineers say."


def _standfirst_page(dek: str, body_lead: str = "") -> str:
    """A page whose standfirst sits in the header, outside the <article> the markup's main text comes from."""
    paragraphs = "".join(
        f"<p>{body_lead if i == 0 and body_lead else ''}Paragraph {i} of the story tells the council's plans for the "
        "old bridge in enough words to be a paragraph.</p>"
        for i in range(6)
    )
    return (
        "<html><head><title>Council closes the old bridge</title>"
        '<meta name="description" content="Springfield news today."><meta property="article:section" content="Local">'
        f'<meta property="og:description" content="{dek}"></head><body><nav>Home | World</nav>'
        f'<header><h1>Council closes the old bridge</h1><p class="dek">{dek}</p></header>'
        f"<article>{paragraphs}</article><footer>© 2023 Example News</footer></body></html>"
    )


def test_the_shown_standfirst_opens_the_body(inbox: Path) -> None:
    from datetime import UTC, datetime

    from .conftest import article_step

    at = datetime(2024, 1, 1, tzinfo=UTC)
    dek = "Repairs will take two years and cost the town far more than planned."
    rec = read_file(inbox, _write(inbox, "dek.html", _standfirst_page(dek).encode()), Limits()).records[0]
    assert rec.standfirst == dek and dek not in rec.text  # the markup's main text starts below it
    assert rec.section == "Local"  # what the page declares reaches the record
    row = article_step(rec, at, line_model=True).row
    assert row["body"].startswith(dek + "\n\nParagraph 0 of the story")
    assert row["description"] == "Springfield news today."  # the page's own description, as declared
    # Already in the body (a lede repeated as the summary): not twice.
    lead = "Repairs will take two years and cost the town far more than planned. "
    rec = read_file(inbox, _write(inbox, "lede.html", _standfirst_page(dek, lead).encode()), Limits()).records[0]
    assert article_step(rec, at, line_model=True).row["body"].count("Repairs will take two years") == 1
    # A line a rule names is furniture, whatever the markup calls it.
    pitch = "Sign up for our newsletter to get the latest news delivered to your inbox."
    rec = read_file(inbox, _write(inbox, "pitch.html", _standfirst_page(pitch).encode()), Limits()).records[0]
    assert rec.standfirst == pitch
    assert "newsletter" not in article_step(rec, at, line_model=True).row["body"]
