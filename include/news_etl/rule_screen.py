"""The rules' screen: which lines of a text no pattern rule can match, found without trying every rule on
every line (:class:`Screen`). It only saves time: a line that passes is checked rule by rule, in order.

What the screen knows of a pattern is read from its parse tree: whether it is anchored at the line's start
(:func:`anchored`), strings one of which every match holds (:func:`needles_of`), and the characters a match
can start with (:func:`first_chars`). Both hold on ASCII text, lower-cased, and on any line without the four
non-ASCII characters an ASCII letter matches case-insensitively (:data:`ASCII_LOOKALIKES`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

#: Lines longer than this skip the screen (they pass it); no paragraph of prose is this long.
LONG_LINE_CHARS = 20_000

_Test = Callable[[str], re.Match[str] | None]


@dataclass(frozen=True)
class Screen:
    """Tests of which one matches every line that a pattern rule matches (and some it does not)."""

    #: The anchored patterns, one table per case flag: by a line's first character, lower-cased, the joined
    #: alternatives a match can start with (:func:`_start_table`).
    starts: list[dict[str | None, _Test | None]]
    #: The other patterns: (strings one of which a match holds or None, whether they are all ASCII, test).
    searches: list[tuple[tuple[str, ...] | None, bool, _Test]]

    @classmethod
    def of(cls, patterns: Iterable[re.Pattern[str]]) -> Screen:
        # Two kinds of test:
        # - The patterns anchored at the line's start, joined into one regex per case flag and tried at
        #   position 0 only. An ASCII line tries only the branches its first character can start
        #   (_start_table): the joined regex tries every branch in turn, and was a third of the screen.
        # - Every other pattern, searched on its own (a search for a pattern that starts with a literal is
        #   fast; one alternation of all the patterns had to try every branch at every character). Each carries
        #   the strings one of which every match on an ASCII line holds (needles_of): those are looked for in
        #   all the lines at once, and only the lines holding one (or not ASCII) are searched.
        anchored_alts: dict[bool, list[str]] = {True: [], False: []}
        searches: list[tuple[tuple[str, ...] | None, bool, _Test]] = []
        for pattern in patterns:
            needles = needles_of(pattern)
            if not anchored(pattern):
                searches.append((needles, _all_ascii(needles), pattern.search))
            elif needles is not None and first_chars(pattern) is None:
                # Anchored, but its first character can be anything ("^\\W{0,4}(?:[^.!?]{1,80}...)?subscribe"):
                # in the joined regex every line would try it, where its strings rule most lines out.
                searches.append((needles, _all_ascii(needles), pattern.match))
            else:
                anchored_alts[bool(pattern.flags & re.IGNORECASE)].append(f"(?:{pattern.pattern})")
        starts = [_start_table(alts, re.IGNORECASE if flag else 0) for flag, alts in anchored_alts.items() if alts]
        return cls(starts, searches)

    def passed(self, lines: list[str]) -> list[bool]:
        """Per line (the lines of a text: none holds a newline): True when a test matches it, or it is too long
        to screen; False means no pattern rule can match it."""
        # A line longer than any paragraph skips the screen: the screen's searches know no rule's word limit,
        # and a 10 MB line of "cookie cookie ..." cost cookie_notice's search 10 s. It is left to the rules
        # whose limit it fits (Rule.matches, which counts its words first): the answer the screen would give.
        passed = [len(line) > LONG_LINE_CHARS for line in lines]
        ascii_only = list(map(str.isascii, lines))
        # A line with none of the few non-ASCII characters that match an ASCII letter case-insensitively
        # (ASCII_LOOKALIKES) holds, lower-cased, each ASCII string a match on it holds: the ASCII strings of
        # needles_of and the first characters of first_chars hold for it. Non-ASCII strings hold on ASCII lines.
        safe = [
            not long and (plain or not ASCII_LOOKALIKES.search(line))
            for line, long, plain in zip(lines, passed, ascii_only, strict=True)
        ]
        unsafe = [i for i, ok in enumerate(safe) if not ok and not passed[i]]
        not_ascii = [i for i, plain in enumerate(ascii_only) if not plain and not passed[i]]
        for table in self.starts:
            full = table[None]
            for i, line in enumerate(lines):
                if not passed[i]:
                    first = line[:1]
                    test = table.get(first.lower(), full) if safe[i] and first.isascii() else full
                    passed[i] = test is not None and test(line) is not None
        lows = [line.lower() if ok else "" for line, ok in zip(lines, safe, strict=True)]
        lower = "\n".join(lows)
        starts = list(accumulate((len(low) + 1 for low in lows), initial=0))  # each line with its "\n"
        for needles, ascii_needles, test in self.searches:
            if needles is None:
                todo: Iterable[int] = range(len(lines))
            else:
                todo = sorted({*_lines_holding(lower, needles, starts), *(unsafe if ascii_needles else not_ascii)})
            for i in todo:
                if not passed[i] and test(lines[i]) is not None:
                    passed[i] = True
        return passed


def anchored(pattern: re.Pattern[str]) -> bool:
    """True when every match of ``pattern`` starts at the line's start (it begins with ``^`` on all branches)."""
    try:
        parsed = re._parser.parse(pattern.pattern, pattern.flags)  # type: ignore[attr-defined]  # no public parser
    except Exception:
        return False
    first = list(parsed)[:1]
    return bool(first) and first[0] == (re._constants.AT, re._constants.AT_BEGINNING)  # type: ignore[attr-defined]


#: The non-ASCII characters that an ASCII letter matches case-insensitively (the dotted and dotless i, the long
#: s, the Kelvin sign), as the regex engine decides; tests/test_cleaning.py checks the list over every code point.
ASCII_LOOKALIKES = re.compile("[\u0130\u0131\u017f\u212a]")


def _all_ascii(needles: tuple[str, ...] | None) -> bool:
    return needles is not None and all(needle.isascii() for needle in needles)


def _lines_holding(text: str, needles: tuple[str, ...], starts: list[int]) -> set[int]:
    """The lines of ``text`` that hold one of ``needles``; ``starts[i]`` is where line i starts (and the
    last entry is one past the end). str.find scans in C; after a find the scan goes on at the next line."""
    found: set[int] = set()
    last = len(starts) - 1
    for needle in needles:
        at = text.find(needle)
        while at >= 0:
            line = bisect_right(starts, at) - 1
            found.add(line)
            at = text.find(needle, starts[line + 1]) if line + 1 < last else -1
    return found


def _start_table(alternatives: list[str], flags: int) -> dict[str | None, _Test | None]:
    """The anchored patterns ``alternatives`` as tests to try at a line's start, by the line's first character
    lower-cased (ASCII lines): each joins the alternatives a match can start with that character
    (:func:`first_chars`; those that guarantee nothing are in all of them), None where none can. Key None:
    all of them, for any other line."""
    compiled: dict[tuple[str, ...], _Test | None] = {(): None}

    def join(alts: tuple[str, ...]) -> _Test | None:
        if alts not in compiled:
            compiled[alts] = re.compile("|".join(alts), flags).match
        return compiled[alts]

    firsts = [first_chars(re.compile(alt, flags)) for alt in alternatives]
    table: dict[str | None, _Test | None] = {None: join(tuple(alternatives))}
    for code in range(128):
        char = chr(code).lower()
        table[char] = join(tuple(a for a, f in zip(alternatives, firsts, strict=True) if f is None or char in f))
    return table


def first_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The lower-cased characters a match of ``pattern`` on an ASCII line can start with; None when the
    pattern guarantees nothing (it may match empty, or start with a class such as ``\\w``). Read from the parsed
    pattern as :func:`needles_of` is, with the same case rules (:func:`_literal`)."""
    try:
        parsed = re._parser.parse(pattern.pattern, pattern.flags)  # type: ignore[attr-defined]  # no public parser
    except Exception:
        return None
    first, nullable = _sequence_first(list(parsed), bool(pattern.flags & re.IGNORECASE))
    return None if nullable else first


def _sequence_first(items: list, ignore_case: bool) -> tuple[frozenset[str] | None, bool]:
    """What a sequence of parsed items can start with (None: anything), and whether it can match empty."""
    c = re._constants  # type: ignore[attr-defined]
    chars: set[str] = set()
    for op, arg in items:
        if op is c.AT:  # an anchor matches no character: what follows it starts the match
            continue
        first: frozenset[str] | None = None
        nullable = False
        if op is c.LITERAL:
            char = _literal(arg, ignore_case)
            first = None if char is None else frozenset([char])
        elif op is c.IN:
            codes = _class_codes(arg, limit=128)
            found = [_literal(code, ignore_case) for code in codes] if codes else [None]
            first = None if None in found else frozenset(found)  # type: ignore[arg-type]  # no None in it then
        elif op is c.BRANCH:
            starts = [_sequence_first(list(branch), ignore_case) for branch in arg[1]]
            if all(f is not None for f, _ in starts):
                first = frozenset().union(*(f for f, _ in starts))  # type: ignore[arg-type]  # none is None
                nullable = any(n for _, n in starts)
        elif op is c.SUBPATTERN:
            _, add, remove, body = arg
            inner = (ignore_case or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE
            first, nullable = _sequence_first(list(body), inner)
        elif op is c.ATOMIC_GROUP:
            first, nullable = _sequence_first(list(arg), ignore_case)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            first, nullable = _sequence_first(list(arg[2]), ignore_case)
            nullable = nullable or arg[0] == 0
        if first is None:  # a class such as \w, a lookaround, a back reference: anything
            return None, False
        chars |= first
        if not nullable:
            return frozenset(chars), False
    return frozenset(chars), True


#: A screen test with more strings than this is run without them: checking them all costs about a regex call.
_MAX_NEEDLES = 8


def needles_of(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
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


def _class_codes(items: list, limit: int = _MAX_NEEDLES) -> list[int] | None:
    """The characters of a character class made of literals and ranges, when there are at most ``limit``; None
    for any other class."""
    c = re._constants  # type: ignore[attr-defined]
    codes: list[int] = []
    for op, arg in items:
        if op is c.LITERAL:
            codes.append(arg)
        elif op is c.RANGE and arg[1] - arg[0] < limit:
            codes.extend(range(arg[0], arg[1] + 1))
        else:  # a negated class, a category (\w, \d, \s), a long range
            return None
    return codes if len(codes) <= limit else None


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
