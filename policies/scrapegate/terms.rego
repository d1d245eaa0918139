# METADATA
# title: The site's terms of service
# description: >-
#   The site terms registry (sites/data.yaml, keyed by registrable domain, so an entry for
#   facebook.com covers m.facebook.com) records sites whose terms forbid automated
#   collection. input.signals.terms, the site's own terms page as last read, supplements
#   it (terms_live.rego, LEGAL-R2 R22). A job lifts the denial for one site by listing it
#   under site_permissions with written evidence.
# custom:
#   owner: commercial-legal
package scrapegate.terms

import data.scrapegate.derive
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

# registry_entry: the registry entry for the site, aliases resolved (twitter.com -> x.com).
registry_entry := found if {
	found := _listed
	not found.alias_of
}

registry_entry := data.scrapegate.sites[_listed.alias_of]

# _listed: the registry's entry under the site's own name, which may be an alias.
_listed := data.scrapegate.sites[site]

# prohibition: what forbids automated collection on this site: the registry, or the
# site's own terms page where they bind the job (terms_live.rego, R22).
prohibition := object.union(registry_entry, {"origin": "registry"}) if _registry_prohibits

_registry_prohibits if registry_entry.automated_collection == "prohibited"

# permitted: the job holds written permission for this site.
permitted if {
	some permission in input.job.site_permissions
	_names_site(permission.site)
	derive.documented(permission.evidence)
}

_names_site(name) if lower(name) == site

_names_site(name) if lower(name) == lower(input.request.host)

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
		"the terms of ", site, " forbid automated collection: ", _field(found, "clause"),
		" (", _field(found, "section"), ", ", _field(found, "terms_url"), ", reviewed ",
		_field(found, "reviewed"), "); no site_permissions entry for ", site,
	]))
	v := object.union(base, {
		"site": site,
		"terms_url": _field(found, "terms_url"),
		"precedents": array.concat(base.precedents, lib.cite(object.get(found, "precedents", []))),
	})
}

# _field(found, name): a registry field for messages; a field missing from the registry
# must not make the denial disappear.
_field(found, name) := object.get(found, name, "?")
