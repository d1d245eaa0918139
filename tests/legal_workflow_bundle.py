"""A small policy bundle for the legal-workflow tests (diff, explain, docs, lint, formats):
the same shape as the shipped policies (a decision package that gathers law packages,
METADATA on every rule, precedents keyed by code in data.yaml), small enough to reason
about exactly."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_bundle", "write_job", "MAIN", "GDPR", "TERMS", "GDPR_TEST", "DATA"]

MAIN = """\
# METADATA
# title: The decision
# entrypoint: true
package scrapegate.decision

import data.scrapegate.gdpr
import data.scrapegate.terms

deny contains v if some v in gdpr.deny

deny contains v if some v in terms.deny

warn contains v if some v in gdpr.warn

default allow := false

allow if count(deny) == 0

obligations := []

waived := []
"""

GDPR = """\
# METADATA
# scope: package
# custom:
#   owner: privacy@example.com
package scrapegate.gdpr

# METADATA
# title: Special-category data without an Art. 9(2) condition
# description: Biometric or special-category data needs an Art. 9(2) condition that holds.
# custom:
#   code: gdpr.art9_prohibited
#   law: GDPR Art. 9(1)
#   jurisdictions: [EU, GB, CH]
#   waivable: true
deny contains v if {
	_in_scope
	_special_category
	not _art9_condition
	v := _violation("gdpr.art9_prohibited", "biometric or special-category data without an Art. 9(2) condition")
}

# METADATA
# title: Legitimate interests without an assessment
# custom:
#   code: gdpr.lia_missing
#   law: GDPR Art. 6(1)(f)
#   owner: dpo@example.com
#   jurisdictions: [EU, GB, CH]
#   waivable: true
deny contains v if {
	_in_scope
	input.job.legal_basis.gdpr_art6 == "legitimate_interests"
	input.job.legal_basis.assessments.lia == null
	v := _violation("gdpr.lia_missing", "legitimate interests without a documented assessment")
}

# METADATA
# title: Long retention of personal data
# custom:
#   code: gdpr.retention_long
#   law: GDPR Art. 5(1)(e)
#   jurisdictions: [EU]
#   waivable: true
warn contains v if {
	_in_scope
	"personal" in input.job.data_categories
	input.job.retention_days > 365
	v := _violation("gdpr.retention_long", "personal data kept for more than a year")
}

_eea := {"EU", "FR", "DE", "IT", "NL", "*"}

_in_scope if {
	some j in input.subjects.declared
	j in _eea
}

_special_category if {
	some c in input.job.data_categories
	c in {"biometric", "special_category"}
}

_art9_condition if {
	input.job.legal_basis.gdpr_art9 == "explicit_consent"
	input.job.legal_basis.consent.evidence != null
}

_violation(code, message) := {
	"code": code,
	"jurisdiction": "EU",
	"law": data.scrapegate.laws[code],
	"message": message,
	"precedents": object.get(data.scrapegate.precedents, code, []),
}
"""

TERMS = """\
package scrapegate.terms

# METADATA
# title: Site terms forbid automated collection
# description: The site's terms forbid automated collection and the job holds no written permission.
# custom:
#   code: terms.automated_collection_prohibited
#   law: Contract (site terms of service)
#   owner: legal@example.com
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	some entry in data.scrapegate.sites
	entry.site == input.request.site
	not _permitted
	v := {
		"code": "terms.automated_collection_prohibited",
		"jurisdiction": null,
		"law": data.scrapegate.laws["terms.automated_collection_prohibited"],
		"message": sprintf("%s terms: %s", [entry.site, entry.clause]),
		"precedents": object.get(data.scrapegate.precedents, "terms.automated_collection_prohibited", []),
	}
}

_permitted if {
	some p in input.job.site_permissions
	p.site == input.request.site
}
"""

GDPR_TEST = """\
package scrapegate.gdpr_test

import data.scrapegate.gdpr

test_art9_fires if {
	some v in gdpr.deny with input as {"subjects": {"declared": ["FR"]}, "job": {"data_categories": ["biometric"], "legal_basis": {"gdpr_art9": null, "gdpr_art6": null}}}
	v.code == "gdpr.art9_prohibited"
}

test_lia_fires if {
	some v in gdpr.deny with input as {"subjects": {"declared": ["FR"]}, "job": {"data_categories": ["personal"], "legal_basis": {"gdpr_art6": "legitimate_interests", "assessments": {"lia": null}}}}
	v.code == "gdpr.lia_missing"
}

test_retention_warns if {
	some v in gdpr.warn with input as {"subjects": {"declared": ["FR"]}, "job": {"data_categories": ["personal"], "retention_days": 400}}
	v.code == "gdpr.retention_long"
}

test_terms if {
	"terms.automated_collection_prohibited" != ""
}
"""

DATA = """\
laws:
  gdpr.art9_prohibited: GDPR Art. 9(1)
  gdpr.lia_missing: GDPR Art. 6(1)(f)
  gdpr.retention_long: GDPR Art. 5(1)(e)
  terms.automated_collection_prohibited: Contract (site terms of service)
precedents:
  gdpr.art9_prohibited: ["CNIL SAN-2022-019 (EUR 20M, 2022)", "AP (NL) 16 May 2024 (EUR 30.5M)"]
  terms.automated_collection_prohibited: ["hiQ Labs v. LinkedIn (N.D. Cal. 2022)"]
sites:
  - {site: facebook.com, clause: "no automated collection without prior permission"}
"""


def write_bundle(root: Path, *, extra_sites: list[str] = (), files: dict[str, str] | None = None) -> Path:
    """Write the bundle under `root` (an OPA bundle root holding scrapegate/); `extra_sites`
    adds sites to the terms registry; `files` overrides or adds files by relative name."""
    pkg = root / "scrapegate"
    pkg.mkdir(parents=True, exist_ok=True)
    data = DATA + "".join(f'  - {{site: {s}, clause: "no scraping"}}\n' for s in extra_sites)
    contents = {"main.rego": MAIN, "gdpr.rego": GDPR, "terms.rego": TERMS, "gdpr_test.rego": GDPR_TEST, "data.yaml": data}
    contents.update(files or {})
    for name, text in contents.items():
        path = pkg / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            if path.exists():
                path.unlink()
            continue
        path.write_text(text, encoding="utf-8")
    return root


JOB = """\
apiVersion: scrapegate/v1
kind: CollectionJob
metadata: {{name: {name}, owner: team@example.com}}
spec:
  operator: {{name: Example Corp, establishment: DE, markets: [EU]}}
  purpose: {{category: {purpose}, description: "test job"}}
  user_agent: "ExampleBot/1.0 (+https://example.com/bot)"
  data_categories: {categories}
  data_subjects: {{jurisdictions: {jurisdictions}}}
  targeting: targeted
  legal_basis:
    gdpr_art6: {art6}
    gdpr_art9: null
    consent: {{kind: none, evidence: null}}
    assessments: {{lia: {lia}, dpia: null}}
  retention_days: {retention}
  targets:
{targets}"""


def write_job(path: Path, *, name: str = "shop-prices", purpose: str = "price_monitoring",
              categories: str = "[non_personal]", jurisdictions: str = "[EU]", art6: str = "null",
              lia: str = "null", retention: int = 30, targets: list[str] = ("https://shop.example.com/p/1",)) -> Path:
    lines = "".join(f'    - "{t}"\n' for t in targets)
    path.write_text(JOB.format(name=name, purpose=purpose, categories=categories, jurisdictions=jurisdictions,
                               art6=art6, lia=lia, retention=retention, targets=lines), encoding="utf-8")
    return path
