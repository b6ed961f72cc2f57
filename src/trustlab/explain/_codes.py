"""Reason codes: why a case fell short of (or cleared) those just across the threshold.

Contributions are SHAP values on the model's log-odds, measured against a
*reference population*: the cases nearest the deciding threshold on the other
side of the decision (for an adverse decision, the cases that just passed; for
a favourable one, those that just missed). Then

    sum of a case's contributions + mean log-odds of its reference = its log-odds

exactly. Tree models (gradient boosting) use ``shap.TreeExplainer`` in its
path-dependent mode and re-base each value on the reference's mean value
(shap's interventional mode fails its own additivity check on
``HistGradientBoostingClassifier``); linear models use ``shap.LinearExplainer``
with the reference as background. The choice is automatic and stated in
``ReasonCodes.method``.

Following adverse-action practice, at most four principal reasons are given,
related features are grouped into one reason family (from the glossary),
prohibited bases are never given, and only features that push towards the
decision actually taken are reasons for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from ..policy._spec import Policy
from ._glossary import Glossary
from ._reference import Threshold, favourable_threshold, reference_rows

__all__ = ["ReasonExplainer", "ReasonCodes", "MAX_REASONS"]

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
        Phrases, reason families and prohibited bases.
    max_reasons : int, default 4
        At most this many reasons per decision (1 to 4).
    """

    def __init__(self, model, glossary: Glossary | None = None, max_reasons: int = MAX_REASONS):
        from sklearn.pipeline import Pipeline

        source = "Model"
        if not isinstance(model, Pipeline) or len(model.steps) != 2 or model.steps[0][0] != "prepare":
            raise DataError(source, [Problem("model", "must be a fitted two-step Pipeline "
                                                      "[('prepare', ColumnTransformer), ('model', estimator)] "
                                                      "as trustlab.signals.build_pipeline makes")])
        if not isinstance(max_reasons, int) or not 1 <= max_reasons <= MAX_REASONS:
            raise DataError(source, [Problem("max_reasons", f"must be a whole number in [1, "
                                                            f"{MAX_REASONS}]; got {max_reasons!r}")])
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
        sources = source_features(model)
        self.groups: tuple[str, ...] = tuple(dict.fromkeys(self.glossary.group_of(s) for s in sources))
        gindex = {g: i for i, g in enumerate(self.groups)}
        self._group_of_column = np.array([gindex[self.glossary.group_of(s)] for s in sources])
        self._trees: list | None = None

    # ----------------------------------------------------------------- raw values
    def _transform(self, X: pd.DataFrame) -> np.ndarray:
        missing = [f for f in self.features if f not in X.columns]
        if missing:
            raise DataError("Data to explain", [Problem(
                "columns", f"lacks the model's features {', '.join(missing)}. Columns: "
                           f"{', '.join(map(str, X.columns))}")])
        return np.asarray(self.model[:-1].transform(X[list(self.features)]), dtype=float)

    def _raw(self, Xt: np.ndarray) -> np.ndarray:
        """Log-odds of transformed rows (the mean over base models when calibrated)."""
        return np.mean([b.decision_function(Xt) for b in self._bases], axis=0)

    def log_odds(self, X: pd.DataFrame) -> np.ndarray:
        """The model's output on the log-odds scale (uncalibrated, see ``method``)."""
        return self._raw(self._transform(X))

    def shap_values(self, Xt: np.ndarray) -> np.ndarray:
        """Path-dependent tree SHAP values of transformed rows (trees only)."""
        import shap

        if self._trees is None:
            self._trees = [shap.TreeExplainer(b, model_output="raw",
                                              feature_perturbation="tree_path_dependent")
                           for b in self._bases]
        return np.mean([np.asarray(t.shap_values(Xt), dtype=float).reshape(len(Xt), -1)
                        for t in self._trees], axis=0)

    def _grouped(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros((values.shape[0], len(self.groups)))
        np.add.at(out.T, self._group_of_column, values.T)
        return out

    def _relative(self, Xt: np.ndarray, ref_t: np.ndarray, phi: np.ndarray | None,
                  phi_ref: np.ndarray | None) -> np.ndarray:
        """Contributions of ``Xt`` rows relative to the reference rows."""
        if self.kind == "tree":
            return phi - phi_ref.mean(axis=0)
        import shap

        masker = shap.maskers.Independent(ref_t, max_samples=len(ref_t))
        return np.mean([np.asarray(shap.LinearExplainer(b, masker).shap_values(Xt), dtype=float)
                        .reshape(len(Xt), -1) for b in self._bases], axis=0)

    # ----------------------------------------------------------------- reasons
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
            The policy that decided; its favourable actions say which decisions
            are adverse, and its first favourable rule gives the threshold.
        threshold : Threshold or float, optional
            Overrides the threshold read from the policy.
        reference_size : int, default 200
            How many cases nearest the threshold form each reference population.
        signal : str, optional
            The signal the model produces (default: the policy's first).
        """
        sig = next((s for s in policy.signals if s.name == signal), None) if signal else policy.signals[0]
        if sig is None:
            raise DataError("reason_codes", [Problem("signal", f"'{signal}' is not a signal of the "
                                                               f"policy; signals: {', '.join(s.name for s in policy.signals)}")])
        if not records.index.equals(data.index):
            raise DataError("reason_codes", [Problem("records", "must have the same index as data "
                                                                "(use records = policy.apply(data))")])
        if isinstance(threshold, (int, float)):
            threshold = Threshold(sig.name, float(threshold), sig.higher_means == "risk")
        thr = threshold or favourable_threshold(policy, sig)
        score = pd.to_numeric(data[sig.name], errors="coerce").to_numpy(dtype=float) \
            if sig.name in data.columns else None
        Xt = self._transform(data)
        fx = self._raw(Xt)
        if score is None:  # the signal is the model itself
            score = 1.0 / (1.0 + np.exp(-fx))
        favourable_actions = [a.name for a in policy.actions if a.favourable]
        favourable = records["action"].isin(favourable_actions).to_numpy()
        phi = self.shap_values(Xt) if self.kind == "tree" else None
        psi = np.empty_like(Xt)
        base = np.empty(len(data))
        refs = {}
        for fav in (False, True):
            rows = np.flatnonzero(favourable == fav)
            if len(rows) == 0:
                continue
            # adverse cases compare with those that just passed, favourable with those that just missed
            ref = reference_rows(score, thr, reference_size, favourable_side=not fav)
            if len(ref) == 0:
                side = "favourable" if not fav else "unfavourable"
                raise DataError("reason_codes", [Problem(
                    "threshold", f"no case lies on the {side} side of {thr.describe()}, so there is "
                                 "no reference population to compare with")])
            psi[rows] = self._relative(Xt[rows], Xt[ref], None if phi is None else phi[rows],
                                       None if phi is None else phi[ref])
            base[rows] = fx[ref].mean()
            refs["favourable" if fav else "adverse"] = (len(ref), float(score[ref].min()),
                                                        float(score[ref].max()))
        grouped = self._grouped(psi)
        contributions = pd.DataFrame(grouped, index=data.index, columns=list(self.groups))
        # Model reasons explain decisions the signal made: the deciding rule reads it
        # (or is the catch-all band after the signal rules) and the row has a value.
        from ..policy._condition import columns_of

        reads = {r.id: r.otherwise or sig.name in columns_of(r.when) for r in policy.rules}
        by_signal = records["rule"].astype(object).map(reads).fillna(False).to_numpy(dtype=bool)
        has_value = ~np.isnan(score)
        return ReasonCodes(
            contributions=contributions,
            base_value=pd.Series(base, index=data.index, name="base_value"),
            log_odds=pd.Series(fx, index=data.index, name="log_odds"),
            favourable=pd.Series(favourable, index=data.index, name="favourable"),
            toward_risk=sig.higher_means == "risk",
            glossary=self.glossary,
            max_reasons=self.max_reasons,
            threshold=thr,
            references=refs,
            method=self.method,
            explained=pd.Series(by_signal & has_value, index=data.index, name="explained"),
            unexplained_why=pd.Series(np.where(
                ~has_value, f"no {sig.name} value: the decision did not use the model",
                np.where(by_signal, "", "the deciding rule does not read "
                                        f"{sig.name}: its reason is the rule's own")),
                index=data.index, name="unexplained_why"),
        )


@dataclass(frozen=True)
class ReasonCodes:
    """Per-decision contributions and the principal reasons drawn from them.

    ``contributions`` holds one column per reason group (a glossary family or a
    feature) on the log-odds scale, so that for every row
    ``contributions.sum(axis=1) + base_value == log_odds``. Reasons are drawn
    only for rows the signal decided (``explained``): rows without a signal
    value, or decided by a rule that does not read the signal (an exposure
    cap, say), get none, and ``unexplained_why`` says why.
    """

    contributions: pd.DataFrame
    base_value: pd.Series
    log_odds: pd.Series
    favourable: pd.Series
    toward_risk: bool
    glossary: Glossary
    max_reasons: int
    threshold: Threshold
    references: dict
    method: str
    explained: pd.Series
    unexplained_why: pd.Series
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def frame(self) -> pd.DataFrame:
        """Tidy reasons: ``row``, ``rank``, ``reason`` (group), ``phrase``, ``contribution``, ``toward``."""
        if "frame" not in self._cache:
            self._cache["frame"] = self._rank()
        return self._cache["frame"]

    def _rank(self) -> pd.DataFrame:
        psi = self.contributions.to_numpy()
        groups = np.array(self.contributions.columns, dtype=object)
        fav = self.favourable.to_numpy()
        # sign that makes "pushes towards the decision taken" positive
        s = np.where(fav, -1.0, 1.0) * (1.0 if self.toward_risk else -1.0)
        score = psi * s[:, None]
        banned = np.array([self.glossary.is_prohibited(g) for g in groups], dtype=bool)
        score[:, banned] = -np.inf
        k = min(self.max_reasons, len(groups))
        top = np.argsort(-score, axis=1, kind="stable")[:, :k]
        top_score = np.take_along_axis(score, top, axis=1)
        valid = (top_score > 0) & self.explained.to_numpy()[:, None]
        r, c = np.nonzero(valid)
        g_idx = top[r, c]
        up = np.array([self.glossary.phrase(g, True) for g in groups], dtype=object)
        down = np.array([self.glossary.phrase(g, False) for g in groups], dtype=object)
        adverse_row = ~fav[r]
        return pd.DataFrame({
            "row": self.contributions.index.to_numpy()[r],
            "rank": c + 1,
            "reason": groups[g_idx],
            "phrase": np.where(adverse_row, up[g_idx], down[g_idx]),
            "contribution": psi[r, g_idx],
            "toward": np.where(adverse_row, "adverse", "favourable"),
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

    def _repr_html_(self) -> str:
        n = len(self.contributions)
        counts = self.frame.groupby("reason").size().sort_values(ascending=False).head(8)
        items = "".join(f"<li>{escape(str(g))}: {c:,}</li>" for g, c in counts.items())
        refs = "; ".join(f"{k}: {v[0]} cases with scores {v[1]:.3f}–{v[2]:.3f}"
                         for k, v in self.references.items())
        return (f"<div><b>Reason codes</b> for {n:,} decisions (at most {self.max_reasons} each)"
                f"<br>Threshold: {escape(self.threshold.describe())}<br>Reference: {escape(refs)}"
                f"<br>Method: {escape(self.method)}<br>Most frequent reasons:<ul>{items}</ul></div>")
