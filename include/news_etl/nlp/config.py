"""The NLP stage's settings (``config/nlp.yaml``), the reference IDF table (``models/idf.json``) and the
result types of an analysis.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from news_etl.settings import CONFIG_DIR, MODELS_DIR

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NlpConfig:
    labels: frozenset[str]
    strip_leading: tuple[str, ...]
    short_name_labels: frozenset[str]
    quote_marks: tuple[tuple[str, str], ...]
    min_words_attributed: int
    min_words_unattributed: int
    cue_words: frozenset[str]
    pronoun_labels: dict[str, tuple[str, ...]]
    keyword_count: int
    keyword_max_words: int
    keyword_max_names: int
    edge_pos_excluded: frozenset[str]


@lru_cache(maxsize=1)
def load_config() -> NlpConfig:
    with open(CONFIG_DIR / "nlp.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    ents, quotes, keys = raw["entities"], raw["quotes"], raw["keywords"]
    return NlpConfig(
        labels=frozenset(ents["labels"]),
        strip_leading=tuple(w.casefold() for w in ents["strip_leading"]),
        short_name_labels=frozenset(ents["short_name_labels"]),
        quote_marks=tuple((str(a), str(b)) for a, b in quotes["marks"]),
        min_words_attributed=int(quotes["min_words_attributed"]),
        min_words_unattributed=int(quotes["min_words_unattributed"]),
        cue_words=frozenset(str(w).casefold() for w in quotes["cue_words"]),
        pronoun_labels={str(k).casefold(): tuple(v) for k, v in quotes["pronoun_labels"].items()},
        keyword_count=int(keys["count"]),
        keyword_max_words=int(keys["max_words"]),
        keyword_max_names=int(keys["max_names"]),
        edge_pos_excluded=frozenset(keys["edge_pos_excluded"]),
    )


@dataclass(frozen=True)
class Idf:
    """Document frequencies of words in a reference news corpus (models/idf.json, built by a script)."""

    n_docs: int
    df: dict[str, int]

    def __call__(self, word: str) -> float:
        return math.log((self.n_docs + 1) / (self.df.get(word, 0) + 1)) + 1.0


@lru_cache(maxsize=1)
def load_idf() -> Idf:
    path = MODELS_DIR / "idf.json"
    if not path.is_file():  # keywords still work, ranked by frequency and position only
        log.warning("%s is missing: key phrases are ranked without corpus statistics", path)
        return Idf(1, {})
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Idf(int(raw["n_docs"]), dict(raw["df"]))


@dataclass
class Entity:
    entity_id: str
    name: str
    label: str
    mentions: int
    first_offset: int
    variants: list[str]


@dataclass
class Quote:
    text: str
    start_offset: int
    end_offset: int
    speaker: str | None = None  # the canonical entity name where resolved, else the speaker's own words
    speaker_text: str | None = None  # the words of the text that name the speaker ("he", "a spokesman")
    speaker_entity_id: str | None = None
    cue: str | None = None


@dataclass
class Analysis:
    entities: list[Entity] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    sentence_count: int = 0
