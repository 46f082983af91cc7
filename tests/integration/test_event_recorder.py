"""The event recorder keeps the library's contract: ``UnannouncedEventsRecorder`` writes events
its own way (one Core ``INSERT … RETURNING``, no ``NOTIFY``) and reads the log with one Core
query, so it runs eventsourcing's own tests of an application recorder, on both databases."""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.tests.persistence import ApplicationRecorderTestCase

from adapters.sql.datastore import CheckedConnectionsDatastore, UnannouncedEventsRecorder
from tests.databases import fresh_database, postgres_base_url


class _RecorderContract(ApplicationRecorderTestCase[UnannouncedEventsRecorder]):
    backend = "sqlite"

    def setUp(self) -> None:
        self._closing = ExitStack()
        folder = Path(self._closing.enter_context(tempfile.TemporaryDirectory()))
        self.url = self._closing.enter_context(fresh_database(self.backend, folder))
        self.datastores: list[CheckedConnectionsDatastore] = []

    def tearDown(self) -> None:
        for datastore in self.datastores:
            if datastore.engine is not None:
                datastore.engine.dispose()
        self._closing.close()

    def create_recorder(self) -> UnannouncedEventsRecorder:
        datastore = CheckedConnectionsDatastore(url=self.url)
        self.datastores.append(datastore)
        recorder = UnannouncedEventsRecorder(datastore, events_table_name="stored_events")
        recorder.create_table()
        return recorder

    def test_the_log_read_in_one_query_is_the_librarys(self) -> None:
        recorder = self.create_recorder()
        for number in range(1, 8):
            recorder.insert_events([StoredEvent(originator_id=self.new_originator_id(), originator_version=1,
                                                topic=f"topic{number % 3}", state=f"state {number}".encode())])
        for start, limit in ((1, 3), (3, 10), (6, 1), (99, 5)):
            assert recorder.select_stored_events(start, limit) == recorder.select_notifications(start, limit)

    # Timings, not behaviour: benchmarks are measured in `make bench`, never in tests.
    def test_performance(self) -> None:
        pytest.skip("a timing, measured by make bench")

    def test_concurrent_throughput(self) -> None:
        pytest.skip("a timing, measured by make bench")


class TestRecorderOnSQLite(_RecorderContract):
    backend = "sqlite"


@pytest.mark.skipif(postgres_base_url() is None, reason="needs PostgreSQL (BREACHTRAIL_TEST_POSTGRES_URL)")
class TestRecorderOnPostgreSQL(_RecorderContract):
    backend = "postgres"


del _RecorderContract  # only its two databases run
