# METADATA
# title: What the request itself claims
# description: >-
#   Rules about the request rather than the site or the subjects (issue 17): a public
#   IP-literal host, which names no site and so gets past every site rule, and a user
#   agent that claims a well-known crawler's name, which gets that crawler's robots.txt
#   allowances. The input carries what Python computed: request.host_kind (name, loopback,
#   private, public) and request.agent_token (the product token).
# custom:
#   owner: policy-engineering
package scrapegate.request

import data.scrapegate.lib

# METADATA
# title: A public IP address instead of a host name
# description: >-
#   An IP literal names no site: the terms registry, the owners' domains and the
#   site-scoped waivers cannot apply to it. Denied unless the job sets
#   spec.allow_ip_literals: true. Loopback (127.0.0.0/8, ::1) and private addresses stay
#   allowed, for local development and tests.
# custom:
#   code: request.ip_literal
#   law: scrapegate request rules (issue 17.3)
#   owner: policy-engineering
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	input.request.host_kind == "public"
	not input.job.allow_ip_literals == true
	v := lib.violation("request.ip_literal", null, lib.text([
		"the target's host is the public IP address ", input.request.host,
		": it names no site, so no site rule could apply; name the host, or set spec.allow_ip_literals: true",
	]))
}

# METADATA
# title: A user agent that claims a well-known crawler's name
# description: >-
#   Sites grant well-known crawlers (Googlebot, Bingbot, Applebot, GPTBot, CCBot, ...)
#   robots.txt allowances on the strength of their owner's name. A job whose product token
#   is one of them (crawlers/data.yaml) is denied unless spec.operator.name is one of that
#   crawler's owner's names.
# related_resources:
#   - ref: https://github.com/ai-robots-txt/ai.robots.txt
#     description: ai-robots-txt/ai.robots.txt (robots.json), a list of AI crawlers and their operators
#   - ref: https://developers.google.com/search/docs/crawling-indexing/overview-google-crawlers
#     description: Google's crawlers and their user agent tokens
# custom:
#   code: robots.impersonation
#   law: RFC 9309 §2.2.1 (the crawler's own product token)
#   owner: policy-engineering
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	token := input.request.agent_token
	owner := data.scrapegate.crawlers.tokens[token]
	not _operator_is(owner)
	v := lib.violation("robots.impersonation", null, lib.text([
		"the user agent's product token '", token, "' is a crawler of ", owner,
		" (", object.get(data.scrapegate.crawlers.owners[owner], "docs", "?"),
		"), but the operator is '", object.get(object.get(input.job, "operator", {}), "name", "?"),
		"': a job may not claim another crawler's robots.txt allowances",
	]))
}

# _operator_is(owner): the job's operator is one of the owner's names (case-insensitive).
_operator_is(owner) if {
	name := lower(trim_space(input.job.operator.name))
	some n in data.scrapegate.crawlers.owners[owner].names
	n == name
}
