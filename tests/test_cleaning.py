"""Unit tests of the rule-based cleaner on tiny inline texts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from news_etl.cleaning import BATCH_REPEAT, REPEATED_LINE, batch_repeats, clean, is_heading
from news_etl.ruleset import load_rules
from news_etl.text import count_words

RULES = load_rules()
PARA = "The minister said on Tuesday that the talks would continue next week in the capital city."


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Share this: Twitter", "share_widget"),
        ("Share on Facebook", "share_button"),
        ("WhatsApp", "social_network_names"),
        ("Facebook | Twitter | Email", "social_network_names"),
        ("Like this: Like Loading...", "like_widget"),
        ("Also Read: US Warns North Korea Against Selling Munitions To Russia", "also_read"),
        ("READ MORE: The other story", "also_read"),
        ("Keep Reading", "keep_reading"),
        ("Continue reading...", "keep_reading"),
        ("Related stories", "related_heading"),
        ("Most viewed articles", "most_viewed"),
        ("Please direct questions or comments to [english@hani.co.kr]", "contact_footer"),
        ("ADVERTISEMENT", "advertisement"),
        ("Officials met on Monday. (AP Photo/Jane Doe)", "photo_credit_caption"),
        ("Kim inspected a factory. (KCNA/Yonhap)", "photo_credit_caption"),
    ],
)
def test_rule_matches_boilerplate(line: str, rule: str) -> None:
    matched = RULES.match(line)
    assert matched is not None and matched.name == rule


@pytest.mark.parametrize(
    "line",
    [
        PARA,
        "Share prices rose 3% after the company reported record profits for the quarter.",
        "Twitter said it would review the policy, according to a spokesperson for the firm.",
        "Related to this, the ministry also announced new rules for exporters on Friday.",
        "He said the results were (in his view) disappointing.",
    ],
)
def test_rules_keep_article_sentences(line: str) -> None:
    assert RULES.match(line) is None


def test_max_words_protects_long_paragraphs() -> None:
    long_line = "Also read: " + " ".join(["word"] * 60)
    assert RULES.match(long_line) is None


def test_clean_records_every_removed_line_with_its_rule() -> None:
    text = f"{PARA}\n\nShare this: Twitter\n\nFacebook\n\n{PARA} Again.\n\nLike this: Like Loading..."
    result = clean(text, RULES)
    assert result.paragraphs == [PARA, PARA + " Again."]
    assert [(r.line_no, r.rule) for r in result.removed] == [
        (3, "share_widget"),
        (5, "social_network_names"),
        (9, "like_widget"),
    ]
    assert result.body == f"{PARA}\n\n{PARA} Again."


def test_repeated_line_is_removed_once_kept_once() -> None:
    text = f"A caption without a credit line here.\nA caption without a credit line here.\n{PARA}"
    result = clean(text, RULES)
    assert result.paragraphs == ["A caption without a credit line here.", PARA]
    assert [r.rule for r in result.removed] == [REPEATED_LINE]


def test_preassigned_lines_are_removed_with_their_reason() -> None:
    result = clean(f"My Headline Here\n{PARA}", RULES, preassigned={0: "meta:title"})
    assert result.paragraphs == [PARA]
    assert result.removed[0].rule == "meta:title"


def test_headings_are_kept_and_marked() -> None:
    text = f"Intro paragraph that is long enough to be prose, with many words in it today.\nImpact of Sanctions\n{PARA}"
    result = clean(text, RULES)
    assert "Impact of Sanctions" in result.paragraphs
    assert result.headings == ["Impact of Sanctions"]
    assert not is_heading("This is a sentence.", PARA)
    assert not is_heading("Impact of Sanctions", "Too short.")


def test_hard_wrapped_paragraphs_are_joined() -> None:
    wrapped = (
        "The committee met for three hours on Tuesday and agreed\n"
        "that the budget would be cut by ten percent over the\n"
        "next two years, officials said after the meeting ended\n"
        "in the capital.\n\n"
        "A second paragraph follows here with more words than\n"
        "the first one had, and it also wraps at the same width\n"
        "as the first.\n"
    )
    result = clean(wrapped, RULES)
    assert len(result.paragraphs) == 2
    assert result.paragraphs[0].startswith("The committee met") and result.paragraphs[0].endswith("capital.")


def test_user_rules_file_extends_and_disables(tmp_path: Path) -> None:
    extra = tmp_path / "rules.yaml"
    extra.write_text(
        "rules:\n"
        "  - name: subscribe_pitch\n"
        "    why: newsletter pitch\n"
        "    pattern: '^subscribe to our newsletter'\n"
        "  - name: advertisement\n"
        "    enabled: false\n"
    )
    rules = load_rules(extra)
    assert rules.match("Subscribe to our newsletter for more!").name == "subscribe_pitch"
    assert rules.match("ADVERTISEMENT") is None
    assert RULES.match("ADVERTISEMENT") is not None  # the built-in set is unchanged


def test_bad_user_rules_give_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - name: broken\n    pattern: '(unclosed'\n")
    with pytest.raises(ValueError, match=r"broken.*bad regex"):
        load_rules(bad)
    with pytest.raises(FileNotFoundError, match="NEWS_ETL_RULES"):
        load_rules(tmp_path / "missing.yaml")


def test_check_patterns_agree_with_the_cleaner() -> None:
    """What the quality suite flags in a body is exactly what the cleaner would have removed."""
    patterns = [re.compile(p) for p in RULES.check_patterns]
    flagged = "Also Read: Another headline of the day"
    kept = "Also read: " + " ".join(["word"] * 60)  # over max_words: the cleaner keeps it
    assert any(p.search(f"{PARA}\n\n{flagged}") for p in patterns)
    assert not any(p.search(f"{PARA}\n\n{kept}") for p in patterns)
    assert not any(p.search(PARA) for p in patterns)


def test_count_words() -> None:
    # Hyphens and apostrophes join a word; dots split ("U.S." is two), dashes are not words.
    assert count_words("Kim Jong-un's U.S. trip — 3 days") == 7


FOOTER = "Copyright Example Daily | Privacy | Terms"
PITCH = "Get our morning newsletter in your inbox"


def _site_article(n: int) -> str:
    return (
        f"Story number {n} opens with a long sentence about topic {n} that only this article tells.\n"
        f"{PITCH}\nIt goes on with a second sentence on topic {n}, again specific to this article.\n{FOOTER}"
    )


def test_batch_repeats_finds_a_sites_furniture() -> None:
    docs = [("example.com", _site_article(n)) for n in range(4)] + [("other.org", _site_article(9))]
    marks = batch_repeats(docs)
    for k in range(4):
        assert marks[k] == {1: BATCH_REPEAT, 3: BATCH_REPEAT}
    assert marks[4] == {}  # another source: one file is no evidence


def test_batch_repeats_leaves_prose_and_duplicate_stories_alone() -> None:
    sentence = "of the same wire story, told in a full sentence of many words here."
    wire = "\n".join(f"Paragraph {k} {sentence}" for k in range(5))
    # Four versions of one wire story: "Short line" is in all four, but their prose is shared too.
    docs = [("a.com", f"{wire}\nShort line\nUpdate {k}") for k in range(4)]
    assert batch_repeats(docs) == [{}, {}, {}, {}]
    # Identical files count once: three copies of one page are not three pages.
    same = _site_article(1)
    assert batch_repeats([("s", same)] * 3) == [{}, {}, {}]
