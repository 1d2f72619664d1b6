"""Cleaning: decide, line by line, what is article body and what is boilerplate.

Rules are data (``rules/boilerplate.yaml`` plus an optional user file named by ``NEWS_ETL_RULES``), loaded
by :mod:`news_etl.ruleset`.
Every removed line is returned with the name of the rule that removed it; nothing disappears unrecorded.
Section headings stay in the body and are reported separately so they can be told apart from prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from news_etl.body_guards import SENTENCE_END, best_prose_block, keep_inner_prose, prose_guard
from news_etl.line_features import is_list_item, line_features
from news_etl.linemodel import decode
from news_etl.ruleset import RuleSet
from news_etl.text import WORD, count_words

_CLAUSE_ENDS = (".", "!", "?", ":", ";", ",", "…", '"', "”", "’", "'")  # a line ending so is not a heading

#: rule name used for exact repeats of an earlier line (a duplicated caption, a widget shown twice)
REPEATED_LINE = "repeated_line"
#: rule name recorded for lines the learned line classifier judged to be page furniture
MODEL_RULE = "line_model"


# --------------------------------------------------------------------------- cleaning


#: A lede longer than this is cut at a word boundary: the description is a summary, the body is the text.
MAX_DESCRIPTION_CHARS = 600


@dataclass
class Removed:
    line_no: int  # 1-based
    text: str
    rule: str
    body_probability: float | None = None  # the line model's P(body), when the model judged the line


@dataclass
class Cleaned:
    paragraphs: list[str]
    headings: list[str]
    removed: list[Removed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # decisions worth recording (articles.repairs)
    #: The prose lines of a brief (the prose guard's: see :func:`_brief_prose`); empty for a longer text. None of
    #: them may leave the body as a header line either (text_header._set_title, text_header.ranked_byline).
    brief_prose: frozenset[str] = frozenset()

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    def lede(self, max_chars: int = MAX_DESCRIPTION_CHARS) -> str | None:
        """The body's first paragraph (the description of a page that gives none), cut at a word boundary if it
        runs long."""
        first = next((p.strip() for p in self.paragraphs if p.strip()), None)
        if first is None or len(first) <= max_chars:
            return first
        cut = first[:max_chars].rsplit(" ", 1)[0]
        return cut.rstrip(",;:") + " ..."

    def take(self, index: int, line: str, why: str) -> None:
        """Line ``index`` (0-based), ``line``, is metadata (``why``: "meta:byline", ...): out of the body and its
        headings if the cleaner kept it, and recorded as removed."""
        self.paragraphs.remove(line)
        self.headings = [h for h in self.headings if h != line]
        self.removed.append(Removed(index + 1, line, why))

    def named_furniture(self) -> frozenset[int]:
        """0-based indexes of the lines a boilerplate rule removed (not the model, a repeat or the metadata)."""
        return frozenset(
            r.line_no - 1
            for r in self.removed
            if r.rule not in (MODEL_RULE, REPEATED_LINE, BATCH_REPEAT) and not r.rule.startswith("meta:")
        )


def is_heading(line: str, next_line: str | None) -> bool:
    """A short title-like line that introduces a longer paragraph: a section heading."""
    # The cheap tests first: most paragraphs are longer than 100 characters, and counting words costs a regex.
    if len(line) > 100 or line.endswith(_CLAUSE_ENDS):
        return False
    n = count_words(line)
    if not 1 <= n <= 12:
        return False
    if not line[:1].isupper() and not line[:1].isdigit():
        return False
    if next_line is None or count_words(next_line) < max(12, 2 * n):
        return False
    # Most words capitalised, or short enough to be a label: a heading, not a sentence fragment.
    words = WORD.findall(line)
    caps = sum(1 for w in words if w[:1].isupper() or w[:1].isdigit())
    return caps / len(words) >= 0.5 or n <= 4


def _blocks(raw_lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines (stripped)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for raw in raw_lines:
        line = raw.strip()
        if line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _hard_wrapped(blocks: list[list[str]]) -> bool:
    """True when prose is wrapped at a fixed width (several lines per paragraph, no blank lines)."""
    multi = [b for b in blocks if len(b) > 1]
    if not multi:
        return False
    lines = [ln for b in multi for ln in b[:-1]]
    wrapped = sum(1 for ln in lines if 40 <= len(ln) <= 100 and not ln.endswith((".", "!", "?", ":")))
    return len(lines) >= 3 and wrapped / len(lines) > 0.6


#: A citation in a source list: a footnote's "[1] ..." or "^ ...", or an entry ending in its date ("The Lancet,
#: Measles epidemic in Samoa, March 2020", "CDC, Vaccination Coverage, accessed Dec. 15, 2023", "..., 1968.").
_CITATION = re.compile(
    r"^(?:\[\d{1,3}\]|\^)\s"
    r"|[,.?!]\s*(?:(?:accessed|updated|retrieved|archived|published)(?: as of| on)?\s+)?"
    r"(?:(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+)?(?:\d{1,2},?\s+)?"
    r"|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+)"
    r"(?:1[89]|20)\d{2}\.?$",
    re.IGNORECASE,
)


#: How many lines in a row that are no citations a source list may hold between two citations.
CITATION_GAP = 2


def is_citation(line: str) -> bool:
    """Whether a (stripped) line reads as an entry of a source list or footnotes (see ``_CITATION``)."""
    # Every citation ends in a year (and maybe a full stop) or opens with a footnote mark: a test of two
    # characters spares the regex nearly every line of a text.
    last = line[-2:-1] if line.endswith(".") else line[-1:]
    return (last.isdigit() or line[:1] in ("[", "^")) and _CITATION.search(line) is not None


#: A source list that lost its heading (an HTML page's "Our Sources" outside the main text) is a run of at least
#: this many citations in a row; no run of three is in dev's labelled bodies or the BBC corpus.
SOURCE_RUN = 5


def rule_reasons(lines: list[str], rules: RuleSet, preassigned: dict[int, str] | None = None) -> list[str | None]:
    """The rule-based verdict per (stripped, non-empty) line: a reason to remove it, or None."""
    preassigned = preassigned or {}
    seen: set[str] = set()
    reasons: list[str | None] = []
    # Every line is screened, preassigned or not: the preassigned ones are a text's few title, byline and date
    # lines, not worth a second list of the others.
    matched = rules.match_lines(lines)
    under: str | None = None  # the reason for the items of the list a box's heading opens, while it runs
    source_heads: list[tuple[int, str]] = []  # a source list's heading ("Our Sources") and its citations' reason
    for i, line in enumerate(lines):
        reason = preassigned.get(i)
        rule = matched[i]
        if reason is None:
            reason = rule.name if rule else None
            if reason is None and under is not None and is_list_item(line):
                # A box's links under its heading ("More Must-Reads From TIME", then "- Taylor Swift Is ..."): the
                # model weighs a heading's reach of three lines, and a long list ran past it.
                reason = under
        if rule is not None and rule.heads_list:
            under = f"{rule.name}_list"
        elif reason != under:
            under = None
        if rule is not None and rule.heads_citations:
            source_heads.append((i, f"{rule.name}_list"))
        if reason is None:
            key = line.casefold()
            # The key is the line casefolded with its whitespace runs made one space. Splitting and joining
            # costs more than the rest of this loop; only " " is both whitespace and printable, so a printable
            # key with no double space is already normalised (the line is stripped).
            if not key.isprintable() or "  " in key:
                key = " ".join(key.split())
            if key in seen:
                reason = REPEATED_LINE
            seen.add(key)
        reasons.append(reason)
    for i, reason in source_heads:
        _take_citations(lines, reasons, i, reason)
    if heads := [r for r in rules.rules if r.heads_citations]:
        _take_headless_sources(lines, reasons, f"{heads[0].name}_list")
    return reasons


def _take_headless_sources(lines: list[str], reasons: list[str | None], reason: str) -> None:
    """A run of ``SOURCE_RUN`` or more citations in a row that no rule named is a source list without its
    heading: it goes as if under one (:func:`_take_citations`, from the line before the run)."""
    run = 0
    for j, line in enumerate(lines):
        if reasons[j] is None and is_citation(line):
            run += 1
            if run == SOURCE_RUN:
                _take_citations(lines, reasons, j - SOURCE_RUN, reason)
        else:
            run = 0


def _take_citations(lines: list[str], reasons: list[str | None], head: int, reason: str) -> None:
    """Give ``reason`` to the citations under a source list's heading at ``head``, and to the few lines between
    two of them (sources without a date: "Robert F. Kennedy Jr.'s Instagram account", "..., various years"): the
    list ends at its last citation before more than ``CITATION_GAP`` lines in a row that are none. A line a rule
    already named stays named."""
    last = head
    for j in range(head + 1, len(lines)):
        if j - last > CITATION_GAP + 1:
            break
        if is_citation(lines[j]):
            last = j
    for j in range(head + 1, last + 1):
        if reasons[j] is None:
            reasons[j] = reason


def clean(text: str, rules: RuleSet, preassigned: dict[int, str] | None = None, model=None) -> Cleaned:
    """Split text into body paragraphs, headings and removed lines.

    ``preassigned`` maps 0-based line indexes to a reason decided elsewhere (the metadata extractor
    takes the title, byline and timestamp lines out of the body as ``meta:*``). Lines no rule decides
    are then judged by ``model`` (a :class:`news_etl.linemodel.LineModel`), when one is given.
    """
    preassigned = preassigned or {}
    notes: list[str] = []
    raw_lines = text.split("\n")
    index = [i for i, raw in enumerate(raw_lines) if raw.strip()]
    lines = [raw_lines[i].strip() for i in index]
    reasons = rule_reasons(lines, rules, {k: preassigned[i] for k, i in enumerate(index) if i in preassigned})
    probs: list[float | None] = [None] * len(lines)
    brief = _brief_prose(lines, reasons, rules.brief_max_words)
    if model is not None and lines and not _hard_wrapped(_blocks(raw_lines)):
        # The model reads one block per line; hard-wrapped prose (many lines per paragraph) is left to the rules.
        features = line_features(lines, [r is not None for r in reasons])
        p_body = model.predict_proba(features)
        probs = [round(float(p), 4) for p in p_body]
        keep = decode(p_body, model.threshold, model.switch_cost)
        inner = keep_inner_prose(lines, keep, features)
        if inner:
            notes.append(
                f"body: kept {inner} paragraph(s) of prose inside the article, between kept prose, that the line "
                "model would have removed"
            )
        # A section heading between two kept paragraphs belongs to the body, whatever the model thinks.
        for k in range(1, len(lines) - 1):
            if (
                not keep[k]
                and reasons[k] is None
                and keep[k - 1]
                and keep[k + 1]
                and reasons[k - 1] is None
                and reasons[k + 1] is None
                and is_heading(lines[k], lines[k + 1])
            ):
                keep[k] = True
        guarded = prose_guard(keep, brief)
        if guarded:
            notes.append(
                f"body: kept {guarded} prose paragraph(s) of a short text that the line model would have "
                "removed (prose guard)"
            )
        rescued = best_prose_block(lines, features, keep, p_body)
        if rescued:
            notes.append(
                f"body: the line model would have removed every prose paragraph; kept the likeliest prose block "
                f"({rescued} paragraph(s))"
            )
        reasons = [r if r is not None or k else MODEL_RULE for r, k in zip(reasons, keep, strict=True)]
    removed = [
        Removed(i + 1, line, r, p if r == MODEL_RULE else None)
        for i, line, r, p in zip(index, lines, reasons, probs, strict=True)
        if r is not None
    ]
    gone = {i for i, r in zip(index, reasons, strict=True) if r is not None}
    blocks = _blocks([("" if i in gone else raw) for i, raw in enumerate(raw_lines)])
    # Hard-wrapped prose: a block is one paragraph. Otherwise each line is a block of its own.
    paragraphs = [" ".join(b) for b in blocks] if _hard_wrapped(blocks) else [ln for b in blocks for ln in b]

    headings = [
        p for k, p in enumerate(paragraphs) if is_heading(p, paragraphs[k + 1] if k + 1 < len(paragraphs) else None)
    ]
    prose = frozenset(lines[k] for k in brief)
    return Cleaned(paragraphs=paragraphs, headings=headings, removed=removed, notes=notes, brief_prose=prose)


def _brief_prose(lines: list[str], reasons: list[str | None], brief_max_words: int) -> list[int]:
    """The prose lines of a brief: lines no rule removed that are sentences (:func:`sentence_words`), when they
    add up to at most ``brief_max_words`` words; [] for a longer text (or ``brief_max_words`` 0). The scan stops
    as soon as the limit is passed, so a long article costs a few paragraphs."""
    if brief_max_words <= 0:
        return []
    prose, total = [], 0
    for k in range(len(lines)):
        words = sentence_words(lines[k]) if reasons[k] is None else 0
        if words:
            total += words
            if total > brief_max_words:
                return []
            prose.append(k)
    return prose


#: rule name for short lines that many different files of one source share (a site's footer, share bar)
BATCH_REPEAT = "batch_repeat"


def _is_prose(line: str) -> bool:
    return count_words(line) >= 12 and line.rstrip().endswith(_CLAUSE_ENDS)


def sentence_words(line: str) -> int:
    """The words of ``line`` if it is a sentence of a brief, else 0: 6+ words ending like a sentence, or 12+
    words most of which start lower-case (a lede that lost its full stop; title-case menus and headlines do
    not qualify). Counted as a reader counts them, by spaces: "$17.1m (£8.8m)" is two words, not four, so a
    brief of 150 words is one for the guard too."""
    words = WORD.findall(line)
    if len(words) >= 6 and line.rstrip().endswith(SENTENCE_END):
        return len(line.split())
    if len(words) >= 12 and sum(w[0].islower() for w in words) >= 0.5 * len(words):
        return len(line.split())
    return 0


def batch_repeats(docs: list[tuple[str, str]], min_docs: int = 3) -> list[dict[int, str]]:
    """Lines a site repeats in many of its articles, found across the documents of one batch.

    ``docs`` are ``(source, text)`` pairs; ``source`` groups documents of one site (a URL host or an inbox
    folder). A non-prose line found in at least ``min_docs`` different texts of one source is marked
    :data:`BATCH_REPEAT`. Prose is never marked, and a document whose prose largely reappears elsewhere
    (the same wire story twice) is left alone: its shared lines are content, not furniture.
    Returns, per document, ``{line index: reason}``.
    """

    def key(line: str) -> str:
        return " ".join(line.casefold().split())

    keyed: list[dict[str, list[int]]] = []
    for _source, text in docs:
        lines: dict[str, list[int]] = {}
        for i, raw in enumerate(text.split("\n")):
            if raw.strip():
                lines.setdefault(key(raw), []).append(i)
        keyed.append(lines)
    seen_texts: dict[tuple[str, int], int] = {}
    count: dict[tuple[str, str], int] = {}
    for k, (source, text) in enumerate(docs):
        ident = (source, hash(text))
        if ident in seen_texts:  # an identical file counts once
            continue
        seen_texts[ident] = k
        for line_key in keyed[k]:
            count[(source, line_key)] = count.get((source, line_key), 0) + 1
    out: list[dict[int, str]] = []
    for k, (source, _text) in enumerate(docs):
        marks: dict[int, str] = {}
        prose = [lk for lk in keyed[k] if _is_prose(lk)]
        shared_prose = sum(1 for lk in prose if count.get((source, lk), 0) > 1)
        if not prose or shared_prose / len(prose) <= 0.3:
            for line_key, indexes in keyed[k].items():
                if count.get((source, line_key), 0) >= min_docs and not _is_prose(line_key):
                    for i in indexes:
                        marks[i] = BATCH_REPEAT
        out.append(marks)
    return out
