# METADATA
# title: A team's own rules
# description: >-
#   The extension point. A team's files in `package scrapegate.team` add `deny contains`,
#   `warn contains` and `obligations contains` rules; main collects them for every job.
#   These empty rules keep the references defined when no team file is loaded: an
#   undefined `data.scrapegate.team.deny` cost regopy ~1 ms on every decision (BENCHMARKS.md).
package scrapegate.team

deny contains entry if {
	some entry in []
}

warn contains entry if {
	some entry in []
}

obligations contains entry if {
	some entry in []
}
