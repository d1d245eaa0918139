package scrapegate.content_test

import data.scrapegate.content
import data.scrapegate.fixtures_test as fx

content_deny(doc) := result if {
	result := content.deny
		with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.response as doc.response
		with input.now as doc.now
}

content_codes(doc) := fx.codes(content_deny(doc))

finding(detector, category, count, score) := {
	"detector": detector, "version": "test 1", "category": category, "count": count, "score": score,
}

with_findings(doc, findings) := fx.patch(doc, {"/response": {"status": 200, "content": {
	"schema": "scrapegate/inspection/v1", "sha256": "ab12", "bytes": 10, "complete": true,
	"status": "inspected", "categories": [], "findings": findings, "detectors": [],
}}})

faces_on(doc) := with_findings(doc, [finding("faces.lbp_frontalface", "facial_images", 2, 0.61)])

emails_on(doc, n) := with_findings(doc, [finding("personal.email", "personal", n, 1)])

at_path(doc, path) := fx.patch(doc, {"/request/path": path})

declaring(doc, cats) := fx.patch(doc, {"/job/data_categories": cats})

no_response := fx.patch(fx.price_monitoring, {"/response": null})

test_faces_in_a_non_personal_job_are_undeclared if {
	deny := content_deny(faces_on(fx.price_monitoring))
	fx.codes(deny) == {"content.undeclared_category"}
	some v in deny
	v.evidence == {
		"detector": "faces.lbp_frontalface", "version": "test 1", "category": "facial_images",
		"count": 2, "score": 0.61, "sha256": "ab12",
	}
}

test_faces_are_covered_by_facial_images_or_biometric if {
	content_codes(faces_on(declaring(fx.price_monitoring, ["facial_images"]))) == set()
	content_codes(faces_on(declaring(fx.price_monitoring, ["biometric"]))) == set()
	content_codes(faces_on(declaring(fx.price_monitoring, ["personal"]))) == {"content.undeclared_category"}
}

test_personal_data_in_a_non_personal_job_is_undeclared if {
	content_codes(emails_on(fx.price_monitoring, 3)) == {"content.undeclared_category"}
	content_codes(emails_on(declaring(fx.price_monitoring, ["personal"]), 3)) == set()
	content_codes(emails_on(declaring(fx.price_monitoring, ["facial_images"]), 3)) == set()
}

test_one_email_on_a_contact_page_of_a_price_job_is_tolerated if {
	content_codes(emails_on(at_path(fx.price_monitoring, "/contact"), 1)) == set()
	content_codes(emails_on(at_path(fx.price_monitoring, "/contact"), 2)) == {"content.undeclared_category"}
	content_codes(emails_on(at_path(fx.price_monitoring, "/products/1"), 1)) == {"content.undeclared_category"}
}

test_tolerance_is_per_purpose if {
	ai := fx.patch(at_path(fx.price_monitoring, "/contact"), {"/job/purpose/category": "ai_training"})
	content_codes(emails_on(ai, 1)) == {"content.undeclared_category"}
}

test_thresholds_come_from_data if {
	doc := faces_on(fx.price_monitoring)
	strict := {"default": {"min_count": 3, "min_score": 0}}
	deny := content.deny with input.request as doc.request
		with input.job as doc.job
		with input.signals as doc.signals
		with input.response as doc.response
		with data.scrapegate.content_rules.thresholds as strict
	fx.codes(deny) == set()
}

test_nothing_found_or_no_response_denies_nothing if {
	content_codes(with_findings(fx.price_monitoring, [])) == set()
	content_codes(no_response) == set()
}

test_a_site_that_yielded_undeclared_data_stays_denied if {
	doc := fx.patch(no_response, {"/signals/content": {"undeclared": [{"category": "facial_images", "urls": 2}]}})
	content_codes(doc) == {"content.undeclared_category"}
}

test_a_corrected_manifest_clears_the_site if {
	doc := fx.patch(no_response, {"/signals/content": {"undeclared": [{"category": "facial_images", "urls": 2}]}})
	content_codes(declaring(doc, ["facial_images"])) == set()
}

with_runs(doc, runs) := fx.patch(doc, {"/response": {"status": 200, "content": {
	"schema": "scrapegate/inspection/v1", "sha256": "ab12", "bytes": 10, "complete": true,
	"status": "partial", "categories": [], "findings": [], "detectors": runs,
}}})

run(detector, status) := {"detector": detector, "version": "test 1", "status": status, "detail": "why"}

test_an_image_no_detector_could_read_is_withheld_from_a_job_that_does_not_declare_faces if {
	every status in ["unavailable", "too_large", "undecodable", "truncated"] {
		content_codes(with_runs(fx.price_monitoring, [run("faces", status)])) == {"content.uninspected"}
	}
	content_codes(with_runs(fx.price_monitoring, [run("faces.lbp_frontalface", "too_large")])) == {
		"content.uninspected",
	}
}

test_statuses_not_listed_pass if {
	content_codes(with_runs(fx.price_monitoring, [run("faces", "unsupported")])) == set()
	content_codes(with_runs(fx.price_monitoring, [run("personal", "truncated")])) == set()
	content_codes(with_runs(fx.price_monitoring, [run("personal", "unavailable")])) == {"content.uninspected"}
	content_codes(with_runs(fx.price_monitoring, [run("faces.lbp_frontalface", "ok")])) == set()
}

test_a_job_that_declares_the_category_is_not_affected if {
	content_codes(with_runs(declaring(fx.price_monitoring, ["facial_images"]), [run("faces", "unavailable")])) == set()
	content_codes(with_runs(declaring(fx.price_monitoring, ["biometric"]), [run("faces", "too_large")])) == set()
	content_codes(with_runs(declaring(fx.price_monitoring, ["personal"]), [run("faces", "unavailable")])) == {
		"content.uninspected",
	}
}

test_the_withheld_statuses_come_from_data if {
	doc := with_runs(fx.price_monitoring, [run("faces", "too_large")])
	deny := content.deny with input.request as doc.request
		with input.job as doc.job
		with input.signals as doc.signals
		with input.response as doc.response
		with data.scrapegate.content_rules.uninspected_withheld as {"faces": ["unavailable"]}
	fx.codes(deny) == set()
}
