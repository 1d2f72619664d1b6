-- Biggest stories of the week: articles ingested in the last seven days (of the lake's newest ingest),
-- grouped by story, ranked by how many outlets covered them.
with recent as (
    select
        s.story_id,
        a.article_id,
        coalesce(a.publisher, a.source_path) as outlet
    from article_stories as s
    inner join articles as a on s.article_id = a.article_id
    where a.ingested_at >= (select max(ingested_at) - interval 7 day from articles)
)

select
    st.representative_title as story,
    count(distinct r.outlet) as outlets,
    count(*) as articles,
    st.first_seen_at,
    st.story_id
from recent as r
inner join stories as st on r.story_id = st.story_id
group by st.story_id, st.representative_title, st.first_seen_at
order by outlets desc, articles desc, st.first_seen_at
limit 10
