-- Which cleaning rules fire most, and on how many articles: a sudden jump means a site changed.
with removed as (
    select rule, article_id
    from boilerplate_removed
)

select
    rule,
    count(*) as lines_removed,
    count(distinct article_id) as articles
from removed
group by rule
order by lines_removed desc, rule
