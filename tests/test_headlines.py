"""The headline ranker on whole-page text: candidates, features, and its pick on a page it never saw."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from news_etl.articles import build_article
from news_etl.byline_lines import FEATURES as BYLINE_FEATURES
from news_etl.byline_lines import byline_features, default_byline_model, names_in, pick_byline
from news_etl.byline_lines import candidates as byline_candidates
from news_etl.cleaning import clean
from news_etl.headlines import (
    FEATURES,
    WINDOW_BELOW,
    body_start,
    candidates,
    default_title_model,
    pick_title,
    title_features,
    trail_headline,
)
from news_etl.linemodel import Ranker, Trees, default_model
from news_etl.reading import Record
from news_etl.ruleset import load_rules

from .conftest import article_step

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)

# A page's innerText: navigation, a teaser of another story, the headline, its standfirst (no full stop: the
# header rules take it for the headline, as they did on many dev pages), a byline and date, then the story.
PAGE = """Skip to main content
Home
World
Business
Sport
Most read: Storm closes mountain passes for a third day
Harbour Bridge Reopens After Two Years of Repairs
Commuters cheered as the first buses crossed the rebuilt span on Monday morning
By Maria Lopez
1 March 2026
The harbour bridge reopened on Monday after two years of repairs that cost the city more than it planned.
Engineers replaced every cable of the span, which carries sixty thousand vehicles a day across the harbour.
The mayor said the work would keep the bridge safe for another fifty years and thanked residents for their patience.
Newsletter
Sign up for our morning briefing"""


def test_candidates_are_the_lines_above_the_body() -> None:
    lines = ["Menu", "", "Headline here today", "First sentence of the story, which is long enough to be prose."]
    assert candidates(lines, 3) == [0, 2]
    x = title_features(lines, [0, 2], 3, {}, lines[3])
    assert x.shape == (2, len(FEATURES))
    assert x[1, FEATURES.index("above")] == 1 and x[0, FEATURES.index("above")] == 2


def test_candidates_reach_a_few_lines_below_the_body_start() -> None:
    # The paragraph taken for the body's start can be a kept cookie notice or teaser above the headline.
    lines = [
        "Menu",
        "We use cookies to give you the best experience on our site, as our policy explains.",
        "",
        "Headline",
    ]
    lines += [f"Paragraph {k} of the story." for k in range(WINDOW_BELOW + 2)]
    assert candidates(lines, 1) == [0, *range(3, 3 + WINDOW_BELOW)]
    x = title_features(lines, [0, 3], 1, {}, "")
    assert x[1, FEATURES.index("above")] == -1  # the next non-empty line below the start


def test_a_candidates_topic_is_weighed_against_the_other_candidates() -> None:
    # A related story shares the page's subject; the headline shares more of the body's words, and the
    # function words ("with", "over") count for neither.
    body = "Travis Kelce's teammate Rashee Rice dishes on Taylor Swift in a podcast with reporters this week."
    lines = [
        "Travis Kelce Spa Visit Resurfaces Amid Taylor Swift Romance",
        "Rashee Rice Dishes on Teammate Travis Kelce With Taylor Swift",
        "Masked Singer Winner Reacts With Shock Over Final",
        body,
    ]
    x = title_features(lines, [0, 1, 2], 3, {}, body)
    share, gap, overlap_gap = (FEATURES.index(f) for f in ("topic_share", "topic_gap", "overlap_gap"))
    assert x[1, share] == 1.0 and x[2, share] == 0.0
    assert x[0, share] == 0.5  # travis, kelce, taylor, swift of travis, kelce, visit, resurfaces, amid, ..., romance
    assert list(x[:, gap]) == [-0.5, 0.0, -1.0]
    assert x[2, FEATURES.index("body_overlap")] == 0.125  # "with": the function word the topic leaves out
    assert x[1, overlap_gap] == 0.0 and x[2, overlap_gap] == -0.875


def test_a_headline_and_its_standfirst_are_told_apart_by_their_neighbours() -> None:
    lines = [
        "Harbour Bridge Reopens After Two Years of Repairs",
        "Commuters cheered as the first buses crossed the rebuilt span on Monday morning",
        "By Maria Lopez",
        "The harbour bridge reopened on Monday after two years of repairs that cost the city more than it planned.",
    ]
    x = title_features(lines, [0, 1], 3, {}, lines[3])
    prev, longer = FEATURES.index("prev_headline"), FEATURES.index("next_longer")
    assert x[0, prev] == 0 and x[1, prev] == 1  # the standfirst sits under a headline-shaped line
    assert x[0, longer] > 0.4 and x[1, longer] < -1  # the headline has a longer line under it, the standfirst not


def test_the_headline_shares_its_ledes_words_and_a_related_storys_does_not() -> None:
    lede = "The council voted on Monday to close the old harbour bridge after engineers found cracks in it."
    later = " ".join(["Senators said the border deal was close, and talks on the deal went on all week."] * 20)
    lines = ["Senator reveals snag in border deal talks", "Council votes to close old harbour bridge", "By Jane Roe"]
    opening = " ".join([lede] * 7)  # the first 600 characters of the body
    x = title_features([*lines, opening], [0, 1], 3, {}, f"{opening}\n{later}")
    lede_overlap, body_overlap = FEATURES.index("lede_overlap"), FEATURES.index("body_overlap")
    assert x[1, lede_overlap] == 0.8 and x[0, lede_overlap] == 0.0  # "votes" is not in the lede, "voted" is
    assert x[0, body_overlap] == 0.5  # the whole body shares the related story's words: the lede tells them apart


def test_lines_a_rule_names_as_furniture_are_no_headline_candidates() -> None:
    text = "\n".join(
        [
            "Watch: The moment the old bridge was closed",
            "Harbour Bridge Reopens After Two Years of Repairs",
            "Commuters queue at the bridge. Picture: Jane Doe/Getty Images",
            "The harbour bridge reopened on Monday after two years of repairs that cost the city more than it planned.",
            "Engineers replaced every cable of the span, which carries sixty thousand vehicles a day across it.",
        ]
    )
    cleaned = clean(text, load_rules(), preassigned={1: "meta:title"}, model=default_model())
    furniture = cleaned.named_furniture()
    assert furniture == frozenset({0, 2})  # the teaser and the credit; not the metadata's headline line
    lines = text.split("\n")
    assert candidates(lines, 3) == [0, 1, 2, 4]
    assert candidates(lines, 3, furniture) == [1, 4]


def test_body_start_is_the_first_sentence_paragraph() -> None:
    lines = ["Short line", "A long first sentence of the body goes on for more than twelve words in all, ending."]
    assert body_start(lines, ["Short line", lines[1]]) == 1
    assert body_start(lines, []) is None
    # A headline the cleaner kept is no sentence paragraph, long as it is and ending like a sentence.
    headline = "4 Siblings Killed In 'Head-On' Crash -- Allegedly By Drunk Driver With FOUR Previous DUIs!"
    story = "Four siblings were killed on Sunday when a driver crossed the centre line, police said on Monday."
    assert body_start(["Viral News", headline, story], ["Viral News", headline, story]) == 2
    shout = "We Will Fight Them On The Beaches, He Told The Crowd Of Thousands Gathered In The Square!"
    assert body_start([shout], [shout]) == 0  # no sentence after it: the first paragraph, as before


def _built(title_model):
    return article_step(PAGE, AT, line_model=True, title_model=title_model)


def test_the_ranker_picks_the_headline_where_the_header_rules_take_the_standfirst() -> None:
    ranker = default_title_model()
    assert ranker is not None
    # The rules alone take the standfirst; a page this short is a brief, whose prose it is: it stays in the body.
    rules_only = _built(None).row
    assert rules_only["title"] is None and rules_only["body"].startswith("Commuters cheered")
    built = _built(ranker)
    assert built.row["title"] == "Harbour Bridge Reopens After Two Years of Repairs"
    assert built.row["authors"] == ["Maria Lopez"]
    assert "The harbour bridge reopened on Monday" in built.row["body"]
    assert "Harbour Bridge Reopens" not in built.row["body"]
    # The standfirst the rules had taken is no title once the ranker's headline replaces it: the cleaner judges it
    # as any line of the page (here a brief's prose: it stays), and no removed row calls it the title.
    assert built.row["body"].startswith("Commuters cheered")
    assert [r["line_text"] for r in built.removed if r["rule"] == "meta:title"] == [built.row["title"]]


def test_an_unsure_pick_fills_a_missing_title_but_replaces_no_rules_title() -> None:
    lines = PAGE.split("\n")
    start = body_start(lines, [ln for ln in lines if ln.startswith(("The harbour", "Engineers", "The mayor"))])
    assert start is not None
    # Trees without a tree score every candidate the same: 3%, under the threshold of 10%, over 1%.
    unsure = Trees(math.log(0.03 / 0.97), 0.1, [])
    ranker = Ranker(unsure, threshold=0.10, unopposed_threshold=0.01)
    body = "\n".join(lines[start:])

    def pick(rules_title: str | None, model: Ranker = ranker) -> int | None:
        return pick_title(model, lines, start, {}, body, frozenset(), rules_title)

    assert pick("Commuters cheered as the first buses crossed the rebuilt span on Monday morning") is None
    assert pick(None) is not None and pick("") is not None
    # A model file without the second threshold: the same threshold either way.
    assert pick(None, Ranker(unsure, threshold=0.10)) is None
    old_file = {"model": {"base_score": 0.0, "learning_rate": 0.1, "trees": []}, "threshold": 0.1}
    assert Ranker.from_json(old_file).unopposed_threshold is None
    shipped = default_title_model()
    assert shipped is not None and shipped.unopposed_threshold is not None
    assert shipped.unopposed_threshold <= shipped.threshold


def test_names_in_undoes_the_gluing_of_page_furniture() -> None:
    assert names_in("ByYi-Jin Yu") == ["Yi-Jin Yu"]
    assert names_in("Karen Gilchrist@_karengilchrist") == ["Karen Gilchrist"]
    assert names_in("Tyrese GriffinOct 17, 20235757 Shares97579 Views") == ["Tyrese Griffin"]
    assert names_in("Jeremy Schneider | NJ Advance Media For NJ.com") == ["Jeremy Schneider"]
    assert names_in("by Bob Yirka , Phys.org") == ["Bob Yirka"]
    assert names_in("Deborah NetburnStaff Writer") == ["Deborah Netburn"]
    assert names_in("Ronald McDonald") == ["Ronald McDonald"]  # a capital inside a name is no seam
    # A name glued to a word of prose is cut there even when the rest would parse as names too.
    assert names_in("By Sandhya KambhampatiData and Graphics Journalist") == ["Sandhya Kambhampati"]
    assert names_in("Steven RuppWriterManufacturerPhotographerAlan MuirIllustrator") == ["Steven Rupp"]
    assert names_in("By Jane Doe and John FitzGerald") == ["Jane Doe", "John FitzGerald"]  # "Gerald" is a name
    assert names_in("Maria LopezDaily Telegraph & Gazette") == ["Maria Lopez"]  # glued to her paper
    assert names_in("IndieWire") == ["IndieWire"]  # a brand's own capital: no full name before it
    assert names_in("The harbour bridge reopened on Monday after two years of repairs, the city said.") == []
    # The byline's segment wherever it stands; a separator or date after the names ends them.
    assert names_in("at 9:05 am | By Dana Park") == ["Dana Park"]
    assert names_in("By Nora Vance •") == ["Nora Vance"]
    assert names_in("By Nora Vance Mar 4, 2026 9:00 AMTopics") == ["Nora Vance"]
    assert names_in("Mar 4, 2026 By Nora Vance") == ["Nora Vance"]
    # A weekday before the date is the date's, not a name ("Fri 22 Dec 2023 12.10 CET" had given "Fri").
    assert names_in("Fri 4 Mar 2026 12.10 CET") == []
    assert names_in("By Nora Vance Thu 4 Mar 2026") == ["Nora Vance"]
    assert names_in("By Yang Sun Mar 4, 2026") == ["Yang Sun"]  # unless no full name is left
    # A role after the glue cuts there though its first word is no common word ("Showbiz").
    assert names_in("Tom ReyesShowbiz & TV Reporter") == ["Tom Reyes"]


def test_a_by_alone_is_no_candidate_and_marks_the_line_under_it() -> None:
    lines = ["Harbour bridge reopens after two years", "By", "Maria Lopez", "Most read", "Anna Berg"]
    lines.append("The harbour bridge reopened on Monday after two years of repairs that cost more than planned.")
    cands = byline_candidates(lines, 5)
    assert [i for i, _ in cands] == [2, 4]
    X = byline_features(lines, cands, 5, 0, {}, lines[5])
    starts_by = BYLINE_FEATURES.index("starts_by")
    assert X[0, starts_by] == 1.0 and X[1, starts_by] == 0.0


def test_a_byline_candidate_under_a_by_alone_takes_the_names_joined_below_it() -> None:
    lines = ["Harbour bridge reopens after two years", "By", "Maria Lopez", "and", "Anna Berg", "Most read"]
    lines.append("The harbour bridge reopened on Monday after two years of repairs that cost more than planned.")
    cands = byline_candidates(lines, 6)
    assert (2, ["Maria Lopez", "Anna Berg"]) in cands
    assert 4 not in [i for i, _ in cands]  # "Anna Berg" is the byline's second name, no candidate of its own
    # Without the "By" above, the line is read alone.
    assert (1, ["Maria Lopez"]) in byline_candidates([ln for ln in lines if ln != "By"], 5)


def test_a_photographers_credit_is_no_byline_candidate() -> None:
    prose = "The harbour bridge reopened on Monday after two years of repairs that cost more than planned."
    lines = ["Harbour bridge reopens after two years", "Stephanie Arnett/MITTR | Envato", "Lance Yamamoto / SFGATE"]
    assert byline_candidates([*lines, prose], 3) == []
    # A byline opens with "By", slash or not; a name alone is a candidate.
    assert byline_candidates([lines[0], "By Maria Lopez/AP", "Anna Berg", prose], 3) == [
        (1, ["Maria Lopez", "AP"]),
        (2, ["Anna Berg"]),
    ]


def test_the_byline_ranker_finds_a_name_glued_to_its_role() -> None:
    page = PAGE.replace("By Maria Lopez", "Maria LopezStaff Writer")
    record = Record(record_index=0, source_format="txt", text=page)
    common = {"source_path": "p.txt", "file_hash": "h", "run_id": "r", "ingested_at": AT, "rules": load_rules(None)}
    without = build_article(record, **common, model=default_model(), title_model=default_title_model())
    assert without.row["authors"] == []  # the header rules find no byline there
    ranker = default_byline_model()
    assert ranker is not None
    built = build_article(
        record, **common, model=default_model(), title_model=default_title_model(), byline_model=ranker
    )
    assert built.row["authors"] == ["Maria Lopez"]
    assert "Maria Lopez" not in built.row["body"]


def test_menu_words_are_no_names() -> None:
    # rules/names.yaml: a "name" made only of page-furniture words is a menu item.
    for line in ("Home World Sport", "Sign Out", "Linked In", "Related Topics"):
        assert names_in(line) == [], line
    assert names_in("By Will Home") == ["Will Home"]  # one word that is no furniture: a name


_HTML = """<html><head><title>Harbour Bridge Reopens After Two Years of Repairs | The Daily Example</title></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<header><h1>Harbour Bridge Reopens After Two Years of Repairs</h1>
<div><span>Maria Lopez</span><span>Transport Correspondent</span></div><div>1 March 2026</div></header>
<article>PARAGRAPHS</article><footer><p>Newsletter</p><p>Sign up for our morning briefing</p></footer></body></html>"""


def test_an_html_page_whose_markup_names_no_author_gets_the_byline_of_its_visible_lines() -> None:
    from news_etl.reading import parse_bytes
    from news_etl.settings import Limits

    paragraphs = [line for line in PAGE.splitlines() if line.startswith(("The harbour", "Engineers", "The mayor"))]
    html = _HTML.replace("PARAGRAPHS", "".join(f"<p>{p}</p>" for p in paragraphs))
    records, _ = parse_bytes(html.encode(), "page.html", Limits())
    record = records[0]
    assert not record.authors and record.page_text  # the byline is outside the main text and the markup
    common = {"source_path": "p.html", "file_hash": "h", "run_id": "r", "ingested_at": AT, "rules": load_rules(None)}
    rankers = {"model": default_model(), "title_model": default_title_model()}
    assert build_article(record, **common, **rankers).row["authors"] == []  # without the byline ranker
    built = build_article(record, **common, **rankers, byline_model=default_byline_model())
    assert built.row["authors"] == ["Maria Lopez"]
    assert "Maria Lopez" not in built.row["body"]


def test_byline_features_see_names_made_of_common_words() -> None:
    from news_etl.byline_lines import FEATURES as BYLINE_FEATURES
    from news_etl.byline_lines import byline_features

    lines = ["Golf Week", "Craig Meyer", "The first sentence of the story is long enough to be a sentence of prose."]
    cands = [(0, names_in(lines[0])), (1, names_in(lines[1]))]
    X = byline_features(lines, cands, 2, None, {}, lines[2])
    share, only = BYLINE_FEATURES.index("common_share"), BYLINE_FEATURES.index("all_common")
    assert X[0, share] == 1.0 and X[0, only] == 1.0  # words news prose writes in lower case: a section
    assert X[1, share] == 0.0 and X[1, only] == 0.0  # a name


def test_a_skip_link_is_furniture_and_never_a_headline() -> None:
    from news_etl.metadata import is_headline

    rule = load_rules(None).match("Skip to main content")
    assert rule is not None and rule.name == "skip_link"
    assert not is_headline("Skip to content")
    assert is_headline("Skipper Rescued After Three Days Adrift")
    assert load_rules(None).match("Skip to the end of the war, he said, and you see what it cost the city.") is None


def test_a_markup_author_that_is_the_publisher_gives_way_to_the_pages_byline() -> None:
    from news_etl.reading import parse_bytes
    from news_etl.settings import Limits

    paragraphs = [line for line in PAGE.splitlines() if line.startswith(("The harbour", "Engineers", "The mayor"))]
    ld = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
        '"author":{"@type":"Organization","name":"The Daily Example"},'
        '"publisher":{"@type":"Organization","name":"The Daily Example"}}</script></head>'
    )
    html = _HTML.replace("PARAGRAPHS", "".join(f"<p>{p}</p>" for p in paragraphs)).replace("</head>", ld)
    common = {"source_path": "p.html", "file_hash": "h", "run_id": "r", "ingested_at": AT, "rules": load_rules(None)}
    models = {"model": default_model(), "title_model": default_title_model(), "byline_model": default_byline_model()}

    def authors(page: str) -> list[str]:
        records, _ = parse_bytes(page.encode(), "page.html", Limits())
        assert records[0].authors == ["The Daily Example"]
        return build_article(records[0], **common, **models).row["authors"]

    assert authors(html) == ["Maria Lopez"]  # the person the page names
    no_byline = html.replace("<div><span>Maria Lopez</span><span>Transport Correspondent</span></div>", "")
    assert authors(no_byline) == ["The Daily Example"]  # no person on the page: the publisher stays


def test_an_outlet_with_an_ampersand_in_the_markup_gives_way_to_the_pages_byline() -> None:
    """The markup's author is the paper ("The Daily Telegraph & Gazette"), whose "&" joins no second writer, and
    the page glues the paper's name after the reporter's: the reporter is the author."""
    from news_etl.reading import parse_bytes
    from news_etl.settings import Limits

    paragraphs = [line for line in PAGE.splitlines() if line.startswith(("The harbour", "Engineers", "The mayor"))]
    paper = "The Daily Telegraph &amp; Gazette"
    ld = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
        f'"author":{{"@type":"Organization","name":"{paper}"}},'
        f'"publisher":{{"@type":"Organization","name":"{paper}"}}}}</script></head>'
    )
    html = _HTML.replace("PARAGRAPHS", "".join(f"<p>{p}</p>" for p in paragraphs)).replace("</head>", ld)
    byline = "<span>Maria Lopez</span> <span>Daily Telegraph &amp; Gazette</span>"
    html = html.replace("<span>Maria Lopez</span><span>Transport Correspondent</span>", byline)
    common = {"source_path": "p.html", "file_hash": "h", "run_id": "r", "ingested_at": AT, "rules": load_rules(None)}
    models = {"model": default_model(), "title_model": default_title_model(), "byline_model": default_byline_model()}
    records, _ = parse_bytes(html.encode(), "page.html", Limits())
    assert records[0].authors == ["The Daily Telegraph & Gazette"]
    assert build_article(records[0], **common, **models).row["authors"] == ["Maria Lopez"]


def test_a_breadcrumb_trail_gives_way_to_the_headline_it_ends_with() -> None:
    lines = [
        "Home News Crime Storm closes mountain passes for a third day",
        "Posted by Maria Lopez",
        "Storm closes mountain passes for a third day",
        "Snow and high winds closed the three passes again on Thursday, the roads agency said in a statement.",
    ]
    assert trail_headline(lines, 0) == 2
    assert trail_headline(lines, 2) == 2  # the headline itself stays
    # A line that merely ends like a shorter one, after a long stretch of words, is no trail.
    long = ["The council said on Monday that it would vote on the plan for a third day", "for a third day"]
    assert trail_headline(long, 0) == 0


def test_an_outlet_listed_beside_its_reporter_is_no_author() -> None:
    from news_etl.bylines import without_outlets

    assert without_outlets(["Margaret Schmidt", "The Jersey Journal"]) == ["Margaret Schmidt"]
    assert without_outlets(["Jeremy Schneider", "NJ Advance Media For NJ.com"]) == ["Jeremy Schneider"]
    assert without_outlets(["Ana Ruiz", "Lee Park", "Financial Times"]) == ["Ana Ruiz", "Lee Park"]
    # An outlet named alone is the only credit there is; news agencies stay authors; surnames stay names.
    assert without_outlets(["The Worcester Telegram"]) == ["The Worcester Telegram"]
    assert without_outlets(["Jane Doe", "Reuters"]) == ["Jane Doe", "Reuters"]
    assert without_outlets(["Emily Post", "John Press"]) == ["Emily Post", "John Press"]


def test_an_html_page_whose_markup_lists_the_paper_beside_the_reporter() -> None:
    from news_etl.reading import parse_bytes
    from news_etl.settings import Limits

    ld = (
        '{"@type":"NewsArticle","author":[{"@type":"Person","name":"Jane Roe"},'
        '{"@type":"Organization","name":"The Example Journal"}]}'
    )
    page = _HTML.replace("</head>", f'<script type="application/ld+json">{ld}</script></head>')
    records, _ = parse_bytes(page.encode(), "page.html", Limits())
    assert records[0].authors == ["Jane Roe", "The Example Journal"]
    row = build_article(
        records[0],
        source_path="p",
        file_hash="h",
        run_id="r",
        ingested_at=AT,
        rules=load_rules(),
        model=default_model(),
    ).row
    assert row["authors"] == ["Jane Roe"]
    assert any("'The Example Journal'" in r and "outlet" in r for r in row["repairs"])


def test_the_note_of_a_dropped_outlet_is_bounded() -> None:
    text = "The council met on Monday and agreed the budget for the coming year.\nIt will vote again in March."
    huge = "The " + "X" * 10_000_000
    rec = Record(record_index=0, source_format="html", text=text, authors=["Jane Roe", huge])
    row = build_article(rec, source_path="p", file_hash="h", run_id="r", ingested_at=AT, rules=load_rules()).row
    assert row["authors"] == ["Jane Roe"]
    assert row["repairs"] and all(len(r) < 300 for r in row["repairs"])
    assert any("is no name" in r for r in row["repairs"])  # longer than any byline (MAX_BYLINE_CHARS): said so
    # An outlet within that length is dropped beside the person as an outlet, its note bounded too.
    rec = Record(record_index=0, source_format="html", text=text, authors=["Jane Roe", "The " + "X" * 900])
    row = build_article(rec, source_path="p", file_hash="h", run_id="r", ingested_at=AT, rules=load_rules()).row
    assert row["authors"] == ["Jane Roe"] and any("is the outlet" in r and len(r) < 300 for r in row["repairs"])


class _FirstCandidate:
    """A ranker stub that takes the first candidate line, top to bottom."""

    def best(self, X):
        return 0 if len(X) else None


def test_the_headline_line_is_no_byline_unless_it_is_nothing_but_names() -> None:
    prose = "Officials said on Monday that the two countries had agreed to hold talks on defence ties next year."
    lines = ["India, Japan hold talks on defence ties", "", "By Jane Doe", "", prose]
    assert pick_byline(_FirstCandidate(), lines, 4, 0, {}, prose) == (2, ["Jane Doe"])
    # A title picked from a line of names was the wrong pick: the line stays the byline's candidate.
    lines = ["Nika Simovich Fisher", "", "Generative AI has ushered in a new phase", "", prose]
    assert pick_byline(_FirstCandidate(), lines, 4, 0, {}, prose) == (0, ["Nika Simovich Fisher"])


def test_a_tag_naming_the_headlines_subject_is_no_byline() -> None:
    prose = "The actor brought his daughter to the premiere on Monday, where the pair posed for photographers."
    headline = "Bradley Cooper's Daughter Makes Rare Red Carpet Appearance"
    lines = ["Bradley Cooper", headline, "By Jane Doe", prose]
    assert pick_byline(_FirstCandidate(), lines, 3, 1, {}, prose) == (2, ["Jane Doe"])
    assert pick_byline(_FirstCandidate(), [*lines[:2], prose], 2, 1, {}, prose) is None
    # Without a headline to compare with, the name line stays a candidate.
    assert pick_byline(_FirstCandidate(), lines, 3, None, {}, prose) == (0, ["Bradley Cooper"])


def test_the_headline_above_the_body_is_looked_for_above_its_first_sentence() -> None:
    from news_etl.text_header import headline_above

    story = "Four siblings were killed on Sunday when a driver crossed the centre line, police said on Monday."
    lines = ["Viral News", "Siblings Killed In Crash -- Allegedly By Drunk Driver With Four Previous Convictions!"]
    lines.append(story)
    start = body_start(lines, lines, or_first=False)
    assert start == 2 and headline_above(lines, {}, start, lambda line: False) == 1
    assert body_start(lines[:2], lines[:2], or_first=False) is None  # no sentence: no start, no headline
    assert headline_above(lines, {}, None, lambda line: False) is None
