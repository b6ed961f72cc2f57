"""Arguments checked by declaration (``trustlab._validate``): every constraint, every problem
at once, and the public functions that declare theirs.

(``tests/test_validate.py`` is the ``trustlab validate`` command's.)
"""

from __future__ import annotations

import timeit

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab import drift, explain, fairness, scale, signals, simulate, trust
from trustlab._validate import (LEVEL, SEED, Boolean, InstanceOf, Integral, Interval, Numbers,
                                Options, Real, SequenceOf, Text, check_params, param_problems,
                                validate_params)


def allowed(constraints, values):
    """Which of ``values`` the declared ``constraints`` allow."""
    return [not param_problems({"x": constraints}, {"x": v}) for v in values]


# ----------------------------------------------------------------------------- constraints

def test_interval_of_whole_numbers():
    """Check an Integral interval takes Python and numpy integers in range, never a bool or a
    float, and says its bounds in interval notation."""
    c = Interval(Integral, 1, 10)
    assert allowed([c], [1, 10, np.int64(5), 0, 11, 5.0, True, "5", None]) == \
        [True, True, True, False, False, False, False, False, False]
    assert str(c) == "a whole number in [1, 10]"
    assert str(Interval(Integral, 0, None)) == "a whole number in [0, inf)"


@pytest.mark.parametrize("closed, low_in, high_in, words", [
    ("both", True, True, "a number in [0, 1]"),
    ("left", True, False, "a number in [0, 1)"),
    ("right", False, True, "a number in (0, 1]"),
    ("neither", False, False, "a number in (0, 1)"),
])
def test_interval_of_numbers_and_its_ends(closed, low_in, high_in, words):
    """Check each ``closed`` keeps the ends it says, and NaN, infinity and booleans are out."""
    c = Interval(Real, 0, 1, closed=closed)
    assert allowed([c], [0, 1, 0.5, np.float32(0.5)]) == [low_in, high_in, True, True]
    assert allowed([c], [float("nan"), float("inf"), True, np.True_, "0.5"]) == [False] * 5
    assert str(c) == words
    assert allowed([Interval(Real, 0, None)], [1e300, float("inf")]) == [True, False]


def test_interval_refuses_a_bad_declaration():
    """Check a kind other than Integral/Real, an unknown ``closed`` or low above high are
    refused when declared (a bug in the kit, not the caller's)."""
    with pytest.raises(TypeError):
        Interval(int, 0, 1)
    with pytest.raises(ValueError):
        Interval(Real, 0, 1, closed="open")
    with pytest.raises(ValueError):
        Interval(Real, 2, 1)


def test_options_compare_value_and_type():
    """Check options are matched exactly: 1 is not True, a list is not hashable, and the
    message lists every option."""
    c = Options(("isotonic", "sigmoid", None))
    assert allowed([c], ["sigmoid", None, "Sigmoid", ["sigmoid"]]) == [True, True, False, False]
    assert allowed([Options((0, 1))], [1, True, np.True_]) == [True, False, False]
    assert allowed([Options((True, "auto"))], [True, "auto", 1]) == [True, True, False]
    assert str(c) == "one of 'isotonic', 'sigmoid', None"


def test_boolean_is_a_real_boolean():
    """Check True/False (Python's or numpy's) pass and 0/1, text and None do not."""
    assert allowed([Boolean()], [True, False, np.False_, 0, 1, "false", None]) == \
        [True, True, True, False, False, False, False]
    assert allowed([bool], [True, 1]) == [True, False]  # ``bool`` declares Boolean
    assert str(Boolean()) == "True or False"


def test_instance_of_and_class_shorthand():
    """Check an instance constraint, its default words and the class shorthand."""
    assert allowed([pd.DataFrame], [pd.DataFrame(), {}]) == [True, False]
    assert str(InstanceOf((pd.DataFrame, pd.Series))) == "a DataFrame or a Series"
    assert str(InstanceOf(dict, name="a mapping", hint="column → kind")) == \
        "a mapping (column → kind)"


def test_text_none_and_callable():
    """Check non-empty text, the ``None`` and ``callable`` shorthands."""
    assert allowed([Text()], ["age", " ", "", 3]) == [True, False, False, False]
    assert allowed([None], [None, 0]) == [True, False]
    assert allowed([callable], [len, 3]) == [True, False]
    assert param_problems({"x": [None, callable]}, {"x": 3})[0].message == \
        "must be None or a callable; got 3"


def test_sequence_of():
    """Check lists, tuples, arrays and Series of allowed items, their length and distinctness;
    text and generators are not sequences here."""
    pair = SequenceOf(Text(), min_len=2, max_len=2, distinct=True)
    assert allowed([pair], [("a", "b"), ["a", "b"], ("a", "a"), ("a",), "ab"]) == \
        [True, True, False, False, False]
    shares = SequenceOf(Interval(Real, 0, 1))
    assert allowed([shares], [np.array([0.1, 0.2]), pd.Series([0.5]), [], [0.1, 2],
                              (x for x in [0.1])]) == [True, True, False, False, False]
    assert str(pair) == "a list of 2 different items, each non-empty text"
    assert str(SequenceOf(Text(), min_len=0)) == "a list of 0 or more items, each non-empty text"


def test_numbers():
    """Check one or more finite numbers, as a number, a list, an array or a Series."""
    assert allowed([Numbers()], [0.5, [0.1, 0.2], np.arange(3), pd.Series([1.0])]) == [True] * 4
    assert allowed([Numbers()], [[], [0.1, np.nan], "0.5", ["a"], None]) == [False] * 5


def test_name_and_hint_word_a_constraint():
    """Check ``name`` replaces a constraint's words, ``hint`` adds to them, and ``""`` leaves
    one out when another words both."""
    c = [Interval(Real, 0, None, closed="neither", name=""),
         SequenceOf(Interval(Real, 0, None, closed="neither"), name="one or more positive numbers",
                    hint="e.g. (1, 2)")]
    (p,) = param_problems({"stress": c}, {"stress": -1})
    assert p.message == "must be one or more positive numbers (e.g. (1, 2)); got -1"
    assert str(LEVEL) == "a number in (0, 1) (such as 0.95)" and str(SEED).startswith("a whole")


# ----------------------------------------------------------------------------- the decorator

@validate_params({"n": [Interval(Integral, 1, None)], "level": [LEVEL],
                  "method": [Options(("exact", "fast"))], "by": [None, Text()]})
def _count(data, n=10, level=0.95, *, method="exact", by=None):
    return n, level, method, by


def test_every_problem_at_once_naming_function_argument_allowed_and_given():
    """Check one ParameterError lists every bad argument, in declaration order, each line
    naming the function, the argument, what is allowed and what was given."""
    with pytest.raises(trustlab.ParameterError) as err:
        _count([], 0, 95, method="quick", by="")
    e = err.value
    assert e.function == "_count"
    assert [p.where for p in e.problems] == ["n", "level", "method", "by"]
    lines = str(e).splitlines()
    assert lines[0] == "_count() has 4 bad arguments:"
    assert lines[1] == "  - the 'n' argument of _count() must be a whole number in [1, inf); got 0"
    assert lines[2] == ("  - the 'level' argument of _count() must be a number in (0, 1) "
                        "(such as 0.95); got 95")
    assert lines[3] == ("  - the 'method' argument of _count() must be one of 'exact', 'fast'; "
                        "got 'quick'")
    assert lines[4] == ("  - the 'by' argument of _count() must be None or non-empty text; "
                        "got ''")
    assert e.failure_cases["where"].tolist() == ["n", "level", "method", "by"]


def test_the_error_is_a_kit_error_and_a_type_error_not_a_data_error():
    """Check ParameterError is a TrustlabError (so the command line exits 2 on it, as on every
    bad input) and a TypeError, but not a DataError, and is exported beside the others."""
    with pytest.raises(trustlab.ParameterError) as err:
        _count([], n=-1)
    assert isinstance(err.value, trustlab.TrustlabError)
    assert isinstance(err.value, ValueError) and isinstance(err.value, TypeError)
    assert not isinstance(err.value, (trustlab.DataError, trustlab.PolicyError))
    assert "ParameterError" in trustlab.__all__


def test_arguments_are_found_by_position_keyword_or_default():
    """Check positional, keyword and default values are all checked, and good calls pass."""
    assert _count([], 3, 0.9, method="fast", by="region") == (3, 0.9, "fast", "region")
    assert _count([], level=0.5) == (10, 0.5, "exact", None)
    with pytest.raises(trustlab.ParameterError, match="'level'"):
        _count([], 3, 1.5)
    with pytest.raises(trustlab.ParameterError, match="'n'"):
        _count(data=[], n=0)

    @validate_params({"n": [Interval(Integral, 1, None)]})
    def bad_default(n=0):
        return n

    with pytest.raises(trustlab.ParameterError, match="got 0"):
        bad_default()  # a default is checked too: declarations and defaults cannot drift apart


def test_python_still_says_when_an_argument_is_missing_or_unknown():
    """Check a call Python itself refuses keeps Python's own TypeError."""
    @validate_params({"n": [Interval(Integral, 1, None)]})
    def needs(n):
        return n

    with pytest.raises(TypeError, match="missing 1 required positional argument") as err:
        needs()
    assert not isinstance(err.value, trustlab.ParameterError)
    with pytest.raises(TypeError, match="unexpected keyword"):
        _count([], m=3)


def test_a_declaration_for_no_argument_is_refused_when_declared():
    """Check a constraint naming no argument, or *args, fails at import, not at a call."""
    with pytest.raises(TypeError, match="no argument nn"):
        validate_params({"nn": [None]})(lambda n: n)
    with pytest.raises(TypeError, match=r"\*rest cannot be checked"):
        validate_params({"rest": [None]})(lambda *rest: rest)
    with pytest.raises(TypeError, match="not a constraint"):
        validate_params({"n": ["boolean"]})


def test_methods_name_their_class_and_keep_their_docstring():
    """Check a method's messages name ``Class.method`` and the wrapper keeps the docs and the
    declared constraints."""
    class Thing:
        @validate_params({"k": [Interval(Integral, 1, None)]})
        def top(self, k=3):
            """The top ``k``."""
            return k

    with pytest.raises(trustlab.ParameterError, match=r"'k' argument of .*Thing.top\(\)"):
        Thing().top(0)
    assert Thing.top.__doc__ == "The top ``k``." and "k" in Thing.top.__trustlab_constraints__


def test_check_params_for_dataclass_fields():
    """Check the functional form raises the same error for values that are not arguments."""
    with pytest.raises(trustlab.ParameterError, match="'seed' argument of Outage"):
        check_params("Outage", {"seed": [SEED]}, {"seed": -1})
    check_params("Outage", {"seed": [SEED]}, {"seed": 3})


def test_a_checked_call_costs_a_few_microseconds():
    """Check the checks of five arguments cost well under 20 µs a call (about 3 µs on the
    machine the kit was written on: a lookup and a type test per argument)."""
    def plain(replay, *, n=1000, seed=0, level=0.95, by=None):
        return n

    checked = validate_params({"replay": [pd.DataFrame], "n": [Interval(Integral, 1, None)],
                               "seed": [SEED], "level": [LEVEL], "by": [None, Text()]})(plain)
    frame = pd.DataFrame()
    calls = 20_000
    cost = min(timeit.repeat(lambda: checked(frame, n=500, level=0.9, by="x"), number=calls,
                             repeat=3)) / calls
    base = min(timeit.repeat(lambda: plain(frame, n=500, level=0.9, by="x"), number=calls,
                             repeat=3)) / calls
    assert cost - base < 20e-6


# ----------------------------------------------------------------------------- public functions

def _no_policy_call(name):
    """Calls whose only bad argument is the one named: they fail before touching any data."""
    frame = pd.DataFrame({"t": pd.to_datetime(["2025-01-01"]), "x": [1.0]})
    return {
        "bootstrap_metrics": lambda: simulate.bootstrap_metrics(None, n=0),
        "disparity": lambda: fairness.disparity(None, frame, level=95),
        "review_load": lambda: simulate.review_load(None, 0),
        "swap_analysis": lambda: simulate.swap_analysis(None, stress=()),
        "threshold_sweep": lambda: simulate.threshold_sweep(None, frame, "r", bootstrap=-1),
        "band_grid": lambda: simulate.band_grid(None, frame, "a", "b", capacity=-1),
        "replay": lambda: simulate.replay(None, frame, seed=-1),
        "lda_search": lambda: simulate.lda_search(None, frame, "a", "b", tolerances=[1.5]),
        "compare_scenarios": lambda: simulate.compare_scenarios(None, frame, [], seed=1.5),
        "band_policy": lambda: simulate.band_policy(None, "a", "b", float("nan"), 0.2),
        "explorer_state": lambda: simulate.explorer_state(None, frame, "a", "b", 0.1, 0.2,
                                                          capacity=-1),
        "plot_reviews_per_window": lambda: simulate.plot_reviews_per_window(None, capacity=-1),
        "with_rate_limit": lambda: simulate.with_rate_limit(None, "x", -1),
        "Outage": lambda: simulate.Outage(seed=-1),
        "TightenRateLimit": lambda: simulate.TightenRateLimit("x", 2.5),
        "ReviewerAccuracy": lambda: simulate.ReviewerAccuracy(1.2),
        "drift_over_time": lambda: drift.drift_over_time(frame, {"first": "1D"}, time="t",
                                                         levels="alarm"),
        "plot_drift": lambda: drift.plot_drift(None, "wasserstein"),
        "DriftCounts.of": lambda: drift.DriftCounts.of(frame, {"first": "1D"}, time="t"),
        "promotion_gate": lambda: trust.promotion_gate(None, signal_psi=-1),
        "pick_cases": lambda: explain.pick_cases(None, 0),
        "ReasonExplainer": lambda: explain.ReasonExplainer(None, max_reasons=9),
        "calibration_table": lambda: signals.calibration_table([0], [0.1], bins=0),
        "expected_calibration_error": lambda: signals.expected_calibration_error(
            [0], [0.1], strategy="kmeans"),
        "score_out_of_fold": lambda: signals.score_out_of_fold(None, "y"),
        "proxy_warnings": lambda: signals.proxy_warnings(frame, None, threshold=0.2),
        "scale.band_grid": lambda: scale.band_grid(None, frame, "a", "b", capacity=-1),
    }[name]


DECLARED = [
    ("bootstrap_metrics", "n"), ("disparity", "level"), ("review_load", "capacity"),
    ("swap_analysis", "stress"), ("threshold_sweep", "bootstrap"), ("band_grid", "capacity"),
    ("replay", "seed"), ("lda_search", "tolerances"), ("compare_scenarios", "seed"),
    ("band_policy", "approve"), ("explorer_state", "capacity"),
    ("plot_reviews_per_window", "capacity"), ("with_rate_limit", "max_count"),
    ("Outage", "seed"), ("TightenRateLimit", "max"), ("ReviewerAccuracy", "accuracy"),
    ("drift_over_time", "levels"), ("plot_drift", "metric"), ("DriftCounts.of", "reference"),
    ("promotion_gate", "signal_psi"), ("pick_cases", "n"), ("ReasonExplainer", "max_reasons"),
    ("calibration_table", "bins"), ("expected_calibration_error", "strategy"),
    ("score_out_of_fold", "data"), ("proxy_warnings", "threshold"),
    ("scale.band_grid", "capacity"),
]


@pytest.mark.parametrize("function, argument", DECLARED, ids=[f for f, _ in DECLARED])
def test_public_functions_refuse_a_bad_argument_by_name(function, argument):
    """Check every public function that declares its arguments refuses a bad one with a
    ParameterError naming the function and the argument, before it reads anything."""
    with pytest.raises(trustlab.ParameterError) as err:
        _no_policy_call(function)()
    assert argument in [p.where for p in err.value.problems]
    short = function.split(".")[-1]
    assert f"'{argument}' argument of " in str(err.value) and f"{short}()" in str(err.value)
