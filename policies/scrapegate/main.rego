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
import data.scrapegate.content
import data.scrapegate.derive
import data.scrapegate.cn
import data.scrapegate.declaration
import data.scrapegate.eu_ai_act
import data.scrapegate.gdpr
import data.scrapegate.kr
import data.scrapegate.lib
import data.scrapegate.nz
import data.scrapegate.request
import data.scrapegate.review
import data.scrapegate.rsl
import data.scrapegate.signals
import data.scrapegate.site
import data.scrapegate.terms
import data.scrapegate.tr
import data.scrapegate.us_biometric
import data.scrapegate.waivers
import data.scrapegate.za

# decision is one rule with else branches, the common case (a well-formed input, no waiver
# for this job and site) first, so the input is checked once and the waivers looked up once.

# METADATA
# title: The decision
# description: >-
#   {allow, deny, warn, obligations, waived}: what the law packages deny, warn and
#   oblige, with the waivers applied (see assemble). For an input without the parts the
#   rules read (request, job, subjects, signals) it is a single deny input.malformed.
# scope: document
# entrypoint: true
decision := _plain_decision if {
	input_well_formed
	count(site.waivers_for_site) == 0
} else := assemble(_as_set(_raw_deny), _as_set(_raw_warn), _as_set(_raw_obligations), site.waivers_for_site, _context) if {
	input_well_formed
} else := {
	"allow": false,
	"deny": [lib.violation("input.malformed", null, "the policy input lacks request, job, subjects or signals")],
	"warn": [],
	"obligations": [],
	"waived": [],
} if {
	not input_well_formed # not when assemble fails: an undefined decision is its own deny
}

# input_well_formed: the input has the parts the rules read (is_string(input.request.host)
# implies that input.request is an object, and so on). gate/engines/job_memo.py's
# well_formed makes the same tests before the embedded engine queries site.host_findings.
input_well_formed if {
	is_string(input.request.host)
	is_object(input.job.purpose)
	is_array(input.job.data_categories)
	is_array(input.subjects.declared)
	is_object(input.signals)
}

# _plain_decision: no waiver is written for this job and site, the common case: the
# lists as the packages made them. Lists, not sets: building sets of entries is slow in
# the embedded engine, and no two packages emit the same entry.
_plain_decision := {
	"allow": count(_raw_deny) == 0,
	"deny": _raw_deny,
	"warn": _raw_warn,
	"obligations": _raw_obligations,
	"waived": [],
}

_as_set(entries) := {e | some e in entries}

# The parts of the decision as rules of their own, for OPA server users.
default allow := false

allow := decision.allow

deny contains v if some v in decision.deny

warn contains v if some v in decision.warn

obligations contains o if some o in decision.obligations

waived contains w if some w in decision.waived

# assemble(raw_deny, raw_warn, raw_obligations, granted, ctx) applies the waivers: a
# denial a waiver lifts moves to waived; an expired or unwaivable waiver adds a warning.
# allow is true only when no denial is left. ctx = {job, site, host, today}.
assemble(raw_deny, raw_warn, raw_obligations, granted, ctx) := {
	"allow": count(kept) == 0,
	"deny": kept,
	"warn": raw_warn | waivers.warnings(raw_deny, granted, ctx),
	"obligations": raw_obligations,
	"waived": waivers.waived_entries(raw_deny, granted, ctx),
} if {
	kept := waivers.kept(raw_deny, granted, ctx)
}

# Every law package's output, before waivers, as lists. One entry per package: a
# package that is not listed here decides nothing.
# What the site says (robots.txt, terms, login walls, TDM reservations), then what the
# data protection packages say. One expression, not a rule per part: each rule costs the
# embedded engine a call on every decision.
_raw_deny := array.concat(
	array.concat(
		array.concat([v | some v in request.deny], [v | some v in signals.deny]),
		[v | some v in terms.deny],
	),
	array.concat(
		array.concat([v | some v in content.deny], [v | some v in rsl.deny]),
		array.concat(_subject_deny, _team_deny),
	),
)

_raw_warn := array.concat(
	array.concat(array.concat([v | some v in signals.warn], [v | some v in terms.warn]), [v | some v in rsl.warn]),
	array.concat(_subject_warn, _team_warn),
)

_raw_obligations := array.concat(
	array.concat([o | some o in signals.obligations], [o | some o in eu_ai_act.obligations]),
	array.concat(_subject_obligations, _team_obligations),
)

# --- the decision in two parts (the embedded engine's job memo) -------------------------
# What the data protection packages find depends on the job and the subject codes only
# (they read input.job, input.subjects and derive, whose one request-dependent part is
# facts.target_tld_codes). The embedded engine evaluates job_findings once per job and subject
# codes, with an input that holds no request and no signals (so it cannot depend on them,
# the TLD's codes appended to subjects.inferred), and site.host_findings (site.rego) for every
# new host; it joins them in _raw_deny's, _raw_warn's and _raw_obligations' order. When the
# input is malformed (it checks input_well_formed's tests first) or site.host_findings says a
# waiver is written for the job and site, it evaluates decision instead. tests/engines/test_job_memo.py checks that the joined
# decision equals decision for every example and end-to-end manifest.

# METADATA
# title: The job-level findings
# description: >-
#   The data protection packages' deny, warn and obligations entries and the AI Act's
#   obligations: the parts of decision that depend on the job and the subject codes only,
#   in decision's order. Used by the embedded engine's job memo.
# scope: document
# entrypoint: true
job_findings := {
	"deny": _subject_deny,
	"warn": _subject_warn,
	"obligations": array.concat([o | some o in eu_ai_act.obligations], _subject_obligations),
}

# A team's own rules: `package scrapegate.team` (any number of files) defining deny, warn or
# obligations reaches the decision for every job (policies/README.md, "Add a team rule").
# `policy lint` flags a deny/warn/obligations rule of any other package main does not collect.
# Static references: regopy 1.5.2 reads `data.scrapegate.team[kind]` as every rule of the package.
_team_deny := [v | some v in data.scrapegate.team.deny]

_team_warn := [v | some v in data.scrapegate.team.warn]

_team_obligations := [o | some o in data.scrapegate.team.obligations]

# The data protection packages decide only about personal data (every rule of theirs
# needs derive.personal): a job that collects none skips them, which keeps its decision
# cheap.
default _subject_deny := []

_subject_deny := [v |
	some part in [gdpr.deny, eu_ai_act.deny, us_biometric.deny, au.deny, ca.deny, br.deny, cn.deny, kr.deny, tr.deny, za.deny, nz.deny]
	some v in part
] if derive.personal

default _subject_warn := []

_subject_warn := [v |
	some part in [declaration.warn, gdpr.warn, eu_ai_act.warn, us_biometric.warn, review.warn]
	some v in part
] if derive.personal

default _subject_obligations := []

_subject_obligations := [o |
	some part in [gdpr.obligations, us_biometric.obligations, ca.obligations, br.obligations, cn.obligations]
	some o in part
] if derive.personal


# --- the facts waivers are matched against (site.rego: waivers_for_site) ---------------

_context := {"job": site.job_name, "site": site.request_site, "host": site.request_host, "today": _today}

# _today: input.now_date, else the date part of input.now; null (no waiver holds) without.
default _today := null

_today := input.now_date if is_string(input.now_date)

_today := substring(input.now, 0, 10) if {
	not is_string(object.get(input, "now_date", null))
	is_string(input.now)
}
