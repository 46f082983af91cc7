"""What the pages reach through the app: the API's services (one app builds them for both), the
sign-ins and the settings."""

from __future__ import annotations

from flask import current_app

from adapters.composition import SignIns
from adapters.config import Settings
from adapters.http.context import CASE_SERVICE, USER_STORE, case_service, user_store

SIGN_INS = "breachtrail.sign_ins"

__all__ = ["CASE_SERVICE", "SIGN_INS", "USER_STORE", "case_service", "settings", "sign_ins", "user_store"]


def sign_ins() -> SignIns:
    store: SignIns = current_app.extensions[SIGN_INS]
    return store


def settings() -> Settings:
    configured: Settings = current_app.config["SETTINGS"]
    return configured
