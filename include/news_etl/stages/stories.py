"""The stories stage: keeps the lake's story tables current inside each publish transaction.

A publish brings a few articles; their stories are found without touching the rest of the lake:

1. **Candidates from the blocking index** (``story_terms``: each article's strongest terms). A new article is
   compared only with the articles that share one of its blocking terms, and only through a term that is not
   among the blocking terms of more than ``max_posting`` articles of the lake (config/stories.yaml).
2. **Exact similarities** (integer dot products, :mod:`news_etl.similarity`): a pair at least ``same_story``
   similar links two stories, at least ``near_duplicate`` makes the later article a near copy of the earlier.
3. **Stories join**: the new articles and the stories they link are merged (union-find over whole stories; a
   story's own links never need to be looked at again). The merged story takes the id of its smallest
   article id, and each id that goes away is recorded in ``story_merges``, so a story id an analyst saved
   still resolves (see ``sql/examples/story_of_saved_id.sql``).
4. **Terms that become too common**: a term that crosses ``max_posting`` with this publish stops linking
   articles, in the lake as a whole. The stories that had articles with that term are clustered again from
   their own members (the only stories that can lose a link; they may split). Each term does this once.

The result equals a full recompute (:func:`rebuild`, ``news-etl stories --rebuild``) over the same articles,
whatever the order and the batches they came in (a test checks it). A lake whose story tables were built
with other rules (``_meta.lake_state`` key ``stories``), or whose publishes ran with ``NEWS_ETL_STORIES=off``,
is rebuilt once by its next publish.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import csr_matrix

from news_etl import lake as lakes
from news_etl import similarity
from news_etl.schemas import ARTICLE_STORIES, STORY_MERGES, STORY_TERMS, to_table
from news_etl.settings import SQL_DIR

log = logging.getLogger(__name__)

#: Bumped when the clustering changes in a way that stored story tables no longer match.
ALGORITHM = 2
STATE_KEY = "stories"
OFF = "off"


@dataclass(frozen=True)
class StoriesResult:
    """What one publish (or rebuild) did to the story tables."""

    mode: str  # "incremental", "rebuild" or "off"
    articles: int  # articles clustered by this call (the run's, or all of them on a rebuild)
    stories: int  # stories in the lake afterwards
    stories_changed: int  # stories written (new, grown, merged or split)
    merges: int  # story ids that went away into another story
    reclustered: int  # earlier stories clustered again because a term became too common (they may split)
    pairs_compared: int
    seconds: float

    def to_xcom(self) -> dict:
        return asdict(self)

    @classmethod
    def from_xcom(cls, data: dict) -> StoriesResult:
        return cls(**data)


def fingerprint(config: similarity.StoryConfig | None = None) -> str:
    """What the stored story tables depend on besides the vectors: the clustering rules and algorithm."""
    c = config or similarity.load_config()
    return (
        f"v{ALGORITHM};blocking_terms={c.blocking_terms};max_posting={c.max_posting};"
        f"same_story={c.same_story};near_duplicate={c.near_duplicate}"
    )


def _state(con) -> str | None:
    row = con.execute(
        f"select value from {lakes.ALIAS}.{lakes.META_SCHEMA}.lake_state where key = ?", [STATE_KEY]
    ).fetchone()
    return row[0] if row else None


def _set_state(con, value: str) -> None:
    con.execute(f"DELETE FROM {lakes.ALIAS}.{lakes.META_SCHEMA}.lake_state WHERE key = ?", [STATE_KEY])
    con.execute(f"INSERT INTO {lakes.ALIAS}.{lakes.META_SCHEMA}.lake_state VALUES (?, ?)", [STATE_KEY, value])


def mark_off(con) -> None:
    """A publish without stories (``NEWS_ETL_STORIES=off``): the next publish with stories rebuilds them."""
    if _state(con) != OFF:
        _set_state(con, OFF)


def publish(con, run_id: str, at: datetime, articles: pa.Table, vectors: pa.Table) -> StoriesResult:
    """Bring the story tables up to date with this run's ``articles`` and their ``vectors``, inside the caller's
    transaction (the run's rows are already inserted): incrementally when the stored tables match the rules,
    else by a full :func:`rebuild`."""
    state = _state(con)
    if state != fingerprint():
        if state is not None:
            log.warning(
                "story tables were built %s; rebuilding them whole (once)",
                "while stories were off" if state == OFF else f"with other rules ({state})",
            )
        return rebuild(con, run_id, at)
    return update(con, run_id, at, articles, vectors)


# --------------------------------------------------------------------------- lookups


def _with_keys(con, sql: str, values) -> pa.Table:
    """``sql`` joined to ``_keys`` (one column ``k``: the given values), as Arrow."""
    return lakes.lookup_table(con, sql, lakes.key_table(values))


def _as_dict(table: pa.Table) -> dict:
    """A two-column result as {first column: second column}."""
    return dict(zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True))


def _term_counts(con, terms) -> dict[str, int]:
    """How many articles of the lake have each of these terms among their blocking terms."""
    if not terms:
        return {}
    return _as_dict(
        _with_keys(
            con,
            f"select term, count(*) as n from {lakes.ALIAS}.main.story_terms "
            "join _keys on term = _keys.k group by term",
            terms,
        )
    )


def _members(con, article_ids) -> pa.Table:
    """The article_stories rows of every story that has one of these articles."""
    if not article_ids:
        return ARTICLE_STORIES.empty_table()
    return _with_keys(
        con,
        f"""
        select m.article_id, m.story_id, m.near_duplicate_of, m.near_duplicate_similarity
        from {lakes.ALIAS}.main.article_stories as m
        where m.story_id in (select s.story_id from {lakes.ALIAS}.main.article_stories as s
                             join _keys on s.article_id = _keys.k)""",
        article_ids,
    )


def _vectors(con, article_ids) -> pa.Table:
    """article_id, terms, weights, seen_at of these published articles (seen_at: published_at else
    ingested_at, what says which of two articles came first)."""
    if not article_ids:
        return pa.table(
            {
                "article_id": pa.array([], pa.string()),
                "terms": pa.array([], pa.list_(pa.string())),
                "weights": pa.array([], pa.list_(pa.float32())),
                "seen_at": pa.array([], pa.timestamp("us", tz="UTC")),
            }
        )
    return _with_keys(
        con,
        f"""
        select v.article_id, any_value(v.terms) as terms, any_value(v.weights) as weights,
               any_value(coalesce(a.published_at, a.ingested_at)) as seen_at
        from {lakes.ALIAS}.main.article_vectors as v
        join _keys on v.article_id = _keys.k
        join {lakes.ALIAS}.main.articles as a on a.article_id = v.article_id
        group by v.article_id
        order by v.article_id""",
        article_ids,
    )


def _min_members(con, story_ids) -> dict[str, str]:
    """story_id -> its smallest article id (the one its id is derived from)."""
    if not story_ids:
        return {}
    return _as_dict(
        _with_keys(
            con,
            f"select story_id, min(article_id) as first "
            f"from {lakes.ALIAS}.main.article_stories "
            "join _keys on story_id = _keys.k group by story_id",
            story_ids,
        )
    )


def _story_rows(con, story_ids) -> pa.Table:
    """Rows of the stories table for these stories, from their members (sql/story_rows.sql)."""
    return _with_keys(con, (SQL_DIR / "story_rows.sql").read_text(encoding="utf-8"), story_ids)


def _write_stories(con, removed_ids, story_ids) -> int:
    """Replace the stories rows of ``removed_ids`` (ids gone or recomputed) by fresh rows for ``story_ids``."""
    gone = sorted(set(removed_ids) | set(story_ids))
    if gone:
        _with_keys(con, f"DELETE FROM {lakes.ALIAS}.main.stories WHERE story_id IN (select k from _keys)", gone)
    rows = _story_rows(con, story_ids) if story_ids else None
    if rows is not None:
        lakes.insert(con, "stories", rows)
    return rows.num_rows if rows is not None else 0


def _count_stories(con) -> int:
    return con.execute(f"select count(*) from {lakes.ALIAS}.main.stories").fetchone()[0]


# --------------------------------------------------------------------------- vectors as matrices


def _flat(vectors: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Term codes, lengths and weights of the vectors as flat arrays straight from Arrow (no per-term Python
    objects: at 100,000 articles that is 4 million terms), and the terms the codes stand for."""
    terms = vectors.column("terms").combine_chunks()
    flat_terms = terms.flatten()
    encoded = pc.dictionary_encode(flat_terms) if len(flat_terms) else None
    codes = (
        encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        if encoded is not None
        else np.empty(0, dtype=np.int64)
    )
    lengths = pc.list_value_length(terms).to_numpy(zero_copy_only=False).astype(np.int64)
    weights = vectors.column("weights").combine_chunks().flatten().to_numpy(zero_copy_only=False)
    vocab = encoded.dictionary.to_pylist() if encoded is not None else []
    return codes, lengths, weights.astype(np.float32), vocab


def _matrix(vectors: pa.Table) -> csr_matrix:
    """The vectors as one sparse matrix of integer weights (rows in table order)."""
    codes, lengths, weights, vocab = _flat(vectors)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    matrix = csr_matrix((similarity.int_weights(weights), codes, indptr), shape=(len(lengths), max(len(vocab), 1)))
    matrix.sort_indices()
    return matrix


def _blocking(terms: list[list[str]], n: int) -> list[list[str]]:
    return [ts[:n] for ts in terms]


def _cluster(vectors: pa.Table, config: similarity.StoryConfig, too_common: set[str] | None) -> similarity.Clustering:
    """:func:`similarity.cluster_arrays` on vectors read from the lake; ``too_common``: the lake's too-common
    blocking terms (None: the vectors are the whole lake, count here)."""
    ids = vectors.column("article_id").to_pylist()
    codes, lengths, weights, vocab = _flat(vectors)
    mask = None if too_common is None else np.array([t in too_common for t in vocab] or [False], dtype=bool)
    keys = list(zip(vectors.column("seen_at").to_pylist(), ids, strict=True))
    return similarity.cluster_arrays(ids, codes, lengths, weights, len(vocab), keys, config, too_common=mask)


# --------------------------------------------------------------------------- incremental update


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def update(con, run_id: str, at: datetime, articles: pa.Table, vectors: pa.Table) -> StoriesResult:
    """The incremental update (see the module's docstring)."""
    started = time.perf_counter()
    config = similarity.load_config()
    same_dot, near_dot = similarity.dot_threshold(config.same_story), similarity.dot_threshold(config.near_duplicate)

    # This run's articles, once each, not clustered yet (a retried publish finds them clustered).
    seen_at = {
        r["article_id"]: r["published_at"] or r["ingested_at"]
        for r in articles.select(["article_id", "published_at", "ingested_at"]).to_pylist()
    }
    vectors = vectors.filter(pc.is_in(vectors.column("article_id"), value_set=pa.array(sorted(seen_at), pa.string())))
    clustered = _with_keys(
        con,
        f"select article_id from {lakes.ALIAS}.main.article_stories join _keys on article_id = _keys.k",
        vectors.column("article_id").to_pylist(),
    )
    done = set(clustered.column("article_id").to_pylist())
    new_rows = {}
    for r in vectors.select(["article_id", "terms", "weights"]).to_pylist():
        if r["article_id"] not in done and r["article_id"] not in new_rows:
            new_rows[r["article_id"]] = r
    new_ids = sorted(new_rows)
    if not new_ids:
        return StoriesResult("incremental", 0, _count_stories(con), 0, 0, 0, 0, round(time.perf_counter() - started, 3))
    new = pa.table(
        {
            "article_id": pa.array(new_ids, pa.string()),
            "terms": pa.array([new_rows[a]["terms"] for a in new_ids], pa.list_(pa.string())),
            "weights": pa.array([new_rows[a]["weights"] for a in new_ids], pa.list_(pa.float32())),
            "seen_at": pa.array([seen_at[a] for a in new_ids], pa.timestamp("us", tz="UTC")),
        }
    )
    new_block = _blocking(new.column("terms").to_pylist(), config.blocking_terms)
    batch_count = Counter(t for ts in new_block for t in set(ts))
    old_count = _term_counts(con, batch_count)
    total = {t: old_count.get(t, 0) + n for t, n in batch_count.items()}
    active = {t for t, n in total.items() if n <= config.max_posting}
    # Terms this publish makes too common: the links they made between earlier articles are gone.
    retired = sorted(t for t in batch_count if 2 <= old_count.get(t, 0) <= config.max_posting < total[t])

    # 1. Stories that may lose links: clustered again from their own members.
    resplit: dict[str, str] = {}  # article_id -> label of its part after re-clustering
    resplit_near: dict[str, tuple[str, int]] = {}
    resplit_old: dict[str, str] = {}  # article_id -> its story before
    pairs = 0
    if retired:
        hit = (
            _with_keys(
                con,
                f"select distinct article_id from {lakes.ALIAS}.main.story_terms join _keys on term = _keys.k",
                retired,
            )
            .column("article_id")
            .to_pylist()
        )
        members = _members(con, hit)
        resplit_old = _as_dict(members.select(["article_id", "story_id"]))
        mvec = _vectors(con, list(resplit_old))
        m_terms = {t for ts in _blocking(mvec.column("terms").to_pylist(), config.blocking_terms) for t in ts}
        counts = _term_counts(con, m_terms)
        too_common = {t for t in m_terms if counts.get(t, 0) + batch_count.get(t, 0) > config.max_posting}
        result = _cluster(mvec, config, too_common)
        pairs += result.pairs_checked
        resplit = {a: "r:" + s for a, s in result.story_of.items()}
        resplit_near = {a: (b, result.near_dot[a]) for a, b in result.near_duplicate_of.items()}
        log.info(
            "stories: %d term(s) became too common; %d stories (%d articles) clustered again",
            len(retired),
            len(set(resplit_old.values())),
            len(resplit_old),
        )

    # 2. Candidates: earlier articles sharing an active blocking term with a new one.
    wanted = sorted(t for t in batch_count if t in active)
    postings = _with_keys(
        con, f"select term, article_id from {lakes.ALIAS}.main.story_terms join _keys on term = _keys.k", wanted
    )
    cand_ids = sorted(set(postings.column("article_id").to_pylist()))
    cand = _vectors(con, cand_ids)
    cand_ids = cand.column("article_id").to_pylist()
    links = _with_keys(
        con,
        f"select article_id, story_id, near_duplicate_of, near_duplicate_similarity "
        f"from {lakes.ALIAS}.main.article_stories join _keys on article_id = _keys.k",
        cand_ids,
    )
    old_story = _as_dict(links.select(["article_id", "story_id"]))
    if missing := [a for a in cand_ids if a not in old_story]:
        raise RuntimeError(
            f"story tables out of step with the index: {len(missing)} indexed article(s) have no "
            f"story (e.g. {missing[0]}); run `news-etl stories --rebuild`"
        )
    old_near = {
        a: (b, similarity.dot_of(s))
        for a, b, s in zip(
            links.column("article_id").to_pylist(),
            links.column("near_duplicate_of").to_pylist(),
            links.column("near_duplicate_similarity").to_pylist(),
            strict=True,
        )
        if b is not None
    }

    # 3. Exact similarities of the pairs through active terms: new x new and new x candidate.
    rows = pa.concat_tables([new, cand])
    n_new = new.num_rows
    row_of = {a: i for i, a in enumerate(rows.column("article_id").to_pylist())}
    by_term: dict[str, list[int]] = defaultdict(list)
    for i, ts in enumerate(new_block):
        for t in ts:
            if t in active:
                by_term[t].append(i)
    old_by_term: dict[str, list[int]] = defaultdict(list)
    for t, a in zip(postings.column("term").to_pylist(), postings.column("article_id").to_pylist(), strict=True):
        if a in row_of:
            old_by_term[t].append(row_of[a])
    codes = []
    m = rows.num_rows
    for t, fresh in by_term.items():
        f = np.array(fresh, dtype=np.int64)
        if len(f) > 1:
            upper, lower = np.triu_indices(len(f), 1)
            codes.append(f[upper] * m + f[lower])
        if old_by_term.get(t):
            o = np.array(old_by_term[t], dtype=np.int64)
            codes.append((f[:, None] * m + o[None, :]).ravel())
    pair_codes = np.unique(np.concatenate(codes)) if codes else np.empty(0, dtype=np.int64)
    pairs += len(pair_codes)
    pa_, pb_ = pair_codes // m, pair_codes % m
    dots = (
        similarity.pair_dots(_matrix(rows), np.stack([pa_, pb_], axis=1))
        if len(pair_codes)
        else np.empty(0, dtype=np.int64)
    )
    ids = rows.column("article_id").to_pylist()
    seen = rows.column("seen_at").to_pylist()

    # 4. Stories join: union-find over whole earlier stories (or their re-clustered parts) and new articles.
    def node(i: int) -> str:
        a = ids[i]
        if i < n_new:
            return "n:" + a
        return resplit.get(a) or "o:" + old_story[a]

    uf = _UnionFind()
    for a in new_ids:
        uf.find("n:" + a)
    for part in set(resplit.values()):
        uf.find(part)
    same = dots >= same_dot
    for i, j in zip(pa_[same].tolist(), pb_[same].tolist(), strict=True):
        uf.union(node(i), node(j))

    # 5. Near copies: the most similar earlier article (ties: the earliest), for each article a pair touches.
    best: dict[str, tuple[str | None, int]] = {a: (None, -1) for a in new_ids}
    best.update({a: resplit_near.get(a, (None, -1)) for a in resplit})
    key_of = {a: (s, a) for a, s in zip(ids, seen, strict=True)}
    changed_near: set[str] = set()
    is_near = dots >= near_dot
    for i, j, d in zip(pa_[is_near].tolist(), pb_[is_near].tolist(), dots[is_near].tolist(), strict=True):
        a, b = ids[i], ids[j]
        later, first = (a, b) if key_of[b] < key_of[a] else (b, a)
        current = best.get(later) or old_near.get(later, (None, -1))
        if current[0] is not None and current[0] not in key_of:
            key_of.update(_keys_of(con, [current[0]]))
        if d > current[1] or (d == current[1] and key_of[first] < key_of[current[0]]):
            best[later] = (first, d)
            changed_near.add(later)

    # 6. Final story ids (the smallest article of each story) and what changes.
    involved = sorted({old_story[a] for a in cand_ids if a not in resplit})
    first_of = {"o:" + s: f for s, f in _min_members(con, involved).items()}
    for a, part in resplit.items():
        first_of[part] = min(first_of.get(part, a), a)
    for a in new_ids:
        first_of["n:" + a] = a
    roots: dict[str, str] = {}
    for part in first_of:
        r = uf.find(part)
        roots[r] = min(roots.get(r, first_of[part]), first_of[part])
    final = {part: similarity.story_id_of([roots[uf.find(part)]]) for part in first_of}
    touched_roots = {uf.find(p) for p in first_of if not p.startswith("o:")}

    relabel = {s: final["o:" + s] for s in involved if final["o:" + s] != s}
    merges = dict(relabel)
    first_member: dict[str, str] = {}
    for a, s in resplit_old.items():
        first_member[s] = min(first_member.get(s, a), a)
    for s, first in first_member.items():  # a re-clustered story keeps its id in the part with its first article
        if final[resplit[first]] != s:
            merges[s] = final[resplit[first]]
    explicit = []
    for a in new_ids:
        near, dot = best[a]
        explicit.append((a, final["n:" + a], near, dot))
    for a in sorted(resplit):
        near, dot = best.get(a, (None, -1))
        explicit.append((a, final[resplit[a]], near, dot))
    for a in sorted(changed_near - set(new_ids) - set(resplit)):
        near, dot = best[a]
        explicit.append((a, final[node(row_of[a])], near, dot))

    if relabel:
        with lakes.registered(
            con,
            "_relabel",
            pa.table(
                {"old": pa.array(list(relabel), pa.string()), "new": pa.array(list(relabel.values()), pa.string())}
            ),
        ):
            con.execute(
                f"UPDATE {lakes.ALIAS}.main.article_stories AS t SET story_id = _relabel.new "
                "FROM _relabel WHERE t.story_id = _relabel.old"
            )
    old_explicit = sorted(set(resplit) | (changed_near - set(new_ids)))
    if old_explicit:
        _with_keys(
            con,
            f"DELETE FROM {lakes.ALIAS}.main.article_stories WHERE article_id IN (select k from _keys)",
            old_explicit,
        )
    lakes.insert(con, "article_stories", _links_table(explicit))
    _record_merges(con, merges, run_id, at)
    changed_ids = {final[p] for p in first_of if uf.find(p) in touched_roots}
    written = _write_stories(con, set(merges) | set(resplit_old.values()), sorted(changed_ids))
    lakes.insert(con, "story_terms", _terms_table(new_ids, new_block, [at] * len(new_ids)))
    seconds = round(time.perf_counter() - started, 3)
    n_stories = _count_stories(con)
    log.info(
        "stories: %d new article(s): %d candidate(s), %d pair(s) compared; %d stories written, %d merged "
        "away; %d stories in all (%.2fs)",
        len(new_ids),
        len(cand_ids),
        pairs,
        written,
        len(merges),
        n_stories,
        seconds,
    )
    return StoriesResult(
        "incremental", len(new_ids), n_stories, written, len(merges), len(first_member), pairs, seconds
    )


def _keys_of(con, article_ids) -> dict[str, tuple]:
    t = _with_keys(
        con,
        f"select article_id, coalesce(published_at, ingested_at) as seen_at "
        f"from {lakes.ALIAS}.main.articles join _keys on article_id = _keys.k",
        article_ids,
    )
    return {a: (s, a) for a, s in zip(t.column("article_id").to_pylist(), t.column("seen_at").to_pylist(), strict=True)}


def _links_table(rows: list[tuple[str, str, str | None, int]]) -> pa.Table:
    return to_table(
        [
            {
                "article_id": a,
                "story_id": s,
                "near_duplicate_of": f,
                "near_duplicate_similarity": similarity.similarity(d) if f is not None else None,
            }
            for a, s, f, d in rows
        ],
        ARTICLE_STORIES,
    )


def _terms_table(article_ids: list[str], blocking: list[list[str]], ingested_at: list[datetime]) -> pa.Table:
    rows = [
        {"term": t, "article_id": a, "ingested_at": at}
        for a, ts, at in zip(article_ids, blocking, ingested_at, strict=True)
        for t in dict.fromkeys(ts)
    ]
    return to_table(rows, STORY_TERMS)


def _record_merges(con, merges: dict[str, str], run_id: str, at: datetime) -> None:
    lakes.insert(
        con,
        "story_merges",
        to_table(
            [
                {"story_id": s, "merged_into_story_id": t, "run_id": run_id, "merged_at": at}
                for s, t in sorted(merges.items())
            ],
            STORY_MERGES,
        ),
    )


# --------------------------------------------------------------------------- full recompute


def rebuild(con, run_id: str, at: datetime) -> StoriesResult:
    """Recompute every story from every published article and rewrite the story tables (``story_merges`` keeps
    its history and gains a row for each story id that went away), inside the caller's transaction."""
    started = time.perf_counter()
    config = similarity.load_config()
    vectors = con.execute(f"""
        select v.article_id, any_value(v.terms) as terms, any_value(v.weights) as weights,
               any_value(coalesce(a.published_at, a.ingested_at)) as seen_at,
               any_value(a.ingested_at) as ingested_at
        from {lakes.ALIAS}.main.article_vectors as v
        join {lakes.ALIAS}.main.articles as a using (article_id)
        group by v.article_id
        order by v.article_id""").to_arrow_table()
    before = con.execute(
        f"select story_id, min(article_id) from {lakes.ALIAS}.main.article_stories group by story_id"
    ).fetchall()
    result = _cluster(vectors, config, None)
    ids = vectors.column("article_id").to_pylist()
    merges = {
        s: result.story_of[first] for s, first in before if first in result.story_of and result.story_of[first] != s
    }
    con.execute(f"DELETE FROM {lakes.ALIAS}.main.article_stories")
    con.execute(f"DELETE FROM {lakes.ALIAS}.main.story_terms")
    con.execute(f"DELETE FROM {lakes.ALIAS}.main.stories")
    lakes.insert(
        con,
        "article_stories",
        _links_table(
            [(a, result.story_of[a], result.near_duplicate_of.get(a), result.near_dot.get(a, -1)) for a in ids]
        ),
    )
    # The index keeps each article's own ingest time, as a publish writes it.
    lakes.insert(
        con,
        "story_terms",
        _terms_table(
            ids,
            _blocking(vectors.column("terms").to_pylist(), config.blocking_terms),
            vectors.column("ingested_at").to_pylist(),
        ),
    )
    _record_merges(con, merges, run_id, at)
    written = _write_stories(con, [], sorted(set(result.story_of.values())))
    _set_state(con, fingerprint(config))
    seconds = round(time.perf_counter() - started, 3)
    log.info(
        "stories rebuilt: %d article(s) in %d stories, %d near copies, %d pair(s) compared, %d id(s) merged "
        "away (%.1fs)",
        len(ids),
        written,
        len(result.near_duplicate_of),
        result.pairs_checked,
        len(merges),
        seconds,
    )
    return StoriesResult("rebuild", len(ids), written, written, len(merges), 0, result.pairs_checked, seconds)
