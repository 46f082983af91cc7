"""``/calendar/<secret>.ics``: a user's deadlines as a calendar feed, outside ``/api/v1``.

Calendar programs cannot send a bearer token, so the feed's address is its credential: a
secret made by ``breachtrail calendar link`` (only its hash is stored) and revoked by
``breachtrail calendar revoke``. The feed holds case numbers, units, kinds and dates only.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from werkzeug.exceptions import NotFound

from adapters.http.context import case_service, user_contacts
from adapters.reminders.icalendar import calendar_feed

blp = Blueprint("calendar", __name__, url_prefix="/calendar")


@blp.get("/<string:secret>.ics")
def feed(secret: str) -> Response:
    found = user_contacts().calendar_user(secret)
    if found is None:
        # The same answer for an unknown, revoked or malformed secret: nothing to guess from.
        raise NotFound("No calendar at this address; ask for a new link.")
    user, language = found
    deadlines = case_service().deadlines(user)
    public_url = current_app.config["SETTINGS"].public_url
    response = Response(calendar_feed(deadlines, language=language, public_url=public_url),
                        mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
