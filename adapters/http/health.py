"""``GET /healthz`` (is the process up, does its database answer) and ``GET /readyz`` (should it get traffic).

Neither needs authentication. A load balancer sends traffic to a worker while ``/readyz`` says
200: the database answers, its schema is the version this code expects, and the read side is
less than ``BREACHTRAIL_READY_MAX_LAG`` events behind the log.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import text

from adapters.composition import schema_versions
from adapters.http.api import ApiBlueprint, problems
from adapters.http.context import case_service
from adapters.http.problems import problem

logger = logging.getLogger(__name__)

blp = ApiBlueprint("health", __name__, description="For load balancers and monitoring.")


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"description": "ok"})


class ReadinessSchema(Schema):
    status = fields.String(required=True, metadata={"description": "ready"})
    schema_version = fields.Integer(required=True, metadata={"description": "The database's schema version."})
    projection_lag = fields.Integer(required=True, metadata={"description": "Events the read side is behind."})


def _database_answers() -> bool:
    engine = case_service().factory.datastore.engine  # type: ignore[attr-defined]
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        logger.warning("health check: the database does not answer", exc_info=True)
        return False
    return True


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.doc(security=[])
    @problems(blp, 503)
    def get(self) -> Any:
        """Check that the service and its database answer."""
        if not _database_answers():
            return problem(503, "The database does not answer.")
        return {"status": "ok"}


@blp.route("/readyz")
class Readiness(MethodView):
    @blp.response(200, ReadinessSchema)
    @blp.doc(security=[])
    @problems(blp, 503)
    def get(self) -> Any:
        """Check that the database answers, its schema is current, and the read side keeps up."""
        if not _database_answers():
            return problem(503, "The database does not answer.", check="database")
        try:
            database, code = schema_versions(case_service())
            projection = case_service().case_list_projection
            lag = projection.status().lag if projection is not None else 0
        except Exception:
            logger.warning("readiness check failed", exc_info=True)
            return problem(503, "The database answers but cannot be read.", check="database")
        if database != code:
            return problem(503, f"The database's schema is version {database}, this release expects {code}: "
                                "run 'breachtrail init-db'.", check="schema", schema_version=database)
        limit = current_app.config["SETTINGS"].ready_max_lag
        if lag > limit:
            return problem(503, f"The read side is {lag} events behind the log (more than {limit}): is "
                                "'breachtrail projections run' running?", check="projections", projection_lag=lag)
        return {"status": "ready", "schema_version": database, "projection_lag": lag}
