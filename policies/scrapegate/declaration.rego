# METADATA
# title: Facts the job left out, and how they were read
# description: >-
#   LEGAL-R2: what the processing does decides, not what it is called, and a fact that is
#   left out is read the way that protects the data subject, with a warning that says so.
#   These warnings name each such reading; the law packages apply it (derive.rego).
# custom:
#   owner: privacy-legal
package scrapegate.declaration

import data.scrapegate.derive
import data.scrapegate.lib

# METADATA
# title: Identification assumed
# description: >-
#   Facial images without identifies_persons, for a purpose that is not identification in
#   name: they are read as biometric data, as under every biometric law here (LEGAL-R2
#   R1). State identifies_persons false if the processing identifies nobody.
# custom:
#   code: declaration.identification_assumed
#   law: GDPR Art. 4(14), Recital 51; LEGAL-R2 R1
#   owner: privacy-legal
#   jurisdictions: ["*"]
#   waivable: true
warn contains v if {
	derive.identification_assumed
	v := lib.violation("declaration.identification_assumed", null,
		"facial_images without identifies_persons: read as biometric data (identification assumed); declare identifies_persons: false if nobody is identified")
}

# METADATA
# title: Untargeted collection assumed
# description: >-
#   Personal data without targeting: read as untargeted collection (LEGAL-R2 R2; this
#   bundle reads every personal-data job that way, not only facial or biometric ones).
# custom:
#   code: declaration.targeting_assumed
#   law: AI Act Art. 5(1)(e); LEGAL-R2 R2
#   owner: privacy-legal
#   jurisdictions: ["*"]
#   waivable: true
warn contains v if {
	derive.targeting_assumed
	v := lib.violation("declaration.targeting_assumed", null,
		"targeting left out: read as untargeted collection; declare targeting: targeted if the job collects only chosen people's data")
}

# METADATA
# title: Minors assumed
# description: >-
#   data_subjects.minors left out for untargeted collection: read as true, since a crawl
#   of faces or social media always reaches children (LEGAL-R2 R20).
# custom:
#   code: declaration.minors_assumed
#   law: GDPR Art. 8, Recital 38, Art. 35(1); LEGAL-R2 R20
#   owner: privacy-legal
#   jurisdictions: ["*"]
#   waivable: true
warn contains v if {
	derive.minors_assumed
	v := lib.violation("declaration.minors_assumed", null,
		"data_subjects.minors left out for untargeted collection: read as true (an untargeted crawl reaches children)")
}

# METADATA
# title: Data categories assumed from the purpose
# description: >-
#   A facial_recognition job that declares neither facial_images nor biometric, or a
#   law_enforcement_support job that declares no personal data: the purpose cannot do
#   without them, so the job is read as collecting them (facial images, which R1 makes
#   biometric; personal data) and every law that protects them applies (LEGAL-R2: what
#   the processing does decides, not what it is called).
# custom:
#   code: declaration.categories_assumed
#   law: GDPR Art. 4(1), Art. 4(14), Recital 51; LEGAL-R2 R1
#   owner: privacy-legal
#   jurisdictions: ["*"]
#   waivable: true
warn contains v if {
	derive.categories_assumed
	v := lib.violation("declaration.categories_assumed", null, lib.text([
		"purpose ", input.job.purpose.category, " without the data it works on: read as collecting ",
		concat(", ", derive.assumed_categories), "; declare them in data_categories",
	]))
}
