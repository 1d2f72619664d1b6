"""Discovery: walk the inbox and yield the files no committed run has seen, in a stable order.

A file is known by ``(path, size, mtime)``; an unchanged file costs one ``stat`` and one key in a single
ledger lookup. Files still being written (temp names, too young) are left for a later run; a folder or
file that cannot be reached is yielded with a problem code, so it ends in quarantine, never in silence.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from news_etl.values import display_path

log = logging.getLogger(__name__)

# Names scrapers and editors use while a file is still being written: never picked up.
_PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download", ".swp", "~")


@dataclass(frozen=True)
class InboxFile:
    source_path: str  # relative to the inbox, POSIX separators; always valid UTF-8 (see display_path)
    size_bytes: int
    mtime_ns: int
    fs_path: str | None = None  # the name on disk when it differs from source_path (bytes that are not UTF-8)
    problem_code: str | None = None  # discovery could not reach it (unreadable folder, path too long)
    problem: str | None = None  # ... and why, in a sentence


def is_candidate_name(name: str) -> bool:
    """Dotfiles and temp names are files still being written or not meant for us."""
    lower = name.lower()
    return not (name.startswith(".") or name.startswith("~") or lower.endswith(_PARTIAL_SUFFIXES))


def discover(
    inbox: Path,
    known: Collection[tuple[str, int, int]] | Callable[[list[tuple[str, int, int]]], Collection[tuple]],
    now_ns: int,
    min_age_seconds: int = 0,
    counts: dict[str, int] | None = None,
    folder_marks: dict[str, int] | None = None,
    settled: dict[str, int] | None = None,
) -> Iterator[InboxFile]:
    """Yield inbox files not already in the ledger, in a stable (sorted) order.

    ``known``: the ``(source_path, size_bytes, mtime_ns)`` of files already ingested, or a function that is
    given every key the walk found and returns those already ingested (one lookup against the ledger, not
    the ledger loaded). An unchanged file is skipped without reading it, so a run with nothing new costs one
    ``stat`` per file.
    Symlinks are yielded (the reader decides whether they stay inside the inbox); directories behind
    symlinks are not walked. ``counts`` (if given) gets ``unchanged``: files of this inbox already in the
    ledger, and ``too_young``: files left for a later run by ``min_age_seconds``.

    Watermark discovery (for inboxes that only gain files): ``folder_marks`` maps a folder (relative to the
    inbox, ``.`` for its top) to the mtime it had when every file in it was last found committed. A folder
    whose mtime is still that one has gained, lost and renamed nothing since, so its files are not looked at
    (no ``stat``, no ledger lookup); its subfolders are still walked. A file rewritten in place does not
    change its folder's mtime: this mode is for scrapers that write new names (or write, then rename).
    ``settled`` (if given) gets the folders whose files were all found committed and which have not changed
    for two seconds before ``now_ns``: the marks a caller may record for the next walk.
    """
    counts = counts if counts is not None else {}
    counts.setdefault("unchanged", 0)
    counts.setdefault("too_young", 0)
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox {inbox} does not exist or is not a directory")
    if not os.access(inbox, os.R_OK | os.X_OK):
        raise PermissionError(f"inbox {inbox} cannot be listed (no read/execute permission)")
    min_age_ns = min_age_seconds * 1_000_000_000
    # A folder the walk cannot open, or a path too long to stat, is reported as a problem entry (it ends in
    # the ledger and quarantine like any unreadable file), never skipped in silence.
    unreachable: list[OSError] = []
    found: list[InboxFile] = []
    folder_mtime: dict[str, int] = {}  # folders looked into (watermark discovery), with their mtime
    dirty: set[str] = set()  # of those, folders with a file not (yet) committed
    for dirpath, dirnames, filenames in os.walk(inbox, followlinks=False, onerror=unreachable.append):
        found.extend(_problems(inbox, unreachable))
        # Walk in sorted order so batches are deterministic; skip hidden folders (.git, .staging).
        dirnames[:] = sorted(d for d in dirnames if is_candidate_name(d))
        # As stored (display_path): a folder name that is not UTF-8 is kept, and looked up, in its escaped form.
        folder = display_path(Path(dirpath).relative_to(inbox).as_posix())
        if folder_marks is not None:
            try:
                mtime = os.stat(dirpath).st_mtime_ns
            except OSError:
                mtime = -1
            if folder_marks.get(folder) == mtime:
                counts["unchanged"] += sum(1 for name in filenames if is_candidate_name(name))
                continue
            folder_mtime[folder] = mtime
        for name in sorted(filenames):
            if not is_candidate_name(name):
                continue
            full = Path(dirpath) / name
            rel = full.relative_to(inbox).as_posix()
            try:
                st = full.lstat()
            except FileNotFoundError:  # vanished between listdir and stat: nothing left to ingest
                continue
            except OSError as exc:
                unreachable.append(exc)
                found.extend(_problems(inbox, unreachable))
                continue
            if min_age_ns and stat.S_ISREG(st.st_mode) and now_ns - st.st_mtime_ns < min_age_ns:
                log.info("skipping %s: modified less than %ss ago", display_path(rel), min_age_seconds)
                counts["too_young"] += 1
                dirty.add(folder)
                continue
            shown = display_path(rel)
            found.append(InboxFile(shown, st.st_size, st.st_mtime_ns, fs_path=rel if shown != rel else None))
    found.extend(_problems(inbox, unreachable))
    keys = [(f.source_path, f.size_bytes, f.mtime_ns) for f in found]
    done = known(keys) if callable(known) else known
    new: list[InboxFile] = []
    for f, key in zip(found, keys, strict=True):
        if key in done:
            # A problem entry in the ledger: a folder that stays unreadable is reported once, not every run.
            if not f.problem_code:
                counts["unchanged"] += 1
            continue
        if f.problem_code:
            log.warning("%s %s", f.source_path, f.problem)
        new.append(f)
    if settled is not None:
        for f in new:
            on_disk = f.fs_path or f.source_path
            dirty.add(display_path(on_disk.rsplit("/", 1)[0] if "/" in on_disk else "."))
            if f.problem_code:  # a folder that could not be read is never marked done
                dirty.add(display_path(on_disk))
        settle_ns = now_ns - 2_000_000_000  # a folder changed this recently may still be gaining files
        settled.update({d: m for d, m in folder_mtime.items() if d not in dirty and 0 <= m < settle_ns})
    yield from new


def _problems(inbox: Path, errors: list[OSError]) -> Iterator[InboxFile]:
    """Problem entries for the walk's errors so far (the list is emptied), keyed ``(path, 0, mtime)``: in the
    ledger, that key keeps a folder that stays unreadable from being reported again on every run."""
    while errors:
        exc = errors.pop(0)
        where = Path(os.fsdecode(exc.filename)) if exc.filename is not None else inbox
        try:
            rel = where.relative_to(inbox).as_posix()
        except ValueError:
            rel = where.as_posix()
        if exc.errno == errno.ENAMETOOLONG:
            code, why = "path_too_long", "its path is longer than the system allows (PATH_MAX); shorten it"
        elif exc.errno in (errno.EACCES, errno.EPERM):
            code, why = (
                "unreadable",
                (
                    "cannot be opened (permission denied); once its permissions are fixed, "
                    "the next run picks up what is in it"
                ),
            )
        else:
            code, why = "unreadable", f"cannot be opened: {exc.strerror or exc}"
        try:
            mtime_ns = where.lstat().st_mtime_ns
        except OSError:
            mtime_ns = 0
        shown = display_path(rel)
        yield InboxFile(shown, 0, mtime_ns, fs_path=rel if shown != rel else None, problem_code=code, problem=why)
