"""Text helpers every stage shares: what a word is, counting them, the stopword list, and the normal forms
used to compare texts. One place, so the cleaner, the metadata extractor, the line model and the story
vectors cannot drift apart on what "the same text" or "a word" means.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

import yaml

from news_etl.settings import RULES_DIR

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


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Function words of the languages the rules know (``rules/stopwords.yaml``), case-folded."""
    with open(RULES_DIR / "stopwords.yaml", encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return frozenset(w.casefold() for words in data.values() for w in str(words).split())


def alnum_key(s: str | None) -> str:
    """Letters and digits only, case-folded: "Jane O'Neil" and "jane oneil" compare equal."""
    return "".join(ch for ch in (s or "").casefold() if ch.isalnum())


def normalise_for_hash(body: str) -> str:
    """A body modulo Unicode forms, quote and dash styles, case and whitespace (the exact-duplicate form)."""
    text = unicodedata.normalize("NFKC", body).translate(_QUOTES).casefold()
    return " ".join(text.split())


def shared_share(a: str, b: str, n: int = 4) -> float:
    """The share of ``a``'s word n-grams (case-folded, counted with repeats) that ``b`` holds too: how much of
    ``a`` is in ``b``, whatever else ``b`` says. 0.0 when ``a`` has no n-gram."""
    grams_a, grams_b = _ngrams(a, n), _ngrams(b, n)
    total = sum(grams_a.values())
    return sum((grams_a & grams_b).values()) / total if total else 0.0


def _ngrams(text: str, n: int) -> Counter[tuple[str, ...]]:
    words = [w.casefold() for w in WORD.findall(text)]
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
