# METADATA
# title: The decision's site part, for the embedded engine's job memo
# description: >-
#   What decision finds from the request and the signals (the site packages and a team's
#   rules), whether the input is well formed, and which waivers are written for the job and
#   site. main.rego reads its well-formedness and waivers from here. The embedded engine
#   evaluates `host_findings` for every new host in a bundle without derive, waivers and the law
#   packages (rego-cpp checks the whole bundle on every query), and joins it with main's
#   job_findings, evaluated once per job and subject codes (gate/engines/job_memo.py).
# custom:
#   owner: policy-engineering
package scrapegate.site

import data.scrapegate.content
import data.scrapegate.facts
import data.scrapegate.request
import data.scrapegate.rsl
import data.scrapegate.signals
import data.scrapegate.terms

# METADATA
# title: The site-level findings
# description: >-
#   The site packages' and a team's entries in the order decision lists them, the codes
#   the host's TLD adds to the subjects, and `plain`: whether decision is the join of these
#   and job_findings (a well-formed input, no waiver written for the job and site). When
#   not plain, {"plain": false} alone: the caller evaluates decision itself.
# scope: document
# entrypoint: true
host_findings := {
	"plain": true,
	"host_codes": _host_codes,
	"deny": array.concat(
		array.concat(array.concat([v | some v in request.deny], [v | some v in signals.deny]), [v | some v in terms.deny]),
		array.concat([v | some v in content.deny], [v | some v in rsl.deny]),
	),
	"warn": array.concat(array.concat([v | some v in signals.warn], [v | some v in terms.warn]), [v | some v in rsl.warn]),
	"obligations": [o | some o in signals.obligations],
	# the same static references as main's (regopy 1.5.2 reads data.scrapegate.team[kind] as
	# every rule of the package)
	"team_deny": [v | some v in data.scrapegate.team.deny],
	"team_warn": [v | some v in data.scrapegate.team.warn],
	"team_obligations": [o | some o in data.scrapegate.team.obligations],
} if _plain_input

host_findings := {"plain": false} if not _plain_input

_plain_input if {
	input_well_formed
	count(waivers_for_site) == 0
}

# Only a job with personal data reads the subject codes (every data protection part is
# gated by derive.personal): for the others the TLD lookup is skipped.
default _host_codes := []

_host_codes := facts.target_tld_codes if facts.job_collects_personal_data

# input_well_formed: the input has the parts the rules read (is_string(input.request.host)
# implies that input.request is an object, and so on).
input_well_formed if {
	is_string(input.request.host)
	is_object(input.job.purpose)
	is_array(input.job.data_categories)
	is_array(input.subjects.declared)
	is_object(input.signals)
}

# --- the facts waivers are matched against ---------------------------------------------

default _granted := []

_granted := data.scrapegate.granted_waivers

# waivers_for_site: the waivers written for this job and this site (whatever their rules
# and expiry); only these can change the decision.
waivers_for_site := [w |
	some w in _granted
	is_string(w.jobs)
	glob.match(w.jobs, null, job_name)
	_sites_match(w.sites)
]

_sites_match(pattern) if {
	is_string(pattern)
	glob.match(pattern, null, request_site)
}

_sites_match(pattern) if {
	is_string(pattern)
	glob.match(pattern, null, request_host)
}

default job_name := ""

job_name := input.job.name if is_string(input.job.name)

default request_host := ""

request_host := input.request.host if is_string(input.request.host)

default request_site := ""

request_site := input.request.site if is_string(input.request.site)
