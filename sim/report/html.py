"""Assemble figures into one self-contained HTML file: plotly.js inlined once, no CDN, works offline."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from sim import __version__
from sim.report.plain import plain_figure
from sim.store.outputs import REPORT_SIGNATURE

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #222; }
header { background: #1f3a5f; color: white; padding: 1.2em 2em; }
header h1 { margin: 0 0 .3em 0; font-size: 1.6em; }
header dl { display: grid; grid-template-columns: max-content auto; gap: .15em 1em; margin: .6em 0 0 0;
  font-size: .9em; }
header dt { opacity: .75; } header dd { margin: 0; }
main { max-width: 1200px; margin: 0 auto; padding: 1em 2em 3em 2em; }
section { margin-top: 2em; } section h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; }
p.intro { color: #555; max-width: 60em; }
pre.story { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: .85em; line-height: 1.35; }
table { border-collapse: collapse; font-size: .88em; margin: .5em 0 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: .3em .8em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
footer { color: #888; font-size: .8em; margin-top: 3em; }
"""


@dataclass
class Section:
    title: str
    intro: str = ""
    figures: list[go.Figure] = field(default_factory=list)
    preformatted: str = ""
    table: list[tuple[str, ...]] = field(default_factory=list)  # a header row, then rows: shown as text


def page(title: str, facts: dict[str, str], sections: list[Section]) -> str:
    """The whole report as one HTML string."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'{REPORT_SIGNATURE} {html.escape(__version__)}">',  # how dipsim knows a report it may overwrite
        f"<title>{html.escape(title)}</title>",
        f"<style>{_STYLE}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head><body>",
        f"<header><h1>{html.escape(title)}</h1><dl>",
        *(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts.items()),
        "</dl></header><main>",
    ]
    count = 0
    for section in sections:
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>")
        if section.intro:
            parts.append(f'<p class="intro">{html.escape(section.intro)}</p>')
        if section.preformatted:
            parts.append(f'<pre class="story">{html.escape(section.preformatted)}</pre>')
        if section.table:
            parts.append(_table(section.table))
        for figure in section.figures:
            count += 1
            parts.append(
                pio.to_html(
                    plain_figure(figure),
                    full_html=False,
                    include_plotlyjs=False,
                    div_id=f"figure-{count}",
                    config={"displaylogo": False, "responsive": True},
                )
            )
        parts.append("</section>")
    parts.append(
        "<footer>Made by dipsim from the results folder alone; open anywhere, no network needed."
        "</footer></main></body></html>"
    )
    return "\n".join(parts)


def _table(rows: list[tuple[str, ...]]) -> str:
    """An HTML table of text cells, every cell escaped: scenario names are shown, never acted on."""
    head, *body = rows
    cells = "".join(f"<th>{html.escape(c)}</th>" for c in head)
    lines = [f"<table><thead><tr>{cells}</tr></thead><tbody>"]
    for row in body:
        lines.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
    lines.append("</tbody></table>")
    return "".join(lines)


def figure_count(sections: list[Section]) -> int:
    return sum(len(s.figures) for s in sections)
