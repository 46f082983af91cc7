"""What a request handler reaches through the app: the case service and the user store."""

from __future__ import annotations

from flask import current_app

from adapters.composition import UserContacts, UserStore
from service.cases import CaseService
from service.reminders import Reminders
from service.staff import StaffService

CASE_SERVICE = "breachtrail.cases"
USER_STORE = "breachtrail.users"
REMINDERS = "breachtrail.reminders"
USER_CONTACTS = "breachtrail.user_contacts"
STAFF_SERVICE = "breachtrail.staff"


def case_service() -> CaseService:
    """The app's ``CaseService``."""
    service: CaseService = current_app.extensions[CASE_SERVICE]
    return service


def user_store() -> UserStore:
    """The app's ``UserStore``."""
    store: UserStore = current_app.extensions[USER_STORE]
    return store


def reminders() -> Reminders:
    """The app's ``Reminders`` (runs, for HR)."""
    found: Reminders = current_app.extensions[REMINDERS]
    return found


def user_contacts() -> UserContacts:
    """The app's store of addresses, languages and calendar secrets."""
    found: UserContacts = current_app.extensions[USER_CONTACTS]
    return found


def staff_service() -> StaffService:
    """The app's ``StaffService`` (staff lists, reviews, coverage)."""
    service: StaffService = current_app.extensions[STAFF_SERVICE]
    return service
