"""CollectionBlocked says where to look for the reason: `explain` for what the policies see
of a URL, but not for denials explain cannot reproduce (found from outside: the hint after a
content quarantine sent the user to an explain that printed ALLOW)."""

from __future__ import annotations

import pytest

from gate.errors import CollectionBlocked
from gate.model.decision import Decision

URL = "https://shop.example/contact.html"


@pytest.mark.parametrize(("code", "hint"), [
    ("robots.disallowed", f"why: scrapegate explain JOB.yaml --target {URL} --live"),
    ("content.undeclared_category", "why: what the response held; scrapegate ledger quarantine lists the URL"),
    ("content.uninspected", "why: what the response held; scrapegate ledger quarantine lists the URL"),
    ("request.agent_mismatch", "why: the request's headers, as the message says"),
    ("request.rewrite_header", "why: the request's headers, as the message says"),
])
def test_the_hint_fits_the_denial(code: str, hint: str) -> None:
    assert str(CollectionBlocked(Decision.denied(code, "because", url=URL))).endswith(f"({hint})")


def test_a_mix_of_response_and_policy_denials_points_to_explain() -> None:
    decision = Decision.denied("content.undeclared_category", "x", url=URL)
    decision = decision.model_copy(update={"deny": (*decision.deny, *Decision.denied("gdpr.no_legal_basis", "y").deny)})
    assert "scrapegate explain JOB.yaml" in str(CollectionBlocked(decision))
