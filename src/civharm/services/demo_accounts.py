"""Sign-in accounts for the simulated demo: one per role, with generated passwords.

Only a database marked simulated gets them: accounts with passwords written to a file have
no place beside real data. The passwords are written to ``demo-accounts.txt`` in the demo's
data folder, readable by its owner only (mode 0600), and returned to the caller, who may
print them. Running it again gives every demo account a new password (and its role back).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import NamedTuple

from civharm.domain.permissions import Role
from civharm.services import accounts
from civharm.services.errors import UserError
from civharm.services.flags import is_simulated

ACCOUNTS_FILE = "demo-accounts.txt"
DEMO_ROLES = (Role.ADMIN, Role.ANALYST, Role.REVIEWER, Role.WITNESS_HANDLER, Role.VIEWER,
              Role.VOLUNTEER)


class DemoAccount(NamedTuple):
    username: str
    role: str
    password: str


def demo_username(role: Role) -> str:
    return "demo-" + role.value.replace("_", "-")


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600 from the first byte: a temporary file
    made private, then renamed over the old one, so no moment exists when another user of
    the machine could read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".demo-accounts-",
                                         suffix=".tmp")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


def create_demo_accounts(data_dir: Path | str) -> list[DemoAccount]:
    """Make (or renew) one account per role on the simulated demo database; write their
    user names and passwords to ``data_dir / demo-accounts.txt`` (mode 0600) and return
    them as (username, role, password). Refused on a database not marked simulated.

    The audit entries name the local operator, as every account change made from the
    command line does."""
    if not is_simulated():
        raise UserError("demo accounts are made only in the simulated demo database; this "
                        "database is not marked simulated")
    from civharm.store.models import Account

    made: list[DemoAccount] = []
    for role in DEMO_ROLES:
        username = demo_username(role)
        existing = Account.objects.select_related("user").filter(user__username=username).first()
        if existing is None:
            password = accounts.add_user(username, role)
        else:
            password = accounts.set_password(username)
            if existing.role != role.value:
                accounts.set_role(username, role)
            if not existing.user.is_active:
                accounts.enable(username)
        if not password:  # pragma: no cover - both generate a password when none is given
            raise UserError(f"no password was generated for {username}")
        made.append(DemoAccount(username, role.value, password))
    lines = ["# civharm demo accounts: SIMULATED DATA only. Anyone who reads this file can",
             "# sign in as these users; it is readable by its owner only.",
             "# username\trole\tpassword"]
    lines += [f"{a.username}\t{a.role}\t{a.password}" for a in made]
    _write_private(Path(data_dir) / ACCOUNTS_FILE, "\n".join(lines) + "\n")
    return made
