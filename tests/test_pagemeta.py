"""Unit tests of the page's own metadata (JSON-LD, meta tags, h1) on tiny inline pages."""

from __future__ import annotations

import json

from news_etl.pagemeta import read_page_meta


def _page(head: str, body: str) -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def test_json_ld_graph_gives_dates_authors_publisher() -> None:
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "Example"},
            {
                "@type": ["NewsArticle"],
                "headline": "Council Approves Budget",
                "datePublished": "2023-12-21T21:05:00-05:00",
                "dateModified": "2023-12-22T08:00:00-05:00",
                "author": [{"@type": "Person", "name": "Jane Doe"}, {"name": "John Roe"}],
                "publisher": {"@type": "Organization", "name": "Example Daily"},
            },
        ],
    }
    html = _page(f'<script type="application/ld+json">{json.dumps(ld)}</script>', "<h1>Council Approves Budget</h1>")
    meta = read_page_meta(html)
    assert meta.title == "Council Approves Budget"
    assert meta.published == "2023-12-21T21:05:00-05:00" and meta.modified == "2023-12-22T08:00:00-05:00"
    assert meta.authors == ["Jane Doe", "John Roe"]
    assert meta.publisher == "Example Daily"


def test_h1_kicker_is_dropped_when_the_metadata_title_is_inside_it() -> None:
    html = _page(
        '<meta property="og:title" content="Let kids be kids and leave labor laws alone">',
        "<h1>Opinion | Let kids be kids and leave labor laws alone</h1>",
    )
    assert read_page_meta(html).title == "Let kids be kids and leave labor laws alone"


def test_meta_tags_and_title_fallbacks() -> None:
    html = _page(
        "<title>Big Story Here | Example News</title>"
        '<meta property="article:published_time" content="2023-05-01T10:00:00Z">'
        '<meta name="author" content="Sam Lee"><meta property="og:site_name" content="Example News">',
        "",
    )
    meta = read_page_meta(html)
    assert (meta.title, meta.published, meta.authors, meta.publisher) == (
        "Big Story Here",
        "2023-05-01T10:00:00Z",
        ["Sam Lee"],
        "Example News",
    )


def test_broken_json_ld_and_empty_pages_do_not_raise() -> None:
    html = _page('<script type="application/ld+json">{"@type": "NewsArticle", </script>', "<p>text</p>")
    meta = read_page_meta(html)
    assert meta.title is None and meta.authors == []
    assert read_page_meta("").title is None


def test_escaped_author_names_are_unescaped_before_splitting() -> None:
    html = _page('<meta name="author" content="James O&amp;#039;Neil">', "")
    assert read_page_meta(html).authors == ["James O'Neil"]


def test_the_publisher_listed_among_authors_is_dropped() -> None:
    ld = {
        "@type": "NewsArticle",
        "headline": "H",
        "author": [{"name": "Ann Lee"}, {"name": "Example Times"}],
        "publisher": {"name": "Example Times"},
    }
    html = _page(f'<script type="application/ld+json">{json.dumps(ld)}</script>', "")
    assert read_page_meta(html).authors == ["Ann Lee"]


def test_a_template_author_naming_only_the_outlet_gives_way_to_the_reporter() -> None:
    outlet_only = {"@type": "NewsArticle", "author": {"@type": "Person", "name": ", USA TODAY"}}
    reporter = {"@type": "NewsArticle", "author": [{"name": "Kayla Jimenez"}]}
    publisher = {"@type": "NewsArticle", "publisher": {"name": "USA TODAY"}}

    def meta(*objects: dict) -> list[str]:
        scripts = "".join(f'<script type="application/ld+json">{json.dumps(o)}</script>' for o in objects)
        return read_page_meta(_page(scripts, "<h1>Headline of the story</h1>")).authors

    assert meta(outlet_only, publisher) == ["USA TODAY"]  # the template's ", " is gone; nothing better is named
    assert meta(outlet_only, reporter, publisher) == ["Kayla Jimenez"]
    assert meta(reporter, outlet_only, publisher) == ["Kayla Jimenez"]


def test_every_declared_summary_is_kept() -> None:
    """Sites give search engines one description and social cards another; either can be the standfirst shown."""
    ld = {"@type": "NewsArticle", "headline": "H", "description": "The &quot;JSON-LD&quot; summary."}
    html = _page(
        '<meta name="description" content="For search engines.">'
        '<meta property="og:description" content="The card&#39;s summary, shown under the headline.">'
        '<meta name="twitter:description" content="For search engines.">'
        f'<script type="application/ld+json">{json.dumps(ld)}</script>',
        "<h1>H</h1>",
    )
    meta = read_page_meta(html)
    assert meta.description == "For search engines."
    assert meta.summaries == [
        "For search engines.",
        "The card's summary, shown under the headline.",
        'The "JSON-LD" summary.',
    ]
