"""Guards on the line model's verdict: what it may not remove however it scores a line.

The model learned from whole pages of the sites it saw. On a site it never saw it can drop a brief's only
sentences, every prose line of a page, or a run of an article's own paragraphs; each guard here keeps such lines
and says how many, for the article's repairs note. :func:`news_etl.cleaning.clean` applies them in turn.
"""

from __future__ import annotations

import re

import numpy as np

from news_etl.line_features import FEATURES
from news_etl.text import count_words

#: How a sentence ends; ")" closes an aside ("(after extra time ...)").
SENTENCE_END = (".", "!", "?", "…", '"', "”", "’", "'", ")")


def prose_guard(keep: np.ndarray, brief: list[int]) -> int:
    """In a brief (``brief``: its prose lines, as ``cleaning`` finds them), keep every prose line the model would
    drop; returns how many it kept.

    The model learned from whole pages, where a lone sentence between furniture is usually a teaser; in a
    wire flash or a brief that sentence is the article, and losing it silently is the worst failure a cleaner
    can have. Long pages are not touched (their prose is well over the limit), so teasers there still go."""
    dropped = [k for k in brief if not keep[k]]
    for k in dropped:
        keep[k] = True
    return len(dropped)


#: The line features' columns saying a line reads like prose (12+ words, sentence-shaped, function words), and
#: that a rule (or the header's metadata) removed it.
_PROSE, _RULE_HIT = FEATURES.index("prose"), FEATURES.index("rule_hit")


def best_prose_block(lines: list[str], features: np.ndarray, keep: np.ndarray, p_body: np.ndarray) -> int:
    """When the model would keep no prose line of a text that has some (the lines no rule removed that the line
    features call prose), keep its likeliest prose block instead; returns how many lines it kept.

    A block is a run of prose lines with at most two other lines between two of them; the likeliest has the
    most words weighted by the model's body probability. A longer text than a brief can be emptied too: a model
    that never saw a site scored a podcast page's five paragraphs 0.03-0.36 and kept nothing, and an empty body
    is quarantined. The block's lines between its prose lines stay removed."""
    prose = (features[:, _PROSE] > 0) & (features[:, _RULE_HIT] == 0)
    if not prose.any() or (prose & keep).any():
        return 0
    blocks: list[list[int]] = []
    for k in np.flatnonzero(prose).tolist():
        if blocks and k - blocks[-1][-1] <= 3:
            blocks[-1].append(k)
        else:
            blocks.append([k])
    best = max(blocks, key=lambda block: sum(float(p_body[k]) * count_words(lines[k]) for k in block))
    for k in best:
        keep[k] = True
    return len(best)


#: The line features' column saying a line lies inside the span of the text's biggest run of prose (its article).
_MAIN_SPAN, _LOG_WORDS = FEATURES.index("in_main_span"), FEATURES.index("log_words")
#: A paragraph the model may not remove from inside the article has this many words or more, and kept prose of
#: ``_INNER_CONTEXT_WORDS`` words within ``_INNER_REACH`` lines on both sides of the lines removed with it.
_INNER_MIN_WORDS, _INNER_CONTEXT_WORDS, _INNER_REACH = 25, 15, 3
#: An @handle or a #hashtag: an embedded social post's text ("... #Taiwan, @NBCNews reports."), which the
#: model may rightly drop from between an article's paragraphs.
_SOCIAL = re.compile(r"(?<![\w.])[@#][A-Za-z_]\w")


def keep_inner_prose(lines: list[str], keep: np.ndarray, features: np.ndarray) -> int:
    """Keep the long prose paragraphs the model would remove from inside an article; returns how many it kept.

    A model that never saw a site can score a run of an article's own paragraphs under its threshold (0.06-0.25
    for five 40-80 word paragraphs of a feature story, 0.15-0.40 for sixty of a gift guide's product blurbs)
    while it keeps the paragraphs around them. A paragraph of ``_INNER_MIN_WORDS`` or more words that ends like
    a sentence, inside the span of the text's biggest run of prose, in a run of removed lines with kept prose on
    both sides, is the article's. Lines a rule removed, shorter lines (headings, captions, links) and a social
    post's text (an @handle or a #hashtag) stay removed; so do teasers and pitches outside the article's span."""
    unruled = features[:, _RULE_HIT] == 0  # no rule (nor the header's metadata) removed the line
    words = np.rint(np.expm1(features[:, _LOG_WORDS]))  # the line's text.WORD tokens, as count_words counts
    candidates = np.flatnonzero(~keep & unruled & (features[:, _MAIN_SPAN] > 0) & (words >= _INNER_MIN_WORDS))
    if not candidates.size:
        return 0
    context = keep & unruled & (words >= _INNER_CONTEXT_WORDS)
    kept_at = np.flatnonzero(keep)
    chosen = []
    for k in candidates.tolist():
        # The run of removed lines around k: from after the kept line before it to the kept line after it.
        at = int(np.searchsorted(kept_at, k))
        start = int(kept_at[at - 1]) + 1 if at > 0 else 0
        end = int(kept_at[at]) if at < kept_at.size else len(lines)
        if (
            context[max(0, start - _INNER_REACH) : start].any()
            and context[end : end + _INNER_REACH].any()
            and lines[k].rstrip().endswith(SENTENCE_END)
            and not _SOCIAL.search(lines[k])
        ):
            chosen.append(k)
    keep[chosen] = True
    return len(chosen)
