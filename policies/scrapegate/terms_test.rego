package scrapegate.terms_test

import data.scrapegate.fixtures_test as fx
import data.scrapegate.terms

terms_denials(doc) := result if {
	result := terms.deny with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

denied(doc) if count(terms_denials(doc)) > 0

permit(doc, site_name, evidence) := fx.patch(doc, {"/job/site_permissions": [{"site": site_name, "evidence": evidence}]})

test_registered_site_is_denied if {
	some v in terms_denials(fx.at(fx.price_monitoring, "www.facebook.com", "facebook.com"))
	v.code == "terms.automated_collection_prohibited"
	v.jurisdiction == null
	v.site == "facebook.com"
	v.terms_url == "https://www.facebook.com/terms.php"
	contains(v.message, "3.2.3")
}

test_unregistered_site_is_not_denied if {
	not denied(fx.price_monitoring)
}

test_subdomains_share_the_registrable_domain_entry if {
	denied(fx.at(fx.price_monitoring, "m.facebook.com", "facebook.com"))
	denied(fx.at(fx.price_monitoring, "de.linkedin.com", "linkedin.com"))
}

test_every_seeded_site_is_denied if {
	every site_name in ["facebook.com", "instagram.com", "linkedin.com", "x.com", "twitter.com", "youtube.com", "tiktok.com", "reddit.com", "pinterest.com"] {
		denied(fx.at(fx.price_monitoring, concat("", ["www.", site_name]), site_name))
	}
}

test_twitter_is_a_domain_of_x if {
	some v in terms_denials(fx.at(fx.price_monitoring, "twitter.com", "twitter.com"))
	v.terms_url == "https://x.com/en/tos"
	v.site == "twitter.com"
}

test_site_permission_lifts_the_denial_for_that_site_only if {
	job := permit(fx.price_monitoring, "facebook.com", "Meta content licence 2026-17")
	not denied(fx.at(job, "www.facebook.com", "facebook.com"))
	not denied(fx.at(job, "m.facebook.com", "facebook.com"))
	denied(fx.at(job, "www.linkedin.com", "linkedin.com"))
	denied(fx.at(job, "www.instagram.com", "instagram.com"))
}

test_site_permission_needs_evidence if {
	denied(fx.at(permit(fx.price_monitoring, "facebook.com", ""), "www.facebook.com", "facebook.com"))
}

test_permission_for_a_host_counts if {
	job := permit(fx.price_monitoring, "www.reddit.com", "Reddit data API agreement")
	not denied(fx.at(job, "www.reddit.com", "reddit.com"))
}

test_live_terms_signal_supplements_the_registry if {
	doc := fx.patch(fx.price_monitoring, {"/request/authenticated": true, "/signals/terms": {
		"known": true, "automated_collection": "prohibited",
		"clause": "no robots", "source": "https://shop.example.com/terms",
	}})
	some v in terms_denials(doc)
	v.terms_url == "https://shop.example.com/terms"
	contains(v.message, "no robots")
}

test_unknown_live_terms_deny_nothing if {
	not denied(fx.patch(fx.price_monitoring, {"/signals/terms": {"known": false, "automated_collection": "prohibited"}}))
	not denied(fx.patch(fx.price_monitoring, {"/signals/terms": {"known": true, "automated_collection": "allowed"}}))
}

test_site_precedents_are_added if {
	some v in terms_denials(fx.at(fx.price_monitoring, "www.linkedin.com", "linkedin.com"))
	count(v.precedents) == 2
	some p in v.precedents
	contains(p, "hiQ")
}

test_registry_entries_are_complete if {
	every site_name, site_entry in data.scrapegate.sites {
		_complete(site_name, site_entry)
	}
}

_complete(_, site_entry) if {
	site_entry.automated_collection in {"prohibited", "allowed"}
	is_string(site_entry.clause)
	startswith(site_entry.terms_url, "https://")
	is_array(site_entry.domains)
	is_string(site_entry.source)
	is_boolean(site_entry.verified)
	is_array(site_entry.precedents)
	_review_date_fits(site_entry)
}

# R17: reviewed is the date of a comparison with the live terms, null before one.
_review_date_fits(site_entry) if {
	site_entry.verified == true
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`, site_entry.reviewed)
}

_review_date_fits(site_entry) if {
	site_entry.verified == false
	site_entry.reviewed == null
}

# R17: the owners' other domains get the same terms.
test_owners_other_domains_are_denied_like_the_site if {
	every pair in [
		["static.xx.fbcdn.net", "fbcdn.net", "facebook.com"], ["fb.com", "fb.com", "facebook.com"],
		["instagr.am", "instagr.am", "instagram.com"], ["scontent.cdninstagram.com", "cdninstagram.com", "instagram.com"],
		["media.licdn.com", "licdn.com", "linkedin.com"], ["pbs.twimg.com", "twimg.com", "x.com"],
		["t.co", "t.co", "x.com"], ["youtu.be", "youtu.be", "youtube.com"], ["i.redd.it", "redd.it", "reddit.com"],
		["i.pinimg.com", "pinimg.com", "pinterest.com"],
	] {
		some v in terms_denials(fx.at(fx.price_monitoring, pair[0], pair[1]))
		v.code == "terms.automated_collection_prohibited"
		contains(v.message, concat("", [pair[2], " (which owns ", pair[1], ")"]))
	}
}

test_a_domain_no_owner_lists_is_not_denied if {
	count(terms_denials(fx.at(fx.price_monitoring, "www.fbcdn.example", "fbcdn.example"))) == 0
}

test_a_permission_for_the_owner_covers_its_other_domains if {
	doc := fx.patch(fx.at(fx.price_monitoring, "static.xx.fbcdn.net", "fbcdn.net"), {
		"/job/site_permissions": [{"site": "facebook.com", "evidence": "Meta platform licence 2026"}],
	})
	count(terms_denials(doc)) == 0
}

test_the_site_domains_index_matches_the_registry if {
	index := {d: name | some name, entry in data.scrapegate.sites; some d in object.get(entry, "domains", [])}
	index == data.scrapegate.site_domains
}

test_no_domain_is_listed_by_two_owners if {
	listed := [d | some entry in data.scrapegate.sites; some d in object.get(entry, "domains", [])]
	count(listed) == count({d | some d in listed})
	every d in listed {
		not data.scrapegate.sites[d]
	}
}

# R17: precedents are cited per site; a site with none cites none.
test_a_site_without_precedents_cites_none if {
	some v in terms_denials(fx.at(fx.price_monitoring, "www.tiktok.com", "tiktok.com"))
	v.precedents == []
	contains(v.message, "not verified against the live terms")
}

_complete(_, site_entry) if data.scrapegate.sites[site_entry.alias_of].automated_collection
