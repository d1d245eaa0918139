package scrapegate.terms_live_test

import data.scrapegate.fixtures_test as fx
import data.scrapegate.terms

# The site's terms page as the live signal reports it (gate/signals/terms_signal.py).
forbidding := {
	"known": true, "status": "found", "automated_collection": "prohibited", "tdm_reserved_in_prose": false,
	"clause": "You may not use robots, spiders or scrapers to access the site.",
	"source": "https://shop.example.com/terms", "how_found": "link", "read_at": "2026-11-26T09:00:00Z",
	"language": "en", "sha256": "b1", "modified": "",
	"clauses": [{"label": "prohibition", "text": "You may not use robots, spiders or scrapers to access the site.", "confidence": 0.9}],
}

reserving := object.union(forbidding, {
	"tdm_reserved_in_prose": true,
	"clause": "Wir behalten uns die Nutzung für Text und Data Mining vor.",
	"clauses": [
		{"label": "prohibition", "text": "Automatisierte Abrufe sind untersagt.", "confidence": 0.8},
		{"label": "tdm_reservation", "text": "Wir behalten uns die Nutzung für Text und Data Mining vor.", "confidence": 0.9},
	],
})

unknown := {"known": false, "status": "unreadable"}

# A registry naming the test site: an objection to the fixtures' operator, and an entry
# whose terms page was reviewed on 2026-11-01 with the text hash "b0".
objected := {"example.com": {"objections": [{"operator": "Example Corp", "date": "2026-10-01", "evidence": "letter of 2026-10-01"}]}}

objected_other := {"example.com": {"objections": [{"operator": "Another Corp", "date": "2026-10-01"}]}}

reviewed := {"example.com": {
	"automated_collection": "prohibited", "clause": "no scraping", "section": "Terms 4",
	"terms_url": "https://shop.example.com/terms/", "reviewed": "2026-11-01", "terms_sha256": "b0",
}}

with_terms(doc, value) := fx.patch(doc, {"/signals/terms": value})

authenticated(doc) := fx.patch(doc, {"/request/authenticated": true})

for_purpose(doc, category) := fx.patch(doc, {"/job/purpose": {"category": category, "description": "x"}})

deny_of(doc, sites) := result if {
	result := terms.deny with input.request as doc.request
		with input.job as doc.job
		with input.signals as doc.signals
		with data.scrapegate.sites as sites
}

warn_of(doc, sites) := result if {
	result := terms.warn with input.request as doc.request
		with input.job as doc.job
		with input.signals as doc.signals
		with data.scrapegate.sites as sites
}

# The same with the shipped registry.
shipped_deny(doc) := result if {
	result := terms.deny with input.request as doc.request with input.job as doc.job with input.signals as doc.signals
}

shipped_warn(doc) := result if {
	result := terms.warn with input.request as doc.request with input.job as doc.job with input.signals as doc.signals
}


test_a_forbidding_clause_warns_quoting_clause_url_and_date if {
	doc := with_terms(fx.price_monitoring, forbidding)
	count(deny_of(doc, {})) == 0
	some v in warn_of(doc, {})
	v.code == "terms.prohibition_detected"
	v.terms_url == "https://shop.example.com/terms"
	v.read_at == "2026-11-26T09:00:00Z"
	contains(v.message, "You may not use robots, spiders or scrapers")
	contains(v.message, "https://shop.example.com/terms")
	contains(v.message, "2026-11-26T09:00:00Z")
	count(v.precedents) > 0
}

test_terms_unknown_add_nothing if {
	doc := with_terms(fx.price_monitoring, unknown)
	count(deny_of(doc, {})) == 0
	count(warn_of(doc, {})) == 0
}

test_terms_without_a_restrictive_clause_add_nothing if {
	doc := with_terms(fx.price_monitoring, object.union(forbidding, {"automated_collection": "unknown", "clause": ""}))
	count(deny_of(doc, {})) == 0
	count(warn_of(doc, {})) == 0
}

test_an_authenticated_target_is_denied if {
	doc := authenticated(with_terms(fx.price_monitoring, forbidding))
	some v in deny_of(doc, {})
	v.code == "terms.automated_collection_prohibited"
	v.terms_url == "https://shop.example.com/terms"
	contains(v.message, "behind a login")
	contains(v.message, "You may not use robots")
	count(warn_of(doc, {})) == 0
}

test_an_authenticated_target_with_unknown_terms_is_not_denied_by_them if {
	count(deny_of(authenticated(with_terms(fx.price_monitoring, unknown)), {})) == 0
}

test_a_site_that_objected_to_the_operator_is_denied if {
	doc := with_terms(fx.price_monitoring, forbidding)
	some v in deny_of(doc, objected)
	v.code == "terms.automated_collection_prohibited"
	contains(v.message, "objected to Example Corp")
	contains(v.message, "letter of 2026-10-01")
}

test_an_objection_holds_whatever_the_case_spaces_and_punctuation if {
	doc := with_terms(fx.price_monitoring, forbidding)
	every name in ["Example Corp.", "EXAMPLE  CORP", " example-corp ", "Example Corp,"] {
		"terms.automated_collection_prohibited" in fx.codes(deny_of(fx.patch(doc, {"/job/operator/name": name}), objected))
	}
	count(deny_of(fx.patch(doc, {"/job/operator/name": "Example Corporation"}), objected)) == 0
	# case is folded for A-Z only, the same on both engines
	accented := {"example.com": {"objections": [{"operator": "Société Exemple"}]}}
	"terms.automated_collection_prohibited" in fx.codes(deny_of(fx.patch(doc, {"/job/operator/name": "SOCIéTé EXEMPLE"}), accented))
	count(deny_of(fx.patch(doc, {"/job/operator/name": "SOCIÉTÉ EXEMPLE"}), accented)) == 0
	count(deny_of(fx.patch(doc, {"/job/operator/name": "..."}), {"example.com": {"objections": [{"operator": ","}]}})) == 0
}

test_an_objection_to_another_operator_only_warns if {
	doc := with_terms(fx.price_monitoring, forbidding)
	count(deny_of(doc, objected_other)) == 0
	fx.codes(warn_of(doc, objected_other)) == {"terms.prohibition_detected"}
}

test_site_permission_lifts_the_live_clause if {
	doc := fx.patch(authenticated(with_terms(fx.price_monitoring, forbidding)), {"/job/site_permissions": [{"site": "example.com", "evidence": "API agreement 2026-3"}]})
	count(deny_of(doc, {})) == 0
	count(warn_of(doc, {})) == 0
}

test_a_registry_site_is_denied_whatever_its_live_terms_say if {
	every value in [unknown, forbidding, object.union(forbidding, {"automated_collection": "unknown"})] {
		doc := with_terms(fx.at(fx.price_monitoring, "www.facebook.com", "facebook.com"), value)
		"terms.automated_collection_prohibited" in fx.codes(shipped_deny(doc))
	}
}

test_a_registry_denial_is_not_repeated_as_a_warning if {
	doc := with_terms(fx.at(fx.price_monitoring, "www.facebook.com", "facebook.com"), forbidding)
	not "terms.prohibition_detected" in fx.codes(shipped_warn(doc))
}

test_tdm_reserved_in_prose_denies_ai_and_tdm_jobs if {
	every category in ["ai_training", "text_and_data_mining"] {
		doc := for_purpose(with_terms(fx.price_monitoring, reserving), category)
		some v in deny_of(doc, {})
		v.code == "tdm.reservation_in_prose"
		contains(v.message, "Text und Data Mining")
		contains(v.message, "https://shop.example.com/terms")
	}
}

test_tdm_reserved_in_prose_does_not_deny_other_jobs if {
	every category in ["price_monitoring", "academic_research", "search_indexing"] {
		doc := for_purpose(with_terms(fx.price_monitoring, reserving), category)
		count(deny_of(doc, {})) == 0
		fx.codes(warn_of(doc, {})) == {"terms.prohibition_detected"}
	}
}

test_tdm_in_prose_needs_known_terms if {
	doc := for_purpose(with_terms(fx.price_monitoring, object.union(reserving, {"known": false})), "ai_training")
	count(deny_of(doc, {})) == 0
}

test_a_registry_page_whose_text_changed_warns if {
	doc := with_terms(fx.price_monitoring, forbidding)
	some v in warn_of(doc, reviewed)
	v.code == "terms.changed_since_review"
	v.reviewed == "2026-11-01"
	contains(v.message, "terms_sha256")
}

test_a_registry_page_modified_after_review_warns if {
	doc := with_terms(fx.price_monitoring, object.union(forbidding, {"sha256": "b0", "modified": "2026-11-20"}))
	some v in warn_of(doc, reviewed)
	v.code == "terms.changed_since_review"
	contains(v.message, "Last-Modified 2026-11-20")
}

test_an_unchanged_registry_page_does_not_warn if {
	every value in [
		object.union(forbidding, {"sha256": "b0"}),
		object.union(forbidding, {"sha256": "b0", "modified": "2026-11-01"}),
		object.union(forbidding, {"source": "https://shop.example.com/other-page"}),
		object.union(unknown, {"sha256": "b9", "source": "https://shop.example.com/terms"}),
	] {
		doc := with_terms(fx.price_monitoring, value)
		not "terms.changed_since_review" in fx.codes(warn_of(doc, reviewed))
	}
}
