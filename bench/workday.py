"""A working day's load, run as a process of its own: people, not a request loop.

    python -m bench.workday < spec.json > result.json

Each person is a thread with their own role, unit, bearer token and signed-in session
cookie. They open their case list first (API), then, with a pause to think between every
two requests, do what people in their role do: managers look at their case list and case
pages, report incidents and take their own cases a step further (assessment, talk,
statement, notes, closure); HR does the same across every unit and reads statistics and
histories; union reps read statistics. Requests go to the app servers in turn, as a load
balancer spreads them. Every answer's latency is kept by route; every 5xx, failed or
unexpected answer is listed; every acknowledged write is kept for the check afterwards.
"""

from __future__ import annotations

import http.client
import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

API = "/api/v1"
REQUEST_TIMEOUT = 30.0
STATISTICS = (f"{API}/statistics?group_by=unit&group_by=rule", f"{API}/statistics?group_by=month",
              f"{API}/statistics?group_by=unit&group_by=status", f"{API}/statistics?group_by=channel")
#: What each role does, and how often: (action, weight).
MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "manager": (("page_case_list", 15), ("page_case", 15), ("page_tasks", 10), ("api_case_list", 5),
                ("api_case", 5), ("report", 8), ("step", 20), ("note", 10)),
    "hr": (("page_case_list", 15), ("page_case", 15), ("api_case_list", 10), ("page_statistics", 5),
           ("api_statistics", 5), ("api_history", 5), ("report", 5), ("step", 10), ("note", 5)),
    "rep": (("api_statistics", 45), ("page_statistics", 40), ("api_rules", 15)),
}
#: A case's next step on its way through, by the status it is in.
NEXT_STEP = {"reported": "assessment", "assessed": "talks", "talk_held": "statements", "warning_issued": "closure"}


@dataclass
class Person:
    name: str
    role: str
    unit: str | None
    token: str
    cookie: str
    index: int
    rng: random.Random
    known: list[str] = field(default_factory=list)  # cases seen in the list, to open
    own: dict[str, str] = field(default_factory=dict)  # cases this person reported: id -> status
    sent: int = 0


@dataclass
class Day:
    ports: list[int]
    seconds: float
    think: tuple[float, float]
    day: date
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)
    failed: int = 0
    acknowledged: list[dict[str, Any]] = field(default_factory=list)

    def record(self, route: str, status: str, elapsed: float | None, failure: dict[str, Any] | None) -> None:
        with self.lock:
            if elapsed is not None:
                self.latencies.setdefault(route, []).append(elapsed)
            counts = self.statuses.setdefault(route, {})
            counts[status] = counts.get(status, 0) + 1
            if failure is not None:
                self.failed += 1
                if len(self.failures) < 200:
                    self.failures.append(failure)


def _send(day: Day, person: Person, route: str, method: str, path: str, *, body: Any = None, page: bool = False,
          expected: tuple[int, ...] = (200,)) -> tuple[int, Any, dict[str, str]]:
    port = day.ports[(person.index + person.sent) % len(day.ports)]
    person.sent += 1
    headers = {"Accept": "text/html", "Cookie": person.cookie} if page else {
        "Accept": "application/json", "Authorization": f"Bearer {person.token}"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    started = time.perf_counter()
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        answer = {k.lower(): v for k, v in response.getheaders()}
    except (OSError, http.client.HTTPException) as error:
        day.record(route, type(error).__name__, None, {"route": route, "path": path, "user": person.name,
                                                        "error": repr(error), "port": port})
        return 0, None, {}
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    failure = None
    if response.status not in expected:
        failure = {"route": route, "path": path, "user": person.name, "status": response.status, "port": port,
                   "body": raw[:300].decode("utf-8", errors="replace")}
    day.record(route, str(response.status), elapsed, failure)
    if method == "POST" and 200 <= response.status < 300:
        with day.lock:
            day.acknowledged.append({"method": method, "path": path, "status": response.status,
                                     "location": answer.get("location"), "etag": answer.get("etag")})
    decoded = None
    if not page and raw and answer.get("content-type", "").startswith(("application/json", "application/problem")):
        decoded = json.loads(raw)
    return response.status, decoded, answer


def _case_body(person: Person, day: date) -> dict[str, Any]:
    number = person.rng.randrange(1, 10_000)
    employee = {"ref": f"E-{number:05d}", "name": f"Medarbejder {number}"}
    return {"unit": person.unit or "tandplejen", "employee": employee,
            "occurred_on": (day - timedelta(days=person.rng.randrange(3, 60))).isoformat(),
            "rules": person.rng.sample(["4.1", "4.3", "6.1"], 1), "channel": "facebook",
            "description": "Delte et billede af en kollega med en hånlig tekst i en åben gruppe."}


def _step_body(step: str, day: date) -> dict[str, Any]:
    on = (day - timedelta(days=1)).isoformat()
    bodies: dict[str, dict[str, Any]] = {
        "assessment": {"work_environment_issue": False, "severity": "medium", "notes": "Vurderet efter samtale."},
        "talks": {"held_on": on, "participants": ["Leder", "Medarbejder"], "union_rep_present": True,
                  "summary": "Gennemgik retningslinjens afsnit 4."},
        "statements": {"received_on": on, "summary": "Medarbejderen beklager."},
        "closure": {"outcome": "resolved", "reason": "Talt igennem; ikke gentaget."},
    }
    return bodies[step]


def _act(day: Day, person: Person, action: str) -> None:
    rng = person.rng
    if action == "page_case_list":
        _send(day, person, "page GET /sager", "GET", "/sager", page=True)
    elif action == "page_case" and person.known:
        _send(day, person, "page GET /sager/<id>", "GET", f"/sager/{rng.choice(person.known)}", page=True)
    elif action == "page_tasks":
        _send(day, person, "page GET /opgaver", "GET", "/opgaver", page=True)
    elif action == "page_statistics":
        _send(day, person, "page GET /statistik", "GET", "/statistik", page=True)
    elif action == "api_case_list":
        wanted = rng.choice(["reported", "assessed", "talk_held", "closed"])
        _send(day, person, "GET /cases?status=", "GET", f"{API}/cases?status={wanted}&per_page=50")
    elif action == "api_case" and person.known:
        _send(day, person, "GET /cases/<id>", "GET", f"{API}/cases/{rng.choice(person.known)}")
    elif action == "api_history" and person.known:
        _send(day, person, "GET /cases/<id>/history", "GET", f"{API}/cases/{rng.choice(person.known)}/history")
    elif action == "api_statistics":
        _send(day, person, "GET /statistics", "GET", rng.choice(STATISTICS))
    elif action == "api_rules":
        _send(day, person, "GET /policy/rules", "GET", f"{API}/policy/rules")
    elif action == "report" or (action in ("step", "note") and not _open_cases(person)):
        status, case, _ = _send(day, person, "POST /cases", "POST", f"{API}/cases", body=_case_body(person, day.day),
                                expected=(201,))
        if status == 201 and case:
            person.own[case["id"]] = case["status"]
            person.known.append(case["id"])
    elif action == "note":
        case_id = rng.choice(_open_cases(person))
        _send(day, person, "POST /cases/<id>/notes", "POST", f"{API}/cases/{case_id}/notes",
              body={"text": "Fulgt op med lederen."})
    elif action == "step":
        case_id = rng.choice(_open_cases(person))
        step = NEXT_STEP[person.own[case_id]]
        status, case, _ = _send(day, person, f"POST /cases/<id>/{step}", "POST", f"{API}/cases/{case_id}/{step}",
                                body=_step_body(step, day.day))
        if status == 200 and case:
            person.own[case_id] = case["status"]


def _open_cases(person: Person) -> list[str]:
    return [case_id for case_id, status in person.own.items() if status in NEXT_STEP]


def _live(day: Day, person: Person, deadline: float) -> None:
    # Spread the first requests over the first think time, as people arrive.
    time.sleep(person.rng.uniform(0, day.think[1]))
    if person.role != "rep" and time.monotonic() < deadline:
        _, page, _ = _send(day, person, "GET /cases (own list)", "GET", f"{API}/cases?per_page=50")
        if isinstance(page, dict):
            person.known.extend(item["id"] for item in page.get("items", []))
    actions, weights = zip(*MIX[person.role], strict=True)
    while time.monotonic() < deadline:
        time.sleep(person.rng.uniform(*day.think))
        if time.monotonic() >= deadline:
            break
        _act(day, person, person.rng.choices(actions, weights)[0])


def _percentile(ordered: list[float], fraction: float) -> float:
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run_day(spec: dict[str, Any]) -> dict[str, Any]:
    if spec.get("host", "127.0.0.1") not in {"127.0.0.1", "localhost", "::1"}:
        raise ValueError("loads are only sent to the loopback interface")
    day = Day(ports=[int(p) for p in spec["ports"]], seconds=float(spec["seconds"]),
              think=(float(spec["think"][0]), float(spec["think"][1])), day=date.fromisoformat(spec["today"]))
    people = [Person(p["name"], p["role"], p.get("unit"), p["token"], p["cookie"], index,
                     random.Random(f"{spec.get('seed', 1)}-{index}")) for index, p in enumerate(spec["people"])]
    started = time.monotonic()
    deadline = started + day.seconds
    threads = [threading.Thread(target=_live, args=(day, person, deadline), daemon=True) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(day.seconds + day.think[1] + 2 * REQUEST_TIMEOUT + 5)  # bounded: every request has a timeout
    elapsed = time.monotonic() - started
    routes: dict[str, dict[str, Any]] = {}
    for route in sorted(day.statuses):
        ordered = sorted(day.latencies.get(route, []))
        routes[route] = {"count": sum(day.statuses[route].values()), "statuses": day.statuses[route]}
        if ordered:
            routes[route].update({f"p{n}_ms": 1000 * _percentile(ordered, n / 100) for n in (50, 95, 99)})
    everything = sorted(x for values in day.latencies.values() for x in values)
    return {
        "people": len(people), "seconds": elapsed, "requests": sum(r["count"] for r in routes.values()),
        "requests_per_second": sum(r["count"] for r in routes.values()) / elapsed if elapsed else 0.0,
        "all": {f"p{n}_ms": 1000 * _percentile(everything, n / 100) for n in (50, 95, 99)} if everything else {},
        "routes": routes, "failed": day.failed, "failures": day.failures, "acknowledged": day.acknowledged,
        "still_running": sum(thread.is_alive() for thread in threads),
    }


def main() -> None:
    json.dump(run_day(json.load(sys.stdin)), sys.stdout)


if __name__ == "__main__":
    main()
