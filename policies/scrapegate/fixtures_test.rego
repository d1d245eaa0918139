# METADATA
# title: Test fixtures - policy inputs and helpers shared by the *_test.rego packages
# description: >-
#   Inputs follow the contract the Python side builds (gate/policy_input.py). Tests
#   replace the input key by key inside a function of the input document, e.g.
#   `gdpr.deny with input.job as doc.job with input.request as doc.request ...`:
#   regopy 1.5.2 crashes on `with input as ...` once the rules call builtins, and on a
#   `with` whose value is another rule's value rather than a local variable; and a `with`
#   over the whole decision takes it tens of seconds to compile.
# custom:
#   owner: policy-engineering
package scrapegate.fixtures_test

# Static mode: nothing fetched, so no site signal denies.
static_signals := {
	"robots": {"status": "not_checked", "allowed": null, "crawl_delay": null, "rule": null},
	"optout": {"status": "not_checked", "tdm_reserved": false, "ai_train": "unknown", "sources": []},
	"terms": {"known": false},
	"login_required": false,
}

# A job every policy allows: product prices on a shop, no personal data.
price_monitoring := {
	"request": {
		"url": "https://shop.example.com/products/1", "method": "GET", "scheme": "https",
		"host": "shop.example.com", "port": 443, "site": "example.com", "path": "/products/1",
		"authenticated": false,
	},
	"job": {
		"name": "shop-prices", "owner": "pricing@example.com",
		"operator": {"name": "Example Corp", "establishment": "DE", "markets": ["EU"], "research_organisation": false},
		"purpose": {"category": "price_monitoring", "description": "daily prices"},
		"user_agent": "ExamplePriceBot/2.1 (+https://example.com/pricebot)",
		"data_categories": ["non_personal"],
		"data_subjects": {"jurisdictions": ["EU"], "minors": false},
		"targeting": "targeted",
		"legal_basis": {
			"gdpr_art6": null, "gdpr_art9": null,
			"consent": {"kind": "none", "evidence": null},
			"assessments": {"lia": null, "dpia": null},
		},
		"site_permissions": [],
		"retention_days": 365,
	},
	"subjects": {"declared": ["EU"], "inferred": []},
	"signals": static_signals,
	"now": "2026-11-26T10:00:00Z",
	"now_date": "2026-11-26",
}

# The Clearview-like job of examples/jobs/clearview-like.yaml, at its facebook.com target.
clearview := patch(price_monitoring, {
	"/request": request("https://www.facebook.com/", "www.facebook.com", "facebook.com"),
	"/job/name": "face-index",
	"/job/operator": {"name": "Example Corp", "establishment": "US", "markets": ["US", "EU"], "research_organisation": false},
	"/job/purpose": {"category": "facial_recognition", "description": "face search for customers"},
	"/job/data_categories": ["facial_images", "biometric"],
	"/job/data_subjects": {"jurisdictions": ["*"], "minors": false},
	"/job/targeting": "untargeted",
	"/job/legal_basis/gdpr_art6": "legitimate_interests",
	"/job/retention_days": 30,
	"/subjects/declared": ["*"],
})

# A personal-data job (names and profiles) with nothing declared: GDPR applies through
# its subjects; change one fact per test.
profiles := patch(price_monitoring, {
	"/job/name": "profiles",
	"/job/purpose": {"category": "market_research", "description": "public profiles"},
	"/job/data_categories": ["personal"],
	"/job/operator/establishment": "US",
	"/job/operator/markets": ["US"],
})

# A biometric job of a US operator whose subjects are set per test (see subjects()).
faces := patch(profiles, {
	"/job/name": "faces",
	"/job/purpose": {"category": "facial_recognition", "description": "face matching"},
	"/job/data_categories": ["facial_images", "biometric"],
	"/job/targeting": "targeted",
})

# patch(doc, ops) applies {json-pointer: value} replacements (JSON Patch "add").
patch(doc, ops) := json.patch(doc, [{"op": "add", "path": path, "value": value} | value := ops[path]])

# with_subjects(doc, list): the job's declared subject jurisdictions.
with_subjects(doc, list) := patch(doc, {"/job/data_subjects/jurisdictions": list, "/subjects/declared": list})

# request(url, host, site_name): a GET request for the target.
request(url, host, site_name) := {
	"url": url, "method": "GET", "scheme": "https", "host": host, "port": 443, "site": site_name,
	"path": "/", "authenticated": false,
}

# at(doc, host, site_name): the same job at another target.
at(doc, host, site_name) := patch(doc, {"/request": request(concat("", ["https://", host, "/"]), host, site_name)})

# with_consent(doc, kind, evidence) declares consent.
with_consent(doc, kind, evidence) := patch(doc, {"/job/legal_basis/consent": {"kind": kind, "evidence": evidence}})

codes(entries) := {e.code | some e in entries}

# jurisdictions_of(entries, code): where entries with this code apply.
jurisdictions_of(entries, code) := {e.jurisdiction | some e in entries; e.code == code}

# the_clearview_codes: what LEGAL.md requires the Clearview-like job to be denied for.
the_clearview_codes := {
	"eu_ai_act.art5_1e", "gdpr.art9_prohibited", "gdpr.dpia_missing", "gdpr.lia_missing",
	"bipa.written_release_missing", "cubi.consent_missing", "au.app3_consent_missing",
	"ca.consent_missing", "terms.automated_collection_prohibited",
}
