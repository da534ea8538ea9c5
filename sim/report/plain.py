"""User text in figures is text: never markup that plotly would act on.

Plotly renders a small HTML dialect in every label, title, hover and
annotation, and keeps ``style`` and ``href`` attributes: a scenario label
holding ``<span style="background-image:url(http://...)">`` would make the report
fetch that URL when opened, and ``<a href=...>`` would become a live link. Two
layers stop that:

* :func:`plain` escapes a user string where it enters a figure, so it shows
  exactly as written (plotly turns ``&lt;`` back into a visible ``<``);
* :func:`plain_figure` walks the finished figure and escapes every ``<`` that
  does not open one of the few attribute-free tags dipsim writes itself, so a
  string that missed the first layer still cannot carry markup.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import plotly.graph_objects as go

_OWN_TAGS = re.compile(r"<(?:br|/?b|/?extra)>")  # the only markup dipsim itself puts in figures


def plain(text: object) -> str:
    """A user string as plotly text that shows it verbatim."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _neutralise(text: str) -> str:
    if "<" not in text and ">" not in text:
        return text
    pieces, position = [], 0
    for tag in _OWN_TAGS.finditer(text):
        pieces.append(text[position : tag.start()].replace("<", "&lt;").replace(">", "&gt;"))
        pieces.append(tag.group())
        position = tag.end()
    pieces.append(text[position:].replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(pieces)


def _walk(value: Any) -> Any:
    if isinstance(value, str):
        return _neutralise(value)
    if isinstance(value, dict):
        return {key: _walk(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(item) for item in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
        return np.array([_walk(item) for item in value.tolist()], dtype=object)
    return value


def plain_figure(figure: go.Figure) -> dict[str, Any]:
    """The figure as plotly JSON with no markup but dipsim's own ``<br>``, ``<b>`` and ``<extra>``."""
    return _walk(figure.to_plotly_json())
