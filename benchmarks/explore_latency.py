"""How long a slider move takes to show new outcome shares in `dipsim explore`, measured in a real browser.

    .venv/bin/python benchmarks/explore_latency.py [--replicates 2000 10000] [--moves 7] [--shots DIR]

For each replicate count it starts ``python -m sim explore scenarios/iran_talks.yaml --no-browser``,
opens the page in Debian's headless Chromium (Playwright, never a downloaded browser), expands
Israel's parameters, and moves the red-line probability slider with the keyboard, End and Home in
turn (0.7 and 0.1, so every move changes the shares). Each move starts from a quiet page: the
previous move's figures and story are drawn. Times are taken inside the page (``performance.now``):

* shares: from the keydown to the shares element showing the new move (a MutationObserver);
* everything: to the last figure of the move drawn by plotly.js and its story shown.

The server's own split comes from the page's status element (what the worker timed): engine (fixing
the parameter, sampling, the negotiation), writing the run folder, reading it back and computing the
shares, then the figures and the story. "the rest" is the shares time minus the server's part: the
key's trip to the server, Solara's render, the message back and the browser's update.

It prints figures and asserts nothing: speed is never a test. ``--shots DIR`` also saves screenshots.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.report.png import find_browser  # noqa: E402 - after making the repository importable

SCENARIO = ROOT / "scenarios" / "iran_talks.yaml"
KEY = "actors.Israel.red_lines.0.probability"
WATCH = """
() => {
  window.dipsimMoves = {};
  document.addEventListener("keydown", () => { window.dipsimPressed = performance.now(); }, true);
  const seen = () => {
    const shares = document.querySelector(".dipsim-outcome-shares");
    if (!shares) return;
    const run = shares.dataset.run;
    const move = (window.dipsimMoves[run] = window.dipsimMoves[run] || { pressed: window.dipsimPressed });
    if (move.shares === undefined) move.shares = performance.now();
    const figures = [...document.querySelectorAll(".dipsim-figure")];
    const story = document.querySelector(".dipsim-story");
    if (move.drawn === undefined && figures.length && story
        && figures.every((figure) => figure.dataset.revision === run)) {
      move.drawn = performance.now();
    }
  };
  new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, attributes: true,
                                                      characterData: true });
  seen();
}
"""


def start(replicates: int) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "sim", "explore", str(SCENARIO), "--no-browser", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--replicates", str(replicates)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    for line in process.stdout:
        if line.startswith("dipsim explorer: "):
            return process, line.removeprefix("dipsim explorer: ").strip()
    raise SystemExit("the explorer exited before serving its page")


def quiet(page: object, run: int) -> None:
    """Wait until move ``run`` is fully shown: shares, every figure and the story."""
    page.wait_for_function(
        f"() => (window.dipsimMoves['{run}'] || {{}}).drawn !== undefined", timeout=120_000, polling=50
    )
    time.sleep(0.3)  # let the browser finish painting before the next key


def measure(browser: object, replicates: int, moves: int, shots: Path | None) -> list[dict[str, float]]:
    process, url = start(replicates)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.add_init_script(f"window.addEventListener('DOMContentLoaded', {WATCH.strip()})")
        page.goto(url)
        quiet(page, 1)
        page.get_by_text("Israel (9)").click()
        thumb = page.locator(f'[data-key="{KEY}"] [role="slider"]')
        thumb.focus()
        if shots:
            page.screenshot(path=str(shots / f"1-loaded-{replicates}.png"))
        results = []
        for move in range(moves):
            run = move + 2
            thumb.press("End" if move % 2 == 0 else "Home")
            quiet(page, run)
            timed = page.evaluate(f"window.dipsimMoves['{run}']")
            status = page.locator(".dipsim-status").get_attribute("data-seconds")
            server = {name: 1000 * seconds for name, seconds in json.loads(status).items()}
            since = timed["pressed"]
            results.append(
                server | {"to shares": timed["shares"] - since, "to drawn": timed["drawn"] - since}
            )
            if shots and move == 0:
                thumb.scroll_into_view_if_needed()
                page.screenshot(path=str(shots / f"2-moved-{replicates}.png"))
                page.set_viewport_size({"width": 1400, "height": 3600})  # the page scrolls inside, not whole
                page.screenshot(path=str(shots / f"3-whole-page-{replicates}.png"))
                page.set_viewport_size({"width": 1400, "height": 1000})
                thumb.focus()
        return results
    finally:
        process.terminate()
        process.wait(timeout=30)


def report(replicates: int, results: list[dict[str, float]]) -> None:
    def median(name: str) -> float:
        return statistics.median(r.get(name, 0.0) for r in results)

    server = ("engine", "writing", "reading", "shares")
    rest = statistics.median(r["to shares"] - sum(r[n] for n in server) for r in results)
    shares = [r["to shares"] for r in results]
    print(f"\n{replicates:,} replicates, {len(results)} moves (median; min-max):")
    spread = f"({min(shares):.0f}-{max(shares):.0f})"
    print(f"  slider move -> new shares on the page   {median('to shares'):7.0f} ms  {spread}")
    print(f"    engine (fix, sample, negotiate)       {median('engine'):7.0f} ms")
    print(f"    writing the run folder                {median('writing'):7.0f} ms")
    print(f"    reading it back + shares              {median('reading') + median('shares'):7.0f} ms")
    print(f"    the rest (key -> server, render, back) {rest:6.0f} ms")
    print(f"  slider move -> every figure and story   {median('to drawn'):7.0f} ms")
    print(f"    building the figures                  {median('figures'):7.0f} ms")
    print(f"    building the story and why chart      {median('story'):7.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--moves", type=int, default=7, help="moves per replicate count (default 7)")
    parser.add_argument("--shots", type=Path, help="also save screenshots of the page into this folder")
    args = parser.parse_args()
    browser_path = find_browser()
    if browser_path is None:
        raise SystemExit("no Chromium here: apt-get install chromium-headless-shell")
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        try:
            for replicates in args.replicates:
                report(replicates, measure(browser, replicates, args.moves, args.shots))
        finally:
            browser.close()


if __name__ == "__main__":
    main()
