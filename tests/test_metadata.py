"""Unit tests of metadata extraction: dates, bylines, titles, datelines, publisher, language, hashes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from news_etl import metadata
from news_etl.bylines import MAX_BYLINE_CHARS, parse_byline
from news_etl.credits import author_note
from news_etl.datelines import find_dateline
from news_etl.dates import parse_datetime
from news_etl.metadata import (
    content_hash,
    detect_language,
    extract_header,
    find_publisher,
)

from .conftest import article_step

REF = datetime(2023, 12, 22, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Posted on : 2023-09-06 16:47 KST", "2023-09-06T07:47:00+00:00"),
        ("Dec. 22, 2023 11:48 a.m. ET", "2023-12-22T16:48:00+00:00"),  # EST in December: UTC-5
        ("June 5, 2023 11:48 a.m. ET", "2023-06-05T15:48:00+00:00"),  # EDT in June: UTC-4
        ("2023-09-06T16:47:00+09:00", "2023-09-06T07:47:00+00:00"),
        ("Published 22 December 2023, 09:15 GMT", "2023-12-22T09:15:00+00:00"),
        ("Sept. 3, 2023", "2023-09-03T00:00:00+00:00"),
        ("Updated 3 hours ago", "2023-12-22T15:00:00+00:00"),
        ("yesterday", "2023-12-21T18:00:00+00:00"),
        # Ordinal days, with and without a comma before the year (The Economist, Autoblog).
        ("Dec 19th 2023", "2023-12-19T00:00:00+00:00"),
        ("Dec 21st 2023 at 10:00AM", "2023-12-21T10:00:00+00:00"),
        ("February 9th, 2023", "2023-02-09T00:00:00+00:00"),
        ("Tuesday, December 19th", "2023-12-19T00:00:00+00:00"),
        ("Published Fri, Dec 22 20234:46 AM EST", "2023-12-22T09:46:00+00:00"),  # year and time glued by innerText
        ("Updated today at 10:30 AM ET", "2023-12-22T18:00:00+00:00"),
        ("Published yesterday at 5:30 pm", "2023-12-21T18:00:00+00:00"),
        # A lone "P" is no pm (a caption cut short): the 21 is the day, not 21:00 on the 1st.
        ("AP Top Stories December 21 P", "2023-12-21T00:00:00+00:00"),
        ("Dec 21, 2023 10:30 p", "2023-12-21T22:30:00+00:00"),
        ("12-20-2023", "2023-12-20T00:00:00+00:00"),  # a US site's date under its byline, with dashes
        ("JULY 7, 2023)", "2023-07-07T00:00:00+00:00"),  # a bracket glued to the year had hidden it: 2000
    ],
)
def test_parse_datetime_formats(raw: str, expected: str) -> None:
    assert parse_datetime(raw, reference=REF).isoformat() == expected


@pytest.mark.parametrize(
    "raw",
    # A paper's name and a pitch use "today" without dating anything (read as the run's day, "USA TODAY" beside
    # a byline had dated a page).
    # Dashes date only beside a four-digit year: "3-1-23" is a score or a code.
    [
        "",
        "no date in here",
        "Updated",
        "Read 5 min",
        "2023",
        "USA TODAY",
        "Kayla Jimenez, USA TODAY",
        "Out today",
        "3-1-23",
    ],
)
def test_parse_datetime_never_invents(raw: str) -> None:
    assert parse_datetime(raw, reference=REF) is None


def test_naive_times_use_the_default_zone() -> None:
    assert parse_datetime("2023-01-02 10:00", default_tz="Asia/Seoul").isoformat() == "2023-01-02T01:00:00+00:00"


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("By Lee Bon-young, Washington correspondent", ["Lee Bon-young"]),
        ("By Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
        ("By JANE DOE, Staff Writer", ["Jane Doe"]),  # a shouted wire byline is written as the name
        ("By JEAN-PIERRE O'NEIL III", ["Jean-Pierre O'Neil III"]),
        ("By MARTHA BELLISLE Associated Press", ["Martha Bellisle", "Associated Press"]),  # the agency glued on
        ("By Anna Ward Kyodo News", ["Anna Ward", "Kyodo News"]),
        ("By Jane Ann Bloomberg", ["Jane Ann Bloomberg"]),  # a one-word agency splits off only in capitals
        ("By Jane Doe AP", ["Jane Doe", "AP"]),
        ("By Maria de la Cruz | maria@example.com", ["Maria de la Cruz"]),
        ("By The Associated Press", ["The Associated Press"]),
        ("Written by Sam Lee, Reuters", ["Sam Lee", "Reuters"]),
        ("By Ana Ruiz, Updated 3 hours ago", ["Ana Ruiz"]),
        ("By Lauren Manaker MS, RDN, LD", ["Lauren Manaker"]),  # credentials are not names
        ("By George T. Conway III", ["George T. Conway III"]),  # a generational suffix is
        ("By Nick Levine, February", ["Nick Levine"]),
        ("By Dana Park | Sponsored", ["Dana Park"]),
        # A paper's name in capitals beside a reporter in mixed case is the paper, glued on or not.
        ("Kayla Jimenez, USA TODAY", ["Kayla Jimenez"]),
        ("Kayla Jimenez USA TODAY", ["Kayla Jimenez"]),
        ("By Kayla Jimenez and Mike Snider, USA TODAY", ["Kayla Jimenez", "Mike Snider"]),
        ("By MARTHA BELLISLE, Associated Press", ["Martha Bellisle", "Associated Press"]),  # wire style stays
        ("By JANE DOE, Special to the Post", ["Jane Doe"]),
        # Months are first names too; a part that is only a date is not a name.
        ("By April Rubin, Axios", ["April Rubin", "Axios"]),
        ("By August Graham", ["August Graham"]),
        ("By June Kim 12 hours ago", ["June Kim"]),
        ("By June Kim | Updated 5 mins ago", ["June Kim"]),
        ("By Jane Doe, Tuesday March 5", ["Jane Doe"]),
        ("By March, the company had grown", []),
        # An outlet glued after a full name is no author: a brand's run of capitals, or an outlet's words.
        ("By Dana Park NBCSports", ["Dana Park"]),
        ("Tom Reyes Channel News", ["Tom Reyes"]),
        ("Tom Reyes Channel 4 News", ["Tom Reyes"]),  # a broadcaster's channel number
        ("By Tom Reyes 4 News", []),  # a number opens no outlet's name
        ("By Ana Ruiz The Morning Journal", ["Ana Ruiz"]),
        ("By Emily Post", ["Emily Post"]),  # a one-word tail is a surname
        ("As told to Nora Vance", ["Nora Vance"]),
        ("Published By : Owen T. Marsh", ["Owen T. Marsh"]),
        ("Save Article", []),  # menu words only
        ("By Team EBONY | September 21, 2023", ["Team EBONY"]),  # a newsroom's credit, as "Reuters Staff"
        ("By Team Staff Writer", []),  # a role is no newsroom
        # An "&" inside an outlet's name joins no second writer.
        ("Jennifer Toland Worcester Telegram & Gazette", ["Jennifer Toland"]),
        ("The Worcester Telegram & Gazette", ["The Worcester Telegram & Gazette"]),
        ("By Jane Doe & John Roe", ["Jane Doe", "John Roe"]),
        ("By Jane Doe & The Associated Press", ["Jane Doe", "The Associated Press"]),
        ("By Invitation", []),  # one word news prose writes in lower case: a section
        ("By Marino", ["Marino"]),
    ],
)
def test_parse_byline(line: str, names: list[str]) -> None:
    assert parse_byline(line) == names


def test_a_bylines_runs_of_spaces_are_one_and_its_length_is_bounded() -> None:
    assert parse_byline("By Jane" + " " * 500 + "Doe,\t\tReuters") == ["Jane Doe", "Reuters"]
    assert parse_byline("By Jane Doe" + " " * MAX_BYLINE_CHARS) == []


def test_header_of_a_seed_like_text() -> None:
    lines = [
        "Kim likely to meet Putin in Russia, claims US",
        "",
        "Posted on : 2023-09-06 16:47 KST Modified on : 2023-09-06 17:10 KST",
        "North Korean leader Kim Jong-un is reportedly planning to meet the Russian president.",
        "By Lee Bon-young, Washington correspondent",
    ]
    h = extract_header(lines, reference=REF)
    assert h.title == lines[0]
    assert h.published_at == datetime(2023, 9, 6, 7, 47, tzinfo=UTC)
    assert h.published_raw == "2023-09-06 16:47 KST"
    assert h.modified_at == datetime(2023, 9, 6, 8, 10, tzinfo=UTC)
    assert h.authors == ["Lee Bon-young"]
    assert h.marks == {0: "meta:title", 2: "meta:timestamp", 4: "meta:byline"}


def test_no_title_when_first_line_is_prose() -> None:
    lines = ["North Korean leader Kim Jong Un is reportedly preparing to travel to Russia this month.", "More."]
    assert extract_header(lines).title is None


def test_container_title_wins_and_its_line_leaves_the_body() -> None:
    lines = ["Big News Today", "Body sentence one is here."]
    h = extract_header(lines, hint_title="Big News Today")
    assert h.title == "Big News Today" and h.marks == {0: "meta:title"}


@pytest.mark.parametrize(
    ("para", "place"),
    [
        ("Seoul: In a rare diplomatic move, Kim is set to visit.", "Seoul"),
        ("WASHINGTON (Reuters) - The United States said on Monday.", "Washington"),
        ("KYIV, Ukraine — Russian forces attacked overnight.", "Kyiv, Ukraine"),
        ("However: the talks went on.", None),
        ("The talks went on: nobody knew why.", None),
    ],
)
def test_find_dateline(para: str, place: str | None) -> None:
    assert find_dateline(para) == place


def test_find_publisher() -> None:
    assert find_publisher("Please direct questions or comments to [english@hani.co.kr]") == "hani.co.kr"
    assert find_publisher("Mail me at someone@gmail.com", url="https://www.example.org/a") == "example.org"
    assert find_publisher("nothing here") is None
    assert find_publisher("x@hani.co.kr", hint="The Hankyoreh") == "The Hankyoreh"


def test_detect_language() -> None:
    assert detect_language("The government said on Tuesday that it would raise taxes next year.") == "en"
    assert detect_language("Le gouvernement a annoncé mardi qu'il augmenterait les impôts l'an prochain.") == "fr"
    assert detect_language("Too short") is None
    assert "en" in metadata.known_languages()


def test_content_hash_ignores_case_space_and_quote_style() -> None:
    assert content_hash("He said “yes”  today.\n\nNext") == content_hash('he said "yes" today. next')
    assert content_hash("one") != content_hash("two")


def test_year_less_dates_resolve_against_the_reference_or_not_at_all() -> None:
    assert parse_datetime("Tuesday, 1 March") is None
    assert parse_datetime("Wednesday, 1 March", reference=REF).isoformat() == "2023-03-01T00:00:00+00:00"
    assert parse_datetime("1 March", reference=REF).isoformat() == "2023-03-01T00:00:00+00:00"
    # A weekday says which year: 1 March was a Tuesday in 2022, not in 2023.
    assert parse_datetime("Tuesday, 1 March", reference=REF).isoformat() == "2022-03-01T00:00:00+00:00"
    late = datetime(2026, 11, 23, tzinfo=UTC)
    assert parse_datetime("Date: Tuesday, Dec. 19", reference=late).date().isoformat() == "2023-12-19"
    # After the reference date: it must have been last year.
    assert parse_datetime("30 December", reference=REF).isoformat() == "2022-12-30T00:00:00+00:00"


def test_a_label_inside_a_sentence_is_not_a_timestamp_line() -> None:
    lines = [
        "Harry Potter and the Half-Blood Prince has topped the chart even though it will not be "
        "published until 16 July 2005, the retailer said on Monday.",
        "More text follows here.",
    ]
    h = extract_header(lines, reference=REF)
    assert h.published_at is None and h.marks == {}


def test_published_date_is_the_sources_own_day() -> None:
    h = extract_header(["Published: Dec. 21, 2023 9:05 p.m. ET", "Body text follows in this line."], reference=REF)
    assert h.published_at == datetime(2023, 12, 22, 2, 5, tzinfo=UTC)  # UTC crosses midnight...
    assert str(h.published_date) == "2023-12-21"  # ...the page's own date does not


FURNITURE = [
    "Skip to content",
    "Home",
    "World",
    "Sports",
    "Sign in",
    "Subscribe now",
    "Search this site",
    "Most read stories",
    "Newsletters and alerts",
    "Account settings",
]
BODY = [
    "The council voted on Thursday to close the old bridge to all traffic from next month, officials said.",
    "Engineers found cracks in two of the supporting piers during an inspection earlier this year.",
]


def test_header_below_page_furniture_is_found() -> None:
    lines = [*FURNITURE, "Council votes to close the old bridge", "By Jane Roe and John Doe", "Dec 20, 2023", *BODY]
    h = extract_header(lines, reference=REF)
    assert h.title == "Council votes to close the old bridge"
    assert h.authors == ["Jane Roe", "John Doe"]
    assert h.published_date.isoformat() == "2023-12-20"
    assert h.marks[10] == "meta:title" and 0 not in h.marks


def test_a_photo_credit_beside_the_header_is_no_headline() -> None:
    # The headline ends with a full stop, so it is not headline-shaped; the credit line under it must not win.
    lines = [
        "Skip to content",
        "Guest Essay",
        "My Mother Loved Me. The Church Could Have Helped.",
        "Dec. 22, 2023",
        "Credit...Jane Roe/The Example Times",
        "By John Doe",
        *BODY,
    ]
    h = extract_header(lines, reference=REF)
    assert h.title is None and h.marks == {3: "meta:timestamp", 5: "meta:byline"}


def test_a_bare_name_beside_the_date_is_the_byline() -> None:
    lines = [*FURNITURE, "Council votes to close the old bridge", "Emma Baty", "December 22, 2023", *BODY]
    h = extract_header(lines, reference=REF)
    assert h.authors == ["Emma Baty"]
    assert h.title == "Council votes to close the old bridge"
    # A name far from any date is not a byline.
    assert extract_header(["Emma Baty", *FURNITURE, *BODY], reference=REF).authors == []


def test_a_by_alone_on_its_line_makes_the_next_line_the_byline() -> None:
    lines = [*FURNITURE, "Council votes to close the old bridge", "By", "Nora Vance, citypaper.com", *BODY]
    h = extract_header(lines, reference=REF)
    assert h.authors == ["Nora Vance"]
    by = lines.index("By")
    assert h.marks[by] == h.marks[by + 1] == "meta:byline"  # both leave the body
    # Without the "By", a name far from any date names nobody for the rules.
    assert extract_header([ln for ln in lines if ln != "By"], reference=REF).authors == []


def test_names_on_lines_of_their_own_under_a_by_alone() -> None:
    """Each name a link, each link a line: "By" / "Nora Vance" / "and" / "Tom Reyes"."""
    lines = [*FURNITURE, "Council votes to close the old bridge", "By", "Nora Vance", "and", "Tom Reyes", *BODY]
    h = extract_header(lines, reference=REF)
    assert h.authors == ["Nora Vance", "Tom Reyes"]
    by = lines.index("By")
    assert all(h.marks[k] == "meta:byline" for k in range(by, by + 4))
    # Three names, with "," and "&" joining them.
    three = [*lines[: by + 2], ",", "Tom Reyes", "&", "Ana Ruiz", *BODY]
    assert extract_header(three, reference=REF).authors == ["Nora Vance", "Tom Reyes", "Ana Ruiz"]
    # What an "and" joins must be a person's name alone: a footer link is not ("and" / "Privacy Policy").
    footer = [*lines[: by + 3], "Privacy Policy", *BODY]
    h = extract_header(footer, reference=REF)
    assert h.authors == ["Nora Vance"] and by + 3 not in h.marks


def test_an_authors_box_at_the_end_names_the_author() -> None:
    box = ["Rose Minutaglio", "Senior Editor", "Rose is a Senior Editor at ELLE overseeing features."]
    h = extract_header([*BODY, *box], reference=REF)
    assert h.authors == ["Rose Minutaglio"] and h.marks[len(BODY)] == "meta:byline"
    # A biography opening with the name, without a role line.
    bio = ["Emma Baty", "Emma Baty is the Senior Entertainment Editor at Cosmopolitan, where she writes profiles."]
    assert extract_header([*BODY, *bio], reference=REF).authors == ["Emma Baty"]
    # A name with neither under it is a related story's author or a tag, no byline; nor is a role under a menu.
    assert extract_header([*BODY, "Emma Baty", "More from Cosmopolitan"], reference=REF).authors == []
    assert extract_header([*BODY, "Contact Us", "Editor"], reference=REF).authors == []


def test_a_date_glued_to_a_name_and_role() -> None:
    h = extract_header(["Rob Dawson, CorrespondentDec 22, 2023, 10:15 PM", *BODY], reference=REF)
    assert h.published_date.isoformat() == "2023-12-22"
    assert h.authors == ["Rob Dawson"]
    # A place and a date is not a byline.
    h = extract_header(["Paris, France", "22 December 2023", *BODY], reference=REF)
    assert h.authors == [] and h.published_date.isoformat() == "2023-12-22"


def test_a_date_inside_a_body_sentence_is_not_the_publication_date() -> None:
    h = extract_header(
        [
            *BODY,
            "The bridge first opened to traffic on March 3, 1931, after four years of construction and many delays.",
        ],
        reference=REF,
    )
    assert h.published_at is None


# --------------------------------------------------------------------------- the reader's day


def test_the_readers_zone_comes_from_the_language_tag_then_the_country_domain() -> None:
    from news_etl.dates import reader_zone

    assert str(reader_zone("en-US", "https://www.eweek.com/x")) == "America/New_York"
    assert str(reader_zone("en_AU", None)) == "Australia/Sydney"  # og:locale style
    assert str(reader_zone("en", "https://www.checkout.com.au/deals")) == "Australia/Sydney"
    assert str(reader_zone(None, "https://www.vogue.co.uk/article")) == "Europe/London"
    assert reader_zone("en", "https://www.example.com/") is None  # nothing says where the readers are


def test_a_utc_only_timestamp_is_dated_in_the_readers_zone_and_keeps_its_instant() -> None:
    from zoneinfo import ZoneInfo

    ny, sydney = ZoneInfo("America/New_York"), ZoneInfo("Australia/Sydney")
    ref = datetime(2024, 1, 1, tzinfo=UTC)
    us = extract_header(BODY, hint_published="2023-12-02T00:46:23+00:00", reference=ref, reader_tz=ny)
    assert us.published_date.isoformat() == "2023-12-01"  # 19:46 on the 1st in New York
    assert us.published_at == datetime(2023, 12, 2, 0, 46, 23, tzinfo=UTC)
    au = extract_header(BODY, hint_published="2023-12-25T22:03:00.000Z", reference=ref, reader_tz=sydney)
    assert au.published_date.isoformat() == "2023-12-26"
    # A timestamp with its own offset already says the writer's day; the readers' zone does not change it.
    own = extract_header(BODY, hint_published="2023-12-21T23:50:00-05:00", reference=ref, reader_tz=sydney)
    assert own.published_date.isoformat() == "2023-12-21"
    # Without a readers' zone, a UTC timestamp keeps its UTC day.
    plain = extract_header(BODY, hint_published="2023-12-02T00:46:23Z", reference=ref)
    assert plain.published_date.isoformat() == "2023-12-02"


def test_an_html_page_gives_its_locale_to_the_reader_day(tmp_path) -> None:
    from news_etl.reading import read_file
    from news_etl.settings import Limits

    page = (
        "<html lang='en-US'><head><title>Council votes to close the bridge</title>"
        "<meta property='article:published_time' content='2023-12-02T00:46:23Z'></head><body><article>"
        "<h1>Council votes to close the bridge</h1>"
        + "".join(f"<p>{line}</p>" for line in BODY)
        + "</article></body></html>"
    )
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    rec = read_file(tmp_path, "p.html", Limits()).records[0]
    assert rec.locale == "en-US"
    from news_etl.articles import build_article
    from news_etl.ruleset import load_rules

    row = build_article(
        rec,
        source_path="p.html",
        file_hash="h",
        run_id="r",
        ingested_at=REF + timedelta(days=400),
        rules=load_rules(None),
    ).row
    assert row["published_date"].isoformat() == "2023-12-01" and row["published_at_raw"] == "2023-12-02T00:46:23Z"


def test_a_page_text_without_a_header_title_takes_the_headline_above_its_body() -> None:

    page = [
        "Home",
        "World",
        "Business",
        "Sport",
        "Most read",
        "Haley warns Trump could try to use the party as a piggy bank",  # a related story's headline
        "Subscribe",
        "Council votes to close the old bridge for a year",
        "Credit...Jane Roe for The Paper",
        "Share this article",
        "The council voted on Thursday to close the old bridge to all traffic from next month, after engineers "
        "found deep cracks in two of its piers.",
        "The mayor said the closure would last at least a year while contractors rebuild them, and that drivers "
        "would be sent over the northern crossing instead.",
        "Cookie settings",
        "Terms of use",
    ]
    built = article_step("\n".join(page), REF, line_model=True)
    assert built.row["title"] == "Council votes to close the old bridge for a year"
    assert [r["rule"] for r in built.removed if r["line_text"].startswith("Council votes")] == ["meta:title"]
    assert "Council votes" not in built.row["body"]
    # A title the header found is not replaced.
    with_header = ["Council votes to close the old bridge for a year", "By Jane Roe", "December 22, 2023", *page[10:]]
    built = article_step("\n".join(with_header), REF, line_model=True)
    assert built.row["title"] == "Council votes to close the old bridge for a year"


def test_a_page_that_shows_only_its_update_day_is_dated_by_it() -> None:
    """The reader's date: with no publication date on the page, the day it says it was updated is the day a
    reader sees; the exact publication instant stays unknown."""

    text = "\n".join(["Council votes to close the bridge", "Updated on December 1, 2023", *BODY])
    row = article_step(text, REF).row
    assert row["published_date"].isoformat() == "2023-12-01"
    assert row["published_at"] is None and row["modified_at"] is not None


@pytest.mark.parametrize(
    ("line", "published", "modified"),
    [
        ("Dec. 5, 2023 | Updated Dec. 6, 2023", "Dec. 5, 2023", "Dec. 6, 2023"),
        (
            "December 5, 2023, 10:32 AM ET / Updated December 6, 2023",
            "December 5, 2023, 10:32 AM ET",
            "December 6, 2023",
        ),
        ("Ahmet Yilmaz |05.12.2023 - Update : 06.12.2023", "05.12.2023", "06.12.2023"),  # a byline first
        ("Published Dec. 5, 2023 | Updated Dec. 6, 2023", "Dec. 5, 2023", "Dec. 6, 2023"),
        ("Updated Dec. 6, 2023", None, "Dec. 6, 2023"),
    ],
)
def test_the_date_before_an_updates_label_is_the_publication(
    line: str, published: str | None, modified: str | None
) -> None:
    header = extract_header(["Council votes to close the bridge", line, *BODY], reference=REF)
    assert (header.published_raw, header.modified_raw) == (published, modified)


def test_email_domains_are_found_where_an_address_is() -> None:
    from news_etl.bylines import email_domains

    assert email_domains("Write to jane.doe@example-news.com or desk@paper.co.uk.") == [
        "example-news.com",
        "paper.co.uk",
    ]
    assert email_domains("A" * 100_000 + " Smith") == []  # no "@": the pattern is not run at all


def test_clean_headline_drops_what_pages_add_to_a_headline() -> None:
    from news_etl.headlines import clean_headline

    assert clean_headline("Cat video beamed to Earth from 19 million miles away (video)") == (
        "Cat video beamed to Earth from 19 million miles away"
    )
    assert clean_headline("Duo Bring New Song to Show Finale [Watch]") == "Duo Bring New Song to Show Finale"
    assert clean_headline("Let kids be kids and leave labor laws alone | Editorial") == (
        "Let kids be kids and leave labor laws alone"
    )
    assert (
        clean_headline("PolitiFact - The year in conspiracy theories", "PolitiFact")
        == "The year in conspiracy theories"
    )
    # Kept: a long segment after the bar, a dash that is part of the headline, a short headline.
    kept = "Markets fall | What the rate rise means for your mortgage and savings"
    assert clean_headline(kept) == kept
    assert clean_headline("Spider-Man - the review", "Marvel") == "Spider-Man - the review"
    assert clean_headline("Budget | Live") == "Budget | Live"
    assert clean_headline(None) is None


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Alexandra Canal is a Senior Reporter at Yahoo Finance. Follow her on Twitter.", ["Alexandra Canal"]),
        ("Michael Barone is senior political analyst for the Washington Examiner.", ["Michael Barone"]),
        ("Gina Scinta is the deputy chief technology officer for Thales Trusted Cyber Technologies.", ["Gina Scinta"]),
        ("• Vaughn Cockayne can be reached at vcockayne@washingtontimes.com.", ["Vaughn Cockayne"]),
        ("Mark Zandi is the chief economist at Moody's Analytics.", None),  # quoted above: a source
        ("New York is a city where every writer wants to live.", None),  # the role is in another clause
        ("Crime Stoppers can be reached at 555-0100.", None),  # no address: a number to call, no writer's note
        ("Zandi is the chief economist at Moody's Analytics.", None),  # a surname alone is no note
    ],
)
def test_an_authors_note_names_the_writer_unless_the_story_quoted_them(line: str, names: list[str] | None) -> None:
    found = author_note(line, ["The economy slowed in June, Zandi said on Monday."])
    assert (found[0] if found else None) == names


def test_an_authors_note_at_the_end_gives_the_author_when_no_byline_does() -> None:
    prose = "The council voted on Monday to close the old harbour bridge after engineers found cracks in it."
    note = "Jane Roe is a freelance writer based in Leeds."
    h = extract_header([prose, prose.replace("Monday", "Tuesday"), note, "Share this article"], reference=REF)
    assert h.authors == ["Jane Roe"] and h.marks == {2: "meta:credit"}
    h = extract_header(["By John Doe", prose, note], reference=REF)
    assert h.authors == ["John Doe"] and h.marks[2] == "meta:credit"  # the byline's writer first


def test_a_company_ranked_among_producers_is_no_authors_note() -> None:

    assert author_note("State-owned Codelco is the biggest producer, followed by BHP's Escondida mine.", []) is None
    assert author_note("Warner Bros is a leading producer of films for children.", []) is None
    assert author_note("Jean-Pierre Martin is a guest columnist for the paper.", []) == (["Jean-Pierre Martin"], False)
