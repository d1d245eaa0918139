# METADATA
# title: Derived facts every law package reads
# description: >-
#   One place for the facts the rules share: which data categories the job really
#   processes, whose data it is (declared and inferred jurisdictions, with "*" and group
#   codes expanded), where the GDPR applies, and when a declared basis or consent holds.
#   Functions take their facts as arguments so they can be tested without an input.
# custom:
#   owner: privacy-legal
package scrapegate.derive

import data.scrapegate.facts

# Categories that are personal data (GDPR Art. 4(1)); copyrighted_works and non_personal
# are not. criminal_offences: GDPR Art. 10 data (LEGAL-R2 R7).
personal_categories := facts.personal_data_categories

# Consent kinds that count as consent at all (GDPR Art. 6(1)(a), APP 3.3, Quebec's express
# consent, CPA, CUBI, WA MHMDA), and those that are explicit (GDPR Art. 9(2)(a), LGPD Art.
# 11(I), PIPL Art. 29): LEGAL-R2 R18. BIPA 15(b) takes a written_release only.
any_consent := {"opt_in", "explicit", "written_release"}

express_consent := {"explicit", "written_release"}

# Purposes whose very function is to identify people (LEGAL-R2 R1): whatever the job calls
# itself, these make facial images biometric data.
identification_purposes := {"facial_recognition", "law_enforcement_support"}

# --- data categories -------------------------------------------------------------------

# identifies(purpose_category, declared_identifies): the processing identifies people
# (LEGAL-R2 R1): an identifying purpose, identifies_persons true, or identifies_persons
# absent (null), read the way that protects the subjects. Only an explicit false with
# another purpose keeps photos plain personal data.
identifies(purpose_category, _) if purpose_category in identification_purposes

identifies(_, declared_identifies) if declared_identifies == true

identifies(_, declared_identifies) if declared_identifies == null

# effective_categories(declared, purpose_category, declared_identifies): the declared
# categories plus what the processing makes of them. A photo is biometric data when it is
# processed to identify a person (GDPR Art. 4(14), Recital 51; and likewise under every
# biometric law here): what the processing does decides, not the purpose label.
effective_categories(declared, purpose_category, declared_identifies) := {c | some c in declared} | {"biometric" |
	"facial_images" in declared
	identifies(purpose_category, declared_identifies)
}

# identifies_persons: the job's declaration, null when absent.
default identifies_persons := null

identifies_persons := input.job.identifies_persons if is_boolean(input.job.identifies_persons)

categories := effective_categories(facts.job_categories, input.job.purpose.category, identifies_persons)

# (facial_images is personal itself: what the processing adds changes nothing here.)
personal if facts.job_collects_personal_data

# assumed_categories: what the purpose implies and the job did not declare (facts.rego);
# categories_assumed: there is some (warning declaration.categories_assumed).
assumed_categories := facts.implied_categories

categories_assumed if count(assumed_categories) > 0

biometric if "biometric" in categories

special_category if "special_category" in categories

criminal_offences if "criminal_offences" in input.job.data_categories

# facial_biometric: facial images that R1 makes biometric data.
facial_biometric if {
	"facial_images" in facts.job_categories
	identifies(input.job.purpose.category, identifies_persons)
}

# identification_assumed: facial images are biometric only because identifies_persons
# was left out (R1: warn declaration.identification_assumed).
identification_assumed if {
	"facial_images" in input.job.data_categories
	identifies_persons == null
	not input.job.purpose.category in identification_purposes
}

# facial_or_biometric: the data R2 reads an absent targeting for.
facial_or_biometric if "facial_images" in facts.job_categories

facial_or_biometric if biometric

# sensitive: biometric or special-category data (GDPR Art. 9, APP 3.3, LGPD Art. 5(II),
# PIPL Art. 28, PIPEDA's sensitive information).
sensitive if biometric

sensitive if special_category

# --- facts left out (LEGAL-R2 R2, R20) ------------------------------------------------------

# targeting: as declared; absent, read as untargeted (R2: with facial or biometric data;
# this bundle reads every personal-data job that way, the reading that protects the
# subjects), with warning declaration.targeting_assumed.
default targeting := "untargeted"

targeting := input.job.targeting if is_string(input.job.targeting)

targeting_assumed if {
	personal
	not is_string(object.get(input.job, "targeting", null))
}

targeted if targeting == "targeted"

untargeted if targeting == "untargeted"

# minors: the subjects include children. Absent: false for targeted collection, true
# for untargeted (a crawl of faces or social media always reaches children), with warning
# declaration.minors_assumed (R20).
minors if input.job.data_subjects.minors == true

minors if minors_assumed

minors_assumed if {
	personal
	not is_boolean(object.get(object.get(input.job, "data_subjects", {}), "minors", null))
	untargeted
}

# --- who gets the data (LEGAL-R2 R8, R9, R10, R19) ------------------------------------------

default recipients := ["internal"]

recipients := input.job.recipients if is_array(input.job.recipients)

# sells: the data or access to it is sold.
sells if input.job.sells_data == true

# offered_to_customers: sold, or given to customers (BIPA 15(c), CUBI 503.001(c)).
offered_to_customers if sells

offered_to_customers if "customers" in recipients

# beyond_internal: a recipient other than the operator itself.
beyond_internal if {
	some r in recipients
	r != "internal"
}

# --- jurisdictions ---------------------------------------------------------------------

default jurisdiction_groups := {}

jurisdiction_groups := data.scrapegate.jurisdictions.groups

default _coverage := {}

_coverage := data.scrapegate.jurisdictions.coverage

tld_map := facts.country_code_tlds

# The precomputed tables (data.yaml jurisdictions.tables): every covered jurisdiction, and
# each package's coverage with groups expanded, as lists. The rules read only these and
# build lists, never sets: building sets (and looking codes up in big objects) while
# evaluating is slow in the embedded engine. derive_test checks the tables against
# groups and coverage.
default _covered_list := []

_covered_list := data.scrapegate.jurisdictions.tables.covered

# covered: every jurisdiction some policy decides for; what "*" stands for.
covered := {j | some j in _covered_list}

# coverage_list(name): the jurisdictions one law package decides for, as a list.
coverage_list(name) := object.get(data.scrapegate.jurisdictions.tables.coverage, name, [])

# coverage_of(name) is the set of jurisdictions one law package decides for.
coverage_of(name) := {j | some j in coverage_list(name)}

# expand(code_list, groups, covered): the jurisdictions a list of manifest codes stands for.
# "*" is every covered jurisdiction, a group code ("EU", "US") its members, and any other
# code is normalised (see normalise). The rules read subject_list, which derive_test
# checks against it.
expand(code_list, groups, universe) := {j | some c in code_list; some j in expand_code(c, groups, universe)}

expand_code(code, _, universe) := universe if code == "*"

expand_code(code, groups, _) := {j | some j in members} if {
	code != "*"
	members := groups[code]
}

expand_code(code, groups, universe) := {normalise(code, universe)} if {
	code != "*"
	not groups[code]
}

# normalise(code, covered): a subdivision of a covered country that has no policy of its
# own counts as the country (FR-75 -> FR, CA-ON -> CA); anything else stays as it is, so
# an uncovered code (US-NY, KR) is reported as uncovered. covered: a set or a list.
normalise(code, universe) := substring(code, 0, 2) if _folds(code, universe)

normalise(code, universe) := code if not _folds(code, universe)

_folds(code, universe) if {
	not code in universe
	regex.match(`^[A-Z]{2}-[A-Z0-9]{1,3}$`, code)
	substring(code, 0, 2) in universe
}

# tld_jurisdictions(host, cctld): jurisdictions implied by the host's country-code TLD or
# public suffix ("news.example.co.uk" -> GB, "x.eu" -> EU): every suffix of the host,
# looked up in cctld.
tld_jurisdictions(host, cctld) := {j | some j in tld_codes(host, cctld)}

tld_codes(host, cctld) := facts.suffix_codes(host, cctld)

default _declared := []

_declared := input.subjects.declared

default _inferred := []

_inferred := input.subjects.inferred

# subject_code_list: the codes as declared, inferred by the caller, and inferred from the
# target's TLD, before expansion (duplicates possible).
subject_code_list := array.concat(array.concat(_declared, _inferred), host_codes)

# host_codes: the codes the target's TLD implies (the only part of the subjects that
# depends on the request; site.host_findings reports it for the embedded engine's job memo).
host_codes := facts.target_tld_codes

subject_codes := {c | some c in subject_code_list}

# subject_list: the jurisdictions whose data subjects the request concerns, as a list
# that may repeat a code; every covered jurisdiction when a code is "*".
subject_list := _covered_list if "*" in subject_code_list

subject_list := array.concat(_subject_members, _subject_plain) if not "*" in subject_code_list

_subject_members := [j | some c in subject_code_list; some j in jurisdiction_groups[c]]

_subject_plain := [normalise(c, _covered_list) | some c in subject_code_list; c != "*"; not jurisdiction_groups[c]]

# subjects_in(coverage): the members of a package's coverage list that are subjects. With
# subjects "*" that is the whole list; otherwise each member is looked up in an index of
# the subjects: `j in subject_list` compares every pair, which cost the Clearview-like
# decision ~1,700 string comparisons per package in the embedded engine.
subjects_in(coverage) := coverage if _everywhere

subjects_in(coverage) := [j | some j in coverage; _subject_index[j]] if not _everywhere

_everywhere if "*" in subject_code_list

_subject_index := {j: true | some j in subject_list}

# subjects: the jurisdictions whose data subjects the request concerns.
subjects := {j | some j in subject_list}

# uncovered: subject jurisdictions no policy decides for.
uncovered := {c | some c in _subject_plain; not c in _covered_list}

# expand_list(code): what one manifest code stands for, as a list.
expand_list(code) := _covered_list if code == "*"

expand_list(code) := jurisdiction_groups[code] if code != "*"

expand_list(code) := [normalise(code, _covered_list)] if {
	is_string(code)
	code != "*"
	not jurisdiction_groups[code]
}

# establishment_list, market_list: where the operator is established, where it markets.
default establishment_list := []

establishment_list := expand_list(input.job.operator.establishment) if is_string(input.job.operator.establishment)

default market_list := []

market_list := [j | some m in input.job.operator.markets; some j in expand_list(m)] if {
	is_array(input.job.operator.markets)
}

establishment := {j | some j in establishment_list}

# _establishment_ref: the declared establishment code ("" when none), for derive_test.
default _establishment_ref := ""

_establishment_ref := input.job.operator.establishment if is_string(input.job.operator.establishment)

markets := {j | some j in market_list}

# gdpr_list: where the GDPR family (EEA, UK GDPR, nFADP) applies, in coverage order: the
# subjects are there (Art. 3(2)(b), monitoring, as CNIL held against Clearview) or the
# operator is established there (Art. 3(1)).
gdpr_list := coverage_list("gdpr") if "*" in subject_code_list

gdpr_list := [j | some j in coverage_list("gdpr"); j in _gdpr_nexus] if not "*" in subject_code_list

_gdpr_nexus := array.concat(subject_list, establishment_list)

# gdpr_jurisdictions: gdpr_list as a set.
gdpr_jurisdictions := {j | some j in gdpr_list}

# --- legal basis, consent -------------------------------------------------------------------

# declared_basis: the job's legal_basis; {} when missing, so rules that need a basis fire.
default declared_basis := {}

declared_basis := input.job.legal_basis if is_object(input.job.legal_basis)

# declared_consent: the job's consent declaration; {} when missing.
default declared_consent := {}

declared_consent := declared_basis.consent if is_object(declared_basis.consent)

# assessment(name): the reference to the "lia" or "dpia" document, null when none.
assessment(name) := object.get(object.get(declared_basis, "assessments", {}), name, null)

# documented(value): a non-empty reference to a document (assessment, evidence).
documented(value) if facts.text_documented(value)

# consented(consent, kinds): consent of one of kinds, backed by evidence. Consent without
# evidence does not count.
consented(consent, kinds) if {
	consent.kind in kinds
	documented(consent.evidence)
}

# law_reference(legal_basis): the Union or Member State law the basis rests on (Art. 6(3)).
law_reference(legal_basis) if documented(legal_basis.law_reference)

# art6_problem(legal_basis): why the declared Art. 6 basis cannot hold (LEGAL-R2 R4);
# undefined when it holds. legitimate_interests holds here; its assessment is
# gdpr.lia_missing's concern.
art6_problem(legal_basis) := "no Art. 6 basis was declared" if not is_string(object.get(legal_basis, "gdpr_art6", null))

art6_problem(legal_basis) := concat("", [
	legal_basis.gdpr_art6,
	" never holds for scraped third-party data: the subjects have no contract with the operator and no life depends on the collection",
]) if legal_basis.gdpr_art6 in {"contract", "vital_interests"}

art6_problem(legal_basis) := concat("", [
	legal_basis.gdpr_art6,
	" holds only with legal_basis.law_reference naming the Union or Member State law (Art. 6(3))",
]) if {
	legal_basis.gdpr_art6 in {"legal_obligation", "public_task"}
	not law_reference(legal_basis)
}

art6_problem(legal_basis) := "consent counts only with a consent kind other than none and evidence" if {
	legal_basis.gdpr_art6 == "consent"
	not consented(legal_basis.consent, any_consent)
}

# art6_holds(legal_basis): a declared Art. 6 basis that can hold.
art6_holds(legal_basis) if not art6_problem(legal_basis)

# Art. 9(2) conditions that never hold for scraped data (b, c, d), and those that hold
# only on a Union or Member State law (g, h, i, j).
_art9_never := {"employment", "vital_interests", "nonprofit_members"}

_art9_on_law := {"substantial_public_interest", "health_care", "public_health", "research"}

# art9_problem(legal_basis, biometric_data, is_targeted): why the declared Art. 9(2)
# condition cannot hold (LEGAL-R2 R5); undefined when it holds.
art9_problem(legal_basis, _, _) := "no Art. 9(2) condition was declared" if not is_string(object.get(legal_basis, "gdpr_art9", null))

art9_problem(legal_basis, _, _) := "explicit_consent needs consent kind explicit or written_release with evidence (Art. 9(2)(a))" if {
	legal_basis.gdpr_art9 == "explicit_consent"
	not consented(legal_basis.consent, express_consent)
}

art9_problem(legal_basis, _, _) := concat("", [legal_basis.gdpr_art9, " never holds for scraped data"]) if {
	legal_basis.gdpr_art9 in _art9_never
}

art9_problem(legal_basis, biometric_data, _) := "manifestly_made_public never holds for biometric data: templates are never published (AP NL, Clearview)" if {
	legal_basis.gdpr_art9 == "manifestly_made_public"
	biometric_data == true
}

art9_problem(legal_basis, biometric_data, is_targeted) := "manifestly_made_public holds only for targeted collection (CJEU C-252/21: the subject's own clear affirmative act)" if {
	legal_basis.gdpr_art9 == "manifestly_made_public"
	biometric_data != true
	is_targeted != true
}

art9_problem(legal_basis, _, is_targeted) := "legal_claims holds only for targeted collection (Art. 9(2)(f))" if {
	legal_basis.gdpr_art9 == "legal_claims"
	is_targeted != true
}

art9_problem(legal_basis, _, _) := concat("", [
	legal_basis.gdpr_art9, " holds only with legal_basis.law_reference naming the Union or Member State law (Art. 9(2)(g)-(j))",
]) if {
	legal_basis.gdpr_art9 in _art9_on_law
	not law_reference(legal_basis)
}

art9_problem(legal_basis, _, _) := "research (Art. 9(2)(j)) also needs a DPIA (assessments.dpia)" if {
	legal_basis.gdpr_art9 == "research"
	law_reference(legal_basis)
	not documented(object.get(object.get(legal_basis, "assessments", {}), "dpia", null))
}

# art9_holds(legal_basis, biometric_data, is_targeted): a declared Art. 9(2) condition that can hold.
art9_holds(legal_basis, biometric_data, is_targeted) if not art9_problem(legal_basis, biometric_data, is_targeted)

# --- purpose ------------------------------------------------------------------------------

# research_organisation_research: scientific research by a research organisation (DSM
# Directive Art. 2(1), Art. 3): purpose academic_research or text_and_data_mining.
research_organisation_research if facts.research_by_research_organisation

# commercial: a capture for a commercial purpose (CUBI, RCW 19.375; LEGAL-R2 R19). CUBI
# leaves the term undefined and the Texas AG reads it broadly: every capture is commercial
# unless a research organisation keeps the data to itself (not sold, recipients internal).
# A vendor selling to police (law_enforcement_support) acts commercially.
default commercial := true

commercial := false if {
	input.job.operator.research_organisation == true
	not sells
	not beyond_internal
	input.job.purpose.category != "law_enforcement_support"
}
