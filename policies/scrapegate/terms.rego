# METADATA
# title: The site's terms of service
# description: >-
#   The site terms registry (sites/data.yaml, keyed by registrable domain, so an entry for
#   facebook.com covers m.facebook.com, and through its `domains` the owner's other
#   domains: fbcdn.net, fb.com, ...; LEGAL-R2 R17) records sites whose terms forbid
#   automated collection. input.signals.terms, the site's own terms page as last read, supplements
#   it (terms_live.rego, LEGAL-R2 R22). A job lifts the denial for one site by listing it
#   under site_permissions with written evidence.
# custom:
#   owner: commercial-legal
package scrapegate.terms

import data.scrapegate.facts
import data.scrapegate.lib

# site: the registrable domain of the target (the host when the caller sent none or "").
default site := ""

site := lower(name) if {
	name := input.request.site
	is_string(name)
	name != ""
} else := lower(input.request.host) if {
	is_string(input.request.host)
}

# registry_entry: the registry entry that covers the site (see owner_site).
registry_entry := data.scrapegate.sites[owner_site]

# _listed: the registry's entry under the site's own name, which may be an alias.
_listed := data.scrapegate.sites[site]

# owner_site: the registry entry that covers the site: its own, an alias's target
# (twitter.com -> x.com), or the entry listing the site under `domains` (fbcdn.net ->
# facebook.com, through data.yaml's precomputed site_domains; terms_test checks it
# against the registry). One else chain: an unlisted site costs two missed lookups.
owner_site := found if {
	entry := _listed
	found := object.get(entry, "alias_of", site)
} else := data.scrapegate.site_domains[site]

# prohibition: what forbids automated collection on this site: the registry, or the
# site's own terms page where they bind the job (terms_live.rego, R22).
prohibition := object.union(registry_entry, {"origin": "registry"}) if _registry_prohibits

_registry_prohibits if registry_entry.automated_collection == "prohibited"

# permitted: the job holds written permission for this site.
permitted if {
	some permission in input.job.site_permissions
	_names_site(permission.site)
	facts.text_documented(permission.evidence)
}

_names_site(name) if lower(name) == site

_names_site(name) if lower(name) == lower(input.request.host)

_names_site(name) if lower(name) == owner_site

# METADATA
# title: The site's terms forbid automated collection
# description: >-
#   Denied unless the job lists the site under site_permissions with written evidence
#   (a contract, an API agreement, a written consent). The permission lifts the denial for
#   that site only.
# related_resources:
#   - ref: https://www.facebook.com/terms.php
#     description: Facebook Terms of Service 3.2.3 (one entry of the registry)
# custom:
#   code: terms.automated_collection_prohibited
#   law: the site's terms of service (contract)
#   owner: commercial-legal
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	found := prohibition
	not permitted
	base := lib.violation("terms.automated_collection_prohibited", null, lib.text([
		"the terms of ", _whose, " forbid automated collection: ", _field(found, "clause"),
		" (", _field(found, "section"), ", ", _field(found, "terms_url"), ", ",
		_checked(found), "); no site_permissions entry for ", site,
	]))
	v := object.union(base, {
		"site": site,
		"terms_url": _field(found, "terms_url"),
		"precedents": array.concat(base.precedents, lib.cite(object.get(found, "precedents", []))),
	})
}

# _whose: the site, and its owner's entry when the site is one of the owner's domains.
default _whose := "this site"

_whose := site if owner_site == site

_whose := concat("", [owner_site, " (which owns ", site, ")"]) if owner_site != site

_whose := site if {
	not owner_site
	site != ""
}

# _checked(found): whether the clause was compared with the live terms (R17).
_checked(found) := concat("", ["verified against the live terms on ", found.reviewed]) if {
	found.verified == true
	is_string(found.reviewed)
} else := concat("", ["as read ", found.reviewed]) if {
	found.origin != "registry"
	is_string(found.reviewed)
} else := "not verified against the live terms"

# _field(found, name): a registry field for messages; a field missing from the registry
# must not make the denial disappear.
_field(found, name) := object.get(found, name, "?")
