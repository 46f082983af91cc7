"""Every response, the API documentation page included, forbids sniffing and framing."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/openapi.json", "/api/v1/docs", "/api/v1/cases",
                                  "/api/v1/no-such-route"])
def test_every_response_carries_nosniff_a_policy_and_no_framing(app, path):
    response = app.test_client().get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    if path.endswith("/docs"):
        assert response.status_code == 200 and "script-src 'self'" in policy
    else:
        assert policy.startswith("default-src 'none'")
