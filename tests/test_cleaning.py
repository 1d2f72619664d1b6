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
        ("dh/msm (AFP, Reuters)", "agency_desk_code"),
        ("KUNA 201023 GMT Dec 23", "agency_transmission_stamp"),
        ("Accept all", "consent_button"),
        ("OK, got it", "consent_button"),
        ("Listen to this article", "audio_player"),
        ("0:00 / 3:12", "audio_player"),
        ("WATCH LIVE", "live_badge"),
        ("More to follow.", "developing_note"),
        ("This is a developing story. Check back for updates.", "developing_note"),
        ("This story will be updated.", "developing_note"),
        ("BC-EU--Britain-Economy", "wire_slug"),
        ("BREAKING NEWS", "news_flag"),
        ("Just In...", "news_flag"),
        ("(This story has been refiled to fix a typo in paragraph 3)", "wire_update_note"),
        (
            "Anadolu Agency website contains only a portion of the news stories offered to subscribers in the AA News "
            "Broadcasting System (HAS), and in summarized form.",
            "agency_service_note",
        ),
        ("(Adds comment from OPEC official in paragraphs 5-6)", "wire_update_note"),
        ("Sign up here.", "newsletter_pitch"),
        ("Editors: Wang Ying, Zhao Lei", "editor_credit"),
        (
            "The Associated Press receives support from several private foundations to enhance its coverage.",
            "agency_funding",
        ),
        ("Follow AP’s coverage of the elections at https://apnews.com/hub/election", "agency_funding"),
        ("Share on Facebook", "share_button"),
        ("Share this article on Facebook", "share_button"),
        ("Share via Email", "share_button"),
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
        ("The crater seen from orbit. (Image credit: NASA/JPL-Caltech)", "photo_credit_caption"),
        ("Fans at the final in Doha. (Photo by Jane Doe/Example Images via Getty Images)", "photo_credit_caption"),
        ("The minister speaks in Seoul on Monday. (Yonhap Photo)", "photo_credit_caption"),
        ("Fans queue outside the stadium. Picture: Tom Reed/Getty Images", "caption_credit"),
        ("The new library opens in March. Photograph courtesy of the city council.", "caption_credit"),
        ("Jane Doe//Getty Images", "stock_photo_credit"),
        ("The harbour at dawn. Reuters", "caption_agency_after"),
        ("Item 1 of 2 A pump jack in Midland, Texas. REUTERS/Bing Guan/File Photo", "agency_photo_caption"),
        ("Crawford, left, won in July. EPA/ETIENNE LAURENT", "agency_photo_caption"),
        ("Image caption,", "media_caption_label"),
        ("Media playback is unsupported on your device", "media_caption_label"),
        ("Please enable JavaScript to view the comments", "javascript_notice"),
        ("Follow us on Google News", "follow_us"),
        ("Follow AP on X for the latest news.", "follow_us"),  # agency_funding leaves it alone; this rule does not
        ("Already a subscriber? Log in", "subscribe_prompt"),
        ("Download the app", "app_prompt"),
        ("This article is republished from The Conversation under a Creative Commons license.", "republished_note"),
        ("MORE: Five things to know about the storm", "teaser_label"),
        ("Credit...Jane Doe/The Daily Planet", "image_credit_line"),
        ("From left: Ann Lee, Bo Park and Cy Diaz at the launch", "caption_left_to_right"),
        ("(L-R) Ann Lee and Bo Park at the premiere.", "caption_left_to_right"),
        ("How the deal was done in one night (1:39)", "video_teaser"),
        ("Tags: Elections, Local News, City Council", "tag_list"),
        ("Filed under: Weather", "tag_list"),
        ("Watch: The moment the bridge reopened", "teaser_label"),
        ("More from The Daily Planet: Ten cheap weekend trips", "teaser_label"),
        ("Sign up for our morning newsletter to get the day's top stories.", "newsletter_pitch"),
        ("Want the best stories delivered straight to your inbox? Join us.", "newsletter_pitch"),
        ("Get the week's best reviews and deals direct to your inbox.", "newsletter_pitch"),
        ("Welcome to The Morning Brief. Sign up here to get it in your inbox every Friday.", "newsletter_pitch"),
        ("The biggest stories of the day delivered to your inbox.", "newsletter_pitch"),
        ("Daily religion news, straight to your inbox. Subscribe today.", "newsletter_pitch"),
        (
            "Join the experts who read Example Tech for the inside track on PC news — and have for over 25 years. "
            "We'll send breaking news and in-depth reviews of CPUs and GPUs, straight to your inbox.",
            "newsletter_pitch",
        ),
        ("© 2026 Example Media Group. All rights reserved.", "copyright_line"),
        ("Copyright 2026 Example News Ltd", "copyright_line"),
        ("By submitting your email you agree to our Terms of Use and Privacy Policy.", "consent_notice"),
        ("Cookie Settings", "cookie_settings"),
        ("We use cookies to personalise content and ads and to analyse our traffic.", "cookie_notice"),
        ("Cookies collect information about your preferences and your device.", "cookie_notice"),
        ("This cookie is set by the consent plugin to record the user consent for Analytics.", "cookie_consent"),
        ("These cookies allow us to count visits and traffic sources so we can improve the site.", "cookie_consent"),
        ("To show you this content, we need your permission to use cookies.", "cookie_consent"),
        ("This video is provided by a player which may be using cookies and other technologies.", "cookie_consent"),
        ("If you do not allow these cookies, you will experience less targeted advertising.", "cookie_consent"),
        ("Strictly Necessary Cookies - Always Active", "cookie_choice"),
        ("Allow All Cookies", "cookie_choice"),
        ("Manage Consent Preferences", "cookie_choice"),
        ("Article continues below this ad", "keep_reading"),
        ("More content below", "keep_reading"),
        ("Editor’s picks", "most_viewed"),
        ("People are also reading…", "most_viewed"),
        ("View this post on Instagram", "embed_placeholder"),
        ("A post shared by The Band (@theband)", "embed_placeholder"),
        ("Link copied!", "share_button"),
        ("You Might Also Like …", "related_heading"),
        ("Read this next:", "related_heading"),
        ("TAGS", "tag_list"),
        ("Contact me with news and offers from other Example brands", "consent_notice"),
        ("Receive email from us on behalf of our trusted partners or sponsors", "consent_notice"),
        ("Do Not Sell or Share My Personal Information", "privacy_choice"),
        ("California: Do Not Sell My Personal Info |", "privacy_choice"),
        ("Your Privacy Choices", "privacy_choice"),
        ("Sale of Personal Data, Targeting & Social Media Cookies", "privacy_choice"),
        ("Protected by reCAPTCHA: the Google Privacy Policy and Terms of Service apply.", "legal_small_print"),
        ("YouTube’s privacy policy is available here and its terms of service are too.", "legal_small_print"),
        ("Use of this site constitutes acceptance of our User Agreement and Privacy Policy.", "legal_small_print"),
        ("Subscribing indicates your consent to our Terms of Use and Privacy Policy.", "legal_small_print"),
        ("Privacy controls on your browser are taken as a valid request to opt-out.", "legal_small_print"),
        ("Privacy Notice: Newsletters may contain info about charities and online ads.", "legal_small_print"),
        ("When you purchase through links on our site, we may earn an affiliate commission.", "affiliate_disclosure"),
        ("We may earn commission from links on this page, but we only recommend what we back.", "affiliate_disclosure"),
        ("If you click on a link and make a purchase we may receive a small commission.", "affiliate_disclosure"),
        ("This article contains affiliate links.", "affiliate_disclosure"),
        ("As an Amazon Associate I earn from qualifying purchases.", "affiliate_disclosure"),
    ],
)
def test_rule_matches_boilerplate(line: str, rule: str) -> None:
    matched = RULES.match(line)
    assert matched is not None and matched.name == rule


def test_a_line_longer_than_any_paragraph_meets_the_rules_it_fits() -> None:
    # Past 20,000 characters the screen is skipped (RuleSet.match): the rules whose word limit the line fits
    # still name it, those it exceeds do not.
    token = "a" * 25_000  # one word: a pasted blob
    assert RULES.match(f"{token} (AP Photo/Jane Doe)").name == "photo_credit_caption"  # type: ignore[union-attr]
    assert RULES.match(f"Cookie settings {token}").name == "cookie_settings"  # type: ignore[union-attr]
    assert RULES.match("cookies on your browser " * 2_000) is None  # 8,000 words: past cookie_notice's 200
    assert RULES.match(token) is None


@pytest.mark.parametrize(
    "line",
    [
        PARA,
        "Share prices rose 3% after the company reported record profits for the quarter.",
        "Twitter said it would review the policy, according to a spokesperson for the firm.",
        "Related to this, the ministry also announced new rules for exporters on Friday.",
        "He said the results were (in his view) disappointing.",
        "The Associated Press said the company receives support from the state.",
        "Editor: What do you think of the plan?",
        "Breaking news is hard to verify, editors say.",
        "(Adds to his lead in the polls, the survey shows.) He said so.",
        "Sign up here for the 10k race, the organisers said.",
        "The photo by the river was taken in 1923 and shows the old mill.",
        "More than 40 people were hurt when the roof collapsed, officials said.",
        "Watchdogs said the deal would raise prices for millions of customers.",
        "Place baked cookies in an airtight container at room temperature for up to three days.",
        "Google delayed its plan to stop third-party cookies in Chrome, regulators said on Friday.",
        "Let the cookies set for five minutes on the tray before moving them to a rack.",
        "These cookies store well in a tin for up to a week.",
        "Kraft plans to cut back on advertising of products like Oreo cookies to children.",
        "The cookies are placed on a wire rack to cool, and the icing is set by morning.",
        "A post shared by the minister drew two million likes and an angry reply from her rival.",
        "Contact me on Monday with the news, she told the clerk.",
        "Keep me posted on the news from our partners, he said to the editor in a note.",
        "Tags on the collars helped the rangers track the wolves.",
        "Subscribers to the service will pay more from April, the company said.",
        "She signed up for the course after reading about it in a newsletter.",
        "He said he would sign up. Subscribers get the paper delivered to their door each morning.",
        "The council met on Monday. It agreed to sign up to the scheme, which sends alerts by email.",
        "Share the news with your neighbours, the mayor urged residents.",
        "Getting mail to your inbox is harder than ever, marketers say, as spam filters improve.",
        "Phishing emails sent to your inbox often copy a bank's logo, the police warned on Tuesday.",
        "Offers delivered to your inbox this week may be scams, the regulator said on Friday.",
        "The firm said the rights to the film were sold for $10m.",
        "By clicking through the archive, researchers found letters from 1890.",
        "The images were shared widely on Facebook and Twitter over the weekend.",
        "From left field came a bid that nobody on the council had expected.",
        "The race ended at 1:39 (a course record), officials said.",
        "Topics discussed included the budget, the schools and the new bridge.",
        "Meta changed its privacy policy and terms of service on Monday, and the new terms apply from March.",
        "By signing, you agree to the terms of the loan, and the bank may apply extra fees.",
        "The sale of personal data by brokers is legal in most states, the report found.",
        "Do not sell your personal information to strangers, the police warned shoppers.",
        "Your privacy rights are at stake, the senator told the committee on Tuesday.",
        "Accept the offer, the union told its members on Friday.",
        "Listen to this: the band played for four hours without a break.",
        "Live music returns to the park this summer.",
        "The ratio rose to 3.2 from 2.9 in the year to March, the AP/NORC poll found.",
        "Follow the money, the senator said, and you will find the donors.",
        "Tap-to-hold as a shortcut for video recording (in Photo mode)",
        "Limited functionality with the free trial (e.g., cannot see other users' photos unless you upgrade)",
        "Retailers pay publishers a commission on each sale made through their links, the report found.",
        "We earn a commission when shoppers buy, the chief executive told analysts on Tuesday.",
        "We will get our commission back once the buyers sign, the agent hoped.",
        "Get the app right and the customers will come, the founder said.",
        "More to follow in the second half, the coach promised.",
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


def test_the_list_under_a_boxs_heading_goes_with_it() -> None:
    """A related-stories box is a heading and a list of links: the whole list goes, however long, up to the first
    line that is no list item; a list under the story's own paragraph stays."""
    teasers = [f"- Teaser headline number {k} for another story" for k in range(9)]
    text = "\n".join([PARA, "- The first point of the story", "More Must-Reads From TIME", *teasers, PARA + " Again."])
    result = clean(text, RULES)
    assert result.paragraphs == [PARA, "- The first point of the story", PARA + " Again."]
    assert [r.rule for r in result.removed] == ["related_heading"] + ["related_heading_list"] * 9
    # A list after the box's heading and a paragraph is the story's again.
    result = clean("\n".join([PARA, "Related stories", PARA + " Again.", *teasers[:2]]), RULES)
    assert result.paragraphs == [PARA, PARA + " Again.", *teasers[:2]]


def test_a_source_lists_citations_go_with_its_heading() -> None:
    """A fact check's "Our Sources" and a history's "Footnotes" are the story's apparatus, not its text: the
    citations under the heading go, with a source or two between them that gives no date, up to the last
    citation; the paragraph after the list stays."""
    sources = [
        "Interview with Jane Roe, professor of public policy, Dec. 13, 2023",
        "The Lancet, Measles epidemic in Samoa and other Pacific islands, March 2020",
        "Jane Roe's Instagram account",
        "CDC, Vaccination Coverage Among Children in Kindergarten, accessed Dec. 15, 2023",
        "[1] Mission Commentary, Dec. 25, 1968, p. 543.",
    ]
    text = "\n".join([PARA, "Our Sources", *sources, "Read About Our Process", "Browse the archive", PARA + " Again."])
    result = clean(text, RULES)
    assert result.paragraphs == [PARA, "Read About Our Process", "Browse the archive", PARA + " Again."]
    assert [r.rule for r in result.removed] == ["source_list"] + ["source_list_list"] * 5
    # Without its heading a line that ends in a date is the story's.
    dated = "The court ruled on the case, Dec. 13, 2023"
    assert clean("\n".join([PARA, dated]), RULES).paragraphs == [PARA, dated]
    # Under the heading, three lines in a row that are no citations end the list before them.
    text = "\n".join(["Footnotes", sources[0], "One", "Two", "Three", sources[1]])
    assert clean(text, RULES).paragraphs == ["One", "Two", "Three", sources[1]]


def test_a_source_list_that_lost_its_heading_is_five_citations_in_a_row() -> None:
    """An HTML page's "Our Sources" can sit outside the main text: five citations in a row are a source list
    without it; four are not (no run of three is in a labelled body or the BBC corpus)."""
    sources = [f"Example Journal, Study number {k} of the measles outbreak, March {k + 1}, 2020" for k in range(5)]
    result = clean("\n".join([PARA, *sources, PARA + " Again."]), RULES)
    assert result.paragraphs == [PARA, PARA + " Again."]
    assert [r.rule for r in result.removed] == ["source_list_list"] * 5
    assert clean("\n\n".join([PARA, *sources[:4]]), RULES).paragraphs == [PARA, *sources[:4]]


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
        "  - name: membership_pitch\n"
        "    why: membership pitch\n"
        "    pattern: '^become a member today'\n"
        "  - name: advertisement\n"
        "    enabled: false\n"
    )
    rules = load_rules(extra)
    assert RULES.match("Become a member today for more!") is None
    assert rules.match("Become a member today for more!").name == "membership_pitch"
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


def test_the_rules_screen_agrees_with_trying_every_rule_in_order(tmp_path: Path) -> None:
    """The screen (anchored patterns joined and tried at the start, others searched alone) only saves time:
    a line gets the first rule, in file order, that matches it, as if every rule were tried."""
    from news_etl.rule_screen import anchored

    extra = tmp_path / "rules.yaml"
    extra.write_text(
        "rules:\n"
        "  - name: half_anchored\n"  # one branch anchored, one not: must be searched, not tried at the start
        "    pattern: '^zzz|middle marker'\n"
        "  - name: end_mark\n"
        "    pattern: 'END OF STORY$'\n"
        "    case: true\n"
    )
    rules = load_rules(extra)
    assert not anchored(re.compile("^zzz|middle marker")) and anchored(re.compile("^(?:a|b)c"))
    lines = [
        PARA,
        "Share this: Twitter",
        "A line with the middle marker inside it",
        "Nothing to see END OF STORY",
        "Nothing to see end of story",
        "Fans queue outside. Picture: Tom Reed/Getty Images",
        "Facebook | Twitter | Email",
        "Tags: Weather",
        "Sign up for our newsletter to get the news.",
    ]
    for line in lines:
        n = count_words(line)
        expected = next((r for r in rules.rules if r.matches(line, n)), None)
        assert rules.match(line) is expected, line


def test_the_screen_strings_are_held_by_every_match_on_an_ascii_line() -> None:
    """A screen test is skipped on an ASCII line that holds none of its strings (rule_screen.needles_of): every
    match must hold one, whatever the pattern's case rules; non-ASCII literals that match ASCII letters
    case-insensitively (the Kelvin sign, the long s, the dotless i) guarantee nothing."""
    import random

    from news_etl.rule_screen import needles_of

    assert needles_of(re.compile("(?:Getty Images|Shutterstock|iStock(?:photo)?|Alamy)(?: for x)?$")) == (
        "alamy",
        "getty images",
        "istock",
        "shutterstock",
    )
    assert needles_of(re.compile(r"cookies?\b.{0,20}\b(?:your|our) site", re.IGNORECASE)) == ("cookie",)
    assert needles_of(re.compile(r"\w+\s*")) is None and needles_of(re.compile("a?b*")) is None
    for tricky in ("\u212a", "\u017f", "\u0131"):  # K (Kelvin), ſ, ı
        assert needles_of(re.compile(tricky + "ey", re.IGNORECASE)) == ("ey",)
        assert needles_of(re.compile(tricky, re.IGNORECASE)) is None
    rng = random.Random(5)
    patterns = [rule.pattern for rule in load_rules().rules if rule.pattern is not None]
    patterns += [
        re.compile(p, flags)
        for p, flags in [
            ("\u212aey|\u017fun", re.IGNORECASE),
            ("(?i:photo)s? by", 0),
            ("[A-C]x{2,}|(?:yz)+$", 0),
            ("É(?:té)", re.IGNORECASE),
        ]
    ]
    alphabet = [*"abckKsSyYzZxXé .:()|-", "photo", "Getty Images", "share", "Key", "sun", "AP", "cookie"]
    lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    checked = _check_guarantee(
        patterns, lines, needles_of, lambda needles, line: any(n in line.lower() for n in needles)
    )
    assert checked > 100


def test_a_repeated_line_is_found_whatever_its_case_and_spaces() -> None:
    # The repeat key is the casefolded line with its whitespace runs made one space, computed without a split
    # when the line is printable with no double space: that holds because only " " is printable whitespace.
    assert [chr(c) for c in range(0x110000) if chr(c).isspace() and chr(c).isprintable()] == [" "]
    lines = ["Flood warning for the valley", "FLOOD  warning\tfor the valley", "Flood\u00a0warning for the valley"]
    text = "\n".join([*lines, "Flood warnings"])
    result = clean(text, load_rules())
    assert [r.line_no for r in result.removed if r.rule == REPEATED_LINE] == [2, 3]


def test_the_screen_of_many_lines_agrees_with_trying_every_rule_on_each(tmp_path: Path) -> None:
    """RuleSet.match_lines screens all the lines of a text at once (strings found in the joined lower-cased
    text, anchored patterns chosen by the first character): each line still gets the first rule that matches
    it, whatever its characters (curly quotes, accents, the Kelvin sign and long s that match ASCII letters)."""
    import random

    from news_etl.rule_screen import ASCII_LOOKALIKES, anchored, first_chars

    assert [chr(c) for c in range(128, 0x110000) if re.fullmatch("[\x00-\x7f]", chr(c), re.IGNORECASE)] == [
        "\u0130",
        "\u0131",
        "\u017f",
        "\u212a",
    ]
    assert all(ASCII_LOOKALIKES.search(ch) for ch in "\u0130\u0131\u017f\u212a")
    assert first_chars(re.compile("^(?:Share|like)\\s*:", re.IGNORECASE)) == frozenset("sl")
    assert first_chars(re.compile("^\\W?x")) is None and first_chars(re.compile("^a?")) is None
    extra = tmp_path / "rules.yaml"  # a non-ASCII string to find, case-insensitively: "éditorial" on lines
    extra.write_text("rules:\n  - name: editorial_note\n    pattern: 'Éditorial note'\n", encoding="utf-8")
    rules = load_rules(extra)
    rng = random.Random(11)
    pieces = [
        *"abkKsSé É’“”•©(|):.-#@ ",
        "\u212a",  # Kelvin sign: matches "k" case-insensitively
        "\u017f",  # long s: matches "s"
        "\u0130",
        "share",
        "SHARE THIS",
        "Advertisement",
        "Getty Images",
        "subscribe to our newsletter",
        "Picture: ",
        "Reuters",
        "cookies on your device",
        "Tags:",
        "(END)",
        "read more",
        "Facebook",
        "Twitter",
        "éditorial note",
    ]
    lines = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))).strip() or "x" for _ in range(4000)]
    lines += ["\u017fhare this:", "\u212aeep reading", "Getty \u0130mages", "Sign up " * 3000 + "newsletter"]
    expected = [next((r for r in rules.rules if r.matches(line, count_words(line))), None) for line in lines]
    got = rules.match_lines(lines)
    assert got == expected
    assert sum(r is not None for r in got) > 300  # the lines exercise the rules, not only the misses
    # Anchored patterns: every match on an ASCII line starts with one of its first characters.
    patterns = [r.pattern for r in rules.rules if r.pattern is not None and anchored(r.pattern)]
    assert _check_guarantee(patterns, lines, first_chars, lambda first, line: line[0].lower() in first) > 50


def _check_guarantee(patterns: list, lines: list[str], guarantee, holds) -> int:
    """Asserts that every match of each pattern on an ASCII line ``holds`` what ``guarantee`` of the pattern
    promises (patterns it promises nothing for are skipped); returns how many matches were checked."""
    checked = 0
    for pattern in patterns:
        promise = guarantee(pattern)
        if promise is None:
            continue
        for line in lines:
            if line.isascii() and pattern.search(line):
                checked += 1
                assert holds(promise, line), (pattern.pattern, line)
    return checked
