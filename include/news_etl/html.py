"""HTML to article text plus the page's own metadata (DOM-aware, via trafilatura).

trafilatura keeps module-level state that is not thread-safe: call this from processes, not threads.
Its ``deduplicate`` option keeps state between calls, so it stays off (results must not depend on
which pages a worker happened to see before).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class HtmlDoc:
    text: str
    title: str | None = None
    published: str | None = None
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    url: str | None = None


def _split_authors(raw: str | None) -> list[str]:
    if not raw:
        return []
    # trafilatura joins several authors with "; "
    return [a.strip() for a in raw.split(";") if a.strip()]


def extract(html: str, url: str | None = None) -> HtmlDoc:
    """Main text of a page, one block per line, with title/date/authors/site from its metadata."""
    import trafilatura  # heavy import, only for HTML input

    # trafilatura logs every page it finds "empty" at WARNING; that is our caller's call to make.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    doc = None
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, deduplicate=False, include_comments=False,
            include_tables=True, favor_recall=True,
        )
    except (ValueError, TypeError, RecursionError) as exc:  # malformed or pathologically nested markup
        log.info("trafilatura could not parse the page (%s); falling back to plain text", exc)
    if doc is not None and (doc.text or "").strip():
        return HtmlDoc(
            text=doc.text,
            title=doc.title or None,
            published=doc.date or None,
            authors=_split_authors(doc.author),
            publisher=doc.sitename or doc.hostname or None,
            url=doc.url or url,
        )
    # No main content found: keep every visible line rather than losing the page.
    try:
        text = trafilatura.html2txt(html) or ""
    except (ValueError, TypeError, RecursionError):
        text = ""
    return HtmlDoc(text=text, url=url)
