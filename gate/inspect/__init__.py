"""The response phase's content classifiers (issue 19)."""
