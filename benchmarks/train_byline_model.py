"""Train the byline ranker (include/news_etl/models/byline_model.json) on newsbench dev/ only.

    .venv/bin/python benchmarks/train_byline_model.py [--newsbench ../shared/newsbench/dev] [--cv-only]

For the text tracks (`article`, `full`), every line above the cleaned body's first sentence paragraph that
yields names is a candidate; one whose names are exactly the labelled authors (after the scorer's
normalising) is a positive. A small tree ensemble (the line model's GBDT) scores candidates; 5-fold
cross-validation grouped by site (the line model's folds) picks the threshold above which its pick replaces
the header rules' authors, on the scorer's author F1, and reports it on sites the ranker never saw.
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
from header_training import add_training_args, cv_probs, pages, print_report, save_ranker, threshold_report
from train_line_model import load_scorer

from news_etl.byline_lines import FEATURES, MODEL_FILE, byline_features, candidates
from news_etl.headlines import default_title_model
from news_etl.text import alnum_key
from news_etl.text_header import title_line

ROOT = Path(__file__).resolve().parents[1]


def load_docs(bench: Path) -> list[dict]:
    """Per text document: its candidates' features, names and labels, and the authors the rest of the pipeline
    gives without this ranker. A page whose label names nobody is kept: none of its lines is a byline, which is
    what a ranker trained only on bylined pages never saw (it took a celebrity site's menu item "Viral News" for
    one; with these pages, author F1 on unseen sites 0.777 -> 0.783 on whole pages, 0.245 -> 0.250 on article
    text, four fold seeds)."""
    docs = []
    for page in pages(bench, title_model=default_title_model()):
        lines, start, marks = page.lines, page.start, page.header.marks
        # The headline's line as the article step finds it (the header's title, before clean_headline).
        title = title_line(lines, page.built.header)
        cands = candidates(lines, start, page.cleaned.named_furniture(), title) if start is not None else []
        X = np.zeros((0, len(FEATURES)))
        if cands:
            X = byline_features(lines, cands, start, title, marks, page.cleaned.body)
        want = {alnum_key(a) for a in page.truth["authors"]}
        docs.append(
            {
                "id": page.truth["id"],
                "track": page.track,
                "site": page.site,
                "truth": page.truth["authors"],
                "rules_authors": page.row["authors"] or [],
                "names": [names for _, names in cands],
                "X": X,
                "y": np.array([float({alnum_key(n) for n in names} == want) for _, names in cands]),
            }
        )
    return docs


def author_f1(scorer, docs: list[dict], probs: list[np.ndarray], threshold: float) -> float:
    scores = []
    for d, p in zip(docs, probs, strict=True):
        names = d["rules_authors"]
        if len(p) and p.max() >= threshold:
            names = d["names"][int(np.argmax(p))]
        scores.append(scorer.author_f1(d["truth"], names))
    return round(float(np.mean(scores)), 4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_training_args(parser, ROOT.parent / "shared" / "newsbench" / "dev")
    args = parser.parse_args(argv)
    bench = args.newsbench.resolve()
    scorer = load_scorer(bench)
    t0 = time.time()
    docs = load_docs(bench)
    print(f"{len(docs)} documents, {sum(len(d['y']) for d in docs)} candidates ({time.time() - t0:.0f}s)")
    probs = cv_probs(docs, args.trees, args.depth)
    rules_only, report = threshold_report(docs, probs, partial(author_f1, scorer))
    best = max(report, key=lambda t: (round(sum(report[t].values()), 3), t))
    print_report(rules_only, report, best, "without the ranker")
    if not args.cv_only:
        cv = {"author_f1": report[best], "without_ranker": rules_only}
        save_ranker(MODEL_FILE, FEATURES, docs, args, best, cv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
