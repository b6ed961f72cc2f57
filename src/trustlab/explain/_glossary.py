"""The reason glossary: feature names and directions → plain phrases.

A glossary is a small YAML file::

    glossary: 1
    features:
      debt_to_income:
        family: debt_burden
        up: Debt payments are high relative to income
        down: Debt payments are low relative to income
      loan_amount: {family: debt_burden}
    families:
      debt_burden:
        up: Debt payments are high relative to income
        down: Debt payments are modest relative to income
    prohibited: [age_band]

``up`` is the phrase given when the feature raised the modelled risk of the bad
outcome, ``down`` when it lowered it; which of the two explains a decision depends
on the side of the deciding rule's line (a decline and a retention offer are both
explained by what raised the risk). Features of one family are
reported as one reason. Features listed under ``prohibited`` (protected
attributes, for example) are never given as reasons; a policy's protected
attributes (``fairness.protected``) join them wherever reasons are drawn for a
policy (see :func:`prohibited_bases`). Features missing from the glossary get a
readable default phrase.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path

from .._errors import ConfigError, Problem
from .._yaml import YamlProblem, read_yaml

__all__ = ["Glossary", "FeatureText", "load_glossary", "parse_glossary", "default_phrase",
           "prohibited_bases", "policy_glossary"]


@dataclass(frozen=True)
class FeatureText:
    """Phrases for one feature or family."""

    up: str | None = None
    down: str | None = None
    family: str | None = None


def _label(name: str) -> str:
    words = name.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def default_phrase(name: str, up: bool) -> str:
    """The phrase for a feature with no glossary entry.

    Examples
    --------
    >>> default_phrase("debt_to_income", True)
    'Debt to income raised the assessed risk'
    """
    return f"{_label(name)} {'raised' if up else 'lowered'} the assessed risk"


@dataclass(frozen=True)
class Glossary:
    """Validated glossary: phrases, families and prohibited bases."""

    features: dict[str, FeatureText] = field(default_factory=dict)
    families: dict[str, FeatureText] = field(default_factory=dict)
    prohibited: frozenset[str] = frozenset()
    source: str | None = None

    def group_of(self, feature: str) -> str:
        """The reason a feature is reported under: its family, or itself."""
        entry = self.features.get(feature)
        return entry.family if entry is not None and entry.family else feature

    def phrase(self, group: str, up: bool) -> str:
        """The plain phrase for a reason group pushing risk up (or down)."""
        for table in (self.families, self.features):
            entry = table.get(group)
            if entry is not None:
                text = entry.up if up else entry.down
                if text:
                    return text
        return default_phrase(group, up)

    def is_prohibited(self, feature_or_group: str) -> bool:
        """True for a prohibited feature, or a family holding one."""
        if feature_or_group in self.prohibited:
            return True
        return any(self.group_of(f) == feature_or_group for f in self.prohibited)


_TOP = ("glossary", "features", "families", "prohibited")


def parse_glossary(text: str, source: str = "<glossary text>") -> Glossary:
    """Parse and validate glossary YAML.

    Raises
    ------
    trustlab.ConfigError
        Listing every problem with its field path and line.

    Examples
    --------
    >>> g = parse_glossary('''
    ... glossary: 1
    ... features:
    ...   dti: {family: burden, up: Debt is high relative to income}
    ... prohibited: [age]
    ... ''')
    >>> g.group_of("dti"), g.phrase("dti", True), g.is_prohibited("age")
    ('burden', 'Debt is high relative to income', True)
    """
    label = f"Glossary file '{source}'" if source != "<glossary text>" else "Glossary text"
    try:
        doc = read_yaml(text, what="glossary")
    except YamlProblem as exc:
        raise ConfigError(label, [Problem("(document)", str(exc), exc.line)]) from None
    raw = doc.data
    problems: list[Problem] = []

    def add(path: str, message: str) -> None:
        problems.append(Problem(path, message, doc.lines.get(path)))

    if not isinstance(raw, dict):
        raise ConfigError(label, [Problem("(document)", "a glossary must be a YAML mapping with "
                                                        "keys glossary, features, families, prohibited")])
    for key in raw:
        if key not in _TOP:
            close = difflib.get_close_matches(str(key), _TOP, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            add(str(key), f"unknown key '{key}'.{hint} Allowed keys: {', '.join(_TOP)}")
    if raw.get("glossary") != 1:
        add("glossary", f"must be 1 (the glossary format version); got {raw.get('glossary')!r}")

    def entries(section: str, allow_family: bool) -> dict[str, FeatureText]:
        out: dict[str, FeatureText] = {}
        value = raw.get(section) or {}
        if not isinstance(value, dict):
            add(section, "must map names to {up: ..., down: ...}")
            return out
        allowed = ("up", "down", "family") if allow_family else ("up", "down")
        for name, spec in value.items():
            path = f"{section}.{name}"
            spec = spec or {}
            if not isinstance(spec, dict):
                add(path, f"must be a mapping with keys {', '.join(allowed)}")
                continue
            for k in spec:
                if k not in allowed:
                    close = difflib.get_close_matches(str(k), allowed, n=1)
                    hint = f" Did you mean '{close[0]}'?" if close else ""
                    add(f"{path}.{k}", f"unknown key '{k}'.{hint} Allowed keys: {', '.join(allowed)}")
            for k in allowed:
                if k in spec and (not isinstance(spec[k], str) or not spec[k].strip()):
                    add(f"{path}.{k}", "must be non-empty text")
            out[str(name)] = FeatureText(spec.get("up"), spec.get("down"), spec.get("family"))
        return out

    features = entries("features", True)
    families = entries("families", False)
    prohibited = raw.get("prohibited") or []
    if not isinstance(prohibited, list) or not all(isinstance(p, str) for p in prohibited):
        add("prohibited", "must be a list of feature names")
        prohibited = []
    for name in prohibited:
        entry = features.get(name)
        if entry is not None and entry.family and any(
            f.family == entry.family for n, f in features.items() if n != name
        ):
            add("prohibited", f"'{name}' shares family '{entry.family}' with other features; a "
                              "prohibited basis must not be folded into a reason that is given")
    if problems:
        raise ConfigError(label, problems)
    return Glossary(features, families, frozenset(prohibited), None if source == "<glossary text>" else source)


def load_glossary(path: str | os.PathLike) -> Glossary:
    """Read and validate a glossary file (see :func:`parse_glossary`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Glossary file '{p}'", [Problem("(file)", f"cannot be read: {exc}")]) from None
    return parse_glossary(text, str(p))


def prohibited_bases(glossary: Glossary | None = None, policy=None) -> frozenset[str]:
    """Features never given as a reason: the glossary's ``prohibited``, the policy's protected.

    The one place the two lists are merged: reason codes drawn for a policy
    (:meth:`trustlab.explain.ReasonExplainer.reason_codes`, and through them
    :func:`trustlab.explain.explain_case` and :func:`trustlab.explain.global_view`)
    and the columns a review never trains a signal on both read it. Either
    may be missing: without a glossary the policy's ``fairness.protected``
    alone, without a policy (or without its ``fairness`` section) the
    glossary's ``prohibited`` alone.

    Parameters
    ----------
    glossary : Glossary, optional
    policy : Policy, optional

    Returns
    -------
    frozenset of str

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/retention-offer.yaml")  # age_band protected
    >>> g = parse_glossary("glossary: 1\\nprohibited: [region]\\n")
    >>> sorted(prohibited_bases(g, p)), sorted(prohibited_bases(None, p))
    (['age_band', 'region'], ['age_band'])
    >>> sorted(prohibited_bases(g))
    ['region']
    """
    own = frozenset(glossary.prohibited) if glossary is not None else frozenset()
    fairness = getattr(policy, "fairness", None)  # the format's `fairness` section, where declared
    return own | frozenset(getattr(fairness, "protected", None) or ())


def policy_glossary(glossary: Glossary | None, policy) -> Glossary:
    """``glossary`` (or an empty one) whose prohibited bases are :func:`prohibited_bases`.

    A protected attribute the glossary files under a family shared with other
    features is taken out of that family: it becomes a reason group of its
    own, whose contribution is measured and withheld, and the family's reason
    is given without it (a prohibited basis is never folded into a reason
    that is given). Returns ``glossary`` itself when nothing is added.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/retention-offer.yaml")  # age_band protected
    >>> g = parse_glossary('''
    ... glossary: 1
    ... features:
    ...   age_band: {family: life_stage}
    ...   tenure_months: {family: life_stage}
    ... ''')
    >>> merged = policy_glossary(g, p)
    >>> merged.is_prohibited("age_band"), merged.is_prohibited("life_stage")
    (True, False)
    >>> merged.group_of("age_band"), merged.group_of("tenure_months")
    ('age_band', 'life_stage')
    >>> policy_glossary(g, None) is g
    True
    """
    base = glossary if glossary is not None else Glossary()
    bases = prohibited_bases(glossary, policy)
    if bases == base.prohibited:
        return base
    features = dict(base.features)
    for name in bases - base.prohibited:
        entry = features.get(name)
        if entry is not None and entry.family:
            features[name] = FeatureText(entry.up, entry.down, None)
    return Glossary(features, dict(base.families), bases, base.source)
