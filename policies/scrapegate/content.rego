# METADATA
# title: What was collected, against what the job declared
# description: >-
#   The response phase (issue 19): the content classifiers' findings on a fetched response
#   (input.response.content, schema scrapegate/inspection/v1) compared with the job's
#   declared data categories, and what earlier responses of the site showed
#   (input.signals.content). Thresholds, the categories that cover each finding and the
#   findings a job may meet without declaring them are data (data.scrapegate.content_rules),
#   so a legal team tunes them without touching a rule.
# custom:
#   owner: privacy-legal
package scrapegate.content

import data.scrapegate.lib

# METADATA
# title: The response holds a data category the job did not declare
# description: >-
#   A classifier found faces in a job that declares neither facial_images nor biometric,
#   or personal data in a job that declares none. The response is withheld (enforce mode)
#   and the URL quarantined; the entry names the detector, its version, the count, the
#   score and the body's SHA-256, never the content. Clearview's pipeline never looked at
#   what it collected; regulators in seven countries fined or banned it.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: GDPR Art. 5(1)(b)-(c), Art. 25
# custom:
#   code: content.undeclared_category
#   law: GDPR Art. 5(1)(b)-(c) (purpose limitation, data minimisation), Art. 25
#   owner: privacy-legal
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	some f in _mismatches
	v := object.union(lib.violation("content.undeclared_category", null, lib.text([
		f.detector, " found ", f.count, " x ", f.category, " (score ", f.score, ") in ",
		object.get(input.request, "url", "?"), " but job ", object.get(input.job, "name", "?"),
		" declares ", concat(", ", lib.sorted(input.job.data_categories)),
	])), {"evidence": {
		"detector": f.detector, "version": f.version, "category": f.category,
		"count": f.count, "score": f.score, "sha256": input.response.content.sha256,
	}})
}

# METADATA
# title: The site already yielded a category the job did not declare
# description: >-
#   An earlier response of this site held a data category the job does not declare:
#   further collection by the job from the site is denied until a waiver or a corrected
#   manifest (one that declares the category) clears it.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: GDPR Art. 5(1)(b)-(c), Art. 25
# custom:
#   code: content.undeclared_category
#   law: GDPR Art. 5(1)(b)-(c) (purpose limitation, data minimisation), Art. 25
#   owner: privacy-legal
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	some seen in input.signals.content.undeclared
	not _is_declared(seen.category)
	v := lib.violation("content.undeclared_category", null, lib.text([
		object.get(input.request, "site", "?"), " already yielded ", seen.category, " (",
		object.get(seen, "urls", 1), " URL(s) quarantined) that job ", object.get(input.job, "name", "?"),
		" does not declare: collection from the site stops until a waiver or a corrected manifest",
	]))
}

# METADATA
# title: A classifier could not look at the response
# description: >-
#   A detector applied to the response but could not run to the end (its extra is not
#   installed, the image is too large to decode, undecodable, or only a prefix of it was at
#   hand), and the category it looks
#   for is one the job does not declare: what was collected is unknown, not clean, and is
#   withheld like a mismatch. Which statuses of which detector withhold is data
#   (content_rules.uninspected_withheld), as is the category each detector looks for
#   (content_rules.detector_categories). A job that declares the category loses nothing
#   by the detector's absence and is not affected.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: GDPR Art. 5(1)(c), Art. 25
# custom:
#   code: content.uninspected
#   law: GDPR Art. 5(1)(c) (data minimisation), Art. 25 (data protection by design)
#   owner: privacy-legal
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	some run in _unchecked
	v := lib.violation("content.uninspected", null, lib.text([
		run.detector, " could not inspect ", object.get(input.request, "url", "?"), " (", run.status, ": ",
		run.detail, ") for ", run.category, ", which job ", object.get(input.job, "name", "?"),
		" does not declare: withheld as unknown, not passed as clean",
	]))
}

# _unchecked: the detector runs of this response that did not finish, whose category the
# job does not declare, with a status the data says withholds.
_unchecked contains object.union(run, {"category": category}) if {
	some run in input.response.content.detectors
	family := split(run.detector, ".")[0]
	run.status in object.get(_withheld_statuses, family, [])
	category := _detector_categories[family]
	not _is_declared(category)
}

default _withheld_statuses := {}

_withheld_statuses := data.scrapegate.content_rules.uninspected_withheld

default _detector_categories := {}

_detector_categories := data.scrapegate.content_rules.detector_categories

# _mismatches: the findings of this response that count (thresholds), are not covered by
# a declared category and are not tolerated.
_mismatches contains f if {
	some f in input.response.content.findings
	_counts(f)
	not _is_declared(f.category)
	not _tolerated(f)
}

# Read by path (data.scrapegate.content_rules.x), never through data.scrapegate as a
# whole: that document holds this package's own rules.
_threshold(detector) := data.scrapegate.content_rules.thresholds[detector]

_threshold(detector) := object.get(_thresholds, "default", {}) if not data.scrapegate.content_rules.thresholds[detector]

default _thresholds := {}

_thresholds := data.scrapegate.content_rules.thresholds

default _covered_by := {}

_covered_by := data.scrapegate.content_rules.covered_by

default _tolerances := []

_tolerances := data.scrapegate.content_rules.tolerated

_counts(f) if {
	t := _threshold(f.detector)
	f.count >= object.get(t, "min_count", 1)
	f.score >= object.get(t, "min_score", 0)
}

# A finding's category is declared when the job declares any category that covers it.
_is_declared(category) if {
	some c in object.get(_covered_by, category, [category])
	c in input.job.data_categories
}

_tolerated(f) if {
	some t in _tolerances
	t.detector == f.detector
	f.count <= t.max_count
	_purpose_in(object.get(t, "purposes", ["*"]))
	_path_matches(object.get(t, "paths", ["*"]))
}

_purpose_in(purposes) if "*" in purposes

_purpose_in(purposes) if input.job.purpose.category in purposes

_path_matches(patterns) if {
	some p in patterns
	glob.match(p, null, object.get(input.request, "path", ""))
}
