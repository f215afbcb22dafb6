"""Errors a user can act on. Their messages are plain sentences: no traceback, SQL or data."""

from __future__ import annotations

from collections.abc import Sequence

from civharm.ingest.problems import Problem


class UserError(Exception):
    """Something the user asked for cannot be done; the message says why."""


class NotFound(UserError):
    pass


class PermissionDenied(UserError):
    """The principal may not do what it asked; the message is the permission decision's
    reason. The refusal is already in the audit log when this is raised."""


class ImportRejected(UserError):
    """The files had problems; nothing was written."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        files = sorted({p.file for p in self.problems})
        super().__init__(
            f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} in "
            f"{', '.join(files)}; nothing was imported"
        )
