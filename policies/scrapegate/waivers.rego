# METADATA
# title: Waivers
# description: >-
#   A waiver is data: {id, rules, jobs, sites, approved_by, reason, ticket, expires}, at
#   data.scrapegate.granted_waivers (`scrapegate check --waivers FILE` supplies the list).
#   It lifts a denial when the denial's code is in rules, the job name matches jobs, the
#   site (registrable domain or host) matches sites, and today is on or before expires.
#   jobs and sites are each a glob or a list of globs (any one matching is a match). Globs
#   use * and ? with no separator: "*" matches every site.
#   eu_ai_act.art5_1e is never waivable. The functions take every fact as an argument;
#   ctx is {job, site, host, today}.
# custom:
#   owner: policy-engineering
package scrapegate.waivers

import data.scrapegate.lib

# Codes no waiver can lift.
unwaivable := {"eu_ai_act.art5_1e"}

# kept(raw, granted, ctx): the denials in raw no waiver lifts.
kept(raw, granted, ctx) := {v | some v in raw; not _lifted(v, granted, ctx)}

_lifted(denial, granted, ctx) if {
	some waiver in granted
	lifts(waiver, denial, ctx)
}

# waived_entries(raw, granted, ctx): one entry per denial and waiver that lifts it.
waived_entries(raw, granted, ctx) := {entry |
	some v in raw
	some waiver in granted
	lifts(waiver, v, ctx)
	entry := waived_entry(waiver, v)
}

# warnings(raw, granted, ctx): waivers that would apply but cannot.
warnings(raw, granted, ctx) := _expired(raw, granted, ctx) | _not_waivable(raw, granted, ctx)

# METADATA
# title: A waiver that would apply has expired
# description: The waiver is ignored and the denial stands; renew or remove it.
# custom:
#   code: waiver.expired
#   owner: policy-engineering
#   waivable: false
_expired(raw, granted, ctx) := {warning |
	some v in raw
	some waiver in granted
	applies(waiver, v, ctx)
	not unexpired(waiver, ctx.today)
	warning := object.union(lib.violation("waiver.expired", null, lib.text([
		"waiver ", waiver.id, " (ticket ", object.get(waiver, "ticket", null), ") for ", v.code,
		" expired on ", object.get(waiver, "expires", null), ": the denial stands",
	])), {"waiver": waiver.id})
}

# METADATA
# title: A waiver names a rule that can never be waived
# description: eu_ai_act.art5_1e is a prohibition; the waiver is ignored.
# custom:
#   code: waiver.not_waivable
#   owner: policy-engineering
#   waivable: false
_not_waivable(raw, granted, ctx) := {warning |
	some v in raw
	v.code in unwaivable
	some waiver in granted
	applies(waiver, v, ctx)
	warning := object.union(lib.violation("waiver.not_waivable", null, lib.text([
		"waiver ", waiver.id, " cannot lift ", v.code, ": the AI Act prohibition is never waivable",
	])), {"waiver": waiver.id})
}

# applies(waiver, denial, ctx): the waiver is written for this denial of this job on
# this site, whatever its expiry.
applies(waiver, denial, ctx) if {
	is_string(waiver.id)
	is_array(waiver.rules)
	denial.code in waiver.rules
	_matches(waiver.jobs, ctx.job)
	_site_matches(waiver.sites, ctx)
}

_site_matches(pattern, ctx) if _matches(pattern, ctx.site)

_site_matches(pattern, ctx) if _matches(pattern, ctx.host)

# _matches(pattern, value): pattern is a glob, or a list of globs one of which matches.
_matches(pattern, value) if {
	plain_glob(pattern)
	glob.match(pattern, null, value)
}

_matches(pattern, value) if {
	is_array(pattern)
	some one in pattern
	plain_glob(one)
	glob.match(one, null, value)
}

# plain_glob(pattern): a glob of name and host characters with the wildcards * and ? only.
# OPA and the embedded engine read [...], {...} and \ differently ("{a,b" matched "a" on
# OPA only; "[a-]" failed the whole decision on OPA): such a pattern matches nothing.
# gate.model.waiver refuses it at load; this covers waivers given as data.
plain_glob(pattern) if {
	is_string(pattern)
	regex.match(`^[A-Za-z0-9._*?-]+$`, pattern)
}

# unexpired(waiver, today): expires is a YYYY-MM-DD date on or after today (a waiver is
# valid through its expiry day). A missing or malformed date, or no today, never holds.
unexpired(waiver, today) if {
	is_string(waiver.expires)
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`, waiver.expires)
	is_string(today)
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`, today)
	waiver.expires >= today
}

# lifts(waiver, denial, ctx): the waiver moves this denial to waived.
lifts(waiver, denial, ctx) if {
	applies(waiver, denial, ctx)
	unexpired(waiver, ctx.today)
	not denial.code in unwaivable
}

# waived_entry(waiver, denial) is what the decision lists under waived.
waived_entry(waiver, denial) := {
	"code": denial.code,
	"jurisdiction": object.get(denial, "jurisdiction", null),
	"waiver": waiver.id,
	"approved_by": object.get(waiver, "approved_by", null),
	"expires": waiver.expires,
	"ticket": object.get(waiver, "ticket", null),
}
