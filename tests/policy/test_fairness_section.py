"""The policy's `fairness` section: protected attributes declared once, old policies
unchanged."""

from __future__ import annotations

import pytest
import yaml

import trustlab
from trustlab import PolicyError
from _support import REPO

BASE = yaml.safe_load((REPO / "policies" / "retention-offer.yaml").read_text())


def _with(fairness) -> str:
    return yaml.safe_dump({**BASE, "fairness": fairness}, sort_keys=False)


def test_section_reads_with_its_defaults():
    """Check protected, reference, min_group and adverse_ratio, defaults 30 and 0.8."""
    p = trustlab.parse_policy(_with({"protected": ["age_band", "region"],
                                     "reference": {"age_band": "35-54"}}))
    assert p.fairness.protected == ("age_band", "region")
    assert p.fairness.reference_of("age_band") == "35-54"
    assert p.fairness.reference_of("region") is None
    assert (p.fairness.min_group, p.fairness.adverse_ratio) == (30, 0.8)


BEFORE_FAIRNESS = {
    "consumer-credit": "3ea85d0b16ec93e8ea43c32d3149909f72d69e2278318c446284b7112186776e",
    "consumer-credit-braked": "6a79119ebd0d729ee523a39aa5955fcee1af31226a8f7e75842f7dc0aff8659b",
    "fraud-hold": "bcc28bca928518d8ef1477f64ebdcd02aa2b8f1945b9e57f14980fc509fd41f8",
    "lending-club-risk": "44553809ebb3d84a5aeaa9d47f72e95614b5e91557eeb4c97221bea79fcdb896",
}
"""Content hashes of shipped policies as the kit computed them before the section existed."""


@pytest.mark.parametrize("name", sorted(BEFORE_FAIRNESS))
def test_old_policies_keep_their_hash(name):
    """Check a policy without the section loads with fairness None and the hash it had."""
    p = trustlab.load_policy(REPO / "policies" / f"{name}.yaml")
    assert p.fairness is None and p.content_hash == BEFORE_FAIRNESS[name]


def test_the_section_is_content():
    """Check declaring protected attributes changes the hash (a change needs a version)."""
    without = {k: v for k, v in BASE.items() if k != "fairness"}
    assert trustlab.parse_policy(yaml.safe_dump(without)).content_hash != \
        trustlab.parse_policy(_with({"protected": ["age_band"]})).content_hash


@pytest.mark.parametrize("fairness, fragment", [
    ({"protected": ["p_churn"]}, "'p_churn' is the policy's signal"),
    ({"protected": ["churned"]}, "'churned' is the policy's outcome label"),
    ({"protected": ["customer_id"]}, "'customer_id' is the policy's row key"),
    ({"protected": []}, "must list at least one protected column"),
    ({"protected": ["age_band"], "reference": {"region": "east"}},
     "names a column not listed in `fairness.protected`"),
    ({"protected": ["age_band"], "reference": {"age_band": ["35-54"]}},
     "must be one group value"),
    ({"protected": ["age_band"], "reference": "35-54"}, "must map a protected column"),
    ({"protected": ["age_band"], "adverse_ratio": 1.5}, "fairness.adverse_ratio"),
    ({"protected": ["age_band"], "min_group": 0}, "fairness.min_group"),
    ({"reference": {"age_band": "35-54"}}, "is required (missing from fairness)"),
])
def test_refusals_name_the_field(fairness, fragment):
    """Check each malformed section is a PolicyError naming the field and the fix."""
    with pytest.raises(PolicyError) as info:
        trustlab.parse_policy(_with(fairness))
    assert fragment in str(info.value)
