"""The attack on erasure, automated: someone with a copy of the data folder after an erasure.

They copy every file (the SQLite write-ahead log included), hold a backup taken before the
erasure, and read the raw pages (on PostgreSQL, dead tuples included). They try every key the
installation still holds — the master key and every epoch key file left — on every candidate
copy of the erased case's (or employee's) wrapped key they can find near its id. Nothing may open.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.engine import make_url

from adapters.composition import build_staff_service
from adapters.config import Settings, load_or_create_key_file
from adapters.sql.erasure_ledger import ErasureLedger
from adapters.sql.key_epochs import EpochKeyFiles
from tests.databases import _libpq_dsn, full_dump
from tests.integration.test_erasure_at_rest import SECRETS, _leaks, build_case
from tests.scenarios import HR, case_id, report

WRAPPED_BYTES = 12 + 32 + 16  # nonce, key, tag


def _keys_held(folder: Path) -> list[bytes]:
    """Every key the copied folder holds: the master key and each epoch key it still has."""
    master = load_or_create_key_file(folder / "master.key")
    files = EpochKeyFiles(folder / "keys", master)
    epochs = [files.load(p.name[len("epoch-"):-len(".key")]) for p in (folder / "keys").glob("epoch-*.key")]
    return [master, *epochs]


def _candidates(blob: bytes, needle: bytes) -> set[bytes]:
    """Every 60-byte window within reach of each place the case id occurs."""
    found = set()
    for match in re.finditer(re.escape(needle), blob):
        start, end = max(0, match.start() - 300), min(len(blob), match.end() + 300)
        found.update(blob[i:i + WRAPPED_BYTES] for i in range(start, end - WRAPPED_BYTES + 1))
    return found


def _opens(candidates: set[bytes], keys: list[bytes], cid: UUID) -> bool:
    aad = b"breachtrail case key " + str(cid).encode()
    for key in keys:
        wrapper = AESGCM(key)
        for candidate in candidates:
            try:
                wrapper.decrypt(candidate[:12], candidate[12:], aad)
            except InvalidTag:
                continue
            return True
    return False


def _raw_postgres_tuples(database_url: str, table: str) -> bytes:
    """Every tuple of ``table`` as stored in its pages, dead versions included (pageinspect)."""
    url = make_url(database_url)
    schema = url.query["options"].split("search_path=", 1)[1]  # type: ignore[union-attr]
    plain = url.set(drivername="postgresql").difference_update_query(["options"])
    with psycopg.connect(_libpq_dsn(plain.render_as_string(hide_password=False)), autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA public")
        except psycopg.Error as error:
            pytest.skip(f"pageinspect is not available to this user ({error}); the SQLite attack still runs")
        relation = f'"{schema}".{table}'
        blocks = conn.execute(f"SELECT pg_relation_size('{relation}') / 8192").fetchone()[0]
        data = b""
        for block in range(blocks):
            rows = conn.execute(
                f"SELECT t_data FROM public.heap_page_items(public.get_raw_page('{relation}', {block}))"
            ).fetchall()
            data += b"".join(bytes(row[0]) for row in rows if row[0] is not None)
    return data


def test_a_copy_of_the_data_folder_after_erasure_opens_nothing_erased(make_service, database_url, tmp_path, key_dir):
    folder = tmp_path  # the data folder: database (on SQLite), master.key, keys/
    settings = {"master_key_file": folder / "master.key", "snapshot_interval": 3}
    service = make_service(**settings)
    other_worker = make_service(**settings)
    erased = build_case(service)
    kept = case_id(report(service, employee_name="Karen Beholdt"))
    assert other_worker.history(HR, erased)[0].data["employee_name"] == SECRETS["name"]  # its key is in memory

    backup = _backup_before(database_url, tmp_path, erased)

    service.erase_personal_data(HR, erased, reason="Retention over; archived first.")

    keys, raw = _steal(folder, database_url, backup)
    needle = str(erased).encode()
    candidates = _candidates(raw, needle)
    assert candidates
    assert not _opens(candidates, keys, erased)

    # The case that was not erased still opens, in every process, and from the stolen copy too.
    assert _opens(_candidates(raw, str(kept).encode()), keys, kept)
    assert other_worker.get_case(HR, kept).employee["name"] == "Karen Beholdt"
    # The other worker forgot the destroyed key it held.
    assert _leaks(repr(other_worker.history(HR, erased)) + repr(other_worker.get_case(HR, erased, version=1))) == []


def test_a_copy_of_the_data_folder_after_a_staff_erasure_opens_no_name(make_service, database_url, tmp_path, key_dir):
    folder = tmp_path
    service = make_service(master_key_file=folder / "master.key")
    staff = build_staff_service(service, Settings(database_url=database_url, key_dir=key_dir,
                                                  master_key_file=folder / "master.key"))
    long_ago = date.today() - timedelta(days=10 * 365)
    leaver = staff.add_member(HR, "tandplejen", employee_ref="L-7", name="Lene Leaver", start_date=long_ago,
                              end_date=long_ago + timedelta(days=400))
    stayer = staff.add_member(HR, "tandplejen", employee_ref="K-8", name="Karen Beholdt", start_date=long_ago)
    backup = _backup_before(database_url, tmp_path, UUID(leaver.member_id))

    assert staff.erase_leavers(HR, reason="Left more than five years ago.") == 1

    keys, raw = _steal(folder, database_url, backup)
    erased = UUID(leaver.member_id)
    candidates = _candidates(raw, str(erased).encode())
    assert candidates
    assert not _opens(candidates, keys, erased)
    assert b"Lene Leaver" not in raw
    # The erasure is in the ledger, so a restore of an older backup erases the employee again.
    assert str(erased) in [entry.id for entry in ErasureLedger(key_dir).entries()]
    # The employee who stays still opens, from the stolen copy and in the service.
    assert _opens(_candidates(raw, stayer.member_id.encode()), keys, UUID(stayer.member_id))
    assert [row.name for row in staff.list_staff(HR, "tandplejen") if not row.erased] == ["Karen Beholdt"]


def _backup_before(database_url: str, tmp_path: Path, cid: UUID) -> bytes:
    """A backup taken before the erasure: the SQLite file, or the dump's lines that name ``cid``."""
    backup_folder = tmp_path.parent / f"{tmp_path.name}-backup"
    backup_folder.mkdir()
    sqlite_file = make_url(database_url).database if database_url.startswith("sqlite") else None
    if sqlite_file:
        with sqlite3.connect(sqlite_file) as source, sqlite3.connect(backup_folder / "backup.sqlite3") as target:
            source.backup(target)
        return (backup_folder / "backup.sqlite3").read_bytes()
    backup = b""
    for line in full_dump(database_url).splitlines():
        if str(cid) in line:
            backup += line.encode() + b"".join(bytes.fromhex(h) for h in re.findall(r"\\\\x([0-9a-f]+)", line))
    return backup


def _steal(folder: Path, database_url: str, backup: bytes) -> tuple[list[bytes], bytes]:
    """Copy the data folder; every key it holds, and every byte it and the backup hold (with
    PostgreSQL's raw key pages, dead tuples included)."""
    stolen = folder.parent / f"{folder.name}-stolen"
    shutil.copytree(folder, stolen)
    keys = _keys_held(stolen)
    assert len(keys) >= 2  # the master key and the current epoch's key
    raw = b"".join(p.read_bytes() for p in stolen.rglob("*") if p.is_file()) + backup
    if not database_url.startswith("sqlite"):
        raw += _raw_postgres_tuples(database_url, "case_keys")
    return keys, raw


def test_with_a_backup_window_the_old_epoch_opens_the_erased_key_until_the_window_ends(
    make_service, tmp_path, key_dir
):
    """The price of the window, shown by the same attack: it works until the window ends."""
    service = make_service(master_key_file=tmp_path / "master.key", backup_window_days=30)
    erased = build_case(service)
    kept = case_id(report(service))
    wrapped_before = {_wrapped_key(service, erased)}
    service.erase_personal_data(HR, erased, reason="Retention over.")
    assert len(list(key_dir.glob("epoch-*.key"))) == 2  # the retired epoch's key is kept
    assert _opens(wrapped_before, _keys_held(tmp_path), erased)

    assert service.key_ring.prune(datetime.now(UTC) + timedelta(days=31))
    assert len(list(key_dir.glob("epoch-*.key"))) == 1
    assert not _opens(wrapped_before, _keys_held(tmp_path), erased)
    assert service.get_case(HR, kept).employee is not None


def _wrapped_key(service, cid: UUID) -> bytes:
    from sqlalchemy import select

    from adapters.sql.keys import case_keys

    with service.factory.datastore.engine.connect() as connection:
        return bytes(connection.execute(
            select(case_keys.c.wrapped_key).where(case_keys.c.case_id == str(cid))).scalar_one())


def test_the_database_file_its_folder_and_the_master_key_are_private(tmp_path):
    from adapters.config import normalise_database_url

    folder = tmp_path / "fresh" / "var"
    normalise_database_url(f"sqlite:///{folder / 'db.sqlite3'}")
    load_or_create_key_file(folder / "master.key")
    assert stat.S_IMODE((folder / "db.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "master.key").stat().st_mode) == 0o600
