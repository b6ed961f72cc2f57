"""Trust in a policy over time, and the evidence gate for its next mode.

* :func:`trust_over_time` measures, per time window (fixed, or calendar months and quarters) and optionally per
  segment, how much a replayed policy automates, defers and escalates; how
  far it agrees with recorded human decisions (``alignment``,
  ``override_rate``, with :meth:`TrustResult.confusion`); whether people rely
  on it appropriately (accepting right recommendations, not wrong ones —
  counted only where outcomes were observed); and how often its automated
  decisions were later reversed. A value that cannot be computed is NaN with
  a reason. :class:`TrustPartial` holds the same counts for one part of a
  history (a streamed batch, a Dask partition): parts merge exactly into the
  result of the whole.
* :func:`promotion_gate` weighs that evidence against the policy's
  ``promotion`` section and says whether the policy may take the next mode on
  the ladder advisory → shadow → supervised → autonomous: each criterion with
  its requirement, observed value, 95% Wilson interval (rates must clear the
  requirement with the interval bound, not only the point estimate), by how
  much it misses and how many more decisions — and weeks — it would take.

Examples
--------
>>> import trustlab
>>> from trustlab.datasets import make_history
>>> from trustlab.simulate import replay
>>> from trustlab.trust import promotion_gate, trust_over_time
>>> r = replay(trustlab.load_policy("policies/consumer-credit.yaml"),
...            make_history(n_days=28, applications_per_day=30, seed=0))
>>> t = trust_over_time(r, window="7D")
>>> round(float(t.summary().loc["override_rate", "value"]), 3)
0.106
>>> promotion_gate(r, signal_psi=0.04).may_promote
False
"""

from ._gate import (
    GATE_COLUMNS,
    RECENT_WEEKS,
    GateResult,
    decisions_for_bound,
    promotion_gate,
    wilson_interval,
)
from ._metrics import TRUST_COLUMNS, TRUST_METRICS, TrustMetric, TrustResult, trust_over_time
from ._partial import TrustPartial
from ._plots import GateDisplay, TrustDisplay, plot_gate, plot_trust

__all__ = [
    "GATE_COLUMNS",
    "RECENT_WEEKS",
    "TRUST_COLUMNS",
    "TRUST_METRICS",
    "GateDisplay",
    "GateResult",
    "TrustDisplay",
    "TrustMetric",
    "TrustPartial",
    "TrustResult",
    "decisions_for_bound",
    "plot_gate",
    "plot_trust",
    "promotion_gate",
    "trust_over_time",
    "wilson_interval",
]
