"""TWIN_HOME holds exec-only text and the audit log: it is its owner's alone.

Every command starts with `keep_private(home)`: the process's umask becomes 077 (new files 0600,
new folders 0700: the database, Chroma's files, clips), and anything already under TWIN_HOME
that others could read is brought to the same modes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["keep_private", "new_file_mode"]


def keep_private(home: Path) -> None:
    os.umask(0o077)
    home.mkdir(parents=True, exist_ok=True)
    for path in [home, *home.rglob("*")]:
        info = path.lstat()
        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISDIR(info.st_mode) and mode != 0o700:
            path.chmod(0o700)
        elif stat.S_ISREG(info.st_mode) and mode & 0o077:
            path.chmod(mode & 0o700)  # the owner's bits stay; group and others lose theirs


def new_file_mode() -> int:
    """The mode open() gives a new file under this process's umask: 0644 under 022, 0600 under
    twin's 077. Read from /proc where it can be: reading it with os.umask means setting it, for
    every thread at once (the fallback sets 077 for that moment, the safe direction)."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
        mask = int(next(line.split()[1] for line in lines if line.startswith("Umask:")), 8)
    except (OSError, StopIteration):
        mask = os.umask(0o077)
        os.umask(mask)
    return 0o666 & ~mask
