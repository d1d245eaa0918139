"""A site written in a manifest's site_permissions or a waiver is read as denials name it."""

from __future__ import annotations

import pytest


def test_a_site_permission_names_an_idn_site_as_the_waivers_and_denials_do() -> None:
    from gate.model.job import SitePermission
    from gate.model.waiver import Waiver

    assert SitePermission(site="Bücher.DE.", evidence="contract 12").site == "xn--bcher-kva.de"
    waiver = Waiver(id="W-1", rules=["terms.automated_collection_prohibited"], jobs="*", sites="Bücher.de",
                    approved_by="dpo@example.com", reason="licensed", ticket="T-1", expires="2099-01-01")
    assert waiver.sites == "xn--bcher-kva.de"
    with pytest.raises(ValueError, match="is not a host"):
        SitePermission(site="bücher..de", evidence="contract 12")
