"""Where batches run: inline, a local process pool, or a Dask cluster.

All three are ``concurrent.futures`` executors, so the sweep loop is the same
for each. The pool uses the 'spawn' start method explicitly: Mesa 3.3 forces it
at import anyway, and saying so keeps behaviour identical across Mesa versions.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from sim.errors import DipsimError

DASK_HINT = "Dask is an optional extra: pip install 'dipsim[dask]' (or: pip install 'dask[distributed]')"


class SweepError(DipsimError):
    """A sweep cannot start or continue; the message says why and what to do."""


class InlineExecutor(Executor):
    """Runs each task at submission, in this process: the serial reference."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


@contextmanager
def executor_for(workers: int, scheduler: str | None = None, dask_local: bool = False) -> Iterator[Executor]:
    if scheduler or dask_local:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise SweepError(DASK_HINT) from None
        if dask_local:
            # No dashboard and no HTTP routes: Dask's scheduler always opens an HTTP listener (port
            # 8787 unless told otherwise) even with dashboard_address=None, so it gets a random
            # loopback port that answers nothing. Everything else binds to 127.0.0.1 too.
            quiet = {"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}
            with dask.config.set(quiet):
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address="127.0.0.1:0",
                    scheduler_kwargs={"dashboard": False},
                )
                with cluster, Client(cluster) as client:
                    yield client.get_executor()
        else:
            with Client(scheduler) as client:
                yield client.get_executor()
    elif workers <= 1:
        yield InlineExecutor()
    else:
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=exit_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
            yield pool


def exit_with_parent(parent: int) -> None:
    """Pool initializer: a worker ends itself when the sweep that started it dies.

    A sweep killed with SIGKILL cannot shut its pool down, and idle workers would
    otherwise wait on their queue forever; resume is designed for kill -9, so
    the workers must not outlive it.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def describe_executor(workers: int, scheduler: str | None, dask_local: bool) -> str:
    if scheduler:
        return f"dask scheduler {scheduler}"
    if dask_local:
        return f"dask LocalCluster, {workers} worker processes"
    return "inline (serial)" if workers <= 1 else f"process pool, {workers} workers"
