# METADATA
# title: Shared helpers for building decision entries
# description: >-
#   Every deny and warn entry has the same shape: code, jurisdiction, law, message,
#   precedents. The law citation and the precedents come from data.scrapegate (data.yaml),
#   looked up by the rule's code, the jurisdiction's own entry first.
# custom:
#   owner: policy-engineering
package scrapegate.lib

default _laws := {}

_laws := data.scrapegate.laws

default _precedents := {}

_precedents := data.scrapegate.precedents

default _cases := {}

_cases := data.scrapegate.cases

# violation(code, jurisdiction, message) is a deny or warn entry. jurisdiction is a code
# such as "FR" or null for rules about the site rather than the data subjects.
violation(code, jurisdiction, message) := {
	"code": code,
	"jurisdiction": jurisdiction,
	"law": law(code, jurisdiction),
	"message": message,
	"precedents": precedents(code, jurisdiction),
}

# law(code, jurisdiction) is the citation for code, never undefined: a missing catalogue
# entry must not make a deny disappear.
law(code, jurisdiction) := pick(object.get(_laws, code, _no_citation), jurisdiction, _no_citation)

_no_citation := "(no citation in data.scrapegate.laws)"

# precedents(code, jurisdiction) are the citations of the cases behind code.
precedents(code, jurisdiction) := cite(pick(object.get(_precedents, code, []), jurisdiction, []))

# cite(ids) turns case ids into their citations; an unknown id is printed as is.
cite(ids) := [object.get(_cases, id, id) | some id in ids]

# pick(value, jurisdiction, fallback): a catalogue entry is either the value itself or an
# object of per-jurisdiction values with a "default"; fallback when neither applies.
pick(value, _, _) := value if not is_object(value)

pick(value, jurisdiction, fallback) := object.get(value, jurisdiction, object.get(value, "default", fallback)) if {
	is_object(value)
}

# text(parts) joins strings and other values (printed as JSON) into one message.
# Messages are built with text, not sprintf: regopy 1.5.2 quotes the second and later
# string arguments of sprintf.
text(parts) := concat("", [_text(p) | some p in parts])

_text(part) := part if is_string(part)

_text(part) := sprintf("%v", [part]) if not is_string(part)

# sorted(collection): its members as a sorted array. regopy 1.5.2's sort() returns a set
# when given one, which never equals an array.
sorted(collection) := sort([x | some x in collection])
