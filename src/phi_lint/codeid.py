"""phi-lint's code digest, importable without the rest of phi-lint.

The cache keys every entry by it (`cache.code_digest`), and the warm server's client (`server.py`)
names the server's socket by it: the client computes it before importing anything heavy, so this
module imports only the standard library modules a bare interpreter already has (and hashlib).
"""

from __future__ import annotations

import functools
import hashlib
import os

import phi_lint


def digest_of(*parts: object) -> str:
    """A short, stable digest of strings/bytes/numbers (never of `hash()`, which is salted per process)."""
    # One buffer hashed once is the digest of the same bytes fed part by part (the facts and PHI model
    # keys of a large org have thousands of parts: two hash updates each cost more than the join).
    chunks: list[bytes] = []
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        chunks.append(len(data).to_bytes(8, "little"))
        chunks.append(data)
    return hashlib.sha256(b"".join(chunks)).hexdigest()[:40]


def rules_dir_name() -> str:
    """`rules/` ships inside the wheel as phi_lint/_data/rules; in a source checkout it is top level."""
    package = os.path.dirname(phi_lint.__file__)
    packaged = os.path.join(package, "_data", "rules")
    if os.path.isdir(packaged):
        return packaged
    return os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(package))), "rules")


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """phi-lint's version plus the size and mtime of its own modules and rule files.

    A released wheel changes with its version; a development checkout changes when someone edits a
    rule, and the cache must never serve results of the old code. Costs about one stat per file, once
    per process (the code a process runs does not change while it runs).
    """
    package = os.path.dirname(phi_lint.__file__)
    parts: list[str] = [phi_lint.__version__]
    for root in (package, rules_dir_name()):
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith((".py", ".toml", ".scm")):
                    try:
                        st = os.stat(os.path.join(dirpath, name))
                    except OSError:
                        continue
                    parts.append(f"{dirpath}/{name}:{st.st_size}:{st.st_mtime_ns}")
    return digest_of(*parts)
