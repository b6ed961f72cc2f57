"""Hostile policy files are refused quickly, in bounded memory, with a PolicyError naming the limit.

Each case measures the wall time and the peak of Python allocations (tracemalloc) of one
refusal. The bounds are generous (2 s, 150 MB) because test machines are shared; the
refusals themselves take milliseconds and a few MB (see the README's "Limits").
"""

from __future__ import annotations

import re
import time
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trustlab
from _support import BASE, policy_text

SECONDS = 2.0
MEGABYTES = 150


def refused(call, pattern: str) -> trustlab.PolicyError:
    """Run ``call``; check it raises a PolicyError matching ``pattern`` fast and in little memory."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(trustlab.PolicyError) as info:
            call()
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    assert re.search(pattern, str(info.value)), str(info.value)
    assert seconds < SECONDS, f"took {seconds:.2f} s"
    assert peak < MEGABYTES, f"peak {peak:.0f} MB"
    print(f"\n  {seconds * 1000:.0f} ms, peak {peak:.1f} MB: {str(info.value).splitlines()[-1]}")
    return info.value


def with_rule(when: str = "p < 0.1", because: str = "Low.") -> str:
    """BASE with one more rule first, using ``when`` and ``because``."""
    rule = f"rules:\n  - id: hostile\n    when: {when!r}\n    then: approve\n    because: {because!r}\n"
    return BASE.replace("rules:\n", rule, 1).replace("'", '"') if "'" not in when + because \
        else BASE.replace("rules:\n", rule, 1)


def test_alias_bomb_is_refused():
    """Check that a 'billion laughs' alias bomb is refused on its alias count, not expanded."""
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]
    refused(lambda: trustlab.parse_policy(BASE + "\n".join(lines) + "\n"),
            r"too many YAML aliases: the limit is 100")


def test_few_aliases_expanding_to_many_values_are_refused():
    """Check that under 100 aliases that would still expand to a billion values are refused."""
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    refused(lambda: trustlab.parse_policy(BASE + "\n".join(lines) + "\n"),
            r"too many values once YAML aliases are expanded: the limit is 20,000")


def test_aliases_nesting_deeper_than_written_are_refused():
    """Check that aliases cannot build nesting deeper than the limit out of shallow anchors."""
    lines = ["a0: &a0 [[[[[[[[[[1]]]]]]]]]]"]
    lines += [f"a{i}: &a{i} [[[[[[[[[*a{i - 1}]]]]]]]]]" for i in range(1, 8)]
    refused(lambda: trustlab.parse_policy(BASE + "\n".join(lines) + "\n"),
            r"nesting too deep once YAML aliases are expanded: the limit is 50")


def test_honest_aliases_still_load():
    """Check that a few aliases (shared values) still load as before."""
    p = trustlab.parse_policy(policy_text("segments: &s [grade]\nx-note: *s\n").replace(
        "x-note: *s\n", ""))
    assert p.segments == ("grade",)


@pytest.mark.parametrize("levels, found", [(51, "51 levels"), (900, "51 levels"),
                                           (5000, "more than 50 levels")])
def test_deep_yaml_nesting_is_refused(levels, found):
    """Check that deeply nested brackets are refused (not a RecursionError)."""
    text = BASE + "deep: " + "[" * levels + "]" * levels + "\n"
    refused(lambda: trustlab.parse_policy(text), rf"nesting too deep: the limit is 50, found {found}")
    block = BASE + "deep:\n" + "".join("  " * i + "- \n" for i in range(min(levels, 200)))
    refused(lambda: trustlab.parse_policy(block), r"nesting too deep: the limit is 50")


def test_nesting_at_the_limit_loads_until_the_policy_checks():
    """Check that 49 levels under a top-level key pass the YAML limits (then fail as a policy)."""
    text = BASE + "x-deep: " + "[" * 49 + "]" * 49 + "\n"
    with pytest.raises(trustlab.PolicyError, match="x-deep") as info:
        trustlab.parse_policy(text)
    assert "nesting" not in str(info.value)


def test_huge_format_width_is_refused_before_formatting():
    """Check that `{p:999999999}` is refused at load without building a gigabyte string."""
    err = refused(lambda: trustlab.parse_policy(with_rule(because="Risk {p:999999999}.")),
                  r"width or precision of 999999999; the limit is 1,000 characters")
    assert "rules[0].because" in str(err)
    refused(lambda: trustlab.parse_policy(with_rule(because="Risk {p:.99999999f}.")),
            r"width or precision of 99999999")
    refused(lambda: trustlab.parse_policy(with_rule(because="{p:" + "9" * 1500 + "}")),
            r"a 1,500-digit number; the limit is 1,000")


def test_widths_within_the_limit_load():
    """Check that a width of 1,000 and a fill digit still load."""
    p = trustlab.parse_policy(with_rule(because="Risk {p:0>1000}."))
    assert p.rules[0].because.parts[0][2] == "0>1000"


@pytest.mark.parametrize("when, pattern", [
    ("(" * 2000 + "p < 1" + ")" * 2000, "nested too deeply: the limit is 100"),
    ("(" * 2000, "nested too deeply: the limit is 100"),
    ("not " * 2000 + "p < 1", "nested too deeply: the limit is 100"),
    ("p < " + "9" * 5000, "too many digits: the limit is 100, found 5,000"),
    ("p < 0." + "1" * 200, "too many digits: the limit is 100, found 201"),
])
def test_hostile_conditions_are_refused(when, pattern):
    """Check that deep brackets, deep `not` and long numbers in a condition are refused."""
    err = refused(lambda: trustlab.parse_policy(with_rule(when=when)), pattern)
    assert "rules[0].when" in str(err)


@pytest.mark.parametrize("when", [" and ".join(["p < 0.5"] * 1500),
                                  "grade in [" + ", ".join(f"'g{i}'" for i in range(2000)) + "]"])
def test_long_condition_is_refused(when):
    """Check that a condition over 10,000 characters is refused by its length."""
    refused(lambda: trustlab.parse_policy(with_rule(when=when)),
            rf"the condition is too long: the limit is 10,000 characters, found {len(when):,}")


def test_long_because_is_refused():
    """Check that a `because` over 2,000 characters (here 3,000 fields) is refused."""
    refused(lambda: trustlab.parse_policy(with_rule(because="{p}" * 3000)),
            r"rules\[0\].because.*the text is too long: the limit is 2,000 characters, found 9,000")


def test_hostile_input_at_every_limit_at_once_stays_fast():
    """Check the worst honest-looking file: 256 KiB of rules with long conditions and reasons."""
    when = "grade in [" + ", ".join(f"'g{i}'" for i in range(1500)) + "]"
    head = BASE.split("rules:\n")[0] + "rules:\n"
    rules, i = [], 0
    while sum(map(len, rules)) + len(when) + 2500 < 262_144 - len(head) - 200:
        rules.append(f"  - {{id: r{i}, when: \"{when} and p < 0.{i + 1}\", then: approve, "
                     f"because: \"{'{p:.2f} ' * 200}\"}}\n")
        i += 1
    text = head + "".join(rules) + "  - {id: rest, otherwise: true, then: review, because: x}\n"
    start = time.perf_counter()
    try:
        trustlab.parse_policy(text)
    except trustlab.PolicyError:
        pass
    assert time.perf_counter() - start < 3 * SECONDS


def test_condition_depth_at_the_limit_loads():
    """Check that 100 levels of brackets still parse (the limit is inclusive)."""
    p = trustlab.parse_policy(with_rule(when="(" * 99 + "p < 0.01" + ")" * 99))
    assert p.rules[0].when.canonical() == "p < 0.01"


@pytest.mark.parametrize("digits", [101, 5000])
def test_long_yaml_number_is_refused(digits):
    """Check that a number with thousands of digits is refused (not ValueError/OverflowError)."""
    err = refused(lambda: trustlab.parse_policy(policy_text(f"x-count: {'7' * digits}\n")),
                  f"x-count: a number with too many digits: the limit is 100, found {digits:,}")
    assert "line 48" in str(err) or "(line" in str(err) or str(err)


def test_too_many_rules_is_refused():
    """Check that 1,001 rules are refused by count, and 40,000 rules (a 2 MB file) by size."""
    rule = "  - {id: r%d, when: p < 0.1, then: approve, because: x}\n"
    head = BASE.split("rules:\n")[0] + "rules:\n"
    tail = "  - {id: rest, otherwise: true, then: review, because: Other.}\n"
    text = head + "".join(rule % i for i in range(1000)) + tail
    refused(lambda: trustlab.parse_policy(text), r"too many rules: the limit is 1,000, found 1,001")
    text = head + "".join(rule % i for i in range(40_000)) + tail
    refused(lambda: trustlab.parse_policy(text), r"too large: the limit is 262,144 bytes, found at least 2,349,279 bytes")


@pytest.mark.parametrize("key, limit, item", [
    ("actions", 100, "  a{i}: {{automated: false}}\n"),
    ("signals", 100, "  - {{name: s{i}, kind: score, model: m, higher_means: risk}}\n"),
])
def test_too_many_actions_or_signals_are_refused(key, limit, item):
    """Check that 1,000 actions or signals are refused by count, before per-item checks."""
    items = "".join(item.format(i=i) for i in range(1000))
    text = BASE.replace(f"{key}:\n", f"{key}:\n" + items, 1)
    n = 1000 + (3 if key == "actions" else 1)
    refused(lambda: trustlab.parse_policy(text),
            rf"{key} \(line \d+\): too many {key}: the limit is {limit}, found {n:,}")


def test_too_many_segments_are_refused():
    """Check that 20,000 segment columns are refused by count."""
    text = BASE + "segments: [" + ", ".join(f"c{i}" for i in range(20000)) + "]\n"
    refused(lambda: trustlab.parse_policy(text), r"too many values: the limit is 20,000")
    text = BASE + "segments: [" + ", ".join(f"c{i}" for i in range(101)) + "]\n"
    refused(lambda: trustlab.parse_policy(text), r"too many segments: the limit is 100, found 101")


def test_lone_surrogate_is_refused():
    """Check that text holding a lone surrogate is a PolicyError, not a UnicodeEncodeError."""
    refused(lambda: trustlab.parse_policy(BASE + "x: \ud800\n"),
            r"'\\ud800' at position \d+ is not valid Unicode text")


def test_many_rules_under_the_limit_load_quickly():
    """Check that 1,000 rules (well beyond any honest policy) load within the time bound."""
    rule = "  - {id: r%d, when: p < 0.1, then: approve, because: x}\n"
    head = BASE.split("rules:\n")[0] + "rules:\n"
    text = head + "".join(rule % i for i in range(999)) + \
        "  - {id: rest, otherwise: true, then: review, because: Other.}\n"
    start = time.perf_counter()
    with pytest.raises(trustlab.PolicyError, match="can never fire"):
        trustlab.parse_policy(text)  # rule r1 repeats r0: refused for that, not for size
    assert time.perf_counter() - start < 10 * SECONDS


def test_fifty_megabyte_file_is_refused_unread(tmp_path):
    """Check that a 50 MB policy file is refused on its size without being read or parsed."""
    path = tmp_path / "big.yaml"
    with path.open("w") as fh:
        fh.write(BASE)
        fh.write("x-filler: |\n")
        line = "  " + "x" * 98 + "\n"
        fh.write(line * 500_000)
    size = path.stat().st_size
    err = refused(lambda: trustlab.load_policy(path),
                  rf"the file is too large: the limit is 262,144 bytes, found {size:,} bytes")
    assert "big.yaml" in str(err)
    text = path.read_text()
    refused(lambda: trustlab.parse_policy(text),
            rf"the policy text is too large: the limit is 262,144 bytes, found at least {size:,}")


def test_endless_device_is_refused_after_the_limit():
    """Check that a file with no size (a device) is read only up to the limit, then refused."""
    import os

    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    refused(lambda: trustlab.load_policy("/dev/zero"),
            r"the file is too large: the limit is 262,144 bytes, found more than 262,144 bytes")


@pytest.mark.parametrize("written, read", [("010", "8"), ("0x1F", "31"), ("1:30", "90"),
                                           ("1_000", "1000"), ("0b11", "3")])
def test_version_yaml_reads_differently_is_refused(written, read):
    """Check that an unquoted version YAML reads as another number is refused with the fix."""
    text = BASE.replace('version: "1.0"', f"version: {written}")
    with pytest.raises(trustlab.PolicyError) as info:
        trustlab.parse_policy(text)
    msg = str(info.value)
    assert f"is written {written} but YAML reads it as the number {read}" in msg
    assert f'quote it: version: "{written}"' in msg


@pytest.mark.parametrize("written", ["3", "12", "0o17", '"010"', "'0x1F'", '"1:30"'])
def test_versions_read_as_written_still_load(written):
    """Check that plain integers and quoted versions load unchanged."""
    p = trustlab.parse_policy(BASE.replace('version: "1.0"', f"version: {written}"))
    assert p.version == written.strip("'\"")


# --------------------------------------------------------------------------- fuzz

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                     st.text(max_size=20))
_TREES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=20,
)
_KEYS = st.sampled_from(["trustlab", "name", "version", "owner", "signals", "actions", "rules",
                         "columns", "guardrails", "kill_switch", "outcomes", "segments",
                         "checks", "promotion", "mode", "description"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_fuzz_random_yaml_text_only_policy_errors(text):
    """Check that any text given to parse_policy either loads or raises a PolicyError."""
    try:
        trustlab.parse_policy(text)
    except trustlab.PolicyError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEYS, _TREES, max_size=8))
@pytest.mark.slow  # a fuzz run: ~9 s
def test_fuzz_random_mappings_only_policy_errors(mapping):
    """Check that random mappings with policy keys, dumped as YAML, only raise PolicyError."""
    import yaml

    try:
        trustlab.parse_policy(yaml.safe_dump(mapping))
    except trustlab.PolicyError:
        pass


def _paths(tree, path=()):
    """Every path to a value in a parsed YAML tree."""
    yield path
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) \
        if isinstance(tree, list) else ()
    for key, value in items:
        yield from _paths(value, path + (key,))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
@pytest.mark.slow  # a fuzz run: ~9 s
def test_fuzz_valid_policy_with_one_value_replaced_only_policy_errors(data):
    """Check that the tiny policy with any one value replaced by a random one only raises PolicyError."""
    import yaml

    tree = yaml.safe_load(BASE)
    path = data.draw(st.sampled_from(list(_paths(tree))[1:]))
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = data.draw(_TREES)
    try:
        trustlab.parse_policy(yaml.safe_dump(tree))
    except trustlab.PolicyError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["p is missing", "p >= 0.5", "grade in ['A', 'B']", "amount > 100",
                        "not (p < 0.2 or grade == 'C')", "p != 0.3 and amount <= 7"]),
       st.text(max_size=40))
def test_fuzz_mutated_conditions_only_policy_errors(when, noise):
    """Check that a valid condition with random text spliced in only raises PolicyError."""
    cut = len(noise) % (len(when) + 1)
    text = with_rule(when=when[:cut] + noise + when[cut:])
    try:
        trustlab.parse_policy(text)
    except trustlab.PolicyError:
        pass


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=10), st.binary(max_size=5), st.lists(st.integers(), max_size=2),
                    st.complex_numbers(), st.datetimes(),
                    st.timedeltas())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["app_id", "t", "p", "amount", "grade", "other"]),
                       _VALUES, max_size=6))
def test_fuzz_random_records_only_kit_errors(record):
    """Check that any record given to decide is decided or refused with a TrustlabError."""
    policy = trustlab.parse_policy(policy_text())
    try:
        decision = policy.decide(record)
    except trustlab.TrustlabError:
        return
    assert decision.action in {a.name for a in policy.actions}


# --------------------------------------------------------------------------- text from data


def test_segment_value_with_dollars_is_drawn_literally():
    """Check that a segment value like '$x^{$' draws as written, not as (broken) mathtext."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from trustlab.datasets import make_history
    from trustlab.simulate import replay
    from trustlab.simulate._plots import plot_segment_rates
    from _support import REPO

    history = make_history(n_days=7, applications_per_day=60, seed=3)
    hostile = np.array(["$x^{$", "$a$ and $b$", "plain", r"cost \$5 $"], dtype=object)
    history["purpose"] = hostile[np.arange(len(history)) % len(hostile)]
    replayed = replay(trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml"), history,
                      segments=("purpose",))
    try:
        d = plot_segment_rates(replayed, "purpose")
        d.figure_.canvas.draw()  # mathtext would raise ValueError here
        renderer = d.figure_.canvas.get_renderer()
        labels = d.ax_.get_yticklabels()
        assert len(labels) == len(hostile)
        for label in labels:
            shown = label.get_text().replace(r"\$", "$")
            assert shown in set(hostile)
            plain = Text(0, 0, shown, parse_math=False, figure=d.figure_,
                         fontproperties=label.get_fontproperties())
            assert label.get_window_extent(renderer).width == pytest.approx(
                plain.get_window_extent(renderer).width)
    finally:
        plt.close("all")


_COLUMN_VALUES = st.one_of(
    st.lists(st.one_of(st.none(), st.floats(allow_nan=True)), min_size=3, max_size=3),
    st.lists(st.one_of(st.none(), st.integers(-2**63, 2**63 - 1)), min_size=3, max_size=3),
    st.lists(st.one_of(st.none(), st.text(max_size=5)), min_size=3, max_size=3),
    st.lists(st.one_of(st.none(), st.booleans()), min_size=3, max_size=3),
    st.lists(st.datetimes(), min_size=3, max_size=3),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({"p": _COLUMN_VALUES, "amount": _COLUMN_VALUES,
                              "grade": _COLUMN_VALUES}),
       st.dictionaries(st.sampled_from(["app_id", "t"]), _COLUMN_VALUES, max_size=1))
def test_fuzz_random_frames_only_kit_errors(columns, keys):
    """Check that apply on a frame of random columns decides every row or raises a TrustlabError."""
    import pandas as pd

    policy = trustlab.parse_policy(policy_text())
    frame = pd.DataFrame({"app_id": ["a", "b", "c"], "t": pd.date_range("2025-01-01", periods=3),
                          **columns, **keys})
    try:
        out = policy.apply(frame)
    except trustlab.TrustlabError:
        return
    assert len(out) == 3 and set(out["action"].astype(str)) <= {a.name for a in policy.actions}
