# METADATA
# title: RSL 1.0 licences
# description: >-
#   What a Really Simple Licensing licence (robots.txt License:, a Link header or a
#   <link> tag of type application/rsl+xml) permits and prohibits, read as LEGAL-R2.md R21
#   says: a prohibited AI or TDM usage is an express reservation (DSM Directive Art. 4(3),
#   as OLG Hamburg 5 U 104/24 requires; AI Act Art. 53(1)(c)); a prohibited search is a
#   licence term; a licence that asks for payment or a licence token is a condition. No
#   court has ruled on RSL itself: treating it like TDMRep is this policy's choice.
# custom:
#   owner: copyright-legal
package scrapegate.rsl

import data.scrapegate.facts
import data.scrapegate.lib
import data.scrapegate.terms

# The usages that reserve each purpose: any AI usage for AI training, only `all` for text
# and data mining that is not AI training.
_reserving := {
	"ai_training": {"ai-train", "ai-all", "all"},
	"text_and_data_mining": {"all"},
	"academic_research": {"all"},
}

# The usages that grant each purpose.
_granting := {
	"ai_training": {"ai-train", "ai-all", "all"},
	"text_and_data_mining": {"all"},
	"academic_research": {"all"},
	"search_indexing": {"search", "all"},
}

_purpose := input.job.purpose.category

_prohibited contains u if {
	input.signals.rsl.status == "ok"
	some u in input.signals.rsl.prohibits
	u in _reserving[_purpose]
}

# As a precaution, a licence that was named but could not be fetched or parsed within the
# deadline is read as prohibiting AI use.
_prohibited contains "ai-all (licence unreadable)" if {
	input.signals.rsl.status in {"unreachable", "invalid"}
	_purpose == "ai_training"
}

# METADATA
# title: An RSL licence reserves text and data mining
# description: >-
#   The licence prohibits ai-train, ai-all or all for an ai_training job, or all for a
#   text_and_data_mining job; an unreadable licence is read as prohibiting AI use.
# related_resources:
#   - ref: https://rslstandard.org/rsl
#     description: RSL 1.0 (RSL-SPEC-1.0)
#   - ref: https://eur-lex.europa.eu/eli/dir/2019/790/oj
#     description: Directive (EU) 2019/790 Art. 4(3)
# custom:
#   code: tdm.reserved
#   law: DSM Directive Art. 4(3); AI Act Art. 53(1)(c); RSL 1.0
#   owner: copyright-legal
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	count(_prohibited) > 0
	not facts.research_by_research_organisation
	v := lib.violation("tdm.reserved", null, lib.text([
		object.get(input.request, "site", "?"), " reserves ", concat(", ", lib.sorted(_prohibited)),
		" in its RSL licence (", object.get(input.signals.rsl, "url", "?"), "); purpose ", _purpose,
		" is not allowed",
	]))
}

# METADATA
# title: RSL reservation, research organisation exception
# description: >-
#   Scientific research by a research organisation (DSM Directive Art. 3) is not subject
#   to the Art. 4(3) opt-out: a warning, as for TDMRep.
# related_resources:
#   - ref: https://rslstandard.org/rsl
#     description: RSL 1.0 (RSL-SPEC-1.0)
# custom:
#   code: tdm.reserved
#   law: DSM Directive Art. 3; RSL 1.0
#   owner: copyright-legal
#   jurisdictions: ["*"]
#   waivable: true
warn contains v if {
	count(_prohibited) > 0
	facts.research_by_research_organisation
	v := lib.violation("tdm.reserved", null, lib.text([
		object.get(input.request, "site", "?"), " reserves ", concat(", ", lib.sorted(_prohibited)),
		" in its RSL licence; allowed only as scientific research by a research organisation (DSM Directive Art. 3)",
	]))
}

# METADATA
# title: The RSL licence prohibits the job's usage
# description: >-
#   A prohibited search (or all) is a licence term, not a TDM reservation: it denies
#   search_indexing jobs.
# related_resources:
#   - ref: https://rslstandard.org/rsl
#     description: RSL 1.0 (RSL-SPEC-1.0)
# custom:
#   code: rsl.usage_prohibited
#   law: RSL 1.0 licence terms (contract)
#   owner: copyright-legal
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	_purpose == "search_indexing"
	input.signals.rsl.status == "ok"
	some u in input.signals.rsl.prohibits
	u in {"search", "all"}
	v := lib.violation("rsl.usage_prohibited", null, lib.text([
		object.get(input.request, "site", "?"), "'s RSL licence (", object.get(input.signals.rsl, "url", "?"),
		") prohibits ", u,
	]))
}

# _paid: the licence grants the job's usage only against payment or a licence token.
_paid if {
	input.signals.rsl.status == "ok"
	input.signals.rsl.license_required == true
	some u in input.signals.rsl.permits
	u in _granting[_purpose]
}

# METADATA
# title: The RSL licence asks for payment or a licence token
# description: >-
#   The licence permits the job's usage against payment or a token from a licence server:
#   a warning for every purpose it grants.
# related_resources:
#   - ref: https://rslstandard.org/rsl
#     description: RSL 1.0 (RSL-SPEC-1.0)
# custom:
#   code: rsl.license_required
#   law: RSL 1.0 licence terms (contract)
#   owner: copyright-legal
#   jurisdictions: ["*"]
#   waivable: true
warn contains v if {
	_paid
	v := lib.violation("rsl.license_required", null, lib.text([
		object.get(input.request, "site", "?"), "'s RSL licence (", object.get(input.signals.rsl, "url", "?"),
		") grants ", _purpose, " only against payment or a licence token (",
		concat(", ", input.signals.rsl.payment), ")",
	]))
}

# METADATA
# title: AI training without the licence RSL asks for
# description: >-
#   For ai_training, a licence that must be paid for or obtained from a licence server
#   denies until site_permissions names the site with evidence (the licence obtained).
# related_resources:
#   - ref: https://rslstandard.org/rsl
#     description: RSL 1.0 (RSL-SPEC-1.0)
# custom:
#   code: rsl.license_required
#   law: RSL 1.0 licence terms (contract); AI Act Art. 53(1)(c)
#   owner: copyright-legal
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	_paid
	_purpose == "ai_training"
	not terms.permitted
	v := lib.violation("rsl.license_required", null, lib.text([
		object.get(input.request, "site", "?"), "'s RSL licence grants AI training only under a licence; ",
		"no site_permissions entry with evidence for the site",
	]))
}
