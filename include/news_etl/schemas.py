"""Table contracts: one explicit pyarrow schema per lake table, and nowhere else.

Columns are ``<entity>_id`` for keys and ``<event>_at`` for UTC timestamps. Every table carries
``run_id`` so a run can be audited, and so readers can ignore files of a run that never committed.
"""

from __future__ import annotations

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")
STR = pa.string()
STR_LIST = pa.list_(pa.string())

#: One row per published article: its metadata, its cleaned body and where it came from.
ARTICLES = pa.schema(
    [
        pa.field("article_id", STR, nullable=False),
        pa.field("run_id", STR, nullable=False),
        pa.field("source_path", STR, nullable=False),  # relative to the inbox
        pa.field("record_index", pa.int32(), nullable=False),  # record number inside the file (json/jsonl)
        pa.field("file_hash", STR, nullable=False),  # sha256 of the raw file bytes
        pa.field("content_hash", STR, nullable=False),  # sha256 of the normalised body
        pa.field("source_format", STR, nullable=False),  # txt | html | json | jsonl (+ .gz)
        pa.field("encoding", STR),  # the text encoding the file was decoded from (utf-8, utf-16, cp1252, ...)
        pa.field("url", STR),  # the page's URL, when the file carries one (HTML canonical link, a JSON field)
        pa.field("title", STR),  # the headline; null when the text has no headline line
        pa.field("authors", STR_LIST),  # the byline's names, in order
        # The publication instant (UTC); null when the text gives no date. A relative date ("3 hours ago")
        # counts back from the file's modification time (when the scraper saved it), else the run's time.
        pa.field("published_at", UTC_TS),
        pa.field("published_at_raw", STR),  # the date as the source wrote it
        pa.field("published_date", pa.date32()),  # the day readers see (site's zone): publication, else a shown update
        pa.field("modified_at", UTC_TS),  # the last update instant (UTC), when the source states one
        pa.field("modified_at_raw", STR),  # the update date as the source wrote it
        pa.field("dateline", STR),  # the place a story was filed from ("Washington", "Kyiv, Ukraine"); none: "(AFP) -"
        pa.field("publisher", STR),  # the outlet or agency, from the page or the wire tag
        pa.field("language", STR),  # ISO 639-1 code of the body
        pa.field("description", STR),  # the page's own description, else the lede (first paragraph)
        pa.field("section", STR),  # only when the source states it (HTML metadata, a JSON field)
        pa.field("word_count", pa.int32(), nullable=False),  # words in the body
        pa.field("sentence_count", pa.int32()),  # null when the NLP stage is off
        pa.field("reading_time_minutes", pa.float64(), nullable=False),  # word_count at 238 words a minute
        pa.field("keywords", STR_LIST),  # key phrases ranked against a reference news corpus (NLP stage)
        pa.field("headings", STR_LIST),  # section headings kept in the body
        pa.field("body", STR, nullable=False),  # cleaned text, paragraphs separated by a blank line
        pa.field("lines_removed", pa.int32(), nullable=False),  # lines the cleaner removed (boilerplate_removed rows)
        # What ingest changed or left out and why: "title: cut to 1,000 characters (was 10,485,760)",
        # "published_at: '0001-01-01' is outside the years 1990-2100; left empty". Null when nothing.
        pa.field("repairs", STR_LIST),
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

#: One row per entity named in an article (NLP stage; English bodies only).
ENTITIES = pa.schema(
    [
        pa.field("article_id", STR, nullable=False),
        pa.field("entity_id", STR, nullable=False),  # from the canonical name: the same across articles
        pa.field("run_id", STR, nullable=False),
        pa.field("name", STR, nullable=False),  # canonical name: "Kim Jong Un" for "Kim Jong-un" and "Kim"
        pa.field("label", STR, nullable=False),  # spaCy label: PERSON, ORG, GPE, ...
        pa.field("mention_count", pa.int32(), nullable=False),  # how often the article names it (any spelling)
        pa.field("first_offset", pa.int32(), nullable=False),  # character offset in articles.body
        pa.field("variants", STR_LIST),  # the spellings the article used
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

#: One row per quotation in an article, with its speaker where the text names one (NLP stage).
QUOTES = pa.schema(
    [
        pa.field("quote_id", STR, nullable=False),  # from the article and the quote's offsets
        pa.field("article_id", STR, nullable=False),
        pa.field("run_id", STR, nullable=False),
        pa.field("quote", STR, nullable=False),  # the quoted words, without the quote marks
        pa.field("speaker", STR),  # canonical entity name where resolved, else the text's own words
        pa.field("speaker_text", STR),  # the words naming the speaker ("he", "spokeswoman Adrienne Watson")
        pa.field("speaker_entity_id", STR),  # joins entities.entity_id
        pa.field("cue", STR),  # the reporting word: said, told, according ...
        pa.field("start_offset", pa.int32(), nullable=False),  # character offsets of the quote in articles.body
        pa.field("end_offset", pa.int32(), nullable=False),  # character offset in articles.body where the quote ends
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

#: One row per published article: its story vector, the persisted state of the story clustering.
ARTICLE_VECTORS = pa.schema(
    [
        pa.field("article_id", STR, nullable=False),
        pa.field("run_id", STR, nullable=False),
        pa.field("terms", STR_LIST, nullable=False),  # strongest TF-IDF content words, strongest first
        pa.field("weights", pa.list_(pa.float32()), nullable=False),  # unit-length weights of those terms
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

#: One row per story: articles of one event, from any number of sources. The story tables are kept current by
#: each publish (news_etl.stages.stories), which changes only the stories its articles join, merge or split;
#: ``news-etl stories --rebuild`` recomputes them whole.
STORIES = pa.schema(
    [
        pa.field("story_id", STR, nullable=False),
        pa.field("first_seen_at", UTC_TS, nullable=False),  # earliest published_at (else ingested_at)
        pa.field("last_seen_at", UTC_TS, nullable=False),  # latest published_at (else ingested_at)
        pa.field("n_articles", pa.int32(), nullable=False),  # articles in the story
        pa.field("n_sources", pa.int32(), nullable=False),  # distinct publishers (else inbox folders)
        pa.field("representative_article_id", STR, nullable=False),  # earliest member with a title, else earliest
        pa.field("representative_title", STR),  # that article's title
    ]
)

#: One row per published article: the story it belongs to, and the earlier article it nearly copies.
ARTICLE_STORIES = pa.schema(
    [
        pa.field("article_id", STR, nullable=False),
        pa.field("story_id", STR, nullable=False),
        pa.field("near_duplicate_of", STR),  # article_id of an earlier article this one nearly copies
        pa.field("near_duplicate_similarity", pa.float64()),  # cosine of the two articles' story vectors
    ]
)

#: The blocking index, one row per article and term: each article's strongest terms (config/stories.yaml
#: ``blocking_terms``). A new article is compared only with the articles that share one of its terms (and the
#: term is not too common).
STORY_TERMS = pa.schema(
    [
        pa.field("term", STR, nullable=False),  # a story term of the article (a content word, case-folded)
        pa.field("article_id", STR, nullable=False),
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

#: A story that joined another: its id resolves to ``merged_into_story_id`` (which may have merged later too).
STORY_MERGES = pa.schema(
    [
        pa.field("story_id", STR, nullable=False),
        pa.field("merged_into_story_id", STR, nullable=False),  # the story it joined
        pa.field("run_id", STR, nullable=False),  # the publish (or rebuild) that merged them
        pa.field("merged_at", UTC_TS, nullable=False),  # the publish's time
    ]
)

#: One row per line removed from a published article, and the rule that removed it (``meta:*`` for lines
#: moved into metadata: the title, a byline, a timestamp, a credit line).
BOILERPLATE_REMOVED = pa.schema(
    [
        pa.field("article_id", STR, nullable=False),
        pa.field("run_id", STR, nullable=False),
        pa.field("source_path", STR, nullable=False),
        pa.field("line_no", pa.int32(), nullable=False),  # 1-based line in the decoded input text
        pa.field("line_text", STR, nullable=False),  # the removed line as it was
        pa.field("rule", STR, nullable=False),  # a rule of rules/boilerplate.yaml, meta:*, line_model
        pa.field("body_probability", pa.float32()),  # line_model only: the model's P(line is body)
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

#: One row per file, record or article that was not published, and why (nothing is dropped silently).
QUARANTINE = pa.schema(
    [
        pa.field("quarantine_id", STR, nullable=False),  # from what identifies the failure: a re-run writes the same id
        pa.field("run_id", STR, nullable=False),
        pa.field("source_path", STR, nullable=False),
        pa.field("file_hash", STR),  # sha256 of the file's bytes, when it could be read
        pa.field("record_index", pa.int32()),  # the record inside the file, when one record failed
        pa.field("article_id", STR),
        pa.field("stage", STR, nullable=False),  # read | validate
        pa.field("reason_code", STR, nullable=False),  # machine-friendly: encoding, too_large, ...
        pa.field("reason", STR, nullable=False),  # a sentence a person can act on
        pa.field("expectation", STR),  # the failed expectation, for stage=validate
        pa.field("payload", STR),  # the rejected article as JSON (validate), so nothing is lost
        pa.field("quarantined_at", UTC_TS, nullable=False),  # the run's time
    ]
)

#: The ledger: one row per file a committed run read, with its outcome. Discovery skips a file whose
#: (path, size, mtime) is here.
INGEST_FILES = pa.schema(
    [
        pa.field("run_id", STR, nullable=False),
        pa.field("source_path", STR, nullable=False),
        pa.field("file_hash", STR),  # sha256 of its bytes; null when it could not be read
        pa.field("size_bytes", pa.int64(), nullable=False),  # its size when read
        pa.field("mtime_ns", pa.int64(), nullable=False),  # its modification time when read (ns since the epoch)
        pa.field("outcome", STR, nullable=False),  # published | duplicate | quarantined | partial
        pa.field("duplicate_of", STR),  # source_path of the file with the same bytes seen first
        pa.field("n_articles", pa.int32(), nullable=False),  # articles published from it
        pa.field("n_quarantined", pa.int32(), nullable=False),  # quarantine rows it caused
        pa.field("ingested_at", UTC_TS, nullable=False),
    ]
)

#: Watermark discovery (NEWS_ETL_DISCOVERY=watermark): inbox folders whose files were all found committed, and
#: the folder's mtime then. A folder still at that mtime is not looked into again.
INBOX_FOLDERS = pa.schema(
    [
        pa.field("inbox", STR, nullable=False),  # the inbox folder
        pa.field("folder", STR, nullable=False),  # relative to the inbox; "." for its top
        pa.field("mtime_ns", pa.int64(), nullable=False),  # the folder's mtime when all its files were found committed
        pa.field("run_id", STR, nullable=False),
        pa.field("recorded_at", UTC_TS, nullable=False),  # the plan's time
    ]
)

#: One row per committed ingest run: its counts. Written last in the publish transaction.
INGEST_RUNS = pa.schema(
    [
        pa.field("run_id", STR, nullable=False),
        pa.field("inbox", STR, nullable=False),  # the inbox folder the run read
        pa.field("started_at", UTC_TS, nullable=False),  # the run's time (Airflow's run_after)
        pa.field("finished_at", UTC_TS, nullable=False),  # when its publish began
        pa.field("files_seen", pa.int32(), nullable=False),  # files the run read
        pa.field("files_published", pa.int32(), nullable=False),  # files with at least one published article
        pa.field("files_duplicate", pa.int32(), nullable=False),  # files already published (same bytes or body)
        pa.field("files_quarantined", pa.int32(), nullable=False),  # files that published nothing
        pa.field("articles_published", pa.int32(), nullable=False),  # articles the run published
        pa.field("articles_quarantined", pa.int32(), nullable=False),  # articles the validation gate turned away
        pa.field("articles_repaired", pa.int32()),  # published with a field repaired, cut or left empty
        pa.field("lines_removed", pa.int32(), nullable=False),  # lines the cleaner removed
        pa.field("validation_success", pa.bool_(), nullable=False),  # no error-severity expectation of the gate failed
        pa.field("status", STR, nullable=False),  # success (only committed runs have a row)
    ]
)

#: The validation gate's results: one row per expectation of the ``articles`` suite, per ingest run (checked on
#: the staged articles before publish; failing rows were quarantined, not published).
GATE_RESULTS = pa.schema(
    [
        pa.field("run_id", STR, nullable=False),
        pa.field("suite", STR, nullable=False),  # the suite (articles)
        pa.field("expectation", STR, nullable=False),  # the GX expectation type
        pa.field("column_name", STR),  # the column(s) it checks
        pa.field("severity", STR, nullable=False),  # error | warn
        pa.field("success", pa.bool_(), nullable=False),  # no row failed it
        pa.field("element_count", pa.int64()),  # rows checked
        pa.field("unexpected_count", pa.int64()),  # rows that failed it
        pa.field("why", STR),  # why the expectation exists (expectations/suites.yaml)
        pa.field("validated_at", UTC_TS, nullable=False),  # the run's time
    ]
)

#: Checks of published data (news_quality_report): one row per expectation of the published suites, per run.
CHECK_RESULTS = pa.schema(
    [
        pa.field("run_id", STR, nullable=False),  # the ingest run whose published data was checked
        pa.field("suite", STR, nullable=False),  # the table (or derived frame) the suite checks
        pa.field("expectation", STR, nullable=False),  # the GX expectation type
        pa.field("column_name", STR),  # the column(s) it checks
        pa.field("severity", STR, nullable=False),  # error | warn
        pa.field("success", pa.bool_(), nullable=False),  # it passed
        pa.field("element_count", pa.int64()),  # rows checked
        pa.field("unexpected_count", pa.int64()),  # rows that failed it
        pa.field("unexpected_percent", pa.float64()),  # their share, in percent
        pa.field("observed", STR),  # the observed value where GX reports one (a fill rate, a count ...)
        pa.field("why", STR),  # why the expectation exists (expectations/suites.yaml)
        pa.field("checked_at", UTC_TS, nullable=False),  # when the check ran (the report run's time)
    ]
)

#: Checks of published data: one row per checked run (pass rate, failures, fill rates).
CHECK_RUNS = pa.schema(
    [
        pa.field("run_id", STR, nullable=False),
        pa.field("checked_at", UTC_TS, nullable=False),  # when the check ran (the report run's time)
        pa.field("expectations", pa.int32(), nullable=False),  # expectations checked
        pa.field("passed", pa.int32(), nullable=False),  # expectations that passed
        pa.field("pass_rate", pa.float64(), nullable=False),  # passed / expectations
        pa.field("failed_errors", STR_LIST),  # "suite: expectation(column)" of failed error-severity checks
        pa.field("failed_warnings", STR_LIST),  # the same for warn-severity checks
        pa.field("success", pa.bool_(), nullable=False),  # no error-severity expectation failed
        pa.field("articles", pa.int32(), nullable=False),  # articles the run published
        pa.field("fill_title", pa.float64()),  # share of the run's articles with a title
        pa.field("fill_authors", pa.float64()),  # share with at least one author
        pa.field("fill_published_at", pa.float64()),  # share with a publication date
        pa.field("fill_keywords", pa.float64()),  # share with key phrases
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
    "gate_results": GATE_RESULTS,
    "check_results": CHECK_RESULTS,
    "check_runs": CHECK_RUNS,
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
    "gate_results": "validated_at",
    "check_results": "checked_at",
    "check_runs": "checked_at",
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
