"""Optional parts of trustlab and the ``pip`` extra that installs each.

The core (policies, the engine, simulation, ``trustlab validate``/``decide``/
``diff``/``init``) needs neither Jupyter, SHAP nor Dask. A feature that does
imports its library through :func:`require`, which names the extra to
install when the library is absent:

========== =========================================== ==============================
extra      installs                                    for
========== =========================================== ==============================
explain    shap                                        reason codes, explanations
review     papermill, nbconvert, ipykernel (+ explain) ``trustlab review``, the report
cluster    dask[dataframe], distributed                replays on a Dask scheduler
lab        jupyterlab, ipywidgets (+ review)           the notebooks' explorers
========== =========================================== ==============================

``pip install 'trustlab[all]'`` installs every extra.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ._errors import TrustlabError

__all__ = ["EXTRAS", "MissingExtraError", "require"]

EXTRAS: dict[str, str] = {
    "shap": "explain",
    "papermill": "review", "nbconvert": "review", "nbformat": "review", "ipykernel": "review",
    "jupyter_client": "review", "nbclient": "review", "IPython": "review",
    "traitlets": "review",
    "dask": "cluster", "distributed": "cluster",
    "ipywidgets": "lab", "jupyterlab": "lab",
}
"""Each optional library (top-level module name) → the extra that installs it."""


class MissingExtraError(TrustlabError, ImportError):
    """A feature's library is not installed; the message names the extra to install.

    A :class:`trustlab.TrustlabError` (the command line exits 2 with the
    message) and an :class:`ImportError` (code catching a failed import
    still does).
    """


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` for ``feature``, or say which extra installs it.

    Parameters
    ----------
    module : str
        The module to import (``"shap"``, ``"dask.dataframe"``).
    feature : str
        What needs it, in a few words (``"reason codes"``).

    Raises
    ------
    MissingExtraError
        When ``module`` cannot be imported: ``reason codes need shap, from the
        'explain' extra: pip install 'trustlab[explain]'``.

    Examples
    --------
    >>> require("json", "reading JSON").__name__
    'json'
    >>> require("no_such_module_here", "a test")
    Traceback (most recent call last):
    ...
    trustlab._extras.MissingExtraError: a test needs no_such_module_here, which is not installed: pip install no_such_module_here
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        extra = EXTRAS.get(top)
        fix = (f"from the '{extra}' extra: pip install 'trustlab[{extra}]'" if extra else
               f"which is not installed: pip install {top}")
        if extra:
            fix = f"which is not installed ({exc.name or top} is missing); it comes " + fix
        raise MissingExtraError(f"{feature} needs {top}, {fix}") from exc
