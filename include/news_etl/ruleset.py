"""The cleaning rules: ``rules/boilerplate.yaml`` plus an optional user file (``NEWS_ETL_RULES``) loaded into
a :class:`RuleSet` that gives the first rule matching a line.
Each rule has a name, a pattern or a word list, an optional word limit, and whether the validation gate
checks published bodies for it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from news_etl.rule_screen import Screen
from news_etl.settings import RULES_DIR
from news_etl.text import count_words

log = logging.getLogger(__name__)

_LABEL_SEPARATORS = re.compile(r"[\s,|·•/]+")  # between the words of a label line ("Share | Tweet")
_FIRST_TOKEN = re.compile(r"[^\s,|·•/]+")


@dataclass(frozen=True)
class Rule:
    name: str
    why: str = ""
    pattern: re.Pattern[str] | None = None
    words: frozenset[str] = frozenset()
    max_words: int | None = None
    check: bool = False
    #: The rule names a box's heading ("Related stories"): the list right under the line is the box's links.
    heads_list: bool = False
    #: The rule names a source list's heading ("Our Sources", "Footnotes"): the citations right under it go too.
    heads_citations: bool = False

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
    # Derived in __post_init__ from the rules (not arguments, not compared).
    _screen: Screen = field(init=False, repr=False, compare=False)
    _first_words: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Lines are first screened (news_etl.rule_screen): only a line that passes the screen, or could be a
        # word-list line, is checked rule by rule, in order.
        screen = Screen.of(rule.pattern for rule in self.rules if rule.pattern is not None)
        first_words = frozenset(w.split()[0] for r in self.rules for w in r.words)
        object.__setattr__(self, "_screen", screen)
        object.__setattr__(self, "_first_words", first_words)

    def match(self, line: str) -> Rule | None:
        """The first rule, in order, that matches ``line``; None when none does."""
        return self.match_lines([line])[0]

    def match_lines(self, lines: list[str]) -> list[Rule | None]:
        """:meth:`match` for each of ``lines`` (the lines of a text: none holds a newline), screened together."""
        passed = self._screen.passed(lines)
        first_words = self._first_words
        out: list[Rule | None] = []
        for line, screened in zip(lines, passed, strict=True):
            if not screened:
                # The first token casefolded, not the whole line (casefolding makes no separator).
                first = _FIRST_TOKEN.search(line)
                if first is None or first.group(0).casefold().strip(":.") not in first_words:
                    out.append(None)
                    continue
            n = count_words(line)
            out.append(next((rule for rule in self.rules if rule.matches(line, n)), None))
        return out

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
    # A line of separators alone ("|") names nothing: not a word-list line (the screen's first-token test agrees).
    return bool(tokens) and all(t.strip(":.") in words for t in tokens)


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
        heads_list=bool(raw.get("heads_list", False)),
        heads_citations=bool(raw.get("heads_citations", False)),
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
    rules = tuple(_compile_rule(raw, origins[name]) for name, raw in merged.items() if raw.get("enabled", True))
    log.debug("loaded %d boilerplate rules", len(rules))
    return RuleSet(rules, brief_max_words=brief_max_words)
