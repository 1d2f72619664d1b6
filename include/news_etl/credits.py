"""Credit lines: the names a story's closing lines give authorship to. Wire credits ("(Reporting by A in Paris;
Editing by B)", "C contributed to this report", "-- AFP") and an author's note ("Jane Doe is a senior reporter
at ..."); each name is read as a byline's (:func:`news_etl.bylines.parse_byline`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from news_etl.bylines import EMAIL, is_agency, parse_byline, strip_places
from news_etl.text import count_words

#: "(Reporting by A and B in Paris; Additional reporting by C; Writing by D; Editing by E)": a Reuters-style
#: credit line. The reporters and writers are the authors; editors and compilers are not.
_CREDIT_LINE = re.compile(
    r"^\(?\s*(?:(?:additional\s+)?reporting|writing|editing|compiled|graphics|research)"
    r"(?:\s+and\s+\w+)?\s+by\s+.+\)?\.?$",
    re.IGNORECASE,
)
_CREDIT_SEGMENT = re.compile(
    r"^(?P<role>(?:additional\s+)?reporting|writing|(?:reporting|writing)\s+and\s+\w+|"
    r"editing|compiled|graphics|research)\s+by\s+(?P<names>.+)$",
    re.IGNORECASE,
)
#: Bloomberg's footer: "To contact the reporter on this story: Jane Doe in London at jdoe@bloomberg.net" (the
#: story's reporters) and "To contact the editors responsible for this story: ..." (its editors, no authors).
_CONTACT = re.compile(
    r"^to contact the (?P<role>reporters?|editors?|authors?)\b[^:]{0,60}:\s*(?P<names>.+)$", re.IGNORECASE
)
#: "--With assistance from Jane Doe and John Roe." (Bloomberg).
_ASSISTED = re.compile(r"^[-–—]*\s*with (?:the )?assistance (?:from|of)\s+(?P<names>.+?)\.?$", re.IGNORECASE)
#: "With files from The Canadian Press" (a Canadian paper's credit), "This report by The Canadian Press was first
#: published July 22, 2024." (the agency's own, a date line too: dates.py reads its date).
_WITH_FILES = re.compile(
    r"^[-–—]*\s*(?:with files from\s+(?P<files>.+?)|this (?:report|story|article) by\s+(?P<report>.+?)\s+was "
    r"(?:first )?published\b.{0,60})\.?$",
    re.IGNORECASE,
)
#: A paper's credit to an agency closing the story: "-- AFP", "(Kyodo)", "BERNAMA" (is_agency decides).
_AGENCY_CREDIT = re.compile(
    r"^(?:[-–—]+\s*(?P<dashed>[^-–—].{0,40}?)|\(\s*(?P<paren>[^()]{1,40}?)\s*\)|(?P<bare>[^()]{1,40}?))\.?$"
)
#: An agency's staff before the names of a credit: "Associated Press writer", "The AP staff reporters".
_AGENCY_STAFF = (
    r"(?:the\s+)?(?:associated\s+press|ap|afp|reuters|bloomberg)\s+(?:staff\s+)?"
    r"(?:writers?|reporters?|correspondents?|journalists?)\s+"
)
#: "Associated Press writer Jane Doe in Paris contributed to this report." / "Jane Doe contributed reporting."
_CONTRIBUTED = re.compile(
    rf"^(?:{_AGENCY_STAFF})?(?P<names>.+?)\s+contributed\s+"
    r"(?:to\s+this\s+(?:report|story|article)|reporting|additional\s+reporting)\b.{0,60}$",
    re.IGNORECASE,
)

#: "Associated Press writers Jane Doe in New York and John Roe contributed." (the agency's words make it a credit).
_AGENCY_WRITERS = re.compile(rf"^{_AGENCY_STAFF}(?P<names>.+?)\s+contributed\.?$", re.IGNORECASE)

#: AP's "Beck reported from Omaha, Nebraska." / "Jane Doe reported from Paris and John Roe from Lyon."
_NAME_WORDS = r"[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){0,3}"
#: The place is names only ("Omaha, Nebraska"): "Apple reported from Cupertino that sales fell." is a sentence.
_PLACE_WORDS = r"[A-Z][\w.'’\-]*(?:,?\s+[A-Z][\w.'’\-]*){0,4}"
_REPORTED_FROM = re.compile(
    rf"^(?P<names>{_NAME_WORDS})\s+reported\s+(?:from|in)\s+{_PLACE_WORDS}"
    rf"(?:,?\s+and\s+(?P<more>{_NAME_WORDS})\s+(?:from|in)\s+{_PLACE_WORDS})?\.?$"
)

#: An author's note closing a story: "Alexandra Canal is a Senior Reporter at Yahoo Finance.", "Michael Barone is
#: senior political analyst for the Washington Examiner ...", "• Vaughn Cockayne can be reached at ...". A full name
#: (two to four capitalised words), then a role within six words of its noun phrase, or an address to reach them.
_NOTE_ROLES = (
    r"writer|reporter|editor|columnist|correspondent|contributor|journalist|analyst|professor|fellow|officer|"
    r"author|producer|critic|director|founder|economist|researcher|lecturer|scientist|strategist|commentator|"
    r"president|student|lawyer|attorney|consultant|freelancer|blogger|novelist|historian|host|partner|chair"
)
#: Words that end the noun phrase before its role: "New York is a city where every writer ..." is no note.
_CLAUSE = r"(?i:where|who|whom|whose|which|that|when|with|in|of|for|at|on|to|from|and|or|but|not|every|many|some)\b"
_NAME_WORD = r"[A-Z][\w.'’]+(?:-[A-Z][\w.'’]*)*"
#: What ranks a company among others ("... is the biggest producer", "a leading producer"): no person's note.
_RANKING = re.compile(
    r"\b(?:biggest|largest|smallest|oldest|newest|richest|fastest|greatest|leading|top|major|main)\b", re.IGNORECASE
)
_AUTHOR_NOTE = re.compile(
    # A name's words are capitalised after a hyphen too ("Jean-Pierre"): "State-owned Codelco" is a company.
    rf"^\W{{0,3}}(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}})\s+(?:(?:is|was)\s+(?:(?!{_CLAUSE})[\w'’,\-]+\s+){{0,6}}?"
    rf"(?i:{_NOTE_ROLES})s?\b|(?P<reach>(?:can|may)\s+be\s+(?:reached|contacted|emailed))\b)"
)


def author_note(line: str, before: Iterable[str]) -> tuple[list[str], bool] | None:
    """The writer an author's note names (as :func:`credit_names` gives a contributor: an author when no byline
    names one), or None when ``line`` is no such note or the text ``before`` it names the person: a source
    introduced in the story's last paragraph ("Mark Zandi is the chief economist at Moody's Analytics.") was
    quoted above it."""
    m = _AUTHOR_NOTE.match(line.strip()) if len(line) <= 600 else None
    if m is None or (m.group("reach") and not EMAIL.search(line)):  # "Crime Stoppers can be reached at 555-..."
        return None
    if _RANKING.search(m.group(0), m.end("name")):
        return None
    surname = m.group("name").split()[-1]
    if any(surname in text for text in before):
        return None
    names = parse_byline(m.group("name"))
    return (names, False) if names else None


def credit_names(line: str) -> tuple[list[str], bool] | None:
    """Names a wire credit line gives authorship to, and whether they are the story's reporters (a "Reporting
    by" line) or contributors ("... contributed to this report"); None when ``line`` is no credit line."""
    text = line.strip()
    if len(text) > 800 or count_words(text) > 60:  # a credit line is short: a 10 MB line costs nothing here
        return None
    if _CREDIT_LINE.match(text):
        names: list[str] = []
        for segment in text.strip("().").split(";"):
            m = _CREDIT_SEGMENT.match(segment.strip())
            if m and m.group("role").lower().split()[0] in ("reporting", "writing"):
                names += [n for n in parse_byline(strip_places(m.group("names"))) if n not in names]
        return names, True
    m = _CONTACT.match(text)
    if m:
        if not m.group("role").lower().startswith(("reporter", "author")):
            return [], True
        people = [strip_places(EMAIL.sub("", p).strip(" ,").removesuffix(" at")) for p in m.group("names").split(";")]
        return [n for p in people for n in parse_byline(p)], True
    m = _CONTRIBUTED.match(text) or _ASSISTED.match(text) or _AGENCY_WRITERS.match(text)
    if m:
        return [n for n in parse_byline(strip_places(m.group("names")))], False
    m = _REPORTED_FROM.match(text)
    if m:
        # A surname alone ("Beck") names the byline's reporter again: a full name only is a contributor.
        names = parse_byline(m.group("names")) + parse_byline(m.group("more") or "")
        return [n for n in names if " " in n], False
    m = _WITH_FILES.match(text)
    credited = (m.group("files") or m.group("report")) if m else ""
    names = parse_byline(credited) if credited and count_words(credited) <= 8 else []
    if names:  # not "With files from the past, ..."
        return names, False
    m = _AGENCY_CREDIT.match(text)
    agency = (m.group("dashed") or m.group("paren") or m.group("bare") or "").strip() if m else ""
    if agency and is_agency(agency):
        # A shouted name is written as elsewhere ("BERNAMA" -> "Bernama"); a short one is an acronym ("AFP").
        return [agency.title() if agency.isupper() and len(agency) > 4 else agency], False
    return None
