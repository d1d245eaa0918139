# METADATA
# title: Shared helpers for building decision entries
# description: >-
#   Every deny and warn entry has the same shape: code, jurisdiction, law, message,
#   precedents. The law citation and the precedents come from data.scrapegate (data.yaml),
#   looked up by the rule's code, the jurisdiction's own entry first.
# custom:
#   owner: policy-engineering
package scrapegate.lib

# violation(code, jurisdiction, message) is a deny or warn entry. jurisdiction is a code
# such as "FR" or null for rules about the site rather than the data subjects.
violation(code, jurisdiction, message) := entry if {
	cited_law := law(code, jurisdiction)
	cases := precedents(code, jurisdiction)
	entry := {
		"code": code,
		"jurisdiction": jurisdiction,
		"law": cited_law,
		"message": message,
		"precedents": cases,
	}
}

# law(code, jurisdiction) is the citation for code, never undefined: a missing catalogue
# entry must not make a deny disappear. A catalogue entry is either the citation itself or
# an object of per-jurisdiction citations with a "default".
# Why object.get(data.scrapegate.laws, code, ...) and not data.scrapegate.laws[code]: the
# embedded engine (rego-cpp) resolves a data path with a variable key by walking every key
# of the object, ~2-3 us a key (~170 us a lookup in laws), where object.get is one builtin
# call. Nor is the catalogue entry handed to a function (as a former pick helper was):
# rego-cpp prints an object argument as a memo key on every call. Nor is it read through a
# rule holding all of it: the embedded engine copies such a rule's value on every function
# call. Most entries are plain citations, so that case comes first (an else chain stops at
# the first defined value). benchmarks/catalogue_bench.py measures it.
law(code, jurisdiction) := found if {
	found := object.get(data.scrapegate.laws, code, _no_citation)
	not is_object(found)
} else := found if {
	entry := object.get(data.scrapegate.laws, code, {})
	found := object.get(entry, jurisdiction, object.get(entry, "default", _no_citation))
}

_no_citation := "(no citation in data.scrapegate.laws)"

# precedents(code, jurisdiction) are the citations of the cases behind code: a list of case
# ids, or an object of per-jurisdiction lists with a "default", looked up as law is.
precedents(code, jurisdiction) := [_case(id) | some id in _precedent_ids(code, jurisdiction)]

_precedent_ids(code, jurisdiction) := found if {
	found := object.get(data.scrapegate.precedents, code, [])
	not is_object(found)
} else := found if {
	entry := object.get(data.scrapegate.precedents, code, {})
	found := object.get(entry, jurisdiction, object.get(entry, "default", []))
}

# cite(ids) turns case ids into their citations; an unknown id is printed as is.
cite(ids) := [_case(id) | some id in ids]

_case(id) := object.get(data.scrapegate.cases, id, id)

# text(parts) joins strings and other values (printed as JSON) into one message.
# Messages are built with text, not sprintf with several arguments: regopy 1.5.2 quotes
# the second and later string arguments of sprintf (one "%v" argument prints a string
# as it is in both engines).
text(parts) := concat("", [sprintf("%v", [p]) | some p in parts])

# sorted(collection): its members as a sorted array. regopy 1.5.2's sort() returns a set
# when given one, which never equals an array.
sorted(collection) := sort([x | some x in collection])
