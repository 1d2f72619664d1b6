"""Table contracts: one explicit pyarrow schema per lake table, and nowhere else.

Columns are ``<entity>_id`` for keys and ``<event>_at`` for UTC timestamps. Every table carries
``run_id`` so a run can be audited, and so readers can ignore files of a run that never committed.
"""

from __future__ import annotations

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")
STR = pa.string()
STR_LIST = pa.list_(pa.string())

ARTICLES = pa.schema(
    [
        pa.field("article_id", STR, nullable=False),
        pa.field("run_id", STR, nullable=False),
        pa.field("source_path", STR, nullable=False),  # relative to the inbox
        pa.field("record_index", pa.int32(), nullable=False),  # record number inside the file (json/jsonl)
        pa.field("file_hash", STR, nullable=False),  # sha256 of the raw file bytes
        pa.field("content_hash", STR, nullable=False),  # sha256 of the normalised body
        pa.field("source_format", STR, nullable=False),  # txt | html | json | jsonl (+ .gz)
        pa.field("encoding", STR),
        pa.field("url", STR),
        pa.field("title", STR),
        pa.field("authors", STR_LIST),
        pa.field("published_at", UTC_TS),
        pa.field("published_at_raw", STR),
        pa.field("published_date", pa.date32()),  # the publication day in the source's own time zone
        pa.field("modified_at", UTC_TS),
        pa.field("modified_at_raw", STR),
        pa.field("dateline", STR),
        pa.field("publisher", STR),
        pa.field("language", STR),
        pa.field("description", STR),  # the page's own description, else the lede (first paragraph)
        pa.field("section", STR),  # only when the source states it (HTML metadata, a JSON field)
        pa.field("word_count", pa.int32(), nullable=False),
        pa.field("sentence_count", pa.int32()),  # null when the NLP stage is off
        pa.field("reading_time_minutes", pa.float64(), nullable=False),
        pa.field("keywords", STR_LIST),  # key phrases ranked against a reference news corpus (NLP stage)
        pa.field("headings", STR_LIST),
        pa.field("body", STR, nullable=False),  # cleaned text, paragraphs separated by a blank line
        pa.field("lines_removed", pa.int32(), nullable=False),
        # What ingest changed or left out and why: "title: cut to 1,000 characters (was 10,485,760)",
        # "published_at: '0001-01-01' is outside the years 1990-2100; left empty". Null when nothing.
        pa.field("repairs", STR_LIST),
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

ENTITIES = pa.schema(
    [
        pa.field("article_id", STR, nullable=False),
        pa.field("entity_id", STR, nullable=False),  # from the canonical name: the same across articles
        pa.field("run_id", STR, nullable=False),
        pa.field("name", STR, nullable=False),  # canonical name: "Kim Jong Un" for "Kim Jong-un" and "Kim"
        pa.field("label", STR, nullable=False),  # spaCy label: PERSON, ORG, GPE, ...
        pa.field("mention_count", pa.int32(), nullable=False),
        pa.field("first_offset", pa.int32(), nullable=False),  # character offset in articles.body
        pa.field("variants", STR_LIST),  # the spellings the article used
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

QUOTES = pa.schema(
    [
        pa.field("quote_id", STR, nullable=False),
        pa.field("article_id", STR, nullable=False),
        pa.field("run_id", STR, nullable=False),
        pa.field("quote", STR, nullable=False),
        pa.field("speaker", STR),  # canonical entity name where resolved, else the text's own words
        pa.field("speaker_text", STR),  # the words naming the speaker ("he", "spokeswoman Adrienne Watson")
        pa.field("speaker_entity_id", STR),  # joins entities.entity_id
        pa.field("cue", STR),  # the reporting word: said, told, according ...
        pa.field("start_offset", pa.int32(), nullable=False),  # character offsets of the quote in articles.body
        pa.field("end_offset", pa.int32(), nullable=False),
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

ARTICLE_VECTORS = pa.schema(
    [
        pa.field("article_id", STR, nullable=False),
        pa.field("run_id", STR, nullable=False),
        pa.field("terms", STR_LIST, nullable=False),  # strongest TF-IDF content words, strongest first
        pa.field("weights", pa.list_(pa.float32()), nullable=False),  # unit-length weights of those terms
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

#: The story tables (news_etl.story_store): kept current by each publish, which changes only the rows of the
#: stories its articles join, merge or split; ``news-etl stories --rebuild`` recomputes them whole.
STORIES = pa.schema(
    [
        pa.field("story_id", STR, nullable=False),
        pa.field("first_seen_at", UTC_TS, nullable=False),  # earliest published_at (else ingested_at)
        pa.field("last_seen_at", UTC_TS, nullable=False),
        pa.field("n_articles", pa.int32(), nullable=False),
        pa.field("n_sources", pa.int32(), nullable=False),  # distinct publishers (else inbox folders)
        pa.field("representative_article_id", STR, nullable=False),
        pa.field("representative_title", STR),
    ]
)

ARTICLE_STORIES = pa.schema(
    [
        pa.field("article_id", STR, nullable=False),
        pa.field("story_id", STR, nullable=False),
        pa.field("near_duplicate_of", STR),  # article_id of an earlier article this one nearly copies
        pa.field("near_duplicate_similarity", pa.float64()),  # cosine of the two articles' story vectors
    ]
)

#: The blocking index: each article's strongest terms (rules/stories.yaml ``blocking_terms``). A new article is
#: compared only with the articles that share one of its terms (and the term is not too common).
STORY_TERMS = pa.schema(
    [
        pa.field("term", STR, nullable=False),
        pa.field("article_id", STR, nullable=False),
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

#: A story that joined another: its id resolves to ``merged_into_story_id`` (which may have merged later too).
STORY_MERGES = pa.schema(
    [
        pa.field("story_id", STR, nullable=False),
        pa.field("merged_into_story_id", STR, nullable=False),
        pa.field("run_id", STR, nullable=False),  # the publish (or rebuild) that merged them
        pa.field("merged_at", UTC_TS, nullable=False),
    ]
)

BOILERPLATE_REMOVED = pa.schema(
    [
        pa.field("article_id", STR, nullable=False),
        pa.field("run_id", STR, nullable=False),
        pa.field("source_path", STR, nullable=False),
        pa.field("line_no", pa.int32(), nullable=False),  # 1-based line in the decoded input text
        pa.field("line_text", STR, nullable=False),
        pa.field("rule", STR, nullable=False),  # a rule of rules/boilerplate.yaml, meta:*, line_model
        pa.field("body_probability", pa.float32()),  # line_model only: the model's P(line is body)
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

QUARANTINE = pa.schema(
    [
        pa.field("quarantine_id", STR, nullable=False),
        pa.field("run_id", STR, nullable=False),
        pa.field("source_path", STR, nullable=False),
        pa.field("file_hash", STR),
        pa.field("record_index", pa.int32()),
        pa.field("article_id", STR),
        pa.field("stage", STR, nullable=False),  # read | validate
        pa.field("reason_code", STR, nullable=False),  # machine-friendly: encoding, too_large, ...
        pa.field("reason", STR, nullable=False),  # a sentence a person can act on
        pa.field("expectation", STR),  # the failed expectation, for stage=validate
        pa.field("payload", STR),  # the rejected article as JSON (validate), so nothing is lost
        pa.field("quarantined_at", UTC_TS, nullable=False),
    ]
)

INGEST_FILES = pa.schema(
    [
        pa.field("run_id", STR, nullable=False),
        pa.field("source_path", STR, nullable=False),
        pa.field("file_hash", STR),
        pa.field("size_bytes", pa.int64(), nullable=False),
        pa.field("mtime_ns", pa.int64(), nullable=False),
        pa.field("outcome", STR, nullable=False),  # published | duplicate | quarantined | partial
        pa.field("duplicate_of", STR),  # source_path of the file with the same bytes seen first
        pa.field("n_articles", pa.int32(), nullable=False),
        pa.field("n_quarantined", pa.int32(), nullable=False),
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

#: Watermark discovery (NEWS_ETL_DISCOVERY=watermark): inbox folders whose files were all found committed, and
#: the folder's mtime then. A folder still at that mtime is not looked into again.
INBOX_FOLDERS = pa.schema(
    [
        pa.field("inbox", STR, nullable=False),
        pa.field("folder", STR, nullable=False),  # relative to the inbox; "." for its top
        pa.field("mtime_ns", pa.int64(), nullable=False),
        pa.field("run_id", STR, nullable=False),
        pa.field("recorded_at", UTC_TS, nullable=False),
    ]
)

INGEST_RUNS = pa.schema(
    [
        pa.field("run_id", STR, nullable=False),
        pa.field("inbox", STR, nullable=False),
        pa.field("started_at", UTC_TS, nullable=False),
        pa.field("finished_at", UTC_TS, nullable=False),
        pa.field("files_seen", pa.int32(), nullable=False),
        pa.field("files_published", pa.int32(), nullable=False),
        pa.field("files_duplicate", pa.int32(), nullable=False),
        pa.field("files_quarantined", pa.int32(), nullable=False),
        pa.field("articles_published", pa.int32(), nullable=False),
        pa.field("articles_quarantined", pa.int32(), nullable=False),
        pa.field("articles_repaired", pa.int32()),  # published with a field repaired, cut or left empty
        pa.field("lines_removed", pa.int32(), nullable=False),
        pa.field("validation_success", pa.bool_(), nullable=False),
        pa.field("status", STR, nullable=False),
    ]
)

VALIDATION_RESULTS = pa.schema(
    [
        pa.field("run_id", STR, nullable=False),
        pa.field("suite", STR, nullable=False),
        pa.field("expectation", STR, nullable=False),
        pa.field("column_name", STR),
        pa.field("severity", STR, nullable=False),  # error | warn
        pa.field("success", pa.bool_(), nullable=False),
        pa.field("element_count", pa.int64()),
        pa.field("unexpected_count", pa.int64()),
        pa.field("why", STR),
        pa.field("validated_at", UTC_TS, nullable=False),
    ]
)

DQ_RESULTS = pa.schema(
    [
        pa.field("run_id", STR, nullable=False),  # the ingest run whose published data was checked
        pa.field("suite", STR, nullable=False),  # the table (or derived frame) the suite checks
        pa.field("expectation", STR, nullable=False),
        pa.field("column_name", STR),
        pa.field("severity", STR, nullable=False),  # error | warn
        pa.field("success", pa.bool_(), nullable=False),
        pa.field("element_count", pa.int64()),
        pa.field("unexpected_count", pa.int64()),
        pa.field("unexpected_percent", pa.float64()),
        pa.field("observed", STR),  # the observed value where GX reports one (a fill rate, a count ...)
        pa.field("why", STR),
        pa.field("checked_at", UTC_TS, nullable=False),
    ]
)

DQ_RUNS = pa.schema(
    [
        pa.field("run_id", STR, nullable=False),
        pa.field("checked_at", UTC_TS, nullable=False),
        pa.field("expectations", pa.int32(), nullable=False),
        pa.field("passed", pa.int32(), nullable=False),
        pa.field("pass_rate", pa.float64(), nullable=False),
        pa.field("failed_errors", STR_LIST),  # "suite: expectation(column)" of failed error-severity checks
        pa.field("failed_warnings", STR_LIST),
        pa.field("success", pa.bool_(), nullable=False),  # no error-severity expectation failed
        pa.field("articles", pa.int32(), nullable=False),
        pa.field("fill_title", pa.float64()),
        pa.field("fill_authors", pa.float64()),
        pa.field("fill_published_at", pa.float64()),
        pa.field("fill_keywords", pa.float64()),
    ]
)

#: Work-in-progress list of the files one batch read (staging only, never published as is).
STAGED_FILES = pa.schema(
    [
        pa.field("source_path", STR, nullable=False),
        pa.field("file_hash", STR),  # null when the file could not be read at all
        pa.field("size_bytes", pa.int64(), nullable=False),
        pa.field("mtime_ns", pa.int64(), nullable=False),
        pa.field("n_records", pa.int32(), nullable=False),
    ]
)

#: table name -> schema. The order is the publish order: ``ingest_runs`` goes last because its
#: file is the commit marker of a run.
TABLES: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "entities": ENTITIES,
    "quotes": QUOTES,
    "article_vectors": ARTICLE_VECTORS,
    "boilerplate_removed": BOILERPLATE_REMOVED,
    "quarantine": QUARANTINE,
    "validation_results": VALIDATION_RESULTS,
    "dq_results": DQ_RESULTS,
    "dq_runs": DQ_RUNS,
    "ingest_files": INGEST_FILES,
    "ingest_runs": INGEST_RUNS,
    "inbox_folders": INBOX_FOLDERS,
}


STORY_TABLES: dict[str, pa.Schema] = {
    "stories": STORIES,
    "article_stories": ARTICLE_STORIES,
    "story_terms": STORY_TERMS,
    "story_merges": STORY_MERGES,
}


#: Every table of the lake: the run tables, then the story tables (kept current by each publish).
ALL_TABLES: dict[str, pa.Schema] = {**TABLES, **STORY_TABLES}

#: The column each run table is partitioned by (year, month, day of it): the run's own time, so a run's rows
#: land in one partition and maintenance merges files per day.
PARTITION_COLUMN: dict[str, str] = {
    "articles": "ingested_at",
    "entities": "ingested_at",
    "quotes": "ingested_at",
    "article_vectors": "ingested_at",
    "boilerplate_removed": "ingested_at",
    "quarantine": "quarantined_at",
    "validation_results": "validated_at",
    "dq_results": "checked_at",
    "dq_runs": "checked_at",
    "ingest_files": "ingested_at",
    "ingest_runs": "started_at",
}


def empty(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()


def to_table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """Rows (dicts) to a table of exactly ``schema``; unknown keys are an error, not silently dropped."""
    names = set(schema.names)
    for row in rows:
        extra = set(row) - names
        if extra:
            raise KeyError(f"columns {sorted(extra)} are not in the schema ({', '.join(schema.names)})")
    return pa.Table.from_pylist(rows, schema=schema)
