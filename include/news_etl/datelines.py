"""Datelines: the place (and, on wire copy, the date and agency) that opens a story's first paragraph:
"WASHINGTON (AP) -", "Marseille, July 22 (Reuters) -", "SEOUL, Dec. 22 (Yonhap) --". The dateline is
metadata, not body; its date dates a wire story that carries no other.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from news_etl.bylines import is_agency
from news_etl.dates import MONTHS
from news_etl.text import common_words, count_words, line_above

#: A word of a place's name: a capital, then letters and . ' - ("SÃO PAULO", "N'DJAMENA", "St.").
_WORD = r"(?![a-zß-ÿ])[^\W\d_](?:[^\W\d_]|[.'’\-])+"
#: Lower-case words inside a place's name: "Rio de Janeiro", "Vina del Mar", "Frankfurt am Main".
_PARTICLE = r"(?:de|del|della|da|das|do|dos|di|du|la|le|las|los|el|am|im|sur)"
#: A wire date: "July 22", "Sept. 6", "22 July", "July 22, 2024", "DEC 5" (Reuters, Yonhap, Xinhua, AFP, ANSA).
_DATE = (
    rf"(?P<date>(?i:{MONTHS})\.?\s+\d{{1,2}}(?:,\s*(?:19|20)\d{{2}})?|\d{{1,2}}\s+(?i:{MONTHS})\.?"
    r"(?:\s+(?:19|20)\d{2})?)"
)
#: What ends a dateline: a colon or a dash ("(AFP) -", "(Yonhap) --", "(EFE).-"); a lone hyphen only with
#: spaces around it or right after the agency's tag, so "Jean-Pierre" is never split. PTI ends its tag with a
#: space alone ("New Delhi, Jan 5 (PTI) The ..."): allowed after a known agency's tag only (parse_dateline).
_END = r"(?:\s*(?P<sep>:|—|–|--|(?<=\s)-(?=\s)|(?<=[).])-)\s*|(?<=\))\s+|(?<=/\.)\s+)(?=[A-Z“\"‘'0-9])"
#: An agency's tag in parentheses: "(Reuters)", "(AFP)", "(Yonhap)".
_PAREN_TAG = r"\((?P<agency>[^)]{1,40})\)"
#: The agency's tag: "(Reuters)", or TASS's "/TASS/." after a full stop ("MOSCOW, December 5. /TASS/. ...").
_TAG = rf"(?:{_PAREN_TAG}\.?|\.?\s*/(?P<slashed>[A-Za-z][A-Za-z-]{{1,11}})/\.?)"
_DATELINE = re.compile(
    # Two places a slash apart for a story filed from both: "LONDON/SINGAPORE, Nov 28 (Reuters) -".
    rf"^(?P<place>{_WORD}(?:(?:\s+{_PARTICLE})?(?:[ ,]+|/){_WORD}){{0,3}})"
    # A state or district after the city: "Calif.", "Md.", "D.C.".
    r"(?:,\s*(?:[A-Z][a-z]{1,5}\.?|[A-Z]\.[A-Z]\.))?"
    # AFP names the country in parentheses before its tag: "Vina del Mar (Chile) (AFP) -"; ANI in brackets
    # before the date: "New Delhi [India], July 22 (ANI):".
    r"(?:\s*(?:\((?P<region>[A-Z][A-Za-z .'’\-]{1,30})\)(?=\s*\()|\[(?P<bracketed>[A-Z][A-Za-z .'’\-]{1,30})\]))?"
    rf"(?:,?\s+{_DATE})?"
    rf"\s*{_TAG}?" + _END
)
#: A dateline without a place: "(Bloomberg) --", "Dec. 5 (UPI) --", "Jan 5 (Reuters) -".
_PLACELESS = re.compile(rf"^(?:{_DATE}\s*)?{_PAREN_TAG}\.?" + _END)
#: ANSA puts its tag first: "(ANSA) - ROME, DEC 5 - ...".
_AGENCY_FIRST = re.compile(rf"^{_PAREN_TAG}\s*(?:—|–|--|-)\s*(?=[A-Z])")
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
    # Kickers shouted above a story that are no words prose writes in lower case (common_words).
    "news",
    "trending",
    "latest",
    "sponsored",
    "featured",
    "premium",
}


#: A wire's version tags before a headline: Yonhap's "(LEAD)", "(2nd LD)", "(3rd LD, Correction)", "(URGENT)";
#: Reuters' "UPDATE 2-", "RPT-", "REFILE-", "CORRECTED-", and its kinds of story: "EXCLUSIVE-", "FACTBOX-",
#: "ANALYSIS-". They say which take or kind of story this is, not what it is about: the headline follows them.
_WIRE_TAG = re.compile(
    r"^(?:\((?:LEAD|URGENT|\d+(?:st|nd|rd|th)\s+LD)(?:[-,\s][^()]{0,30})?\)\s*"
    r"|(?:(?:UPDATE|WRAPUP)\s+\d+|RPT|REFILE|CORRECTED|CORRECTION|EXCLUSIVE|FACTBOX|ANALYSIS|INSIGHT|EXPLAINER"
    r"|FOCUS|BREAKINGVIEWS|INTERVIEW|TIMELINE)\s*-\s*)+(?=\S)"
)


def strip_wire_tag(headline: str) -> str:
    """ "(LEAD) N. Korea fires missile" -> "N. Korea fires missile"; "UPDATE 2-Oil falls" -> "Oil falls"."""
    tag = _WIRE_TAG.match(headline)
    return headline[tag.end() :] if tag else headline


#: How much of a first paragraph can hold its dateline (the longest real ones are under 80 characters).
HEAD_CHARS = 200


@dataclass(frozen=True)
class Dateline:
    """The opening of a wire story: "MARSEILLE, July 22 (Reuters) -" -> place, date text, agency."""

    place: str | None  # None when the wire gives none: "(Bloomberg) --", "Dec. 5 (UPI) --"
    date: str | None = None  # as written, without a year when the wire leaves it out ("July 22")
    agency: str | None = None  # the tag in parentheses ("Reuters", "AP", "Yonhap")


def _place(text: str, region: str | None) -> str:
    """Wire style shouts the city ("KYIV, Ukraine", "RIO DE JANEIRO"): stored the way it is written elsewhere
    ("Kyiv, Ukraine", "Rio de Janeiro"); AFP's "(Chile)" becomes ", Chile"."""
    # Interfax ends the city with a full stop ("MOSCOW. Dec 5"); "D.C." and "St." keep theirs.
    text = text[:-1] if text.endswith(".") and len(text.split()[-1]) > 4 and "." not in text[:-1].split()[-1] else text
    parts = [p.strip() for p in text.split(",")]
    if region:
        parts.append(region.strip())
    out = []
    for part in parts:
        if part.isupper() and len(part) > 3:
            words = part.title().split()
            part = " ".join(w.lower() if k and re.fullmatch(_PARTICLE, w.lower()) else w for k, w in enumerate(words))
        out.append(part)
    return ", ".join(out)


def parse_dateline(first_paragraph: str | None) -> Dateline | None:
    """ "Seoul: In a rare move ..." -> Seoul; "MARSEILLE, July 22 (Reuters) - ..." -> Marseille, "July 22",
    Reuters; "Rome, July 22, 2024 (AFP) - ..." -> Rome, "July 22, 2024", AFP; "(Bloomberg) -- ..." -> no place,
    Bloomberg. Only a known agency's tag may end a dateline without a dash ("New Delhi, Jan 5 (PTI) The ...")."""
    if not first_paragraph:
        return None
    # A dateline is a paragraph's first words: its head alone is read (a 10 MB paragraph costs nothing more).
    text, first_agency = first_paragraph[:HEAD_CHARS], None
    lead = _AGENCY_FIRST.match(text)
    if lead and is_agency(lead.group("agency").strip()):
        text, first_agency = text[lead.end() :], lead.group("agency").strip()
    m = _DATELINE.match(text)
    if m:
        place = m.group("place").strip(" ,")
        if place.casefold() in _NOT_PLACES or count_words(place) > 4:
            m = None
    if m is None:
        m = _PLACELESS.match(text)
        place = None
    if m is None:
        return Dateline(place=None, agency=first_agency) if first_agency else None
    agency = (m.group("agency") or m.groupdict().get("slashed") or "").strip() or first_agency
    if m.group("sep") is None and not (agency and is_agency(agency)):
        return Dateline(place=None, agency=first_agency) if first_agency else None
    if place is None and not (agency and is_agency(agency)):
        return None  # "(Photo) - ..." is no dateline
    region = m.groupdict().get("region") or m.groupdict().get("bracketed")
    return Dateline(place=_place(place, region) if place else None, date=m.group("date"), agency=agency)


#: The longest place name :func:`place_alone` takes ("THIRUVANANTHAPURAM", "PORT-AU-PRINCE" are under 20).
PLACE_MAX_CHARS = 40
#: A place's name shouted alone on a line: letters, and ' or - inside ("N'DJAMENA", "PORT-AU-PRINCE").
_SHOUTED_WORD = re.compile(r"[^\W\d_a-zß-ÿ]+(?:['’\-][^\W\d_a-zß-ÿ]+)*")


def place_alone(line: str) -> str | None:
    """ "ANKARA" alone on the line above a story's first paragraph (Anadolu's style) -> "Ankara": one shouted
    word that is no agency's name ("BERNAMA" credits one), no label (:data:`_NOT_PLACES`: "BREAKING") and no
    word prose writes in lower case (a kicker: "POLITICS", "WORLD"). One word only: two shouted words are as
    often a reporter's name ("JOHN SMITH") as a city's."""
    word = line.strip()
    # Four letters at least ("CNN", "BBC": outlets), and no longer than a place's name is: a line of a million
    # capitals is no city (and is not run through the checks below).
    if not 4 <= len(word) <= PLACE_MAX_CHARS or not _SHOUTED_WORD.fullmatch(word) or not word.isupper():
        return None
    if word.casefold() in _NOT_PLACES or word.casefold() in common_words() or is_agency(word):
        return None
    return _place(word, None)


def opening_dateline(
    lines: list[str], paragraphs: list[str], start: int | None, header_lines: Collection[int | None]
) -> tuple[Dateline | None, int | None]:
    """The dateline of a story whose body is ``paragraphs`` (kept from ``lines``): its first paragraph's
    (:func:`parse_dateline`), else a place alone (:func:`place_alone`) on the non-empty line right above the
    body's first sentence paragraph (line ``start``), with that line's index (metadata, not body). The place must
    follow the story's header (one of ``header_lines``: the headline, byline, timestamp) or open the text: a
    shouted word among a page's menus is a ticker ("AMZN") or a share button ("TWEET")."""
    found = parse_dateline(paragraphs[0]) if paragraphs else None
    if found is not None or start is None:
        return found, None
    at = line_above(lines, start)
    if at is None or (place := place_alone(lines[at])) is None:
        return None, None
    before = line_above(lines, at)
    return (Dateline(place=place), at) if before is None or before in header_lines else (None, None)


def find_dateline(first_paragraph: str | None) -> str | None:
    """The place of :func:`parse_dateline`."""
    dateline = parse_dateline(first_paragraph)
    return dateline.place if dateline else None
