# METADATA
# title: scrapegate - may this job collect this URL?
# description: >-
#   The decision unions what every law package denies, warns and obliges, then applies
#   the waivers. allow is true only when nothing is left denied. The input contract is in
#   policies/README.md.
# custom:
#   owner: policy-engineering
package scrapegate

import data.scrapegate.au
import data.scrapegate.br
import data.scrapegate.ca
import data.scrapegate.cn
import data.scrapegate.eu_ai_act
import data.scrapegate.gdpr
import data.scrapegate.lib
import data.scrapegate.review
import data.scrapegate.signals
import data.scrapegate.terms
import data.scrapegate.us_biometric
import data.scrapegate.waivers

# METADATA
# title: The decision
# description: >-
#   {allow, deny, warn, obligations, waived}. For an input without the parts every rule
#   reads (request, job, subjects, signals) it is a single deny input.malformed.
# scope: document
# entrypoint: true
decision := {
	"allow": count(deny) == 0,
	"deny": deny,
	"warn": warn,
	"obligations": obligations,
	"waived": waived,
} if {
	_well_formed
}

decision := {
	"allow": false,
	"deny": {lib.violation("input.malformed", null, "the policy input lacks request, job, subjects or signals")},
	"warn": set(),
	"obligations": set(),
	"waived": set(),
} if {
	not _well_formed
}

default allow := false

allow if {
	_well_formed
	count(deny) == 0
}

_well_formed if {
	is_object(input.request)
	is_string(input.request.host)
	is_object(input.job)
	is_object(input.job.purpose)
	is_array(input.job.data_categories)
	is_object(input.subjects)
	is_array(input.subjects.declared)
	is_object(input.signals)
}

# Every law package's denials, before waivers. One line per package: a package that is
# not listed here decides nothing.
_raw_deny contains v if some v in signals.deny

_raw_deny contains v if some v in terms.deny

_raw_deny contains v if some v in gdpr.deny

_raw_deny contains v if some v in eu_ai_act.deny

_raw_deny contains v if some v in us_biometric.deny

_raw_deny contains v if some v in au.deny

_raw_deny contains v if some v in ca.deny

_raw_deny contains v if some v in br.deny

_raw_deny contains v if some v in cn.deny

deny contains v if {
	some v in _raw_deny
	not _lifted(v)
}

warn contains v if some v in signals.warn

warn contains v if some v in us_biometric.warn

warn contains v if some v in review.warn

obligations contains o if some o in signals.obligations

obligations contains o if some o in gdpr.obligations

obligations contains o if some o in us_biometric.obligations

# --- waivers -------------------------------------------------------------------------------

default _exceptions := []

_exceptions := data.scrapegate.exceptions

default _job_name := ""

_job_name := input.job.name if is_string(input.job.name)

default _host := ""

_host := input.request.host

default _site := ""

_site := input.request.site if is_string(input.request.site)

# today: input.now_date, else the date part of input.now. Without either no waiver holds.
_today := input.now_date if is_string(input.now_date)

_today := substring(input.now, 0, 10) if {
	not is_string(input.now_date)
	is_string(input.now)
}

_lifted(v) if {
	some w in _exceptions
	waivers.lifts(w, v, _job_name, _site, _host, _today)
}

waived contains entry if {
	some v in _raw_deny
	some w in _exceptions
	waivers.lifts(w, v, _job_name, _site, _host, _today)
	entry := waivers.waived_entry(w, v)
}

# METADATA
# title: A waiver that would apply has expired
# description: The waiver is ignored and the denial stands; renew or remove it.
# custom:
#   code: exception.expired
#   owner: policy-engineering
#   waivable: false
warn contains v if {
	some d in _raw_deny
	some w in _exceptions
	waivers.applies(w, d, _job_name, _site, _host)
	not waivers.unexpired(w, _today)
	v := object.union(lib.violation("exception.expired", null, lib.text([
		"waiver ", w.id, " (ticket ", object.get(w, "ticket", null), ") for ", d.code,
		" expired on ", object.get(w, "expires", null), ": the denial stands",
	])), {"waiver": w.id})
}

# METADATA
# title: A waiver names a rule that can never be waived
# description: eu_ai_act.art5_1e is a prohibition; the waiver is ignored.
# custom:
#   code: exception.not_waivable
#   owner: policy-engineering
#   waivable: false
warn contains v if {
	some d in _raw_deny
	d.code in waivers.unwaivable
	some w in _exceptions
	waivers.applies(w, d, _job_name, _site, _host)
	v := object.union(lib.violation("exception.not_waivable", null, lib.text([
		"waiver ", w.id, " cannot lift ", d.code, ": the AI Act prohibition is never waivable",
	])), {"waiver": w.id})
}
