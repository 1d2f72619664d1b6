"""Cleaning: decide, line by line, what is article body and what is boilerplate.

Rules are data (``rules/boilerplate.yaml`` plus an optional user file named by ``NEWS_ETL_RULES``).
Every removed line is returned with the name of the rule that removed it; nothing disappears unrecorded.
Section headings stay in the body and are reported separately so they can be told apart from prose.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from news_etl.linemodel import decode, line_features
from news_etl.settings import RULES_DIR
from news_etl.text import WORD, count_words

log = logging.getLogger(__name__)

_LABEL_SEPARATORS = re.compile(r"[\s,|·•/]+")  # between the words of a label line ("Share | Tweet")
_FIRST_TOKEN = re.compile(r"[^\s,|·•/]+")
_CLAUSE_ENDS = (".", "!", "?", ":", ";", ",", "…", "\"", "”", "’", "'")  # a line ending so is not a heading

#: rule name used for exact repeats of an earlier line (a duplicated caption, a widget shown twice)
REPEATED_LINE = "repeated_line"
#: rule name recorded for lines the learned line classifier judged to be page furniture
MODEL_RULE = "line_model"


@dataclass(frozen=True)
class Rule:
    name: str
    why: str = ""
    pattern: re.Pattern[str] | None = None
    words: frozenset[str] = frozenset()
    max_words: int | None = None
    check: bool = False

    def matches(self, line: str, n_words: int) -> bool:
        if self.max_words is not None and n_words > self.max_words:
            return False
        if self.pattern is not None and self.pattern.search(line):
            return True
        if self.words:
            return _only_words(line, self.words)
        return False


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    #: A text whose prose (sentence lines no rule removed) is at most this many words is a brief: the line
    #: model may not remove its prose (``prose_guard`` in boilerplate.yaml). 0 switches the guard off.
    brief_max_words: int = 150

    def __post_init__(self) -> None:
        # One combined search per line rules out most lines at once; only a line that some pattern
        # matches (or that could be a word-list line) is checked rule by rule, in order.
        alts = {flag: [f"(?:{r.pattern.pattern})" for r in self.rules
                       if r.pattern is not None and bool(r.pattern.flags & re.IGNORECASE) == flag]
                for flag in (True, False)}
        prefilter = [re.compile("|".join(alts[True]), re.IGNORECASE) if alts[True] else None,
                     re.compile("|".join(alts[False])) if alts[False] else None]
        first_words = frozenset(w.split()[0] for r in self.rules for w in r.words)
        object.__setattr__(self, "_prefilter", [p for p in prefilter if p is not None])
        object.__setattr__(self, "_first_words", first_words)

    def match(self, line: str) -> Rule | None:
        if not any(p.search(line) for p in self._prefilter):
            first = _FIRST_TOKEN.search(line.casefold())
            if first is None or first.group(0).strip(":.") not in self._first_words:
                return None
        n = count_words(line)
        for rule in self.rules:
            if rule.matches(line, n):
                return rule
        return None

    @property
    def check_patterns(self) -> list[str]:
        """Regexes that must not match any line of a published body (used by the quality suite)."""
        out = []
        for rule in self.rules:
            if rule.check and rule.pattern is not None:
                flags = "" if rule.pattern.flags & re.IGNORECASE == 0 else "i"
                pattern = _per_line(rule.pattern.pattern)
                if rule.max_words is not None:
                    # Same word limit as the cleaner, so a long real paragraph the cleaner kept is not
                    # flagged. Possessive quantifiers keep the count linear on long lines.
                    words = rf"(?:[^\w\n]*+\w++(?:['’\-]\w++)*+){{0,{rule.max_words}}}+[^\w\n]*+$"
                    pattern = rf"^(?={words})[^\n]*?(?:{pattern})"
                # (?m) so that ^/$ anchor at every line of a multi-line body.
                out.append(f"(?m{flags})" + pattern)
        return out


def _per_line(pattern: str) -> str:
    """Rewrite a line rule for a search over a whole multi-line body.

    ``\\s`` becomes "space or tab" so that ``^...$`` stays inside one line, and groups become
    non-capturing (pandas' ``str.contains``, which GX uses, warns about capturing groups).
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            pair = pattern[i : i + 2]
            if pair == "\\s":
                out.append(" \\t" if in_class else "[ \\t]")
            else:
                out.append(pair)
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":  # "[]...]": a literal "]" first does not close the class
                out.append("[]")
                i += 2
                continue
        elif ch == "(" and pattern[i + 1 : i + 2] != "?":
            out.append("(?:")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _only_words(line: str, words: frozenset[str]) -> bool:
    text = line.strip().casefold()
    if not text:
        return False
    # Multi-word entries ("copy link") are matched first by substitution.
    for phrase in sorted((w for w in words if " " in w), key=len, reverse=True):
        text = text.replace(phrase, " ")
    tokens = [t for t in _LABEL_SEPARATORS.split(text) if t]
    return all(t.strip(":.") in words for t in tokens)


def _compile_rule(raw: dict, origin: str) -> Rule:
    try:
        name = str(raw["name"])
    except KeyError as exc:
        raise ValueError(f"a rule in {origin} has no 'name': {raw!r}") from exc
    pattern = None
    if raw.get("pattern"):
        flags = 0 if raw.get("case") else re.IGNORECASE
        try:
            pattern = re.compile(str(raw["pattern"]), flags)
        except re.error as exc:
            raise ValueError(f"rule {name!r} in {origin}: bad regex: {exc}") from exc
    words = frozenset(str(w).casefold() for w in raw.get("words") or [])
    if pattern is None and not words:
        raise ValueError(f"rule {name!r} in {origin} needs a 'pattern' or 'words'")
    max_words = raw.get("max_words")
    return Rule(
        name=name,
        why=str(raw.get("why", "")),
        pattern=pattern,
        words=words,
        max_words=int(max_words) if max_words is not None else None,
        check=bool(raw.get("check", False)),
    )


def _read_rules_file(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{path} is not valid YAML: {exc}") from exc
    rules = doc.get("rules", []) if isinstance(doc, dict) else None
    if not isinstance(rules, list):
        raise ValueError(f"{path}: expected a mapping with a 'rules:' list")
    return doc


def load_rules(extra: Path | None = None) -> RuleSet:
    """The built-in rules, with a user's rules file merged over them (same name replaces).

    Cached per file version: an edited rules file is read again by the next batch, without a restart.
    """
    if extra is not None and not Path(extra).is_file():
        raise FileNotFoundError(f"NEWS_ETL_RULES points at {extra}, which does not exist")
    st = Path(extra).stat() if extra is not None else None
    return _load_rules(extra, (st.st_mtime_ns, st.st_size) if st else None)


@lru_cache(maxsize=8)
def _load_rules(extra: Path | None, _version: tuple[int, int] | None) -> RuleSet:
    merged: dict[str, dict] = {}
    sources = [(RULES_DIR / "boilerplate.yaml", "built-in rules")]
    if extra is not None:
        sources.append((Path(extra), str(extra)))
    origins: dict[str, str] = {}
    brief_max_words = RuleSet.brief_max_words
    for path, origin in sources:
        doc = _read_rules_file(path)
        guard = doc.get("prose_guard")
        if guard is not None:  # a user's file may set it too; the last one read wins
            try:
                brief_max_words = max(0, int(guard["brief_max_words"]))
            except (TypeError, KeyError, ValueError) as exc:
                raise ValueError(f"{origin}: prose_guard needs an integer brief_max_words") from exc
        for raw in doc["rules"]:
            if not isinstance(raw, dict) or "name" not in raw:
                raise ValueError(f"{origin}: every rule needs a 'name': {raw!r}")
            merged[str(raw["name"])] = raw
            origins[str(raw["name"])] = origin
    rules = tuple(
        _compile_rule(raw, origins[name]) for name, raw in merged.items() if raw.get("enabled", True)
    )
    log.debug("loaded %d boilerplate rules", len(rules))
    return RuleSet(rules, brief_max_words=brief_max_words)


# --------------------------------------------------------------------------- cleaning


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

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


def is_heading(line: str, next_line: str | None) -> bool:
    """A short title-like line that introduces a longer paragraph: a section heading."""
    n = count_words(line)
    if not 1 <= n <= 12 or len(line) > 100 or line.endswith(_CLAUSE_ENDS):
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


def rule_reasons(lines: list[str], rules: RuleSet, preassigned: dict[int, str] | None = None) -> list[str | None]:
    """The rule-based verdict per (stripped, non-empty) line: a reason to remove it, or None."""
    preassigned = preassigned or {}
    seen: set[str] = set()
    reasons: list[str | None] = []
    for i, line in enumerate(lines):
        reason = preassigned.get(i)
        if reason is None:
            rule = rules.match(line)
            reason = rule.name if rule else None
        if reason is None:
            key = " ".join(line.casefold().split())
            if key in seen:
                reason = REPEATED_LINE
            seen.add(key)
        reasons.append(reason)
    return reasons


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
    if model is not None and lines and not _hard_wrapped(_blocks(raw_lines)):
        # The model reads one block per line; hard-wrapped prose (many lines per paragraph) is left to the rules.
        p_body = model.predict_proba(line_features(lines, [r is not None for r in reasons]))
        probs = [round(float(p), 4) for p in p_body]
        keep = decode(p_body, model.threshold, model.switch_cost)
        # A section heading between two kept paragraphs belongs to the body, whatever the model thinks.
        for k in range(1, len(lines) - 1):
            if not keep[k] and reasons[k] is None and keep[k - 1] and keep[k + 1] and reasons[k - 1] is None \
                    and reasons[k + 1] is None and is_heading(lines[k], lines[k + 1]):
                keep[k] = True
        guarded = _prose_guard(lines, reasons, keep, rules.brief_max_words)
        if guarded:
            notes.append(f"body: kept {guarded} prose paragraph(s) of a short text that the line model would have "
                         "removed (prose guard)")
        reasons = [r if r is not None or k else MODEL_RULE for r, k in zip(reasons, keep, strict=True)]
    removed = [Removed(i + 1, line, r, p if r == MODEL_RULE else None)
               for i, line, r, p in zip(index, lines, reasons, probs, strict=True) if r is not None]
    gone = {i for i, r in zip(index, reasons, strict=True) if r is not None}
    blocks = _blocks([("" if i in gone else raw) for i, raw in enumerate(raw_lines)])
    # Hard-wrapped prose: a block is one paragraph. Otherwise each line is a block of its own.
    paragraphs = [" ".join(b) for b in blocks] if _hard_wrapped(blocks) else [ln for b in blocks for ln in b]

    headings = [
        p for k, p in enumerate(paragraphs)
        if is_heading(p, paragraphs[k + 1] if k + 1 < len(paragraphs) else None)
    ]
    return Cleaned(paragraphs=paragraphs, headings=headings, removed=removed, notes=notes)


def _prose_guard(lines: list[str], reasons: list[str | None], keep, brief_max_words: int) -> int:
    """In a brief (all its prose at most ``brief_max_words`` words), keep every prose line the model would
    drop; returns how many it kept.

    The model learned from whole pages, where a lone sentence between furniture is usually a teaser; in a
    wire flash or a brief that sentence is the article, and losing it silently is the worst failure a cleaner
    can have. Prose here: a line no rule removed that is a sentence (:func:`_sentence_words`).
    Long pages are not touched (their prose is well over the limit), so teasers there still go."""
    if brief_max_words <= 0:
        return 0
    # Kept lines first: in a long article they pass the limit within a few paragraphs and the scan stops,
    # so the guard costs next to nothing where it does not apply.
    order = sorted((k for k in range(len(lines)) if reasons[k] is None), key=lambda k: not keep[k])
    prose, total = [], 0
    for k in order:
        words = _sentence_words(lines[k])
        if words:
            total += words
            if total > brief_max_words:
                return 0
            prose.append(k)
    dropped = [k for k in prose if not keep[k]]
    for k in dropped:
        keep[k] = True
    return len(dropped)


#: rule name for short lines that many different files of one source share (a site's footer, share bar)
BATCH_REPEAT = "batch_repeat"


def _is_prose(line: str) -> bool:
    return count_words(line) >= 12 and line.rstrip().endswith(_CLAUSE_ENDS)


_SENTENCE_END = (".", "!", "?", "…", "\"", "”", "’", "'")


def _sentence_words(line: str) -> int:
    """The words of ``line`` if it is a sentence of a brief, else 0: 6+ words ending like a sentence, or 12+
    words most of which start lower-case (a lede that lost its full stop; title-case menus and headlines do
    not qualify)."""
    words = WORD.findall(line)
    if len(words) >= 6 and line.rstrip().endswith(_SENTENCE_END):
        return len(words)
    if len(words) >= 12 and sum(w[0].islower() for w in words) >= 0.5 * len(words):
        return len(words)
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
