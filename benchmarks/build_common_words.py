"""Build include/news_etl/models/common_words.json: words news prose writes in lower case.

A byline candidate whose every word is one ("College Football", "Buying Guide", "Golf Week") is more likely a
section name than a person; one with a word news never writes in lower case ("Craig Meyer") is more likely a
name. The byline ranker takes the share as a feature (it rejects nothing by itself: "Mark Price" is a name).
The reference is the BBC corpus in ../shared/corpora/bbc; a word counts when it is seen at least --min-count
times away from a sentence's start and at least --min-lower of those in lower case.

    python benchmarks/build_common_words.py [--corpus DIR] [--min-count 5] [--min-lower 0.6]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from build_idf import corpus_texts  # this folder is on sys.path when the script runs

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "include" / "news_etl" / "models" / "common_words.json"
#: A word and what comes before it on its line: a sentence's first word is capitalised whatever it is.
TOKEN = re.compile(r"(?P<before>[.!?:\"“”]\s*|^\s*)?(?P<word>[^\W\d_]+)", re.MULTILINE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "bbc")
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--min-lower", type=float, default=0.6)
    args = parser.parse_args(argv)
    texts = corpus_texts(args.corpus)
    seen, lower = Counter(), Counter()
    for text in texts:
        body = text.split("\n", 1)[1] if "\n" in text else ""  # line one is the title, in title case
        for m in TOKEN.finditer(body):
            if m.group("before") is not None:
                continue
            word = m.group("word")
            key = word.casefold()
            seen[key] += 1
            lower[key] += word == key
    words = sorted(w for w, n in seen.items() if n >= args.min_count and lower[w] / n >= args.min_lower)
    OUT.write_text(
        json.dumps(
            {
                "source": "BBC News corpus (2004-2005), exact duplicates removed; words after a sentence's start",
                "min_count": args.min_count,
                "min_lower": args.min_lower,
                "words": words,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"{len(texts)} documents, {len(words):,} common words: {OUT} ({OUT.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
