"""Stories: one story across outlets, near-duplicates, and exact duplicates of published bodies.

Each article gets a *story vector*: its content words weighted by TF-IDF against the reference news
corpus (``models/idf.json``), L2-normalised and cut to its strongest terms. Two articles are

- **exact duplicates** when their normalised bodies are equal (``content_hash``);
- **near-duplicates** when the cosine of their vectors is at least ``near_duplicate`` (config/stories.yaml);
- **the same story** when a chain of pairs with cosine at least ``same_story`` links them.

Why not shingle MinHash: measured on the seeds (five outlets, one story) the word 5-shingle Jaccard of
their pairs is 0.003-0.024, the same as unrelated BBC pairs (up to 0.020); rewrites share words, not
phrases. The vector cosine separates them (seeds' pairs 0.35-0.59, unrelated BBC pairs at most 0.39,
99.9% below 0.20). Candidate pairs come from blocking on each article's top terms (an inverted index),
so the work grows with the number of articles that share rare words, not with all pairs.

The result is a function of the set of articles: it does not depend on the order files arrived in, and a
story's id is derived from its smallest article id. Every similarity is an exact integer (weights are kept
to 5 decimals, so ``weight * 10**5`` is an integer and a dot product of two vectors is exact whatever the
order of its terms): the incremental update of :mod:`news_etl.stages.stories` and a full recompute therefore
agree to the last bit, thresholds and ties included.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import yaml

from news_etl.nlp.config import load_idf
from news_etl.settings import CONFIG_DIR
from news_etl.text import normalise_for_hash, stopwords

log = logging.getLogger(__name__)

#: A story term: letters only, three or more (numbers and short words say little about what a story is).
_TERM = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class StoryConfig:
    terms_per_article: int
    blocking_terms: int
    max_posting: int
    same_story: float
    near_duplicate: float


@lru_cache(maxsize=1)
def load_config() -> StoryConfig:
    with open(CONFIG_DIR / "stories.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return StoryConfig(
        terms_per_article=int(raw["terms_per_article"]),
        blocking_terms=int(raw["blocking_terms"]),
        max_posting=int(raw["max_posting"]),
        same_story=float(raw["thresholds"]["same_story"]),
        near_duplicate=float(raw["thresholds"]["near_duplicate"]),
    )


def story_vector(body: str, config: StoryConfig | None = None) -> tuple[list[str], list[float]]:
    """The article's strongest content words and their weights (TF-IDF, unit length), strongest first."""
    config = config or load_config()
    stop, idf = stopwords(), load_idf()
    counts = Counter(w for w in _TERM.findall(normalise_for_hash(body)) if w not in stop)
    if not counts:
        return [], []
    weights = {w: (1.0 + math.log(n)) * idf(w) for w, n in counts.items()}
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[: config.terms_per_article]
    # Unit length after the cut: the cosine of two cut vectors then stays on the 0..1 scale of the whole.
    norm = math.sqrt(sum(x * x for _, x in top))
    return [w for w, _ in top], [round(x / norm, 5) for _, x in top]


def cosine(a: tuple[list[str], list[float]], b: tuple[list[str], list[float]]) -> float:
    wb = dict(zip(*b, strict=True))
    return sum(x * wb.get(t, 0.0) for t, x in zip(*a, strict=True))


#: Weights are stored rounded to 5 decimals: times this they are integers.
WEIGHT_SCALE = 100_000


def int_weights(weights: np.ndarray) -> np.ndarray:
    """Stored (float32) weights as the exact integers they were rounded from."""
    return np.rint(np.asarray(weights, dtype=np.float64) * WEIGHT_SCALE).astype(np.int64)


def dot_threshold(cosine_threshold: float) -> int:
    """A cosine threshold on the integer dot-product scale (``WEIGHT_SCALE ** 2`` is a cosine of 1)."""
    return round(cosine_threshold * WEIGHT_SCALE * WEIGHT_SCALE)


def similarity(dot: int) -> float:
    """The cosine an integer dot product stands for (what ``article_stories`` stores)."""
    return dot / (WEIGHT_SCALE * WEIGHT_SCALE)


def dot_of(cosine_value: float) -> int:
    """The integer dot product a stored similarity stands for (exact: it was stored as ``similarity(dot)``)."""
    return round(cosine_value * WEIGHT_SCALE * WEIGHT_SCALE)


@dataclass
class Clustering:
    story_of: dict[str, str]  # article_id -> story_id
    near_duplicate_of: dict[str, str]  # article_id -> the earlier article it nearly copies
    pairs_checked: int
    near_dot: dict[str, int] = field(default_factory=dict)  # article_id -> integer dot with near_duplicate_of


def story_id_of(members: Iterable[str]) -> str:
    return "s" + hashlib.sha256(min(members).encode()).hexdigest()[:15]


def cluster(
    article_ids: list[str],
    terms: list[list[str]],
    weights: list[list[float]],
    order_keys: list[tuple] | None = None,
    config: StoryConfig | None = None,
) -> Clustering:
    """Stories (connected components of same-story pairs) and near-duplicate links for a set of articles.

    ``order_keys`` say which of two articles came first (e.g. (published_at, article_id)); a
    near-duplicate points to the earlier one. Deterministic for a given set, whatever its order.
    """
    vocab: dict[str, int] = {}
    codes = np.fromiter((vocab.setdefault(t, len(vocab)) for ts in terms for t in ts), dtype=np.int64)
    lengths = np.fromiter((len(ts) for ts in terms), dtype=np.int64, count=len(terms))
    flat = np.fromiter((w for ws in weights for w in ws), dtype=np.float32, count=len(codes))
    return cluster_arrays(article_ids, codes, lengths, flat, len(vocab), order_keys, config)


def cluster_arrays(
    article_ids: list[str],
    term_codes: np.ndarray,
    lengths: np.ndarray,
    flat_weights: np.ndarray,
    n_terms: int,
    order_keys: list[tuple] | None = None,
    config: StoryConfig | None = None,
    too_common: np.ndarray | None = None,
) -> Clustering:
    """:func:`cluster` on flat arrays (each article's term codes, strongest first, then the next one's):
    what the pipeline reads from the lake's ``article_vectors`` without building Python lists.

    ``too_common``: per term code, whether the term is among the blocking terms of more than ``max_posting``
    articles *of the whole lake* (then it does not block). By default the set given is the whole lake and the
    posting sizes are counted here; the incremental update clusters a part of the lake and passes the lake's.
    """
    from scipy.sparse import coo_matrix, csr_matrix
    from scipy.sparse.csgraph import connected_components

    config = config or load_config()
    n = len(article_ids)
    if n == 0:
        return Clustering({}, {}, 0)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    # A canonical row order (by article id): the order articles arrive in cannot change the result.
    perm = np.array(sorted(range(n), key=article_ids.__getitem__), dtype=np.int64)
    ids = [article_ids[i] for i in perm]
    keys = [order_keys[i] for i in perm] if order_keys is not None else [(a,) for a in ids]
    rank = np.empty(n, dtype=np.int64)  # position of each (canonical) row in arrival order by key
    rank[np.array(sorted(range(n), key=keys.__getitem__), dtype=np.int64)] = np.arange(n)
    matrix = csr_matrix((int_weights(flat_weights), term_codes, indptr), shape=(n, max(n_terms, 1)))[perm]
    matrix.has_sorted_indices = False  # row order of terms (strongest first) matters below: keep it

    # Blocking postings: (term, row) for each row's strongest terms, grouped by term.
    row_len = np.diff(matrix.indptr)
    row_of = np.repeat(np.arange(n, dtype=np.int64), row_len)
    pos = np.arange(len(matrix.indices), dtype=np.int64) - np.repeat(matrix.indptr[:-1], row_len)
    keep = pos < config.blocking_terms
    b_terms, b_rows = matrix.indices[keep].astype(np.int64), row_of[keep]
    order = np.lexsort((b_rows, b_terms))
    b_terms, b_rows = b_terms[order], b_rows[order]
    del row_of, pos, keep
    # From here on only dot products: canonical (sorted) rows let scipy multiply them without copies.
    matrix.sort_indices()
    bounds = np.flatnonzero(np.diff(b_terms)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(b_terms)]])

    edges_a: list[np.ndarray] = []
    edges_b: list[np.ndarray] = []
    same_dot, near_dot = dot_threshold(config.same_story), dot_threshold(config.near_duplicate)
    best_sim = np.full(n, -1, dtype=np.int64)
    best_first = np.full(n, -1, dtype=np.int64)
    best_rank = np.full(n, n, dtype=np.int64)
    checked = 0

    def score(codes: np.ndarray) -> None:
        nonlocal checked
        codes = np.unique(codes)  # a pair sharing several top terms is scored once per chunk
        checked += len(codes)
        a, b = codes // n, codes % n
        sims = pair_dots(matrix, np.stack([a, b], axis=1))
        same = sims >= same_dot
        edges_a.append(a[same])
        edges_b.append(b[same])
        near = sims >= near_dot
        if near.any():
            na, nb, ns = a[near], b[near], sims[near]
            a_first = rank[na] <= rank[nb]
            first = np.where(a_first, na, nb)
            later = np.where(a_first, nb, na)
            # Per later article, the most similar earlier one (ties: the earliest), kept in two n-sized
            # arrays across chunks: memory does not grow with the number of near pairs.
            order = np.lexsort((rank[first], -ns, later))
            later, first, ns = later[order], first[order], ns[order]
            head = np.concatenate([[True], later[1:] != later[:-1]])
            later, first, ns = later[head], first[head], ns[head]
            better = (ns > best_sim[later]) | ((ns == best_sim[later]) & (rank[first] < best_rank[later]))
            later, first, ns = later[better], first[better], ns[better]
            best_sim[later], best_first[later], best_rank[later] = ns, first, rank[first]

    pending: list[np.ndarray] = []
    pending_size = 0
    for s0, e0 in zip(starts.tolist(), ends.tolist(), strict=True):
        size = e0 - s0
        if size < 2 or (size > config.max_posting if too_common is None else too_common[b_terms[s0]]):
            continue  # a term among the top terms of very many articles says little: not used to block
        members = b_rows[s0:e0]  # ascending within a term
        i, j = np.triu_indices(size, 1)
        pending.append(members[i] * n + members[j])
        pending_size += len(i)
        if pending_size >= _CHUNK_PAIRS:
            score(np.concatenate(pending))
            pending, pending_size = [], 0
    if pending:
        score(np.concatenate(pending))

    ea = np.concatenate(edges_a) if edges_a else np.empty(0, dtype=np.int64)
    eb = np.concatenate(edges_b) if edges_b else np.empty(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(ea), dtype=np.int8), (ea, eb)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = defaultdict(list)
    for row, label in enumerate(labels.tolist()):
        groups[label].append(row)
    story_of = {}
    for rows in groups.values():
        sid = story_id_of(ids[r] for r in rows)
        for r in rows:
            story_of[ids[r]] = sid

    has = np.flatnonzero(best_first >= 0)
    near_of = {ids[a]: ids[b] for a, b in zip(has.tolist(), best_first[has].tolist(), strict=True)}
    near_dots = {ids[a]: int(d) for a, d in zip(has.tolist(), best_sim[has].tolist(), strict=True)}
    return Clustering(story_of=story_of, near_duplicate_of=near_of, pairs_checked=checked, near_dot=near_dots)


#: Candidate pairs scored at once: bounds the memory of the pair arrays (about 40 MB a chunk).
_CHUNK_PAIRS = 1_000_000


def pair_dots(matrix, pairs: np.ndarray, chunk: int = 200_000) -> np.ndarray:
    """Integer dot products of the given row pairs of a sparse matrix of integer weights (exact)."""
    out = np.empty(len(pairs), dtype=np.int64)
    for start in range(0, len(pairs), chunk):
        p = pairs[start : start + chunk]
        out[start : start + len(p)] = np.asarray(matrix[p[:, 0]].multiply(matrix[p[:, 1]]).sum(axis=1)).ravel()
    return out
