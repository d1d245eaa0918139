package scrapegate.eu_ai_act_test

import data.scrapegate.eu_ai_act
import data.scrapegate.fixtures_test as fx

ai_act_denials(doc) := result if {
	result := eu_ai_act.deny with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

prohibited(doc) if {
	some v in ai_act_denials(doc)
	v.code == "eu_ai_act.art5_1e"
}

# Untargeted face scraping by a US operator for US customers, about US subjects.
us_only := fx.patch(fx.with_subjects(fx.faces, ["US"]), {"/job/targeting": "untargeted"})

test_clearview_like_job_is_prohibited if {
	some v in ai_act_denials(fx.clearview)
	v.code == "eu_ai_act.art5_1e"
	v.jurisdiction == "EU"
	contains(v.law, "Art. 5(1)(e)")
	contains(v.message, "operator markets to the EEA")
}

test_targeted_collection_is_not_art5_1e if {
	not prohibited(fx.patch(fx.clearview, {"/job/targeting": "targeted"}))
}

test_no_eu_nexus_no_prohibition if {
	not prohibited(us_only)
}

test_eea_establishment_is_a_nexus if {
	prohibited(fx.patch(us_only, {"/job/operator/establishment": "FR"}))
}

test_eea_market_is_a_nexus if {
	prohibited(fx.patch(us_only, {"/job/operator/markets": ["EU"]}))
	prohibited(fx.patch(us_only, {"/job/operator/markets": ["NL"]}))
}

test_eea_subjects_are_a_nexus if {
	prohibited(fx.with_subjects(us_only, ["US", "DE"]))
	prohibited(fx.with_subjects(us_only, ["*"]))
	prohibited(fx.at(us_only, "photos.example.fr", "example.fr"))
}

test_facial_images_alone_suffice if {
	prohibited(fx.patch(fx.clearview, {"/job/data_categories": ["facial_images"]}))
}

test_other_purposes_are_not_art5_1e if {
	not prohibited(fx.patch(fx.clearview, {"/job/purpose/category": "academic_research"}))
}

test_non_facial_data_is_not_art5_1e if {
	not prohibited(fx.patch(fx.clearview, {"/job/data_categories": ["personal"]}))
}
