"""Datelines: the place (and, on wire copy, the date and agency) that opens a story's first paragraph:
"WASHINGTON (AP) -", "Marseille, July 22 (Reuters) -", "SEOUL, Dec. 22 (Yonhap) --". The dateline is
metadata, not body; its date dates a wire story that carries no other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from news_etl.dates import (
    MONTHS,
)
from news_etl.text import count_words

_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Za-z.'’\-]+(?:[ ,]+[A-Z][A-Za-z.'’\-]+){0,3})"
    r"(?:,\s*[A-Z][a-z]{1,5}\.?)?"
    # A wire date: "July 22", "Sept. 6", "22 July", "July 22, 2024" (Reuters, Yonhap, Xinhua, AFP).
    rf"(?:,?\s+(?P<date>(?i:{MONTHS})\.?\s+\d{{1,2}}(?:,\s*(?:19|20)\d{{2}})?|\d{{1,2}}\s+(?i:{MONTHS})\.?"
    r"(?:\s+(?:19|20)\d{2})?))?"
    r"\s*(?:\((?P<agency>[^)]{1,40})\))?\s*(?::|—|–|--|\s-\s)\s*(?=[A-Z“\"‘'0-9])"
)
_NOT_PLACES = {
    "however",
    "meanwhile",
    "update",
    "updated",
    "note",
    "editor's note",
    "breaking",
    "exclusive",
    "watch",
    "read",
    "photo",
    "video",
    "analysis",
    "opinion",
    "comment",
    "listen",
    "warning",
    "live",
    "advertisement",
    "q",
    "a",
    "summary",
    "background",
    "correction",
    "disclaimer",
    "source",
    "sources",
    "by",
    "the",
}


@dataclass(frozen=True)
class Dateline:
    """The opening of a wire story: "MARSEILLE, July 22 (Reuters) -" -> place, date text, agency."""

    place: str
    date: str | None = None  # as written, without a year when the wire leaves it out ("July 22")
    agency: str | None = None  # the tag in parentheses ("Reuters", "AP", "Yonhap")


def parse_dateline(first_paragraph: str | None) -> Dateline | None:
    """ "Seoul: In a rare move ..." -> Seoul; "MARSEILLE, July 22 (Reuters) - ..." -> Marseille, "July 22",
    Reuters; "Rome, July 22, 2024 (AFP) - ..." -> Rome, "July 22, 2024", AFP."""
    if not first_paragraph:
        return None
    m = _DATELINE.match(first_paragraph)
    if not m:
        return None
    place = m.group("place").strip(" ,")
    if place.casefold() in _NOT_PLACES or count_words(place) > 4:
        return None
    # Wire style shouts the city ("KYIV, Ukraine"): store it the way it is written elsewhere.
    parts = [p.strip() for p in place.split(",")]
    place = ", ".join(p.title() if p.isupper() and len(p) > 3 else p for p in parts)
    agency = (m.group("agency") or "").strip() or None
    return Dateline(place=place, date=m.group("date"), agency=agency)


def find_dateline(first_paragraph: str | None) -> str | None:
    """The place of :func:`parse_dateline`."""
    dateline = parse_dateline(first_paragraph)
    return dateline.place if dateline else None
