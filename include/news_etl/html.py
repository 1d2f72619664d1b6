"""HTML to article text plus the page's own metadata (DOM-aware, via trafilatura).

trafilatura keeps module-level state that is not thread-safe: call this from processes, not threads.
Its ``deduplicate`` option keeps state between calls, so it stays off (results must not depend on
which pages a worker happened to see before).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from news_etl.bylines import names_someone
from news_etl.pagemeta import PageMeta, read_page_meta
from news_etl.text import WORD, alnum_key, count_words, shared_share, stopwords

log = logging.getLogger(__name__)


@dataclass
class HtmlDoc(PageMeta):
    """The page's main text and where it came from, plus the metadata fields of :class:`PageMeta`."""

    text: str = ""
    url: str | None = None
    page_text: str | None = None  # every visible line of the page (see extract)
    standfirst: str | None = None  # the summary the page declares and shows (shown_standfirst)


#: Below this share of its word 4-grams found in the article of the page's visible lines, the main text the
#: markup gave (trafilatura's pick) is another block of the page: a cookie notice's list of cookies, a column of
#: teasers. On newsbench dev such picks share 0-1% with it; a right pick, however cut, 70-100%.
MISSED_SHARE = 0.3


def markup_text_missed(body: str, page_body: str, title: str | None = None) -> bool:
    """Whether the main text an HTML page's markup gave missed its article: the article cleaned from the page's
    visible lines (``page_body``) holds under :data:`MISSED_SHARE` of it, is half as long again, and names the
    headline's words at least half as well as it does. An empty ``body`` beside a page article counts as missed:
    the page's own lines are then the article. The page's cleaning can be the one that went wrong (a 54-word
    brief whose page cleaning, by a model that never saw the site, kept only the site's legal lines, longer and
    naming none of the headline's words): the markup's text then stays. A page article no longer than the
    markup's text replaces it only when that text names none of the headline's words and the page's names half
    of them: a cookie policy the markup took for the article, hard-wrapped into fragments no rule names, beside
    a short podcast page whose three paragraphs share its headline's words."""
    page_words = count_words(page_body)
    if page_words == 0 or shared_share(body, page_body) >= MISSED_SHARE:
        return False
    page_share, markup_share = _headline_share(title, page_body), _headline_share(title, body)
    if page_words <= 1.5 * count_words(body):
        return markup_share == 0.0 and page_share >= 0.5
    return page_share >= markup_share / 2


#: Words a standfirst needs: a shorter line is a label ("Opinion") whatever the markup says.
STANDFIRST_MIN_WORDS = 3


def shown_standfirst(summaries: list[str], page_text: str, title: str | None, main_text: str = "") -> str | None:
    """The page's standfirst (the line under the headline that sums the story up): the first of the summaries
    its markup declares (:attr:`PageMeta.summaries`) that is also a whole line of its visible text (``page_text``,
    one block per line), of :data:`STANDFIRST_MIN_WORDS` words or more, and not the headline; shown above the
    last line of the markup's main text (``main_text``) the page shows, if it shows any.

    The markup's main text starts below the standfirst on most sites. A summary readers never see (a search
    snippet) is no part of the article; one the page shows is, and readers and newsbench's labels read it as the
    first paragraph (:func:`news_etl.articles.build_article` puts it there when the body misses it). A summary
    shown below the article is no standfirst: a site whose every page declares its own tagline shows it in the
    footer."""
    keys = {
        alnum_key(s): len(s)
        for s in summaries
        if count_words(s) >= STANDFIRST_MIN_WORDS and alnum_key(s) != alnum_key(title)
    }
    keys.pop("", None)
    if not keys:
        return None
    # Only lines about as long as a summary are keyed: keying every line of a big page costs more.
    shortest, longest = min(keys.values()) // 2, 2 * max(keys.values())
    main = {line.strip() for line in main_text.split("\n") if line.strip()}
    found: dict[str, tuple[int, str]] = {}
    last_main = None  # the last line of the page that is a line of the main text
    for at, line in enumerate(page_text.split("\n")):
        if line.strip() in main:
            last_main = at
        if shortest <= len(line) <= longest and (key := alnum_key(line)) in keys:
            found.setdefault(key, (at, line.strip()))
    first = next((found[key] for key in keys if key in found), None)
    if first is None or (last_main is not None and first[0] > last_main):
        return None
    return first[1]


def _headline_share(title: str | None, text: str) -> float:
    """The share of the headline's content words (longer than three letters, no stop words) that ``text`` uses."""
    stop = stopwords()
    wanted = {w.casefold() for w in WORD.findall(title or "") if len(w) > 3} - stop
    if not wanted:
        return 0.0
    return len(wanted & {w.casefold() for w in WORD.findall(text)}) / len(wanted)


def _split_authors(raw: str | None) -> list[str]:
    """trafilatura's authors (joined with "; "), where they name someone: its guess from the page's text can be a
    topic link or a sentence of the author's biography; without one, the page's visible byline is read."""
    return [a.strip() for a in (raw or "").split(";") if a.strip() and names_someone(a.strip())]


def extract(html: str, url: str | None = None) -> HtmlDoc:
    """Main text of a page, one block per line, with title/date/authors/site from its metadata."""
    import trafilatura  # heavy import, only for HTML input

    # trafilatura logs every page it finds "empty" at WARNING; that is our caller's call to make.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    doc: Any = None  # a trafilatura Document (bare_extraction returns a dict only with as_dict=True)
    root, deep = _parse(html)
    if deep and root is None:
        log.info("the page nests deeper than 2048 elements; falling back to plain text")
    else:
        try:
            # favor_precision: measured on newsbench dev, it plus the line model beats favor_recall (0.935 vs
            # 0.930). A page nested deeper than libxml2's default limit goes in as the tree parsed without that
            # limit: from the string, trafilatura's parser would cut it off at the limit and find the menus only.
            doc = trafilatura.bare_extraction(
                root if deep else html,
                url=url,
                with_metadata=True,
                deduplicate=False,
                include_comments=False,
                include_tables=True,
                favor_precision=True,
            )
        except (ValueError, TypeError, RecursionError) as exc:  # malformed or pathologically nested markup
            log.info("trafilatura could not parse the page (%s); falling back to plain text", exc)
    page = read_page_meta(html)  # JSON-LD, meta tags and <h1>: what the page says about itself
    if doc is not None and (doc.text or "").strip():
        return HtmlDoc(
            text=doc.text,
            title=page.title or doc.title or None,
            published=page.published or doc.date or None,
            modified=page.modified,
            authors=page.authors or _split_authors(doc.author),
            publisher=page.publisher or doc.sitename or doc.hostname or None,
            url=doc.url or url,
            locale=page.locale,
            description=page.description,
            section=page.section,
            # The page's visible lines, read as a page saved as text where the markup falls short
            # (articles.build_article): a byline outside the main text, the date readers see.
            page_text=(page_text := _visible_lines(html, root)),
            standfirst=shown_standfirst(page.summaries, page_text, page.title or doc.title, doc.text),
        )
    # No main content found: keep every visible line rather than losing the page.
    return HtmlDoc(
        text=_visible_lines(html, root),
        url=url,
        title=page.title,
        published=page.published,
        modified=page.modified,
        authors=page.authors,
        publisher=page.publisher,
        locale=page.locale,
        description=page.description,
        section=page.section,
    )


_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "table",
    "figure",
    "figcaption",
    "dt",
    "dd",
}


_HIDDEN = {"script", "style", "noscript", "template", "head", "svg"}


def _parse(html: str) -> tuple[Any, bool]:
    """The page's lxml tree (None when it does not parse), and whether it nests deeper than libxml2 parses by
    default (256 elements; unclosed tags pile up that deep). Such a page is parsed again with the limit raised
    to 2048 (huge_tree); deeper still, the tree would come back cut short: None, and the page is read as a stream
    of tags instead (_streamed_text)."""
    import lxml.etree
    import lxml.html

    for huge in (False, True):
        # Comments removed at parse time: lxml otherwise drops the text that follows a comment.
        parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=huge)
        try:
            root = lxml.html.fromstring(html, parser=parser)
        except (lxml.etree.ParserError, ValueError, RecursionError):
            return None, False
        if not any("Excessive depth" in e.message for e in parser.error_log):
            return root, huge
    return None, True


def _visible_lines(html: str, root: Any) -> str:
    """Every visible text block of a page, one per line (scripts and styles dropped), from its parsed tree
    (``_parse``), else from the stream of its tags."""
    return (_tree_text(root) if root is not None else "") or _streamed_text(html)


def _tree_text(root: Any) -> str:
    """_visible_lines from a parsed tree."""
    import lxml.etree

    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = " ".join("".join(current).split())
        if text:
            lines.append(text)
        current.clear()

    walker = lxml.etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""  # comments and PIs have no string tag
        if not tag:  # entities and other non-element nodes
            continue
        if event == "start":
            if tag in _HIDDEN:
                walker.skip_subtree()  # its text is not visible; its tail is, at its "end" event
                continue
            if tag in _BLOCKS:
                flush()
            if el.text:
                current.append(el.text)
        else:
            if tag in _BLOCKS:
                flush()
            if el.tail:
                current.append(el.tail)
    flush()
    return "\n".join(lines)


class _TextStream(HTMLParser):
    """_visible_lines from a stream of tags, which knows no nesting limit (but is slower than lxml)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.hidden = 0  # how many hidden elements (script, style, ...) are open

    def flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.lines.append(text)
        self.current.clear()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.current.append(data)


def _streamed_text(html: str) -> str:
    stream = _TextStream()
    stream.feed(html)
    stream.close()
    stream.flush()
    return "\n".join(stream.lines)
