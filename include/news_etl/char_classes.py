"""Per-character classes of a text, counted per line without a regex (the line model's features).

Each character's class bits (a word character, a digit, a capital, a joiner, a separator, a space) come
from one table lookup in numpy; the table is read from the regex engine's own ``\\w``, ``\\d`` and ``\\s``, so
the counts are what those classes match. A regex pass per class, and a findall of the words, cost about a
fifth of cleaning's instructions (issue 16: cleaning must stay above 2 MB/s per core).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# Each character's classes, as bits: a word character (the regex class \w), a decimal digit (\d), an upper-case
# letter, an apostrophe or hyphen (text.WORD joins two words' characters with one), one that casefolds to
# several, a title separator (| • · » › /), a dash (- – —), a space that is not a line break (\s but "\n").
_WORD_CHAR, _DIGIT, _UPPER, _JOINER, _EXPANDS, _SEPARATOR, _DASH, _SPACE = 1, 2, 4, 8, 16, 32, 64, 128


@lru_cache(maxsize=1)
def _bmp_classes() -> np.ndarray:
    """The class bits of every character of the Basic Multilingual Plane, read from the regex engine's own
    classes (so they are what \\w, \\d and \\s match) and str.isupper, str.casefold."""
    chars = "".join(map(chr, range(0x10000)))
    table = np.zeros(0x10000, dtype=np.uint8)
    for pattern, bit in ((re.compile(r"\w+"), _WORD_CHAR), (re.compile(r"\d+"), _DIGIT), (re.compile(r"\s+"), _SPACE)):
        for m in pattern.finditer(chars):
            table[m.start() : m.end()] |= bit
    table[[c for c in range(0x10000) if chars[c].isupper()]] |= _UPPER
    table[[ord(c) for c in "'’-"]] |= _JOINER
    table[[c for c in range(0x10000) if len(chars[c].casefold()) > 1]] |= _EXPANDS
    table[[ord(c) for c in "|•·»›/"]] |= _SEPARATOR
    table[[ord(c) for c in "-–—"]] |= _DASH
    table[ord("\n")] &= 0xFF ^ _SPACE
    return table


def _classes_of(char: str) -> int:
    """The class bits of one character (those beyond the table: astral ones)."""
    bits = _WORD_CHAR if re.match(r"\w", char) else 0
    bits |= _DIGIT if re.match(r"\d", char) else 0
    bits |= _EXPANDS if len(char.casefold()) > 1 else 0
    bits |= _SPACE if re.match(r"\s", char) else 0
    return bits | (_UPPER if char.isupper() else 0)


def _char_classes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The code point and the class bits of each character of ``text`` (a table lookup per character, in
    numpy)."""
    # UTF-32 gives one code unit per character; a lone surrogate (which a str may hold) passes as itself.
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    astral = np.flatnonzero(points > 0xFFFF)
    if len(astral) == 0:
        return points, _bmp_classes().take(points)
    classes = _bmp_classes().take(np.where(points > 0xFFFF, 0, points))
    for i in astral.tolist():
        classes[i] = _classes_of(text[i])
    return points, classes


def _per_line_sum(values: np.ndarray, chars: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per line, the sum of a per-character array over its characters (line i ends at ``ends[i]``)."""
    total = np.concatenate([[0], np.cumsum(values, dtype=np.int64)])
    return total[ends] - total[ends - chars]


@dataclass(frozen=True)
class CharCounts:
    """A text's characters: per line, its decimal digits, its apostrophes and hyphens that join two word
    characters (text.WORD counts them inside a word), its words and those that start with an upper-case letter;
    per character, its code point and whether it is part of a word (of text.WORD's tokens)."""

    digits: np.ndarray
    joiners: np.ndarray
    capitals: np.ndarray
    words: np.ndarray  # per line
    separators: np.ndarray  # per line: title separators (| • · » › /) and dashes between spaces
    points: np.ndarray
    in_word: np.ndarray
    expands: bool  # a character casefolds to several ("ß" -> "ss")


def char_counts(text: str, chars: np.ndarray, ends: np.ndarray) -> CharCounts:
    """Counted on the characters' class bits: a few numpy operations per text, no Python per character or per
    match. A word (text.WORD) is a run of word characters and of joiners between two word characters; it
    starts at a word character that follows neither a word character nor a joiner that follows one."""
    points, classes = _char_classes(text)
    word = (classes & _WORD_CHAR) > 0
    before = np.concatenate([[False], word[:-1]])  # the character before is a word character
    after = np.concatenate([word[1:], [False]])  # the character after is a word character
    joiner = ((classes & _JOINER) > 0) & before & after
    # joined[i]: the character before i is a joiner with a word character before it.
    joined = np.zeros(len(word), dtype=bool)
    if len(word) > 2:
        joined[2:] = ((classes[1:-1] & _JOINER) > 0) & word[:-2]
    starts = word & ~before & ~joined
    # A title separator, or a dash with a space on either side.
    space = (classes & _SPACE) > 0
    spaced = np.zeros(len(word), dtype=bool)
    if len(word) > 2:
        spaced[1:-1] = space[:-2] & space[2:]
    separator = ((classes & _SEPARATOR) > 0) | (((classes & _DASH) > 0) & spaced)
    capital = starts & ((classes & _UPPER) > 0)
    return CharCounts(
        digits=_per_line_sum((classes & _DIGIT) > 0, chars, ends),
        joiners=_per_line_sum(joiner, chars, ends),
        capitals=_per_line_sum(capital, chars, ends),
        words=_per_line_sum(starts, chars, ends),
        separators=_per_line_sum(separator, chars, ends),
        expands=bool(((classes & _EXPANDS) > 0).any()),
        points=points,
        in_word=word | joiner,
    )
