"""Criteo's services, domains and levels, and the `<Service>_<Domain>_<Level>` scope strings."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    READ = "Read"
    MANAGE = "Manage"


@dataclass(frozen=True, slots=True)
class Service:
    code: str  # the name Criteo's portal shows: C-Growth, C-Max
    name: str  # the scope prefix: MarketingSolutions, RetailMedia
    title: str
    domains: tuple[str, ...]
    manage_only: frozenset[str] = frozenset()


MARKETING_SOLUTIONS = Service(
    code="C-Growth",
    name="MarketingSolutions",
    title="Marketing Solutions",
    domains=("Analytics", "Audience", "Campaign", "Creative", "Reco"),
)
RETAIL_MEDIA = Service(
    code="C-Max",
    name="RetailMedia",
    title="Retail Media",
    domains=("Accounts", "Analytics", "Audience", "Balance", "Billing", "Campaign", "Catalog"),
    manage_only=frozenset({"Catalog"}),
)
SERVICES: dict[str, Service] = {s.code: s for s in (MARKETING_SOLUTIONS, RETAIL_MEDIA)}

# What each domain lets an app do, in words a customer understands.
_DOMAIN_WORDS: dict[str, tuple[str, str]] = {
    "Analytics": ("See performance statistics and reports", "See and schedule reports"),
    "Audience": ("See your audiences", "Create and change your audiences"),
    "Campaign": (
        "See your campaigns and their settings",
        "Create and change campaigns, budgets and bids",
    ),
    "Creative": ("See your ads and creatives", "Create and change your ads and creatives"),
    "Reco": ("See product recommendations", "Change product recommendation settings"),
    "Accounts": ("See your retail media accounts", "Manage your retail media accounts"),
    "Balance": ("See your balances", "Add and change balances"),
    "Billing": ("See your billing reports", "Manage billing"),
    "Catalog": ("See your product catalog", "Send and change your product catalog"),
}


def scope_string(service: Service, domain: str, level: Level) -> str:
    return f"{service.name}_{domain}_{level.value}"


def scopes_for(service: Service, levels: dict[str, Level]) -> tuple[str, ...]:
    """The scope strings of an app's domain choices; rejects what the service lacks."""
    scopes = []
    for domain, level in sorted(levels.items()):
        if domain not in service.domains:
            raise ValueError(f"{domain} is not a domain of {service.title}")
        if domain in service.manage_only and level is not Level.MANAGE:
            raise ValueError(f"{domain} can only be granted at Manage level")
        scopes.append(scope_string(service, domain, level))
    return tuple(scopes)


@dataclass(frozen=True, slots=True)
class ScopeDescription:
    scope: str
    domain: str
    level: Level
    words: str


def parse_scope(scope: str) -> tuple[str, str, Level]:
    """Split `MarketingSolutions_Campaign_Read` into its service name, domain and level."""
    service, domain, level = scope.split("_")
    return service, domain, Level(level)


def describe(scopes: tuple[str, ...]) -> list[ScopeDescription]:
    """Human wording of each scope, for the consent page."""
    described = []
    for scope in scopes:
        _, domain, level = parse_scope(scope)
        read_words, manage_words = _DOMAIN_WORDS.get(domain, (f"See {domain}", f"Manage {domain}"))
        words = manage_words if level is Level.MANAGE else read_words
        described.append(ScopeDescription(scope=scope, domain=domain, level=level, words=words))
    return described


def satisfies(granted: frozenset[str], required: str) -> bool:
    """Whether granted scopes cover `required`; Manage implies Read of the same domain."""
    if required in granted:
        return True
    service, domain, level = parse_scope(required)
    return level is Level.READ and f"{service}_{domain}_{Level.MANAGE.value}" in granted
