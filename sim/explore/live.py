"""Keeping the page live: one run at a time, always the newest request, shown part by part.

A slider drag sends a value many times a second and a run takes a fraction of a second, so runs
must not queue: :class:`Latest` keeps only the newest request waiting, runs it when the worker is
free, and drops every request that was overtaken before it started. Runs happen one after another
on one thread, so a result is never overtaken by an older one: the page cannot show shares from a
stale run after a newer one finished.

A move is shown as soon as each part is ready (:class:`Live`): the shares first (engine, write,
read back), then the figures, then one replicate's story. If another move is already waiting when
the shares are out, the figures of the overtaken move are skipped, and the page says which move
each part comes from. Only the worker thread publishes, so what is published is always in order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Generic, TypeVar

from sim.errors import DipsimError
from sim.explore import views
from sim.explore.session import Explorer, Run, Session, Settings, check_replicates
from sim.report import figures

logger = logging.getLogger(__name__)
T = TypeVar("T")
SETTLE_SECONDS = 0.0  # start at once: the events of a drag that arrive meanwhile wait as one request


class Latest(Generic[T]):
    """A worker that runs ``work(request, superseded)`` on the newest request, one at a time.

    ``superseded()`` tells the work, while it runs, whether a newer request is already waiting, so
    it can stop publishing parts nobody will look at. The thread starts with the first request,
    so it is created by whoever sent it (in the Solara server: inside that page's kernel context).
    """

    def __init__(self, work: Callable[[T, Callable[[], bool]], None], settle: float = SETTLE_SECONDS) -> None:
        self._work = work
        self._settle = settle
        self._condition = threading.Condition()
        self._waiting: tuple[T] | None = None  # the newest request not yet started
        self._running = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self.started = 0  # requests run
        self.dropped = 0  # requests overtaken before they started

    def submit(self, request: T) -> None:
        with self._condition:
            if self._closed:
                return
            if self._waiting is not None:
                self.dropped += 1
            self._waiting = (request,)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="dipsim-explore-runs", daemon=True)
                self._thread.start()
            self._condition.notify_all()

    def superseded(self) -> bool:
        with self._condition:
            return self._waiting is not None or self._closed

    def idle(self, timeout: float) -> bool:
        """Wait until nothing runs and nothing waits; False if that took longer than ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._running or self._waiting is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._condition.wait(left)
        return True

    def close(self) -> None:
        """Stop after the current run; a waiting request is dropped. The thread is a daemon: a run in
        the engine cannot be interrupted, and the server must not wait for it to exit."""
        with self._condition:
            self._closed = True
            self._waiting = None
            self._condition.notify_all()

    def _loop(self) -> None:
        while True:
            with self._condition:
                while self._waiting is None and not self._closed:
                    self._condition.wait()
                if self._closed:
                    return
                if self._settle > 0:
                    self._condition.wait(self._settle)  # let more of a burst arrive first
                    if self._waiting is None:  # closed meanwhile
                        continue
                (request,), self._waiting = self._waiting, None
                self._running = True
                self.started += 1
            try:
                self._work(request, self.superseded)
            except Exception:  # the work publishes its own errors; this is a bug, keep the worker alive
                logger.exception("dipsim explore: a run failed")
            finally:
                with self._condition:
                    self._running = False
                    self._condition.notify_all()


@dataclass(frozen=True)
class Request:
    number: int  # counts the page's requests, so the page can tell which ones are answered
    settings: Settings
    replicate: int = 0


@dataclass(frozen=True, eq=False)
class Shown:
    """What the page shows now. Each part names the move (run number) it comes from."""

    answered: int = 0  # the newest request whose handling has finished or been overtaken
    run: int = 0  # the move whose shares are shown (0: none yet)
    settings: Settings | None = None
    replicates: int = 0
    shares: tuple[figures.Share, ...] = ()
    meaning: str = ""
    escalation: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    terms: str | None = None
    causes: str | None = None
    figures_run: int = 0
    story: views.Story | None = None
    story_run: int = 0
    error: str = ""


class Live:
    """A page's choices and its runs: what the sliders set, and what is published for the page to show.

    ``publish`` is called from the worker thread only, with ever newer :class:`Shown` values.
    """

    def __init__(
        self,
        explorer: Explorer,
        publish: Callable[[Shown], None],
        root: Path | None = None,
        settle: float = SETTLE_SECONDS,
    ) -> None:
        self.explorer = explorer
        self.session = Session(explorer, root)
        self.settings = explorer.defaults
        self.replicate = 0
        self.requests = 0
        self.shown = Shown()
        self._publish = publish
        self._lock = threading.Lock()
        self.runner: Latest[Request] = Latest(self._work, settle)

    # --- what the page's controls call (any thread) ---------------------------------------------

    def fix(self, key: str, value: float | None) -> int:
        """Fix ``key`` at ``value`` (None: sample it over its range again) and re-run."""
        with self._lock:
            self.settings = self.settings.fixing(key, value)
        return self.request()

    def set_run(self, replicates: int | None = None, seed: int | None = None) -> int:
        with self._lock:
            if replicates is not None:
                self.settings = replace(self.settings, replicates=check_replicates(replicates))
            if seed is not None:
                self.settings = replace(self.settings, seed=seed)
        return self.request()

    def set_replicate(self, replicate: int) -> int:
        with self._lock:
            self.replicate = replicate
        return self.request()

    def reset(self) -> int:
        """Every parameter sampled again, and the command line's replicates and seed."""
        with self._lock:
            self.settings, self.replicate = self.explorer.defaults, 0
        return self.request()

    def request(self) -> int:
        """Ask for the current choices to be shown; returns the request's number."""
        with self._lock:
            self.requests += 1
            request = Request(self.requests, self.settings, self.replicate)
        self.runner.submit(request)
        return request.number

    def close(self) -> None:
        self.runner.close()
        self.session.close()

    # --- the worker ------------------------------------------------------------------------------

    def _show(self, **parts: object) -> None:
        self.shown = replace(self.shown, **parts)  # type: ignore[arg-type]
        self._publish(self.shown)

    def _work(self, request: Request, superseded: Callable[[], bool]) -> None:
        try:
            run = self.session.latest
            if run is None or run.settings != request.settings:
                run = self._move(request)
            # between parts: if a newer move waits, its parts will replace these anyway
            if self.shown.figures_run != run.number and not superseded():
                self._figures(run, superseded)
            if superseded():
                self._show(answered=request.number)
                return
            self._story(run, request)
        except DipsimError as error:  # a value the scenario refuses: say so, keep the last good move
            self._show(answered=request.number, error=str(error))
        except Exception as error:  # a bug: show it rather than a page that silently stops
            logger.exception("dipsim explore: a move failed")
            self._show(answered=request.number, error=f"internal error ({type(error).__name__}: {error})")

    def _move(self, request: Request) -> Run:
        run = self.session.run(request.settings)
        clock = time.perf_counter()
        protocol = str(run.results.manifest.get("protocol", ""))
        shares = tuple(views.share_lines(run.outcomes, protocol))
        seconds = dict(run.seconds) | {"shares": time.perf_counter() - clock}
        self._show(
            run=run.number,
            settings=run.settings,
            replicates=run.settings.replicates,
            shares=shares,
            meaning=run.meaning,
            escalation=views.escalation_note(run.outcomes),
            seconds=seconds,
            error="",
        )
        return run

    def _figures(self, run: Run, superseded: Callable[[], bool]) -> None:
        """Both figures, or none if a newer move arrives in between (each takes a tenth of a second or
        more, in plotly's Python, which cannot be interrupted)."""
        clock = time.perf_counter()
        causes = views.causes_figure(run.outcomes, run.results)
        if superseded():
            return
        terms = views.terms_figure(run.outcomes, run.results)
        seconds = self.shown.seconds | {"figures": time.perf_counter() - clock}
        self._show(terms=terms, causes=causes, figures_run=run.number, seconds=seconds)

    def _story(self, run: Run, request: Request) -> None:
        replicate = min(max(request.replicate, 0), run.settings.replicates - 1)
        shown = self.shown.story
        if self.shown.story_run == run.number and shown is not None and shown.replicate == replicate:
            self._show(answered=request.number, error="")
            return
        clock = time.perf_counter()
        story = views.story(run.results, replicate)
        seconds = self.shown.seconds | {"story": time.perf_counter() - clock}
        self._show(answered=request.number, story=story, story_run=run.number, seconds=seconds, error="")
