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
# entry must not make a deny disappear.
law(code, jurisdiction) := pick(_catalogue_law(code), jurisdiction, _no_citation)

# The catalogue is read by path (data.scrapegate.laws[code]), not through a rule holding
# all of it: the embedded engine copies such a rule's value on every function call.
# (else chains: a function's clauses are all evaluated, so two clauses looked the code up
# twice; the embedded engine pays ~50 us a lookup.)
_catalogue_law(code) := found if {
	found := data.scrapegate.laws[code]
} else := _no_citation

_no_citation := "(no citation in data.scrapegate.laws)"

# precedents(code, jurisdiction) are the citations of the cases behind code.
precedents(code, jurisdiction) := cite(pick(_catalogue_precedents(code), jurisdiction, []))

_catalogue_precedents(code) := found if {
	found := data.scrapegate.precedents[code]
} else := []

# cite(ids) turns case ids into their citations; an unknown id is printed as is.
cite(ids) := [_case(id) | some id in ids]

_case(id) := found if {
	found := data.scrapegate.cases[id]
} else := id

# pick(value, jurisdiction, fallback): a catalogue entry is either the value itself or an
# object of per-jurisdiction values with a "default"; fallback when neither applies.
pick(value, jurisdiction, fallback) := object.get(value, jurisdiction, object.get(value, "default", fallback)) if {
	is_object(value)
} else := value

# text(parts) joins strings and other values (printed as JSON) into one message.
# Messages are built with text, not sprintf with several arguments: regopy 1.5.2 quotes
# the second and later string arguments of sprintf (one "%v" argument prints a string
# as it is in both engines).
text(parts) := concat("", [sprintf("%v", [p]) | some p in parts])

# sorted(collection): its members as a sorted array. regopy 1.5.2's sort() returns a set
# when given one, which never equals an array.
sorted(collection) := sort([x | some x in collection])
