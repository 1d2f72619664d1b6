"""Train the date ranker (include/news_etl/models/date_model.json) on newsbench dev/ only.

    .venv/bin/python benchmarks/train_date_model.py [--newsbench ../shared/newsbench/dev] [--cv-only]

For the text tracks (`article`, `full`), every line near the cleaned body's first sentence paragraph that
carries a date (:func:`news_etl.date_lines.candidates`) is a candidate; one whose day, as the article step
would read it, is the labelled date is a positive. The features see the page after the headline and byline
rankers, as the date ranker does inside the article step. A small tree ensemble (the line model's GBDT)
scores candidates; 5-fold cross-validation grouped by site (the line model's folds) picks the threshold above
which its pick replaces the header rules' date, on the scorer's date accuracy, and reports it on sites the
ranker never saw.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from header_training import (
    AT,
    add_training_args,
    cv_probs,
    pages,
    print_report,
    save_ranker,
    steady_threshold,
    threshold_report,
)

from news_etl.byline_lines import default_byline_model
from news_etl.date_lines import FEATURES, MODEL_FILE, pick
from news_etl.headlines import default_title_model
from news_etl.text_header import date_inputs

ROOT = Path(__file__).resolve().parents[1]


def load_docs(bench: Path) -> list[dict]:
    """Per text document with a labelled date: its candidates' features, days and labels, and the day the rest
    of the pipeline gives without this ranker."""
    docs = []
    for page in pages(bench, title_model=default_title_model(), byline_model=default_byline_model()):
        if not page.truth.get("date"):
            continue
        header = page.built.header
        inputs = date_inputs(page.lines, header, page.built.cleaned, AT, "UTC")
        cands, X = inputs.cands, inputs.X
        days = [header.day_of(c.raw, c.local).isoformat() for c in cands]
        y = np.array([float(d == page.truth["date"]) for d in days])
        relative = X[:, FEATURES.index("relative")] > 0 if len(days) else np.zeros(0, dtype=bool)
        docs.append(
            {
                "id": page.truth["id"],
                "track": page.track,
                "site": page.site,
                "truth": page.truth["date"],
                "rules_day": str(page.row["published_date"]) if page.row["published_date"] else None,
                "days": days,
                "X": X,
                "y": y,
                # "3 hours ago" counts back from when the page was saved, which dev does not record: on a page where
                # no other line gives the labelled day, whether its relative line does is unknown, and it is not
                # trained on (a "no" there taught the ranker to pass over the article's own "Published 3 hours
                # ago" under its byline for a teaser's date). Where another line gives the day, it is a teaser's.
                "unknown": relative & (not y.any()),
                # What the article step's pick (date_lines.pick) reads besides the scores.
                "cands": cands,
                "lines": page.lines,
                "rules_line": header.date_line,
                "title_line": inputs.title_line,
                "byline_line": inputs.byline_line,
            }
        )
    return docs


def picked_day(d: dict, p: np.ndarray, threshold: float) -> str | None:
    """The day a document gets when its candidates score ``p``: the article step's pick (the ranker's best if it
    scores at least ``threshold``, and the rules around it), else the rules' day."""
    if threshold > 1.0:  # threshold_report's "without the ranker": the article step then has no date pick at all
        return d["rules_day"]
    c = pick(
        p,
        threshold,
        d["cands"],
        d["lines"],
        rules_line=d["rules_line"],
        title_line=d["title_line"],
        byline_line=d["byline_line"],
    )
    return d["rules_day"] if c is None else d["days"][d["cands"].index(c)]


def accuracy(docs: list[dict], probs: list[np.ndarray], threshold: float) -> float:
    hits = [picked_day(d, p, threshold) == d["truth"] for d, p in zip(docs, probs, strict=True)]
    return round(float(np.mean(hits)), 4) if hits else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_training_args(parser, ROOT.parent / "shared" / "newsbench" / "dev")
    parser.add_argument(
        "--override-threshold",
        type=float,
        # Dev's HTML dates are the same (0.910) from 0.4 to 0.6, with this ranker and the one before; a retraining
        # moved the date under a byline of a page whose markup was years off from 0.62 to 0.49 (tests/test_date_lines).
        default=0.4,
        help="the score the ranker's pick among an HTML page's visible lines needs to overrule the day its markup "
        "gives (not chosen here: no HTML page is trained on; make bench-extraction's HTML track measures it)",
    )
    args = parser.parse_args(argv)
    bench = args.newsbench.resolve()
    t0 = time.time()
    docs = load_docs(bench)
    n_pos = sum(bool(d["y"].any()) for d in docs)
    print(
        f"{len(docs)} documents, {sum(len(d['y']) for d in docs)} candidates, "
        f"{n_pos} with the labelled day among them ({time.time() - t0:.0f}s)"
    )
    probs = cv_probs(docs, args.trees, args.depth)
    rules_only, report = threshold_report(docs, probs, accuracy)
    # The curve is flat over most thresholds, a document or two apart: its peak moved between 0.45 and 0.65 as
    # inputs changed a little (at 0.65 the shipped ranker passed over the date under a byline for a teaser's).
    # Take the plateau's middle instead (steady_threshold).
    best = steady_threshold(report, max(Counter(d["track"] for d in docs).values()))
    print_report(rules_only, report, best, "without the ranker")
    if not args.cv_only:
        cv = {"date_accuracy": report[best], "without_ranker": rules_only}
        save_ranker(MODEL_FILE, FEATURES, docs, args, best, cv, override_threshold=args.override_threshold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
