"""Request parameters: each at most once and of reasonable size (RFC 6749 §3.1, §3.2)."""

from __future__ import annotations

import pytest

from consentry.core.errors import InvalidRequest
from consentry.core.requests import (
    MAX_PARAMETER_LENGTH,
    Parameters,
    reject_faulty,
    single_valued,
)


@pytest.mark.parametrize(
    ("values", "name", "expected"),
    [
        pytest.param({"state": "xyz"}, "state", "xyz", id="present"),
        pytest.param({}, "state", None, id="absent"),
        pytest.param({"state": ""}, "state", None, id="empty-counts-as-omitted-rfc6749-3.1"),
    ],
)
def test_get(values: dict[str, str], name: str, expected: str | None) -> None:
    assert Parameters(values).get(name) == expected


def test_require_returns_the_value() -> None:
    assert Parameters({"grant_type": "refresh_token"}).require("grant_type") == "refresh_token"


@pytest.mark.parametrize("values", [{}, {"grant_type": ""}], ids=["absent", "empty"])
def test_require_missing_is_invalid_request(values: dict[str, str]) -> None:
    with pytest.raises(InvalidRequest, match=r"The grant_type parameter is required\."):
        Parameters(values).require("grant_type")


@pytest.mark.parametrize(
    ("pairs", "values", "faulty"),
    [
        pytest.param([("a", "1"), ("b", "2")], {"a": "1", "b": "2"}, set(), id="distinct"),
        pytest.param([("a", "1"), ("a", "1")], {}, {"a"}, id="repeated-same-value"),
        pytest.param([("a", "1"), ("b", "2"), ("a", "3")], {"b": "2"}, {"a"}, id="repeated"),
        pytest.param([("a", "")], {"a": ""}, set(), id="empty-value-kept"),
        pytest.param(
            [("a", "x" * MAX_PARAMETER_LENGTH)], {"a": "x" * MAX_PARAMETER_LENGTH}, set(), id="max"
        ),
        pytest.param([("a", "x" * (MAX_PARAMETER_LENGTH + 1))], {}, {"a"}, id="oversized"),
        pytest.param([], {}, set(), id="nothing"),
    ],
)
def test_single_valued_reports_repeats_and_oversized_values(
    pairs: list[tuple[str, str]], values: dict[str, str], faulty: set[str]
) -> None:
    params, found = single_valued(pairs)
    assert dict(params.values) == values
    assert found == frozenset(faulty)


def test_reject_faulty_accepts_a_clean_request() -> None:
    reject_faulty(frozenset())


@pytest.mark.parametrize(
    ("faulty", "description"),
    [
        pytest.param({"code"}, "Repeated or oversized parameter: code.", id="one"),
        pytest.param(
            {"state", "code"}, "Repeated or oversized parameter: code, state.", id="sorted"
        ),
        pytest.param(
            {'x"y'}, "Repeated or oversized parameter: a parameter.", id="odd-name-hidden"
        ),
        pytest.param({"Code", "code"}, "Repeated or oversized parameter: code.", id="mixed"),
        pytest.param({"a" * 41}, "Repeated or oversized parameter: a parameter.", id="long-name"),
    ],
)
def test_reject_faulty_names_plain_parameters_only(faulty: set[str], description: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        reject_faulty(frozenset(faulty))
    assert caught.value.description == description


def test_repeated_parameter_with_newline_in_its_name_is_invalid_request() -> None:
    with pytest.raises(InvalidRequest) as caught:
        reject_faulty(frozenset({"state\n"}))
    assert caught.value.description == "Repeated or oversized parameter: a parameter."
