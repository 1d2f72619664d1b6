"""The page's own metadata: JSON-LD (schema.org Article types), meta tags and the headline element.

Sources are read in order of how reliable they are for news pages: the visible ``<h1>`` (matched
against what the page's metadata calls its title), JSON-LD, OpenGraph / article: / Dublin Core /
parsely meta tags, then ``<title>`` without its " | Site" suffix. Nothing found: ``None``.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from html import unescape

from news_etl.text import alnum_key

log = logging.getLogger(__name__)

_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "blogposting",
    "liveblogposting",
    "scholarlyarticle",
    "techarticle",
    "report",
    "webpage",
    "socialmediaposting",
}
_TITLE_SPLIT = re.compile(r"\s+[|–—·•]\s+|\s+-\s+")
_PUBLISHED_META = [
    ("property", "article:published_time"),
    ("name", "article:published_time"),
    ("itemprop", "datePublished"),
    ("name", "parsely-pub-date"),
    ("name", "sailthru.date"),
    ("name", "publish-date"),
    ("name", "pubdate"),
    ("name", "date"),
    ("name", "dc.date"),
    ("name", "DC.date.issued"),
    ("name", "dcterms.created"),
    ("property", "og:published_time"),
    ("name", "cXenseParse:recs:publishtime"),
]
_MODIFIED_META = [
    ("property", "article:modified_time"),
    ("itemprop", "dateModified"),
    ("property", "og:updated_time"),
    ("name", "last-modified"),
    ("name", "dcterms.modified"),
]
_AUTHOR_META = [
    ("name", "author"),
    ("name", "parsely-author"),
    ("name", "sailthru.author"),
    ("property", "article:author"),
    ("name", "byl"),
    ("name", "dc.creator"),
]


@dataclass
class PageMeta:
    title: str | None = None
    published: str | None = None
    modified: str | None = None
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    description: str | None = None
    section: str | None = None
    locale: str | None = None  # the language tag the page declares (<html lang>, og:locale): "en-US"
    #: Every summary the page declares (meta description, og: and twitter: descriptions, JSON-LD's): sites give
    #: search engines one and social cards another, and either can be the standfirst the page shows.
    summaries: list[str] = field(default_factory=list)


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, alnum_key(a), alnum_key(b)).ratio()


def _ld_objects(root) -> list[dict]:
    out: list[dict] = []
    for el in root.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(el.text or "")
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack and len(out) < 200:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                out.append(item)
                for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
                    if isinstance(item.get(key), (list, dict)):
                        stack.append(item[key])
    return out


def _types(obj: dict) -> set[str]:
    t = obj.get("@type")
    return {str(x).lower() for x in (t if isinstance(t, list) else [t])}


def _names(value: object) -> list[str]:
    """Author names from JSON-LD: a string, {"name": ...}, or a list of either."""
    if isinstance(value, str):
        # Pages double-escape names ("O&#039;Neil"): unescape, or "&" would later split the name.
        return [unescape(value)] if not value.startswith("http") else []
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


#: Left around a name by a template that joined an empty one to the outlet: ", USA TODAY".
_NAME_EDGES = " ,;|·•-–—"


def _writers(lists: list[list[str]], publisher: str | None) -> list[str]:
    """The authors of the first article object that names someone besides the publisher, else of the first
    that names anyone. A page can carry two objects, one from a template that knows only the outlet
    ({"name": ", USA TODAY"}) and one with the reporter."""
    lists = [names for names in ([n for n in names if n.strip(_NAME_EDGES)] for names in lists) if names]
    outlet = alnum_key(publisher)
    for names in lists:
        if any(alnum_key(n) != outlet for n in names):
            return names
    return lists[0] if lists else []


def _meta(root, pairs: list[tuple[str, str]]) -> list[str]:
    found = []
    for attr, name in pairs:
        for value in root.xpath(f"//meta[@{attr}=$n]/@content", n=name):
            value = " ".join(unescape(str(value)).split())
            if value:
                found.append(value)
    return found


def _clean_title(title: str) -> str:
    return " ".join(title.split())


def read_page_meta(html: str) -> PageMeta:
    """Title, dates, authors, publisher and description a page declares about itself."""
    import lxml.etree
    import lxml.html

    try:
        # huge_tree: past 256 nested elements libxml2 otherwise cuts the page off, and an <h1> with it.
        root = lxml.html.fromstring(html, parser=lxml.html.HTMLParser(huge_tree=True))
    except (lxml.etree.ParserError, ValueError, RecursionError):
        return PageMeta()
    meta = PageMeta()
    articles = [o for o in _ld_objects(root) if _types(o) & _ARTICLE_TYPES]
    # Prefer a real article type over WebPage when both are present.
    articles.sort(key=lambda o: "webpage" in _types(o))

    candidates: list[str] = []
    for o in articles:
        if isinstance(o.get("headline"), str):
            candidates.append(_clean_title(o["headline"]))
    candidates += [_clean_title(t) for t in _meta(root, [("property", "og:title"), ("name", "twitter:title")])]
    titles = root.xpath("//title")
    if titles:
        text = _clean_title(titles[0].text_content())
        if text:
            candidates.append(_TITLE_SPLIT.split(text)[0])
    h1s = [_clean_title(e.text_content()) for e in root.xpath("//h1")]
    h1s = [h for h in h1s if 1 <= len(h.split()) <= 40]
    if h1s:
        # The visible headline, the one closest to what the metadata calls the title.
        best = max(h1s, key=lambda h: max([_similar(h, c) for c in candidates] + [0.0]))
        # A metadata title contained in the h1 is the h1 minus a kicker ("Opinion | ...", "SNYDE | ...").
        key = alnum_key(best)
        inner = [
            c
            for c in candidates
            if alnum_key(c) and alnum_key(c) in key and alnum_key(c) != key and len(c.split()) >= 3
        ]
        meta.title = max(inner, key=len) if inner else best
    elif candidates:
        meta.title = candidates[0]

    for o in articles:
        if meta.published is None and isinstance(o.get("datePublished"), str):
            meta.published = o["datePublished"]
        if meta.modified is None and isinstance(o.get("dateModified"), str):
            meta.modified = o["dateModified"]
        if meta.publisher is None:
            names = _names(o.get("publisher"))
            meta.publisher = names[0] if names else None
    meta.authors = _writers([_names(o.get("author")) for o in articles], meta.publisher)
    meta.published = meta.published or next(iter(_meta(root, _PUBLISHED_META)), None)
    meta.modified = meta.modified or next(iter(_meta(root, _MODIFIED_META)), None)
    if not meta.authors:
        meta.authors = [a for a in _meta(root, _AUTHOR_META) if not a.startswith("http")][:1]
    meta.publisher = meta.publisher or next(iter(_meta(root, [("property", "og:site_name")])), None)
    declared = _meta(root, [("name", "description"), ("property", "og:description"), ("name", "twitter:description")])
    meta.description = next(iter(declared), None)
    linked = [" ".join(unescape(o["description"]).split()) for o in articles if isinstance(o.get("description"), str)]
    meta.summaries = list(dict.fromkeys(s for s in [*declared, *linked] if s))
    meta.locale = (root.get("lang") or "").strip() or next(iter(_meta(root, [("property", "og:locale")])), None)
    for o in articles:
        section = o.get("articleSection")
        if isinstance(section, list):
            section = next((s for s in section if isinstance(s, str) and s.strip()), None)
        if isinstance(section, str) and section.strip():
            meta.section = section.strip()
            break
    meta.section = meta.section or next(iter(_meta(root, [("property", "article:section")])), None)
    meta.authors = list(dict.fromkeys(a.strip(_NAME_EDGES) for a in meta.authors if a.strip(_NAME_EDGES)))
    if len(meta.authors) > 1 and meta.publisher:
        # JSON-LD often lists the publishing organisation beside the writers: it is not one of them.
        meta.authors = [a for a in meta.authors if alnum_key(a) != alnum_key(meta.publisher)] or meta.authors
    return meta
