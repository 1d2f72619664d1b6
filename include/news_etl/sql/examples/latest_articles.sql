-- The ten most recently published articles, newest first.
select
    published_at,
    coalesce(title, left(body, 80) || '…') as headline,
    array_to_string(authors, ', ') as authors,
    publisher,
    word_count
from articles
order by published_at desc nulls last, ingested_at desc
limit 10
