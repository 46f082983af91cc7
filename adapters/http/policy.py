"""The policy's rule catalogue, for every authenticated user."""

from __future__ import annotations

from flask.views import MethodView

from adapters.http.api import API_PREFIX, ApiBlueprint, problems
from adapters.http.auth import authenticate
from adapters.http.representations import PolicyRuleSchema
from domain.rules import CATALOGUE, PolicyRule

blp = ApiBlueprint("policy", __name__, url_prefix=API_PREFIX, description="The rules a case can name.")
blp.before_request(authenticate)


@blp.route("/policy/rules")
class PolicyRules(MethodView):
    @blp.response(200, PolicyRuleSchema(many=True))
    @problems(blp, 401)
    def get(self) -> list[PolicyRule]:
        """List the rules of the policy, by section (every role)."""
        # A list: flask-smorest would take a tuple for (body, status, headers).
        return list(CATALOGUE)
