-- People mentioned in the same articles as Vladimir Putin, by how many articles they share with him.
with putin_articles as (
    select distinct article_id
    from entities
    where name = 'Vladimir Putin'
),

co_mentions as (
    select
        e.name,
        e.article_id,
        e.mention_count
    from entities as e
    inner join putin_articles as p on e.article_id = p.article_id
    where e.label = 'PERSON' and e.name <> 'Vladimir Putin'
)

select
    name,
    count(distinct article_id) as articles,
    sum(mention_count) as mentions
from co_mentions
group by name
order by articles desc, mentions desc, name
limit 10
