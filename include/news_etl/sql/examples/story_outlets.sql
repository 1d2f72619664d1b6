-- Outlets that covered one story (here: the story with the most articles; put a story_id in `chosen`).
with chosen as (
    select story_id
    from stories
    order by n_articles desc, first_seen_at
    limit 1
)

select
    coalesce(a.publisher, a.source_path) as outlet,
    a.published_at,
    a.title,
    s.near_duplicate_of is not null as near_copy
from article_stories as s
inner join chosen as c on s.story_id = c.story_id
inner join articles as a on s.article_id = a.article_id
order by a.published_at nulls last, outlet
