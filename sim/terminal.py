"""What dipsim prints goes through here, so nobody's scenario can drive the user's terminal.

Names, labels and quotes come from files that someone else may have written. A
control character in them would reach the terminal raw: ``ESC ] 0 ; ... BEL``
sets the window title, ``ESC [ 2 J`` clears the screen, and bidirectional
overrides reorder what the reader sees. :func:`terminal_safe` prints each such
character as a visible escape (``\\x1b``, ``\\u202e``) instead; tabs and line
breaks pass unchanged.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

_UNSAFE = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F)]
_UNSAFE += [*range(0x2066, 0x206A), 0x061C, 0x200E, 0x200F]
_ESCAPES = {code: (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}") for code in _UNSAFE}


def terminal_safe(text: str) -> str:
    """``text`` with every character that could steer a terminal written as a visible escape."""
    return text.translate(_ESCAPES)


class SafeStream(io.TextIOBase):
    """A text stream that escapes unsafe characters before they reach the one it wraps."""

    def __init__(self, stream: TextIO) -> None:
        self.unescaped = stream  # for the progress bar, whose own escapes are wanted

    def write(self, text: str) -> int:
        self.unescaped.write(terminal_safe(text))
        return len(text)

    def flush(self) -> None:
        self.unescaped.flush()

    def isatty(self) -> bool:
        return self.unescaped.isatty()

    def fileno(self) -> int:
        return self.unescaped.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.unescaped, "encoding", "utf-8")


@contextmanager
def safe_output() -> Iterator[None]:
    """Escape everything printed to stdout and stderr while the block runs."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def raw_stderr() -> TextIO:
    """The stream under any escaping wrapper: for tqdm's bar, which draws with \\r on purpose."""
    return getattr(sys.stderr, "unescaped", sys.stderr)


def plural(count: int, noun: str) -> str:
    """'1 problem', '3 problems'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def number(value: float) -> str:
    """Three significant figures, thousands separated, for a reader: 0.404, 36.5, 1,880, 8,294."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
