"""Incremental stories equal the full recompute, whatever the order and the batches articles come in."""

from __future__ import annotations

import dataclasses
import math
import random
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from news_etl import lake as lakes
from news_etl import similarity
from news_etl.schemas import ARTICLE_VECTORS, ARTICLES
from news_etl.stages import stories

from .conftest import lake_of

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _vector(rng: random.Random, terms: list[str]) -> tuple[list[str], list[float]]:
    weights = {t: rng.uniform(0.2, 1.0) for t in terms}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    top = sorted(((t, round(w / norm, 5)) for t, w in weights.items()), key=lambda kv: (-kv[1], kv[0]))
    return [t for t, _ in top], [w for _, w in top]


def synthetic_articles(n: int = 70, seed: int = 5) -> list[dict]:
    """Articles of a dozen topics: topic words plus shared noise words; some bridge two topics, some are
    near copies (identical vectors too: exact ties), some have no vector, and several share a time."""
    rng = random.Random(seed)
    topics = [[f"topic{k}word{i}" for i in range(12)] for k in range(12)]
    noise = [f"common{i}" for i in range(25)]
    out: list[dict] = []
    for i in range(n):
        kind = rng.random()
        if kind < 0.05:
            terms, weights = [], []
        elif kind < 0.15 and out:
            base = rng.choice(out)
            terms, weights = base["terms"], base["weights"]  # an exact copy of the vector
        else:
            topic = rng.choice(topics)
            words = rng.sample(topic, 6) + rng.sample(noise, 4)
            if kind > 0.9:
                words += rng.sample(rng.choice(topics), 4)  # a bridge to another topic
            terms, weights = _vector(rng, words)
        out.append(
            {
                "article_id": f"a{rng.getrandbits(40):010x}",
                "terms": terms,
                "weights": weights,
                "published_at": AT + timedelta(hours=rng.randrange(20)) if rng.random() < 0.8 else None,
                "title": rng.choice([None, "", f"Title {i}"]),
                "publisher": rng.choice(["p1", "p2", None]),
                "source_path": f"outlet{rng.randrange(3)}/f{i}.txt",
                # the article's own time, whichever batch brings it: orders then compare like for like
                "ingested_at": AT + timedelta(hours=rng.randrange(30)),
            }
        )
    return out


def _tables(batch: list[dict], run_id: str, at: datetime) -> tuple[pa.Table, pa.Table]:
    arts = [
        {f.name: None for f in ARTICLES}
        | {
            "article_id": a["article_id"],
            "run_id": run_id,
            "source_path": a["source_path"],
            "record_index": 0,
            "file_hash": a["article_id"],
            "content_hash": a["article_id"],
            "source_format": "txt",
            "title": a["title"],
            "published_at": a["published_at"],
            "publisher": a["publisher"],
            "word_count": 100,
            "reading_time_minutes": 0.5,
            "body": "text",
            "lines_removed": 0,
            "ingested_at": a.get("ingested_at", at),
        }
        for a in batch
    ]
    vecs = [
        {
            "article_id": a["article_id"],
            "run_id": run_id,
            "terms": a["terms"],
            "weights": a["weights"],
            "ingested_at": at,
        }
        for a in batch
    ]
    return pa.Table.from_pylist(arts, schema=ARTICLES), pa.Table.from_pylist(vecs, schema=ARTICLE_VECTORS)


def publish(lake: lakes.Lake, batch: list[dict], run_id: str, at: datetime) -> stories.StoriesResult:
    articles, vectors = _tables(batch, run_id, at)

    def body(con):
        lakes.insert(con, "articles", articles)
        lakes.insert(con, "article_vectors", vectors)
        return stories.publish(con, run_id, at, articles, vectors)

    return lakes.transaction(lake, body)


def story_tables(lake: lakes.Lake) -> dict[str, list[tuple]]:
    with lakes.reader(lake) as con:
        return {
            "article_stories": con.execute("select * from article_stories order by article_id").fetchall(),
            "stories": con.execute("select * from stories order by story_id").fetchall(),
            "story_terms": con.execute("select term, article_id from story_terms order by all").fetchall(),
        }


def rebuild(lake: lakes.Lake) -> None:
    lakes.transaction(lake, lambda con: stories.rebuild(con, "rebuild", AT))


@pytest.fixture
def small_postings(monkeypatch):
    """Terms retire (become too common to block on) after 6 articles: every code path of the update runs."""
    config = dataclasses.replace(similarity.load_config(), max_posting=6)
    monkeypatch.setattr(similarity, "load_config", lambda: config)
    return config


def _feed(lake: lakes.Lake, articles: list[dict], batch_size: int) -> list[stories.StoriesResult]:
    results = []
    for k in range(0, len(articles), batch_size):
        at = AT + timedelta(minutes=k)
        results.append(publish(lake, articles[k : k + batch_size], f"run-{k}", at))
    return results


def test_incremental_equals_full_recompute_in_any_order_and_batches(tmp_path, small_postings) -> None:
    articles = synthetic_articles()
    outcomes = []
    for n, (seed, batch_size) in enumerate([(1, 1), (2, 7), (3, 30), (4, len(articles))]):
        order = articles[:]
        random.Random(seed).shuffle(order)
        lake = lake_of(tmp_path / f"lake{n}")
        results = _feed(lake, order, batch_size)
        assert results[0].mode == "rebuild"  # a new lake: its first publish builds the tables
        assert all(r.mode == "incremental" for r in results[1:])
        if batch_size < 10:  # every code path ran: stories merged, and stories split when a term became common
            assert sum(r.merges for r in results) > 0 and sum(r.reclustered for r in results) > 0
        incremental = story_tables(lake)
        rebuild(lake)
        assert story_tables(lake) == incremental, f"order {seed}, batches of {batch_size}"
        outcomes.append(incremental)
    assert all(o == outcomes[0] for o in outcomes)
    # The test means something: several stories of several articles, near copies, stories that merged.
    links = outcomes[0]["article_stories"]
    sizes = [row[3] for row in outcomes[0]["stories"]]
    assert sum(1 for s in sizes if s > 1) >= 5 and len(sizes) >= 15
    assert sum(1 for row in links if row[2] is not None) >= 5


def test_merges_are_recorded_and_a_saved_story_id_still_resolves(tmp_path, small_postings) -> None:
    rng = random.Random(3)
    shared = [f"bridge{i}" for i in range(5)]
    left = [
        {
            "article_id": "b2",
            "terms": [],
            "weights": [],
            "published_at": AT,
            "title": "B",
            "publisher": "p",
            "source_path": "x/b2.txt",
        }
    ]
    left[0]["terms"], left[0]["weights"] = _vector(rng, [*shared[:3], "leftonly1", "leftonly2"])
    right = {"article_id": "c3", "published_at": AT, "title": "C", "publisher": "q", "source_path": "y/c3.txt"}
    right["terms"], right["weights"] = _vector(rng, [*shared[2:], "rightonly1", "rightonly2"])
    lake = lake_of(tmp_path / "lake")
    publish(lake, [*left, right], "run-1", AT)
    with lakes.reader(lake) as con:
        saved = dict(con.execute("select article_id, story_id from article_stories").fetchall())
    assert saved["b2"] != saved["c3"]  # not similar enough to each other
    bridge = {"article_id": "a1", "published_at": AT, "title": "A", "publisher": "r", "source_path": "z/a1.txt"}
    bridge["terms"], bridge["weights"] = _vector(rng, shared)
    result = publish(lake, [bridge], "run-2", AT + timedelta(hours=1))
    assert result.mode == "incremental" and result.merges == 2
    with lakes.reader(lake) as con:
        now = dict(con.execute("select article_id, story_id from article_stories").fetchall())
        assert now["a1"] == now["b2"] == now["c3"] == similarity.story_id_of(["a1"])
        sql = (stories.SQL_DIR / "examples" / "story_of_saved_id.sql").read_text()
        resolved = dict(con.execute(f"select saved_story_id, current_story_id from ({sql})").fetchall())
        assert resolved == {saved["b2"]: now["a1"], saved["c3"]: now["a1"]}
        assert con.execute("select count(*) from story_merges").fetchone()[0] == 2


def test_a_lake_whose_stories_were_off_or_built_with_other_rules_is_rebuilt_once(tmp_path, monkeypatch) -> None:
    articles = synthetic_articles(20)
    lake = lake_of(tmp_path / "lake")
    assert publish(lake, articles[:10], "run-1", AT).mode == "rebuild"
    assert publish(lake, articles[10:15], "run-2", AT).mode == "incremental"
    config = dataclasses.replace(similarity.load_config(), same_story=0.5)
    monkeypatch.setattr(similarity, "load_config", lambda: config)
    assert publish(lake, articles[15:], "run-3", AT).mode == "rebuild"
    with lakes.reader(lake) as con:
        assert con.execute("select count(*) from article_stories").fetchone()[0] == 20
