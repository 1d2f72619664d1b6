"""The cleaning rules: ``rules/boilerplate.yaml`` plus an optional user file (``NEWS_ETL_RULES``) loaded into
a :class:`RuleSet` that gives the first rule matching a line.
Each rule has a name, a pattern or a word list, an optional word limit, and whether the validation gate
checks published bodies for it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from news_etl.settings import RULES_DIR
from news_etl.text import count_words

#: Lines longer than this skip the rules' screen (:meth:`RuleSet.match`); no paragraph of prose is this long.
_LONG_LINE_CHARS = 20_000

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
    _screen: list[tuple[tuple[str, ...] | None, Callable[[str], re.Match[str] | None]]] = field(
        init=False, repr=False, compare=False
    )
    _first_words: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A line is first screened: the patterns anchored at the line's start are joined into one regex per
        # case flag, tried at position 0 only; every other pattern is searched on its own, as a search for a
        # pattern that starts with a literal is fast. (One alternation of all the patterns had to try every
        # branch at every character: unanchored patterns made it four times slower.) Only a line that passes
        # the screen, or could be a word-list line, is checked rule by rule, in order.
        # Each test carries the strings one of which every match holds (_needles): on an ASCII line, a test
        # whose strings are all absent cannot match and is skipped; "in" costs a fraction of a regex call.
        anchored: dict[bool, list[str]] = {True: [], False: []}
        unanchored: list[re.Pattern[str]] = []
        for rule in self.rules:
            if rule.pattern is None:
                continue
            if _anchored(rule.pattern):
                anchored[bool(rule.pattern.flags & re.IGNORECASE)].append(f"(?:{rule.pattern.pattern})")
            else:
                unanchored.append(rule.pattern)
        joined = [re.compile("|".join(alts), re.IGNORECASE if flag else 0) for flag, alts in anchored.items() if alts]
        screen = [(_needles(pattern), pattern.match) for pattern in joined]
        screen += [(_needles(pattern), pattern.search) for pattern in unanchored]
        first_words = frozenset(w.split()[0] for r in self.rules for w in r.words)
        object.__setattr__(self, "_screen", screen)
        object.__setattr__(self, "_first_words", first_words)

    def match(self, line: str) -> Rule | None:
        # A line longer than any paragraph skips the screen: the screen's searches know no rule's word limit,
        # and a 10 MB line of "cookie cookie ..." cost cookie_notice's search 10 s. Counting its words first
        # leaves it to the rules whose limit it fits (Rule.matches): the answer the screen would have led to.
        if len(line) > _LONG_LINE_CHARS:
            n = count_words(line)
            return next((rule for rule in self.rules if rule.matches(line, n)), None)
        low = line.lower() if line.isascii() else None  # _needles holds for ASCII text only
        for needles, test in self._screen:  # plain loops: any() over a generator costs more than the searches
            if needles is not None and low is not None:
                for needle in needles:
                    if needle in low:
                        break
                else:
                    continue
            if test(line):
                break
        else:
            # The first token casefolded, not the whole line (casefolding makes no separator).
            first = _FIRST_TOKEN.search(line)
            if first is None or first.group(0).casefold().strip(":.") not in self._first_words:
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


def _anchored(pattern: re.Pattern[str]) -> bool:
    """True when every match of ``pattern`` starts at the line's start (it begins with ``^`` on all branches)."""
    try:
        parsed = re._parser.parse(pattern.pattern, pattern.flags)  # type: ignore[attr-defined]  # no public parser
    except Exception:
        return False
    first = list(parsed)[:1]
    return bool(first) and first[0] == (re._constants.AT, re._constants.AT_BEGINNING)  # type: ignore[attr-defined]


#: A screen test with more strings than this is run without them: checking them all costs about a regex call.
_MAX_NEEDLES = 8


def _needles(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Lower-case strings one of which every match of ``pattern`` in an ASCII text holds, once the text is
    lower-cased; None when the pattern guarantees none (or too many to be worth testing).

    Read from the parsed pattern: a run of literal characters must appear, so must one of a set of
    alternatives or of a short character class, and what a repeat of at least once repeats. Other items
    (classes such as ``\\w``, anchors, lookarounds, optional parts) guarantee nothing. On an ASCII text, an
    ASCII literal matches a character whose lower-case form equals its own, case-insensitive or not, and a
    non-ASCII literal matches nothing, unless case-insensitivity lets it match an ASCII letter (the Kelvin
    sign matches "k"): such a literal guarantees nothing either."""
    try:
        parsed = re._parser.parse(pattern.pattern, pattern.flags)  # type: ignore[attr-defined]  # no public parser
    except Exception:
        return None
    found = _sequence_needles(list(parsed), bool(pattern.flags & re.IGNORECASE))
    if found is None:
        return None
    # A string that holds another is found whenever that one is: testing it adds nothing.
    return tuple(sorted(n for n in found if not any(m != n and m in n for m in found)))


def _sequence_needles(items: list, ignore_case: bool) -> frozenset[str] | None:
    """What a sequence of parsed items guarantees: its most selective guarantee (longest shortest string)."""
    c = re._constants  # type: ignore[attr-defined]
    best: frozenset[str] | None = None

    def selectivity(needles: frozenset[str]) -> tuple[int, int]:
        return min(map(len, needles)), -len(needles)

    def offer(candidate: frozenset[str] | None) -> None:
        nonlocal best
        if not candidate or len(candidate) > _MAX_NEEDLES:
            return
        if best is None or selectivity(candidate) > selectivity(best):
            best = candidate

    run = ""
    for op, arg in items:
        char = _literal(arg, ignore_case) if op is c.LITERAL else None
        if char is not None:
            run += char
            continue
        offer(frozenset([run]) if run else None)
        run = ""
        if op is c.IN:
            codes = _class_codes(arg)
            chars = [_literal(code, ignore_case) for code in codes] if codes else [None]
            offer(None if None in chars else frozenset(chars))  # type: ignore[arg-type]  # no None in it then
        elif op is c.BRANCH:
            alternatives = [_sequence_needles(list(branch), ignore_case) for branch in arg[1]]
            if all(a is not None for a in alternatives):
                offer(frozenset().union(*alternatives))  # type: ignore[arg-type]  # checked: none is None
        elif op is c.SUBPATTERN:
            _, add, remove, body = arg
            inner = (ignore_case or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE
            offer(_sequence_needles(list(body), inner))
        elif op is c.ATOMIC_GROUP:
            offer(_sequence_needles(list(arg), ignore_case))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and arg[0] >= 1:
            offer(_sequence_needles(list(arg[2]), ignore_case))
    offer(frozenset([run]) if run else None)
    return best


def _class_codes(items: list) -> list[int] | None:
    """The characters of a character class made of literals and short ranges; None for any other class."""
    c = re._constants  # type: ignore[attr-defined]
    codes: list[int] = []
    for op, arg in items:
        if op is c.LITERAL:
            codes.append(arg)
        elif op is c.RANGE and arg[1] - arg[0] < _MAX_NEEDLES:
            codes.extend(range(arg[0], arg[1] + 1))
        else:  # a negated class, a category (\w, \d, \s), a long range
            return None
    return codes if len(codes) <= _MAX_NEEDLES else None


@lru_cache(maxsize=4096)
def _literal(code: int, ignore_case: bool) -> str | None:
    """The lower-cased character a literal needs on an ASCII text; None when it guarantees nothing.
    A non-ASCII character matches no ASCII character (so it stays, and is never found), unless it does so
    case-insensitively: then it guarantees nothing."""
    char = chr(code)
    if char.isascii():
        return char.lower()
    if ignore_case and any(re.fullmatch(re.escape(char), chr(a), re.IGNORECASE) for a in range(128)):
        return None
    return char


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
    rules = tuple(_compile_rule(raw, origins[name]) for name, raw in merged.items() if raw.get("enabled", True))
    log.debug("loaded %d boilerplate rules", len(rules))
    return RuleSet(rules, brief_max_words=brief_max_words)
