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

# Categories that are personal data (GDPR Art. 4(1)); copyrighted_works and non_personal
# are not.
personal_categories := {"personal", "facial_images", "biometric", "special_category"}

# Consent kinds that can count as consent at all, and those that are express.
any_consent := {"opt_in", "explicit", "written_release"}

express_consent := {"explicit", "written_release"}

# --- data categories -------------------------------------------------------------------

# effective_categories(declared, purpose_category): the declared categories plus what the purpose
# makes of them. A photo is biometric data only when processed to identify a person
# (GDPR Art. 4(14), Recital 51): facial_images + facial_recognition => biometric.
effective_categories(declared, purpose_category) := {c | some c in declared} | {"biometric" |
	"facial_images" in declared
	purpose_category == "facial_recognition"
}

categories := effective_categories(input.job.data_categories, input.job.purpose.category)

# (facial_images is personal itself: what the purpose adds changes nothing here.)
personal if {
	some c in input.job.data_categories
	c in personal_categories
}

biometric if "biometric" in categories

special_category if "special_category" in categories

# sensitive: biometric or special-category data (GDPR Art. 9, APP 3.3, LGPD Art. 5(II),
# PIPL Art. 28, PIPEDA's sensitive information).
sensitive if biometric

sensitive if special_category

# --- jurisdictions ---------------------------------------------------------------------

default jurisdiction_groups := {}

jurisdiction_groups := data.scrapegate.jurisdictions.groups

default _coverage := {}

_coverage := data.scrapegate.jurisdictions.coverage

default tld_map := {}

tld_map := data.scrapegate.cctld

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

tld_codes(host, cctld) := [j |
	labels := split(host, ".")
	n := count(labels)
	some i in numbers.range(0, n - 1)
	j := cctld[concat(".", array.slice(labels, i, n))]
]

default _declared := []

_declared := input.subjects.declared

default _inferred := []

_inferred := input.subjects.inferred

default _target_host := ""

_target_host := lower(input.request.host)

# subject_code_list: the codes as declared, inferred by the caller, and inferred from the
# target's TLD, before expansion (duplicates possible).
subject_code_list := array.concat(array.concat(_declared, _inferred), tld_codes(_target_host, tld_map))

subject_codes := {c | some c in subject_code_list}

# subject_list: the jurisdictions whose data subjects the request concerns, as a list
# that may repeat a code; every covered jurisdiction when a code is "*".
subject_list := _covered_list if "*" in subject_code_list

subject_list := array.concat(_subject_members, _subject_plain) if not "*" in subject_code_list

_subject_members := [j | some c in subject_code_list; some j in jurisdiction_groups[c]]

_subject_plain := [normalise(c, _covered_list) | some c in subject_code_list; c != "*"; not jurisdiction_groups[c]]

# subjects_in(coverage): the members of a package's coverage list that are subjects.
subjects_in(coverage) := [j | some j in coverage; j in subject_list]

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
documented(value) if {
	is_string(value)
	trim_space(value) != ""
}

# consented(consent, kinds): consent of one of kinds, backed by evidence. Consent without
# evidence does not count.
consented(consent, kinds) if {
	consent.kind in kinds
	documented(consent.evidence)
}

# art6_holds(legal_basis): an Art. 6 basis is declared; "consent" only with evidence of consent.
art6_holds(legal_basis) if {
	is_string(legal_basis.gdpr_art6)
	legal_basis.gdpr_art6 != "consent"
}

art6_holds(legal_basis) if {
	legal_basis.gdpr_art6 == "consent"
	consented(legal_basis.consent, any_consent)
}

# art9_holds(legal_basis): an Art. 9(2) condition that holds for scraped data.
# manifestly_made_public never does: CJEU C-252/21 para 77 needs the subject's clear
# affirmative act, and the Dutch AP rejected it for Clearview. explicit_consent holds only
# with explicit consent and evidence.
art9_holds(legal_basis) if {
	is_string(legal_basis.gdpr_art9)
	not legal_basis.gdpr_art9 in {"manifestly_made_public", "explicit_consent"}
}

art9_holds(legal_basis) if {
	legal_basis.gdpr_art9 == "explicit_consent"
	consented(legal_basis.consent, {"explicit"})
}

# --- purpose ------------------------------------------------------------------------------

# research_organisation_research: scientific research by a research organisation (DSM
# Directive Art. 2(1), Art. 3): purpose academic_research or text_and_data_mining.
research_organisation_research if {
	input.job.purpose.category in {"academic_research", "text_and_data_mining"}
	input.job.operator.research_organisation == true
}

# commercial: collection for a commercial purpose (CUBI, RCW 19.375): everything except
# academic research by a research organisation.
default commercial := true

commercial := false if {
	input.job.purpose.category == "academic_research"
	input.job.operator.research_organisation == true
}
