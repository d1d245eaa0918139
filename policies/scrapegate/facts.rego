# METADATA
# title: Job facts the site packages share with derive
# description: >-
#   The few facts about the job that the site packages (signals, terms, rsl) and the
#   decision's site part read: whether the job collects personal data, whether a value is
#   documented, whether it is research by a research organisation, and the subject codes the
#   target's TLD implies. derive re-exports each under its own name for the law packages.
#   They live apart from derive so that the embedded engine can evaluate the site part in a
#   bundle without derive and the law packages (rego-cpp checks the whole bundle on every
#   query: BENCHMARKS.md, "Issue 16.5").
# custom:
#   owner: policy-engineering
package scrapegate.facts

# Categories that are personal data (GDPR Art. 4(1)); copyrighted_works and non_personal
# are not. criminal_offences: GDPR Art. 10 data (LEGAL-R2 R7).
personal_data_categories := {"personal", "facial_images", "biometric", "special_category", "criminal_offences"}

# job_collects_personal_data: the job declares a category of personal data, or its
# purpose cannot do without one.
job_collects_personal_data if {
	some c in job_categories
	c in personal_data_categories
}

# job_categories: the declared data categories plus those the purpose implies. What the
# processing does decides, not what the job declares (LEGAL-R2 R1): facial recognition
# works on faces, and identifying people for law enforcement works on personal data, so a
# job with such a purpose that declares neither is read as collecting them, with warning
# declaration.categories_assumed.
default job_categories := []

job_categories := array.concat(input.job.data_categories, implied_categories) if is_array(input.job.data_categories)

default implied_categories := []

implied_categories := ["facial_images"] if {
	input.job.purpose.category == "facial_recognition"
	not "facial_images" in input.job.data_categories
	not "biometric" in input.job.data_categories
} else := ["personal"] if {
	input.job.purpose.category == "law_enforcement_support"
	not _declares_personal_data
}

_declares_personal_data if {
	some c in input.job.data_categories
	c in personal_data_categories
}

# text_documented(value): a non-empty string (an evidence or assessment reference).
text_documented(value) if {
	is_string(value)
	trim_space(value) != ""
}

# research_by_research_organisation: scientific research by a research organisation (DSM
# Directive Art. 2(1), Art. 3): purpose academic_research or text_and_data_mining.
research_by_research_organisation if {
	input.job.purpose.category in {"academic_research", "text_and_data_mining"}
	research_organisation_claim_holds
}

# research_organisation_claim_holds: the operator says it is a research organisation and
# the job does not contradict it. A body that sells the data or hands them to customers
# gives an undertaking preferential access to them (DSM Directive Art. 2(1) last
# subparagraph) and is not a non-profit research body (LGPD Art. 5(XVIII)): the label
# alone does not make it one.
research_organisation_claim_holds if {
	input.job.operator.research_organisation == true
	not input.job.sells_data == true
	not "customers" in object.get(input.job, "recipients", [])
}

# suffix_codes(host, cctld): the codes cctld gives every suffix of the host
# ("news.example.co.uk" -> GB, "x.eu" -> EU).
suffix_codes(host, cctld) := [j |
	labels := split(host, ".")
	n := count(labels)
	some i in numbers.range(0, n - 1)
	j := cctld[concat(".", array.slice(labels, i, n))]
]

default country_code_tlds := {}

country_code_tlds := data.scrapegate.cctld

default _host_lower := ""

_host_lower := lower(input.request.host)

# target_tld_codes: the codes the target's TLD implies (the only part of the subjects that
# depends on the request).
target_tld_codes := suffix_codes(_host_lower, country_code_tlds)
