"""``GET /healthz``: is the service up, and does its database answer (no authentication)."""

from __future__ import annotations

import logging
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import text

from adapters.http.api import ApiBlueprint, problems
from adapters.http.context import case_service
from adapters.http.problems import problem

logger = logging.getLogger(__name__)

blp = ApiBlueprint("health", __name__, description="For load balancers and monitoring.")


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"description": "ok"})


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.doc(security=[])
    @problems(blp, 503)
    def get(self) -> Any:
        """Check that the service and its database answer."""
        engine = case_service().factory.datastore.engine  # type: ignore[attr-defined]
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            logger.warning("health check: the database does not answer", exc_info=True)
            return problem(503, "The database does not answer.")
        return {"status": "ok"}
