"""Manifest loading and the error messages a user sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gate.errors import ManifestError
from gate.model.job import PURPOSES
from gate.model.manifest import load_job, load_manifests

GOOD = """\
apiVersion: scrapegate/v1
kind: CollectionJob
metadata: {name: prices, owner: me@example.com}
spec:
  operator: {name: Shop Watch, establishment: de, markets: [EU]}
  purpose: {category: price_monitoring}
  user_agent: "PriceBot/1.0"
  data_categories: [non_personal]
  data_subjects: {jurisdictions: [eu]}
  targets:
    - "https://shop.example.com/p/1"
    - {url: "https://shop.example.com/account", authenticated: true}
"""


def write(tmp_path: Path, text: str, name: str = "job.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_loads_targets_as_strings_and_objects(tmp_path: Path) -> None:
    [loaded] = load_manifests([write(tmp_path, GOOD)])
    targets = loaded.job.target_list()
    assert [t.url for t in targets] == ["https://shop.example.com/p/1", "https://shop.example.com/account"]
    assert [t.authenticated for t in targets] == [False, True]
    assert loaded.job.spec.operator.establishment == "DE"
    assert loaded.job.spec.data_subjects.jurisdictions == ["EU"]
    assert loaded.target_lines == [11, 12]


def test_several_documents_in_one_file(tmp_path: Path) -> None:
    second = GOOD.replace("name: prices", "name: prices-2")
    jobs = load_manifests([write(tmp_path, GOOD + "---\n" + second)])
    assert [(j.job.name, j.document) for j in jobs] == [("prices", 1), ("prices-2", 2)]


def test_json_manifest(tmp_path: Path) -> None:
    import json

    import yaml

    p = write(tmp_path, json.dumps(yaml.safe_load(GOOD)), "job.json")
    [loaded] = load_manifests([p])
    assert loaded.job.name == "prices"


def test_wrong_enum_names_file_document_field_and_allowed_values(tmp_path: Path) -> None:
    p = write(tmp_path, GOOD.replace("price_monitoring", "face_search"), "faces.yaml")
    with pytest.raises(ManifestError) as info:
        load_manifests([p])
    message = str(info.value)
    assert re.match(rf"{re.escape(str(p))}:\d+: spec\.purpose\.category: 'face_search' is not one of: ", message), message
    assert ", ".join(PURPOSES) in message


def test_unknown_field_and_missing_field(tmp_path: Path) -> None:
    text = GOOD.replace("  user_agent: \"PriceBot/1.0\"\n", "  useragent: x\n")
    with pytest.raises(ManifestError) as info:
        load_manifests([write(tmp_path, text)])
    assert "spec.user_agent: required field is missing" in str(info.value)
    assert "spec.useragent: unknown field" in str(info.value)


def test_unknown_api_version(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"apiVersion: unknown apiVersion 'scrapegate/v2'; this scrapegate reads scrapegate/v1"):
        load_manifests([write(tmp_path, GOOD.replace("scrapegate/v1", "scrapegate/v2"))])


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    p = write(tmp_path, GOOD.replace("  purpose: {category: price_monitoring}", "  purpose: {category: [price"))
    with pytest.raises(ManifestError, match=rf"^{p}:7:\d+: invalid YAML"):
        load_manifests([p])


def test_a_date_that_is_none_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("kind: CollectionJob\n", "kind: CollectionJob\nsince: 2026-02-30\n"))
    with pytest.raises(ManifestError) as info:
        load_manifests([path])
    assert str(info.value) == f"{path}:3: invalid YAML date: day is out of range for month"


def test_bad_target_url_and_jurisdiction(tmp_path: Path) -> None:
    text = GOOD.replace('"https://shop.example.com/p/1"', '"ftp://shop.example.com/p/1"').replace("[eu]", "[Europe]")
    with pytest.raises(ManifestError) as info:
        load_manifests([write(tmp_path, text)])
    msg = str(info.value)
    assert "spec.targets[0]: only http and https URLs can be gated" in msg
    assert "spec.data_subjects.jurisdictions[0]: 'Europe' is not a jurisdiction" in msg


def test_eu_territories_are_read_as_their_member_state(tmp_path: Path) -> None:
    """Reunion, Guadeloupe, Aland... are EU territory: "RE" passed as an uncovered country,
    so a face search of people there was allowed with a warning (LEGAL-R2 R14's reading)."""
    text = GOOD.replace("[eu]", "[re, GP, ax, ' mq ', FR]").replace("establishment: de", "establishment: YT") \
        .replace("markets: [EU]", "markets: [RE, PF]")
    [loaded] = load_manifests([write(tmp_path, text)])
    spec = loaded.job.spec
    assert spec.data_subjects.jurisdictions == ["FR", "FR", "FI", "FR", "FR"]
    assert (spec.operator.establishment, spec.operator.markets) == ("FR", ["FR", "PF"])  # PF: outside EU law


def test_eu_has_no_subdivisions(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as info:
        load_manifests([write(tmp_path, GOOD.replace("[eu]", "[EU-27]").replace("markets: [EU]", "markets: [eu-fr]"))])
    msg = str(info.value)
    assert ":9: spec.data_subjects.jurisdictions[0]: 'EU-27' is not a jurisdiction: 'EU' has no subdivisions" in msg
    assert ":5: spec.operator.markets[0]: 'eu-fr' is not a jurisdiction" in msg


def test_a_reference_that_shows_nothing_is_no_reference(tmp_path: Path) -> None:
    """evidence: "\u00a0" counted as a consent record on the embedded engine (its trim_space
    strips ASCII spaces only) and not on OPA; a zero-width space counted on both."""
    basis = ('  legal_basis:\n    law_reference: "\\u3000"\n'
             '    consent: {kind: written_release, evidence: "\\u00a0"}\n'
             '    assessments: {lia: "\\u200b\\u2060", dpia: "\\u3164 \\ufeff"}\n')
    [loaded] = load_manifests([write(tmp_path, GOOD.replace("  targets:", basis + "  targets:"))])
    legal = loaded.job.spec.legal_basis
    assert (legal.law_reference, legal.consent.evidence, legal.assessments.lia, legal.assessments.dpia) == (None,) * 4
    [kept] = load_manifests([write(tmp_path, GOOD.replace("  targets:", basis.replace("\\u00a0", "REL-1") + "  targets:"))])
    assert kept.job.spec.legal_basis.consent.evidence == "REL-1"
    named = GOOD.replace("name: Shop Watch", 'name: "\\u00a0Shop\\u3000 Watch "')
    assert load_manifests([write(tmp_path, named)])[0].job.spec.operator.name == "Shop Watch"
    permission = '  site_permissions: [{site: shop.example.com, evidence: "\\u00a0\\u200b"}]\n'
    with pytest.raises(ManifestError) as info:
        load_manifests([write(tmp_path, GOOD.replace("  targets:", permission + "  targets:"))])
    assert ":10: spec.site_permissions[0].evidence: '\\xa0\\u200b' names no document" in str(info.value)


@pytest.mark.parametrize("placeholder", ["n/a", "N/A", "none", "TBD", "-", "null", "Pending."])
def test_a_reference_that_says_there_is_none_is_no_reference(tmp_path: Path, placeholder: str) -> None:
    basis = f'  legal_basis:\n    consent: {{kind: written_release, evidence: "{placeholder}"}}\n'
    [loaded] = load_manifests([write(tmp_path, GOOD.replace("  targets:", basis + "  targets:"))])
    assert loaded.job.spec.legal_basis.consent.evidence is None
    permission = f'  site_permissions: [{{site: shop.example.com, evidence: "{placeholder}"}}]\n'
    with pytest.raises(ManifestError, match="names no document"):
        load_manifests([write(tmp_path, GOOD.replace("  targets:", permission + "  targets:"))])


def test_retention_days_is_bounded(tmp_path: Path) -> None:
    """10**30 days reached the embedded engine and failed there (engine.error, exit 3)."""
    text = GOOD.replace("  targets:", "  retention_days: 1000000000000000000000000000000\n  targets:")
    with pytest.raises(ManifestError) as info:
        load_manifests([write(tmp_path, text)])
    assert ":10: spec.retention_days: Input should be less than or equal to 1000000" in str(info.value)
    [loaded] = load_manifests([write(tmp_path, text.replace("1000000000000000000000000000000", "1000000"))])
    assert loaded.job.spec.retention_days == 1_000_000


def test_unreadable_and_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no such file or directory"):
        load_manifests([tmp_path / "nope.yaml"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ManifestError, match="no manifest"):
        load_manifests([tmp_path / "empty"])
    bad = tmp_path / "bin.yaml"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ManifestError, match="cannot read manifest"):
        load_manifests([bad])


def test_errors_from_several_files_are_all_reported(tmp_path: Path) -> None:
    a = write(tmp_path, GOOD.replace("price_monitoring", "x"), "a.yaml")
    b = write(tmp_path, GOOD.replace("non_personal", "y"), "b.yaml")
    with pytest.raises(ManifestError) as info:
        load_manifests([a, b])
    assert len(info.value.errors) == 2


def test_load_job_accepts_model_dict_and_path(tmp_path: Path) -> None:
    import yaml

    p = write(tmp_path, GOOD)
    from_path = load_job(p)
    assert load_job(from_path) is from_path
    assert load_job(yaml.safe_load(GOOD)) == from_path


def test_policy_view_has_no_targets_and_carries_name() -> None:
    import yaml

    view = load_job(yaml.safe_load(GOOD)).policy_view()
    assert "targets" not in view
    assert view["name"] == "prices" and view["owner"] == "me@example.com"
    assert view["legal_basis"]["consent"] == {"kind": "none", "evidence": None}


def test_a_duplicate_yaml_key_is_a_manifest_error_at_its_line(tmp_path: Path, examples: Path) -> None:
    text = (examples / "price-monitoring.yaml").read_text()
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip().startswith("purpose:"))
    job = tmp_path / "dup.yaml"
    job.write_text(text.replace("  purpose:", "  purpose: {category: facial_recognition}\n  purpose:", 1))
    with pytest.raises(ManifestError) as caught:
        load_manifests([job])
    assert str(caught.value) == (f"{job}:{line + 1}: duplicate key 'purpose' (first at line {line}): "
                                 "YAML would silently keep only the last")


@pytest.mark.parametrize("value", ["true", "'30'", "1.5"])
def test_retention_days_is_a_whole_number_not_a_boolean_or_string(tmp_path: Path, value: str) -> None:
    """`retention_days: true` was read as 1 day; the JSON Schema says integer."""
    p = write(tmp_path, GOOD.replace("  targets:", f"  retention_days: {value}\n  targets:"))
    with pytest.raises(ManifestError, match=rf"{re.escape(str(p))}:10: spec\.retention_days: "):
        load_manifests([p])


def test_retention_days_as_a_number(tmp_path: Path) -> None:
    [job] = load_manifests([write(tmp_path, GOOD.replace("  targets:", "  retention_days: 30\n  targets:"))])
    assert job.job.spec.retention_days == 30
