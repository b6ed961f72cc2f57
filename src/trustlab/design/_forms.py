"""Answer an assessment with widgets: each change re-scores it and redraws the result."""

from __future__ import annotations

from .._extras import require

from collections.abc import Callable
from html import escape

__all__ = ["AnswerForm", "serving_form", "sourcing_form", "readiness_form"]


class AnswerForm:
    """Controls for an assessment's answers and the result they give, kept in step.

    Attributes
    ----------
    assessment
        The assessment as the controls now answer it.
    result
        Its result.
    controls : dict
        Answer name → ipywidgets control.
    widget : ipywidgets.VBox
        The controls above the result, for display in JupyterLab.
    """

    def __init__(self, assessment, controls: dict, answer: Callable, title: str) -> None:
        w = require("ipywidgets", "The interactive explorers")

        self.assessment = assessment
        self.result = assessment.assess()
        self.controls = controls
        self._answer = answer
        self._out = w.Output(layout=w.Layout(width="100%"))
        for c in controls.values():
            c.observe(self._changed, names="value")
        self.widget = w.VBox([w.HTML(f"<b>{escape(title)}</b>"), _grid(controls), self._out],
                             layout=w.Layout(width="100%"))
        self.widget.add_class("trustlab-form")
        self._draw()

    def _changed(self, _change=None) -> None:
        self.assessment = self._answer(self.assessment,
                                       {k: c.value for k, c in self.controls.items()})
        self.result = self.assessment.assess()
        self._draw()

    def _draw(self) -> None:
        from IPython.display import HTML, display

        self._out.clear_output(wait=True)
        with self._out:
            display(HTML(self.result._repr_html_()))

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def _style():
    w = require("ipywidgets", "The interactive explorers")

    return dict(style={"description_width": "initial"}, layout=w.Layout(width="100%"))


def _grid(controls: dict):
    """The controls in cells that wrap onto more rows as the page narrows: each question is
    written above its control (in text that wraps), so no label is cut at any width."""
    w = require("ipywidgets", "The interactive explorers")

    cells = []
    for c in controls.values():
        question = c.description
        c.description = ""  # said by the label above, which wraps; kept as the tooltip
        c.tooltip = question
        cells.append(w.VBox([w.HTML(f"<span style='line-height:1.3'>{escape(question)}</span>",
                                    layout=w.Layout(width="100%")), c],
                            layout=w.Layout(flex="1 1 420px", min_width="260px",
                                            margin="0 12px 6px 0")))
    return w.Box(cells, layout=w.Layout(display="flex", flex_flow="row wrap", width="100%",
                                        align_items="flex-start"))


def serving_form(assessment) -> AnswerForm:
    """Dropdowns for the batch-or-real-time answers."""
    w = require("ipywidgets", "The interactive explorers")

    from ._serving import QUESTIONS

    controls = {}
    for name, (question, options) in QUESTIONS.items():
        labels = [(("yes" if o else "no") if isinstance(o, bool) else o.replace("_", " "), o)
                  for o in options]
        controls[name] = w.Dropdown(options=labels, value=getattr(assessment.answers, name),
                                    description=question, **_style())
    return AnswerForm(assessment, controls, lambda a, v: a.with_answers(**v),
                      f"Batch or real time: {assessment.decision}")


def sourcing_form(assessment) -> AnswerForm:
    """A weight slider per factor for build, buy or fine-tune."""
    w = require("ipywidgets", "The interactive explorers")

    from ._sourcing import WEIGHT_RANGE

    controls = {f: w.FloatSlider(value=v, min=WEIGHT_RANGE[0], max=WEIGHT_RANGE[1], step=0.5,
                                 description=f.replace("_", " "), continuous_update=False,
                                 **_style())
                for f, v in assessment.weights.items()}

    def answer(a, values):
        for f, v in values.items():
            a = a.with_weight(f, v)
        return a

    return AnswerForm(assessment, controls, answer,
                      f"Build, buy or fine-tune: {assessment.decision}")


def readiness_form(assessment) -> AnswerForm:
    """A yes / no / unknown choice for each item no file settles."""
    import dataclasses

    w = require("ipywidgets", "The interactive explorers")

    from ._readiness import ITEMS

    open_items = [r.item for r in assessment.assess().frame.itertuples()
                  if r.source in ("answer", "none")]
    controls = {i: w.Dropdown(options=[("unknown", None), ("yes", True), ("no", False)],
                              value=assessment.answers.get(i), description=ITEMS[i],
                              **_style())
                for i in open_items}

    def answer(a, values):
        return dataclasses.replace(a, answers={**a.answers, **values})

    return AnswerForm(assessment, controls, answer,
                      f"Ready for the critical path: {assessment.decision}")
