"""Wire-service conventions: datelines with agency tags and dates, credit lines, sign-offs and desk codes belong
in metadata, not in the body. The examples are written here in each agency's style (none are in newsbench)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from news_etl.credits import credit_names
from news_etl.datelines import parse_dateline, place_alone, strip_wire_tag
from news_etl.reading import Record

from .conftest import article_step

REF = datetime(2024, 7, 23, 9, 0, tzinfo=UTC)
PROSE = (
    "Officials said the measure would take effect next month after a final vote in the upper house, and that "
    "talks with the unions would continue over the summer."
)


def _build(text: str, url: str | None = None) -> tuple[dict, list[dict]]:
    built = article_step(Record(record_index=0, source_format="txt", text=text, url=url), REF, line_model=True)
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
        ("Vina del Mar (Chile) (AFP) - Forest fires", "Vina del Mar, Chile", None, "AFP"),
        ("RIO DE JANEIRO (AP) — Brazil's", "Rio de Janeiro", None, "AP"),
        ("WASHINGTON, D.C. (AP) — The", "Washington, D.C.", None, "AP"),
        ("Frankfurt am Main (dpa) - Die", "Frankfurt am Main", None, "dpa"),
        ("New Delhi, Jul 1 (PTI) The Monsoon session", "New Delhi", "Jul 1", "PTI"),
        ("Madrid, 5 Dec (EFE).- Spain's", "Madrid", "5 Dec", "EFE"),
        ("(ANSA) - ROME, DEC 5 - Italy's Senate", "Rome", "DEC 5", "ANSA"),
        ("(Bloomberg) -- Stocks fell", None, None, "Bloomberg"),
        ("Dec. 5 (UPI) -- The", None, "Dec. 5", "UPI"),
        ("Jan 5 (Reuters) - Tesla", None, "Jan 5", "Reuters"),
        ("MOSCOW. Dec 5 (Interfax) - Russia's", "Moscow", "Dec 5", "Interfax"),
        ("MOSCOW, December 5. /TASS/. Russia's central bank", "Moscow", "December 5", "TASS"),
        ("LONDON/SINGAPORE, Nov 28 (Reuters) - Oil prices rose", "London/Singapore", "Nov 28", "Reuters"),
        ("New Delhi [India], July 22 (ANI): India and Japan", "New Delhi, India", "July 22", "ANI"),
        ("SÃO PAULO, July 22 (Reuters) - Brazil's", "São Paulo", "July 22", "Reuters"),
        ("Zürich (dpa) - Swiss voters", "Zürich", None, "dpa"),
    ],
)
def test_datelines_give_place_date_and_agency(
    opening: str, place: str | None, date_text: str | None, agency: str | None
) -> None:
    found = parse_dateline(opening)
    assert found is not None and (found.place, found.date, found.agency) == (place, date_text, agency)


def test_only_a_paragraphs_head_is_read_for_a_dateline() -> None:
    assert parse_dateline("A" * 1_000_000) is None
    found = parse_dateline("PARIS (AP) — " + "Word " * 200_000)
    assert found is not None and found.place == "Paris" and found.agency == "AP"


def test_sentences_are_not_datelines() -> None:
    for text in (
        "However: the minister said",
        "the council: then it voted",
        "The Prime Minister - who spoke",
        "Mr. Smith went home",
        "Paris (France) The city",  # no dash after a tag that is no agency's
        "(Photo) - The mayor",  # no place and no agency
        "Seoul In a rare move",
        "TOKYO. The market opened lower",  # a full stop after a place is no dateline without an agency's tag
    ):
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
        ("Reporting by David Milliken; editing by William Schomberg", ["David Milliken"], True),
        (
            "To contact the reporters on this story: Jane Doe in London at jdoe@bloomberg.net; John Roe in Paris at "
            "jroe@bloomberg.net",
            ["Jane Doe", "John Roe"],
            True,
        ),
        ("To contact the editors responsible for this story: Lynn Thomas at lthomas@bloomberg.net", [], True),
        ("--With assistance from Alex Longley and Grant Smith.", ["Alex Longley", "Grant Smith"], False),
        ("-- AFP", ["AFP"], False),
        ("— Reuters", ["Reuters"], False),
        ("(Kyodo)", ["Kyodo"], False),  # a paper's credit to an agency, in parentheses or alone
        ("BERNAMA", ["Bernama"], False),
        ("AFP", ["AFP"], False),
        ("-- KUNA", ["KUNA"], False),  # a national agency by its tag (rules/names.yaml)
        ("(Antara)", ["Antara"], False),
        (
            "Associated Press writers Jane Doe in New York and John Roe in Chicago contributed.",
            ["Jane Doe", "John Roe"],
            False,
        ),
        ("Australian Associated Press", ["Australian Associated Press"], False),
        ("— With files from The Canadian Press", ["The Canadian Press"], False),
        ("With files from Reuters and Jane Doe", ["Reuters", "Jane Doe"], False),
        ("This report by The Canadian Press was first published July 22, 2024.", ["The Canadian Press"], False),
        # AP's line naming where its reporters were: a surname alone repeats the byline's reporter.
        ("Beck reported from Omaha, Nebraska.", [], False),
        ("Jane Doe reported from Paris and John Roe from Lyon.", ["Jane Doe", "John Roe"], False),
    ],
)
def test_credit_lines_name_their_reporters(line: str, names: list[str], reporters: bool) -> None:
    assert credit_names(line) == (names, reporters)


def test_ordinary_sentences_are_not_credit_lines() -> None:
    for line in (
        "He contributed to the fund for many years.",
        "Reporting on the war has been difficult, she said.",
        "Apple reported from Cupertino that sales fell.",
        "Smith reported from the scene.",
        "Reuters Photo",
        "Many people contributed.",
        "With files from the past, he built a case against the company.",
        "(Photo)",
        "Associated",
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


def test_an_ap_style_story_with_a_shouted_byline_and_its_agency_glued_on() -> None:
    row, removed = _build(
        "Storm knocks out power to thousands\n\nBy MARTHA BELLISLE Associated Press\n\n"
        "SEATTLE (AP) — A powerful windstorm swept through the Pacific Northwest on Monday, officials said.\n\n" + PROSE
    )
    assert row["authors"] == ["Martha Bellisle", "Associated Press"] and row["dateline"] == "Seattle"
    assert "BELLISLE" not in row["body"] and {r["rule"] for r in removed} >= {"meta:byline"}


def test_service_lines_of_dpa_and_pti_leave_the_body_and_name_nobody() -> None:
    dpa, removed = _build(
        "Berlin (dpa) - Germany's rail operator said on Tuesday that train drivers would strike.\n\n"
        + PROSE
        + "\n\ndpa ab xx n1 gl"
    )
    assert dpa["publisher"] == "dpa" and dpa["body"].endswith("over the summer.")
    assert [r["rule"] for r in removed] == ["agency_service_code"]
    pti, removed = _build(
        "Monsoon session to begin on July 20\n\nNew Delhi, Jul 1 (PTI) The Monsoon session of Parliament will "
        "begin on July 20, the minister said on Saturday.\n\n" + PROSE + "\n\nPTI ABC DEF"
    )
    assert pti["publisher"] == "PTI" and pti["dateline"] == "New Delhi" and pti["authors"] == []
    assert pti["published_date"] == date(2024, 7, 1) and "ABC" not in pti["body"]
    assert "agency_service_code" in {r["rule"] for r in removed}


def test_the_wire_tag_names_the_publisher_before_a_reporters_email_but_not_before_the_page() -> None:
    text = "SEOUL, July 22 (Yonhap) -- Exports rose for a tenth month.\n\n" + PROSE + "\n\nkim@yna.co.kr\n(END)"
    row, _ = _build(text)
    assert row["publisher"] == "Yonhap"
    page, _ = _build(text.split("\n\nkim@")[0], url="https://koreatimes.example/x")
    assert page["publisher"] == "koreatimes.example"  # the paper that ran the agency's story


def test_an_ap_byline_with_the_agency_on_its_own_line_and_a_xinhua_enditem() -> None:
    ap, removed = _build(
        "Lawmakers reach deal on border bill\n\nBy LISA MASCARO and MARY CLARE JALONICK\n\nAssociated Press\n\n"
        "WASHINGTON (AP) — Senate negotiators reached a tentative deal Sunday on a border package.\n\n" + PROSE
    )
    # The agency's line is part of the byline: out of the body, so the first paragraph's dateline is read.
    assert ap["body"].startswith("WASHINGTON (AP)") and ap["dateline"] == "Washington" and ap["publisher"] == "AP"
    assert ap["authors"][:2] == ["Lisa Mascaro", "Mary Clare Jalonick"]
    xinhua, removed = _build(
        "BEIJING, Dec. 7 (Xinhua) -- China's exports rose 3 percent in November, data showed.\n\n"
        + PROSE
        + "\n\nEnditem"
    )
    assert xinhua["publisher"] == "Xinhua" and xinhua["published_date"] == date(2023, 12, 7)
    assert [r["rule"] for r in removed] == ["agency_signoff"] and xinhua["body"].endswith("over the summer.")


def test_a_kyodo_signoff_and_an_ap_reported_from_line_leave_the_body() -> None:
    kyodo, removed = _build(
        "TOKYO, Dec. 5 (Kyodo) -- Japan plans to raise defense spending.\n\n" + PROSE + "\n\n==Kyodo"
    )
    assert kyodo["publisher"] == "Kyodo" and kyodo["body"].endswith("over the summer.")
    assert [r["rule"] for r in removed] == ["agency_signoff"]
    ap, _ = _build(
        "Storm knocks out power across Midwest\n\nBy JOHN HANNA and MARGERY A. BECK Associated Press\n\n"
        "TOPEKA, Kan. (AP) — A winter storm knocked out power on Tuesday.\n\n"
        + PROSE
        + "\n\nBeck reported from Omaha, Nebraska."
    )
    assert ap["body"].endswith("over the summer.") and ap["authors"][:2] == ["John Hanna", "Margery A. Beck"]


def test_a_bloomberg_style_story_names_its_reporter_from_the_contact_footer() -> None:
    row, removed = _build(
        "Oil Extends Gains as OPEC+ Signals Deeper Cuts\n\n(Bloomberg) -- Oil rose for a third day as OPEC+ "
        "signaled it may deepen supply cuts.\n\n" + PROSE + "\n\n___\n\n"
        "--With assistance from Alex Longley and Grant Smith.\n\n"
        "To contact the reporter on this story: Julia Fanzeres in New York at jfanzeres@bloomberg.net\n\n"
        "To contact the editors responsible for this story: Lynn Thomas at lthomas@bloomberg.net"
    )
    assert row["authors"] == ["Julia Fanzeres"] and row["publisher"] == "Bloomberg" and row["dateline"] is None
    assert row["body"].endswith("over the summer.")
    assert [r["rule"] for r in removed].count("meta:credit") == 3 and "separator" in {r["rule"] for r in removed}


def test_a_newsrooms_credit_is_an_author_and_an_agency_signoff_credits_the_agency() -> None:
    staff, _ = _build("UK prices fall\n\nBy Reuters Staff\n\nLONDON (Reuters) - Prices fell in October.\n\n" + PROSE)
    assert staff["authors"] == ["Reuters Staff"] and staff["dateline"] == "London"  # the byline left the body
    afp, _ = _build("Heavy rains displaced thousands in eastern Kenya, the Red Cross said.\n\n" + PROSE + "\n\n-- AFP")
    assert afp["authors"] == ["AFP"] and afp["body"].endswith("over the summer.")


def test_service_lines_of_dw_and_xinhua_and_aps_funding_note_leave_the_body() -> None:
    dw, removed = _build(
        "Far right gains in eastern state polls\n\nThe AfD came first in a regional election in Thuringia, results "
        "showed on Sunday.\n\n" + PROSE + "\n\ndh/msm (AFP, Reuters)"
    )
    assert dw["body"].endswith("over the summer.") and dw["authors"] == []  # initials name nobody
    assert "agency_desk_code" in {r["rule"] for r in removed}
    xinhua, removed = _build(
        "BEIJING, July 22 (Xinhua) -- China's industrial output rose 5 percent in June.\n\n"
        + PROSE
        + "\n\nEditor: Liu Jie"
    )
    assert xinhua["body"].endswith("over the summer.") and xinhua["authors"] == []  # the editor wrote nothing
    assert [r["rule"] for r in removed] == ["editor_credit"]
    ap, removed = _build(
        "MIAMI (AP) — A storm hit the coast on Monday, forecasters said.\n\n" + PROSE + "\n\n"
        "Follow AP's coverage of climate at https://apnews.com/hub/climate\n\n"
        "The Associated Press’ climate coverage receives financial support from multiple private foundations. "
        "AP is solely responsible for all content."
    )
    assert ap["body"].endswith("over the summer.")
    assert [r["rule"] for r in removed] == ["agency_funding", "agency_funding"]


def test_a_papers_closing_credit_to_an_agency_names_it() -> None:
    kyodo, removed = _build("TOKYO, July 22 (Kyodo) -- Japan's cabinet approved a plan.\n\n" + PROSE + "\n\n(Kyodo)")
    assert kyodo["authors"] == ["Kyodo"] and kyodo["body"].endswith("over the summer.")
    assert [r["rule"] for r in removed] == ["meta:credit"]


def test_a_wires_version_tag_is_no_part_of_its_headline() -> None:
    yonhap, _ = _build(
        "(2nd LD) N. Korea fires ballistic missile into East Sea: JCS\n\nSEOUL, July 22 (Yonhap) -- North Korea "
        "fired a ballistic missile on Monday, the military said.\n\n" + PROSE + "\n\n(END)"
    )
    # The tag kept the headline from reading as one: it stayed in the body, and the dateline below it was lost.
    assert yonhap["title"] == "N. Korea fires ballistic missile into East Sea: JCS"
    assert yonhap["dateline"] == "Seoul" and yonhap["published_date"] == date(2024, 7, 22)
    assert yonhap["body"].startswith("SEOUL, July 22 (Yonhap)")
    reuters, _ = _build(
        "UPDATE 2-Oil falls as demand worries weigh\n\nLONDON, July 22 (Reuters) - Oil prices fell on Monday.\n\n"
        + PROSE
    )
    assert reuters["title"] == "Oil falls as demand worries weigh"
    kinds = {"EXCLUSIVE-Airline in talks to buy jets": "Airline in talks to buy jets", "FACTBOX-Key facts": "Key facts"}
    assert {tag: strip_wire_tag(tag) for tag in kinds} == kinds
    assert strip_wire_tag("Exclusive-minded buyers flock to auctions") == "Exclusive-minded buyers flock to auctions"


def test_a_headline_that_reads_as_names_is_not_the_byline() -> None:
    from news_etl.byline_lines import default_byline_model
    from news_etl.headlines import default_title_model

    built = article_step(
        "India, Japan hold talks on defence ties\n\nNew Delhi [India], July 22 (ANI): India and Japan on Monday "
        "held talks on defence cooperation, officials said.\n\n" + PROSE,
        REF,
        line_model=True,
        title_model=default_title_model(),
        byline_model=default_byline_model(),
    )
    assert built.row["title"] == "India, Japan hold talks on defence ties"
    assert built.row["authors"] == [] and built.row["dateline"] == "New Delhi, India"


def test_a_canadian_press_story_credits_the_agency_and_dates_itself_from_its_footer() -> None:
    row, removed = _build(
        "TORONTO — Canada's main stock index rose on Monday, led by energy shares.\n\n" + PROSE + "\n\n"
        "This report by The Canadian Press was first published July 22, 2024."
    )
    assert row["authors"] == ["The Canadian Press"] and row["published_date"] == date(2024, 7, 22)
    assert row["dateline"] == "Toronto" and row["body"].endswith("over the summer.")
    assert len(removed) == 1


def test_a_reuters_update_note_leaves_the_body_and_frees_the_dateline() -> None:
    row, removed = _build(
        "Oil falls on demand worries\n\n(Corrects spelling of analyst's name in paragraph 4)\n\n"
        "LONDON, July 22 (Reuters) - Oil prices fell on Monday on demand worries.\n\n" + PROSE + "\n\nSign up here."
    )
    assert row["dateline"] == "London" and row["published_date"] == date(2024, 7, 22)
    assert row["body"].startswith("LONDON, July 22") and row["body"].endswith("over the summer.")
    assert {r["rule"] for r in removed} >= {"wire_update_note", "newsletter_pitch"}


def test_an_afp_byline_with_a_second_reporter_and_a_place_names_both() -> None:
    row, _ = _build(
        "Floods kill dozens in Nigeria\n\nBy Aminu ABUBAKAR with Joe SMITH in Lagos\n\n"
        "Kano, Nigeria (AFP) – Floods killed dozens of people in northern Nigeria, officials said Monday.\n\n" + PROSE
    )
    assert row["authors"] == ["Aminu ABUBAKAR", "Joe SMITH"] and row["dateline"] == "Kano, Nigeria"


def test_an_ap_feed_slug_and_editors_note_are_no_headline_nor_dateline() -> None:
    row, removed = _build(
        "BC-US--Congress-Budget, 1st Ld-Writethru\n\nEds: UPDATES with Senate vote. With AP Photos.\n\n"
        "Senate passes budget bill\n\nBy LISA MASCARO\n\nWASHINGTON (AP) — The Senate passed a budget bill on "
        "Monday.\n\n" + PROSE
    )
    assert row["title"] == "Senate passes budget bill" and row["dateline"] == "Washington"
    assert row["body"].startswith("WASHINGTON (AP)") and [r["rule"] for r in removed][:2] == ["wire_slug"] * 2


def test_a_line_a_rule_names_is_no_headline_beside_the_byline() -> None:
    row, removed = _build(
        "By John Smith\n\n3 min read\n\nLONDON (Reuters) - Oil prices fell on Monday on demand worries.\n\n" + PROSE
    )
    assert row["title"] is None and ("reading_time", "3 min read") in {(r["rule"], r["line_text"]) for r in removed}


def test_a_flash_under_a_breaking_news_flag_keeps_its_dateline() -> None:
    row, removed = _build(
        "BREAKING NEWS\n\nNorth Korea fires missile, South's military says\n\nSEOUL, July 22 (Yonhap) -- North Korea "
        "fired an unidentified projectile, the South's military said.\n\n(END)"
    )
    assert row["dateline"] == "Seoul" and row["published_date"] == date(2024, 7, 22)
    assert row["body"].startswith("SEOUL") and "news_flag" in {r["rule"] for r in removed}


def test_a_reuters_credit_with_places_at_the_end_is_a_credit_not_a_byline() -> None:
    row, removed = _build(
        "LONDON, July 22 (Reuters) - Oil prices fell on Monday on demand worries.\n\n" + PROSE + "\n\n"
        "Reporting by John Smith in London and Ana Ruiz in Singapore; Editing by Kirsten Donovan"
    )
    assert row["authors"] == ["John Smith", "Ana Ruiz"]  # the reporters, not the editor
    assert [r["rule"] for r in removed] == ["meta:credit"]


def test_a_two_word_headline_above_a_byline_is_the_title() -> None:
    row, removed = _build(
        "Oil falls\n\nBy John Smith\n\n3 min read\n\nLONDON (Reuters) - Oil prices fell on Monday on demand "
        "worries.\n\n" + PROSE
    )
    assert row["title"] == "Oil falls" and row["authors"] == ["John Smith"]
    assert ("meta:title", "Oil falls") in {(r["rule"], r["line_text"]) for r in removed}
    # Without a byline under them, two words are a label ("World news"), as before: no title, no byline.
    row, _ = _build("World news\n\nLONDON (Reuters) - Oil prices fell on Monday on demand worries.\n\n" + PROSE)
    assert row["title"] is None


def test_a_place_alone_above_the_first_paragraph_is_the_dateline() -> None:
    # Anadolu's style: the city shouted on its own line between the header and the story.
    row, removed = _build(
        "Turkish central bank keeps its policy rate at 50 percent\n\nANKARA\n\nTürkiye's central bank kept its key "
        "interest rate unchanged on Thursday for a fourth month in a row.\n\n" + PROSE
    )
    assert row["dateline"] == "Ankara" and row["authors"] == []  # the place is no reporter either
    assert row["body"].startswith("Türkiye's central bank") and "ANKARA" not in row["body"]
    assert ("meta:dateline", "ANKARA") in {(r["rule"], r["line_text"]) for r in removed}
    opens = _build(
        "ISTANBUL\n\nTürkiye's exports rose 8 percent in May from a year earlier, the minister said.\n\n" + PROSE
    )
    assert opens[0]["dateline"] == "Istanbul" and opens[0]["body"].startswith("Türkiye's exports")


@pytest.mark.parametrize(
    ("line", "place"),
    [
        ("ANKARA", "Ankara"),
        ("PORT-AU-PRINCE", "Port-Au-Prince"),
        ("N'DJAMENA", "N'Djamena"),
        ("Ankara", None),  # not shouted: a word of a menu as often as a place
        ("POLITICS", None),  # a kicker: a word prose writes in lower case
        ("BREAKING", None),
        ("BERNAMA", None),  # an agency's credit
        ("CNN", None),  # too short for a place, the length of an outlet's or a ticker's name
        ("NEW YORK", None),  # two shouted words are as often a reporter's name
        ("A" * 100, None),  # no place's name is that long (a line of millions of capitals costs nothing)
    ],
)
def test_place_alone(line: str, place: str | None) -> None:
    assert place_alone(line) == place


def test_a_shouted_word_among_a_pages_menus_is_no_dateline() -> None:
    page = (
        "Home\n\nMarkets\n\nTech\n\nAAPL\n\nAMZN\n\nApple and Amazon shares rose on Monday after both companies "
        "reported stronger holiday sales than analysts had expected.\n\n" + PROSE
    )
    row, removed = _build(page)
    assert row["dateline"] is None and "meta:dateline" not in {r["rule"] for r in removed}
