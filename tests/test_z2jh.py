"""The Zero to JupyterHub configuration (docs/classroom/z2jh-values.yaml) against the chart's published schema.

Helm validates the chart's defaults merged with a user's values against values.schema.json before it renders
anything; this does the same with the files of the jupyterhub chart 4.4.0 (tag 4.4.0, commit 5c5f5df, BSD-3-Clause,
docs/classroom/z2jh-4.4.0/LICENSE): values.yaml as published, values.schema.json made from values.schema.yaml the
way the chart's tools/generate-json-schema.py makes it (descriptions dropped). No cluster is involved: this checks
the configuration's shape and types, not that a cluster runs it.
"""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
import yaml

from utils import REPO_ROOT

CLASSROOM = REPO_ROOT / "docs" / "classroom"
CHART = CLASSROOM / "z2jh-4.4.0"


def merged(defaults: dict, values: dict) -> dict:
    """Helm's merge of user values over a chart's defaults (maps merge key by key; anything else replaces)."""
    out = copy.deepcopy(defaults)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@pytest.fixture(scope="module")
def schema():
    found = json.loads((CHART / "values.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(found)
    return found


@pytest.fixture(scope="module")
def defaults():
    return yaml.safe_load((CHART / "values.yaml").read_text())


@pytest.fixture(scope="module")
def ours():
    return yaml.safe_load((CLASSROOM / "z2jh-values.yaml").read_text())


def test_the_chart_defaults_pass_their_own_schema(schema, defaults):
    jsonschema.Draft7Validator(schema).validate(defaults)


def test_the_course_values_pass_the_chart_schema(schema, defaults, ours):
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(merged(defaults, ours)), key=str)
    assert not errors, [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


@pytest.mark.parametrize(
    "broken",
    [
        {"singleuser": {"memory": {"guarrantee": "1G"}}},  # a misspelt key
        {"singleuser": {"cpu": {"limit": "two"}}},  # not a number
        {"singleuser": {"imagee": {"name": "x"}}},
    ],
)
def test_the_schema_catches_a_broken_configuration(schema, defaults, ours, broken):
    assert list(jsonschema.Draft7Validator(schema).iter_errors(merged(merged(defaults, ours), broken)))


def test_per_learner_resources_follow_the_measurements(ours):
    """The guarantee covers the heaviest notebook's measured peak; the limit is Binder's 2 GB."""
    budget = json.loads((REPO_ROOT / "docs" / "budget.json").read_text())
    peaks = [row["peak_mb"] for row in budget["notebooks"].values()]
    memory = ours["singleuser"]["memory"]
    assert memory["limit"] == "2G" and memory["guarantee"] == "1G"
    assert len(peaks) >= 20 and max(peaks) <= 1000, "a notebook's peak passed the 1G guarantee: raise it"
    cpu = ours["singleuser"]["cpu"]
    assert 0 < cpu["guarantee"] <= cpu["limit"]
