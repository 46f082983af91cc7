"""Case files kept in a directory for the archive authority, written so that none is ever half there.

Each case file is ``<case-id>-v<version>.json`` (the record) and ``<case-id>-v<version>.md``
(a reading copy), both readable by their owner only. A file is written to a temporary file
in the same directory, flushed to the disk, then linked into place, and the directory is
flushed too: after a crash a case file is either complete or absent. A file already there is
never overwritten: it is checked to hold the same case file (same case, same version, same
events, personal data present), and kept.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from adapters.archive.case_file_text import render_case_file
from adapters.archive.case_files import case_file_document, document_json
from service.records import CASE_FILE_FORMAT, CaseFile
from service.retention import Archived, ArchiveError

# Where hard links are not supported, a checked rename takes their place.
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EMLINK}


class DirectoryArchive:
    """The retention sweep's archive: case files in one directory."""

    def __init__(self, directory: Path):
        self.directory = directory

    def paths(self, case_id: str, version: int) -> tuple[Path, Path]:
        """Where the case file of ``case_id`` at ``version`` is (or would be) kept: JSON, Markdown."""
        stem = self.directory / f"{case_id}-v{version}"
        return stem.with_suffix(".json"), stem.with_suffix(".md")

    def keep(self, case_file: CaseFile) -> Archived:
        if case_file.case.personal_data_erased:
            raise ArchiveError("its personal data is erased already: there is nothing left to archive")
        document = case_file_document(case_file)
        record, reading_copy = self.paths(case_file.case.id, case_file.case.version)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            written = write_new(record, document_json(document))
            if not written:
                _check_kept(record, document)
            if not reading_copy.exists():
                write_new(reading_copy, render_case_file(document))
        except OSError as error:
            raise ArchiveError(f"{error.filename or self.directory}: {error.strerror or error}") from None
        return Archived(record.name, written)


def _check_kept(path: Path, document: dict[str, Any]) -> None:
    """The file at ``path`` holds this case file (its case, version and events), with personal data."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        same = (
            kept["export"]["format"] == CASE_FILE_FORMAT
            and kept["case"]["id"] == document["case"]["id"]
            and kept["case"]["version"] == document["case"]["version"]
            and kept["case"]["personal_data_erased"] is False
            and kept["history"] == document["history"]
        )
    except (ValueError, KeyError, TypeError):
        same = False
    if not same:
        raise ArchiveError(f"{path} exists and does not hold this case file; it is left as it is, "
                           "and the case is not erased until it is sorted out by hand")


def write_new(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless a file is there; True if written. Complete or absent after a crash."""
    temporary = _flushed_temporary(path, text)
    try:
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        except OSError as error:
            if error.errno not in _NO_LINKS:
                raise
            if path.exists():
                return False
            os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    _flush_directory(path.parent)
    return True


def write_replacing(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, replacing what is there in one step. Complete or absent after a crash."""
    temporary = _flushed_temporary(path, text)
    try:
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _flush_directory(path.parent)


def _flushed_temporary(path: Path, text: str) -> str:
    # Made readable by its owner only (mkstemp): a case file holds personal data.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return temporary


def _flush_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
