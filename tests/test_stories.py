"""Stories: exact duplicates, near-duplicates and one story across outlets."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from news_etl import lake as lakes
from news_etl import similarity
from news_etl.runner import run_ingest
from news_etl.settings import get_settings

from .conftest import RUN_AT, SEEDS, lake_of

BRIDGE = (
    "The city council voted on Thursday to close the Riverside Bridge to all traffic from next month, after "
    "engineers found deep cracks in two of its supporting piers. Mayor Helen Carter said the closure would "
    "last at least a year while contractors rebuild the piers. Commuters will be diverted to the Northgate "
    "crossing, where the council expects long queues during the morning rush. The Riverside Bridge, opened "
    "in 1931, carries about 40,000 vehicles a day."
)
BRIDGE_REWORDED = (
    "Riverside Bridge will shut to every vehicle next month, the city council decided on Thursday, "
    "because inspectors discovered deep cracks in two supporting piers. The closure is expected to "
    "last at least a year as contractors rebuild the piers, Mayor Helen Carter said. Drivers will be "
    "sent over the Northgate crossing, and the council warned of long morning queues. The 1931 "
    "bridge carries some 40,000 vehicles daily."
)
FOOTBALL = (
    "United beat City 3-1 on Saturday with two late goals from their new striker, who has now scored in "
    "five straight league matches. The manager praised his team's patience after a goalless first half, "
    "and said the squad was ready for next week's cup final against Rovers at the national stadium."
)


def _vec(text: str):
    return similarity.story_vector(text)


def test_similarity_of_identical_reworded_and_unrelated_texts() -> None:
    assert similarity.cosine(_vec(BRIDGE), _vec(BRIDGE)) == pytest.approx(1.0, abs=1e-4)
    reworded = similarity.cosine(_vec(BRIDGE), _vec(BRIDGE_REWORDED))
    unrelated = similarity.cosine(_vec(BRIDGE), _vec(FOOTBALL))
    config = similarity.load_config()
    assert reworded >= config.same_story
    assert unrelated < 0.1


def test_vectors_are_unit_length_and_bounded() -> None:
    terms, weights = _vec(BRIDGE)
    assert len(terms) == len(weights) <= similarity.load_config().terms_per_article
    assert sum(w * w for w in weights) == pytest.approx(1.0, abs=1e-3)
    assert _vec("") == ([], [])


def _cluster(texts: dict[str, str]) -> similarity.Clustering:
    ids = list(texts)
    vecs = [_vec(texts[i]) for i in ids]
    return similarity.cluster(ids, [v[0] for v in vecs], [v[1] for v in vecs])


def test_cluster_groups_a_story_and_links_the_near_copy_to_the_earlier_article() -> None:
    result = _cluster({"a1": BRIDGE, "a2": BRIDGE_REWORDED, "a3": FOOTBALL})
    assert result.story_of["a1"] == result.story_of["a2"] != result.story_of["a3"]
    assert result.near_duplicate_of == {"a2": "a1"}


def test_clusters_do_not_depend_on_arrival_order() -> None:
    texts = {"a1": BRIDGE, "a2": BRIDGE_REWORDED, "a3": FOOTBALL, "a4": FOOTBALL + " Tickets sold out."}
    first = _cluster(texts)
    items = list(texts.items())
    random.Random(7).shuffle(items)
    second = _cluster(dict(items))
    assert first.story_of == second.story_of
    assert first.near_duplicate_of == second.near_duplicate_of


def _q(lake: Path, sql: str) -> list[tuple]:
    return lakes.query(lake_of(lake), sql)[1]


def test_the_seeds_are_one_story_and_000_nearly_copies_001(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    run_ingest(get_settings(nlp=False).with_paths(SEEDS, lake), "stories-1", RUN_AT, clock=lambda: RUN_AT)
    assert _q(lake, "select n_articles, n_sources from stories") == [(5, 5)]
    near = dict(
        _q(
            lake,
            "select a.source_path, n.source_path from article_stories s join articles a "
            "using (article_id) left join articles n on n.article_id = s.near_duplicate_of",
        )
    )
    assert near["000_0c3f8b5bdfad040c.txt"] == "001_d4a9da04ce5f80a8.txt"


def test_an_exact_body_duplicate_is_recorded_not_published(tmp_path: Path) -> None:
    inbox, lake = tmp_path / "inbox", tmp_path / "lake"
    inbox.mkdir()
    shutil.copy(SEEDS / "001_d4a9da04ce5f80a8.txt", inbox / "a.txt")
    # The same article, re-scraped: other bytes (CRLF line ends, trailing spaces), same normalised body.
    text = (SEEDS / "001_d4a9da04ce5f80a8.txt").read_text(encoding="utf-8")
    (inbox / "b.txt").write_bytes(text.replace("\n", "  \r\n").encode())
    settings = get_settings(nlp=False).with_paths(inbox, lake)
    run_ingest(settings, "dup-1", RUN_AT, clock=lambda: RUN_AT)
    assert _q(lake, "select count(*) from articles") == [(1,)]
    assert _q(lake, "select source_path, outcome, duplicate_of from ingest_files order by 1") == [
        ("a.txt", "published", None),
        ("b.txt", "duplicate", "a.txt"),
    ]
    # A later run with the same body in a third file: also a duplicate, of the first one.
    (inbox / "c.txt").write_text(text.upper(), encoding="utf-8")
    run_ingest(settings, "dup-2", RUN_AT, clock=lambda: RUN_AT)
    assert _q(lake, "select count(*) from articles") == [(1,)]
    assert _q(lake, "select outcome, duplicate_of from ingest_files where source_path = 'c.txt'") == [
        ("duplicate", "a.txt")
    ]


def test_stories_grow_across_runs_and_match_a_single_run(tmp_path: Path) -> None:
    seeds = sorted(SEEDS.iterdir())
    inbox, lake = tmp_path / "inbox", tmp_path / "lake"
    inbox.mkdir()
    for src in seeds[:2]:
        shutil.copy(src, inbox / src.name)
    settings = get_settings(nlp=False).with_paths(inbox, lake)
    run_ingest(settings, "grow-1", RUN_AT, clock=lambda: RUN_AT)
    for src in seeds[2:]:
        shutil.copy(src, inbox / src.name)
    run_ingest(settings, "grow-2", RUN_AT, clock=lambda: RUN_AT)
    one = tmp_path / "one"
    run_ingest(get_settings(nlp=False).with_paths(SEEDS, one), "once", RUN_AT, clock=lambda: RUN_AT)
    sql = "select a.file_hash, s.story_id from article_stories s join articles a using (article_id) order by 1"
    assert _q(lake, sql) == _q(one, sql)
    assert _q(lake, "select n_articles from stories") == [(5,)]


def test_news_etl_stories_rebuild_recomputes_what_the_publishes_built(tmp_path: Path, capsys) -> None:
    from news_etl import cli

    seeds = sorted(SEEDS.iterdir())
    inbox, lake = tmp_path / "inbox", tmp_path / "lake"
    inbox.mkdir()
    settings = get_settings(nlp=False).with_paths(inbox, lake)
    for k, src in enumerate(seeds):  # one article per run: every story change is incremental
        shutil.copy(src, inbox / src.name)
        run_ingest(settings, f"one-{k}", RUN_AT, clock=lambda: RUN_AT)
    sql = "select * from article_stories order by article_id"
    before = _q(lake, sql), _q(lake, "select * from stories")
    assert cli.main(["stories", "--rebuild", "--lake", str(lake)]) == 0
    assert '"mode": "rebuild"' in capsys.readouterr().out
    assert (_q(lake, sql), _q(lake, "select * from stories")) == before
    assert _q(lake, "select n_articles from stories") == [(5,)]


@pytest.mark.parametrize(
    ("publisher", "source_path", "source"),
    [
        ("Reuters", "feeds/wire/a.txt", "Reuters"),
        (None, "feeds/wire/a.txt", "feeds/wire"),
        (None, "a.txt", "a.txt"),
        ("", "x/y.html", "x"),
        (None, "outlet one/dir/b.json", "outlet one/dir"),
    ],
)
def test_source_of_is_the_publisher_else_the_folder_else_the_file(
    publisher: str | None, source_path: str, source: str
) -> None:
    """One rule in SQL (the catalog's macro): stories' n_sources, the per-source cleaning check, the report."""
    import duckdb

    from news_etl.settings import SQL_DIR

    con = duckdb.connect()
    con.execute((SQL_DIR / "macros.sql").read_text(encoding="utf-8"))
    assert con.execute("select source_of(nullif(?, ''), ?)", [publisher or "", source_path]).fetchone()[0] == source
    assert con.execute("select kept_paragraphs(?)", ["One.\n\nTwo.\n\nThree."]).fetchone()[0] == 3
