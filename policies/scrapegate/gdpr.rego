# METADATA
# title: GDPR family - EEA states (GDPR), GB (UK GDPR), CH (nFADP)
# description: >-
#   Applies where derive.gdpr_jurisdictions says so: subjects in the EEA, GB or CH
#   (Art. 3(2)(b)) or an operator established there (Art. 3(1)). One entry per
#   jurisdiction, each with that jurisdiction's regulator's precedent where there is one.
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
	some j in derive.gdpr_list
	v := lib.violation("gdpr.no_legal_basis", j, lib.text([
		"personal data of subjects in ", j, " without an Art. 6 legal basis (declared: ",
		object.get(derive.declared_basis, "gdpr_art6", null), ")",
	]))
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
	some j in derive.gdpr_list
	v := lib.violation("gdpr.lia_missing", j, lib.text([
		"legitimate interests claimed for personal data of subjects in ", j,
		" without a documented legitimate-interest assessment (assessments.lia)",
	]))
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
	some j in derive.gdpr_list
	v := lib.violation("gdpr.art9_prohibited", j, lib.text([
		_sensitive_kind, " data of subjects in ", j,
		" without an Art. 9(2) condition that holds (declared: ",
		object.get(derive.declared_basis, "gdpr_art9", null), ")",
	]))
}

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
	some j in derive.gdpr_list
	v := lib.violation("gdpr.dpia_missing", j, lib.text([
		_sensitive_kind, " data of subjects in ", j,
		" without a data protection impact assessment (assessments.dpia)",
	]))
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
