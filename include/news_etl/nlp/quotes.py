"""Quotations: the spans between quote marks, their reporting cue (said, told, according to ...) and
their speaker, resolved to an entity where the text allows.
"""

from __future__ import annotations

from news_etl.nlp.config import NlpConfig, Quote, load_config
from news_etl.nlp.entities import Mention
from news_etl.nlp.names import id_of_key


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


def find_quotes(doc, text: str, mentions: list[Mention], config: NlpConfig) -> list[Quote]:
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
    if hi < len(doc) and "\n" not in doc[last_sent.end - 1 : min(len(doc), last_sent.end + 1)].text:
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


def _resolve_speaker(quote: Quote, text: str, subject, span, mentions: list[Mention], config: NlpConfig) -> None:
    words = _phrase(subject)
    lo = min(t.idx for t in words)
    hi = max(t.idx + len(t) for t in words)
    if lo < span.end_char and hi > span.start_char:  # the subject's words must not be the quote's own
        lo, hi = subject.idx, subject.idx + len(subject)
    quote.speaker_text = text[lo:hi].strip() or None
    pronoun = subject.lower_ if subject.pos_ == "PRON" else None
    chosen: Mention | None = None
    if pronoun in config.pronoun_labels:
        allowed = config.pronoun_labels[pronoun]
        before = [m for m in mentions if m.end <= min(span.start_char, subject.idx) and m.label in allowed]
        chosen = before[-1] if before else None
    else:
        inside = [m for m in mentions if m.start >= lo and m.end <= hi]
        # The subject word's own entity first ("Kirby said"), then a person named in the phrase
        # ("the ministry's spokeswoman, Adrienne Watson"), then any organisation or place.
        own = [m for m in inside if m.start <= subject.idx < m.end]
        ranked = own or sorted(
            inside,
            key=lambda m: (m.label != "PERSON", m.label not in ("ORG", "GPE", "NORP"), abs(m.start - subject.idx)),
        )
        chosen = ranked[0] if ranked else None
    if chosen is not None:
        quote.speaker = chosen.name
        quote.speaker_entity_id = id_of_key(chosen.key)
    else:
        quote.speaker = quote.speaker_text
