"""Map a function over fixed-size chunks of work on every core, results in input order.

Chunks have a fixed size whatever the number of processes, so output built from them is the
same with one process or many. At most two chunks per process are in flight, so a slow
consumer (the Parquet writer) never lets finished results pile up in memory.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

CHUNK = 256
PARALLEL_FROM = 2 * CHUNK  # below this, starting processes costs more than it saves


def default_jobs(n_items: int) -> int:
    if n_items < PARALLEL_FROM:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1, 8))


def chunks(items: Sequence[T], size: int = CHUNK) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def map_chunks(
    fn: Callable[[Sequence[T]], R],
    items: Sequence[T],
    *,
    jobs: int | None = None,
    progress: str | None = None,
    size: int = CHUNK,
    weight: Callable[[Sequence[T]], int] = len,
) -> Iterator[R]:
    """Yield fn(chunk) for each chunk of `items`, in order; `progress` names a progress bar
    that advances by `weight(chunk)` documents."""
    parts = chunks(items, size)
    total = sum(weight(p) for p in parts)
    jobs = default_jobs(total) if jobs is None else max(1, jobs)
    bar: Any = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, desc=progress, unit="doc", leave=False, mininterval=0.5)
    try:
        if jobs == 1 or len(parts) == 1 or "fork" not in multiprocessing.get_all_start_methods():
            for part in parts:
                yield fn(part)
                if bar is not None:
                    bar.update(weight(part))
            return
        # fork: workers inherit the compiled schemas and imported modules, nothing is re-done
        ctx = multiprocessing.get_context("fork")
        stop = ctx.Event()
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:  # workers (and the pool's threads, which fork replacements) start with it held
            pool = ctx.Pool(jobs, initializer=_as_worker, initargs=(stop,))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        pending: deque[Any] = deque()
        try:
            queue = iter(parts)
            for part in queue:
                pending.append((weight(part), pool.apply_async(_run, (fn, part))))
                if len(pending) >= 2 * jobs:
                    break
            while pending:
                size, result = pending[0]
                yield result.get()
                pending.popleft()
                if bar is not None:
                    bar.update(size)
                for part in queue:
                    pending.append((weight(part), pool.apply_async(_run, (fn, part))))
                    break
        finally:
            _end(pool, stop, [r for _, r in pending])
    finally:
        if bar is not None:
            bar.close()


GRACE = 60.0  # seconds the chunks running when a run stops early get to finish

_stop: Any = None  # in a worker: the run's stop event


def _end(pool: Any, stop: Any, unfinished: list[Any]) -> None:
    """End a pool without killing a worker that may hold one of its queues' locks.

    A run that finished, or stopped early (an error, Ctrl-C, a caller that stopped reading),
    sets `stop`: chunks not started are skipped, and the running ones finish (they are
    bounded: one chunk per worker). `Pool.terminate` killed workers at any point, and one
    killed while writing its result left the result queue's lock taken, so the pool's own
    shutdown waited for it forever (test_worker_pools_end_without_hanging). Only a chunk
    that does not end within GRACE seconds is killed.
    """
    stop.set()
    deadline = time.monotonic() + GRACE
    for result in unfinished:
        result.wait(max(0.0, deadline - time.monotonic()))
    if all(result.ready() for result in unfinished):
        pool.close()  # idle workers take their sentinels and exit
    else:
        pool.terminate()
    pool.join()


def _run(fn: Callable[[Sequence[T]], R], part: Sequence[T]) -> R | None:
    """A chunk in a worker, skipped once the run stopped."""
    return None if _stop.is_set() else fn(part)


def _as_worker(stop: Any) -> None:
    """A pool worker dies of SIGTERM and ignores Ctrl-C, which the parent handles (it
    inherits the parent's handlers, which would turn them into exceptions in the worker).

    It starts with SIGTERM blocked (`map_chunks`), so one the pool sends while it starts is
    held by the kernel until here: otherwise it reached the inherited Python handler before
    CPython's after-fork reset cleared it, was lost, and the pool's join hung."""
    global _stop
    _stop = stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Rest the cyclic garbage collector while making many objects that form no cycles
    (parsed JSON, plans): its passes over them cost more than the work itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
