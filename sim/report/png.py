"""PNG export of report figures through kaleido, which needs a Chromium it can drive."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from sim.errors import DipsimError
from sim.report.plain import plain_figure

INSTALL_HINT = (
    "PNG export needs kaleido and a Chromium: pip install 'dipsim[png]', then install a browser "
    "(Debian: apt-get install chromium-headless-shell) or point BROWSER_PATH at one"
)


class PngUnavailableError(DipsimError):
    """PNG export cannot run here; the message says what to install."""


def find_browser() -> str | None:
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    for name in ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def export_png(named: list[tuple[str, go.Figure]], folder: Path) -> list[Path]:
    try:
        import kaleido  # noqa: F401 - only checking it is installed
    except ImportError:
        raise PngUnavailableError(INSTALL_HINT) from None
    browser = find_browser()
    if browser is None:
        raise PngUnavailableError(INSTALL_HINT)
    os.environ["BROWSER_PATH"] = browser  # kaleido (through choreographer) reads it
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{slug}.png" for slug, _ in named]
    try:  # one browser session for every figure
        pio.write_images(
            [plain_figure(figure) for _, figure in named],
            paths,
            width=1200,
            height=[figure.layout.height or 600 for _, figure in named],
        )
    except Exception as error:  # any failure of the browser bridge means the same to the user
        raise PngUnavailableError(
            f"kaleido could not render with {browser}: {error}. {INSTALL_HINT}"
        ) from None
    return paths
