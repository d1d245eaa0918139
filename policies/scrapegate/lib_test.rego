package scrapegate.lib_test

import data.scrapegate.lib

test_violation_has_the_decision_shape if {
	v := lib.violation("gdpr.art9_prohibited", "FR", "biometric data of subjects in FR")
	v.code == "gdpr.art9_prohibited"
	v.jurisdiction == "FR"
	v.law == "GDPR Art. 9(1), Art. 4(14), Recital 51"
	v.message == "biometric data of subjects in FR"
	count(v.precedents) == 2
}

test_jurisdiction_specific_citation_wins_over_the_default if {
	lib.law("gdpr.art9_prohibited", "GB") == "UK GDPR Art. 9(1), Art. 4(14)"
	lib.law("gdpr.art9_prohibited", "DE") == "GDPR Art. 9(1), Art. 4(14), Recital 51"
	startswith(lib.law("robots.disallowed", null), "RFC 9309 (Robots Exclusion Protocol)")
}

test_unknown_code_still_gets_a_citation_and_no_precedents if {
	v := lib.violation("made.up", null, "m")
	v.law == "(no citation in data.scrapegate.laws)"
	v.precedents == []
}

# The catalogue's shapes, each looked up as lib.law and lib.precedents do (object.get, no
# catalogue value handed to a function): a plain value, a per-jurisdiction object with and
# without a default, a missing code, a null jurisdiction and an unknown case id.
# Per-jurisdiction catalogue entries (data.yaml), looked up as lib.law and lib.precedents
# do (object.get, no catalogue value handed to a function): the jurisdiction's own entry,
# the default for another one and for a null jurisdiction.
test_catalogue_entries_resolve_per_jurisdiction if {
	lib.law("gdpr.art9_prohibited", null) == "GDPR Art. 9(1), Art. 4(14), Recital 51"
	startswith(lib.precedents("gdpr.art9_prohibited", "FR")[0], "CNIL (FR)")
	startswith(lib.precedents("gdpr.art9_prohibited", "DE")[0], "AP (NL)")
	startswith(lib.precedents("gdpr.art9_prohibited", null)[0], "AP (NL)")
	count(lib.precedents("gdpr.art9_prohibited", "IT")) == 2
	lib.precedents("made.up", "FR") == []
}

test_precedents_resolve_case_ids if {
	some p in lib.precedents("au.app3_consent_missing", "AU")
	startswith(p, "OAIC (AU)")
}

test_every_precedent_id_is_a_known_case if {
	every code, entry in data.scrapegate.precedents {
		every id in _ids(entry) {
			data.scrapegate.cases[id]
		}
		code != ""
	}
}

_ids(entry) := entry if is_array(entry)

_ids(entry) := [id | some list in entry; some id in list] if is_object(entry)

test_every_law_entry_has_a_citation if {
	every code, entry in data.scrapegate.laws {
		_citation(entry)
		code != ""
	}
}

_citation(entry) if is_string(entry)

_citation(entry) if is_string(entry["default"])

test_text_joins_strings_and_values if {
	lib.text(["retention ", 1095, " days, evidence ", null, ", ok ", true]) == "retention 1095 days, evidence null, ok true"
}

test_sorted_is_an_array if {
	lib.sorted({"FR", "DE"}) == ["DE", "FR"]
	lib.sorted(["b", "a"]) == ["a", "b"]
}
