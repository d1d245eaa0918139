package scrapegate.request_test

import data.scrapegate.fixtures_test as fx
import data.scrapegate.request

denials(doc) := result if {
	result := request.deny with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
}

request_codes(doc) := fx.codes(denials(doc))

# --- request.ip_literal (issue 17.3) -----------------------------------------------------

at_ip(host, kind) := fx.patch(fx.price_monitoring, {"/request/host": host, "/request/site": host, "/request/host_kind": kind})

test_a_public_ip_literal_is_denied if {
	some v in denials(at_ip("93.184.216.34", "public"))
	v.code == "request.ip_literal"
	contains(v.message, "93.184.216.34")
}

test_the_job_may_allow_ip_literals if {
	request_codes(fx.patch(at_ip("93.184.216.34", "public"), {"/job/allow_ip_literals": true})) == set()
}

test_loopback_private_and_names_stay_allowed if {
	request_codes(at_ip("127.0.0.1", "loopback")) == set()
	request_codes(at_ip("::1", "loopback")) == set()
	request_codes(at_ip("10.0.0.7", "private")) == set()
	request_codes(at_ip("shop.example.com", "name")) == set()
}

# --- robots.impersonation (issue 17.5) ---------------------------------------------------

as_agent(doc, token, operator) := fx.patch(doc, {"/request/agent_token": token, "/job/operator/name": operator})

test_claiming_a_well_known_crawler_is_denied if {
	every token in ["googlebot", "bingbot", "applebot", "gptbot", "ccbot", "claudebot"] {
		some v in denials(as_agent(fx.price_monitoring, token, "Example Corp"))
		v.code == "robots.impersonation"
		contains(v.message, token)
	}
}

test_the_crawlers_owner_may_use_its_token if {
	request_codes(as_agent(fx.price_monitoring, "googlebot", "Google LLC")) == set()
	request_codes(as_agent(fx.price_monitoring, "gptbot", " OpenAI ")) == set()
	request_codes(as_agent(fx.price_monitoring, "ccbot", "Common Crawl Foundation")) == set()
	# another crawler owner is not the owner
	request_codes(as_agent(fx.price_monitoring, "googlebot", "Microsoft")) == {"robots.impersonation"}
}

test_an_unlisted_token_is_not_impersonation if {
	request_codes(as_agent(fx.price_monitoring, "examplepricebot", "Example Corp")) == set()
	request_codes(as_agent(fx.price_monitoring, "googlebotx", "Example Corp")) == set()
}

test_every_token_names_a_listed_owner if {
	every _, owner in data.scrapegate.crawlers.tokens {
		count(data.scrapegate.crawlers.owners[owner].names) > 0
	}
	every token, _ in data.scrapegate.crawlers.tokens {
		token == lower(token)
	}
}
