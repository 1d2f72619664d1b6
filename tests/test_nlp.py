"""Entities, quotes and key phrases: pure helpers on inline text, the model on short texts and on the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from news_etl import lake as lakes
from news_etl import nlp
from news_etl.runner import run_ingest
from news_etl.settings import get_settings

from .conftest import RUN_AT, lake_of


@pytest.fixture(scope="module")
def model():
    return nlp.load_pipeline()


def _one(model, text: str) -> nlp.Analysis:
    return next(nlp.analyse([text], model))


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("the White House", "ORG", "White House"),
        ("North Korea\u2019s", "GPE", "North Korea"),
        ("Putin's", "PERSON", "Putin"),
        ("U.S.", "GPE", "US"),
        ("Kim Jong-un", "PERSON", "Kim Jong Un"),
        ("Rolls-Royce", "ORG", "Rolls-Royce"),
        ("  Sergei \n Shoigu ", "PERSON", "Sergei Shoigu"),
        ("The", "ORG", "The"),  # a lone word is never stripped to nothing
    ],
)
def test_canonical_name(text: str, label: str, expected: str) -> None:
    assert nlp.canonical_name(text, label) == expected


def test_entity_key_ignores_case_dots_and_hyphens() -> None:
    assert nlp.entity_key("Kim Jong-un") == nlp.entity_key("KIM JONG UN") == nlp.entity_key("Kim  Jong Un")
    assert nlp.entity_key("U.S.") == nlp.entity_key("US")
    assert nlp.entity_id("Kim Jong-un") == nlp.entity_id("Kim Jong Un")
    assert nlp.entity_key("Kim Jong Un") != nlp.entity_key("Kim")


# --------------------------------------------------------------------------- quote spans


def _quoted(text: str) -> list[str]:
    return [text[s:e] for s, e in nlp.find_quote_spans(text)]


def test_quote_spans_curly_straight_and_guillemets() -> None:
    assert _quoted("He said \u201cwe will win,\u201d and left.") == ["we will win"]
    assert _quoted('She said "not today" and "maybe tomorrow".') == ["not today", "maybe tomorrow"]
    assert _quoted("Il a dit \u00abnon merci\u00bb.") == ["non merci"]


def test_an_unclosed_quote_runs_to_the_end_of_its_paragraph_only() -> None:
    text = "\u201cWe start here and go on\n\nA new paragraph \u201cwith its own\u201d quote."
    assert _quoted(text) == ["We start here and go on", "with its own"]


def test_a_stray_closing_mark_is_ignored_and_a_reopened_quote_closes_the_first() -> None:
    assert _quoted("Nothing\u201d here.") == []
    assert _quoted("\u201cfirst part \u201csecond part\u201d end") == ["first part", "second part"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('ab \n"\u201c\u201d\u00ab\u00bb,.'), max_size=80))
def test_quote_spans_never_raise_and_stay_inside_the_text(text: str) -> None:
    for s, e in nlp.find_quote_spans(text):
        assert 0 <= s < e <= len(text)
        assert "\n" not in text[s:e]


# --------------------------------------------------------------------------- with the model


def test_short_names_and_spelling_variants_join_one_entity(model) -> None:
    text = (
        "North Korean leader Kim Jong-un arrived in Moscow on Tuesday. Kim Jong Un met "
        "President Vladimir Putin the next day, and Kim later toured a factory with Putin."
    )
    result = _one(model, text)
    by_name = {e.name: e for e in result.entities}
    assert by_name["Kim Jong Un"].label == "PERSON"
    assert by_name["Kim Jong Un"].mentions == 3
    assert {"Kim Jong-un", "Kim Jong Un", "Kim"} <= set(by_name["Kim Jong Un"].variants)
    assert by_name["Vladimir Putin"].mentions == 2
    assert "Kim" not in by_name and "Putin" not in by_name
    assert by_name["Kim Jong Un"].first_offset == text.index("Kim Jong-un")


def test_quotes_are_attributed_to_subjects_pronouns_and_according_to(model) -> None:
    text = (
        "John Smith, the club's manager, arrived late.\n\n"
        "\u201cWe will win this match easily,\u201d he said after training.\n\n"
        "Mary Jones told reporters that the plan was \u201ccompletely finished and ready to go.\u201d\n\n"
        "The deal is \u201cthe best we have ever signed in this city,\u201d according to Mary Jones."
    )
    quotes = {q.text: q for q in _one(model, text).quotes}
    assert quotes["We will win this match easily"].speaker == "John Smith"
    assert quotes["We will win this match easily"].speaker_text == "he"
    assert quotes["completely finished and ready to go."].speaker == "Mary Jones"
    assert quotes["completely finished and ready to go."].cue == "told"
    assert quotes["the best we have ever signed in this city"].speaker == "Mary Jones"
    assert quotes["the best we have ever signed in this city"].cue == "according"
    ids = {q.speaker_entity_id for q in quotes.values()}
    assert nlp.entity_id("Mary Jones") in ids and nlp.entity_id("John Smith") in ids


def test_scare_quotes_without_a_cue_are_not_quotes_and_odd_marks_lose_nothing(model) -> None:
    text = (
        "The so-called \u201cpeace plan\u201d was rejected.\n\n"
        "An unclosed \u201cquote starts here and never ends in this paragraph at all\n\n"
        "The minister said \u201cno\u201d once."
    )
    result = _one(model, text)
    texts = [q.text for q in result.quotes]
    assert "peace plan" not in texts
    assert "quote starts here and never ends in this paragraph at all" in texts
    assert result.sentence_count >= 3


def test_keywords_are_a_handful_of_distinct_phrases(model) -> None:
    text = (
        "The central bank raised interest rates again on Thursday, the fifth rise this year. "
        "Interest rates now stand at their highest level since 2008, and the bank said inflation "
        "remained too high. Mortgage holders face higher monthly payments as interest rates climb."
    )
    keywords = _one(model, text).keywords
    assert 1 <= len(keywords) <= nlp.load_config().keyword_count
    assert "interest rates" in keywords
    words = [w for k in keywords for w in k.lower().split()]
    assert len(words) == len(set(words))  # one phrase per idea


def test_two_processes_give_the_same_results_as_one(model) -> None:
    texts = [
        f"Officials in Berlin said on day {i} that \u201cthe talks with Paris are going well.\u201d" for i in range(6)
    ]
    one = list(nlp.analyse(texts, model, n_process=1))
    two = list(nlp.analyse(texts, model, n_process=2, batch_size=2))
    assert one == two and len(one) == 6


def test_long_bodies_are_clipped_for_the_model(model) -> None:
    text = "Angela Merkel visited Paris. " * 200
    result = next(nlp.analyse([text], model, max_chars=1000))
    assert result.entities and max(e.first_offset for e in result.entities) < 1000


# --------------------------------------------------------------------------- the seeds, end to end


@pytest.fixture(scope="module")
def seed_lake(tmp_path_factory, model) -> Path:
    from .conftest import SEEDS

    lake = tmp_path_factory.mktemp("lake")
    settings_ = get_settings().with_paths(SEEDS, lake)
    run_ingest(settings_, "nlp-seeds", RUN_AT, clock=lambda: RUN_AT)
    return lake


def _q(lake: Path, sql: str) -> list[tuple]:
    return lakes.query(lake_of(lake), sql)[1]


def test_seed_entities_are_canonical_across_articles(seed_lake: Path) -> None:
    rows = dict(
        _q(seed_lake, "select name, count(distinct article_id) from entities where label = 'PERSON' group by name")
    )
    for person in ("Kim Jong Un", "Vladimir Putin", "Sergei Shoigu", "John Kirby"):
        assert rows.get(person, 0) >= 3, (person, rows)
    assert rows["Kim Jong Un"] == 5  # "Kim Jong-un" in 003 is the same person
    places = dict(_q(seed_lake, "select name, label from entities where name = 'Vladivostok'"))
    assert places == {"Vladivostok": "GPE"}
    variants = _q(seed_lake, "select list_sort(flatten(list(variants))) from entities where name = 'Kim Jong Un'")[0][0]
    assert "Kim Jong-un" in variants and "Kim" in variants


def test_seed_quotes_have_the_specified_speakers(seed_lake: Path) -> None:
    rows = _q(seed_lake, "select a.source_path, q.quote, q.speaker from quotes q join articles a using (article_id)")

    def speaker(prefix: str, words: str) -> set[str]:
        return {s for p, q, s in rows if p.startswith(prefix) and words in q}

    assert speaker("003", "Why not, these are our neighbors") == {"Sergei Shoigu"}
    assert speaker("001", "actively advancing") == {"White House"}
    assert speaker("002", "actively advancing") == {"Adrienne Watson"}
    assert speaker("003", "actively advancing") == {"John Kirby"}
    # Every quote points to a published article and lies inside its body.
    bad = _q(
        seed_lake,
        "select count(*) from quotes q join articles a using (article_id) "
        "where substr(a.body, q.start_offset + 1, q.end_offset - q.start_offset) <> q.quote",
    )
    assert bad == [(0,)]


def test_seed_articles_have_keywords_sentences_and_reading_time(seed_lake: Path) -> None:
    rows = _q(seed_lake, "select keywords, sentence_count, reading_time_minutes, word_count, description from articles")
    assert len(rows) == 5
    for keywords, sentences, minutes, words, description in rows:
        assert 3 <= len(keywords) <= 6 and "Kim Jong Un" in keywords
        assert sentences >= 10
        assert minutes == pytest.approx(words / 238, abs=0.06)
        assert description and len(description) <= 604


# --------------------------------------------------------------------------- model speed-ups, same results


def test_pos_from_tags_replaces_the_attribute_ruler_with_the_same_pos(model) -> None:
    import spacy

    assert nlp.POS_COMPONENT in model.pipe_names and "attribute_ruler" not in model.pipe_names
    stock = spacy.load(model.meta["lang"] + "_" + model.meta["name"], exclude=["lemmatizer"])
    text = (
        "That is what she said, but there's something else: it will be done. Who knows whether he'll "
        'come? There are many reasons; "We are ready," Mr Kirby told reporters on Tuesday.\n\n'
        "The U.S. and its allies, who met in Seoul, said that anyone could ask."
    )
    ours = [(t.text, t.pos_) for t in model(text)]
    theirs = [(t.text, t.pos_) for t in stock(text)]
    assert ours == theirs


def test_compile_pos_rules_refuses_what_it_cannot_apply() -> None:
    assert nlp.compile_pos_rules([{"patterns": [[{"TAG": "NN", "OP": "+"}]], "attrs": {"POS": "NOUN"}}]) is None
    assert nlp.compile_pos_rules([{"patterns": [[{"LEMMA": "be"}]], "attrs": {"POS": "AUX"}}]) is None
    rules = nlp.compile_pos_rules(
        [
            {"patterns": [[{"DEP": "expl"}, {"LOWER": {"IN": ["is"]}}]], "attrs": {"POS": "VERB"}, "index": 1},
            {"patterns": [[{"LOWER": "x"}]], "attrs": {"LEMMA": "x"}},
        ]
    )
    assert rules == [(((-1, "dep_", False, frozenset({"expl"})), (0, "lower_", False, frozenset({"is"}))), "VERB")]


def test_every_layer_uses_numpy_matrix_products(model) -> None:
    layers = [node for _, comp in model.pipeline if hasattr(comp, "model") for node in comp.model.walk()]
    assert layers and all(type(node.ops).__name__ == "BlasOps" for node in layers)
