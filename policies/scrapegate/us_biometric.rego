# METADATA
# title: United States - state biometric privacy laws (IL, TX, WA, CO, CA)
# description: >-
#   Biometric identifiers (face geometry, not the photos themselves) under Illinois BIPA,
#   Texas CUBI, Washington RCW 19.375, the Colorado Privacy Act and the CCPA. These laws
#   apply whether or not the photos were public. "Biometric" here is derive.biometric:
#   declared, or facial images the processing makes biometric (LEGAL-R2 R1: an
#   identifying purpose, identifies_persons true or left out). Washington's RCW 19.375
#   excludes photographs; its My Health My Data Act reaches face imagery (R10).
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
# title: Illinois BIPA - profiting from biometric identifiers
# description: >-
#   No private entity may sell, lease, trade or otherwise profit from a biometric
#   identifier (740 ILCS 14/15(c)); consent does not cure it. Fires when the data are sold
#   (sells_data) or offered to customers (LEGAL-R2 R8). Since SB 2979 (P.A. 103-0769,
#   2 Aug 2024) damages are one recovery per person per collection method.
# related_resources:
#   - ref: https://www.ilga.gov/legislation/ilcs/ilcs3.asp?ActID=3004&ChapterID=57
#     description: 740 ILCS 14/15(c)
# custom:
#   code: bipa.profit_prohibited
#   law: 740 ILCS 14/15(c)
#   owner: privacy-legal
#   jurisdictions: [US-IL]
#   waivable: true
deny contains v if {
	derive.biometric
	"US-IL" in _us_subjects
	derive.offered_to_customers
	v := lib.violation("bipa.profit_prohibited", "US-IL",
		"biometric identifiers of Illinois residents sold or offered to customers: BIPA 15(c) forbids profiting from them, whatever the consent")
}

# METADATA
# title: Illinois BIPA - disclosure without consent
# description: >-
#   Disclosing a biometric identifier to anyone beyond the operator needs the subject's
#   consent (740 ILCS 14/15(d)); only a written_release with evidence counts (R8, R18).
# related_resources:
#   - ref: https://www.ilga.gov/legislation/ilcs/ilcs3.asp?ActID=3004&ChapterID=57
#     description: 740 ILCS 14/15(d)
# custom:
#   code: bipa.disclosure_consent_missing
#   law: 740 ILCS 14/15(d)
#   owner: privacy-legal
#   jurisdictions: [US-IL]
#   waivable: true
deny contains v if {
	derive.biometric
	"US-IL" in _us_subjects
	derive.beyond_internal
	not derive.consented(derive.declared_consent, {"written_release"})
	v := lib.violation("bipa.disclosure_consent_missing", "US-IL", lib.text([
		"biometric identifiers of Illinois residents disclosed to ", concat(", ", derive.recipients),
		" without a written release (consent.kind written_release with evidence)",
	]))
}

# METADATA
# title: Texas CUBI - no informed consent
# description: >-
#   Informed consent (opt_in, explicit or written_release, with evidence, given before
#   capture) before capturing face geometry for a commercial purpose (Bus. & Com. Code
#   503.001(b)). Every capture is commercial unless a research organisation keeps the data
#   to itself (LEGAL-R2 R19); a journalism job warns review_required instead; HB 149
#   (TRAIGA) takes ai_training with identifies_persons false out (R9). Neither holds when
#   the data are sold or offered to customers: that is commercial whatever the purpose is
#   called. AG penalties up to USD 25,000 per violation.
# related_resources:
#   - ref: https://statutes.capitol.texas.gov/Docs/BC/htm/BC.503.htm
#     description: Tex. Bus. & Com. Code ch. 503
# custom:
#   code: cubi.consent_missing
#   law: Tex. Bus. & Com. Code 503.001(b)
#   owner: privacy-legal
#   jurisdictions: [US-TX]
#   waivable: true
deny contains v if {
	_cubi_applies
	derive.commercial
	not derive.consented(derive.declared_consent, derive.any_consent)
	v := lib.violation("cubi.consent_missing", "US-TX",
		"face geometry of Texas residents captured for a commercial purpose without informed consent (with evidence)")
}

# METADATA
# title: Texas CUBI - sale or disclosure of biometric identifiers
# description: >-
#   A biometric identifier may not be sold, leased or disclosed except in narrow cases
#   (503.001(c)): fires when US-TX biometric data are sold or offered to customers or the
#   public (LEGAL-R2 R9). Law enforcement needs a warrant: such recipients warn
#   review_required instead.
# related_resources:
#   - ref: https://statutes.capitol.texas.gov/Docs/BC/htm/BC.503.htm
#     description: Tex. Bus. & Com. Code 503.001(c)
# custom:
#   code: cubi.disclosure_prohibited
#   law: Tex. Bus. & Com. Code 503.001(c)
#   owner: privacy-legal
#   jurisdictions: [US-TX]
#   waivable: true
deny contains v if {
	_cubi_applies
	_cubi_disclosed
	v := lib.violation("cubi.disclosure_prohibited", "US-TX", lib.text([
		"biometric identifiers of Texas residents sold or disclosed (recipients: ", concat(", ", derive.recipients),
		", sells_data: ", object.get(input.job, "sells_data", false), "): CUBI 503.001(c) allows only narrow exceptions",
	]))
}

_cubi_disclosed if derive.offered_to_customers

_cubi_disclosed if "public" in derive.recipients

# _cubi_applies: US-TX biometric data, not journalism (a warning instead), not AI training
# that identifies nobody (HB 149, from 1 Jan 2026; verify the enrolled text).
_cubi_applies if {
	_cubi_reaches
	not _journalism_review
}

_cubi_reaches if {
	derive.biometric
	"US-TX" in _us_subjects
	not _traiga_exempt
}

# _journalism_review: the contested commercial purpose of journalism (R19). A job that sells
# the data or offers it to customers is commercial whatever its purpose is called.
_journalism_review if {
	input.job.purpose.category == "journalism"
	not derive.offered_to_customers
}

# _traiga_exempt: HB 149 exempts identifiers used to train AI; identifiers so captured and
# then used for another commercial purpose (sold, offered to customers) fall back under
# CUBI (503.001(e-2) as amended; verify the enrolled text).
_traiga_exempt if {
	input.job.purpose.category == "ai_training"
	derive.identifies_persons == false
	not derive.offered_to_customers
}

# METADATA
# title: Texas CUBI - journalism
# description: >-
#   A journalism job capturing Texans' face geometry: CUBI has no press exception, but its
#   commercial purpose is contested: a review instead of the CUBI denials (LEGAL-R2 R19),
#   unless the data are sold or offered to customers, which is commercial by itself.
# custom:
#   code: review_required
#   law: Tex. Bus. & Com. Code 503.001
#   owner: privacy-legal
#   jurisdictions: [US-TX]
#   waivable: true
warn contains v if {
	_cubi_reaches
	_journalism_review
	v := lib.violation("review_required", "US-TX",
		"face geometry of Texas residents captured for journalism: CUBI has no press exception; have its commercial purpose reviewed")
}

# METADATA
# title: Texas CUBI - biometric identifiers for law enforcement
# description: >-
#   Disclosure to law enforcement needs a warrant (503.001(c)(1)(D)): a review, not a
#   denial (LEGAL-R2 R9).
# custom:
#   code: review_required
#   law: Tex. Bus. & Com. Code 503.001(c)
#   owner: privacy-legal
#   jurisdictions: [US-TX]
#   waivable: true
warn contains v if {
	_cubi_reaches
	"law_enforcement" in derive.recipients
	v := lib.violation("review_required", "US-TX",
		"biometric identifiers of Texas residents given to law enforcement: CUBI 503.001(c) needs a warrant; have it reviewed")
}

# METADATA
# title: Washington My Health My Data Act - sharing face data
# description: >-
#   Sharing consumer health data needs a second, separate consent (RCW 19.373.030(1)(b)):
#   a review when face data go beyond the operator (LEGAL-R2 R18).
# custom:
#   code: review_required
#   law: RCW 19.373.030
#   owner: privacy-legal
#   jurisdictions: [US-WA]
#   waivable: true
warn contains v if {
	derive.facial_biometric
	"US-WA" in _us_subjects
	derive.beyond_internal
	v := lib.violation("review_required", "US-WA",
		"face data of Washington consumers shared beyond the operator: MHMDA sharing needs a second, separate consent; have it reviewed")
}

# METADATA
# title: Washington RCW 19.375 - no notice and consent
# description: >-
#   Notice and consent (or an opt-out mechanism) before enrolling a biometric identifier
#   for a commercial purpose (RCW 19.375.020). Photographs and data generated from them
#   are excluded from the definition (19.375.010(1)): only a declared biometric category
#   fires this rule, facial images never do (LEGAL-R2 R10).
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
	"biometric" in input.job.data_categories
	"US-WA" in _us_subjects
	derive.commercial
	not derive.consented(derive.declared_consent, derive.any_consent)
	v := lib.violation("wa.biometric_consent_missing", "US-WA",
		"biometric identifiers of Washington residents enrolled for a commercial purpose without notice and consent (with evidence)")
}

# METADATA
# title: Washington My Health My Data Act - face data without consent
# description: >-
#   Face imagery from which a template can be extracted is consumer health data (RCW
#   19.373.010): collecting it needs consent (opt_in, explicit or written_release with
#   evidence). Fires for facial images that are biometric (R1); private right of action
#   (verify its reach to scraped images) (LEGAL-R2 R10).
# related_resources:
#   - ref: https://app.leg.wa.gov/RCW/default.aspx?cite=19.373
#     description: RCW 19.373 (My Health My Data Act)
# custom:
#   code: wa.mhmda_consent_missing
#   law: RCW 19.373.030
#   owner: privacy-legal
#   jurisdictions: [US-WA]
#   waivable: true
deny contains v if {
	derive.facial_biometric
	"US-WA" in _us_subjects
	not derive.consented(derive.declared_consent, derive.any_consent)
	v := lib.violation("wa.mhmda_consent_missing", "US-WA",
		"face data of Washington consumers (consumer health data under the My Health My Data Act) collected without consent (with evidence)")
}

# METADATA
# title: Washington My Health My Data Act - sale without a signed authorisation
# description: >-
#   Selling consumer health data needs a valid authorisation signed by the consumer (RCW
#   19.373.070): only a written_release with evidence counts (LEGAL-R2 R10).
# related_resources:
#   - ref: https://app.leg.wa.gov/RCW/default.aspx?cite=19.373.070
#     description: RCW 19.373.070
# custom:
#   code: wa.mhmda_sale_authorization_missing
#   law: RCW 19.373.070
#   owner: privacy-legal
#   jurisdictions: [US-WA]
#   waivable: true
deny contains v if {
	derive.facial_biometric
	"US-WA" in _us_subjects
	derive.sells
	not derive.consented(derive.declared_consent, {"written_release"})
	v := lib.violation("wa.mhmda_sale_authorization_missing", "US-WA",
		"face data of Washington consumers sold without a signed authorisation (consent.kind written_release with evidence)")
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
# title: Colorado - biometric data kept without a retention policy within 24 months
# description: >-
#   HB24-1130 requires a written retention policy: biometric identifiers are deleted within
#   24 months after the last interaction (verify). retention_days absent (unknown) or above
#   730 is denied (LEGAL-R2 R11, R20).
# related_resources:
#   - ref: https://leg.colorado.gov/bills/hb24-1130
#     description: Colorado HB24-1130
# custom:
#   code: co.biometric_retention_excessive
#   law: Colorado Privacy Act (HB24-1130), C.R.S. 6-1-1314
#   owner: privacy-legal
#   jurisdictions: [US-CO]
#   waivable: true
deny contains v if {
	derive.biometric
	"US-CO" in _us_subjects
	not _retention_within(co_max_retention_days)
	v := lib.violation("co.biometric_retention_excessive", "US-CO", lib.text([
		"biometric identifiers of Colorado residents need a written retention policy deleting them within ",
		co_max_retention_days, " days (retention_days: ", object.get(input.job, "retention_days", null), ")",
	]))
}

co_max_retention_days := 730

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
