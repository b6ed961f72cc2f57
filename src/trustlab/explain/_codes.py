"""Reason codes: why a case landed on its side of the threshold that decided it.

Each decision the signal made is explained against its *basis* (see
:func:`trustlab.explain.assign_bases`): the comparison of the deciding rule
that held (``p_churn >= 0.5`` for a retention offer, ``p_default < 0.08``
for an approval), or, for a case that fell through to the catch-all rule,
the nearest earlier threshold it did not meet ("why not that rule's
action"). Contributions are SHAP values on the model's log-odds of the bad
outcome, measured against a *reference population*: the cases nearest that
threshold on the other side of it. Then, for every row,

    sum of its contributions + mean log-odds of its reference = its log-odds

exactly. Tree models (gradient boosting) use ``shap.TreeExplainer`` in its
path-dependent mode and re-base each value on the reference's mean value
(shap's interventional mode fails its own additivity check on
``HistGradientBoostingClassifier``); linear models use ``shap.LinearExplainer``
with the reference as background. The choice is automatic and stated in
``ReasonCodes.method``.

A reason is a feature whose contribution moved the signal towards the side
the decision was made on: the model's risk up for a rule firing on a high
risk (``>``, ``>=``), down for one firing on a low risk (``<``, ``<=``), the
other way round for a benefit signal, and away from the missed rule's side for
a catch-all case. Nothing assumes the favourable action sits on the low-risk
side. Following adverse-action practice, at most four principal reasons are
given, related features are grouped into one reason family (from the
glossary) and prohibited bases are never given: the glossary's ``prohibited``
merged with the policy's protected attributes (``fairness.protected``, see
:func:`trustlab.explain.prohibited_bases`), also when the model was trained
elsewhere and reads one. Their contributions are still measured (the sums
still add up) and are reported as withheld (:attr:`ReasonCodes.withheld`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._extras import require
from .._plotting import Display
from .._result import Result, records
from .._validate import Integral, Interval, Real, Text, validate_params
from ..policy import Policy
from ..signals import features_with_nan  # pandas.NA (nullable Int64, str) as NaN, as trained
from ._glossary import Glossary, policy_glossary
from ._reference import Basis, Threshold, assign_bases, signal_of, reference_rows

__all__ = ["ReasonExplainer", "ReasonCodes", "ReasonsDisplay", "MAX_REASONS"]

MAX_REASONS = 4
"""Adverse-action notices give at most four principal reasons."""

_TREE_ESTIMATORS = ("HistGradientBoostingClassifier", "GradientBoostingClassifier")


class ReasonExplainer:
    """Explains a fitted two-step pipeline (``prepare`` → ``model``) in reason codes.

    Parameters
    ----------
    model : sklearn.pipeline.Pipeline
        As built by :func:`trustlab.signals.build_pipeline` and fitted, e.g.
        ``score_out_of_fold(...).model``. Its output must be the probability of
        the bad outcome.
    glossary : Glossary, optional
        Phrases, reason families and prohibited bases. The policy given to
        :meth:`reason_codes` adds its protected attributes to the prohibited
        bases, with or without a glossary.
    max_reasons : int, default 4
        At most this many reasons per decision (1 to 4).
    """

    @validate_params({"glossary": [None, Glossary],
                      "max_reasons": [Interval(Integral, 1, MAX_REASONS)]},
                     caller="ReasonExplainer")
    def __init__(self, model, glossary: Glossary | None = None, max_reasons: int = MAX_REASONS):
        from sklearn.pipeline import Pipeline

        source = "Model"
        if not isinstance(model, Pipeline) or len(model.steps) != 2 or model.steps[0][0] != "prepare":
            raise DataError(source, [Problem("model", "must be a fitted two-step Pipeline "
                                                      "[('prepare', ColumnTransformer), ('model', estimator)] "
                                                      "as trustlab.signals.build_pipeline makes")])
        from sklearn.calibration import CalibratedClassifierCV

        from ..signals import is_linear, source_features

        self.model = model
        self.estimator = model.steps[-1][1]
        self.glossary = glossary or Glossary()
        self.max_reasons = max_reasons
        # A calibrated model averages monotone maps of its base models' scores: the
        # reasons explain the mean raw log-odds of those base models, which the
        # calibration only re-scales (it never reorders cases or reasons).
        calibrated = isinstance(self.estimator, CalibratedClassifierCV)
        self._bases = ([c.estimator for c in self.estimator.calibrated_classifiers_]
                       if calibrated else [self.estimator])
        name = type(self._bases[0]).__name__
        if is_linear(self._bases[0]):
            self.kind = "linear"
            self.method = "shap.LinearExplainer on the log-odds, reference population as background"
        elif name in _TREE_ESTIMATORS:
            self.kind = "tree"
            self.method = ("shap.TreeExplainer (path-dependent) on the log-odds, re-based on the "
                           "reference population's mean contributions")
        else:
            raise DataError(source, [Problem(
                "model", f"explanations support gradient-boosted trees ({', '.join(_TREE_ESTIMATORS)}) "
                         f"and linear classifiers; got {name}")])
        if calibrated:
            self.method += (f"; the model is calibrated ({self.estimator.method}), so the log-odds "
                            f"are the mean uncalibrated output of its {len(self._bases)} base "
                            f"models, which calibration re-scales without reordering")
        self.features: tuple[str, ...] = tuple(model.feature_names_in_)
        self._sources = source_features(model)
        self.groups, self._group_of_column = self._grouping(self.glossary)
        self._trees: list | None = None

    def _grouping(self, glossary: Glossary) -> tuple[tuple[str, ...], np.ndarray]:
        """The reason groups under ``glossary`` and the group of each transformed column."""
        groups = tuple(dict.fromkeys(glossary.group_of(s) for s in self._sources))
        gindex = {g: i for i, g in enumerate(groups)}
        return groups, np.array([gindex[glossary.group_of(s)] for s in self._sources])

    # ----------------------------------------------------------------- raw values
    def _transform(self, X: pd.DataFrame) -> np.ndarray:
        missing = [f for f in self.features if f not in X.columns]
        if missing:
            raise DataError("Data to explain", [Problem(
                "columns", f"lacks the model's features {', '.join(missing)}. Columns: "
                           f"{', '.join(map(str, X.columns))}")])

        plain = features_with_nan(X[list(self.features)])
        return np.asarray(self.model[:-1].transform(plain), dtype=float)

    def _raw(self, Xt: np.ndarray) -> np.ndarray:
        """Log-odds of transformed rows (the mean over base models when calibrated)."""
        return np.mean([b.decision_function(Xt) for b in self._bases], axis=0)

    def log_odds(self, X: pd.DataFrame) -> np.ndarray:
        """The model's output on the log-odds scale (uncalibrated, see ``method``)."""
        return self._raw(self._transform(X))

    def shap_values(self, Xt: np.ndarray) -> np.ndarray:
        """Path-dependent tree SHAP values of transformed rows (trees only)."""
        shap = require("shap", "SHAP contributions")

        if self._trees is None:
            self._trees = [shap.TreeExplainer(b, model_output="raw",
                                              feature_perturbation="tree_path_dependent")
                           for b in self._bases]
        return np.mean([np.asarray(t.shap_values(Xt), dtype=float).reshape(len(Xt), -1)
                        for t in self._trees], axis=0)

    @staticmethod
    def _grouped(values: np.ndarray, n_groups: int, group_of_column: np.ndarray) -> np.ndarray:
        out = np.zeros((values.shape[0], n_groups))
        np.add.at(out.T, group_of_column, values.T)
        return out

    def _relative(self, Xt: np.ndarray, ref_t: np.ndarray, phi: np.ndarray | None,
                  phi_ref: np.ndarray | None) -> np.ndarray:
        """Contributions of ``Xt`` rows relative to the reference rows."""
        if self.kind == "tree":
            return phi - phi_ref.mean(axis=0)
        shap = require("shap", "SHAP contributions")

        masker = shap.maskers.Independent(ref_t, max_samples=len(ref_t))
        return np.mean([np.asarray(shap.LinearExplainer(b, masker).shap_values(Xt), dtype=float)
                        .reshape(len(Xt), -1) for b in self._bases], axis=0)

    # ----------------------------------------------------------------- reasons
    @validate_params({"threshold": [None, Threshold, Interval(Real, None, None)],
                      "reference_size": [Interval(Integral, 1, None)], "signal": [None, Text()]},
                     caller="ReasonExplainer.reason_codes")
    def reason_codes(self, data: pd.DataFrame, records: pd.DataFrame, policy: Policy, *,
                     threshold: Threshold | float | None = None, reference_size: int = 200,
                     signal: str | None = None) -> ReasonCodes:
        """Reason codes for every decided row of ``data``.

        Parameters
        ----------
        data : DataFrame
            The cases, with the model's features and the policy's signal.
        records : DataFrame
            Decision records for ``data`` (``policy.apply(data)``), same index.
        policy : Policy
            The policy that decided: each row is explained against the
            threshold of the rule that decided it (see
            :func:`trustlab.explain.assign_bases`).
        threshold : Threshold or float, optional
            One threshold to explain every decision the signal made against,
            instead of each deciding rule's own; each case is explained
            towards its side of it. A number is read as ``signal >= value``.
        reference_size : int, default 200
            How many cases nearest the threshold form each reference population.
        signal : str, optional
            The signal the model produces (default: the policy's first).

        Returns
        -------
        ReasonCodes
            Its ``glossary`` is this explainer's with the policy's protected
            attributes among the prohibited bases (see
            :func:`trustlab.explain.policy_glossary`).
        """
        try:
            sig = signal_of(policy, signal)
        except DataError as exc:
            raise DataError("reason_codes", exc.problems) from None
        if not records.index.equals(data.index):
            raise DataError("reason_codes", [Problem("records", "must have the same index as data "
                                                                "(use records = policy.apply(data))")])
        if "rule" not in records.columns:
            raise DataError("reason_codes", [Problem("records", "lack the column 'rule' (use "
                                                                "records = policy.apply(data))")])
        if threshold is not None and not isinstance(threshold, Threshold):  # a number
            threshold = Threshold(sig.name, float(threshold), ">=")
        risk = sig.higher_means == "risk"
        Xt = self._transform(data)
        fx = self._raw(Xt)
        if sig.name in data.columns:
            score = pd.to_numeric(data[sig.name], errors="coerce").to_numpy(dtype=float)
        else:  # the signal is the model itself
            p_bad = 1.0 / (1.0 + np.exp(-fx))
            score = p_bad if risk else 1.0 - p_bad
        basis, bases, why = assign_bases(policy, sig, records["rule"].to_numpy(), score, threshold)
        phi = self.shap_values(Xt) if self.kind == "tree" else None
        psi = np.empty_like(Xt)
        base = np.empty(len(data))
        refs: dict[tuple[Threshold, bool], np.ndarray] = {}
        table = []
        for b, basis_b in enumerate(bases):
            rows = np.flatnonzero(basis == b)
            key = (basis_b.threshold, not basis_b.held)
            if key not in refs:  # the cases nearest the threshold on the other side
                refs[key] = reference_rows(score, basis_b.threshold, reference_size, holds=key[1])
            ref = refs[key]
            if len(ref) == 0:
                basis[rows] = -1
                why[rows] = (f"no case lies on the other side of {basis_b.threshold.describe()}, so "
                             "there is no reference population to compare with")
                continue
            self._explain(rows, ref, Xt, fx, phi, psi, base)
            table.append((b, len(rows), len(ref), float(score[ref].min()), float(score[ref].max())))
        rest = np.flatnonzero(basis < 0)
        if len(rest):  # rows without reasons still add up, against the whole population
            self._explain(rest, np.arange(len(data)), Xt, fx, phi, psi, base)
        # +1 where the reasons are what raised the modelled risk; a trailing 0 for basis -1
        score_up = np.array([b.score_up for b in bases], dtype=bool)
        direction = np.append(np.where(score_up, 1, -1) * (1 if risk else -1), 0)[basis]
        index = data.index
        glossary = policy_glossary(self.glossary, policy)  # never a reason: prohibited, protected
        groups, group_of_column = (self.groups, self._group_of_column) \
            if glossary is self.glossary else self._grouping(glossary)
        return ReasonCodes(
            contributions=pd.DataFrame(self._grouped(psi, len(groups), group_of_column),
                                       index=index, columns=list(groups)),
            base_value=pd.Series(base, index=index, name="base_value"),
            log_odds=pd.Series(fx, index=index, name="log_odds"),
            basis=pd.Series(basis, index=index, name="basis"),
            bases=bases,
            direction=pd.Series(direction.astype(np.int8), index=index, name="direction"),
            signal=sig.name,
            higher_means=sig.higher_means,
            glossary=glossary,
            max_reasons=self.max_reasons,
            references=_references(bases, table, risk),
            method=self.method,
            unexplained_why=pd.Series(np.where(basis >= 0, "", why), index=index,
                                      name="unexplained_why"),
        )

    def _explain(self, rows: np.ndarray, ref: np.ndarray, Xt: np.ndarray, fx: np.ndarray,
                 phi: np.ndarray | None, psi: np.ndarray, base: np.ndarray) -> None:
        """Fill ``psi`` and ``base`` for ``rows`` measured against the ``ref`` rows."""
        psi[rows] = self._relative(Xt[rows], Xt[ref], None if phi is None else phi[rows],
                                   None if phi is None else phi[ref])
        base[rows] = fx[ref].mean()


_REFERENCE_COLUMNS = ["basis", "toward", "reasons", "rows", "reference_rows", "reference_low",
                      "reference_high"]


def _references(bases: tuple[Basis, ...], table: list, risk: bool) -> pd.DataFrame:
    """One row per basis explained: what it is, which way its reasons point, its reference."""
    out = pd.DataFrame([{
        "basis": bases[b].describe(),
        "toward": bases[b].toward,
        "reasons": "raised" if bases[b].score_up == risk else "lowered",
        "rows": rows, "reference_rows": n_ref, "reference_low": low, "reference_high": high,
    } for b, rows, n_ref, low, high in table], columns=_REFERENCE_COLUMNS)
    return out.astype({"rows": np.int64, "reference_rows": np.int64,
                       "reference_low": float, "reference_high": float})


class ReasonsDisplay(Display):
    """How often each reason is given, as bars; holds the counts and draws them again.

    Attributes
    ----------
    data : pandas.DataFrame
        :meth:`ReasonCodes.summary`: ``reason``, ``decisions``, ``share``.
    ax_, figure_ : matplotlib Axes and Figure
    """

    def __init__(self, counts: pd.DataFrame, top: int = 10):
        self.data = counts
        self.__dict__["_options"] = {"top": top}

    def _draw(self, ax, top: int = 10):
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 0.9 + 0.35 * min(len(self.data), top) + 1)) \
            if ax is None else (ax.figure, ax)
        d = self.data.head(top).iloc[::-1]
        ax.barh(d["reason"].astype(str), d["share"] * 100, color="#4c72b0")
        ax.set_xlabel("Share of explained decisions given this reason (%)")
        ax.set_title("Most frequent reasons", loc="left", fontsize=10)
        fig.tight_layout()
        return ax


@dataclass(frozen=True)
class ReasonCodes(Result):
    """Per-decision contributions and the principal reasons drawn from them.

    ``contributions`` holds one column per reason group (a glossary family or a
    feature) on the log-odds scale of the bad outcome, so that for every row
    ``contributions.sum(axis=1) + base_value == log_odds``. Each row the
    signal decided has a basis (``bases[basis[row]]``): the comparison that
    decided it and the action its reasons explain; ``direction`` is +1 where
    its reasons are what raised the modelled risk, -1 where they lowered it.
    Rows without a signal value, decided by a rule that does not read the
    signal (an exposure cap, say), or with no case across their threshold to
    compare with get no reasons (``basis`` -1, ``direction`` 0), and
    ``unexplained_why`` says why; their contributions are measured against
    the whole population.
    """

    contributions: pd.DataFrame
    base_value: pd.Series
    log_odds: pd.Series
    basis: pd.Series
    bases: tuple[Basis, ...]
    direction: pd.Series
    signal: str
    higher_means: str
    glossary: Glossary
    max_reasons: int
    references: pd.DataFrame
    method: str
    unexplained_why: pd.Series
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def explained(self) -> pd.Series:
        """True for the rows the signal decided and that have reasons drawn."""
        return (self.basis >= 0).rename("explained")

    @property
    def toward(self) -> pd.Series:
        """For each row, the action its reasons explain ("" where none)."""
        names = np.array([b.toward for b in self.bases] + [""], dtype=object)
        return pd.Series(names[self.basis.to_numpy()], index=self.basis.index, name="toward")

    @property
    def threshold(self) -> Threshold | None:
        """The threshold that decided the most explained rows (``None`` when none was).

        A policy usually has several (an approval and a decline threshold,
        say); each row's own is ``basis_for(row).threshold``.
        """
        b = self.basis.to_numpy()
        rows = np.bincount(b[b >= 0], minlength=len(self.bases))
        counts: dict[Threshold, int] = {}
        for basis, n in zip(self.bases, rows):
            if n:
                counts[basis.threshold] = counts.get(basis.threshold, 0) + int(n)
        return max(counts, key=counts.__getitem__) if counts else None

    def basis_for(self, label) -> Basis | None:
        """The basis of one row: the comparison that decided it (``None`` without reasons)."""
        i = int(self.basis.loc[label])
        return self.bases[i] if i >= 0 else None

    @property
    def frame(self) -> pd.DataFrame:
        """Tidy reasons.

        Columns ``row``, ``rank``, ``reason`` (group), ``phrase``,
        ``contribution`` (log-odds of the bad outcome), ``toward`` (the
        action the reason explains) and ``threshold`` (its basis, described).
        """
        if "frame" not in self._cache:
            self._cache["frame"] = self._rank()
        return self._cache["frame"]

    @property
    def _banned(self) -> np.ndarray:
        """True for each reason group never given: a prohibited basis or a protected attribute."""
        return np.array([self.glossary.is_prohibited(g) for g in self.contributions.columns],
                        dtype=bool)

    def _top(self, banned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(top, valid)``: each row's best groups (``banned`` left out) and which are reasons."""
        # positive where a contribution pushes towards the side the decision was made on
        score = self.contributions.to_numpy() * self.direction.to_numpy(dtype=float)[:, None]
        score[:, banned] = -np.inf
        k = min(self.max_reasons, score.shape[1])
        top = np.argsort(-score, axis=1, kind="stable")[:, :k]
        top_score = np.take_along_axis(score, top, axis=1)
        return top, (top_score > 0) & (self.basis.to_numpy() >= 0)[:, None]

    @property
    def withheld(self) -> pd.DataFrame:
        """The reason groups never given as a reason, though the model reads them.

        Prohibited bases and protected attributes (see
        :func:`trustlab.explain.prohibited_bases`): their contributions stay in
        :attr:`contributions` (so the sums still add up) and are withheld from
        the reasons. One row per such group: ``reason``,
        ``mean_abs_contribution`` (log-odds) and ``decisions``, the explained
        decisions on which it would have been among the principal reasons.
        """
        banned = self._banned
        top, valid = self._top(np.zeros_like(banned))
        would = np.bincount(top[valid], minlength=len(banned))
        columns = self.contributions.columns[banned]
        return pd.DataFrame({
            "reason": np.array(columns, dtype=object).astype(str),
            "mean_abs_contribution": self.contributions[columns].abs().mean().to_numpy(float),
            "decisions": would[banned].astype(np.int64),
        })

    def _rank(self) -> pd.DataFrame:
        psi = self.contributions.to_numpy()
        groups = np.array(self.contributions.columns, dtype=object)
        basis = self.basis.to_numpy()
        top, valid = self._top(self._banned)
        r, c = np.nonzero(valid)
        g_idx = top[r, c]
        contribution = psi[r, g_idx]
        up = np.array([self.glossary.phrase(g, True) for g in groups], dtype=object)
        down = np.array([self.glossary.phrase(g, False) for g in groups], dtype=object)
        toward = np.array([b.toward for b in self.bases] + [""], dtype=object)
        text = np.array([b.describe() for b in self.bases] + [""], dtype=object)
        return pd.DataFrame({
            "row": self.contributions.index.to_numpy()[r],
            "rank": c + 1,
            "reason": groups[g_idx],
            "phrase": np.where(contribution > 0, up[g_idx], down[g_idx]),
            "contribution": contribution,
            "toward": toward[basis[r]],
            "threshold": text[basis[r]],
        })

    def wide(self) -> pd.DataFrame:
        """One row per decision: ``reason_1`` … ``reason_k`` (phrases) and ``reason_code_1`` … (groups)."""
        f = self.frame
        out = pd.DataFrame(index=self.contributions.index)
        for rank in range(1, self.max_reasons + 1):
            part = f[f["rank"] == rank].set_index("row")
            out[f"reason_{rank}"] = part["phrase"].reindex(out.index)
            out[f"reason_code_{rank}"] = part["reason"].reindex(out.index)
        return out

    def add_to(self, records: pd.DataFrame) -> pd.DataFrame:
        """Decision records with the reason columns appended (same index and order)."""
        return pd.concat([records, self.wide().reindex(records.index)], axis=1)

    def for_row(self, label) -> pd.DataFrame:
        """The reasons of one row, best first."""
        f = self.frame
        return f[f["row"] == label].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """How often each reason group is given: ``reason``, ``decisions`` (rows given it) and
        ``share`` (of the explained decisions), most frequent first."""
        f = self.frame
        counts = f.groupby("reason").size().sort_values(ascending=False, kind="stable")
        explained = max(int(f["row"].nunique()), 1)
        return pd.DataFrame({"reason": counts.index.astype(str),
                             "decisions": counts.to_numpy(dtype=np.int64),
                             "share": counts.to_numpy(dtype=float) / explained})

    def plot(self, ax=None, top: int = 10) -> ReasonsDisplay:
        """The ``top`` most frequent reasons as bars; returns a :class:`ReasonsDisplay`."""
        return ReasonsDisplay(self.summary(), top=top).plot(ax=ax)

    def to_dict(self) -> dict:
        """The codes as JSON holds them: method, the reason counts, the deciding thresholds and
        the withheld groups (the per-row reasons stay in :attr:`frame`)."""
        return {"result": "ReasonCodes", "signal": self.signal, "method": self.method,
                "max_reasons": int(self.max_reasons), "decisions": int(len(self.contributions)),
                "summary": records(self.summary()), "references": records(self.references),
                "withheld": records(self.withheld)}

    def _repr_html_(self) -> str:
        n = len(self.contributions)
        counts = self.summary().head(8)
        items = "".join(f"<tr><td>{escape(r.reason)}</td><td>{r.decisions:,}</td>"
                        f"<td>{r.share:.1%}</td></tr>" for r in counts.itertuples())
        refs = "".join(
            f"<li><code>{escape(r.basis)}</code> → {escape(r.toward)}: {r.rows:,} decisions, "
            f"reasons {r.reasons} the risk; reference {r.reference_rows:,} cases with scores "
            f"{r.reference_low:.3f}–{r.reference_high:.3f}</li>"
            for r in self.references.itertuples(index=False))
        unexplained = int((self.basis < 0).sum())
        withheld = "".join(
            f"<li>{escape(w.reason)}: mean contribution {w.mean_abs_contribution:.3f} log-odds; "
            f"would have been a reason on {w.decisions:,} decisions</li>"
            for w in self.withheld.itertuples(index=False))
        withheld = (f"Withheld, never a reason (prohibited or protected):<ul>{withheld}</ul>"
                    if withheld else "")
        return (f"<div><b>Reason codes</b> for {n:,} decisions (at most {self.max_reasons} each; "
                f"{unexplained:,} without model reasons)<br>Thresholds that decided:<ul>{refs}</ul>"
                f"Method: {escape(self.method)}<br>Most frequent reasons:<table><tr><th>reason</th>"
                f"<th>decisions</th><th>share</th></tr>{items}</table>"
                f"{withheld}</div>")
