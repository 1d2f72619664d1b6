-- Who is quoted most: speakers resolved to a named entity, with how many articles quote them.
with attributed as (
    select
        q.speaker,
        q.speaker_entity_id,
        q.article_id
    from quotes as q
    where q.speaker_entity_id is not null
)

select
    speaker,
    count(*) as quotes,
    count(distinct article_id) as articles
from attributed
group by speaker
order by quotes desc, speaker
limit 10
