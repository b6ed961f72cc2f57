"""Small statistics the kit shares: the 95% normal quantile and the Wilson score interval.

Calibration tables (:mod:`trustlab.signals`), the promotion gate
(:mod:`trustlab.trust`) and the review's evidence all bound an observed rate the
same way, with this one interval.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Z_95", "wilson_interval"]

Z_95 = 1.959963984540054
"""The two-sided 95% quantile of the standard normal distribution."""


def wilson_interval(k, n, z: float = Z_95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of ``k`` successes in ``n`` trials (NaN where ``n`` is 0).

    Parameters
    ----------
    k, n : array-like
        Successes and trials, element by element.
    z : float, default :data:`Z_95`
        The normal quantile of the interval's level.

    Returns
    -------
    low, high : ndarray
        The bounds, clipped to [0, 1].

    Examples
    --------
    >>> lo, hi = wilson_interval(45, 50)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.7864, 0.9565)
    >>> lo, hi = wilson_interval([0, 7], [7, 7])  # never past the observed rate
    >>> bool(lo[0] == 0.0 and hi[1] == 1.0)
    True
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
        # the interval holds the observed rate; rounding must not put a bound past it (at 0 or 1)
        low = np.minimum(np.clip(centre - half, 0.0, 1.0), p)
        high = np.maximum(np.clip(centre + half, 0.0, 1.0), p)
    return low, high
