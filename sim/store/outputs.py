"""Where dipsim may write: its own outputs, or places where nothing is.

The rules, checked before any computing and again just before anything is
replaced:

* an output folder may be new, empty, or an earlier dipsim output *of the same
  kind* holding only what dipsim writes there; a run never replaces a sweep or
  a backtest, nor the other way round;
* a symbolic link, an existing file, a non-empty folder without dipsim's
  signature, or a dipsim folder holding anything else (someone's notes, say) is
  refused, and nothing in it is touched;
* a report file is overwritten only if it is a dipsim report, or with ``--force``;
* folder names made from a scenario's free-text ``name`` are slugs, so they
  cannot climb out of ``results/``.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from sim.errors import OutputError, ResultsError
from sim.store.atomic import is_temporary
from sim.store.manifest import MANIFEST, Kind, read_manifest

REPORT_SIGNATURE = '<meta name="generator" content="dipsim'
_REPORT = "report.html"
# What each kind of folder holds besides its manifest and tables (a report.html must carry the signature).
_OWNED = {
    "run": frozenset(),
    "sweep": frozenset({"outcomes", "events", "rounds", "texts", "samples", "sensitivity.parquet"}),
    "backtest": frozenset({"backtest.parquet", "backtest.csv", "classes.parquet", "classes.csv", "runs"}),
}


def slug(text: str, fallback: str = "scenario") -> str:
    """A safe folder name from free text: ASCII letters, digits, '_', '.', '-'; never '..' or hidden."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_text)
    name = re.sub(r"\.{2,}", ".", name).strip(".-")[:64].strip(".-")
    return name or fallback


def entries(folder: Path) -> list[Path]:
    """What a folder holds, leaving out dipsim's own temporary names."""
    return sorted(p for p in folder.iterdir() if not is_temporary(p.name))


def check_output_folder(folder: Path, kind: Kind, option: str = "--out") -> None:
    """Refuse ``folder`` as the destination of a new ``kind`` unless replacing it loses nothing."""
    folder = Path(folder)
    if folder.is_symlink():
        raise OutputError(f"{option} {folder} is a symbolic link; give a real folder (nothing was written)")
    if not folder.exists():
        return
    if not folder.is_dir():
        raise OutputError(f"{option} {folder} is an existing file, not a folder; choose another {option}")
    held = entries(folder)
    if not held:
        return
    if not (folder / MANIFEST).exists():
        raise OutputError(
            f"{folder} is not empty and dipsim did not write it (no dipsim manifest); "
            f"choose another {option} so nothing in it is overwritten"
        )
    try:
        manifest = read_manifest(folder)
    except ResultsError as error:
        raise OutputError(
            f"{folder} is not empty and is not a dipsim output folder: {error}. "
            f"Choose another {option} so nothing in it is overwritten"
        ) from None
    manifest = manifest.info
    if manifest.kind != kind:
        raise OutputError(
            f"{folder} holds a dipsim {manifest.kind}; a {kind} never replaces a {manifest.kind}. "
            f"Choose another {option}"
        )
    owned = {MANIFEST, *(f"{table}.parquet" for table in getattr(manifest, "tables", ())), *_OWNED[kind]}
    foreign = [p.name for p in held if p.name not in owned and not (p.name == _REPORT and is_report(p))]
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise OutputError(
            f"{folder} is a dipsim {kind} but also holds files dipsim did not write ({shown}); "
            f"choose another {option} so they are not lost"
        )


def check_container(folder: Path, members: list[str], option: str = "--out") -> None:
    """A folder of run folders (``run --protocol all``): each member a run, and nothing else in it."""
    folder = Path(folder)
    if folder.is_symlink():
        raise OutputError(f"{option} {folder} is a symbolic link; give a real folder (nothing was written)")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{option} {folder} is an existing file, not a folder; choose another {option}")
    if folder.exists():
        foreign = [p.name for p in entries(folder) if p.name not in members]
        if foreign:
            raise OutputError(
                f"{folder} holds {', '.join(foreign[:5])}, which dipsim did not write there; "
                f"choose another {option}"
            )
    for member in members:
        check_output_folder(folder / member, "run", option)


def is_report(path: Path) -> bool:
    """A file that dipsim's report writer made (its head carries the generator signature)."""
    try:
        with path.open("rb") as stream:
            return REPORT_SIGNATURE.encode() in stream.read(4096)
    except OSError:
        return False


def check_report_file(path: Path, force: bool, option: str = "--out") -> None:
    """Refuse to overwrite anything but a dipsim report, unless ``force``."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder; give the report's file name")
    if force or not (path.exists() or path.is_symlink()):
        return
    if path.is_symlink():
        raise OutputError(f"{option} {path} is a symbolic link; pass --force to replace the link itself")
    if not is_report(path):
        raise OutputError(f"{option} {path} exists and is not a dipsim report; pass --force to overwrite it")
