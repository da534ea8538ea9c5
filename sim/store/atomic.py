"""The one way dipsim puts a file or a folder in place: whole, or not at all.

Every file is written under a unique dot-name in its destination folder and
renamed over the destination with ``os.replace``, so a reader never sees half a
file. If writing fails -- an error, a full disk, Ctrl-C -- the temporary file
is removed before the error goes on, so a failed command leaves no ``.X.tmp``
behind. Folders (a run, a backtest) are built the same way under a unique
``.X.<random>.partial`` name; a folder they replace is first moved aside under a
dot-name and deleted only once the new one is in place, so a kill at any moment
leaves either the old folder or the new one, never neither.

Only a process killed with SIGKILL can leave a temporary name behind; such
names match :func:`is_temporary` and every reader ignores them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

_TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]{6,}\.(?:tmp|partial|replaced)$")


def is_temporary(name: str) -> bool:
    """A name this module gives to files and folders that are not (or no longer) in place."""
    return bool(_TEMPORARY.match(name))


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(temporary)``, then move the temporary file over ``path``; clean up on any failure."""
    path = Path(path)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    return write_atomically(path, lambda temporary: temporary.write_bytes(data))


def write_text(path: Path, text: str) -> Path:
    return write_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def write_json(path: Path, document: Any) -> Path:
    return write_text(path, json.dumps(document, indent=2) + "\n")


def write_parquet(table: pa.Table, path: Path) -> Path:
    """One Parquet file: page checksums on (readers verify them), no dictionary encoding of floats.

    Dictionary-encoding float columns costs write time and makes the files
    larger (their values rarely repeat); categorical and integer columns keep it.
    """
    dictionary = [
        field.name
        for field in table.schema
        if not (pa.types.is_floating(field.type) or pa.types.is_boolean(field.type))
    ]
    return write_atomically(
        path,
        lambda temporary: pq.write_table(
            table, temporary, write_page_checksum=True, use_dictionary=dictionary or False
        ),
    )


@contextmanager
def staged_folder(target: Path, check: Callable[[], None] | None = None) -> Iterator[Path]:
    """Yield an empty hidden folder beside ``target``; on success it replaces ``target`` whole.

    ``check`` runs again just before the swap (the destination was checked
    before computing, but something may have appeared there since). On any
    failure the staging folder is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        yield staging
        if check is not None:
            check()
        replace_folder(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def replace_folder(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target``; an existing ``target`` is moved aside, then deleted."""
    if not target.exists():
        os.replace(new, target)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".replaced", dir=target.parent))
    os.replace(target, aside / target.name)
    os.replace(new, target)
    shutil.rmtree(aside, ignore_errors=True)
