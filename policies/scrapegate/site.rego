# METADATA
# title: The decision's site part, for the embedded engine's job memo
# description: >-
#   What decision finds from the request and the signals (the site packages and a team's
#   rules) and which waivers are written for the job and site. main.rego reads the waivers
#   from here. The embedded engine
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
#   The site packages' and a team's entries in the order decision lists them, and the codes
#   the host's TLD adds to the subjects, as one array: [host_codes, deny, warn, obligations,
#   team_deny, team_warn, team_obligations]. An array, not an object: rego-cpp builds and
#   prints an object's keys at a cost measured on every new host (BENCHMARKS.md, "Issue
#   16.5"). false when a waiver is written for the job and site: the caller then evaluates
#   decision itself. The caller checks first that the input is well formed, with
#   input_well_formed's tests (gate/engines/job_memo.py: well_formed).
# scope: document
# entrypoint: true
host_findings := [
	_host_codes,
	array.concat(
		array.concat(array.concat([v | some v in request.deny], [v | some v in signals.deny]), [v | some v in terms.deny]),
		array.concat([v | some v in content.deny], [v | some v in rsl.deny]),
	),
	array.concat(array.concat([v | some v in signals.warn], [v | some v in terms.warn]), [v | some v in rsl.warn]),
	[o | some o in signals.obligations],
	# the same static references as main's (regopy 1.5.2 reads data.scrapegate.team[kind] as
	# every rule of the package)
	[v | some v in data.scrapegate.team.deny],
	[v | some v in data.scrapegate.team.warn],
	[o | some o in data.scrapegate.team.obligations],
] if {
	count(waivers_for_site) == 0
} else := false

# Only a job with personal data reads the subject codes (every data protection part is
# gated by derive.personal): for the others the TLD lookup is skipped.
default _host_codes := []

_host_codes := facts.target_tld_codes if facts.job_collects_personal_data

# --- the facts waivers are matched against ---------------------------------------------

default _granted := []

_granted := data.scrapegate.granted_waivers

# waivers_for_site: the waivers written for this job and this site (whatever their rules
# and expiry); only these can change the decision.
waivers_for_site := [w |
	some w in _granted
	_glob_matches(w.jobs, job_name)
	_sites_match(w.sites)
]

_sites_match(pattern) if _glob_matches(pattern, request_site)

_sites_match(pattern) if _glob_matches(pattern, request_host)

# A waiver's jobs and sites: a glob, or a list of globs one of which matches (as in
# waivers.rego, which this bundle leaves out).
_glob_matches(pattern, value) if {
	_plain_glob(pattern)
	glob.match(pattern, null, value)
}

_glob_matches(pattern, value) if {
	is_array(pattern)
	some one in pattern
	_plain_glob(one)
	glob.match(one, null, value)
}

# _plain_glob: as waivers.plain_glob (only * and ? are wildcards the two engines agree on).
_plain_glob(pattern) if {
	is_string(pattern)
	regex.match(`^[A-Za-z0-9._*?-]+$`, pattern)
}

default job_name := ""

job_name := input.job.name if is_string(input.job.name)

default request_host := ""

request_host := input.request.host if is_string(input.request.host)

default request_site := ""

request_site := input.request.site if is_string(input.request.site)
