"""A learned line classifier: is this line article body or page furniture?

Features hold on any site (no word lists of particular pages): length and word counts, stop-word
density, sentence shape and punctuation, link/menu-like marks, position in the text, the prose density
of the neighbourhood, repeats, and whether a YAML rule fires. The model is a small gradient-boosted tree
ensemble stored as JSON (``models/line_model.json``), trained on newsbench ``dev/`` only by
``benchmarks/train_line_model.py``; inference is a few numpy operations per document.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from news_etl.settings import MODELS_DIR, ConfigError
from news_etl.text import WORD, stopwords

log = logging.getLogger(__name__)

MODEL_FILE = MODELS_DIR / "line_model.json"

_SENTENCE_ENDS = tuple(".!?…\"”’'»)")
_TITLE_SEPARATORS = re.compile(r"[|•·»›/]|\s[-–—]\s")
# The next three run on the lower-cased line: case-sensitive searches are several times faster.
_LINKISH = re.compile(r"https?://|www\.|@\w|\b[\w.+-]+@[\w-]+\.\w|\.(com|org|net|co\.\w\w)\b")
_COPYRIGHT = re.compile(r"©|\(c\)\s*\d{4}|all rights reserved|copyright")
_BYLINE = re.compile(r"^(by|written by|words by|reporting by)\b", re.IGNORECASE)
_DATEISH = re.compile(
    r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\b\d{1,2}:\d{2}\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
)
_DIGIT = re.compile(r"\d")
_LINK_MARKS = ("@", "://", "www.", ".com", ".org", ".net", ".co.")
_SEPARATOR_CHARS = frozenset("|•·»›/-–—")
_SENTENCE_CHARS = frozenset(".!?")
_SENTENCE_END = re.compile(r"[.!?][\"”’)]?\s+[A-Z“\"]")

FEATURES = [
    "log_words",
    "log_chars",
    "mean_word_len",
    "ends_terminal",
    "ends_colon",
    "stop_ratio",
    "cap_ratio",
    "digit_ratio",
    "punct_ratio",
    "has_separator",
    "linkish",
    "copyright",
    "byline",
    "dateish",
    "rule_hit",
    "all_caps",
    "sentences",
    "rel_pos",
    "from_start",
    "from_end",
    "repeats",
    "prose",
    "prose_w2",
    "prose_w5",
    "prose_w15",
    "words_w2",
    "stop_w2",
    "terminal_w2",
    "prev_prose",
    "next_prose",
    "run_share",
    "doc_prose_share",
    "doc_lines",
    "in_main_span",
    "dist_main_span",
    "topic_overlap",
    "topic_overlap_w2",
    "has_content_words",
]


def _smooth(x: np.ndarray, radius: int) -> np.ndarray:
    """Mean of x over a window of +-radius lines (shorter at the edges)."""
    n = len(x)
    if n == 0:
        return x
    c = np.concatenate([[0.0], np.cumsum(x)])
    lo = np.clip(np.arange(n) - radius, 0, n)
    hi = np.clip(np.arange(n) + radius + 1, 0, n)
    return (c[hi] - c[lo]) / (hi - lo)


def _line_counts(line: str, lower: str, stop: frozenset[str]) -> tuple[tuple, list[str]]:
    """Raw counts and flags of one line (turned into ratios for all lines at once, in numpy), plus its
    lower-cased words. ``lower`` is ``line.casefold()``, computed once by the caller."""
    words = WORD.findall(line)
    lower_words = list(map(str.casefold, words))  # map: no Python frame per word
    nw = len(words)
    chars = len(line)
    # Counted with C-level scans: a Python loop over characters dominated the feature cost.
    # Letters = word characters that are not digits or "_", minus the ' ’ - that join word parts.
    digits = _DIGIT.subn("", line)[1]
    joined = "".join(words)
    alpha = len(joined) - digits - joined.count("_") - joined.count("'") - joined.count("’") - joined.count("-")
    counts = (
        nw,
        chars,
        len(joined),  # the letters, digits and joiners of its words
        line.endswith(_SENTENCE_ENDS),
        line.endswith(":"),
        sum(map(stop.__contains__, lower_words)),
        sum([w[0].isupper() for w in words]),  # list comprehensions: measurably faster than generators here
        digits,
        chars - alpha - digits - line.count(" "),  # punctuation and symbols
        # Each regex runs only when a substring it cannot match without is present (C-level checks):
        # most lines of a page are short menu items that need none of them. Same values, less time.
        not _SEPARATOR_CHARS.isdisjoint(line) and bool(_TITLE_SEPARATORS.search(line)),
        # Every branch of _LINKISH needs one of these substrings ("." alone let nearly every sentence in).
        any(map(lower.__contains__, _LINK_MARKS)) and bool(_LINKISH.search(lower)),
        ("©" in lower or "(c)" in lower or "right" in lower) and bool(_COPYRIGHT.search(lower)),
        lower.startswith(("by", "written", "words", "reporting")) and bool(_BYLINE.match(line)),
        nw <= 15 and digits > 0 and bool(_DATEISH.search(lower)),  # every date form has a digit
        alpha > 3 and line.upper() == line,
        len(_SENTENCE_END.findall(line)) if not _SENTENCE_CHARS.isdisjoint(line) else 0,
    )
    return counts, lower_words


def line_features(lines: list[str], rule_hits: list[bool]) -> np.ndarray:
    """Feature matrix (one row per line, columns as :data:`FEATURES`) for the non-empty lines of a text."""
    n = len(lines)
    stop = stopwords()
    tokens: list[list[str]] = []
    raw: list[tuple] = []
    repeats: dict[str, int] = {}
    keys = [line.casefold() for line in lines]
    for key in keys:
        repeats[key] = repeats.get(key, 0) + 1
    for line, key in zip(lines, keys, strict=True):
        counts, lower_words = _line_counts(line, key, stop)
        raw.append(counts)
        tokens.append(lower_words)
    c = np.array(raw, dtype=np.float64).reshape(n, 16)
    nw, chars = c[:, 0], c[:, 1]
    safe_nw, safe_chars = np.maximum(nw, 1), np.maximum(chars, 1)
    pos = np.arange(n, dtype=np.float64)
    base = (
        np.column_stack(
            [
                np.log1p(nw),
                np.log1p(chars),
                c[:, 2] / safe_nw,
                c[:, 3],
                c[:, 4],
                c[:, 5] / safe_nw,
                c[:, 6] / safe_nw,
                c[:, 7] / safe_chars,
                c[:, 8] / safe_chars,
                c[:, 9],
                c[:, 10],
                c[:, 11],
                c[:, 12],
                c[:, 13],
                np.asarray(rule_hits, dtype=np.float64).reshape(n),
                c[:, 14],
                np.log1p(c[:, 15]),
                pos / max(1, n - 1),
                np.minimum(pos, 20) / 20,
                np.minimum(n - 1 - pos, 20) / 20,
                np.log1p(np.array([repeats[k] - 1 for k in keys], dtype=np.float64)),
                np.zeros(n),
            ]
        )
        if n
        else np.zeros((0, 22))
    )
    words_n = nw
    # "Prose": a line that reads like article text (long enough, sentence-shaped, function words).
    prose = ((words_n >= 12) & (base[:, 3] > 0) & (base[:, 5] >= 0.2)).astype(np.float64)
    base[:, 21] = prose
    ctx = np.zeros((n, 13))
    if n:
        ctx[:, 0] = _smooth(prose, 2)
        ctx[:, 1] = _smooth(prose, 5)
        ctx[:, 2] = _smooth(prose, 15)
        ctx[:, 3] = _smooth(base[:, 0], 2)
        ctx[:, 4] = _smooth(base[:, 5], 2)
        ctx[:, 5] = _smooth(base[:, 3], 2)
        ctx[:, 6] = np.concatenate([[0.0], prose[:-1]])
        ctx[:, 7] = np.concatenate([prose[1:], [0.0]])
        # Share of all prose words in the run of near-prose lines this line sits in (gaps of <= 2 lines).
        run_list: list[int] = []
        current, gap = 0, 99
        for is_prose in prose.tolist():  # plain floats: numpy scalar indexing is slow in a Python loop
            if is_prose:
                if gap > 2:
                    current += 1
                gap = 0
            else:
                gap += 1
            run_list.append(current if gap <= 2 else -1)
        run_id = np.array(run_list, dtype=int)
        total = float((words_n * prose).sum()) or 1.0
        run_words: dict[int, float] = {}
        for r, w in zip(run_list, (words_n * prose).tolist(), strict=True):
            if r >= 0:
                run_words[r] = run_words.get(r, 0.0) + w
        ctx[:, 8] = [run_words.get(r, 0.0) / total if r >= 0 else 0.0 for r in run_list]
        ctx[:, 9] = prose.mean()
        ctx[:, 10] = math.log1p(n)
        # The main span: from the first to the last line of the biggest prose run.
        main = max(run_words, key=lambda r: run_words[r]) if run_words else None
        if main is not None:
            idx = np.flatnonzero(run_id == main)
            lo, hi = idx.min(), idx.max()
            ctx[lo : hi + 1, 11] = 1.0
            at = np.arange(n)
            ctx[:, 12] = np.log1p(np.maximum(lo - at, 0) + np.maximum(at - hi, 0))
    return np.hstack([base, ctx, _topic_features(tokens, prose, ctx[:, 11] if n else np.zeros(0), stop)])


def _topic_features(tokens: list[list[str]], prose: np.ndarray, main: np.ndarray, stop: frozenset[str]) -> np.ndarray:
    """How much a line talks about what the main text talks about (teasers of other stories do not)."""
    n = len(tokens)
    out = np.zeros((n, 3))
    if n == 0:
        return out
    bags = [[w for w in words if len(w) > 3 and w not in stop] for words in tokens]  # tokens are lower-cased
    in_main = [bool(p and m) for p, m in zip(prose.tolist(), main.tolist(), strict=True)]
    ref: dict[str, int] = {}
    for bag, inside in zip(bags, in_main, strict=True):
        if inside:
            for w in bag:
                ref[w] = ref.get(w, 0) + 1
    overlap = [0.5] * n  # no content words: no evidence either way
    has_words = [0.0] * n
    for i, (bag, inside) in enumerate(zip(bags, in_main, strict=True)):
        if not bag:
            continue
        has_words[i] = 1.0
        if inside:  # the reference includes this line itself: count only words found elsewhere too
            own: dict[str, int] = {}
            for w in bag:
                own[w] = own.get(w, 0) + 1
            overlap[i] = sum(1 for w in bag if ref.get(w, 0) - own[w] > 0) / len(bag)
        else:
            overlap[i] = sum(map(ref.__contains__, bag)) / len(bag)
    out[:, 0] = overlap
    out[:, 1] = _smooth(out[:, 0], 2)
    out[:, 2] = has_words
    return out


class Trees:
    """Gradient-boosted trees, packed into (trees x nodes) arrays so that all trees walk one level at a
    time together: a handful of numpy operations per level instead of per tree."""

    def __init__(self, base_score: float, learning_rate: float, trees: list[dict]) -> None:
        self.base_score = float(base_score)
        self.learning_rate = float(learning_rate)
        width = max((len(t["feature"]) for t in trees), default=1)
        n = len(trees)
        self.feature = np.full((n, width), -1, dtype=np.int64)
        self.threshold = np.zeros((n, width))
        self.left = np.zeros((n, width), dtype=np.int64)
        self.right = np.zeros((n, width), dtype=np.int64)
        self.value = np.zeros((n, width))
        for k, t in enumerate(trees):
            m = len(t["feature"])
            self.feature[k, :m] = t["feature"]
            self.threshold[k, :m] = t["threshold"]
            self.left[k, :m] = np.maximum(t["left"], 0)
            self.right[k, :m] = np.maximum(t["right"], 0)
            self.value[k, :m] = t["value"]
        self.depth = max((int(t["depth"]) for t in trees), default=0)

    @classmethod
    def from_json(cls, data: dict) -> Trees:
        return cls(data["base_score"], data["learning_rate"], data["trees"])

    def margin(self, X: np.ndarray) -> np.ndarray:
        n, n_trees = len(X), len(self.feature)
        if n == 0 or n_trees == 0:
            return np.full(n, self.base_score)
        # Flat indexes (tree * width + node, row * n_features + feature): np.take on 1-D arrays is
        # several times faster than 2-D fancy indexing.
        width = self.feature.shape[1]
        feature, threshold = self.feature.ravel(), self.threshold.ravel()
        left, right = self.left.ravel(), self.right.ravel()
        flat_x = np.ascontiguousarray(X, dtype=np.float64).ravel()
        tree_base = (np.arange(n_trees) * width)[None, :]
        row_base = (np.arange(n) * X.shape[1])[:, None]
        pos = np.broadcast_to(tree_base, (n, n_trees)).copy()
        for _ in range(self.depth):
            feat = feature.take(pos)
            x = flat_x.take(row_base + np.maximum(feat, 0))
            child = np.where(x <= threshold.take(pos), left.take(pos), right.take(pos))
            pos = np.where(feat < 0, pos, tree_base + child)
        return self.base_score + self.learning_rate * self.value.ravel().take(pos).sum(axis=1)

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

    @classmethod
    def from_json(cls, data: dict) -> Ranker:
        override = data.get("override_threshold")
        return cls(
            Trees.from_json(data["model"]), float(data["threshold"]), None if override is None else float(override)
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
    p = np.clip(probs, 1e-6, 1 - 1e-6)
    bias = np.log(threshold / (1 - threshold))
    keep_score = np.log(p / (1 - p)) - bias  # > 0: keep on its own
    if switch_cost <= 0:
        return keep_score >= 0
    # Viterbi over two states: 0 = drop (score 0), 1 = keep (score keep_score).
    score = np.array([0.0, keep_score[0]])
    back = np.zeros((n, 2), dtype=np.int8)
    for i in range(1, n):
        stay0, from1 = score[0], score[1] - switch_cost
        stay1, from0 = score[1], score[0] - switch_cost
        back[i, 0] = 0 if stay0 >= from1 else 1
        back[i, 1] = 1 if stay1 >= from0 else 0
        score = np.array([max(stay0, from1), max(stay1, from0) + keep_score[i]])
    state = int(np.argmax(score))
    out = np.zeros(n, dtype=bool)
    for i in range(n - 1, -1, -1):
        out[i] = state == 1
        state = int(back[i, state])
    return out
