"""Unexpected failures: an id for the person who met one, the details for the administrator.

A traceback can hold SQL, file paths and data, so people see only an id; the details are
appended under that id to ``CIVHARM_LOG_FILE`` (created readable by its owner only), when
one is set.
"""

from __future__ import annotations

import os
import secrets
import traceback
from datetime import UTC, datetime

from civharm.config import Settings


def keep_failure(error: BaseException) -> tuple[str, bool]:
    """A new error id, and whether the failure's details were written to the log file."""
    error_id = "E-" + secrets.token_hex(4).upper()
    log_file = Settings.from_env().log_file
    if log_file is None:
        return error_id, False
    details = "".join(traceback.format_exception(error))
    try:
        descriptor = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(f"{datetime.now(UTC).isoformat(timespec='seconds')} {error_id}\n"
                         f"{details}\n")
    except OSError:
        return error_id, False
    return error_id, True
