"""Unit tests of the line classifier: each signal on tiny inline texts, tree inference, decoding."""

from __future__ import annotations

import re

import numpy as np
import pytest

from news_etl import line_features as line_features_module
from news_etl.char_classes import char_counts
from news_etl.cleaning import MODEL_RULE, clean
from news_etl.line_features import FEATURES, line_features
from news_etl.linemodel import LineModel, Trees, decode, default_model
from news_etl.ruleset import load_rules
from news_etl.text import WORD, stopwords

PROSE = "The minister said on Tuesday that the talks with the union would continue next week in the capital."
LINES = [
    "Home",
    "World | Sport | Business",
    "Share",
    PROSE,
    PROSE.replace("Tuesday", "Monday"),
    "Related: Another story about something else entirely",
    "© 2023 Example News. All rights reserved.",
]


def _col(X: np.ndarray, name: str) -> np.ndarray:
    return X[:, FEATURES.index(name)]


def test_feature_matrix_shape_and_signals() -> None:
    X = line_features(LINES, [False, False, True, False, False, False, False])
    assert X.shape == (len(LINES), len(FEATURES))
    assert _col(X, "prose").tolist() == [0, 0, 0, 1, 1, 0, 0]
    assert _col(X, "has_separator")[1] == 1 and _col(X, "has_separator")[3] == 0
    assert _col(X, "rule_hit").tolist() == [0, 0, 1, 0, 0, 0, 0]
    assert _col(X, "copyright")[6] == 1
    assert _col(X, "stop_ratio")[3] > 0.3 > _col(X, "stop_ratio")[1]
    assert _col(X, "ends_terminal")[3] == 1 and _col(X, "ends_terminal")[0] == 0
    # The main span runs from the biggest prose run's first line to two lines past its last one.
    assert _col(X, "in_main_span").tolist() == [0, 0, 0, 1, 1, 1, 1]
    # The second prose line shares the first's topic; the teaser does not.
    assert _col(X, "topic_overlap")[4] > _col(X, "topic_overlap")[5]
    assert np.isfinite(X).all()


def test_list_items_and_the_blocks_a_rule_opens() -> None:
    lines = [
        PROSE,
        "Winners of the award",
        "- 2023: Victor Rivas",
        "- 2022: Ismail Elfath",
        "1. Alan Kelly",
        "Related",
        "A teaser about another story",
        PROSE,
        PROSE,
        PROSE,
        "Last line",
    ]
    hits = [False] * len(lines)
    hits[5] = True  # "Related": a rule's label
    X = line_features(lines, hits)
    assert _col(X, "bullet").tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    # A rule hit marks the three lines after it and the three before it, not itself.
    assert _col(X, "hit_before").tolist() == [0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0]
    assert _col(X, "hit_after").tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    # Neighbours of the same shape: list items beside list items (a numbered one is one too), prose beside
    # prose; the list's label and the first prose line have none.
    assert _col(X, "same_shape").tolist() == [0, 0, 1, 2, 1, 0, 0, 1, 2, 1, 0]


def test_features_of_empty_and_single_line_texts() -> None:
    assert line_features([], []).shape == (0, len(FEATURES))
    assert line_features(["Just one line."], [False]).shape == (1, len(FEATURES))


def test_tree_inference_follows_the_splits() -> None:
    # One stump: log_words <= 1.0 -> -2, else +2.
    stump = {
        "feature": np.array([0, -1, -1]),
        "threshold": np.array([1.0, 0, 0]),
        "left": np.array([1, -1, -1]),
        "right": np.array([2, -1, -1]),
        "value": np.array([0.0, -2.0, 2.0]),
        "depth": np.array(1),
    }
    model = LineModel(Trees(0.0, 1.0, [stump]), threshold=0.5)
    X = np.zeros((2, len(FEATURES)))
    X[1, 0] = 3.0
    p = model.predict_proba(X)
    assert p[0] == pytest.approx(1 / (1 + np.exp(2))) and p[1] == pytest.approx(1 / (1 + np.exp(-2)))


def test_tree_inference_sends_a_missing_value_right() -> None:
    # x <= threshold goes left; NaN compares false, so it goes right, as in the trainer's own rule.
    stump = {
        "feature": [0, -1, -1],
        "threshold": [0.5, 0, 0],
        "left": [1, 0, 0],
        "right": [2, 0, 0],
        "value": [0, -1.0, 1.0],
        "depth": 1,
    }
    trees = Trees(0.0, 1.0, [stump, stump])
    assert trees.margin(np.array([[0.2], [0.9], [np.nan]])).tolist() == [-2.0, 2.0, 2.0]


def test_decode_threshold_and_runs() -> None:
    p = np.array([0.9, 0.9, 0.45, 0.9, 0.1, 0.55, 0.1])
    assert decode(p, 0.5).tolist() == [True, True, False, True, False, True, False]
    # With a switch cost, a lone doubtful line inside body stays, a lone one inside furniture goes.
    assert decode(p, 0.5, switch_cost=2.0).tolist() == [True, True, True, True, False, False, False]


def test_shipped_model_cleans_a_page_like_text() -> None:
    model = default_model()
    assert model is not None, "models/line_model.json must ship with the package"
    text = "\n".join(
        [
            "Home",
            "News",
            "Sport",
            "Weather",
            "Sign in",
            "Council approves new budget after long debate",
            *(f"{PROSE} Paragraph {k} adds detail about the budget debate and the council vote." for k in range(6)),
            "Most read",
            "Cookie settings",
            "Terms of use",
            "Contact us",
        ]
    )
    result = clean(text, load_rules(), model=model)
    body = [p for p in result.paragraphs if p.startswith(PROSE)]
    assert len(body) == 6
    # Only the headline may stay beside the prose (in the pipeline the metadata step takes it as the title).
    assert set(result.paragraphs) - set(body) <= {"Council approves new budget after long debate"}
    assert {r.text for r in result.removed if r.rule == MODEL_RULE} >= {"Home", "Sign in", "Terms of use", "Contact us"}
    assert ("Cookie settings", "cookie_settings") in {(r.text, r.rule) for r in result.removed}  # a rule names it
    # Each model removal carries the probability it had of being body, for auditing; rule removals do not.
    for r in result.removed:
        if r.rule == MODEL_RULE:
            assert 0.0 <= r.body_probability < model.threshold
        else:
            assert r.body_probability is None


def test_trainer_fits_a_separable_problem() -> None:
    """The GBDT trainer shipped in benchmarks/ learns a simple rule and round-trips through Trees."""
    import importlib.util

    from .conftest import ROOT

    spec = importlib.util.spec_from_file_location("train_line_model", ROOT / "benchmarks" / "train_line_model.py")
    trainer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(trainer)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 3))
    y = ((X[:, 0] > 0.2) & (X[:, 2] < 0.5)).astype(float)
    raw = trainer.fit_gbdt(X, y, np.full(400, 1 / 400), n_trees=30, depth=3, lr=0.3)
    p = Trees.from_json(raw).proba(X)
    assert ((p > 0.5) == (y == 1)).mean() > 0.97


# --- The features are counted over the whole text at once (line_features.py); here, line by line. ---
_REF_SEPARATORS = re.compile(r"[|•·»›/]|\s[-–—]\s")
_REF_LINKISH = re.compile(r"https?://|www\.|@\w|\b[\w.+-]+@[\w-]+\.\w|\.(com|org|net|co\.\w\w)\b")
_REF_COPYRIGHT = re.compile(r"©|\(c\)\s*\d{4}|all rights reserved|copyright")
_REF_BYLINE = re.compile(r"^(by|written by|words by|reporting by)\b", re.IGNORECASE)
_REF_DATEISH = re.compile(
    r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\b\d{1,2}:\d{2}\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
)
_REF_SENTENCE_END = re.compile(r"[.!?][\"”’)]?\s+[A-Z“\"]")


def _reference_counts(line: str) -> list[float]:
    """The definition of each count, on one line alone."""
    stop = stopwords()
    words = WORD.findall(line)
    lower = line.casefold()
    digits = len(re.findall(r"\d", line))
    joined = "".join(words)
    alpha = len(joined) - digits - sum(joined.count(ch) for ch in "_'’-")
    nw = len(words)
    return [
        nw,
        len(line),
        len(joined),
        line.endswith(tuple(".!?…\"”’'»)")),
        line.endswith(":"),
        sum(w.casefold() in stop for w in words),
        sum(w[0].isupper() for w in words),
        digits,
        len(line) - alpha - digits - line.count(" "),
        bool(_REF_SEPARATORS.search(line)),
        bool(_REF_LINKISH.search(lower)),
        bool(_REF_COPYRIGHT.search(lower)),
        bool(_REF_BYLINE.match(line)),
        nw <= 15 and bool(_REF_DATEISH.search(lower)),
        alpha > 3 and line.upper() == line,
        len(_REF_SENTENCE_END.findall(line)),
    ]


TRICKY = [
    "By Jane Doe - Staff Writer | 12:30 pm",
    "It's a state-run firm's “plan”. It said so!  Then — it left.",
    "İstanbul ßtraße ﬁnance ΣΊΣΥΦΟΣ ς Ⅻ ١٢٣ under_score a-'b a--b _-x",
    "Copyright (c)\t2023 Example.com — All Rights Reserved ©",
    "Contact: desk@example.co.uk or www.example.org/news?id=1",
    "Dec 19th 2023 at 10:00AM · 2023-12-19 · 19 December",
    "WRITTEN BY THE DESK",
    "𝐀𝐁𝐂 bold capitals 𐐀 Deseret and 𞤀 Adlam",
    "word -  dash\u00a0–\u00a0nbsp - end -",
    "a.\tB c! “D e? (F)",
]


def test_text_wide_counts_equal_the_line_by_line_definitions() -> None:
    import random

    rng = random.Random(7)
    alphabet = [*list("aAbBzZ09_-'’.!?\"”)|•/@:©() \tßİﬁΣς١Ⅻ𝐀"), "www.", ".com", "By ", "Jan 12", "12:30", " - "]
    texts = [TRICKY, TRICKY[::-1], [TRICKY[7]], *[[s] for s in TRICKY]]
    for _ in range(300):
        lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))).strip() for _ in range(5)]
        texts.append([ln for ln in lines if ln] or ["x"])
    for lines in texts:
        counts, _ = line_features_module._counts(lines, [ln.casefold() for ln in lines], stopwords())
        expected = np.array([_reference_counts(ln) for ln in lines], dtype=np.float64)
        assert np.array_equal(counts, expected), lines


def test_the_words_are_text_word_tokens_line_by_line() -> None:
    """_words splits the text at the characters outside words (from per-character classes), not with the WORD
    regex; its tokens, per line, must be WORD's, with lone surrogates, NULs and astral characters about."""
    import random

    rng = random.Random(11)
    alphabet = [*list("aAzZ09_-'’.!? \t\x00ßİΣς١Ⅻ𝐀\ud800"), "a-b", "x’s", "--", "-'", " - "]
    texts = [TRICKY, *[[s] for s in TRICKY]]
    for _ in range(300):
        lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 25))).strip() for _ in range(4)]
        texts.append([ln for ln in lines if ln] or ["x"])
    for lines in texts:
        text = "\n".join(lines)
        chars, ends = line_features_module._ends(lines)
        words = line_features_module._words(text, len(lines), stopwords(), char_counts(text, chars, ends))
        per_line = [words.tokens[a:b] for a, b in zip(words.offsets[:-1], words.offsets[1:], strict=True)]
        assert per_line == [WORD.findall(ln) for ln in lines], lines
        assert words.folded == [t.casefold() for t in words.tokens]
        assert words.lengths.tolist() == [len(t) for t in words.tokens]
        assert np.array_equal(words.folded_lengths(), [len(t) for t in words.folded])


def test_topic_overlap_counts_only_words_found_elsewhere_in_the_main_span() -> None:
    lines = [
        "Flooding closed the riverside roads on Tuesday while engineers checked the bridges.",
        "Engineers said the bridges were safe but the riverside roads stay closed.",
        "Celebrity chef opens restaurant",
        "Bridges",
    ]
    X = line_features(lines, [False] * 4)
    overlap = _col(X, "topic_overlap").tolist()
    # Line 1 (in the main span): of flooding/closed/riverside/roads/tuesday/engineers/checked/bridges ("while"
    # is a stop word), the other prose line uses closed, riverside, roads, engineers, bridges.
    assert "while" in stopwords()
    assert overlap[0] == 5 / 8
    assert overlap[2] == 0.0 and overlap[3] == 1.0
    assert _col(X, "has_content_words").tolist() == [1, 1, 1, 1]


def test_a_line_holding_a_newline_is_refused() -> None:
    with pytest.raises(ValueError, match="newline"):
        line_features(["one\ntwo", "three"], [False, False])
