"""Bylines: the names in a byline ("By Lee Bon-young, Washington correspondent" -> Lee Bon-young) and in wire
credit lines ("(Reporting by A in Paris; Editing by B)", "C contributed to this report"). Roles, emails and
dates are dropped; news agencies are kept as authors, an outlet listed beside a person is not
(:func:`without_outlets`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import islice

import yaml

from news_etl.dates import RELATIVE
from news_etl.settings import RULES_DIR
from news_etl.text import common_words, count_words, lines_below, stopwords

BYLINE = re.compile(
    r"^(?:(?:(?:written|words|story|text|reporting|report|article|posted|published|compiled)\s+)?by|as\s+told\s+to)"
    r"\s*[:\-]?\s+(?P<names>.+)$",
    re.IGNORECASE,
)
#: A byline's "By" alone on its line, the names on the next (a page saved as text puts each element on a line).
BARE_BYLINE = re.compile(
    r"^(?:(?:(?:written|words|story|text|reporting|posted|published)\s+)?by|as\s+told\s+to)\s*:?$", re.IGNORECASE
)
#: A newsroom's job titles: "Senior Editor", "ESPN Staff Writer" on a line of their own name a writer (author_box).
_STAFF_ROLES = r"correspondent|reporter|editor|writer|contributor|columnist|journalist|producer|photographer"
_ROLES = (
    rf"{_STAFF_ROLES}|staff|bureau|analyst|chief|senior|deputy|desk|team|newsroom|intern|freelance|updated|published|"
    r"minutes?|read|hours?|ago|sponsored|link|copied|share|follow|subscribe"
)
_MONTH_NAMES = r"january|february|march|april|june|july|august|september|october|november|december"
_WEEKDAY_NAMES = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_WEEKDAY_SHORT = r"mon|tues?|wed|thur?s?|fri|sat|sun"
#: A weekday ending a text ("By Jane Roe Thu" before "21 Dec 2023"): the date's, not the name's.
TRAILING_WEEKDAY = re.compile(rf"[\s,]*\b(?:{_WEEKDAY_NAMES}|{_WEEKDAY_SHORT})\.?,?\s*$", re.IGNORECASE)
#: Words of a line that is a role, a date or furniture rather than a byline (a feature of the byline ranker).
ROLE_WORDS = re.compile(rf"\b({_ROLES}|{_MONTH_NAMES}|{_WEEKDAY_NAMES})\b", re.IGNORECASE)
#: Words no name holds. Months are first names too ("April Rubin", "June Kim", "August Graham"): a part made of
#: calendar words only ("By Nick Levine, February") is dropped instead (_CALENDAR).
_NOT_IN_NAMES = re.compile(rf"\b({_ROLES}|{_WEEKDAY_NAMES})\b", re.IGNORECASE)
_CALENDAR = re.compile(rf"^(?:(?:{_MONTH_NAMES}|{_WEEKDAY_NAMES}|{_WEEKDAY_SHORT})\W*)+$", re.IGNORECASE)
#: "By Jane Kim 12 hours ago", "By Jane Kim | Updated 5 mins ago": the time since publication ends the names.
#: It starts at a word, not at the separators before it: a pattern starting with "[\s,|-]*" retried every
#: position of a long run of them (19 s on 20,000 characters); parse_byline strips them afterwards.
_SINCE = re.compile(rf"\b(?:(?:updated|published|posted)\s+)?{RELATIVE.pattern}.*$", re.IGNORECASE)
_CREDENTIAL = re.compile(r"^(?!(?:II|III|IV)$)(?:[A-Z]{2,4}|Ph\.?D\.?|M\.?D\.?)$")  # "III" is part of a name
EMAIL = re.compile(r"[\w.+\-]+@((?:[\w\-]+\.)+[A-Za-z]{2,})")
_NAME_TOKEN = re.compile(r"^(?:[A-Z][\w'’.\-]*|de|da|di|del|della|van|von|der|den|bin|al|el|la|le|du|dos|y)$")


def email_domains(text: str) -> list[str]:
    """The domains of the email addresses in ``text``. The pattern is run only when there is an "@": on a long
    run of word characters without one its search is quadratic (a 100,000-character token took 25 s)."""
    return EMAIL.findall(text) if "@" in text else []


@lru_cache(maxsize=4)
def _word_list(key: str) -> frozenset[str]:
    """The lower-cased word list ``key`` of ``rules/names.yaml``."""
    with open(RULES_DIR / "names.yaml", encoding="utf-8") as fh:
        return frozenset(str(w).casefold() for w in (yaml.safe_load(fh) or {}).get(key, []))


def furniture_words() -> frozenset[str]:
    """Words of page furniture (``rules/names.yaml``): a name made only of them is a menu item, not an author."""
    return _word_list("furniture_words")


def outlet_words() -> frozenset[str]:
    """Words of a news outlet's name (``rules/names.yaml``): see :func:`without_outlets`."""
    return _word_list("outlet_words")


def is_agency(name: str) -> bool:
    """Whether ``name`` is a news agency of ``rules/names.yaml`` ("Reuters", "The Associated Press", "AFP")."""
    key = " ".join(name.casefold().split())
    return key.removeprefix("the ") in _word_list("agencies")


_DOMAIN = re.compile(r"\.(?:com|org|net|co\.uk|com\.au)\b", re.IGNORECASE)


def is_outlet(name: str) -> bool:
    """Whether ``name`` names a news outlet rather than a person ("The Jersey Journal", "NJ Advance Media For
    NJ.com", "Financial Times"); a news agency is no outlet here: agencies stay authors."""
    if is_agency(name):
        return False
    words = re.findall(r"[\w'’-]+", name.casefold())
    return name.casefold().startswith("the ") or bool(_DOMAIN.search(name)) or any(w in outlet_words() for w in words)


def without_outlets(names: list[str]) -> list[str]:
    """``names`` without the outlets among them when a person is named too (markup that lists the paper beside
    its reporter); an outlet named alone stays, as the only credit there is."""
    people = [n for n in names if not is_outlet(n)]
    return people if people else names


def _clean_name(part: str) -> str | None:
    if "@" in part:  # see email_domains: the pattern is only run where it can match
        part = EMAIL.sub("", part)
    part = re.sub(r"\s+", " ", part).strip(" .,;:-–—|()[]")
    if not part:
        return None
    if is_agency(part):
        return part
    tokens = part.split()
    if 2 <= len(tokens) <= 4 and tokens[-1].casefold() == "staff" and tokens[0][:1].isupper():
        # A newsroom's credit ("Reuters Staff", "Slate Staff", "Hollywood.com Staff") names who wrote the story,
        # as labelled data counts it; "Staff Writer" and "Senior Staff" are roles.
        return part if not ROLE_WORDS.search(" ".join(tokens[:-1])) else None
    if _NOT_IN_NAMES.search(part) or _CALENDAR.match(part) or any(ch.isdigit() for ch in part):
        return None
    # Credentials after a name ("Lauren Manaker MS", "RDN", "PhD") are not part of it; an all-caps
    # name ("JANE DOE") keeps its last token.
    while tokens and _CREDENTIAL.match(tokens[-1]) and not all(t.isupper() for t in tokens[:-1] or ["x"]):
        tokens.pop()
    if not 1 <= len(tokens) <= 5:
        return None
    if not all(_NAME_TOKEN.match(t) for t in tokens) or not tokens[0][:1].isupper():
        return None
    if all(t.casefold() in furniture_words() for t in tokens):
        return None
    if len(tokens) > 1 and all(t.isupper() for t in tokens):
        # Wire bylines shout ("By MARTHA BELLISLE"): one reporter is one author whichever outlet printed her.
        tokens = [t if _ROMAN.match(t) or len(t.strip(".")) == 1 else t.title() for t in tokens]
    return " ".join(tokens)


#: The longest text read as a byline (a long list of reporters with their roles and places fits).
MAX_BYLINE_CHARS = 1000
_ROMAN = re.compile(r"^(?:II|III|IV|VI{0,3})$")
_GLUED_BRAND = re.compile(r"^[A-Z]{3,}[a-z]{2,}$")


def _glued_agency(part: str) -> list[str]:
    """ "MARTHA BELLISLE Associated Press" -> the reporter and the agency a byline glues after her name. A
    one-word agency is split off only when written in capitals ("Jane Doe AP"): "Jane Bloomberg" is a name.
    An outlet's name in capitals glued after a name in mixed case is split off too ("Kayla Jimenez USA TODAY",
    where the page's markup put the two in separate elements)."""
    tokens = part.split()
    for k in (3, 2, 1):
        tail = " ".join(tokens[-k:])
        if len(tokens) - k >= 2 and is_agency(tail) and (k > 1 or tail.isupper()):
            return [" ".join(tokens[:-k]), tail]
    # An outlet glued after a reporter's full name is no author: "Janelle Ash FOXBusiness" (a brand's capitals run
    # into its next word, as no name's do), "Amanda Cappelli Fox News", "Ana Ruiz The New York Times" (two to four
    # capitalised words ending with an outlet's).
    if len(tokens) >= 3 and _GLUED_BRAND.match(tokens[-1]):
        return [" ".join(tokens[:-1])]
    for k in (4, 3, 2):
        head = " ".join(tokens[:-k])
        if 2 <= len(tokens) - k <= 3 and _outlet_name(tokens[-k:]) and _person_like(head) and _given_name(head):
            return [head]
    for k in (3, 2):
        head = " ".join(tokens[:-k])
        if len(tokens) - k >= 2 and _shouted(" ".join(tokens[-k:])) and _person_like(head):
            return [head, " ".join(tokens[-k:])]
    return [part]


def _given_name(head: str) -> bool:
    """A name's words open with no word news prose writes in lower case and hold no function word: "Amanda
    Cappelli", not the menu items "Back To" (All News), "New York" (Daily News) or "Bags In" (The Wild)."""
    return head.split()[0].casefold() not in common_words() and not _holds_function_word(head)


def _holds_function_word(text: str) -> bool:
    """Whether a word of ``text`` is a function word ("Back To", "Bags In", "Contact Us"): no name holds one."""
    return any(w.casefold() in stopwords() for w in text.split())


#: Outlet words that name a newsroom's people, not its title ("Main Staff"): no outlet's name ends with them here.
_STAFF_WORDS = frozenset({"staff", "desk", "editors", "newsroom"})


def _outlet_name(words: list[str]) -> bool:
    """Capitalised words that read as an outlet's name: an outlet's word last ("Fox News", "The Morning Journal"),
    a broadcaster's channel number among them ("Channel 4 News", "KTLA 5 News")."""
    capitalised = words[0][:1].isupper() and all(
        (w[:1].isupper() and w.replace("-", "").isalpha()) or (w.isdigit() and len(w) <= 3) for w in words
    )
    last = words[-1].casefold()
    return capitalised and last in outlet_words() and last not in _STAFF_WORDS


def _shouted(part: str) -> bool:
    """Two or more words in capitals: "USA TODAY", "MARTHA BELLISLE"."""
    words = part.split()
    return len(words) >= 2 and all(w.isupper() for w in words)


def _person_like(part: str) -> bool:
    """Two to four capitalised words in mixed case that name no agency nor outlet: "Kayla Jimenez"."""
    words = part.split()
    return (
        2 <= len(words) <= 4
        and all(w[:1].isupper() for w in words)
        and any(ch.islower() for ch in part)
        and not is_agency(part)
        and not is_outlet(part)
    )


def parse_byline(text: str) -> list[str]:
    """Names in a byline: "By Lee Bon-young, Washington correspondent" -> ["Lee Bon-young"].

    Roles, emails and dates are dropped; news agencies ("The Associated Press") are kept as authors.
    """
    # Runs of spaces made one and a cap on length: the splitting patterns below backtrack over each run of spaces
    # from every space in it (10,000 spaces after "By Jane" took 2.7 s), and no byline is that long.
    text = " ".join(text.split()) if len(text) <= MAX_BYLINE_CHARS else ""
    m = BYLINE.match(text)
    names = m.group("names") if m else text
    if _SINCE.search(names):
        names = _SINCE.sub("", names).rstrip(" ,|·•-")
    chunks = re.split(r"\s+(?:and|&)\s+|\s*[,;|/]\s*|\s+with\s+", names, flags=re.IGNORECASE)
    # Where a reporter was is no part of the name: "Aminu ABUBAKAR with Joe SMITH in Lagos" (AFP).
    parts = [piece for chunk in chunks for piece in _glued_agency(_strip_places(chunk))]
    if any(_person_like(p.strip()) for p in parts):
        # Beside a reporter named in mixed case, a name in capitals is the paper's ("Kayla Jimenez, USA TODAY"),
        # not a second writer (wire bylines shout the reporter and write the agency in mixed case).
        parts = [p for p in parts if not _shouted(p.strip()) or is_agency(p.strip())]
    out: list[str] = []
    for part in parts:
        name = _clean_name(part)
        if name and name not in out:
            out.append(name)
    return out


#: A line that only joins two names of a byline a page saved as text put on lines of their own ("By" / "Chris
#: Hayner" / "and" / "Tom Caswell": each name a link).
_NAME_JOIN = re.compile(r"^(?:and|&|,)$", re.IGNORECASE)
#: The most names a byline split over lines is read for.
_MAX_SPLIT_NAMES = 6


def split_byline(lines: list[str], first: int) -> tuple[str, list[int]]:
    """The byline whose first name is on ``lines[first]``, with the names the next non-empty lines join to it
    ("and" / "Tom Caswell"), and the indices of the lines it takes after ``first``. A joined line must be a
    person's name and nothing else (two to four capitalised words, the first no common word)."""
    text, taken = lines[first].strip(), []
    after = list(islice(lines_below(lines, first), 2 * _MAX_SPLIT_NAMES))
    for k in range(0, len(after), 2):
        if k + 1 >= len(after) or not _NAME_JOIN.match(lines[after[k]].strip()):
            break
        name = lines[after[k + 1]].strip()
        # The shape first: cheap, and it turns down a long line before parsing it ("and" / "Privacy Policy": no name).
        if not (_person_like(name) and _given_name(name)) or [_clean_name(name)] != parse_byline(name):
            break
        text = f"{text} and {name}"
        taken += after[k : k + 2]
    return text, taken


#: A staff role on a line of its own, under its writer's name ("Senior Entertainment Editor", "ESPN Staff Writer").
_STAFF_ROLE = re.compile(rf"\b(?:{_STAFF_ROLES})s?\b", re.IGNORECASE)


def author_box(name: str, below: list[str]) -> bool:
    """Whether a line that is only ``name`` opens an author's box at the top or the end of an article: under it
    (``below``: the next two non-empty lines) a staff role on its own line ("Rose Minutaglio" / "Senior Editor") or
    a biography that opens with the name ("Emma Baty is the Senior Entertainment Editor at Cosmopolitan ...",
    "Rose is ...")."""
    # A first name may be a common word here ("Rose", "Will"): the role or the biography under it says it is one.
    if len(name) > 60 or not _person_like(name) or _holds_function_word(name):
        return False  # checked first: a paragraph is no name, and parse_byline takes long over one
    if parse_byline(name) != [name]:
        return False
    role = bool(below) and count_words(below[0]) <= 6 and bool(_STAFF_ROLE.search(below[0]))
    bio = re.compile(rf"^(?:{re.escape(name)}|{re.escape(name.split()[0])}) (?:is|was|has|covers|writes)\b")
    return role or any(bio.match(text) for text in below[role:])


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
                names += [n for n in parse_byline(_strip_places(m.group("names"))) if n not in names]
        return names, True
    m = _CONTACT.match(text)
    if m:
        if not m.group("role").lower().startswith(("reporter", "author")):
            return [], True
        people = [_strip_places(EMAIL.sub("", p).strip(" ,").removesuffix(" at")) for p in m.group("names").split(";")]
        return [n for p in people for n in parse_byline(p)], True
    m = _CONTRIBUTED.match(text) or _ASSISTED.match(text) or _AGENCY_WRITERS.match(text)
    if m:
        return [n for n in parse_byline(_strip_places(m.group("names")))], False
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


def _strip_places(names: str) -> str:
    """ "Anna Weber in Paris and Paul Martin in Lyon" -> "Anna Weber and Paul Martin"."""
    return re.sub(r"\s+(?:in|from)\s+[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*)*", "", names)
