"""Wire-service conventions: datelines with agency tags and dates, credit lines, sign-offs and desk codes belong
in metadata, not in the body. The examples are written here in each agency's style (none are in newsbench)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from news_etl.articles import build_article
from news_etl.bylines import credit_names
from news_etl.datelines import parse_dateline
from news_etl.linemodel import default_model
from news_etl.reading import Record
from news_etl.ruleset import load_rules

REF = datetime(2024, 7, 23, 9, 0, tzinfo=UTC)
PROSE = (
    "Officials said the measure would take effect next month after a final vote in the upper house, and that "
    "talks with the unions would continue over the summer."
)


def _build(text: str) -> tuple[dict, list[dict]]:
    built = build_article(
        Record(record_index=0, source_format="txt", text=text),
        source_path="wire.txt",
        file_hash="h",
        run_id="r",
        ingested_at=REF,
        rules=load_rules(None),
        model=default_model(),
    )
    return built.row, built.removed


@pytest.mark.parametrize(
    ("opening", "place", "date_text", "agency"),
    [
        ("MARSEILLE, July 22 (Reuters) - Dock workers voted", "Marseille", "July 22", "Reuters"),
        ("SEOUL, July 22 (Yonhap) -- South Korea's exports rose", "Seoul", "July 22", "Yonhap"),
        ("BEIJING, Sept. 6 (Xinhua) -- China will", "Beijing", "Sept. 6", "Xinhua"),
        ("Rome, July 22, 2024 (AFP) - Italy's parliament", "Rome", "July 22, 2024", "AFP"),
        ("PARIS (AP) — French lawmakers approved", "Paris", None, "AP"),
        ("KYIV, Ukraine (AP) — Russia launched", "Kyiv, Ukraine", None, "AP"),
        ("Berlin (dpa) - The German government", "Berlin", None, "dpa"),
        ("Seoul: In a rare move, the", "Seoul", None, None),
    ],
)
def test_datelines_give_place_date_and_agency(
    opening: str, place: str, date_text: str | None, agency: str | None
) -> None:
    found = parse_dateline(opening)
    assert found is not None and (found.place, found.date, found.agency) == (place, date_text, agency)


def test_sentences_are_not_datelines() -> None:
    for text in ("However: the minister said", "the council: then it voted", "The Prime Minister - who spoke"):
        assert parse_dateline(text) is None, text


@pytest.mark.parametrize(
    ("line", "names", "reporters"),
    [
        ("(Reporting by Claire Dubois; Editing by Mark Potter)", ["Claire Dubois"], True),
        (
            "(Reporting by Claire Dubois and Paul Martin in Marseille; Additional reporting by Anna Weber in Paris; "
            "Writing by Tom Hale; Editing by Mark Potter)",
            ["Claire Dubois", "Paul Martin", "Tom Hale"],
            True,
        ),
        ("(Editing by Mark Potter)", [], True),
        ("Associated Press writer Sylvie Corbet contributed to this report.", ["Sylvie Corbet"], False),
        ("Jane Doe in London and John Roe in Rome contributed reporting.", ["Jane Doe", "John Roe"], False),
    ],
)
def test_credit_lines_name_their_reporters(line: str, names: list[str], reporters: bool) -> None:
    assert credit_names(line) == (names, reporters)


def test_ordinary_sentences_are_not_credit_lines() -> None:
    for line in (
        "He contributed to the fund for many years.",
        "Reporting on the war has been difficult, she said.",
        PROSE,
    ):
        assert credit_names(line) is None, line


def test_a_reuters_style_story() -> None:
    row, removed = _build(
        "French port workers extend strike over pension reform\n\nBy Claire Dubois\n\n4 minute read\n\n"
        "MARSEILLE, July 22 (Reuters) - Dock workers at France's largest Mediterranean port voted on Monday to "
        "extend their strike by another week.\n\n" + PROSE + "\n\n"
        "(Reporting by Claire Dubois and Paul Martin; Editing by Mark Potter)\n\n"
        "Our Standards: The Thomson Reuters Trust Principles."
    )
    assert row["dateline"] == "Marseille" and row["publisher"] == "Reuters"
    assert row["published_date"] == date(2024, 7, 22) and row["published_at_raw"] == "July 22"
    assert row["authors"] == ["Claire Dubois", "Paul Martin"]
    assert "Reporting by" not in row["body"] and "Our Standards" not in row["body"] and "minute read" not in row["body"]
    assert row["body"].startswith("MARSEILLE, July 22 (Reuters) - Dock workers")  # the dateline stays in the text
    assert {r["rule"] for r in removed} >= {"meta:credit", "agency_standards", "reading_time"}


def test_a_yonhap_style_story_with_its_signoff() -> None:
    row, removed = _build(
        "SEOUL, July 22 (Yonhap) -- South Korea's exports rose for a tenth straight month in July "
        "on strong demand for semiconductors, data showed Monday.\n\n" + PROSE + "\n\nkim@yna.co.kr\n(END)"
    )
    assert row["dateline"] == "Seoul" and row["published_date"] == date(2024, 7, 22)
    assert row["body"].endswith("over the summer.")
    assert {r["rule"] for r in removed} == {"reporter_email", "agency_signoff"}


def test_an_afp_style_story_with_a_desk_code_and_an_ap_contributor_line() -> None:
    afp, removed = _build(
        "Rome, July 22, 2024 (AFP) - Italy's parliament on Monday approved a reform of the "
        "justice system.\n\n" + PROSE + "\n\nbur-jm/sw"
    )
    assert afp["publisher"] == "AFP" and afp["published_date"] == date(2024, 7, 22)
    assert [r["rule"] for r in removed] == ["agency_desk_code"] and afp["body"].endswith("over the summer.")
    ap, _ = _build(
        "PARIS (AP) — French lawmakers approved a bill Tuesday that would tighten rules on short-term "
        "rentals.\n\n" + PROSE + "\n\nAssociated Press writer Sylvie Corbet contributed to this report."
    )
    assert ap["authors"] == ["Sylvie Corbet"] and "contributed" not in ap["body"]


def test_a_year_less_wire_date_never_lands_after_the_ingest_time() -> None:
    # "December 30" read on 23 July 2024 is last December's story, not next December's.
    row, _ = _build(
        "LONDON, December 30 (Reuters) - Britain's economy grew slightly in the last quarter of the "
        "year, official figures showed.\n\n" + PROSE
    )
    assert row["published_date"] == date(2023, 12, 30)
