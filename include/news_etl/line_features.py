"""What the line model sees of each line: its shape, its neighbourhood and its topic (:data:`FEATURES`).

Features hold on any site (no word lists of particular pages): length and word counts, stop-word
density, sentence shape and punctuation, link/menu-like marks, position in the text, the prose density
of the neighbourhood, repeats, and whether a YAML rule fires.

A text is measured whole, not line by line: its lines are joined by "\\n", each pattern runs once over
the joined text and each match counts for the line it starts in. Calling Python once per line cost
more than all the rest of cleaning (issue 16: cleaning must stay above 2 MB/s per core). No pattern can
match "\\n" (a space that could run into the next line is written ``[^\\S\\n]``), so a match never spans
two lines and a line's matches are exactly those a search of that line alone finds;
``tests/test_linemodel.py`` checks this against the line-by-line definitions.

What a character's class decides (a word character, a digit, a capital, a joiner, a separator) and the
words themselves are counted from per-character class bits, without a regex (:mod:`news_etl.char_classes`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from itertools import count, repeat

import numpy as np

from news_etl.char_classes import CharCounts, char_counts
from news_etl.text import stopwords

_SENTENCE_ENDS = tuple(".!?…\"”’'»)")
# Patterns start with the character they need, before any lookaround: the regex engine then skips ahead to
# that character instead of trying every position.
# The next three run on the lower-cased text: case-sensitive searches are several times faster.
# Every branch of _LINKISH needs one of these ("." alone would let nearly every sentence in); it runs only on
# the lines that hold one, as it would try its address branch at every word of a text.
_LINK_MARKS = ("@", "://", "www.", ".com", ".org", ".net", ".co.")
_LINKISH = re.compile(r"https?://|www\.|@\w|\b[\w.+-]+@[\w-]+\.\w|\.(?:com|org|net|co\.\w\w)\b")
_COPYRIGHT = re.compile(r"©|\(c\)[^\S\n]*\d{4}|all rights reserved|copyright")
_DATEISH = re.compile(
    r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\b\d{1,2}:\d{2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*\.?[^\S\n]+\d{1,2}\b|\b\d{1,2}[^\S\n]+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
)
_BYLINE = re.compile(r"^(?:by|written by|words by|reporting by)\b", re.IGNORECASE)
_BYLINE_STARTS = ("by", "written", "words", "reporting")  # on the casefolded line, before the regex
_SENTENCE_END = re.compile(r"[.!?][\"”’)]?[^\S\n]+[A-Z“\"]")

FEATURES = [
    "log_words",
    "log_chars",
    "mean_word_len",
    "ends_terminal",
    "ends_colon",
    "stop_ratio",
    "cap_ratio",
    "digit_ratio",
    "punct_ratio",
    "has_separator",
    "linkish",
    "copyright",
    "byline",
    "dateish",
    "rule_hit",
    "all_caps",
    "sentences",
    "rel_pos",
    "from_start",
    "from_end",
    "repeats",
    "prose",
    "prose_w2",
    "prose_w5",
    "prose_w15",
    "words_w2",
    "stop_w2",
    "terminal_w2",
    "prev_prose",
    "next_prose",
    "run_share",
    "doc_prose_share",
    "doc_lines",
    "in_main_span",
    "dist_main_span",
    "topic_overlap",
    "topic_overlap_w2",
    "has_content_words",
    "bullet",
    "hit_before",
    "hit_after",
    "same_shape",
]


def _smooth(x: np.ndarray, radius: int) -> np.ndarray:
    """Mean of x over a window of +-radius lines (shorter at the edges)."""
    n = len(x)
    if n == 0:
        return x
    c = np.concatenate([[0.0], np.cumsum(x)])
    # maximum/minimum, not clip: np.clip's Python-level dispatch costs more than the work on a page's lines.
    at = np.arange(n)
    lo = np.maximum(at - radius, 0)
    hi = np.minimum(at + radius + 1, n)
    return (c[hi] - c[lo]) / (hi - lo)


def _matches_per_line(pattern: re.Pattern[str], text: str, ends: np.ndarray) -> np.ndarray:
    """How many matches of ``pattern`` start in each line of ``text``; ``ends[i]`` is the offset of the "\\n"
    after line i (the text's length for the last line)."""
    starts = np.fromiter((m.start() for m in pattern.finditer(text)), dtype=np.int64)
    return np.bincount(np.searchsorted(ends, starts), minlength=len(ends))


def _lines_holding(text: str, needles: tuple[str, ...], ends: np.ndarray) -> np.ndarray:
    """The lines of ``text`` that hold one of ``needles`` (str.find: a C scan that skips to the needle)."""
    at: list[int] = []
    for needle in needles:
        i = text.find(needle)
        while i >= 0:
            at.append(i)
            i = text.find(needle, i + 1)
    return np.unique(np.searchsorted(ends, np.array(at, dtype=np.int64)))


def _search_lines(pattern: re.Pattern[str], lines: list[str], which: np.ndarray) -> np.ndarray:
    """Whether ``pattern`` is found in each line, searched only in the lines ``which`` (the others lack what
    it needs): a pattern that would try many positions of every line runs on a few lines instead."""
    found = np.zeros(len(lines), dtype=bool)
    for i in which.tolist():
        found[i] = pattern.search(lines[i]) is not None
    return found


def _ends(lines: list[str]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    return lengths, np.cumsum(lengths + 1) - 1


@dataclass(frozen=True)
class _Words:
    """A text's words (text.WORD's tokens), flat, as written and casefolded, and where each line's words start."""

    tokens: list[str]
    folded: list[str]
    is_stop: np.ndarray  # per token
    offsets: np.ndarray  # line i's words are folded[offsets[i] : offsets[i + 1]]

    #: Each token's length.
    lengths: np.ndarray
    #: Whether casefolding kept every token's length (no "ß" -> "ss"): the folded lengths are then ``lengths``.
    same_lengths: bool

    def folded_lengths(self) -> np.ndarray:
        if self.same_lengths:
            return self.lengths
        return np.fromiter(map(len, self.folded), dtype=np.int64, count=len(self.folded))

    def per_line(self, values: np.ndarray) -> np.ndarray:
        total = np.concatenate([[0], np.cumsum(values)])
        return total[self.offsets[1:]] - total[self.offsets[:-1]]


def _words(text: str, n: int, stop: frozenset[str], classes: CharCounts) -> _Words:
    if text.count("\n") != n - 1:
        raise ValueError("line_features takes the lines of a text: a line holds a newline")
    # The text with every character outside a word made a space, split at the spaces: text.WORD's tokens,
    # without a regex match or a Python call per word (a regex findall cost a tenth of cleaning). Each line's
    # share of them is its count of word starts.
    kept = np.where(classes.in_word, classes.points, 32).astype("<u4")
    tokens = kept.tobytes().decode("utf-32-le", "surrogatepass").split()
    offsets = np.concatenate([[0], np.cumsum(classes.words)])
    if len(tokens) != offsets[-1]:  # the word starts and the split disagree: a bug, not a text to pass on
        raise AssertionError(f"line_features split {len(tokens)} words where {offsets[-1]} start")
    folded = list(map(str.casefold, tokens))  # per word, as "İ" casefolds to two characters
    is_stop = np.fromiter(map(stop.__contains__, folded), dtype=np.int64, count=len(tokens))
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    return _Words(tokens, folded, is_stop, offsets, lengths, same_lengths=not classes.expands)


def _counts(lines: list[str], keys: list[str], stop: frozenset[str]) -> tuple[np.ndarray, _Words]:
    """Raw counts and flags per line (columns as in :func:`line_features`' use of them), plus the text's
    words. ``keys`` are the casefolded lines."""
    n = len(lines)
    text, lower = "\n".join(lines), "\n".join(keys)
    chars, ends = _ends(lines)
    _, lower_ends = _ends(keys)  # casefolding may change a line's length ("ß" -> "ss")
    classes = char_counts(text, chars, ends)
    words = _words(text, n, stop, classes)
    nw = classes.words
    joined = words.per_line(words.lengths)
    # Word characters (letters, digits, "_"): the words' characters minus the ' ’ - that join their parts.
    digits, capitals = classes.digits, classes.capitals
    word_chars = joined - classes.joiners
    alpha = word_chars - digits - np.fromiter(map(str.count, lines, repeat("_")), dtype=np.int64, count=n)
    spaces = np.fromiter(map(str.count, lines, repeat(" ")), dtype=np.int64, count=n)
    by_start = np.flatnonzero(np.fromiter(map(str.startswith, keys, repeat(_BYLINE_STARTS)), dtype=bool, count=n))
    counts = np.column_stack(
        [
            nw,
            chars,
            joined,  # the characters of its words
            np.fromiter(map(str.endswith, lines, repeat(_SENTENCE_ENDS)), dtype=bool, count=n),
            np.fromiter(map(str.endswith, lines, repeat(":")), dtype=bool, count=n),
            words.per_line(words.is_stop),
            capitals,
            digits,
            chars - alpha - digits - spaces,  # punctuation and symbols
            classes.separators > 0,
            _search_lines(_LINKISH, keys, _lines_holding(lower, _LINK_MARKS, lower_ends)),
            _search_lines(_COPYRIGHT, keys, _lines_holding(lower, ("©", "(c)", "right"), lower_ends)),
            _search_lines(_BYLINE, lines, by_start),
            _search_lines(_DATEISH, keys, np.flatnonzero((nw <= 15) & (digits > 0))),  # every date form has a digit
            (alpha > 3) & np.fromiter(map(str.__eq__, map(str.upper, lines), lines), dtype=bool, count=n),
            _matches_per_line(_SENTENCE_END, text, ends),
        ]
    ).astype(np.float64)
    return counts, words


def line_features(lines: list[str], rule_hits: list[bool]) -> np.ndarray:
    """Feature matrix (one row per line, columns as :data:`FEATURES`) for the non-empty lines of a text.
    Lines hold no "\\n" (they are the lines of a text)."""
    n = len(lines)
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    stop = stopwords()
    repeats: dict[str, int] = {}
    keys = [line.casefold() for line in lines]
    for key in keys:
        repeats[key] = repeats.get(key, 0) + 1
    c, words = _counts(lines, keys, stop)
    hits = np.asarray(rule_hits, dtype=np.float64).reshape(n)
    nw, chars = c[:, 0], c[:, 1]
    safe_nw, safe_chars = np.maximum(nw, 1), np.maximum(chars, 1)
    pos = np.arange(n, dtype=np.float64)
    base = np.column_stack(
        [
            np.log1p(nw),
            np.log1p(chars),
            c[:, 2] / safe_nw,
            c[:, 3],
            c[:, 4],
            c[:, 5] / safe_nw,
            c[:, 6] / safe_nw,
            c[:, 7] / safe_chars,
            c[:, 8] / safe_chars,
            c[:, 9],
            c[:, 10],
            c[:, 11],
            c[:, 12],
            c[:, 13],
            hits,
            c[:, 14],
            np.log1p(c[:, 15]),
            pos / max(1, n - 1),
            np.minimum(pos, 20) / 20,
            np.minimum(n - 1 - pos, 20) / 20,
            np.log1p(np.array([repeats[k] - 1 for k in keys], dtype=np.float64)),
            np.zeros(n),
        ]
    )
    words_n = nw
    # "Prose": a line that reads like article text (long enough, sentence-shaped, function words).
    prose = ((words_n >= 12) & (base[:, 3] > 0) & (base[:, 5] >= 0.2)).astype(np.float64)
    base[:, 21] = prose
    ctx = np.zeros((n, 13))
    ctx[:, 0] = _smooth(prose, 2)
    ctx[:, 1] = _smooth(prose, 5)
    ctx[:, 2] = _smooth(prose, 15)
    ctx[:, 3] = _smooth(base[:, 0], 2)
    ctx[:, 4] = _smooth(base[:, 5], 2)
    ctx[:, 5] = _smooth(base[:, 3], 2)
    ctx[:, 6] = np.concatenate([[0.0], prose[:-1]])
    ctx[:, 7] = np.concatenate([prose[1:], [0.0]])
    # Share of all prose words in the run of near-prose lines this line sits in (gaps of <= 2 lines).
    run_list: list[int] = []
    current, gap = 0, 99
    for is_prose in prose.tolist():  # plain floats: numpy scalar indexing is slow in a Python loop
        if is_prose:
            if gap > 2:
                current += 1
            gap = 0
        else:
            gap += 1
        run_list.append(current if gap <= 2 else -1)
    run_id = np.array(run_list, dtype=int)
    total = float((words_n * prose).sum()) or 1.0
    run_words: dict[int, float] = {}
    for r, w in zip(run_list, (words_n * prose).tolist(), strict=True):
        if r >= 0:
            run_words[r] = run_words.get(r, 0.0) + w
    ctx[:, 8] = [run_words.get(r, 0.0) / total if r >= 0 else 0.0 for r in run_list]
    ctx[:, 9] = prose.mean()
    ctx[:, 10] = math.log1p(n)
    # The main span: from the first to the last line of the biggest prose run.
    main = max(run_words, key=lambda r: run_words[r]) if run_words else None
    if main is not None:
        idx = np.flatnonzero(run_id == main)
        lo, hi = idx.min(), idx.max()
        ctx[lo : hi + 1, 11] = 1.0
        at = np.arange(n)
        ctx[:, 12] = np.log1p(np.maximum(lo - at, 0) + np.maximum(at - hi, 0))
    shape = _shape_features(lines, hits, prose, base[:, 0])
    return np.hstack([base, ctx, _topic_features(words, prose, ctx[:, 11]), shape])


#: How a list item starts (trafilatura writes an HTML list's items as "- ..."); a numbered item is ``_NUMBERED``.
_BULLETS = ("- ", "• ", "* ", "· ", "– ")
_NUMBERED = re.compile(r"\d{1,2}[.)] ")
_HIT_REACH = 3  # lines a rule hit's block reaches before and after it


def is_list_item(line: str) -> bool:
    """Whether a (stripped) line is a list item: "- ...", "• ...", "1. ..." (as :func:`_shape_features` reads)."""
    return line.startswith(_BULLETS) or (line[:1].isdigit() and _NUMBERED.match(line) is not None)


def _shape_features(lines: list[str], hits: np.ndarray, prose: np.ndarray, log_words: np.ndarray) -> np.ndarray:
    """Lists and the blocks that furniture opens. A list's items are body when the list is ("- 2022: Ismail
    Elfath" under a prose paragraph's list) and furniture when it is a menu; lines under a furniture label
    ("Recommended by Our Editors", "Related") are teasers however they read. Columns: whether the line is a
    list item; whether a rule fired (``hits``) in the three lines before it / after it; how many of its two
    neighbours have its shape (the same kind of first character, both ``prose`` or both not, about as many
    words: ``log_words``)."""
    n = len(lines)
    out = np.zeros((n, 4))
    heads = [ln[:1] for ln in lines]
    digit = np.fromiter(map(str.isdigit, heads), dtype=bool, count=n)
    bullet = np.fromiter(map(str.startswith, lines, repeat(_BULLETS)), dtype=bool, count=n)
    for i in np.flatnonzero(digit).tolist():  # "1. ...": only lines opening with a digit can be numbered
        bullet[i] = _NUMBERED.match(lines[i]) is not None
    out[:, 0] = bullet
    padded = np.concatenate([np.zeros(_HIT_REACH), hits, np.zeros(_HIT_REACH)])
    out[:, 1] = np.max([padded[_HIT_REACH - k : _HIT_REACH - k + n] for k in range(1, _HIT_REACH + 1)], axis=0)
    out[:, 2] = np.max([padded[_HIT_REACH + k : _HIT_REACH + k + n] for k in range(1, _HIT_REACH + 1)], axis=0)
    kind = np.select(
        [
            bullet,
            np.fromiter(map(str.isupper, heads), dtype=bool, count=n),
            np.fromiter(map(str.islower, heads), dtype=bool, count=n),
            digit,
        ],
        [1, 2, 3, 4],
        default=5,
    )
    alike = (kind[1:] == kind[:-1]) & (prose[1:] == prose[:-1]) & (np.abs(log_words[1:] - log_words[:-1]) < 0.5)
    out[1:, 3] += alike  # like the line before
    out[:-1, 3] += alike  # like the line after
    return out


#: The most (line, word) pairs :func:`_topic_features` counts in a table (8 bytes each) rather than by sorting.
_PAIR_TABLE_MAX = 1 << 20


def _topic_features(words: _Words, prose: np.ndarray, main: np.ndarray) -> np.ndarray:
    """How much a line talks about what the main text talks about (teasers of other stories do not): the
    share of its content words (longer than three letters, not stop words) that the main span's prose lines
    use too; for one of those lines, that its other lines use. 0.5 for a line with no content word."""
    n = len(prose)
    out = np.zeros((n, 3))
    folded = words.folded
    long = words.folded_lengths() > 3
    content = np.flatnonzero(long & (words.is_stop == 0))
    line_of = np.searchsorted(words.offsets, content, side="right") - 1
    content_words = list(map(folded.__getitem__, content.tolist()))
    vocab = dict(zip(dict.fromkeys(content_words), count()))  # word -> id in order of first use, all in C
    ids = np.fromiter(map(vocab.__getitem__, content_words), dtype=np.int64, count=len(content))
    inside = ((prose > 0) & (main > 0))[line_of]
    ref = np.bincount(ids[inside], minlength=len(vocab))
    # Inside the main span, the line's own uses of a word do not count: only uses found elsewhere. The uses
    # of each (line, word) pair: counted in a table when it is small, as np.unique sorts.
    pair = line_of * max(1, len(vocab)) + ids
    if n * max(1, len(vocab)) <= _PAIR_TABLE_MAX:
        own = np.bincount(pair)[pair]
    else:
        _, where, uses = np.unique(pair, return_inverse=True, return_counts=True)
        own = uses[where]
    elsewhere = ref[ids] - np.where(inside, own, 0)
    per_line = np.bincount(line_of, minlength=n)
    shared = np.bincount(line_of, weights=elsewhere > 0, minlength=n)
    has_words = per_line > 0
    out[:, 0] = np.where(has_words, shared / np.maximum(per_line, 1), 0.5)
    out[:, 1] = _smooth(out[:, 0], 2)
    out[:, 2] = has_words
    return out
