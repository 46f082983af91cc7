"""What the pages reach through the app: the service, the user register, sign-ins and settings."""

from __future__ import annotations

from flask import current_app

from adapters.composition import SignIns, UserStore
from adapters.config import Settings
from service.cases import CaseService

CASE_SERVICE = "breachtrail.cases"
USER_STORE = "breachtrail.users"
SIGN_INS = "breachtrail.sign_ins"


def case_service() -> CaseService:
    service: CaseService = current_app.extensions[CASE_SERVICE]
    return service


def user_store() -> UserStore:
    store: UserStore = current_app.extensions[USER_STORE]
    return store


def sign_ins() -> SignIns:
    store: SignIns = current_app.extensions[SIGN_INS]
    return store


def settings() -> Settings:
    configured: Settings = current_app.config["SETTINGS"]
    return configured
