"""gunicorn settings for a test: a request for ``/slow-for-the-test`` takes longer than any timeout.

Loaded with ``-c`` so that the worker's own timeout, not a slow client, is what stops the request.
"""

import time
from typing import Any

SLOW_PATH = "/slow-for-the-test"


def pre_request(worker: Any, req: Any) -> None:
    if req.path == SLOW_PATH:
        time.sleep(60)
