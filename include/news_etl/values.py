"""Field values from strangers: repair what cannot be stored, bound what is too big, escape what is shown.

Every string that reaches a table passes through here once, at the edge where it enters (the reader for
container fields, ``articles`` for the finished row). A value is repaired or cut rather than refused, and
each change is returned as a note (``"title: cut to 1,000 characters (was 10,485,760)"``) that lands in the
article's ``repairs`` column, so nothing is changed silently.
"""

from __future__ import annotations

import os
import re

# Lone UTF-16 surrogates: JSON allows "\ud83d" (a truncated emoji), no UTF-8 encoder does.
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 control characters other than tab and newline (ESC, CSI, BEL, NUL ...): they never belong in
# a field and, printed raw, they drive terminals.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What a terminal or log shows in place of a control character: visible, unambiguous, one line.
_SHOW_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def is_storable(value: str) -> bool:
    """True when ``value`` encodes as UTF-8 (Arrow, Parquet and DuckDB need that)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def repair_text(value: str) -> tuple[str, int]:
    """``value`` with every lone surrogate replaced by U+FFFD; returns the text and how many were replaced."""
    if is_storable(value):
        return value, 0
    fixed, n = _SURROGATE.subn("\ufffd", value)
    return fixed, n


def repair_noted(value: str, name: str, repairs: list[str]) -> str:
    """:func:`repair_text`, the repair noted in ``repairs`` under the field's ``name``."""
    value, n = repair_text(value)
    if n:
        repairs.append(f"{name}: {n} invalid character(s) (lone surrogates) replaced with U+FFFD")
    return value


def clean_field(value: str, name: str, repairs: list[str]) -> str:
    """A single-line container field (title, url, author ...): surrogates repaired, control characters
    dropped, whitespace trimmed. A repair is noted in ``repairs``."""
    value = repair_noted(value, name, repairs)
    if _CONTROL.search(value):
        value = _CONTROL.sub(" ", value)
        repairs.append(f"{name}: control characters removed")
    return value.strip()


def bound_text(value: str | None, limit: int, name: str, repairs: list[str]) -> str | None:
    """``value`` cut to ``limit`` characters (at a word boundary when one is near), the cut noted."""
    if value is None or len(value) <= limit:
        return value
    cut = value[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 0.8:
        cut = cut[:space].rstrip()
    cut += "…"  # the reader sees that the value goes on
    repairs.append(f"{name}: cut to {len(cut):,} characters (was {len(value):,})")
    return cut


def bound_list(
    values: list[str] | None, max_items: int, max_chars: int, name: str, repairs: list[str]
) -> list[str] | None:
    """At most ``max_items`` values of at most ``max_chars`` characters each; cuts noted."""
    if values is None:
        return None
    if len(values) > max_items:
        repairs.append(f"{name}: kept the first {max_items:,} of {len(values):,}")
        values = values[:max_items]
    long = [v for v in values if len(v) > max_chars]
    if long:
        scratch: list[str] = []
        values = [bound_text(v, max_chars, name, scratch) or "" for v in values]
        repairs.append(f"{name}: {len(long)} value(s) cut to {max_chars:,} characters")
    return values


def display_path(rel: str) -> str:
    """A file path as stored and shown: a name whose bytes are not UTF-8 (``caf\\xe9.txt`` from a legacy
    scraper or an SMB share; Python holds them as surrogate escapes) gets ``\\xNN`` escapes for those bytes.
    The same name always gives the same text, so the ledger recognises the file on the next run."""
    if is_storable(rel):
        return rel
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def printable(text: str, keep_newlines: bool = False) -> str:
    """``text`` safe to print on a terminal or in a log: control characters (ESC sequences, carriage
    returns, bidirectional overrides) shown as ``\\xNN``/``\\uNNNN`` escapes instead of acting.
    ``keep_newlines``: line breaks stay (a log record's traceback)."""
    if not _SHOW_CONTROL.search(text):
        return text

    def show(m: re.Match[str]) -> str:
        ch = m.group(0)
        return ch if keep_newlines and ch == "\n" else ch.encode("unicode_escape").decode("ascii")

    return _SHOW_CONTROL.sub(show, text)
