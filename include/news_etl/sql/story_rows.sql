-- One row of the stories table per story named in _keys (column k): what its member articles say today.
-- news_etl.stages.stories runs it for the stories a publish changed (and for all of them on a rebuild).
with
members as (
    select
        s.story_id,
        a.article_id,
        coalesce(a.published_at, a.ingested_at) as seen_at,
        a.title,
        source_of(a.publisher, a.source_path) as source
    from article_stories as s
    inner join _keys on s.story_id = _keys.k
    inner join articles as a on a.article_id = s.article_id
),

ranked as (
    select
        *,
        -- the representative: the earliest member with a title, else the earliest member
        row_number() over (
            partition by story_id
            order by coalesce(title, '') = '', seen_at, article_id
        ) as pick
    from members
)

select
    story_id,
    min(seen_at) as first_seen_at,
    max(seen_at) as last_seen_at,
    count(*)::integer as n_articles,
    count(distinct source)::integer as n_sources,
    any_value(article_id) filter (where pick = 1) as representative_article_id,
    any_value(title) filter (where pick = 1) as representative_title
from ranked
group by story_id
order by story_id
