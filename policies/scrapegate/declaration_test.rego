package scrapegate.declaration_test

import data.scrapegate.declaration
import data.scrapegate.fixtures_test as fx

declaration_outcome(doc) := result if {
	result := {"warn": declaration.warn}
		with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}


warns(doc) := fx.codes(declaration_outcome(doc).warn)

# R1
test_identification_assumed_warns_when_left_out if {
	photos := fx.patch(fx.with_subjects(fx.profiles, ["FR"]), {"/job/data_categories": ["facial_images"]})
	warns(photos) == {"declaration.identification_assumed"}
	warns(fx.patch(photos, {"/job/identifies_persons": false})) == set()
	warns(fx.patch(photos, {"/job/purpose/category": "facial_recognition"})) == set()
}

# R2
test_targeting_assumed_warns_when_left_out if {
	doc := json.patch(fx.with_subjects(fx.faces, ["FR"]), [{"op": "remove", "path": "/job/targeting"}])
	"declaration.targeting_assumed" in warns(doc)
	not "declaration.targeting_assumed" in warns(fx.faces)
}

# R20
test_minors_assumed_warns_for_untargeted_collection_only if {
	doc := json.patch(fx.with_subjects(fx.profiles, ["FR"]), [
		{"op": "replace", "path": "/job/targeting", "value": "untargeted"},
		{"op": "remove", "path": "/job/data_subjects/minors"},
	])
	warns(doc) == {"declaration.minors_assumed"}
	warns(fx.patch(doc, {"/job/targeting": "targeted"})) == set()
	warns(fx.patch(doc, {"/job/data_subjects/minors": false})) == set()
}

test_non_personal_data_warn_nothing if {
	warns(json.patch(fx.price_monitoring, [{"op": "remove", "path": "/job/targeting"}])) == set()
}

# R1: a purpose that identifies people cannot do without their data, whatever is declared.
test_categories_assumed_from_an_identifying_purpose if {
	faces := fx.patch(fx.with_subjects(fx.faces, ["FR"]), {"/job/data_categories": ["non_personal"]})
	warns(faces) == {"declaration.categories_assumed"}
	some v in declaration_outcome(faces).warn
	contains(v.message, "facial_images")
	warns(fx.patch(faces, {"/job/data_categories": ["copyrighted_works", "personal"]})) == {"declaration.categories_assumed"}
	warns(fx.patch(faces, {"/job/data_categories": ["biometric"]})) == set()
	police := fx.patch(faces, {"/job/purpose/category": "law_enforcement_support"})
	warns(police) == {"declaration.categories_assumed"}
	warns(fx.patch(police, {"/job/data_categories": ["personal"]})) == set()
	warns(fx.patch(faces, {"/job/purpose/category": "price_monitoring"})) == set()
}
