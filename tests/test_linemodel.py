"""Unit tests of the line classifier: each signal on tiny inline texts, tree inference, decoding."""

from __future__ import annotations

import numpy as np
import pytest

from news_etl.cleaning import MODEL_RULE, clean
from news_etl.linemodel import FEATURES, LineModel, Trees, decode, default_model, line_features
from news_etl.ruleset import load_rules

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
    assert {r.text for r in result.removed if r.rule == MODEL_RULE} >= {"Home", "Sign in", "Cookie settings"}
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
