"""A case's version as its entity tag: ``ETag: "3"`` out, ``If-Match: "3"`` in."""

from __future__ import annotations

import re

from flask import request
from werkzeug.exceptions import PreconditionFailed

from service.views import CaseView

# One strong entity tag holding a version; a weak tag never matches (RFC 9110, If-Match).
_VERSION_TAG = re.compile(r'"([1-9][0-9]{0,17})"')


def etag(case: CaseView) -> dict[str, str]:
    """The ``ETag`` header for ``case`` as it is in this response."""
    return {"ETag": f'"{case.version}"'}


def expected_version() -> int | None:
    """The version ``If-Match`` requires, or None without one (or with ``*``); 412 if unreadable."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _VERSION_TAG.fullmatch(header.strip())
    if match is None:
        raise PreconditionFailed(
            description='If-Match must be * or one case version as an ETag gives it, e.g. "3".'
        )
    return int(match.group(1))
