"""The policy's `fairness` section: protected attributes declared once, old policies
unchanged."""

from __future__ import annotations

import pytest
import yaml

import trustlab
from trustlab import PolicyError
from conftest import REPO

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


def test_old_policies_keep_their_hash():
    """Check a policy without the section loads with fairness None and its earlier hash."""
    p = trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml")
    assert p.fairness is None
    assert trustlab.parse_policy(_with(None)).content_hash == trustlab.load_policy(
        REPO / "policies" / "retention-offer.yaml").content_hash
    assert trustlab.parse_policy(_with({"protected": ["age_band"]})).content_hash != \
        trustlab.parse_policy(_with(None)).content_hash


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
