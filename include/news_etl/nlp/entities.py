"""Entities and key phrases from a parsed body: mentions grouped under canonical names, and the phrases a
body is about, ranked against a reference news corpus.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from news_etl.nlp.config import Entity, Idf, NlpConfig
from news_etl.nlp.names import KEY_SPACE, SPACES, canonical_name, entity_key, id_of_key


@dataclass
class Mention:
    start: int
    end: int
    text: str
    name: str
    label: str
    key: str


def find_mentions(doc, config: NlpConfig) -> list[Mention]:
    out = []
    for ent in doc.ents:
        if ent.label_ not in config.labels:
            continue
        name = canonical_name(ent.text, ent.label_, config)
        key = entity_key(name)
        if not key or not any(ch.isalpha() for ch in key):
            continue
        out.append(Mention(ent.start_char, ent.end_char, ent.text, name, ent.label_, key))
    # One-word mentions join the article's longer person name they are part of ("Kim" -> "Kim Jong Un").
    full: dict[str, Counter] = defaultdict(Counter)
    names: dict[str, str] = {}
    for m in out:
        words = m.key.split(" ")
        if m.label == "PERSON" and len(words) > 1:
            full[words[0]][m.key] += 1
            full[words[-1]][m.key] += 1
            names.setdefault(m.key, m.name)
    for m in out:
        if " " not in m.key and m.label in config.short_name_labels and m.key in full:
            best = max(full[m.key].items(), key=lambda kv: kv[1])[0]  # most mentioned; ties: first seen
            m.key, m.name, m.label = best, names[best], "PERSON"
    return out


def group_entities(mentions: list[Mention]) -> list[Entity]:
    groups: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        groups[m.key].append(m)
    out = []
    for key, ms in groups.items():
        name = Counter(m.name for m in ms).most_common(1)[0][0]
        label = Counter(m.label for m in ms).most_common(1)[0][0]
        out.append(
            Entity(
                entity_id=id_of_key(key),
                name=name,
                label=label,
                mentions=len(ms),
                first_offset=min(m.start for m in ms),
                variants=sorted({m.text for m in ms}),
            )
        )
    out.sort(key=lambda e: e.first_offset)
    return out


#: Names that make key phrases; nationalities and languages ("Russian") describe rather than name a topic.
_KEYWORD_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "EVENT", "FAC", "PRODUCT", "WORK_OF_ART", "LAW"})


def key_phrases(doc, text: str, entities: list[Entity], config: NlpConfig, idf: Idf) -> list[str]:
    if not doc.has_annotation("DEP") or not len(doc):
        return []
    n_chars = max(1, len(text))
    counts: Counter = Counter()
    first: dict[str, int] = {}
    display: dict[str, str] = {}
    names: set[str] = set()
    for chunk in doc.noun_chunks:
        toks = list(chunk)
        while toks and (toks[0].pos_ in config.edge_pos_excluded or toks[0].is_stop or not toks[0].is_alpha):
            toks.pop(0)
        while toks and (toks[-1].pos_ in config.edge_pos_excluded or toks[-1].is_stop or not toks[-1].is_alpha):
            toks.pop()
        if not toks or len(toks) > config.keyword_max_words:
            continue
        if not all(t.is_alpha or t.text in "-'\u2019" for t in toks):
            continue
        if not any(t.pos_ in ("NOUN", "PROPN") for t in toks):
            continue
        if any(t.ent_type_ in config.labels for t in toks):  # names are ranked as entities, below
            continue
        phrase = SPACES.sub(" ", text[toks[0].idx : toks[-1].idx + len(toks[-1])])
        key = phrase.casefold()
        counts[key] += 1
        first.setdefault(key, toks[0].idx)
        display.setdefault(key, phrase if any(t.pos_ == "PROPN" for t in toks) else key)
    for ent in entities:  # names count with all their mentions, under their canonical spelling
        key = entity_key(ent.name)
        if ent.label not in _KEYWORD_LABELS or len(key.split(" ")) > config.keyword_max_words:
            continue
        counts[key] = max(counts[key], ent.mentions)
        first[key] = min(first.get(key, ent.first_offset), ent.first_offset)
        display[key] = ent.name
        names.add(key)

    def score(key: str) -> float:
        words = KEY_SPACE.sub(" ", key).split(" ")
        rarity = sum(idf(w) for w in words) / len(words)
        early = 1.0 + 0.5 * (1.0 - first[key] / n_chars)
        return (1.0 + math.log(counts[key])) * rarity * early * (1.0 + 0.1 * (len(words) - 1))

    chosen: list[str] = []
    n_names = 0
    for key in sorted(counts, key=lambda k: (-score(k), k)):
        if key in names and n_names >= config.keyword_max_names:
            continue
        words = set(key.split(" "))
        # One phrase per idea: skip a phrase that shares a word with a better one ("talks", "arms talks").
        if any(words & set(c.split(" ")) for c in chosen):
            continue
        chosen.append(key)
        n_names += key in names
        if len(chosen) >= config.keyword_count:
            break
    return [display[k] for k in chosen]
