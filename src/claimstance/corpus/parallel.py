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
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:  # workers (and the pool's threads, which fork replacements) start with it held
            pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_as_worker)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        finished = False
        try:
            pending: deque[Any] = deque()
            queue = iter(parts)
            for part in queue:
                pending.append((weight(part), pool.apply_async(fn, (part,))))
                if len(pending) >= 2 * jobs:
                    break
            while pending:
                size, result = pending.popleft()
                yield result.get()
                if bar is not None:
                    bar.update(size)
                for part in queue:
                    pending.append((weight(part), pool.apply_async(fn, (part,))))
                    break
            finished = True
        finally:
            if finished:  # the workers end as they finish their last chunk
                pool.close()
            else:  # an error, or the caller stopped early: stop them now
                pool.terminate()
            pool.join()
    finally:
        if bar is not None:
            bar.close()


def _as_worker() -> None:
    """A pool worker dies of SIGTERM and ignores Ctrl-C, which the parent handles (it
    inherits the parent's handlers, which would turn them into exceptions in the worker).

    It starts with SIGTERM blocked (`map_chunks`), so one the pool sends while it starts is
    held by the kernel until here: otherwise it reached the inherited Python handler before
    CPython's after-fork reset cleared it, was lost, and the pool's join hung."""
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
