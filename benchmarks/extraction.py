"""Extraction quality on newsbench: runs the real `news-etl ingest` on each track and scores it.

    python benchmarks/extraction.py [--newsbench ../shared/newsbench/dev] [--out bench-results] [--tracks ...]

Prints a markdown table (body F1/P/R per track, title/authors/date) plus per-stage speed, and writes
bench-results/extraction.md and bench-results/extraction.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from train_line_model import (  # this folder is on sys.path when the script runs
    clean_text_losses,
    load_docs,
    load_scorer,
    site_folds,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BENCH = ROOT.parent / "shared" / "newsbench" / "dev"

TRACKS = {
    "article": ("article", ".txt", "article text (seed-like)"),
    "full": ("full", ".txt", "whole-page text"),
    "html": ("pages", ".html.gz", "raw HTML"),
}
GOALS = {"article": 0.96, "full": 0.90, "html": 0.95}
REFERENCE = {"article": (0.889, 0.922), "full": (0.669, 0.922), "html": (None, 0.922)}
#: Metadata goals (title, authors, date): issue 4's for article text, issue 16's for whole pages and raw HTML.
META_GOALS = {"html": (0.90, 0.85, 0.90), "full": (0.85, 0.75, 0.80), "article": (0.85, 0.70, 0.80)}
META_TRAFILATURA = {"html": (0.667, 0.782, 0.831)}


def _met(dev: float | None, cv: float | None, want: float) -> str:
    """Whether a goal is met on dev and on unseen sites (the cross-validated figure: the goals are set for
    sites outside dev, so that is the one that counts)."""

    def word(x: float | None) -> str:
        return "-" if x is None else "met" if x >= want else "not met"

    return f"dev {word(dev)}, unseen sites {word(cv)}"


def _norm(s: str | None) -> str:
    return "".join(ch for ch in (s or "").casefold() if ch.isalnum())


def label_ceiling(bench: Path, track: str, truth: list[dict]) -> dict:
    """How often the labelled title, authors and date are in the input text at all: no extractor can do better.

    Title: a line of the text equals the title (after normalising). Authors: every labelled name occurs. Date:
    a line gives the labelled day with its year (:func:`news_etl.date_lines.read_line`, no reference time).
    """
    from news_etl.date_lines import read_line

    folder, suffix, _ = TRACKS[track]
    titles, authors, days = [], [], []
    for row in truth:
        path = bench / folder / f"{row['id']}{suffix}"
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        lines = {_norm(line) for line in text.splitlines()}
        flat = _norm(text)
        if row.get("title"):
            titles.append(_norm(row["title"]) in lines)
        if row.get("authors"):
            authors.append(all(_norm(a) in flat for a in row["authors"]))
        if row.get("date"):
            found = (read_line(line, None, "UTC") for line in text.splitlines())
            days.append(any(f is not None and f[1].date().isoformat() == row["date"][:10] for f in found))
    return {
        "title": round(sum(titles) / len(titles), 3),
        "authors": round(sum(authors) / len(authors), 3),
        "date": round(sum(days) / len(days), 3),
    }


def year_disagreements(truth: list[dict], preds: list[dict]) -> tuple[int, int]:
    """(date misses whose prediction has the label's month and day in another year, all date misses). Such a
    label disagrees with the date the page shows (on dev: "Feb 6, 2024" labelled 2023-02-06)."""
    got = {p["id"]: str(p.get("date") or "")[:10] for p in preds}
    misses = same_day = 0
    for row in truth:
        want, pred = str(row.get("date") or "")[:10], got.get(row["id"], "")
        if not want or pred == want:
            continue
        misses += 1
        same_day += len(pred) == 10 and pred[4:] == want[4:]
    return same_day, misses


def run_track(
    bench: Path, track: str, workdir: Path, ids: set[str] | None = None, env: dict | None = None, tag: str = ""
) -> tuple[list[dict], dict]:
    """``news-etl ingest`` over one track's files (those of ``ids`` only, when given), then the lake's rows."""
    folder, suffix, _ = TRACKS[track]
    inbox, lake = workdir / f"inbox-{track}{tag}", workdir / f"lake-{track}{tag}"
    inbox.mkdir(parents=True)
    # Copies, not symlinks: the reader refuses links that point outside the inbox, by design.
    for src in sorted((bench / folder).iterdir()):
        if src.name.endswith(suffix) and (ids is None or src.name.split(".")[0] in ids):
            shutil.copy(src, inbox / src.name)
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "news-etl"),
            "ingest",
            "--inbox",
            str(inbox),
            "--lake",
            str(lake),
            "--run-id",
            f"bench-{track}",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"news-etl ingest failed on {track}:\n{done.stderr[-3000:]}")
    from news_etl import lake as lakes
    from news_etl.settings import get_settings

    _, rows = lakes.query(
        lakes.Lake.of(get_settings().with_paths(lake=str(lake))),
        "select source_path, body, title, authors, cast(published_date as varchar) from articles",
    )
    preds = []
    for path, body, title, authors, date in rows:
        preds.append({"id": path.split(".")[0], "body": body, "title": title, "authors": authors, "date": date})
    input_bytes = sum(p.stat().st_size for p in inbox.iterdir())
    stats = {
        "seconds": round(seconds, 2),
        "files": len(list(inbox.iterdir())),
        "articles": len(rows),
        "input_mb": round(input_bytes / 1e6, 2),
    }
    return preds, stats


def cv_by_site(bench: Path, tracks: list[str], workdir: Path, scorer, truth: list[dict]) -> dict:
    """Every track and field scored on sites the models never saw: for each fold of sites (the folds of
    ``make train-line-model``) a line model and headline, byline and date rankers trained without it ingest its
    pages through the real pipeline; the five folds' predictions are scored together, as the dev figures are."""
    import os

    import numpy as np
    import train_byline_model
    import train_date_model
    import train_title_model
    from header_training import fit_ranker
    from train_line_model import fit_gbdt

    from news_etl.byline_lines import MODEL_FILE as BYLINE_MODEL_FILE
    from news_etl.date_lines import MODEL_FILE as DATE_MODEL_FILE
    from news_etl.headlines import MODEL_FILE as TITLE_MODEL_FILE
    from news_etl.linemodel import MODEL_FILE

    shipped = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    shipped_titles = json.loads(TITLE_MODEL_FILE.read_text(encoding="utf-8"))
    shipped_bylines = json.loads(BYLINE_MODEL_FILE.read_text(encoding="utf-8"))
    shipped_dates = json.loads(DATE_MODEL_FILE.read_text(encoding="utf-8"))
    title_docs = [d for d in train_title_model.load_docs(bench) if d["truth"]]
    byline_docs = train_byline_model.load_docs(bench)
    date_docs = train_date_model.load_docs(bench)
    docs = load_docs(bench, list(TRACKS))
    fold_of = site_folds(docs)
    site_of = {d["id"]: d["site"] for d in docs}
    preds: dict[str, list[dict]] = {t: [] for t in tracks}
    for fold in sorted(set(fold_of.values())):
        train = [d for d in docs if fold_of[d["site"]] != fold]
        model = fit_gbdt(
            np.vstack([d["X"] for d in train]),
            np.concatenate([d["y"] for d in train]),
            np.concatenate([d["w"] for d in train]),
            n_trees=shipped.get("n_trees", 100),
            depth=shipped.get("depth", 5),
        )
        path = workdir / f"line-model-fold{fold}.json"
        path.write_text(json.dumps({**shipped, "model": model, "trained_on": f"dev without fold {fold}"}))
        titles = fit_ranker([d for d in title_docs if fold_of[d["site"]] != fold])
        title_path = workdir / f"title-model-fold{fold}.json"
        title_path.write_text(json.dumps({**shipped_titles, "model": titles, "trained_on": f"dev without fold {fold}"}))
        bylines = fit_ranker([d for d in byline_docs if fold_of[d["site"]] != fold])
        byline_path = workdir / f"byline-model-fold{fold}.json"
        byline_path.write_text(json.dumps({**shipped_bylines, "model": bylines, "trained_on": f"dev without {fold}"}))
        dated = fit_ranker([d for d in date_docs if fold_of[d["site"]] != fold])
        date_path = workdir / f"date-model-fold{fold}.json"
        date_path.write_text(json.dumps({**shipped_dates, "model": dated, "trained_on": f"dev without fold {fold}"}))
        # NLP off: it fills entities, quotes and key phrases, none of which is scored here.
        env = {
            **os.environ,
            "NEWS_ETL_LINE_MODEL": str(path),
            "NEWS_ETL_TITLE_MODEL": str(title_path),
            "NEWS_ETL_BYLINE_MODEL": str(byline_path),
            "NEWS_ETL_DATE_MODEL": str(date_path),
            "NEWS_ETL_NLP": "off",
        }
        held_out = {i for i, s in site_of.items() if fold_of[s] == fold}
        for track in tracks:
            fold_preds, _ = run_track(bench, track, workdir, ids=held_out, env=env, tag=f"-fold{fold}")
            preds[track] += fold_preds
        print(f"cv fold {fold}: {len(held_out)} pages of {sum(f == fold for f in fold_of.values())} sites", flush=True)
    for track in tracks:  # kept with --keep, to read what unseen sites get wrong
        (workdir / f"cv-pred-{track}.jsonl").write_text("\n".join(json.dumps(p, default=str) for p in preds[track]))
    return {t: scorer.score(truth, {p["id"]: p for p in preds[t]}) for t in tracks}


#: Runs of each stage in the speed line; the fastest counts.
SPEED_RUNS = 7


def stage_speed(bench: Path, track: str) -> dict:
    """Per-stage speed on one core (this process) over one track's texts: MB of input text per second."""
    from datetime import UTC, datetime

    from news_etl import metadata
    from news_etl.articles import build_article
    from news_etl.cleaning import clean
    from news_etl.linemodel import default_model
    from news_etl.reading import read_file
    from news_etl.ruleset import load_rules
    from news_etl.settings import Limits

    rules, model = load_rules(), default_model()
    folder = bench / track
    names = sorted(p.name for p in folder.iterdir())
    at = datetime(2026, 1, 1, tzinfo=UTC)
    records = [read_file(folder, n, Limits()).records[0] for n in names]
    mb = sum(len(r.text.encode("utf-8")) for r in records) / 1e6

    def runs(fn) -> list[float]:
        # The fastest of SPEED_RUNS runs counts, as in timeit: this VM's neighbours add noise of +-30% to any one
        # run (three runs in a row of the same code read 1.61, 1.95 and 2.25 MB/s on 2026-12-01). The median is
        # reported beside it, so that the noise of the day shows.
        times = []
        for _ in range(SPEED_RUNS):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return times

    out = {
        "read_s": runs(lambda: [read_file(folder, n, Limits()) for n in names]),
        "clean_rules_s": runs(lambda: [clean(r.text, rules) for r in records]),
        "clean_model_s": runs(lambda: [clean(r.text, rules, model=model) for r in records]),
        "header_s": runs(lambda: [metadata.extract_header(r.text.split("\n"), reference=at) for r in records]),
        "build_article_s": runs(
            lambda: [
                build_article(r, source_path=n, file_hash="x", run_id="bench", ingested_at=at, rules=rules, model=model)
                for r, n in zip(records, names, strict=True)
            ]
        ),
    }
    speeds = {k.replace("_s", "_mb_per_s"): round(mb / min(v), 2) for k, v in out.items()}
    medians = {k.replace("_s", "_mb_per_s_median"): round(mb / statistics.median(v), 2) for k, v in out.items()}
    return {"text_mb": round(mb, 2), "files": len(names), "runs": SPEED_RUNS, **speeds, **medians}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--newsbench", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    parser.add_argument("--tracks", nargs="*", default=list(TRACKS))
    parser.add_argument("--keep", action="store_true", help="keep the work folder (predictions, lakes)")
    parser.add_argument(
        "--no-cv", action="store_true", help="skip the cross-validation by site (five more models and ingests)"
    )
    args = parser.parse_args(argv)
    bench = args.newsbench.resolve()
    scorer = load_scorer(bench)
    truth = scorer.read_jsonl(str(bench / "truth.jsonl"))
    workdir = Path(tempfile.mkdtemp(prefix="news-etl-extraction-"))
    results = {}
    all_preds = {}
    for track in args.tracks:
        preds, stats = run_track(bench, track, workdir)
        all_preds[track] = preds
        (workdir / f"pred-{track}.jsonl").write_text("\n".join(json.dumps(p, default=str) for p in preds))
        score = scorer.score(truth, {p["id"]: p for p in preds})
        results[track] = {**score, **stats}
    # Generalisation beside the dev figures: every track and field scored on sites the line model never saw.
    cv = {} if args.no_cv else cv_by_site(bench, [t for t in args.tracks if t in TRACKS], workdir, scorer, truth)
    results["cv_by_site"] = cv
    lines = [
        "| input | no cleaning | trafilatura 2.3.1 (HTML) | news-etl | P | R | unseen sites (CV) | goal | title |"
        " authors | date | files/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for track, r in [(k, v) for k, v in results.items() if k in TRACKS]:
        r["body_f1_unseen_sites_cv"] = cv.get(track, {}).get("body_f1")
        none, traf = REFERENCE[track]
        met = _met(r["body_f1"], cv.get(track, {}).get("body_f1"), GOALS[track])
        lines.append(
            f"| {TRACKS[track][2]} | {none if none is not None else '-'} | {traf} | **{r['body_f1']:.3f}** | "
            f"{r['body_precision']:.3f} | {r['body_recall']:.3f} | {cv.get(track, {}).get('body_f1', '-')} | "
            f">= {GOALS[track]} ({met}) | "
            f"{r['title_accuracy']} | {r['author_f1']} | {r['date_accuracy']} | "
            f"{r['files'] / r['seconds']:.1f} |"
        )
    lines += [
        "",
        "Metadata (title exact after normalising, author-set F1, same day):",
        "",
        "| input | title | authors | date | unseen sites (CV): title / authors / date | "
        "goal (title / authors / date) | trafilatura (HTML) | "
        "labels present in the input (title / all authors / day) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for track, r in [(k, v) for k, v in results.items() if k in TRACKS]:
        goal = META_GOALS.get(track)
        got = (r["title_accuracy"] or 0, r["author_f1"] or 0, r["date_accuracy"] or 0)
        c = cv.get(track)
        got_cv = (c["title_accuracy"], c["author_f1"], c["date_accuracy"]) if c else (None, None, None)
        goal_txt = "-"
        if goal:
            met = [_met(g, gc, want) for g, gc, want in zip(got, got_cv, goal, strict=True)]
            goal_txt = " / ".join(f">= {want} ({m})" for want, m in zip(goal, met, strict=True))
        traf = " / ".join(str(x) for x in META_TRAFILATURA[track]) if track in META_TRAFILATURA else "-"
        present = "-"
        if track != "html":
            ceiling = label_ceiling(bench, track, truth)
            results[track]["labels_present"] = ceiling
            present = f"{ceiling['title']} / {ceiling['authors']} / {ceiling['date']}"
        cv_txt = f"{c['title_accuracy']} / {c['author_f1']} / {c['date_accuracy']}" if c else "-"
        lines.append(
            f"| {TRACKS[track][2]} | **{got[0]:.3f}** | **{got[1]:.3f}** | **{got[2]:.3f}** | {cv_txt} | "
            f"{goal_txt} | {traf} | {present} |"
        )
    noise = {t: year_disagreements(truth, all_preds[t]) for t in args.tracks if t in TRACKS}
    for t, (same, misses) in noise.items():
        results[t]["date_misses_label_year_differs"] = {"same_month_and_day": same, "misses": misses}
    lines += [
        "",
        "Date misses whose label has the predicted month and day in another year (the page shows the predicted "
        "year; the label's year disagrees with it): "
        + ", ".join(f"{TRACKS[t][2]} {same} of {misses}" for t, (same, misses) in noise.items())
        + ".",
    ]
    for track in ("article", "full"):
        speed = stage_speed(bench, track)
        results[f"speed_one_core_{track}"] = speed
        lines += [
            "",
            f"Per-stage speed, one core (best of {SPEED_RUNS} runs), {speed['files']} {TRACKS[track][2]} files "
            f"({speed['text_mb']} MB): "
            f"read {speed['read_mb_per_s']} MB/s, clean (rules) {speed['clean_rules_mb_per_s']} MB/s, "
            f"**clean (rules + line model) {speed['clean_model_mb_per_s']} MB/s**, header metadata "
            f"{speed['header_mb_per_s']} MB/s, whole article (clean + metadata + language) "
            f"{speed['build_article_mb_per_s']} MB/s. Medians of the {SPEED_RUNS} runs: clean (rules + line "
            f"model) {speed['clean_model_mb_per_s_median']} MB/s, whole article "
            f"{speed['build_article_mb_per_s_median']} MB/s.",
        ]
    lines += [
        "",
        "Unseen sites (CV): five line models and headline, byline and date rankers, each trained without one fold of "
        "dev's sites (the folds of `make train-line-model`), each ingesting its own fold's pages through the "
        "real pipeline (rules, prose guard, metadata; NLP off, as nothing scored depends on it); the five "
        "folds are scored together. The rules and the metadata extractor are not trained, and were written "
        "looking at dev: their part of the gap to unseen sites does not show here; the hidden split is the "
        "honest judge.",
        "",
    ]
    bbc = bench.parent.parent / "corpora" / "bbc"
    if bbc.is_dir():
        losses = clean_text_losses(bbc)
        results["clean_text_losses"] = losses
        lines.append(
            f"False removals on clean text: {losses['words_removed']:,} of {losses['words']:,} body words "
            f"({100 * losses['false_removal_rate']:.2f}%) removed from {losses['files']} BBC articles."
        )
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "extraction.md").write_text(table + "\n")
    (args.out / "extraction.json").write_text(json.dumps(results, indent=2))
    print(f"\nwritten: {args.out / 'extraction.md'}, {args.out / 'extraction.json'}; work folder {workdir}")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
