"""The explorer's page, as Solara components: sliders on the left, the latest move's results on the right.

Each open page gets its own :class:`sim.explore.live.Live` (its choices, its run folders, its worker)
and two reactive values: ``shown`` (what the worker last published; set only by the worker) and
``requested`` (the number of the newest request; set only by the page's controls). Comparing them
says whether the page is up to date. Controls never read ``shown``, so a result arriving redraws only
the results, and a slider moving redraws only that slider.

Text from the scenario (names, labels, units, the story) is passed to widgets as text children or
plain props, which Vue renders as text; nothing here is markdown or HTML that the page would act on.
Components are named like classes, as Solara and React name them (hence the noqa: N802).
"""

from __future__ import annotations

import json
from pathlib import Path

import reacton.ipyvuetify as rv
import solara

from sim.errors import DipsimError
from sim.explore.live import Live, Shown
from sim.explore.plot import PlotlyFigure
from sim.explore.session import Explorer, Slider

_served: dict[str, object] = {}  # the Explorer and the temporary root, set by sim.explore.server

MEANING = (
    "Each share is the {meaning}: a property of the model under the inputs it was given, not a "
    "probability of the world. The 95 % Wilson intervals narrow with more replicates, which says "
    "nothing about whether the coded inputs are right."
)
SAME_SEED = (
    "Every move re-runs the replicates with the same seed (common random numbers): the negotiation's own "
    "draws repeat exactly, so a difference between two moves is the parameters' doing, not sampling "
    "noise. The sampled inputs repeat too: fixing, moving or freeing one parameter changes that "
    "parameter and nothing else."
)
CSS = """
.dipsim-parameter { padding: 6px 0 4px 0; border-bottom: 1px solid #eee; }
.dipsim-label { font-size: 13px; font-weight: 500; }
.dipsim-value { display: flex; align-items: center; justify-content: space-between; gap: 8px;
                font-size: 12px; color: #444; }
.dipsim-value .v-switch { flex: none; }
.dipsim-value .v-label { font-size: 12px; }
.dipsim-value .v-selection-control { min-height: 28px; }
.dipsim-controls .v-expansion-panel-text__wrapper { padding: 4px 12px 8px 12px; }
"""
TOGGLE = "Moving a slider fixes its parameter; switch it off to sample the parameter over its range again."


def configure(explorer: Explorer, root: Path) -> None:
    """What the page serves: called by the server before it starts, in the same process."""
    _served["explorer"], _served["root"] = explorer, root


def _text(text: str, classes: str = "", style: str = "") -> rv.Html:
    """A block of text, shown as text."""
    return rv.Html(tag="div", children=[text], class_=classes, style_=style)


@solara.component
def Page() -> None:  # noqa: N802
    explorer, root = _served.get("explorer"), _served.get("root")
    if isinstance(explorer, Explorer) and isinstance(root, Path):
        Explore(explorer, root)
    else:
        _text("dipsim explorer: start the page with `dipsim explore SCENARIO`.")


@solara.component
def Explore(explorer: Explorer, root: Path) -> None:  # noqa: N802
    """The page: controls in a column of their own on the left, the newest move on the right."""
    shown = solara.use_reactive(Shown())
    requested = solara.use_reactive(0)
    resets = solara.use_reactive(0)
    live = solara.use_memo(lambda: Live(explorer, shown.set, root), [])

    def start() -> object:
        requested.set(live.request())
        return live.close  # the page was closed: stop its worker and remove its run folders

    solara.use_effect(start, [])
    solara.Title(f"dipsim explorer: {explorer.name}")
    solara.Style(CSS)
    with rv.Html(tag="div", style_="display: flex; align-items: flex-start"):
        with rv.Html(
            tag="div",
            class_="dipsim-controls",
            style_="width: 430px; flex: none; position: sticky; top: 0; height: 100vh; overflow-y: auto; "
            "border-right: 1px solid #ddd",
        ):
            Controls(explorer, live, requested, resets).key(f"controls-{resets.value}")
        with rv.Html(tag="div", style_="flex: 1; min-width: 0; padding: 0 20px 40px 20px"):
            rv.Html(tag="h2", children=[f"dipsim explorer: {explorer.name}"], style_="margin: 12px 0 4px 0")
            Outcomes(shown, requested)
            Figures(shown)
            Story(live, shown, requested)


@solara.component
def Controls(  # noqa: N802
    explorer: Explorer, live: Live, requested: solara.Reactive[int], resets: solara.Reactive[int]
) -> None:
    error = solara.use_reactive("")

    def set_run(replicates: int | None = None, seed: int | None = None) -> None:
        try:
            requested.set(live.set_run(replicates=replicates, seed=seed))
            error.set("")
        except DipsimError as refused:
            error.set(str(refused))

    def reset() -> None:
        requested.set(live.reset())
        resets.set(resets.value + 1)

    defaults = explorer.defaults
    with solara.Column(gap="4px", style="padding: 4px 8px"):
        with solara.Row(gap="8px"):
            solara.InputInt("replicates", value=defaults.replicates, on_value=lambda n: set_run(replicates=n))
            solara.InputInt("seed", value=defaults.seed, on_value=lambda n: set_run(seed=n))
        if error.value:
            _text(error.value, style="color: #b00020; font-size: 13px")
        solara.Button("Sample every parameter again", on_click=reset, outlined=True, small=True)
        _text(SAME_SEED, style="font-size: 12px; color: #555")
        _text(TOGGLE, style="font-size: 12px; color: #555")
        with rv.ExpansionPanels(multiple=True, variant="accordion"):
            for group, sliders in explorer.groups().items():
                with rv.ExpansionPanel():
                    rv.ExpansionPanelTitle(children=[f"{explorer.actor_title(group)} ({len(sliders)})"])
                    with rv.ExpansionPanelText():
                        for slider in sliders:
                            Parameter(slider, live, requested).key(slider.key)


@solara.component
def Parameter(slider: Slider, live: Live, requested: solara.Reactive[int]) -> None:  # noqa: N802
    """One uncertain parameter: its name, a slider over its range, and sampled-or-fixed."""
    value, set_value = solara.use_state(slider.start)
    fixed, set_fixed = solara.use_state(False)

    def move(new: float) -> None:
        new = float(new)
        if new == value and fixed:
            return
        number = live.fix(slider.key, new)  # the run starts first; the page catches up while it runs
        set_value(new)
        set_fixed(True)
        requested.set(number)

    def toggle(on: bool) -> None:
        number = live.fix(slider.key, value if on else None)
        set_fixed(on)
        requested.set(number)

    state = "fixed at the slider" if fixed else "sampled over its range"
    children = [
        _text(slider.label, classes="dipsim-label"),
        rv.Slider(
            v_model=value,
            on_v_model=move,
            min=slider.low,
            max=slider.high,
            step=slider.step,
            thumb_label=True,
            hide_details=True,
            density="compact",
            color="primary" if fixed else "grey",
        ),
        rv.Html(
            tag="div",
            class_="dipsim-value",
            children=[
                _text(f"{value:.4g} ({slider.unit}); range {slider.low:g} to {slider.high:g}"),
                solara.Switch(label=state, value=fixed, on_value=toggle),
            ],
        ),
    ]
    rv.Html(
        tag="div",
        class_="dipsim-parameter",
        attributes={"data-key": slider.key, "data-fixed": str(fixed).lower()},
        children=children,
    )


@solara.component
def Outcomes(shown: solara.Reactive[Shown], requested: solara.Reactive[int]) -> None:  # noqa: N802
    now = shown.value
    busy = now.answered < requested.value
    if now.run == 0:
        _text("Running the first move...", style="color: #555")
        return
    seconds = now.seconds
    timing = (
        f"Move {now.run}: {now.replicates:,} replicates; engine {seconds.get('engine', 0):.2f} s, "
        f"writing the run folder {seconds.get('writing', 0):.2f} s, reading it back "
        f"{seconds.get('reading', 0) + seconds.get('shares', 0):.2f} s"
        + (f"; figures {seconds['figures']:.2f} s" if "figures" in seconds else "")
        + (f"; story {seconds['story']:.2f} s" if "story" in seconds else "")
        + (" - running the newest move..." if busy else "")
    )
    rv.Html(
        tag="div",
        class_="dipsim-status",
        attributes={"data-seconds": json.dumps(seconds)},  # for the latency benchmark
        style_="font-size: 13px; color: #555",
        children=[timing],
    )
    if now.error:
        _text(now.error, classes="dipsim-error", style="color: #b00020; white-space: pre-wrap")
    rv.Html(tag="h3", children=["How the talks end"], style_="margin: 12px 0 4px 0")
    rv.Html(
        tag="div",
        class_="dipsim-outcome-shares",
        attributes={"data-run": str(now.run)},
        style_="font-size: 18px; line-height: 1.6",
        children=[rv.Html(tag="div", children=[line.text()]) for line in now.shares],
    )
    _text(MEANING.format(meaning=now.meaning), style="font-size: 13px; color: #555; margin-top: 4px")
    if now.escalation:
        _text(now.escalation, style="font-size: 13px; color: #555")


@solara.component
def Figures(shown: solara.Reactive[Shown]) -> None:  # noqa: N802
    now = shown.value
    if now.figures_run == 0:
        return
    lag = " (from an earlier move; updating...)" if now.figures_run != now.run else ""
    if now.causes is not None:
        rv.Html(tag="h3", children=["What ended the talks" + lag], style_="margin: 16px 0 4px 0")
        PlotlyFigure.element(figure=now.causes, revision=now.figures_run)
    if now.terms is not None:
        rv.Html(tag="h3", children=["Agreed terms" + lag], style_="margin: 16px 0 4px 0")
        PlotlyFigure.element(figure=now.terms, revision=now.figures_run)


@solara.component
def Story(live: Live, shown: solara.Reactive[Shown], requested: solara.Reactive[int]) -> None:  # noqa: N802
    now = shown.value
    if now.run == 0:
        return
    rv.Html(tag="h3", children=["One replicate's story"], style_="margin: 16px 0 4px 0")
    last = max(now.replicates - 1, 0)

    def choose(replicate: int | None) -> None:
        if replicate is not None and 0 <= replicate <= last:
            requested.set(live.set_replicate(replicate))

    solara.InputInt(
        f"replicate (0 to {last:,})", value=live.replicate, on_value=choose, style="max-width: 240px"
    )
    story = now.story
    if story is None:
        return
    lag = " (from an earlier move; updating...)" if now.story_run != now.run else ""
    _text(f"Replicate {story.replicate} of move {now.story_run}{lag}", style="font-size: 13px; color: #555")
    if story.why is not None:
        PlotlyFigure.element(figure=story.why, revision=now.story_run)
    rv.Html(
        tag="pre",
        children=[story.text],
        class_="dipsim-story",
        style_="font-size: 12px; white-space: pre-wrap",
    )
