-- The people, organisations and places most written about: articles that mention them, over the corpus.
select
    label,
    name,
    count(distinct article_id) as articles,
    sum(mention_count) as mentions
from entities
where label in ('PERSON', 'ORG', 'GPE')
group by label, name
qualify row_number() over (partition by label order by count(distinct article_id) desc, name) <= 5
order by label, articles desc, name
