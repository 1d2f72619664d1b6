"""Build include/news_etl/models/idf.json: word document frequencies of a reference news corpus.

Key phrases are ranked by how rare their words are in news in general ("ranked against the corpus"),
so that "talks" in an article about talks ranks below "artillery ammunition". The reference is the BBC
corpus in ../shared/corpora/bbc (2,225 articles); words seen in fewer than --min-df articles are left out
(they count as rare anyway), which keeps the file small.

    python benchmarks/build_idf.py [--corpus DIR] [--min-df 3]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "include" / "news_etl" / "models" / "idf.json"
WORD = re.compile(r"[^\W\d_]+")


def corpus_texts(corpus: Path) -> list[str]:
    """The texts of the ``.txt`` files under ``corpus``, exact duplicates once (they would count a story's
    words twice); exits when there are none."""
    files = sorted(p for p in corpus.rglob("*.txt") if p.is_file())
    if not files:
        sys.exit(f"no .txt files under {corpus}")
    return list(dict.fromkeys(path.read_text(encoding="utf-8", errors="replace") for path in files))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "bbc")
    parser.add_argument("--min-df", type=int, default=3)
    args = parser.parse_args(argv)
    seen_texts = corpus_texts(args.corpus)
    df: Counter = Counter()
    for text in seen_texts:
        df.update({w.casefold() for w in WORD.findall(text)})
    kept = {w: n for w, n in sorted(df.items()) if n >= args.min_df}
    OUT.write_text(
        json.dumps(
            {
                "source": "BBC News corpus (2004-2005), exact duplicates removed",
                "n_docs": len(seen_texts),
                "min_df": args.min_df,
                "df": kept,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        + "\n",
        encoding="utf-8",
    )
    print(
        f"{len(seen_texts)} documents, {len(kept):,} words with df >= {args.min_df}: {OUT} "
        f"({OUT.stat().st_size / 1024:.0f} KiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
