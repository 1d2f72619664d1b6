-- One row per source (source_of: publisher, else inbox folder, else the file): volume, cleaning share and field fill rates.
with arts as (
    select
        article_id,
        word_count,
        title,
        authors,
        published_at,
        source_of(publisher, source_path) as source,
        kept_paragraphs(body) as kept
    from articles
),

removed as (
    select
        article_id,
        count(*) as n
    from boilerplate_removed
    group by article_id
)

select
    a.source,
    count(*) as articles,
    round(avg(a.word_count)) as avg_words,
    round(sum(coalesce(r.n, 0)) / (sum(coalesce(r.n, 0)) + sum(a.kept)), 3) as share_removed,
    round(avg(case when a.title is not null then 1 else 0 end), 2) as title_fill,
    round(avg(case when len(coalesce(a.authors, [])) > 0 then 1 else 0 end), 2) as authors_fill,
    round(avg(case when a.published_at is not null then 1 else 0 end), 2) as date_fill
from arts as a
left join removed as r on a.article_id = r.article_id
group by a.source
order by articles desc, a.source
limit 30
