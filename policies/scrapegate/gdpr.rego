# METADATA
# title: GDPR family - EEA states (GDPR), GB (UK GDPR), CH (nFADP)
# description: >-
#   Applies where derive.gdpr_list says so: subjects in the EEA, GB or CH (Art. 3(2)(b))
#   or an operator established there (Art. 3(1)). One entry per jurisdiction whose law or
#   regulator's precedent the catalogue names, one entry "EU" for the other EEA states.
#   Public availability of the data changes none of this.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: Regulation (EU) 2016/679 (GDPR)
# custom:
#   owner: privacy-legal
package scrapegate.gdpr

import data.scrapegate.derive
import data.scrapegate.lib

# METADATA
# title: Personal data without an Art. 6 legal basis
# description: >-
#   Personal data (personal, facial_images, biometric, special_category) needs an Art. 6(1)
#   basis; "consent" counts only with evidence of consent.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: GDPR Art. 6(1)
# custom:
#   code: gdpr.no_legal_basis
#   law: GDPR Art. 6(1)
#   owner: privacy-legal
#   jurisdictions: [EU, GB, CH]
#   waivable: true
deny contains v if {
	derive.personal
	not derive.art6_holds(derive.declared_basis)
	some place in _places("gdpr.no_legal_basis")
	v := _entry("gdpr.no_legal_basis", place, [
		"personal data of subjects in ", place.names, " without an Art. 6 legal basis (declared: ",
		object.get(derive.declared_basis, "gdpr_art6", null), ")",
	])
}

# METADATA
# title: Legitimate interests without a documented assessment
# description: >-
#   For scraping, regulators treat legitimate interests as the only realistic Art. 6 basis
#   (ICO 2024; EDPB Opinion 28/2024 paras 104-106), and only with a documented
#   legitimate-interest assessment (purpose, necessity, balancing).
# related_resources:
#   - ref: https://www.edpb.europa.eu/
#     description: EDPB Opinion 28/2024
# custom:
#   code: gdpr.lia_missing
#   law: GDPR Art. 6(1)(f)
#   owner: privacy-legal
#   jurisdictions: [EU, GB, CH]
#   waivable: true
deny contains v if {
	derive.personal
	derive.declared_basis.gdpr_art6 == "legitimate_interests"
	not derive.documented(derive.assessment("lia"))
	some place in _places("gdpr.lia_missing")
	v := _entry("gdpr.lia_missing", place, [
		"legitimate interests claimed for personal data of subjects in ", place.names,
		" without a documented legitimate-interest assessment (assessments.lia)",
	])
}

# METADATA
# title: Biometric or special-category data without an Art. 9(2) condition
# description: >-
#   Biometric data, facial images processed to identify people (purpose
#   facial_recognition), or special-category data need an Art. 9(2) condition that holds.
#   manifestly_made_public does not hold for scraped data (CJEU C-252/21 para 77; AP NL on
#   Clearview); explicit_consent holds only with explicit consent and evidence.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: GDPR Art. 9
#   - ref: https://curia.europa.eu/juris/liste.jsf?num=C-252/21
#     description: CJEU C-252/21 Meta Platforms v Bundeskartellamt
# custom:
#   code: gdpr.art9_prohibited
#   law: GDPR Art. 9(1)
#   owner: privacy-legal
#   jurisdictions: [EU, GB, CH]
#   waivable: true
deny contains v if {
	derive.sensitive
	not derive.art9_holds(derive.declared_basis)
	some place in _places("gdpr.art9_prohibited")
	v := _entry("gdpr.art9_prohibited", place, [
		_sensitive_kind, " data of subjects in ", place.names,
		" without an Art. 9(2) condition that holds (declared: ",
		object.get(derive.declared_basis, "gdpr_art9", null), ")",
	])
}

# --- where a denial applies: one entry per regulator -----------------------------------

# _places(code): the entries a GDPR denial makes. A jurisdiction the catalogue
# (data.yaml laws or precedents) names for code gets an entry of its own, with its law
# and its regulator's decision (FR: CNIL, IT: Garante, GB: UK GDPR and the ICO, CH:
# nFADP); the other EEA states share one entry, jurisdiction "EU", that lists them
# (a single one keeps its own code). Fewer entries than one per state keep the decision
# small and cheap to evaluate; "jurisdictions" always lists every state an entry covers.
_places(code) := array.concat(
	[{"jurisdiction": j, "members": [j], "names": j} | some j in own],
	_shared_place(rest),
) if {
	named := _named_in_catalogue(code)
	own := [j | some j in derive.gdpr_list; j in named]
	rest := [j | some j in derive.gdpr_list; not j in named]
}

_named_in_catalogue(code) := array.concat(_override_keys(object.get(data.scrapegate.laws, code, null)), _override_keys(object.get(data.scrapegate.precedents, code, null)))

_override_keys(entry) := [k | entry[k]; k != "default"] if is_object(entry)

_override_keys(entry) := [] if not is_object(entry)

_shared_place(states) := [] if count(states) == 0

_shared_place(states) := [{"jurisdiction": states[0], "members": states, "names": states[0]}] if count(states) == 1

_shared_place(states) := [{"jurisdiction": "EU", "members": states, "names": concat(", ", states)}] if count(states) > 1

# _entry(code, place, parts): the deny entry for one place.
_entry(code, place, parts) := object.union(
	lib.violation(code, place.jurisdiction, lib.text(parts)),
	{"jurisdictions": place.members},
)

default _sensitive_kind := "special-category"

_sensitive_kind := "biometric" if derive.biometric

# METADATA
# title: Biometric or special-category processing without a DPIA
# description: >-
#   Large-scale processing of Art. 9 data requires a data protection impact assessment
#   before it starts (Art. 35(3)(b)).
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: GDPR Art. 35
# custom:
#   code: gdpr.dpia_missing
#   law: GDPR Art. 35(3)(b)
#   owner: privacy-legal
#   jurisdictions: [EU, GB, CH]
#   waivable: true
deny contains v if {
	derive.sensitive
	not derive.documented(derive.assessment("dpia"))
	some place in _places("gdpr.dpia_missing")
	v := _entry("gdpr.dpia_missing", place, [
		_sensitive_kind, " data of subjects in ", place.names,
		" without a data protection impact assessment (assessments.dpia)",
	])
}

# METADATA
# title: Inform the data subjects (Art. 14)
# description: >-
#   Personal data collected indirectly obliges the controller to inform the subjects
#   within a month (Art. 14(3)(a)); the Clearview decisions found this breached.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: GDPR Art. 14
# custom:
#   code: art14_notice
#   law: GDPR Art. 14
#   owner: privacy-legal
#   jurisdictions: [EU, GB, CH]
obligations contains {
	"code": "art14_notice",
	"law": lib.law("gdpr.art14_notice", null),
	"jurisdictions": lib.sorted(derive.gdpr_list),
	"precedents": lib.precedents("gdpr.art14_notice", null),
} if {
	derive.personal
	count(derive.gdpr_list) > 0
}
