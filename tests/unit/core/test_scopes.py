"""Criteo's `<Service>_<Domain>_<Level>` scopes: building them, describing them, checking them."""

from __future__ import annotations

import pytest

from consentry.core.scopes import (
    MARKETING_SOLUTIONS,
    RETAIL_MEDIA,
    SERVICES,
    Level,
    Service,
    describe,
    parse_scope,
    satisfies,
    scope_string,
    scopes_for,
)


def test_services_are_keyed_by_portal_code() -> None:
    assert SERVICES == {"C-Growth": MARKETING_SOLUTIONS, "C-Max": RETAIL_MEDIA}


@pytest.mark.parametrize(
    ("service", "levels", "expected"),
    [
        pytest.param(
            MARKETING_SOLUTIONS,
            {"Campaign": Level.MANAGE, "Analytics": Level.READ},
            ("MarketingSolutions_Analytics_Read", "MarketingSolutions_Campaign_Manage"),
            id="sorted-by-domain",
        ),
        pytest.param(
            RETAIL_MEDIA,
            {"Catalog": Level.MANAGE, "Billing": Level.READ},
            ("RetailMedia_Billing_Read", "RetailMedia_Catalog_Manage"),
            id="catalog-at-manage",
        ),
        pytest.param(MARKETING_SOLUTIONS, {}, (), id="no-domains"),
    ],
)
def test_scopes_for_builds_scope_strings(
    service: Service, levels: dict[str, Level], expected: tuple[str, ...]
) -> None:
    assert scopes_for(service, levels) == expected


@pytest.mark.parametrize(
    ("service", "levels", "message"),
    [
        pytest.param(MARKETING_SOLUTIONS, {"Catalog": Level.MANAGE}, "not a domain", id="unknown"),
        pytest.param(RETAIL_MEDIA, {"Reco": Level.READ}, "not a domain", id="other-service"),
        pytest.param(RETAIL_MEDIA, {"Catalog": Level.READ}, "Manage level", id="catalog-read"),
    ],
)
def test_scopes_for_rejects_what_the_service_lacks(
    service: Service, levels: dict[str, Level], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        scopes_for(service, levels)


def test_scope_string_and_parse_scope_round_trip() -> None:
    scope = scope_string(RETAIL_MEDIA, "Campaign", Level.READ)
    assert scope == "RetailMedia_Campaign_Read"
    assert parse_scope(scope) == ("RetailMedia", "Campaign", Level.READ)


@pytest.mark.parametrize(
    "scope",
    [
        pytest.param("MarketingSolutions_Analytics", id="two-parts"),
        pytest.param("MarketingSolutions_Analytics_Write", id="unknown-level"),
        pytest.param("MarketingSolutions_Analytics_read", id="level-case"),
    ],
)
def test_parse_scope_rejects_malformed_scope(scope: str) -> None:
    with pytest.raises(ValueError):
        parse_scope(scope)


def test_describe_words_read_and_manage_for_the_consent_page() -> None:
    described = describe(
        ("MarketingSolutions_Analytics_Read", "MarketingSolutions_Campaign_Manage")
    )
    assert [(d.scope, d.domain, d.level) for d in described] == [
        ("MarketingSolutions_Analytics_Read", "Analytics", Level.READ),
        ("MarketingSolutions_Campaign_Manage", "Campaign", Level.MANAGE),
    ]
    assert described[0].words == "See performance statistics and reports"
    assert described[1].words == "Create and change campaigns, budgets and bids"


def test_describe_falls_back_for_a_domain_without_wording() -> None:
    read, manage = describe(("Other_Gizmo_Read", "Other_Gizmo_Manage"))
    assert (read.words, manage.words) == ("See Gizmo", "Manage Gizmo")


@pytest.mark.parametrize(
    ("granted", "required", "expected"),
    [
        pytest.param(
            {"MarketingSolutions_Analytics_Read"},
            "MarketingSolutions_Analytics_Read",
            True,
            id="exact-read",
        ),
        pytest.param(
            {"MarketingSolutions_Campaign_Manage"},
            "MarketingSolutions_Campaign_Manage",
            True,
            id="exact-manage",
        ),
        pytest.param(
            {"MarketingSolutions_Campaign_Manage"},
            "MarketingSolutions_Campaign_Read",
            True,
            id="manage-implies-read",
        ),
        pytest.param(
            {"MarketingSolutions_Campaign_Read"},
            "MarketingSolutions_Campaign_Manage",
            False,
            id="read-does-not-imply-manage",
        ),
        pytest.param(
            {"MarketingSolutions_Campaign_Manage"},
            "MarketingSolutions_Audience_Read",
            False,
            id="other-domain",
        ),
        pytest.param(
            {"RetailMedia_Campaign_Manage"},
            "MarketingSolutions_Campaign_Read",
            False,
            id="other-service",
        ),
        pytest.param(set(), "MarketingSolutions_Analytics_Read", False, id="nothing-granted"),
    ],
)
def test_satisfies(granted: set[str], required: str, expected: bool) -> None:
    assert satisfies(frozenset(granted), required) is expected
