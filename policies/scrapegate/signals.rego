# METADATA
# title: What the site itself says
# description: >-
#   robots.txt (RFC 9309), machine-readable text-and-data-mining reservations and login
#   walls. These rules concern the site, not the data subjects: their entries carry
#   jurisdiction null. A signal that was not checked (static mode) or is unavailable
#   denies nothing; one that could not be fetched denies where the standard says so.
# custom:
#   owner: policy-engineering
package scrapegate.signals

import data.scrapegate.facts
import data.scrapegate.lib

# Purposes that are text and data mining in the sense of DSM Directive Art. 2(2).
tdm_purposes := {"ai_training", "text_and_data_mining", "academic_research"}

# METADATA
# title: robots.txt disallows the URL for the job's user agent
# description: >-
#   Fires only when robots.txt was fetched and parsed (status ok) and its rules disallow
#   the URL for the job's user agent.
# related_resources:
#   - ref: https://www.rfc-editor.org/rfc/rfc9309#section-2.2
#     description: RFC 9309 §2.2
# custom:
#   code: robots.disallowed
#   law: RFC 9309 §2.2
#   owner: policy-engineering
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	input.signals.robots.status == "ok"
	input.signals.robots.allowed == false
	v := lib.violation("robots.disallowed", null, lib.text([
		"robots.txt of ", _request("host"), " disallows ", _request("path"),
		" for user agent '", object.get(input.job, "user_agent", "?"), "' (", _robots_rule, ")",
	]))
}

default _robots_rule := "no matching rule reported"

_robots_rule := input.signals.robots.rule if is_string(input.signals.robots.rule)

# _request(field): a request field for messages; never undefined, so a message can never
# make a deny disappear.
_request(field) := object.get(input.request, field, "?")

# METADATA
# title: robots.txt could not be fetched
# description: >-
#   A 5xx answer, a timeout or a network error: RFC 9309 §2.3.1.4 says to assume complete
#   disallow.
# related_resources:
#   - ref: https://www.rfc-editor.org/rfc/rfc9309#section-2.3.1.4
#     description: RFC 9309 §2.3.1.4
# custom:
#   code: robots.unreachable
#   law: RFC 9309 §2.3.1.4
#   owner: policy-engineering
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	input.signals.robots.status == "unreachable"
	v := lib.violation("robots.unreachable", null, lib.text([
		"robots.txt of ", _request("host"),
		" is unreachable (", _unreachable_cause, "): complete disallow assumed",
	]))
}

# The fetcher's cause (connection refused, timed out, HTTP 503, ...), in `rule` when unreachable.
default _unreachable_cause := "server error or network failure"

_unreachable_cause := input.signals.robots.rule if is_string(input.signals.robots.rule)

# METADATA
# title: Content behind a login
# description: >-
#   The target is declared authenticated or a login wall was seen. CNIL's 2025 scraping
#   guidance limits collection to what a non-registered visitor sees; hiQ v. LinkedIn
#   (N.D. Cal. 2022) held the user agreement enforceable against logged-in scraping.
# related_resources:
#   - ref: https://www.cnil.fr/en
#     description: CNIL guidance on web scraping (2025)
# custom:
#   code: access.login_required
#   law: CNIL guidance (2025); contract
#   owner: policy-engineering
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	_behind_login
	v := lib.violation("access.login_required", null, lib.text([
		_request("url"), " is behind a login: collect only what a visitor without an account sees",
	]))
}

_behind_login if input.signals.login_required == true

_behind_login if input.request.authenticated == true

# METADATA
# title: Text and data mining reserved by the rightholder
# description: >-
#   A machine-readable reservation (TDMRep tdm-reservation 1, Content-Signal ai-train=no,
#   Content-Usage train-ai=n, X-Robots-Tag noai/noimageai) forbids text and data mining and
#   AI training (DSM Directive Art. 4(3); AI Act Art. 53(1)(c)).
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/dir/2019/790/oj
#     description: Directive (EU) 2019/790 Art. 4(3)
# custom:
#   code: tdm.reserved
#   law: DSM Directive Art. 4(3); AI Act Art. 53(1)(c)
#   owner: copyright-legal
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	_tdm_reserved
	input.job.purpose.category in tdm_purposes
	not facts.research_by_research_organisation
	v := lib.violation("tdm.reserved", null, lib.text([
		_request("site"), " reserves text and data mining (", _reservation, "); purpose ",
		input.job.purpose.category, " is not allowed",
	]))
}

# METADATA
# title: TDM reservation, research organisation exception
# description: >-
#   Scientific research by a research organisation (DSM Directive Art. 3) is not subject
#   to the Art. 4(3) opt-out: a warning, not a denial.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/dir/2019/790/oj
#     description: Directive (EU) 2019/790 Art. 3
# custom:
#   code: tdm.reserved
#   law: DSM Directive Art. 3
#   owner: copyright-legal
#   jurisdictions: ["*"]
#   waivable: true
warn contains v if {
	_tdm_reserved
	facts.research_by_research_organisation
	v := lib.violation("tdm.reserved", null, lib.text([
		_request("site"), " reserves text and data mining (", _reservation,
		"); allowed only as scientific research by a research organisation (DSM Directive Art. 3)",
	]))
}

_tdm_reserved if input.signals.optout.tdm_reserved == true

_tdm_reserved if input.signals.optout.ai_train == "reserved"

default _reservation := "machine-readable reservation"

_reservation := concat(", ", lib.sorted(_sources)) if count(_sources) > 0

_sources contains s if {
	some source in input.signals.optout.sources
	s := _describe(source)
}

_describe(source) := source if is_string(source)

_describe(source) := sprintf("%v", [object.get(source, "kind", object.get(source, "source", source))]) if {
	is_object(source)
}

# METADATA
# title: Honour robots.txt crawl-delay
# description: The interval robots.txt asks for, as an obligation on the fetcher.
# related_resources:
#   - ref: https://www.rfc-editor.org/rfc/rfc9309
#     description: RFC 9309 (crawl-delay is a common extension)
# custom:
#   code: rate_limit
#   owner: policy-engineering
obligations contains {"code": "rate_limit", "min_interval_s": delay} if {
	input.signals.robots.status == "ok"
	delay := input.signals.robots.crawl_delay
	is_number(delay)
	delay > 0
}
