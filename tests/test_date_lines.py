"""The date ranker on whole-page text: which dated line dates the article, and the rules it corrects."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from news_etl.byline_lines import default_byline_model
from news_etl.date_lines import (
    FEATURES,
    DateCandidate,
    candidates,
    date_features,
    default_date_model,
    is_masthead,
    pick,
    read_line,
    relative_beside_byline,
)
from news_etl.dates import date_reference
from news_etl.headlines import default_title_model
from news_etl.linemodel import default_model, read_model_file
from news_etl.reading import Record, read_file
from news_etl.ruleset import load_rules
from news_etl.settings import ConfigError, Limits, get_settings

from .conftest import article_step

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)

# A page's innerText: navigation, a "Most read" box whose teasers carry their dates above the article, the
# headline, its standfirst, a byline, ARTICLE_DATE (the line under the byline), the story, then the footer.
NAV = "Skip to main content|Home|News|World|Business|Politics|Sport|Culture|Travel|Weather|Sign in|Subscribe"
TEASERS = (
    "Most read|Storm closes mountain passes for a third day|February 12, 2026|Council votes to extend the night"
    " bus trial|February 10, 2026|School meals to be free for all pupils|February 9, 2026"
)
ARTICLE = """Harbour Bridge Reopens After Two Years of Repairs
Commuters cheered as the first buses crossed the rebuilt span on Monday morning
By Maria Lopez
ARTICLE_DATE
The harbour bridge reopened on Monday after two years of repairs that cost the city more than it planned.
Engineers replaced every cable of the span, which carries sixty thousand vehicles a day across the harbour.
The mayor said the work would keep the bridge safe for another fifty years and thanked residents for their patience.
Traffic was light in the first hours, but officials expect the usual queues to return by the end of the week.
Shop owners near the southern approach said they hoped the reopening would bring back customers lost during the closure.
"We have waited two years for this," said one cafe owner, who asked not to be named."""
FOOTER = "Related|More from News|Newsletter|Sign up for our morning briefing|About us|Contact|Privacy policy"
PAGE = "\n".join([NAV.replace("|", "\n"), TEASERS.replace("|", "\n"), ARTICLE, FOOTER.replace("|", "\n")])


def _build(record: Record, date_model=None) -> dict:
    """The article row of ``record``, read with the shipped line model, headline and byline rankers."""
    return article_step(
        record,
        AT,
        line_model=True,
        title_model=default_title_model(),
        byline_model=default_byline_model(),
        date_model=date_model,
    ).row


def _row(date_line: str, date_model=None) -> dict:
    return _build(Record(record_index=0, source_format="txt", text=PAGE.replace("ARTICLE_DATE", date_line)), date_model)


def test_read_line_takes_the_publication_segment_and_flags_updates() -> None:
    raw, local, labelled, updated = read_line("Published: Dec 3, 2023 10:00 Updated: Dec 4, 2023", AT, "UTC")
    assert (raw, local.day, labelled, updated) == ("Dec 3, 2023 10:00", 3, True, False)
    raw, local, labelled, updated = read_line("Last updated 4 December 2023", AT, "UTC")
    assert (local.day, labelled, updated) == (4, False, True)
    raw, local, _, _ = read_line("Rob Dawson, CorrespondentDec 22, 2023, 10:15 PM", AT, "UTC")
    assert (local.date().isoformat(), local.hour) == ("2023-12-22", 22)
    assert read_line("Tuesday, 24 February", AT, "UTC")[1].year == 2026  # a year-less day: the reference's year
    assert read_line("3 hours ago", AT, "UTC")[1] == datetime(2026, 3, 1, 9, tzinfo=UTC)
    sentence = "The council said on 12 February 2026 that the night buses would run until the end of the year."
    assert read_line(sentence + " " + sentence, AT, "UTC") is None  # a long line is prose, not a timestamp
    assert read_line("Harbour Bridge Reopens After Two Years of Repairs", AT, "UTC") is None
    raw, local, _, _ = read_line("Jan 23rd 2024 at 11:15AM", AT, "UTC")
    assert (raw, local.isoformat()) == ("Jan 23rd 2024 at 11:15AM", "2024-01-23T11:15:00+00:00")


@pytest.mark.parametrize(
    ("line", "raw", "utc_offset_hours"),
    [
        ("Jun 2, 2023 14:05 BST", "Jun 2, 2023 14:05 BST", 1),  # the zone after a 24-hour time is kept
        ("Dec 22, 2023 10:15 PM ET | Politics", "Dec 22, 2023 10:15 PM ET", -5),
        ("Dec 22, 2023 10:15 pm by Jo Bloggs", "Dec 22, 2023 10:15 pm", 0),  # "by" is no zone
    ],
)
def test_read_line_keeps_the_zone_the_time_is_written_in(line: str, raw: str, utc_offset_hours: int) -> None:
    got, local, _, _ = read_line(line, AT, "UTC")
    assert got == raw and local.utcoffset() == timedelta(hours=utc_offset_hours)


def test_candidates_and_features_cover_the_window() -> None:
    lines = PAGE.replace("ARTICLE_DATE", "23 February 2026").split("\n")
    start = lines.index(ARTICLE.splitlines()[4])  # the body's first sentence
    title, byline = lines.index(ARTICLE.splitlines()[0]), lines.index("By Maria Lopez")
    cands = candidates(lines, start, AT, "UTC")
    assert [lines[c.line] for c in cands] == [
        "February 12, 2026",
        "February 10, 2026",
        "February 9, 2026",
        "23 February 2026",
    ]
    X = date_features(lines, cands, start, title_line=title, byline_line=byline, kept=set())
    assert X.shape == (4, len(FEATURES))
    col = {name: X[:, k].tolist() for k, name in enumerate(FEATURES)}
    assert col["cand_order"] == [0.0, 1.0, 2.0, 3.0]
    assert col["first_below_title"] == [0.0, 0.0, 0.0, 1.0]
    assert col["byline_distance"][3] == 1.0 and col["title_distance"][3] == 3.0
    assert col["days_from_latest"][3] == 0.0 and col["days_from_earliest"][2] == 0.0
    # A page with no dated line: no rows, whatever header lines it has.
    none = date_features(lines, [], start, title_line=title, byline_line=byline, kept=set())
    assert none.shape == (0, len(FEATURES))


def test_a_photo_captions_date_is_no_candidate() -> None:
    from news_etl.cleaning import clean
    from news_etl.metadata import extract_header
    from news_etl.text_header import date_inputs

    caption = "The mayor speaks at the depot in Harbour Town on 27 September 2025. Photograph: Jane Doe/Example Images"
    page = PAGE.replace("ARTICLE_DATE", "23 February 2026").replace("By Maria Lopez", f"{caption}\nBy Maria Lopez")
    lines = page.split("\n")
    header = extract_header(lines, reference=AT)
    cleaned = clean(page, load_rules(None), preassigned=header.marks, model=default_model())
    assert lines.index(caption) in cleaned.named_furniture()  # a caption rule names it
    start = lines.index(ARTICLE.splitlines()[4])
    assert caption in [lines[c.line] for c in candidates(lines, start, AT, "UTC")]  # dated, and in the window
    inputs = date_inputs(lines, header, cleaned, AT, "UTC")
    assert caption not in [lines[c.line] for c in inputs.cands]
    assert "23 February 2026" in [lines[c.line] for c in inputs.cands]
    assert inputs.X.shape == (len(inputs.cands), len(FEATURES))


def test_a_published_label_beats_a_teasers_bare_date_above_it() -> None:
    # The header rules alone: a bare date in the page's first lines no longer outranks a "Published" line.
    row = _row("Published 23 February 2026, 09:30 GMT")
    assert str(row["published_date"]) == "2026-02-23"
    assert row["published_at"] == datetime(2026, 2, 23, 9, 30, tzinfo=UTC)


def test_the_ranker_takes_the_date_under_the_byline_over_a_teasers() -> None:
    ranker = default_date_model()
    assert ranker is not None, "models/date_model.json must ship"
    assert str(_row("23 February 2026")["published_date"]) == "2026-02-12"  # the rules: the first bare date
    row = _row("23 February 2026", ranker)
    assert str(row["published_date"]) == "2026-02-23"
    assert row["published_at_raw"] == "23 February 2026"
    assert "23 February 2026" not in row["body"]


def test_a_page_dated_only_by_its_update_gets_the_update_day() -> None:
    row = _row("Updated 24 February 2026", default_date_model())
    assert str(row["published_date"]) == "2026-02-24"  # the day readers see
    assert row["published_at"] is None  # the publication instant is not on the page
    assert str(row["modified_at"].date()) == "2026-02-24"


def test_a_body_sentence_mentioning_a_date_is_no_candidate() -> None:
    plan = "The raise will also lift pay for some students by more than 20 percent since July 1, 2025."
    wire = "MARSEILLE, France, Feb 23, 2026 (Reuters) - The harbour bridge reopened on Monday after two years of work."
    lines = ["Bridge Reopens", "23 February 2026", plan, wire, "Traffic was light in the first hours of the day."]
    raws = [c.raw for c in candidates(lines, 4, AT, "UTC", prose=set(lines[2:]))]
    # The plan's date is no timestamp; a wire dateline dates its story; out of the body, the sentence stays one.
    assert raws == ["23 February 2026", "Feb 23, 2026"]
    assert "July 1, 2025" in [c.raw for c in candidates(lines, 4, AT, "UTC", prose=set(lines[3:]))]


def _pick(lines: list[str], scores: list[float], rules_line: int | None, title: int | None) -> str | None:
    """What pick() takes when the ranker, whose threshold is 0.5, gives the candidates ``scores``."""
    cands = candidates(lines, len(lines) - 1, AT, "UTC")
    got = pick(np.array(scores), 0.5, cands, lines, rules_line=rules_line, title_line=title, byline_line=None)
    return got.raw if got is not None else None


def test_a_mastheads_date_gives_way_to_a_doubtful_date_under_the_headline() -> None:
    lines = ["Thursday, February 26, 2026", "Home", "News", "Sport", "Bridge Reopens", "By Maria Lopez"]
    lines.append("23 February 2026")
    lines.append("The harbour bridge reopened on Monday after two years of repairs that cost more than planned.")
    assert is_masthead(lines, 0, title_line=4)
    # The ranker is unsure of both (below its 0.5): the rules' masthead date is not kept.
    assert _pick(lines, [0.1, 0.3], rules_line=0, title=4) == "23 February 2026"
    # The same date line right above the headline is the article's kicker, no masthead: the rules' date stays.
    kicker = ["Home", "News", "Thursday, February 26, 2026", "Bridge Reopens", *lines[5:]]
    assert not is_masthead(kicker, 2, title_line=3)
    assert _pick(kicker, [0.1, 0.3], rules_line=2, title=3) is None
    assert not is_masthead(["Published Thursday, February 26, 2026", "Home", "News", "Bridge"], 0, title_line=3)


def test_a_publication_date_beside_a_picked_update_dates_the_article() -> None:
    lines = ["Bridge Reopens", "Updated Feb. 24, 2026 4:04AM EST /", "Published Feb. 23, 2026 12:16PM EST"]
    lines.append("The harbour bridge reopened on Monday after two years of repairs that cost more than planned.")
    assert _pick(lines, [0.94, 0.87], rules_line=2, title=0) == "Feb. 23, 2026 12:16PM EST"
    # Far from the update, a labelled date is another story's: the update stays the pick.
    apart = [lines[0], lines[1], "Engineers replaced every cable.", "Shops reopened.", *lines[2:]]
    assert _pick(apart, [0.94, 0.87], rules_line=4, title=0) == "Feb. 24, 2026 4:04AM EST"


def test_a_relative_best_loses_to_a_labelled_rules_date_whatever_it_scores() -> None:
    lines = ["Bridge Reopens", "By Maria Lopez", "2 hours ago"]
    lines += ["The harbour bridge reopened on Monday after two years of repairs that cost more than planned."]
    lines += ["Published: February 27, 2026"]
    # Sure of "2 hours ago" (0.9 over the threshold of 0.5): the page's labelled date still says which day it is.
    assert _pick(lines, [0.9, 0.2], rules_line=4, title=0) is None
    # Without the label, the ranker's sure pick stands.
    plain = [*lines[:4], "February 27, 2026"]
    assert _pick(plain, [0.9, 0.2], rules_line=4, title=0) == "2 hours ago"


def test_date_model_setting_and_a_broken_model_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWS_ETL_DATE_MODEL", "off")
    assert get_settings().date_model is False
    bad = tmp_path / "date.json"
    bad.write_text("{not json", encoding="utf-8")
    monkeypatch.setenv("NEWS_ETL_DATE_MODEL", str(bad))
    assert get_settings().date_model_file == bad
    with pytest.raises(ConfigError, match="is not a model file"):
        read_model_file(bad, FEATURES, "benchmarks/train_date_model.py", "rules only")
    bad.write_text('{"features": ["other"], "model": {}}', encoding="utf-8")
    with pytest.raises(ConfigError, match="trained on other features"):
        read_model_file(bad, FEATURES, "benchmarks/train_date_model.py", "rules only")


def _html(markup_date: str, shown: str) -> bytes:
    """The page above as HTML: its JSON-LD gives ``markup_date``, the line under its byline shows ``shown``."""
    art = ARTICLE.replace("ARTICLE_DATE", shown).splitlines()
    nav = "".join(f"<li><a href='#'>{x}</a></li>" for x in NAV.split("|"))
    teasers = "".join(f"<p>{x}</p>" for x in TEASERS.split("|"))
    footer = "".join(f"<li>{x}</li>" for x in FOOTER.split("|"))
    body = "".join(f"<p>{p}</p>" for p in art[4:])
    ld = f'{{"@context":"https://schema.org","@type":"NewsArticle","datePublished":"{markup_date}"}}'
    return (
        f'<html><head><title>{art[0]}</title><script type="application/ld+json">{ld}</script></head><body>'
        f"<nav><ul>{nav}</ul></nav><aside>{teasers}</aside><main><header><h1>{art[0]}</h1><p>{art[1]}</p>"
        f"<p>{art[2]}</p><time>{art[3]}</time></header><article>{body}</article></main>"
        f"<footer><ul>{footer}</ul></footer></body></html>"
    ).encode()


def _html_row(markup_date: str, shown: str, date_model=None) -> dict:
    from news_etl.reading import parse_bytes
    from news_etl.settings import Limits

    records, _ = parse_bytes(_html(markup_date, shown), "page.html", Limits())
    assert records[0].published == markup_date and records[0].page_text
    return _build(records[0], date_model)


def test_the_date_a_page_shows_overrules_a_markup_date_of_another_year() -> None:
    assert str(_html_row("2019-03-30T08:00:00Z", "23 February 2026")["published_date"]) == "2019-03-30"
    ranker = default_date_model()
    assert ranker is not None and ranker.override_threshold is not None
    row = _html_row("2019-03-30T08:00:00Z", "23 February 2026", ranker)
    assert str(row["published_date"]) == "2026-02-23"
    assert row["published_at_raw"] == "23 February 2026"
    assert row["repairs"] == [
        "published_date: the page shows '23 February 2026', its markup said '2019-03-30T08:00:00Z'"
    ]


def test_the_day_a_page_shows_beside_a_utc_instant_is_the_readers_day() -> None:
    row = _html_row("2026-02-23T03:30:00Z", "22 February 2026", default_date_model())
    assert str(row["published_date"]) == "2026-02-22"  # the day the page shows its readers
    assert row["published_at"] == datetime(2026, 2, 23, 3, 30, tzinfo=UTC)  # the exact instant, from the markup
    same = _html_row("2026-02-23T10:30:00Z", "23 February 2026", default_date_model())
    assert str(same["published_date"]) == "2026-02-23" and same["repairs"] is None  # they agree: nothing noted


def test_a_markup_time_in_the_sites_zone_keeps_its_day_beside_a_next_days_teaser() -> None:
    from news_etl.linemodel import Ranker, Trees

    # A ranker sure of the page's latest date only (the teaser's next day), over its override threshold.
    latest = {"feature": [FEATURES.index("days_from_latest"), 0, 0], "threshold": [0.5, 0.0, 0.0]}
    tree = {**latest, "left": [1, -1, -1], "right": [2, -1, -1], "value": [0.0, 5.0, -5.0], "depth": 1}
    sure = Ranker(Trees(0.0, 1.0, [tree]), threshold=0.5, override_threshold=0.5)
    shown = "23 February 2026\n22 February 2026"
    assert str(_html_row("2026-02-22T09:50:00-05:00", shown, sure)["published_date"]) == "2026-02-22"


def test_a_relative_date_a_page_shows_never_overrules_its_markup() -> None:
    # "5 days ago" under the byline counts back from when the file was saved (here: the run), by whole days; the
    # markup's instant of 2019 stays, where the same day written out overrules it (the test above).
    for shown in ("5 days ago", "Updated 5 days ago", "Yesterday"):
        row = _html_row("2019-03-30T08:00:00Z", shown, default_date_model())
        assert str(row["published_date"]) == "2019-03-30", shown
        assert row["repairs"] is None


def test_a_page_that_shows_only_its_update_gets_the_update_day() -> None:
    # An evergreen guide: its markup keeps the 2022 first publication, the page shows readers only the update.
    row = _html_row("2022-10-24T19:16:00Z", "Updated 24 February 2026", default_date_model())
    assert str(row["published_date"]) == "2026-02-24"  # the day readers see
    assert row["published_at"] == datetime(2022, 10, 24, 19, 16, tzinfo=UTC)  # the first publication's instant
    assert row["repairs"] and "shows only its update" in row["repairs"][0]
    # The page shows its publication day too: that stays the readers' day.
    both = _html_row(
        "2022-10-24T19:16:00Z", "Published 24 October 2022, updated 24 February 2026", default_date_model()
    )
    assert str(both["published_date"]) == "2022-10-24" and both["repairs"] is None


def test_the_readers_day_of_a_page_whose_markup_and_ranker_disagree() -> None:
    from datetime import date

    from news_etl.date_lines import readers_day

    markup, related = date(2023, 12, 22), date(2023, 9, 27)
    # The page shows its markup's day and a related story's: the ranker's pick of the other is not the page's day.
    assert readers_day(markup, related, False, {markup, related}) == "markup"
    # A template's 2019 markup date on a story the page shows only as of 2023: the page's date.
    assert readers_day(date(2019, 3, 30), date(2023, 12, 19), False, {date(2023, 12, 19)}) == "page"
    # A UTC instant a day off the day the page shows: the readers' day, even when the other day shows too.
    assert readers_day(markup, date(2023, 12, 21), False, {markup, date(2023, 12, 21)}) == "shift"
    # A markup time with its own zone's offset ("09:50-05:00") gives the site's day already: beside that day on the
    # page, a next day's date is a teaser's, no shift; with the markup's day not shown, the shift stands.
    assert readers_day(markup, date(2023, 12, 23), False, {markup, date(2023, 12, 23)}, markup_zoned=True) == "markup"
    assert readers_day(markup, date(2023, 12, 23), False, {date(2023, 12, 23)}, markup_zoned=True) == "shift"
    # An update: the readers' day only while the page hides its publication day.
    assert readers_day(date(2022, 10, 24), date(2023, 12, 14), True, {date(2023, 12, 14)}) == "update"
    assert readers_day(date(2022, 10, 24), date(2023, 12, 14), True, {date(2022, 10, 24), date(2023, 12, 14)}) == (
        "markup"
    )
    assert readers_day(markup, markup, False, {markup}) == "markup"
    # "5 days ago" counts back from when the file was saved, by whole days: it never corrects the markup's instant,
    # not even where the markup's day is not shown (the same pick, not relative, would be the page's).
    assert readers_day(date(2019, 3, 30), date(2023, 12, 19), False, {date(2023, 12, 19)}, relative=True) == "markup"
    assert readers_day(date(2022, 10, 24), date(2023, 12, 14), True, {date(2023, 12, 14)}, relative=True) == "markup"


def test_a_date_without_its_year_never_replaces_the_markups() -> None:
    from datetime import date

    from news_etl.date_lines import in_year, readers_day

    markup, teaser = date(2023, 12, 22), date(2025, 12, 21)  # "Dec 21" read in December 2026: a year guessed
    # Moved to the markup's year, it is one day off; still no page's date, even where the markup's day is not shown.
    assert in_year(teaser, 2023, yearless=True) == date(2023, 12, 21)
    assert in_year(teaser, 2023, yearless=False) == teaser
    assert in_year(date(2024, 2, 29), 2023, yearless=True) == date(2024, 2, 29)  # no 29 February in 2023
    assert readers_day(markup, date(2023, 12, 9), False, {date(2023, 12, 9)}, yearless=True) == "markup"
    assert readers_day(markup, date(2023, 12, 9), False, {date(2023, 12, 9)}) == "page"
    # One day off is a shift only where the markup's instant is that day somewhere: 12:06 UTC on the 22nd is the
    # 22nd from UTC-12 to UTC+11, and the 23rd only east of UTC+12; 03:30 UTC is the 21st west of UTC-4.
    noon, night = datetime(2023, 12, 22, 12, 6, tzinfo=UTC), datetime(2023, 12, 22, 3, 30, tzinfo=UTC)
    assert readers_day(markup, date(2023, 12, 21), False, {date(2023, 12, 21)}, markup_at=noon) == "page"
    assert readers_day(markup, date(2023, 12, 21), False, {date(2023, 12, 21)}, markup_at=night) == "shift"
    assert readers_day(markup, date(2023, 12, 23), False, {date(2023, 12, 23)}, markup_at=noon) == "shift"
    assert (
        readers_day(markup, date(2023, 12, 21), False, {date(2023, 12, 21)}, yearless=True, markup_at=noon) == "markup"
    )


def test_relative_dates_count_back_from_when_the_file_was_saved(tmp_path: Path) -> None:
    # A scraper saved the page two days before the run read it: "3 hours ago" was three hours before the save.
    page = tmp_path / "page.txt"
    page.write_text(PAGE.replace("ARTICLE_DATE", "Published 3 hours ago"))
    saved = AT - timedelta(days=2)
    os.utime(page, (saved.timestamp(), saved.timestamp()))
    record = read_file(tmp_path, "page.txt", Limits()).records[0]
    assert record.saved_at == saved
    assert _build(record, default_date_model())["published_date"] == (saved - timedelta(hours=3)).date()


@pytest.mark.parametrize(
    ("saved_at", "reference"),
    [
        (None, AT),
        (AT - timedelta(days=2), AT - timedelta(days=2)),
        (AT + timedelta(minutes=5), AT),  # a clock ahead of the run's: the run's time
        (datetime(1970, 1, 1, tzinfo=UTC), AT),  # an epoch-zero mtime from an archive: no date to count from
    ],
)
def test_date_reference(saved_at: datetime | None, reference: datetime) -> None:
    assert date_reference(saved_at, AT) == reference


@pytest.mark.parametrize(
    ("date_line", "published_at", "modified_at"),
    [
        # The line under the byline is the article's date; without this, the teasers' full dates above won.
        ("3 hours ago", datetime(2026, 3, 1, 9, tzinfo=UTC), None),
        ("yesterday", datetime(2026, 2, 28, 12, tzinfo=UTC), None),
        # The page shows only its update: that is the day readers see, and no publication instant is known.
        ("Updated 3 hours ago", None, datetime(2026, 3, 1, 9, tzinfo=UTC)),
    ],
)
def test_a_relative_date_under_the_byline_dates_the_article(
    date_line: str, published_at: datetime | None, modified_at: datetime | None
) -> None:
    row = _row(date_line, default_date_model())
    assert (row["published_at"], row["modified_at"]) == (published_at, modified_at)
    assert row["published_date"] == (published_at or modified_at).date()


def test_a_labelled_date_beats_a_relative_one_under_the_byline() -> None:
    text = PAGE.replace("ARTICLE_DATE", "2 hours ago").replace(
        FOOTER.split("|")[0], "Published: February 27, 2026\nRelated"
    )
    row = _build(Record(record_index=0, source_format="txt", text=text), default_date_model())
    assert row["published_date"].isoformat() == "2026-02-27"


@pytest.mark.parametrize(
    ("below_byline", "taken"),
    [("5 days ago", True), ("Yesterday, 5:30 pm", True), ("USA TODAY", False), ("Subscribe today", False)],
)
def test_only_a_relative_date_under_the_byline_is_taken(below_byline: str, taken: bool) -> None:
    lines = ["Headline of the story here", "By Kayla Jimenez", below_byline, "", "February 12, 2026", ARTICLE]
    cands = [DateCandidate(i, *found) for i, line in enumerate(lines) if (found := read_line(line, AT, "UTC"))]
    beside = relative_beside_byline(lines, cands, byline=1)
    assert (beside is not None and beside.line == 2) == taken


COOKIES = "\n".join(
    [
        "Cookie List",
        "A cookie is a small piece of data (text file) that a website asks your browser to store on your device in"
        " order to remember information about you, such as your language preference or login information.",
        "Those cookies are set by us and called first-party cookies. We also use third-party cookies, which are"
        " cookies from a domain different than the domain of the website you are visiting.",
        "Strictly Necessary Cookies",
        "These cookies are necessary for the website to function and cannot be switched off in our systems.",
    ]
)


def test_markup_text_missed_only_when_the_page_shows_another_longer_article() -> None:
    from news_etl.html import markup_text_missed
    from news_etl.text import count_words, shared_share

    article = "\n".join(ARTICLE.splitlines()[4:])
    assert shared_share(article, article + "\nMore text here.") == 1.0 and shared_share("", article) == 0.0
    assert markup_text_missed(COOKIES, article + "\n" + article)  # another block, and the page's article is longer
    assert markup_text_missed("", article)  # nothing from the markup: the page's own lines
    cut = "\n".join(ARTICLE.splitlines()[4:6])
    assert not markup_text_missed(cut, article)  # the markup's text cut short is still the article's
    assert not markup_text_missed(article, COOKIES)  # the page's cleaning kept less than the markup gave
    assert not markup_text_missed(COOKIES, "")
    # A brief the markup gave, beside a page cleaning that kept only the site's legal lines: longer, but naming
    # none of the headline's words. The brief stays.
    brief = "Sixteen new officers have joined the Bayonne Police Department after a ceremony on Wednesday."
    legal = " ".join(["The material on this site may not be reproduced or distributed without permission."] * 4)
    assert markup_text_missed(brief, legal)  # without a headline, nothing tells them apart
    assert not markup_text_missed(brief, legal, "16 new officers join Bayonne Police Department")
    assert markup_text_missed(COOKIES, article + "\n" + article, ARTICLE.splitlines()[0])
    # A cookie policy the markup took for the article, beside a page article no longer than it: the page's
    # article replaces it only when the policy names none of the headline's words and the page's names half.
    three = "\n".join(ARTICLE.splitlines()[4:7])
    assert count_words(three) <= 1.5 * count_words(COOKIES)
    assert markup_text_missed(COOKIES, three, ARTICLE.splitlines()[0])
    assert not markup_text_missed(COOKIES, three)  # without a headline, nothing tells them apart
    assert not markup_text_missed(COOKIES, three, "Cookies and the harbour bridge")  # the policy names "cookies"
    assert not markup_text_missed(COOKIES, three, "Night bus trial extended")  # the page's names none either


def test_an_html_page_whose_markup_gave_its_teasers_gets_its_visible_article() -> None:
    # The markup's extractor took the "Most read" box for the main text (tennis.com on dev: a column of teasers);
    # the page's visible lines, cleaned, hold the article, and drop that box.
    article_lines = ARTICLE.splitlines()
    teasers = TEASERS.replace("|", "\n")
    page = PAGE.replace("ARTICLE_DATE", "23 February 2026")
    record = Record(record_index=0, source_format="html", text=teasers, title=article_lines[0], page_text=page)
    row = _build(record, default_date_model())
    assert article_lines[4] in row["body"] and article_lines[-1] in row["body"]
    assert "Storm closes mountain passes" not in row["body"]
    assert any("another block" in r for r in row["repairs"])
    plain = _build(Record(record_index=0, source_format="html", text=teasers, title=article_lines[0]))
    assert article_lines[4] not in plain["body"]  # without the page's visible lines there is nothing to compare with


def test_a_citations_retrieval_date_is_no_candidate() -> None:
    lines = ["Bridge Reopens", "The harbour bridge reopened on Monday after two years of repairs that cost more."]
    lines += ["Cite this: Bridge Reopens (2026, February 23) retrieved 27 February 2026", "Accessed on: March 1, 2026"]
    lines += ["February 23, 2026"]
    assert [c.raw for c in candidates(lines, 1, AT, "UTC")] == ["February 23, 2026"]


def test_the_date_trainer_takes_the_middle_of_a_plateau_not_its_lone_peak(monkeypatch) -> None:
    """A curve a document or two apart over most thresholds: its peak is chance (it moved between 0.45 and 0.65
    from one retraining to the next); the middle of the thresholds within one document of it does not move."""
    from .conftest import ROOT

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from header_training import steady_threshold

    one = 1 / 200  # one page of a 200-page track
    flat = {round(t / 20, 2): {"full": 0.80} for t in range(1, 20)}
    peaked = {**flat, 0.7: {"full": 0.80 + one * 0.99}}  # one page better at 0.7 alone
    assert steady_threshold(peaked, 200) == 0.5  # the middle of 0.05 ... 0.95
    # Two pages better is no plateau's noise: the peak's neighbourhood is all there is.
    clear = {**flat, 0.6: {"full": 0.80 + 2 * one}, 0.65: {"full": 0.80 + 2 * one}}
    assert steady_threshold(clear, 200) == 0.65  # of two middles, the higher
    # The scores of all tracks count together.
    two_tracks = {t: {"article": 0.2, "full": v["full"]} for t, v in clear.items()}
    assert steady_threshold(two_tracks, 200) == 0.65
