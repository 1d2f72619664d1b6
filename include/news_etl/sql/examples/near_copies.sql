-- Articles that nearly copy an earlier article of another outlet (rewrites of wire copy, lifted stories).
with copies as (
    select
        s.article_id,
        s.near_duplicate_of
    from article_stories as s
    where s.near_duplicate_of is not null
)

select
    coalesce(a.publisher, a.source_path) as outlet,
    a.title,
    coalesce(o.publisher, o.source_path) as copied_outlet,
    o.title as copied_title
from copies as c
inner join articles as a on c.article_id = a.article_id
inner join articles as o on c.near_duplicate_of = o.article_id
where coalesce(a.publisher, a.source_path) <> coalesce(o.publisher, o.source_path)
order by outlet, a.title
