"""How every benchmark here times a call: the best of a few runs after a warm-up."""

from __future__ import annotations

import gc
import time


def best_of(fn, repeat: int = 3, warmup: int = 1) -> tuple[float, object]:
    """Best wall time in seconds of ``repeat`` calls of ``fn`` after ``warmup`` calls (garbage
    collected before each timed call), and the last call's result."""
    out = None
    for _ in range(warmup):
        out = fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out
