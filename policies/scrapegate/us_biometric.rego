# METADATA
# title: United States - state biometric privacy laws (IL, TX, WA, CO, CA)
# description: >-
#   Biometric identifiers (face geometry, not the photos themselves) under Illinois BIPA,
#   Texas CUBI, Washington RCW 19.375, the Colorado Privacy Act and the CCPA. These laws
#   apply whether or not the photos were public. "Biometric" here is derive.biometric:
#   declared, or facial_images processed for facial_recognition.
# custom:
#   owner: privacy-legal
package scrapegate.us_biometric

import data.scrapegate.derive
import data.scrapegate.lib

# _us_subjects: the states with a biometric law whose residents are subjects.
_us_subjects := derive.subjects_in(derive.coverage_list("us_biometric"))

# METADATA
# title: Illinois BIPA - no written release
# description: >-
#   Written notice and a written release before capturing a biometric identifier
#   (740 ILCS 14/15(b)); damages USD 1,000 / 5,000 per violation (14/20). Only a
#   written_release with evidence counts.
# related_resources:
#   - ref: https://www.ilga.gov/legislation/ilcs/ilcs3.asp?ActID=3004&ChapterID=57
#     description: 740 ILCS 14 (BIPA)
# custom:
#   code: bipa.written_release_missing
#   law: 740 ILCS 14/15(b)
#   owner: privacy-legal
#   jurisdictions: [US-IL]
#   waivable: true
deny contains v if {
	derive.biometric
	"US-IL" in _us_subjects
	not derive.consented(derive.declared_consent, {"written_release"})
	v := lib.violation("bipa.written_release_missing", "US-IL",
		"biometric identifiers of Illinois residents without written notice and a written release (consent.kind written_release with evidence)")
}

# METADATA
# title: Illinois BIPA - no retention schedule within 3 years
# description: >-
#   A public retention schedule with destruction within 3 years at most (740 ILCS
#   14/15(a)): retention_days must be set and at most 1095.
# related_resources:
#   - ref: https://www.ilga.gov/legislation/ilcs/ilcs3.asp?ActID=3004&ChapterID=57
#     description: 740 ILCS 14/15(a)
# custom:
#   code: bipa.retention_policy_missing
#   law: 740 ILCS 14/15(a)
#   owner: privacy-legal
#   jurisdictions: [US-IL]
#   waivable: true
deny contains v if {
	derive.biometric
	"US-IL" in _us_subjects
	not _retention_within(bipa_max_retention_days)
	v := lib.violation("bipa.retention_policy_missing", "US-IL", lib.text([
		"biometric identifiers of Illinois residents need a retention schedule with destruction within ",
		bipa_max_retention_days, " days (retention_days: ",
		object.get(input.job, "retention_days", null), ")",
	]))
}

bipa_max_retention_days := 1095

_retention_within(limit) if {
	is_number(input.job.retention_days)
	input.job.retention_days <= limit
}

# METADATA
# title: Texas CUBI - no informed consent
# description: >-
#   Informed consent before capturing face geometry for a commercial purpose (Bus. & Com.
#   Code 503.001); since 1 Jan 2026 an image on the internet is not consent unless the
#   subject posted it (verify). AG penalties up to USD 25,000 per violation.
# related_resources:
#   - ref: https://statutes.capitol.texas.gov/Docs/BC/htm/BC.503.htm
#     description: Tex. Bus. & Com. Code ch. 503
# custom:
#   code: cubi.consent_missing
#   law: Tex. Bus. & Com. Code 503.001
#   owner: privacy-legal
#   jurisdictions: [US-TX]
#   waivable: true
deny contains v if {
	derive.biometric
	"US-TX" in _us_subjects
	derive.commercial
	not derive.consented(derive.declared_consent, derive.any_consent)
	v := lib.violation("cubi.consent_missing", "US-TX",
		"face geometry of Texas residents captured for a commercial purpose without informed consent (with evidence)")
}

# METADATA
# title: Washington RCW 19.375 - no notice and consent
# description: >-
#   Notice and consent (or an opt-out mechanism) before enrolling a biometric identifier
#   for a commercial purpose (RCW 19.375.020). Photographs are excluded from the
#   definition: facial_images alone never fire this rule.
# related_resources:
#   - ref: https://app.leg.wa.gov/RCW/default.aspx?cite=19.375.020
#     description: RCW 19.375.020
# custom:
#   code: wa.biometric_consent_missing
#   law: RCW 19.375.020
#   owner: privacy-legal
#   jurisdictions: [US-WA]
#   waivable: true
deny contains v if {
	derive.biometric
	"US-WA" in _us_subjects
	derive.commercial
	not derive.consented(derive.declared_consent, derive.any_consent)
	v := lib.violation("wa.biometric_consent_missing", "US-WA",
		"biometric identifiers of Washington residents enrolled for a commercial purpose without notice and consent (with evidence)")
}

# METADATA
# title: Colorado Privacy Act (HB24-1130) - no consent
# description: Consent before collecting biometric identifiers, from 1 Jul 2025.
# related_resources:
#   - ref: https://leg.colorado.gov/bills/hb24-1130
#     description: Colorado HB24-1130
# custom:
#   code: co.biometric_consent_missing
#   law: Colorado Privacy Act (HB24-1130)
#   owner: privacy-legal
#   jurisdictions: [US-CO]
#   waivable: true
deny contains v if {
	derive.biometric
	"US-CO" in _us_subjects
	not derive.consented(derive.declared_consent, derive.any_consent)
	v := lib.violation("co.biometric_consent_missing", "US-CO",
		"biometric identifiers of Colorado residents collected without consent (with evidence)")
}

# METADATA
# title: California - biometric information is not publicly available
# description: >-
#   Biometric information collected without the consumer's knowledge is never "publicly
#   available" (Civ. Code 1798.140(v)(2)): the CCPA applies in full, with notice at
#   collection. A warning and an obligation, not a denial.
# related_resources:
#   - ref: https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=CIV&sectionNum=1798.140
#     description: Cal. Civ. Code 1798.140
# custom:
#   code: ccpa.notice_at_collection
#   law: Cal. Civ. Code 1798.140(v)(2), 1798.100(a)
#   owner: privacy-legal
#   jurisdictions: [US-CA]
#   waivable: true
warn contains v if {
	derive.biometric
	"US-CA" in _us_subjects
	v := lib.violation("ccpa.notice_at_collection", "US-CA",
		"biometric information of California residents is not publicly available under the CCPA: give notice at collection")
}

obligations contains {
	"code": "notice_at_collection",
	"law": lib.law("ccpa.notice_at_collection", "US-CA"),
	"jurisdictions": ["US-CA"],
} if {
	derive.biometric
	"US-CA" in _us_subjects
}
