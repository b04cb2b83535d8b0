"""Text from outside, checked before any database sees it: no NUL, no other control character.

PostgreSQL refuses U+0000 in text and JSON (it answered 500 when one got there); SQLite stored it.
Both now refuse it before it reaches them, and every other C0 and C1 control character but tab,
line feed and carriage return, with a 4xx that names the field: the request models of the faces
derive from `TextChecked`, which checks every string they hold (in lists and dicts too, keys
included); a path parameter takes `PlainText`; form parameters are checked by `web/forms.py`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ValidationInfo, field_validator

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MESSAGE = (
    "must not contain control characters (U+0000-U+001F but tab and line breaks, U+007F-U+009F)"
)


def has_control_character(value: object) -> bool:
    """Whether `value`, or any string inside its lists, tuples and dicts, holds a control
    character. Models inside are left to their own checks."""
    if isinstance(value, str):
        return _CONTROL.search(value) is not None
    if isinstance(value, (list, tuple)):
        return any(has_control_character(item) for item in value)
    if isinstance(value, dict):
        return any(has_control_character(k) or has_control_character(v) for k, v in value.items())
    return False


def _plain(value: str) -> str:
    if has_control_character(value):
        raise ValueError(MESSAGE)
    return value


PlainText = Annotated[str, AfterValidator(_plain)]


class TextChecked(BaseModel):
    """A request model whose every field is refused (422, naming it) if it holds a control
    character."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if has_control_character(value):
            raise ValueError(MESSAGE)
        return value
