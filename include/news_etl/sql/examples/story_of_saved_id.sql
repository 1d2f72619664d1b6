-- Where story ids saved earlier are now: a story that merged into another resolves to the story that holds
-- its articles today (merges can chain). For one id: select * from (<this query>) where saved_story_id = '...'
with recursive
latest_merge as (
    -- a story id can merge, come back when its story splits, and merge again: its newest merge counts
    select
        story_id,
        arg_max(merged_into_story_id, merged_at) as merged_into_story_id
    from story_merges
    where story_id not in (select story_id from stories)
    group by story_id
),

chain as (
    select
        story_id as saved_story_id,
        merged_into_story_id as story_id
    from latest_merge
    union all
    select
        c.saved_story_id,
        m.merged_into_story_id as story_id
    from chain as c
    inner join latest_merge as m on c.story_id = m.story_id
)

select
    c.saved_story_id,
    c.story_id as current_story_id,
    s.representative_title as current_title
from chain as c
inner join stories as s on c.story_id = s.story_id
order by c.saved_story_id
