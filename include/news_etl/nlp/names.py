"""Entity names: one canonical form per entity ("Kim Jong Un" for "Kim Jong-un" and a later "Kim"), and
the ids derived from it, the same in every article.
"""

from __future__ import annotations

import hashlib
import re

from news_etl.nlp.config import NlpConfig, load_config

_POSSESSIVE = re.compile(r"\s*['\u2019]s?$")
_ACRONYM = re.compile(r"^(?:[A-Za-z]\.){2,}[A-Za-z]?\.?$")
_LOWER_AFTER_HYPHEN = re.compile(r"(?<=[A-Za-z])-([a-z])")
_EDGE_PUNCT = " \t\n.,;:!?\"'\u201c\u201d\u2018\u2019()[]{}-\u2013\u2014*"
SPACES = re.compile(r"\s+")
_KEY_DROP = re.compile(r"[.\u2019'`]")
KEY_SPACE = re.compile(r"[\s\-\u2010\u2011\u2013]+")


def canonical_name(text: str, label: str = "", config: NlpConfig | None = None) -> str:
    """A mention's display name: no leading "the", no possessive, dotless acronyms, "Jong-un" as "Jong Un"."""
    config = config or load_config()
    name = SPACES.sub(" ", text).strip()
    name = _POSSESSIVE.sub("", name)
    words = name.split(" ")
    while len(words) > 1 and words[0].casefold() in config.strip_leading:
        words = words[1:]
    name = " ".join(_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), w) for w in words)
    name = name.strip(_EDGE_PUNCT)
    if label == "PERSON":
        # Romanised given names are written both ways ("Kim Jong-un", "Kim Jong Un"): one spelling.
        name = _LOWER_AFTER_HYPHEN.sub(lambda m: " " + m.group(1).upper(), name)
    return name


def entity_key(name: str) -> str:
    """What makes two names the same entity across articles: case, dots, hyphens and spacing aside."""
    return KEY_SPACE.sub(" ", _KEY_DROP.sub("", name.casefold())).strip()


def entity_id(name: str) -> str:
    return id_of_key(entity_key(name))


def id_of_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]
