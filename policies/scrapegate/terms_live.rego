# METADATA
# title: The site's own terms page, beyond the registry (LEGAL-R2 R22)
# description: >-
#   input.signals.terms is the site's terms page as scrapegate last read it (found from the
#   home page's links or a well-known path, the clauses that forbid automated collection or
#   reserve text and data mining, the page's text hash, the date read, its Last-Modified).
#   A clause that forbids automated collection warns (browsewrap terms bind a scraper with
#   actual notice, and the warning gives that notice); it denies where the terms bind the
#   job: a target behind a login (the visitor accepted them) or a site that objected to the
#   operator (a registry entry's objections). A reservation of text and data mining in
#   prose denies AI and TDM jobs as a precaution. A registry site whose page changed since
#   the entry's review warns. Terms that could not be found or read ("known": false) add
#   nothing and take nothing away from the registry.
# custom:
#   owner: commercial-legal
package scrapegate.terms

import data.scrapegate.lib

# The purposes a reservation of text and data mining in prose denies (R22).
tdm_prose_purposes := {"ai_training", "text_and_data_mining"}

# live_prohibition: the site's own terms page, as last read, forbids automated collection.
live_prohibition if {
	input.signals.terms.known == true
	input.signals.terms.automated_collection == "prohibited"
}

# objection: the registry records that the site objected to this job's operator.
objection := found[0] if {
	me := operator_key(input.job.operator.name)
	me != ""
	found := [o | some o in object.get(registry_entry, "objections", []); operator_key(o.operator) == me]
	count(found) > 0
}

# operator_key(name): an operator's name as a registry and a manifest may each write it:
# case, spaces and punctuation aside ("Example Corp." and "EXAMPLE  CORP" are "Example
# Corp"), so a full stop added to the manifest does not step around an objection. Case is
# folded for A-Z only: lower() folds all of Unicode on OPA and ASCII only on the embedded
# engine, and the two must decide alike.
operator_key(name) := regex.replace(strings.replace_n(_ascii_lower, name), `[\s.,;:'"()-]+`, "") if is_string(name)

_ascii_lower := {
	"A": "a", "B": "b", "C": "c", "D": "d", "E": "e", "F": "f", "G": "g", "H": "h", "I": "i",
	"J": "j", "K": "k", "L": "l", "M": "m", "N": "n", "O": "o", "P": "p", "Q": "q", "R": "r",
	"S": "s", "T": "t", "U": "u", "V": "v", "W": "w", "X": "x", "Y": "y", "Z": "z",
}

# _binding: why the live clause binds this job, when it does.
_binding := "the target is behind a login: the visitor accepted the terms" if input.request.authenticated == true

_binding := concat("", ["the site objected to ", input.job.operator.name, " (", _objection_note, ")"]) if {
	not input.request.authenticated == true
	objection
}

_objection_note := concat(", ", [x | some x in [object.get(objection, "date", ""), object.get(objection, "evidence", "")]; x != ""])

# The live clause denies like a registry clause where it binds (see terms.rego's deny).
prohibition := {
	"clause": _live("clause"),
	"section": concat("", ["the site's terms page, read live; ", _binding]),
	"terms_url": _live("source"),
	"reviewed": _live("read_at"),
	"origin": "signal",
} if {
	live_prohibition
	not _registry_prohibits
	_binding
}

_live(name) := object.get(input.signals.terms, name, "?")

# METADATA
# title: The site's terms page forbids automated collection
# description: >-
#   A clause of the site's own terms page forbids automated access, scraping, crawling,
#   data mining or AI training. A warning that quotes it, its URL and the date read: it
#   gives the operator actual notice (Register.com v. Verio; Nguyen v. Barnes & Noble);
#   whether the terms bind a logged-off scraper is doubtful (Meta v. Bright Data; X Corp
#   v. Bright Data; CJEU C-30/14 Ryanair). Where they bind, terms.automated_collection_prohibited
#   denies instead.
# custom:
#   code: terms.prohibition_detected
#   law: the site's terms of service (browsewrap; contract where accepted)
#   owner: commercial-legal
#   jurisdictions: ["*"]
warn contains v if {
	live_prohibition
	not prohibition
	not permitted
	v := object.union(lib.violation("terms.prohibition_detected", null, lib.text([
		"the terms page of ", site, " (", _live("source"), ", read ", _live("read_at"),
		") forbids automated collection: \"", _live("clause"), "\"",
	])), {"site": site, "terms_url": _live("source"), "clause": _live("clause"), "read_at": _live("read_at")})
}

# METADATA
# title: Text and data mining reserved in the site's terms, in prose
# description: >-
#   The site's terms page reserves text and data mining or AI training in words rather than
#   in a machine-readable form. Whether that is an Art. 4(3) opt-out is contested (OLG
#   Hamburg 2025; Rb. Amsterdam 2024; recital 18 is read both ways): AI training and TDM
#   jobs are denied as a precaution a legal team may waive, or lifted by site_permissions.
# custom:
#   code: tdm.reservation_in_prose
#   law: DSM Directive (EU) 2019/790 Art. 4(3) and recital 18 (reservation "by appropriate means")
#   owner: commercial-legal
#   jurisdictions: ["*"]
#   waivable: true
deny contains v if {
	input.signals.terms.known == true
	input.signals.terms.tdm_reserved_in_prose == true
	input.job.purpose.category in tdm_prose_purposes
	not permitted
	v := object.union(lib.violation("tdm.reservation_in_prose", null, lib.text([
		"the terms page of ", site, " (", _live("source"), ", read ", _live("read_at"),
		") reserves text and data mining in prose: \"", _tdm_clause, "\"; a ",
		input.job.purpose.category, " job is denied as a precaution (waivable)",
	])), {"site": site, "terms_url": _live("source"), "read_at": _live("read_at")})
}

# _tdm_clause: the reserving clause the signal carries, else the top restrictive one.
_tdm_clause := clauses[0].text if {
	clauses := [c | some c in object.get(input.signals.terms, "clauses", []); c.label == "tdm_reservation"]
	count(clauses) > 0
} else := _live("clause")

# METADATA
# title: A registry site's terms page changed since the entry was reviewed
# description: >-
#   The registry's entry was reviewed on a date; the site's live terms page at the entry's
#   terms_url is no longer the text reviewed (its hash differs from the entry's
#   terms_sha256) or says it was modified after that date (Last-Modified). Re-review the
#   entry.
# custom:
#   code: terms.changed_since_review
#   law: the site's terms of service (contract); the registry's review
#   owner: commercial-legal
#   jurisdictions: ["*"]
warn contains v if {
	some why in _changed
	v := object.union(lib.violation("terms.changed_since_review", null, lib.text([
		"the terms page of ", site, " (", _live("source"), ", read ", _live("read_at"),
		") changed since the registry's review of ", object.get(registry_entry, "reviewed", "?"),
		": ", why, "; re-review the registry entry",
	])), {"site": site, "terms_url": _live("source"), "reviewed": object.get(registry_entry, "reviewed", "?")})
}

# _changed: why the reviewed page is not the page read (a set: one warning per reason).
_changed contains "its text is not the text reviewed (terms_sha256)" if {
	_registry_page_read
	is_string(registry_entry.terms_sha256)
	registry_entry.terms_sha256 != input.signals.terms.sha256
}

_changed contains concat("", ["Last-Modified ", input.signals.terms.modified]) if {
	_registry_page_read
	is_string(input.signals.terms.modified)
	input.signals.terms.modified != ""
	is_string(registry_entry.reviewed)
	input.signals.terms.modified > registry_entry.reviewed
}

# _registry_page_read: the page read is the registry entry's own terms page.
_registry_page_read if {
	input.signals.terms.known == true
	_same_page(input.signals.terms.source, registry_entry.terms_url)
}

_same_page(a, b) if trim_right(lower(a), "/") == trim_right(lower(b), "/")
