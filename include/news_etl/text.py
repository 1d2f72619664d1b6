"""Text helpers every stage shares: what a word is, counting them, the stopword list, and the normal forms
used to compare texts. One place, so the cleaner, the metadata extractor, the line model and the story
vectors cannot drift apart on what "the same text" or "a word" means.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, deque
from collections.abc import Iterator
from functools import lru_cache

import yaml

from news_etl.settings import MODELS_DIR, RULES_DIR

#: A word; hyphens and apostrophes join its parts ("state-run", "don't" are one word each).
WORD = re.compile(r"\w+(?:['’\-]\w+)*")

_QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
    }
)


def count_words(text: str) -> int:
    return len(WORD.findall(text))


def line_above(lines: list[str], i: int) -> int | None:
    """The index of the nearest non-empty line above line ``i``, if any."""
    return next((j for j in range(i - 1, -1, -1) if lines[j].strip()), None)


def lines_below(lines: list[str], i: int) -> Iterator[int]:
    """The indices of the non-empty lines below line ``i``, nearest first (lazily: read only as far as needed)."""
    return (j for j in range(i + 1, len(lines)) if lines[j].strip())


def line_below(lines: list[str], i: int) -> int | None:
    """The index of the nearest non-empty line below line ``i``, if any."""
    return next(lines_below(lines, i), None)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Function words of the languages the rules know (``rules/stopwords.yaml``), case-folded."""
    with open(RULES_DIR / "stopwords.yaml", encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return frozenset(w.casefold() for words in data.values() for w in str(words).split())


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Words news prose writes in lower case (``models/common_words.json``, ``benchmarks/build_common_words.py``):
    a "name" made of them is more often a section ("Buying Guide", "Golf Week") than a person, a shouted line of
    them a kicker ("POLITICS") rather than a place."""
    return frozenset(json.loads((MODELS_DIR / "common_words.json").read_text(encoding="utf-8"))["words"])


def alnum_key(s: str | None) -> str:
    """Letters and digits only, case-folded: "Jane O'Neil" and "jane oneil" compare equal."""
    return "".join(ch for ch in (s or "").casefold() if ch.isalnum())


def normalise_for_hash(body: str) -> str:
    """A body modulo Unicode forms, quote and dash styles, case and whitespace (the exact-duplicate form)."""
    text = unicodedata.normalize("NFKC", body).translate(_QUOTES).casefold()
    return " ".join(text.split())


def shared_share(a: str, b: str, n: int = 4) -> float:
    """The share of ``a``'s word n-grams (case-folded, counted with repeats) that ``b`` holds too: how much of
    ``a`` is in ``b``, whatever else ``b`` says. 0.0 when ``a`` has no n-gram. ``b`` is read as a stream, and
    only the n-grams of ``a`` are kept: its memory follows ``a`` (an article), not ``b`` (a whole page)."""
    words = [w.casefold() for w in WORD.findall(a)]
    wanted = Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
    total = sum(wanted.values())
    if not total:
        return 0.0
    found: Counter[tuple[str, ...]] = Counter()
    window: deque[str] = deque(maxlen=n)
    for match in WORD.finditer(b):
        window.append(match.group(0).casefold())
        if len(window) == n and (gram := tuple(window)) in wanted:
            found[gram] += 1
    return sum(min(count, wanted[gram]) for gram, count in found.items()) / total
