package scrapegate.eu_ai_act_test

import data.scrapegate.eu_ai_act
import data.scrapegate.fixtures_test as fx

ai_act_denials(doc) := ai_act_outcome(doc).deny

ai_act_outcome(doc) := result if {
	result := {"deny": eu_ai_act.deny, "warn": eu_ai_act.warn, "obligations": eu_ai_act.obligations}
		with input.request as doc.request
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
	contains(v.message, "operator places on the EEA market")
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

# R3: data subjects in the EEA alone do not bring the AI Act in (Art. 2(1)): a warning.
test_eea_subjects_alone_are_no_nexus_but_warn if {
	every doc in [fx.with_subjects(us_only, ["US", "DE"]), fx.with_subjects(us_only, ["*"]), fx.at(us_only, "photos.example.fr", "example.fr")] {
		not prohibited(doc)
		"eu_ai_act.scope_review" in fx.codes(ai_act_outcome(doc).warn)
	}
	not "eu_ai_act.scope_review" in fx.codes(ai_act_outcome(us_only).warn)
}

test_a_worldwide_market_is_a_nexus if {
	prohibited(fx.patch(us_only, {"/job/operator/markets": ["*"]}))
}

test_facial_images_alone_suffice if {
	prohibited(fx.patch(fx.clearview, {"/job/data_categories": ["facial_images"]}))
}

# R3: the function decides, not the label: a face search by any other name is prohibited.
test_every_purpose_label_with_identifying_faces_is_art5_1e if {
	every p in ["law_enforcement_support", "academic_research", "security_research", "journalism", "other"] {
		prohibited(fx.patch(fx.clearview, {"/job/purpose/category": p}))
	}
}

test_faces_stated_to_identify_nobody_are_not_art5_1e if {
	not prohibited(fx.patch(fx.clearview, {
		"/job/purpose/category": "academic_research", "/job/data_categories": ["facial_images"],
		"/job/identifies_persons": false,
	}))
	# a declared biometric category under a non-identifying purpose is not a face database either
	not prohibited(fx.patch(fx.clearview, {"/job/purpose/category": "security_research", "/job/data_categories": ["biometric"]}))
	prohibited(fx.patch(fx.clearview, {"/job/purpose/category": "law_enforcement_support", "/job/data_categories": ["biometric"]}))
}

# R2: an absent targeting is read as untargeted: it cannot switch the ban off.
test_absent_targeting_does_not_switch_the_ban_off if {
	doc := json.patch(fx.clearview, [{"op": "remove", "path": "/job/targeting"}])
	prohibited(doc)
}

test_ai_training_in_the_eea_obliges_a_copyright_policy if {
	doc := fx.patch(fx.price_monitoring, {"/job/purpose/category": "ai_training"})
	some o in ai_act_outcome(doc).obligations
	o.code == "eu_ai_act.art53_copyright_policy"
	count(ai_act_outcome(fx.patch(doc, {"/job/operator/establishment": "US", "/job/operator/markets": ["US"]})).obligations) == 0
	count(ai_act_outcome(fx.price_monitoring).obligations) == 0
}

test_non_facial_data_is_not_art5_1e if {
	not prohibited(fx.patch(fx.clearview, {"/job/data_categories": ["personal"], "/job/purpose/category": "market_research"}))
}

# R1: a face search that declares personal or non-personal data only still scrapes faces.
test_face_search_declaring_no_faces_is_art5_1e if {
	prohibited(fx.patch(fx.clearview, {"/job/data_categories": ["personal"]}))
	prohibited(fx.patch(fx.clearview, {"/job/data_categories": ["non_personal"]}))
}
