"""What the two header-line rankers' training scripts share (train_title_model.py, train_byline_model.py):
newsbench dev's text pages prepared as the article step sees them, the fit, and the cross-validation by site.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from train_line_model import fit_gbdt, site_folds

from news_etl import dates, metadata
from news_etl.articles import BuiltArticle, build_article
from news_etl.cleaning import Cleaned, clean
from news_etl.headlines import body_start
from news_etl.linemodel import Ranker, Trees, default_model
from news_etl.reading import read_file
from news_etl.ruleset import load_rules
from news_etl.settings import Limits

#: The text tracks: the article's own text, and a whole page's text.
TRACKS = ("article", "full")
AT = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Page:
    """One text page of dev: its labels, its lines, and what the article step makes of it."""

    truth: dict
    track: str
    site: str | None
    lines: list[str]
    header: metadata.Header  # the header rules' marks, before cleaning
    cleaned: Cleaned  # the cleaner's output with those marks, before any ranker took a line
    start: int | None  # the body's first sentence paragraph (headlines.body_start)
    row: dict  # the article row the whole step gives with the rankers passed in
    built: BuiltArticle  # that step's header and cleaning, after the rankers passed in


def pages(bench: Path, title_model: Ranker | None, byline_model: Ranker | None = None) -> Iterator[Page]:
    """Every page of both text tracks. The header and the cleaning are those the rankers see inside
    ``build_article``, done again here because the article step does not hand them out."""
    rules, line_model = load_rules(), default_model()
    truth = [json.loads(x) for x in (bench / "truth.jsonl").read_text().splitlines() if x]
    for track in TRACKS:
        for t in truth:
            rec = read_file(bench / track, f"{t['id']}.txt", Limits()).records[0]
            built = build_article(
                rec,
                source_path="x",
                file_hash="x",
                run_id="r",
                ingested_at=AT,
                rules=rules,
                model=line_model,
                title_model=title_model,
                byline_model=byline_model,
            )
            lines = rec.text.split("\n")
            header = metadata.extract_header(lines, reference=AT, reader_tz=dates.reader_zone(rec.locale, rec.url))
            cleaned = clean(rec.text, rules, preassigned=header.marks, model=line_model)
            yield Page(
                t,
                track,
                urlparse(t["url"]).hostname,
                lines,
                header,
                cleaned,
                body_start(lines, cleaned.paragraphs),
                built.row,
                built,
            )


def fit_ranker(train: list[dict], n_trees: int = 80, depth: int = 4) -> dict:
    """A ranker's trees, trained on ``train``'s candidates (``X``, ``y``); each document weighs the same. A
    document's ``unknown`` mask, when it has one, leaves out the candidates whose label cannot be known (they are
    still scored, and count, in the cross-validation)."""
    train = [_known(d) for d in train]
    train = [d for d in train if len(d["y"])]
    w = np.concatenate([np.full(len(d["y"]), 1.0 / len(d["y"])) for d in train])
    return fit_gbdt(
        np.vstack([d["X"] for d in train]),
        np.concatenate([d["y"] for d in train]),
        w / w.sum(),
        n_trees=n_trees,
        depth=depth,
    )


def _known(d: dict) -> dict:
    if "unknown" not in d or not len(d["y"]):
        return d
    keep = ~d["unknown"]
    return {**d, "X": d["X"][keep], "y": d["y"][keep]}


def cv_probs(docs: list[dict], n_trees: int, depth: int) -> list[np.ndarray]:
    """Each document's candidate scores from a ranker trained without its fold of sites (the line model's folds)."""
    fold_of = site_folds(docs)
    probs: list[np.ndarray] = [np.zeros(0)] * len(docs)
    for fold in sorted(set(fold_of.values())):
        model = Trees.from_json(fit_ranker([d for d in docs if fold_of[d["site"]] != fold], n_trees, depth))
        for k, d in enumerate(docs):
            if fold_of[d["site"]] == fold and len(d["y"]):
                probs[k] = model.proba(d["X"])
    return probs


#: How a training script scores a track's documents at a threshold: (documents, their CV scores, threshold).
Score = Callable[[list[dict], list[np.ndarray], float], float]


def add_training_args(parser: argparse.ArgumentParser, bench: Path) -> None:
    """The options every ranker's training script takes."""
    parser.add_argument("--newsbench", type=Path, default=bench)
    parser.add_argument("--cv-only", action="store_true")
    parser.add_argument("--trees", type=int, default=80)
    parser.add_argument("--depth", type=int, default=4)


def by_track(docs: list[dict], probs: list[np.ndarray], score: Score, threshold: float) -> dict[str, float]:
    """Each track's ``score`` of its documents at ``threshold``."""
    return {
        track: score(
            [d for d in docs if d["track"] == track],
            [p for d, p in zip(docs, probs, strict=True) if d["track"] == track],
            threshold,
        )
        for track in TRACKS
    }


def threshold_report(
    docs: list[dict], probs: list[np.ndarray], score: Score, start: float = 0.05
) -> tuple[dict[str, float], dict[float, dict[str, float]]]:
    """Each track's score without the ranker (a threshold above every score), and at each threshold from
    ``start`` to 0.95 in steps of 0.05."""
    report = {round(float(t), 2): by_track(docs, probs, score, float(t)) for t in np.arange(start, 1.0, 0.05)}
    return by_track(docs, probs, score, 2.0), report


def steady_threshold(report: dict[float, dict[str, float]], n_docs: int) -> float:
    """The middle of the thresholds whose summed score is within one document (``1 / n_docs``, the step one page
    moves a track's score) of the best: where the curve is a plateau a document or two apart, its best point is
    chance, and moves when the inputs change a little; its middle does not. Of two middles, the higher: a pick
    the ranker is unsure of replaces nothing."""
    total = {t: sum(r.values()) for t, r in report.items()}
    top = max(total.values())
    slack = 1e-4 * len(next(iter(report.values())))  # each track's score is rounded to four places
    near = sorted(t for t, v in total.items() if v >= top - 1.0 / n_docs - slack)
    return near[len(near) // 2]


def print_report(
    rules_only: dict[str, float], report: dict[float, dict[str, float]], best: float, baseline: str
) -> None:
    print(f"{baseline}: {rules_only}")
    for t, r in report.items():
        print(f"threshold {t:.2f}: {r}{'  <- chosen' if t == best else ''}")


def save_ranker(
    path: Path, features: list[str], docs: list[dict], args: argparse.Namespace, threshold: float, cv: dict, **extra
) -> None:
    """Fit the ranker on all ``docs`` and write its model file: the features, trees, the chosen ``threshold``
    (then any ``extra`` fields), the training settings and the cross-validated figures ``cv``."""
    raw = {
        "features": features,
        "model": fit_ranker(docs, args.trees, args.depth),
        "threshold": threshold,
        **extra,
        "trained_on": "newsbench dev/ (article and full tracks)",
        "n_trees": args.trees,
        "depth": args.depth,
        "cv_unseen_sites": cv,
    }
    path.write_text(json.dumps(raw, separators=(",", ":")))
    print(f"written {path} ({path.stat().st_size / 1024:.0f} KiB)")
