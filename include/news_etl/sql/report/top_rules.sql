-- The cleaning rules that removed the most lines, over the whole lake.
select
    rule,
    count(*) as lines_removed,
    count(distinct article_id) as articles
from boilerplate_removed
group by rule
order by lines_removed desc, rule
limit 12
