-- The source of an article: its publisher, else its inbox folder, else (a file at the inbox's top) the
-- file itself. The one definition in SQL; news_etl.articles.source_of is the same rule in Python (a test
-- checks that they agree). The lake's catalog keeps it: any session that attaches the lake can call
-- source_of(publisher, source_path).
create or replace macro source_of(publisher, source_path) as
    coalesce(
        publisher,
        case when contains(source_path, '/') then regexp_extract(source_path, '^(.*)/[^/]*$', 1) else source_path end
    )
