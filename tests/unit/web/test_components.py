"""The node's component registry (web/components.py): one component per type, and the argument
sets that direct routes ask for on every request."""

from __future__ import annotations

import pytest

from consentry.web.components import Components


class Clockwork:
    pass


class Ledger:
    pass


def test_a_type_is_registered_once_and_looked_up_by_type() -> None:
    components = Components()
    clockwork = components.add(Clockwork, Clockwork())
    assert components.get(Clockwork) is clockwork
    assert Clockwork in components and Ledger not in components
    with pytest.raises(ValueError, match="already registered"):
        components.add(Clockwork, Clockwork())
    with pytest.raises(LookupError, match="no Ledger was registered"):
        components.get(Ledger)


def test_an_argument_set_is_worked_out_once_until_a_component_is_added() -> None:
    components = Components()
    clockwork = components.add(Clockwork, Clockwork())
    wanted = (("clock", Clockwork),)
    first = components.arguments(wanted)
    assert first == {"clock": clockwork}
    assert components.arguments(wanted) is first
    ledger = components.add(Ledger, Ledger())
    both = components.arguments((("clock", Clockwork), ("ledger", Ledger)))
    assert both == {"clock": clockwork, "ledger": ledger}
    assert components.arguments(wanted) is not first  # recomputed after the registry changed
