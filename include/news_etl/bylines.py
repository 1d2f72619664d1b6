"""Bylines: the names in a byline ("By Lee Bon-young, Washington correspondent" -> Lee Bon-young). Roles, emails
and dates are dropped; news agencies are kept as authors, an outlet listed beside a person is not
(:func:`without_outlets`). The credit lines that close a story are read in :mod:`news_etl.credits`.
"""

from __future__ import annotations

import re
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
    # A newsroom's credit ("Reuters Staff", "Hollywood.com Staff", "Team EBONY") names who wrote the story, as
    # labelled data counts it; "Staff Writer" and "Senior Staff" are roles.
    newsroom = tokens[:-1] if tokens[-1].casefold() == "staff" else tokens[1:] if tokens[0] == "Team" else None
    if 2 <= len(tokens) <= 4 and newsroom and newsroom[0][:1].isupper():
        return part if not ROLE_WORDS.search(" ".join(newsroom)) else None
    if _NOT_IN_NAMES.search(part) or _CALENDAR.match(part) or any(ch.isdigit() for ch in part):
        return None
    # Credentials after a name ("Lauren Manaker MS", "RDN", "PhD") are not part of it; an all-caps
    # name ("JANE DOE") keeps its last token.
    while tokens and _CREDENTIAL.match(tokens[-1]) and not all(t.isupper() for t in tokens[:-1] or ["x"]):
        tokens.pop()
    if not 1 <= len(tokens) <= 5:
        return None
    if not all(_NAME_TOKEN.match(t) or (t == "&" and is_outlet(part)) for t in tokens) or not tokens[0][:1].isupper():
        return None  # an "&" only in an outlet's name: "The Worcester Telegram & Gazette"
    lone_word = len(tokens) == 1 and tokens[0].casefold() in common_words()  # "By Invitation": a section's name
    if lone_word or all(t.casefold() in furniture_words() for t in tokens):
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
        (w[:1].isupper() and w.replace("-", "").isalpha()) or (w.isdigit() and len(w) <= 3) or (w == "&" and k)
        for k, w in enumerate(words)
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


def names_someone(name: str) -> bool:
    """Whether ``name`` reads as a person's (two to four capitalised words), an agency's or an outlet's: not a
    topic link ("Manga") nor a biography's sentence, which trafilatura's guess at a page's author can be."""
    return _person_like(name) or is_agency(name) or is_outlet(name)


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
    pieces = re.split(r"(\s+(?:and|&)\s+|\s*[,;|/]\s*|\s+with\s+)", names, flags=re.IGNORECASE)
    chunks = pieces[:1]
    for joint, piece in zip(pieces[1::2], pieces[2::2], strict=True):
        if joint.strip() == "&" and _outlet_name([*chunks[-1].split()[-1:], "&", *piece.split()]):
            chunks[-1] += f" & {piece}"  # one outlet's name: "Jane Roe Worcester Telegram & Gazette"
        else:
            chunks.append(piece)
    # Where a reporter was is no part of the name: "Aminu ABUBAKAR with Joe SMITH in Lagos" (AFP).
    parts = [piece for chunk in chunks for piece in _glued_agency(strip_places(chunk))]
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


def strip_places(names: str) -> str:
    """ "Anna Weber in Paris and Paul Martin in Lyon" -> "Anna Weber and Paul Martin"."""
    return re.sub(r"\s+(?:in|from)\s+[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*)*", "", names)
