"""Marshmallow fields that accept exactly what the API promises, and nothing looser."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from marshmallow import ValidationError, fields, validate

from adapters.http.context import case_service
from domain.validation import single_line_error

# ASCII digits only: "\d" would also take Arabic-Indic and other digits.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# C0 controls and DEL; free texts may still hold tabs and line breaks.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# The same rules as patterns for the OpenAPI document (ECMA-262 and Python alike), so clients and
# generated requests know them; a single line also refuses C1 controls, direction controls and
# line separators (domain.validation.single_line_error).
TEXT_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"
LINE_PATTERN = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*$"
# A time whose offset's "+" a query string turned into a space: "...T14:30:00 02:00".
_SPACED_OFFSET = re.compile(r"(T[0-9:.,]+) ([0-9]{2}(?::?[0-9]{2})?)$")


class CalendarDate(fields.Date):
    """A date written ``YYYY-MM-DD`` (Python alone would also take ``20260610`` or week dates)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            raise ValidationError("Not a valid date: write it as YYYY-MM-DD.")
        return super()._deserialize(value, attr, data, **kwargs)


class PlausibleDate(CalendarDate):
    """A calendar date within the service's date bounds (domain.validation.DateBounds).

    A past day (an incident, a talk) lies between the installation's earliest date and today;
    a day ahead (a deadline, a validity) between the earliest date and the horizon after today.
    The document states the bounds as ``x-earliest-date`` and ``x-horizon-days``.
    """

    def __init__(self, *, ahead: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.ahead = ahead

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        service = case_service()
        bounds, today = service.date_bounds, service.today()
        message = bounds.ahead_error(day, today) if self.ahead else bounds.past_error(day, today)
        if message is not None:
            raise ValidationError(message[:1].upper() + message[1:] + ".")
        return day


class Text(fields.String):
    """A string of ``min_length..max_length`` characters that a database can store as it is.

    A single-line text (names, references) holds no control characters at all; a free text
    may hold tabs and line breaks. Lone surrogates, which JSON can carry but UTF-8 cannot, are
    refused here rather than failing at storage.
    """

    def __init__(self, *, min_length: int = 1, max_length: int, multiline: bool = False, **kwargs: Any):
        extra = kwargs.pop("validate", ())
        validators = [validate.Length(min=min_length, max=max_length)]
        validators.extend([extra] if callable(extra) else extra)
        if not any(isinstance(v, validate.Regexp) for v in validators):
            kwargs["metadata"] = {"pattern": TEXT_PATTERN if multiline else LINE_PATTERN, **kwargs.get("metadata", {})}
        super().__init__(validate=validators, **kwargs)
        self._forbidden = _CONTROL_CHARACTERS if multiline else _LINE_CONTROL_CHARACTERS
        self.multiline = multiline

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError("Not valid Unicode text.") from None
        if self._forbidden.search(text):
            raise ValidationError("Must not contain control characters.")
        if not self.multiline and (message := single_line_error(text)) is not None:
            raise ValidationError(message[:1].upper() + message[1:] + ".")
        return text


class Moment(fields.AwareDateTime):
    """An ISO 8601 time with its offset (``2026-06-10T14:30:00+02:00`` or ``...Z``).

    In a query string an unencoded ``+`` arrives as a space; before an offset it can only have
    been a ``+``, so it is read as one.
    """

    default_error_messages = {
        "invalid": "Not a valid time: write it ISO 8601 with its offset, e.g. 2026-06-10T14:30:00+02:00.",
        "invalid_awareness": "Give the time's offset, e.g. 2026-06-10T14:30:00+02:00 or 2026-06-10T12:30:00Z.",
    }

    def __init__(self, **kwargs: Any):
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str):
            value = _SPACED_OFFSET.sub(r"\1+\2", value.strip())
        moment: datetime = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError("The time is out of range.") from None
        return moment


_ASCII_COUNT = re.compile(r"[0-9]{1,10}")


class Count(fields.Integer):
    """A whole number written in ASCII digits (at most ten of them), as a query string carries it.

    Python's ``int`` alone would also take ``"١٢"`` (Arabic-Indic digits), ``"1_000"`` and
    ``" 12 "``, and spend time on thousands of digits; the range validator bounds the value.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and _ASCII_COUNT.fullmatch(value))
        ):
            raise self.make_error("invalid")
        result: int = super()._deserialize(value, attr, data, **kwargs)
        return result


class StrictBoolean(fields.Boolean):
    """JSON ``true`` or ``false`` only: not ``"yes"``, ``1`` or ``"on"``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class EventData(fields.Field):
    """An event's recorded attributes, with dates written as ``YYYY-MM-DD``."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, date):  # datetime is a date too: isoformat keeps its offset
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
