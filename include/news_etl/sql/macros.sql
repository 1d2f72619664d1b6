-- Macros the lake's catalog keeps: any session that attaches the lake can call them. One statement per macro,
-- each ending with a semicolon; the lake creates those it lacks (news_etl.lake.ensure_tables).

-- The source of an article: its publisher, else its inbox folder, else (a file at the inbox's top) the file
-- itself. The one definition of a source: reports, checks and example queries all call it.
create or replace macro source_of(publisher, source_path) as
    coalesce(
        publisher,
        case when contains(source_path, '/') then regexp_extract(source_path, '^(.*)/[^/]*$', 1) else source_path end
    );

-- Paragraphs an article kept: its body's blank-line separators plus one. With the lines the cleaner removed
-- (boilerplate_removed) it gives the share of a source's lines removed, which the report shows and the
-- published-data check watches.
create or replace macro kept_paragraphs(body) as
    (length(body) - length(replace(body, chr(10) || chr(10), ''))) / 2 + 1;
