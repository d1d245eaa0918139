# METADATA
# title: Waivers (exceptions)
# description: >-
#   A waiver is data: {id, rules, jobs, sites, approved_by, reason, ticket, expires}, at
#   data.scrapegate.exceptions (`scrapegate check --exceptions FILE` supplies the list).
#   It waives a denial when the denial's code is in rules, the job name matches the jobs
#   glob, the site (registrable domain or host) matches the sites glob, and today is on
#   or before expires. Globs use * and ? with no separator: "*" matches every site.
#   eu_ai_act.art5_1e is never waivable. The functions take every fact as an argument.
# custom:
#   owner: policy-engineering
package scrapegate.waivers

# Codes no waiver can lift.
unwaivable := {"eu_ai_act.art5_1e"}

# applies(waiver, violation, job, site, host): the waiver is written for this denial of
# this job on this site, whatever its expiry.
applies(waiver, violation, job, site, host) if {
	is_array(waiver.rules)
	violation.code in waiver.rules
	is_string(waiver.jobs)
	glob.match(waiver.jobs, null, job)
	_site_matches(waiver.sites, site, host)
}

_site_matches(pattern, site, _) if {
	is_string(pattern)
	glob.match(pattern, null, site)
}

_site_matches(pattern, _, host) if {
	is_string(pattern)
	glob.match(pattern, null, host)
}

# unexpired(waiver, today): expires is a YYYY-MM-DD date on or after today (a waiver is
# valid through its expiry day). A missing or malformed date never holds.
unexpired(waiver, today) if {
	is_string(waiver.expires)
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`, waiver.expires)
	is_string(today)
	waiver.expires >= today
}

# lifts(waiver, violation, job, site, host, today): the waiver moves this denial to waived.
lifts(waiver, violation, job, site, host, today) if {
	applies(waiver, violation, job, site, host)
	unexpired(waiver, today)
	not violation.code in unwaivable
}

# waived_entry(waiver, violation) is what the decision lists under waived.
waived_entry(waiver, violation) := {
	"code": violation.code,
	"jurisdiction": violation.jurisdiction,
	"waiver": waiver.id,
	"approved_by": object.get(waiver, "approved_by", null),
	"expires": waiver.expires,
	"ticket": object.get(waiver, "ticket", null),
}
