"""Two application instances, real threads, one case: nothing lost, nothing doubled.

On PostgreSQL the writers are serialised by the event table lock; on SQLite by the file lock.
"""

from __future__ import annotations

import threading
from collections import Counter

from domain.values import Status
from service.errors import ConcurrentModification, VersionMismatch
from tests.scenarios import HR, MANAGER, case_in


def _race(workers: int, step) -> list[tuple[int, object]]:
    """Run ``step(i)`` on ``workers`` threads released at the same instant."""
    barrier = threading.Barrier(workers)
    results: list[tuple[int, object]] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcome: object = step(i)
        except Exception as error:  # the race's losers are part of the result
            outcome = error
        with lock:
            results.append((i, outcome))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == workers
    return results


def test_with_the_same_expected_version_exactly_one_writer_wins(make_service):
    instances = [make_service(), make_service()]
    cid = case_in(instances[0], Status.ASSESSED)
    results = _race(12, lambda i: instances[i % 2].add_note(
        MANAGER, cid, text=f"note {i}", expected_version=2))
    winners = [i for i, outcome in results if not isinstance(outcome, Exception)]
    losers = [outcome for _, outcome in results if isinstance(outcome, Exception)]
    assert len(winners) == 1
    assert all(isinstance(error, VersionMismatch) for error in losers), losers
    trail = make_service().history(HR, cid)
    assert [e.version for e in trail] == [1, 2, 3]
    assert trail[-1].data["text"] == f"note {winners[0]}"


def test_without_an_expected_version_every_returned_step_is_stored_once(make_service):
    instances = [make_service(), make_service()]
    cid = case_in(instances[0], Status.ASSESSED)
    results = _race(20, lambda i: instances[i % 2].add_note(MANAGER, cid, text=f"note {i}"))
    returned = {f"note {i}" for i, outcome in results if not isinstance(outcome, Exception)}
    failed = [outcome for _, outcome in results if isinstance(outcome, Exception)]
    assert all(isinstance(error, ConcurrentModification) for error in failed), failed
    trail = make_service().history(HR, cid)
    texts = Counter(e.data["text"] for e in trail if e.type == "NoteAdded")
    assert set(texts) == returned
    assert all(count == 1 for count in texts.values())
    assert [e.version for e in trail] == list(range(1, len(trail) + 1))
    assert returned  # at least the first writer always gets through


def test_the_case_list_follows_every_winning_write(make_service):
    instances = [make_service(), make_service()]
    cid = case_in(instances[0], Status.ASSESSED)
    _race(10, lambda i: instances[i % 2].add_note(MANAGER, cid, text=f"note {i}"))
    final = make_service().get_case(HR, cid)
    [row] = [r for r in instances[1].list_cases(HR).items if r.id == str(cid)]
    assert row.version == final.version
