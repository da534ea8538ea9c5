"""Read a user's input file as text, or refuse it in one located line.

Every file dipsim reads on a user's behalf -- scenarios and their ``extends``
bases, evidence files and articles, backtest cases, import tables, results
manifests -- comes through :func:`read_text`. It refuses what cannot be a text
input before reading it (folders, devices such as ``/dev/zero``, FIFOs that
would block forever, files over the size cap) and what is not clean UTF-8 text
after reading it (UTF-16 or UTF-32, invalid bytes, NUL and other control
characters), naming the line where the first offending byte sits.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from sim.errors import InputError, Location, Problem

MAX_INPUT_BYTES = 4 * 1024 * 1024  # far above any real scenario, evidence file, case or table
_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
# C0 controls except tab, line feed and carriage return; DEL; C1 controls (ESC-free terminal sequences).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def display_name(path: Path) -> str:
    """Paths relative to the working directory read better in messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def read_text(path: Path, *, shown: str | None = None, limit: int = MAX_INPUT_BYTES) -> str:
    """The file's text, or :class:`InputError` naming the file, the line and what is wrong."""
    shown = shown if shown is not None else display_name(path)
    raw = _read_bytes(path, shown, limit)
    return decode_text(raw, shown)


def decode_text(raw: bytes, shown: str) -> str:
    """Strict UTF-8 (a leading byte-order mark is dropped) with no control characters."""

    def refuse(offset: int, message: str) -> InputError:
        line = raw[:offset].count(b"\n") + 1
        return InputError([Problem(Location(shown, line), (), message)])

    for mark, encoding in _BOMS:
        if raw.startswith(mark):
            raise refuse(0, f"the file is {encoding} text; save it as UTF-8")
    nul = raw.find(b"\x00")
    if nul >= 0:
        hint = " (UTF-16 text?)" if raw[1::2].count(0) > len(raw) // 4 else ""
        raise refuse(nul, f"NUL byte: the file is binary or not UTF-8{hint}; save it as UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise refuse(
            error.start, f"byte 0x{raw[error.start]:02X} is not UTF-8; save the file as UTF-8"
        ) from None
    text = text.removeprefix("\ufeff")
    control = _CONTROL.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        column = control.start() - (text.rfind("\n", 0, control.start()) + 1) + 1
        code = f"U+{ord(control.group()):04X}"
        problem = Problem(
            Location(shown, line), (), f"control character {code} at column {column}; remove it"
        )
        raise InputError([problem])
    return text


def _read_bytes(path: Path, shown: str, limit: int) -> bytes:
    def refuse(message: str) -> InputError:
        return InputError([Problem(Location(shown, 1), (), message)])

    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise refuse("no such file") from None
    except OSError as error:
        raise refuse(f"cannot read: {error.strerror}") from None
    if stat.S_ISDIR(status.st_mode):
        raise refuse("is a folder, not a file")
    if not stat.S_ISREG(status.st_mode):
        raise refuse("is not a regular file (a device, FIFO or socket); refusing to read it")
    if status.st_size > limit:
        raise refuse(f"is {status.st_size:,} bytes; input files may be at most {limit:,} bytes")
    try:
        # O_NONBLOCK: a file swapped for a FIFO after the check above must not block the read.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise refuse(f"cannot read: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise refuse("is not a regular file (a device, FIFO or socket); refusing to read it")
        raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise refuse(f"is more than {limit:,} bytes; input files may be at most {limit:,} bytes")
    return raw
