"""A learned line classifier: is this line article body or page furniture?

The model reads the features of :mod:`news_etl.line_features`. It is a small gradient-boosted tree
ensemble stored as JSON (``models/line_model.json``), trained on newsbench ``dev/`` only by
``benchmarks/train_line_model.py``; inference is a few numpy operations per document. The trees also
serve the header rankers (:class:`Ranker`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from news_etl.line_features import FEATURES
from news_etl.settings import MODELS_DIR, ConfigError

log = logging.getLogger(__name__)

MODEL_FILE = MODELS_DIR / "line_model.json"


class Trees:
    """Gradient-boosted trees, packed into (trees x nodes) arrays so that all trees walk one level at a
    time together: a handful of numpy operations per level instead of per tree."""

    def __init__(self, base_score: float, learning_rate: float, trees: list[dict]) -> None:
        self.base_score = float(base_score)
        self.learning_rate = float(learning_rate)
        width = max((len(t["feature"]) for t in trees), default=1)
        n = len(trees)
        # Flat arrays over "slots", two per node (slot 2 * (tree * width + node) + b): np.take on 1-D arrays is
        # several times faster than 2-D fancy indexing. A node's feature, threshold and value sit in its even
        # slot; its children in its two slots: the right child at b = 0, the left at b = 1, so that a walk
        # steps with one take of ``slot + (x <= threshold)`` (NaN goes right, as in the trees' own rule),
        # not two takes and a where. Children are stored as their even slots. A leaf is its own child
        # (feature 0, any threshold): a walk that reaches a leaf stays there with no test of whether it did.
        slots = 2 * n * width
        node = 2 * np.arange(n * width, dtype=np.int64).reshape(n, width)
        self.feature = np.zeros(slots, dtype=np.int64)
        self.threshold = np.zeros(slots)
        self.child = np.zeros(slots, dtype=np.int64)
        self.value = np.zeros(slots)
        for k, t in enumerate(trees):
            m = len(t["feature"])
            inner = np.asarray(t["feature"]) >= 0
            at = node[k, :m]
            self.feature[at] = np.where(inner, t["feature"], 0)
            self.threshold[at] = t["threshold"]
            self.child[at + 1] = np.where(inner, 2 * k * width + 2 * np.asarray(t["left"]), at)
            self.child[at] = np.where(inner, 2 * k * width + 2 * np.asarray(t["right"]), at)
            self.value[at] = t["value"]
        self.depth = max((int(t["depth"]) for t in trees), default=0)
        self.roots = node[:, 0].copy()

    @classmethod
    def from_json(cls, data: dict) -> Trees:
        return cls(data["base_score"], data["learning_rate"], data["trees"])

    def margin(self, X: np.ndarray) -> np.ndarray:
        n, n_trees = len(X), len(self.roots)
        if n == 0 or n_trees == 0:
            return np.full(n, self.base_score)
        feature, threshold, child = self.feature, self.threshold, self.child
        flat_x = np.ascontiguousarray(X, dtype=np.float64).ravel()
        row_base = (np.arange(n) * X.shape[1])[:, None]  # row * n_features + feature
        slot = np.broadcast_to(self.roots, (n, n_trees)).copy()
        for _ in range(self.depth):
            x = flat_x.take(row_base + feature.take(slot))
            slot = child.take(slot + (x <= threshold.take(slot)))
        return self.base_score + self.learning_rate * self.value.take(slot).sum(axis=1)

    def proba(self, X: np.ndarray) -> np.ndarray:
        # In slices of rows: the trees are walked for all rows at once, which holds a (rows x trees) array
        # per step; a text of 180,000 short lines would need a gigabyte for it. Rows are independent.
        step = PROBA_ROWS
        margins = [self.margin(X[i : i + step]) for i in range(0, len(X), step)] or [self.margin(X)]
        return 1.0 / (1.0 + np.exp(-np.concatenate(margins)))


#: Rows scored at once by :meth:`Trees.proba` (bounds its working memory to ~50 MB).
PROBA_ROWS = 8192


@dataclass
class LineModel:
    """The trees plus the cut that turns their probability into keep/drop (and an optional run smoothing)."""

    trees: Trees
    threshold: float = 0.5
    switch_cost: float = 0.0

    @classmethod
    def from_json(cls, data: dict) -> LineModel:
        return cls(Trees.from_json(data["model"]), data["threshold"], data.get("switch_cost", 0.0))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.trees.proba(X)


@lru_cache(maxsize=4)
def default_model(path: Path | None = None) -> LineModel | None:
    """The line model at ``path`` (``NEWS_ETL_LINE_MODEL`` naming a file), else the shipped one; loaded once."""
    data = read_model_file(
        path or MODEL_FILE, FEATURES, "benchmarks/train_line_model.py", "cleaning with the rules only"
    )
    return LineModel.from_json(data) if data else None


def read_model_file(path: Path, features: list[str], trainer: str, without: str) -> dict | None:
    """A trained model's JSON, checked against the features this code computes; None (and a warning saying
    what happens ``without`` it) when the file is missing."""
    if not path.is_file():
        log.warning("no model at %s: %s", path, without)
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:  # not JSON (UnicodeDecodeError is a ValueError too)
        raise ConfigError(f"{path} is not a model file ({exc}); train one with {trainer}") from exc
    if not isinstance(data, dict) or "features" not in data or "model" not in data:
        raise ConfigError(f"{path} is not a model file (no features and model in it); train one with {trainer}")
    if data["features"] != features:
        raise ConfigError(f"{path} was trained on other features; retrain with {trainer}")
    return data


@dataclass(frozen=True)
class Ranker:
    """Trees that score candidate lines (the headline and byline rankers), and the score a pick needs."""

    trees: Trees
    threshold: float
    #: The score a pick needs to overrule what a page's markup says (the date ranker on an HTML page's
    #: visible lines); None: it never does.
    override_threshold: float | None = None
    #: The score a pick needs where the rules found nothing for it to replace (the headline ranker on a page
    #: whose header rules found no title): a line the ranker is unsure of beats no answer more often than a line
    #: it is unsure of beats the rules' answer. None: the threshold.
    unopposed_threshold: float | None = None

    @classmethod
    def from_json(cls, data: dict) -> Ranker:
        override, unopposed = data.get("override_threshold"), data.get("unopposed_threshold")
        return cls(
            Trees.from_json(data["model"]),
            float(data["threshold"]),
            None if override is None else float(override),
            None if unopposed is None else float(unopposed),
        )

    def best(self, X: np.ndarray, min_score: float | None = None) -> int | None:
        """The row of the best-scoring candidate, or None when there is none or it scores below ``min_score``
        (by default the threshold)."""
        if len(X) == 0:
            return None
        p = self.trees.proba(X)
        k = int(np.argmax(p))
        return k if p[k] >= (self.threshold if min_score is None else min_score) else None


def decode(probs: np.ndarray, threshold: float = 0.5, switch_cost: float = 0.0) -> np.ndarray:
    """Keep/drop per line: the most likely keep/drop sequence when every switch between the two costs
    ``switch_cost`` (in log-odds). Body and furniture come in runs; a lone doubtful line inside a run of
    body is kept, a lone prose-looking line inside a menu is dropped. ``switch_cost=0`` is a plain cut."""
    n = len(probs)
    if n == 0:
        return np.zeros(0, dtype=bool)
    p = np.minimum(np.maximum(probs, 1e-6), 1 - 1e-6)  # np.clip's dispatch costs more on a page's lines
    bias = np.log(threshold / (1 - threshold))
    keep_score = np.log(p / (1 - p)) - bias  # > 0: keep on its own
    if switch_cost <= 0:
        return keep_score >= 0
    # Viterbi over two states: 0 = drop (score 0), 1 = keep (score keep_score). On plain floats: numpy
    # scalars cost a microsecond per operation, and this loop runs once per line.
    gain = keep_score.tolist()
    score0, score1 = 0.0, gain[0]
    back0, back1 = [0] * n, [1] * n  # the state before line i on the best path into state 0 / 1 at line i
    for i in range(1, n):
        from1, from0 = score1 - switch_cost, score0 - switch_cost
        back0[i] = 0 if score0 >= from1 else 1
        back1[i] = 1 if score1 >= from0 else 0
        score0, score1 = max(score0, from1), max(score1, from0) + gain[i]
    state = 0 if score0 >= score1 else 1
    out = np.zeros(n, dtype=bool)
    for i in range(n - 1, -1, -1):
        out[i] = state == 1
        state = back1[i] if state else back0[i]
    return out
