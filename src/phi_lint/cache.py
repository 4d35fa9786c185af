"""The persistent cache in `.phi-lint-cache/`: per-file results and the project-wide facts of `prepare()`.

What a cached per-file result depends on, all of it in the key:
- the file's bytes (sha256) and its relative path (findings carry it; per-file-ignores match it);
- the files a rule may read beside it: an Apex class's `-meta.xml` (API version), the other files of an
  LWC/Aura bundle, the `.object-meta.xml` of a field's object;
- phi-lint's version and a digest of its own code and rule files (so a development checkout never
  serves results of older rule code), the config digest, the enabled rules and their options;
- a digest of the project-wide facts: the PHI model and `project.facts` (Apex method summaries). The
  facts digest is taken over their *content* (for the summaries, over the per-file records they are
  built from), so an edit that leaves every summary unchanged invalidates only the edited file, while
  an edit that changes a wrapper's summary invalidates every dependant.

A per-file result with nothing in it (no finding, no notification: most files of a project) is not an
entry of its own but a key in the clean-results index (`Cache.is_clean`), kept like the stat index as
a base and a delta entry.

Analyzers may also keep state between runs (`last_state` / `save_state`, one entry per analyzer and
salt): the Apex analyzer keeps each file's record there and re-analyses only what an edit can affect.

Safety:
- Concurrent runs: every entry is written to a temporary file and moved into place with os.replace,
  so a reader sees either the old entry, the new one or none; two writers of one key write the same bytes.
- Corrupt or foreign entries: each entry carries an HMAC-SHA256 over its key and payload with a secret
  kept outside the project (`$PHI_LINT_CACHE_KEY`, else `~/.cache/phi-lint/cache-key`). A truncated,
  edited or committed-by-someone-else entry fails the check and is ignored (then rewritten): entries
  are pickles, and a pickle from an untrusted pull request must never be loaded.
- Any OSError while reading or writing the cache degrades to "no cache", never to a failed run.

Size: every edit of the project writes new entries (its per-file results, the Apex facts of that state
of the project), and a new phi-lint version or config orphans the old ones. So entries are aged: an
entry read by a run has its mtime refreshed (at most once a day), and once a day a run deletes the
entries nobody used for `MAX_AGE_DAYS` (`prune_if_due`); a key of the clean-results index carries the
day it was last confirmed and is dropped when the index is next rewritten after `MAX_AGE_DAYS`.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import hmac
import itertools
import os
import pickle
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar, cast

# Re-exported: the cache keys every entry by them (codeid.py is importable without the rest of phi-lint).
from phi_lint.codeid import code_digest as code_digest
from phi_lint.codeid import digest_of as digest_of

FORMAT_VERSION = "1"
T = TypeVar("T")
_V = TypeVar("_V")

_MAGIC = b"PHILINT" + FORMAT_VERSION.encode()
_MAC_SIZE = hashlib.sha256().digest_size
# A file whose mtime is this close to the moment it was hashed may change again within the same
# timestamp tick; its stat entry is not trusted (git's "racily clean" problem).
RACY_SECONDS = 2.0
# Entries no run has used for this long are deleted (see Cache.prune_if_due), at most once a day.
MAX_AGE_DAYS = 7
_PRUNE_EVERY_SECONDS = 86400.0
# A used entry's mtime is refreshed when older than this (one utime per entry per day, not per read).
_TOUCH_AFTER_SECONDS = 86400.0
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by phi-lint.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)


def user_cache_dir() -> Path:
    """phi-lint's folder in the user's cache directory (the cache key, the parsed rules): outside any
    project. Raises RuntimeError when there is no home directory."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "phi-lint"


def _secret() -> bytes | None:
    """The HMAC key. Kept outside the project so a committed cache directory cannot forge entries."""
    env = os.environ.get("PHI_LINT_CACHE_KEY")
    if env:
        return env.encode("utf-8")
    try:
        base = user_cache_dir()
    except RuntimeError:  # no home directory
        return None
    key_file = base / "cache-key"
    try:
        key = key_file.read_bytes()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    try:
        import tempfile  # only the first run on this machine needs it

        base.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=base, prefix=".key-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
        os.chmod(tmp, 0o600)
        try:
            # Two first runs at once: the first link wins and both then read the same key.
            os.link(tmp, key_file)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        key = key_file.read_bytes()
        return key if len(key) >= 32 else None
    except OSError:
        return None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(value: Any, out: list[str], depth: int = 0) -> None:
    """Write a canonical text form of `value`: dict and set order never matter (set iteration order
    differs between processes because str hashing is salted), dataclasses and plain objects are read
    field by field."""
    if depth > 200:
        out.append("<deep>")
        return
    if value is None or isinstance(value, (bool, int, float, str, bytes, Enum)):
        out.append(repr(value))
    elif getattr(value, "inputs_digest", None) is not None:
        # An object that knows a digest of its content (Apex summaries: from the per-file records
        # they were built from) spares the walk over every part of it.
        out.append(f"{type(value).__qualname__}#{value.inputs_digest}")
    elif isinstance(value, Mapping):
        items = []
        for k, v in value.items():
            key_part: list[str] = []
            _canonical(k, key_part, depth + 1)
            val_part: list[str] = []
            _canonical(v, val_part, depth + 1)
            items.append("".join(key_part) + ":" + "".join(val_part))
        out.append("{" + ",".join(sorted(items)) + "}")
    elif isinstance(value, (set, frozenset)):
        parts = []
        for item in value:
            sub: list[str] = []
            _canonical(item, sub, depth + 1)
            parts.append("".join(sub))
        out.append("set(" + ",".join(sorted(parts)) + ")")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for item in value:
            _canonical(item, out, depth + 1)
            out.append(",")
        out.append("]")
    elif is_dataclass(value) and not isinstance(value, type):
        out.append(type(value).__qualname__ + "(")
        for f in fields(value):
            out.append(f.name + "=")
            _canonical(getattr(value, f.name), out, depth + 1)
            out.append(",")
        out.append(")")
    elif hasattr(value, "__dict__") and not callable(value):
        out.append(type(value).__qualname__ + "(")
        _canonical(vars(value), out, depth + 1)
        out.append(")")
    elif hasattr(value, "__slots__"):
        slots = [s for cls in type(value).__mro__ for s in getattr(cls, "__slots__", ())]
        out.append(type(value).__qualname__ + "(")
        _canonical({s: getattr(value, s, None) for s in slots}, out, depth + 1)
        out.append(")")
    else:
        out.append(type(value).__qualname__ + ":" + repr(value))


def stable_digest(value: Any) -> str:
    """Digest of a value's content, the same in every process (used for PHI model and facts)."""
    out: list[str] = []
    _canonical(value, out)
    return sha256_hex("".join(out).encode("utf-8", "surrogatepass"))[:40]


def phi_model_digest(model: Any) -> str:
    """Digest of the PHI model. Its repr lists settings and every field's facts in the order the
    metadata files were read (sorted), which is the same in every process, and is far cheaper than
    the canonical walk on an org with thousands of fields. Its sets (the objects with an object file,
    the custom settings), whose repr order differs between processes, are written sorted: the model
    always holds them, and the canonical walk they used to send it to was 4% of a pre-commit check
    at 1,000 classes. A digest that also depends on the order of the metadata dicts is only finer
    (that order is the order the files were read in). Falls back to the canonical walk for a set
    that cannot be sorted."""
    if not is_dataclass(model) or isinstance(model, type):
        return stable_digest(model)
    parts: list[tuple[str, Any]] = []
    for f in fields(model):
        value = getattr(model, f.name)
        if isinstance(value, (set, frozenset)):
            try:
                value = ("set", sorted(value))
            except TypeError:
                return stable_digest(model)
        parts.append((f.name, value))
    return sha256_hex(repr((type(model).__qualname__, parts)).encode("utf-8", "surrogatepass"))[:40]


class Cache:
    """A directory of HMAC-signed pickles, one per key, plus a stat index of content hashes."""

    def __init__(self, directory: Path, secret: bytes, freeze_loaded: bool = False) -> None:
        self.directory = directory
        self._secret = secret
        # See `open`.
        self.freeze_loaded = freeze_loaded
        self._entries = directory / f"v{FORMAT_VERSION}"
        self._stat_index: dict[str, tuple[int, int, int, str, int]] | None = None
        # The stat index entries this run added or changed (written by `flush`), and the size of the
        # base entry it loaded.
        self._stat_changes: dict[str, tuple[int, int, int, str, int]] = {}
        self._stat_base_size = 0
        # The clean-results index (`is_clean`), loaded on first use, and what this run added to it.
        self._clean: dict[str, int] | None = None
        self._clean_added: dict[str, int] = {}
        self._clean_base_size = 0
        # Entry folders known to exist (created or seen by this process).
        self._folders: set[str] = set()
        # While a run is under way (`begin_run`): each file's stat and content hash, taken once. The
        # engine, the facts key and the Apex analyzer each asked for every Apex class's (three stats
        # per class, and the edited class, too recent for the stat index, hashed three times).
        self._run_stats: dict[str, os.stat_result | None] | None = None
        self._run_digests: dict[str, str | None] | None = None
        self.hits = 0
        self.misses = 0
        self.writes = 0

    @classmethod
    def open(cls, directory: Path, freeze_loaded: bool = False) -> Cache | None:
        """The cache at `directory`, created on first use; None when it cannot be used (read-only disk,
        no home directory for the key): the run then goes on without a cache.

        `freeze_loaded` (for a process that owns its garbage collector: the command line) moves what
        an entry's unpickling built into the collector's permanent generation (`gc.freeze`): the
        records of a large org are a few hundred thousand containers that live until the run ends, and
        the first collection after loading them would traverse them all (30 ms at 1,000 classes, a
        sixth of a pre-commit check) to free nothing. Everything allocated before is frozen too, so
        a program that relies on collecting its own reference cycles must leave this off."""
        secret = _secret()
        if secret is None:
            return None
        try:
            entries = directory / f"v{FORMAT_VERSION}"
            entries.mkdir(parents=True, exist_ok=True)
            tag = directory / "CACHEDIR.TAG"
            if not tag.exists():
                atomic_write_bytes(tag, _CACHEDIR_TAG.encode())
                # Never committed by accident (a committed cache would be ignored anyway: see HMAC).
                atomic_write_bytes(directory / ".gitignore", b"# Created by phi-lint\n*\n")
        except OSError:
            return None
        return cls(directory, secret, freeze_loaded)

    # ---- entries ----------------------------------------------------------------------------------
    def _path(self, namespace: str, key: str) -> Path:
        return self._entries / namespace / key[:2] / key[2:]

    def _mac(self, namespace: str, key: str, payload: bytes) -> bytes:
        return _entry_mac(self._secret, namespace, key, payload)

    def get(self, namespace: str, key: str) -> Any | None:
        """The stored value, or None when absent, corrupt, forged or unreadable."""
        path = self._path(namespace, key)
        if _touched is not None:
            _touched.append(str(path))
        try:
            with open(path, "rb") as stream:
                modified = os.fstat(stream.fileno()).st_mtime
                blob = stream.read()
        except OSError:
            self.misses += 1
            return None
        if _warm:
            value = _warm_value(str(path), blob, self._secret)
            if value is not _NOT_WARM:
                self.hits += 1
                if time.time() - modified > _TOUCH_AFTER_SECONDS:
                    with contextlib.suppress(OSError):
                        os.utime(path)
                return value
        payload = _signed_payload(blob, self._secret, namespace, key)
        if payload is None:
            self.misses += 1
            return None
        try:
            value = _unpickle(payload, self.freeze_loaded)
        except Exception:  # a class renamed between versions, say: treat as a miss
            self.misses += 1
            return None
        self.hits += 1
        if time.time() - modified > _TOUCH_AFTER_SECONDS:
            with contextlib.suppress(OSError):  # still in use: not pruned (see prune_if_due)
                os.utime(path)
        return value

    def prune_if_due(self) -> int:
        """Once a day (the first run after a day has passed), delete the entries that no run has read or
        written for `MAX_AGE_DAYS`. Returns how many were deleted."""
        marker = self.directory / "last-pruned"
        now = time.time()
        try:
            if now - marker.stat().st_mtime < _PRUNE_EVERY_SECONDS:
                return 0
        except FileNotFoundError:
            pass
        except OSError:
            return 0
        deleted = 0
        cutoff = now - MAX_AGE_DAYS * 86400
        for dirpath, _, filenames in os.walk(self._entries):
            for name in filenames:
                entry = os.path.join(dirpath, name)
                with contextlib.suppress(OSError):
                    if os.stat(entry).st_mtime < cutoff:
                        os.unlink(entry)
                        deleted += 1
        with contextlib.suppress(OSError):
            atomic_write_bytes(marker, b"")
        return deleted

    def delete(self, namespace: str, key: str) -> None:
        """Remove an entry (nothing when it is absent; a run reading it meanwhile sees a miss)."""
        with contextlib.suppress(OSError):
            os.unlink(self._path(namespace, key))

    def put(self, namespace: str, key: str, value: Any) -> bool:
        """Store a value; False (and nothing written) when it cannot be pickled or written."""
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            return False
        return self.put_pickled(namespace, key, payload)

    def put_pickled(self, namespace: str, key: str, payload: bytes) -> bool:
        """`put` of a value already pickled (with `pickle.dumps`)."""
        blob = _MAGIC + self._mac(namespace, key, payload) + payload
        path = self._path(namespace, key)
        try:
            folder = str(path.parent)
            if folder not in self._folders:  # a cold run writes thousands of entries into 256 folders
                path.parent.mkdir(parents=True, exist_ok=True)
                self._folders.add(folder)
            atomic_write_bytes(path, blob)
        except OSError:
            return False
        self.writes += 1
        if _touched is not None:
            _touched.append(str(path))
        return True

    # ---- content hashes ---------------------------------------------------------------------------
    def _load_stat_index(self) -> dict[str, tuple[int, int, int, str, int]]:
        if self._stat_index is None:
            base = self._index_entry(STAT_INDEX)
            self._stat_base_size = len(base)
            self._stat_index = {**base, **self._index_entry(STAT_INDEX_DELTA)}
        return self._stat_index

    def _index_entry(self, key: str) -> dict[str, Any]:
        loaded = self.get("index", key)
        return loaded if isinstance(loaded, dict) else {}

    def begin_run(self) -> None:
        """From now until `end_run`, each file is stat'ed and hashed once (`stat`, `content_digest`):
        the run sees one state of each file, however many parts of it ask. Runs that reuse a `Cache`
        object (tests, a long-lived caller) see the files' new states in the next run."""
        self._run_stats, self._run_digests = {}, {}

    def end_run(self) -> None:
        self._run_stats = self._run_digests = None

    def stat(self, path: Path | str) -> os.stat_result | None:
        """`os.stat(path)`, or None when it fails; taken once per file during a run (`begin_run`)."""
        memo = self._run_stats
        if memo is None:
            try:
                return os.stat(path)
            except OSError:
                return None
        key = str(path)
        try:
            return memo[key]
        except KeyError:
            pass
        try:
            st: os.stat_result | None = os.stat(key)
        except OSError:
            st = None
        memo[key] = st
        return st

    def content_digest(self, path: Path | str, st: os.stat_result | None = None) -> str | None:
        """sha256 of a file's bytes, from the stat index when size, mtime and inode are unchanged
        (like git's index), else by reading it. None when the file cannot be read. `path` may be the
        absolute path's string (the PHI model asks this of every field file of the project). During
        a run (`begin_run`) each file's is taken once: `st`, if given, must be `self.stat(path)`."""
        key = str(path)
        digests = self._run_digests
        if digests is not None:
            try:
                return digests[key]
            except KeyError:
                pass
        digest = self._content_digest(key, st or self.stat(key))
        if digests is not None:
            digests[key] = digest
        return digest

    def _content_digest(self, key: str, st: os.stat_result | None) -> str | None:
        if st is None:
            return None
        known = self._load_stat_index().get(key)
        if known is not None and known[:3] == (st.st_size, st.st_mtime_ns, st.st_ino):
            return known[3]
        try:
            data = Path(key).read_bytes()
        except OSError:
            return None
        digest = sha256_hex(data)
        self.remember_digest(key, st, digest)
        return digest

    def remember_digest(self, path: Path | str, st: os.stat_result, digest: str) -> None:
        now = time.time_ns()
        if now - st.st_mtime_ns < RACY_SECONDS * 1e9:
            return  # may change again within the same mtime tick; hash it again next time
        entry = (st.st_size, st.st_mtime_ns, st.st_ino, digest, now)
        self._load_stat_index()[str(path)] = self._stat_changes[str(path)] = entry

    def flush(self) -> None:
        """Write what this run added to the stat index and the clean-results index (each merged with
        what a concurrent run may have written)."""
        if self._stat_changes:
            self._stat_base_size = self._write_index(
                STAT_INDEX, STAT_INDEX_DELTA, self._stat_changes, self._stat_base_size
            )
            self._stat_changes = {}
        if self._clean_added:
            today = _today()
            self._clean_base_size = self._write_index(
                CLEAN_INDEX,
                CLEAN_INDEX_DELTA,
                self._clean_added,
                self._clean_base_size,
                # Folded keys not confirmed for MAX_AGE_DAYS go, as unused entries are pruned.
                keep=lambda day: today - day <= MAX_AGE_DAYS,
            )
            self._clean_added = {}

    def _write_index(
        self,
        base_key: str,
        delta_key: str,
        changes: dict[str, _V],
        base_size: int,
        keep: Callable[[_V], bool] | None = None,
    ) -> int:
        """Store `changes` to an index kept as a base entry and a delta entry; returns the base's size.
        The index of a large project weighs most of a megabyte, and a pre-commit check after an edit
        changes one entry of it: the changes go to the small delta, and the base is rewritten (the
        delta folded in, entries failing `keep` dropped) only when the delta has grown past a part
        of it. A concurrent run's changes lost by the read-modify-write are only misses later."""
        delta = {**self._index_entry(delta_key), **changes}
        if base_size and len(delta) <= max(STAT_DELTA_MIN_ENTRIES, base_size // 8):
            self.put("index", delta_key, delta)
            return base_size
        base = {**self._index_entry(base_key), **delta}
        if keep is not None:
            base = {key: value for key, value in base.items() if keep(value)}
        # The base first: a run reading between the two writes finds each entry at least once.
        if self.put("index", base_key, base):
            self.put("index", delta_key, {})
            return len(base)
        return base_size

    # ---- results with nothing to report ------------------------------------------------------------
    # Most files of a project have no finding and no notification (72% at 5,000 synthetic classes).
    # Their results are one index of keys rather than an entry file each: a cold run of a large org
    # created ten thousand files for them (a file creation costs the parent ~0.1 ms, a fifth of its
    # serial time), and a warm run opened as many.
    def _load_clean(self) -> dict[str, int]:
        if self._clean is None:
            base = self._index_entry(CLEAN_INDEX)
            self._clean_base_size = len(base)
            self._clean = {**base, **self._index_entry(CLEAN_INDEX_DELTA)}
        return self._clean

    def is_clean(self, key: str) -> bool:
        """Whether the result stored for `key` (an entry key of `namespace` "file") is empty."""
        day = self._load_clean().get(key)
        if day is None:
            return False
        self.hits += 1
        if _today() - day >= 1:
            # Confirmed in use, at most once a day per key (as a used entry's mtime is refreshed).
            self._clean_added[key] = _today()
        return True

    def mark_clean(self, key: str) -> None:
        """Remember that the result for `key` is empty (written by `flush`)."""
        known = self._load_clean()
        if key not in known:
            known[key] = self._clean_added[key] = _today()
        self.writes += 1


# The stat index's keys (namespace "index"): its base and the delta of the runs since the base was
# written (see `Cache.flush`). A delta with up to this many entries (or an eighth of the base) is kept
# as it is.
STAT_INDEX = "stat-index"
STAT_INDEX_DELTA = "stat-index-delta"
STAT_DELTA_MIN_ENTRIES = 256
# The clean-results index (see `Cache.is_clean`): file-entry keys -> the day each was last confirmed.
CLEAN_INDEX = "clean-results"
CLEAN_INDEX_DELTA = "clean-results-delta"


def _today() -> int:
    return int(time.time() // 86400)


class FileMemo:
    """Values computed from one file each (a field file's facts for the PHI model), remembered across
    runs by the file's content hash, so an unchanged file is neither read nor parsed again.

    The content hash comes from the cache's stat index (size, mtime and inode unchanged: no read),
    so the trust is the same as for every cached result. Entries are keyed by phi-lint's code digest:
    a change to the code that computes the values starts afresh. Only files asked for in this run
    are kept, so deleted files drop out. A computation that raises is not remembered.
    """

    def __init__(self, cache: Cache, name: str) -> None:
        self._cache = cache
        self._key = digest_of(code_digest(), name)
        self._known: dict[str, tuple[str, Any]] | None = None
        self._used: dict[str, tuple[str, Any]] = {}
        self._computed = 0

    def get(self, path: Path, compute: Callable[[], T]) -> T:
        digest = self._cache.content_digest(path)
        if digest is None:
            return compute()  # unreadable: the computation reports it (or raises) as without a memo
        if self._known is None:
            loaded = self._cache.get("index", self._key)
            self._known = loaded if isinstance(loaded, dict) else {}
        key = str(path)
        known = self._known.get(key)
        if known is not None and known[0] == digest:
            self._used[key] = known
            return cast(T, known[1])
        value = compute()
        self._used[key] = (digest, value)
        self._computed += 1
        return value

    def flush(self) -> None:
        """Store what this run used, if it differs from what was stored."""
        if self._computed or (self._known is not None and self._known.keys() != self._used.keys()):
            self._cache.put("index", self._key, self._used)
            self._computed = 0


# A folder's signature: (size, mtime_ns, inode) as the stat index trusts a file's, plus the ctime (which
# no program can set back: an archive extracted over the tree, or `touch -d`, may restore a folder's
# mtime, never its ctime); None for a folder that did not exist (or could not be stat'ed) when the
# listing was made.
FolderSignature = tuple[int, int, int, int] | None


_NO_SIGNATURE = (-1, -1, -1, -1)


def _folder_signature(path: str) -> FolderSignature:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


class FolderMemo:
    """Results computed from the listings of folders (the files of a project walk, the metadata files
    the PHI model reads), remembered with the stat signature of every folder listed, so that an
    unchanged tree is proven by one stat per folder instead of a listing of each and a pass over every
    entry.

    Why a signature stands for a listing: creating, deleting or renaming an entry changes its
    folder's mtime and ctime (POSIX; git's untracked cache relies on the same), and replacing the
    folder changes its inode. A folder whose mtime is within `RACY_SECONDS` of the moment the listing
    began may change again within the same mtime tick (the stat index's "racily clean" rule): a
    result that listed one is not remembered. The signatures are taken after the listing, so a folder
    changed while it was being listed has a recent mtime and is caught by that rule; a change after
    that gives the folder a recent mtime, never the old one remembered. What a listing does not
    cover (the target of a symbolic link, which may change without any listed folder changing) the
    computation must report: it then returns None for its folders and nothing is remembered.

    One entry per key (in the "index" namespace), rewritten only when the result is computed again.
    Keys carry phi-lint's code digest, so a change to the walking code starts afresh."""

    def __init__(self, cache: Cache, name: str) -> None:
        self._cache = cache
        self._name = digest_of(code_digest(), name)
        self.reused = 0
        self.computed = 0
        # Folders found unchanged by this memo (one per run: the project's), each stat'ed once: the
        # project walk and the metadata listing both list the package's folders.
        self._unchanged: dict[str, FolderSignature] = {}

    def _holds(self, signatures: tuple[tuple[str, FolderSignature], ...]) -> bool:
        unchanged = self._unchanged
        for folder, signature in signatures:
            if unchanged.get(folder, _NO_SIGNATURE) == signature:
                continue
            if _folder_signature(folder) != signature:
                return False
            unchanged[folder] = signature
        return True

    def get(self, key_parts: Iterable[object], compute: Callable[[], tuple[T, list[str] | None]]) -> T:
        """The result of `compute` for `key_parts`; `compute` returns its result and the folders it
        listed (None: not to be remembered)."""
        key = digest_of(self._name, *key_parts)
        stored = self._cache.get("index", key)
        if isinstance(stored, tuple) and len(stored) == 2 and isinstance(stored[0], tuple):
            signatures, value = stored
            if self._holds(signatures):
                self.reused += 1
                return cast(T, value)
        started = time.time_ns()
        value, folders = compute()
        self.computed += 1
        if folders is not None:
            signatures = tuple((folder, _folder_signature(folder)) for folder in dict.fromkeys(folders))
            racy = started - int(RACY_SECONDS * 1e9)
            if all(signature is None or signature[1] < racy for _, signature in signatures):
                self._cache.put("index", key, (signatures, value))
        return value

    def __reduce__(self) -> tuple[Any, ...]:
        # A project sent to a spawned worker (by pickle) goes without it: the workers list no folders,
        # and the cache it holds (with its key) has no business in a pickle.
        return (_no_folder_memo, ())


def _no_folder_memo() -> None:
    return None


def _unpickle(payload: bytes, freeze: bool = False) -> Any:
    """`pickle.loads` with the cyclic garbage collector paused: loading the Apex records builds a few
    hundred thousand containers, each of which would count towards a collection that finds nothing
    to free (the records are all alive); paused, loading them takes less than half the time. With
    `freeze`, the collector never traverses them afterwards either (see `Cache.open`)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        value = pickle.loads(payload)
        if freeze:
            gc.freeze()
        return value
    finally:
        if paused:
            gc.enable()


# ---- the warm server (server.py) -------------------------------------------------------------------
# The server process keeps entries it loaded (`load_warm`): each file's bytes, checked with its HMAC
# key, and the value unpickled from them. A run in a process forked from it (one request) still reads
# each entry's file, but when the bytes are the very bytes the server checked, with the same key, it
# takes the server's value instead of checking and unpickling them again (comparing a few MB of bytes
# costs a millisecond; unpickling the Apex records of 1,000 classes, 45). Nothing is trusted on a
# file's size or time. Each entry is served from memory once per process: the run gets the object
# itself, not a copy, and a second `get` of the key must not see what the first caller did to it (the
# server never does: the run is in a forked child, whose changes stay in its copy-on-write pages).


@dataclass(frozen=True)
class WarmEntry:
    blob: bytes
    value: Any
    # What a deriver (`WARM_DERIVERS`) computed from the value in the server: (the object it belongs
    # to, the data), or None.
    derived: tuple[object, Any] | None = None


# By entry namespace: a function computing, in the server, data that a run would compute from the
# entry's value (a pure function of it, so of the entry's bytes): (the part of the value it belongs to,
# the data), or None. A child served the entry asks for it with `warm_derived(that part)`. The Apex
# records register one (`incremental`): the summary store seeded with every record of a base entry.
WARM_DERIVERS: dict[str, Callable[[Any], tuple[object, Any] | None]] = {}


_NOT_WARM = object()
_warm: dict[str, WarmEntry] = {}
_warm_secret = b""
# Set (to a list) in a server's child: the entry files its run read or wrote, so the server loads them
# for the next request.
_touched: list[str] | None = None


# In a server's child: the entries it took from `_warm`, kept referenced until the child exits (with
# os._exit, which frees nothing). Dropped by the run instead, the Apex records of a large org would be
# freed object by object when prepare() is done with them (15 ms at 1,000 classes), each free writing
# to a page the child shares with the server (a copy of the page).
_served: list[WarmEntry] = []


def _warm_value(path: str, blob: bytes, secret: bytes) -> Any:
    entry = _warm.pop(path, None)
    if entry is None or entry.blob != blob or not hmac.compare_digest(secret, _warm_secret):
        return _NOT_WARM
    _served.append(entry)
    if entry.derived is not None:
        _derived[id(entry.derived[0])] = entry.derived
    return entry.value


# In a server's child: the derived data of the entries served so far, by the id of the object each
# belongs to (kept alive by `_served`, so an id cannot be reused).
_derived: dict[int, tuple[object, Any]] = {}


def warm_derived(owner: object) -> Any | None:
    """The data the server derived from the served entry value `owner` belongs to (see
    `WARM_DERIVERS`), once per process (the caller may change it), or None."""
    found = _derived.pop(id(owner), None)
    return found[1] if found is not None and found[0] is owner else None


def touched_entries() -> list[str] | None:
    return _touched


def record_touched_entries() -> None:
    """From now on, remember the entry files this process reads and writes (a server's child)."""
    global _touched
    _touched = []


def load_warm(paths: Iterable[str], secret: bytes, max_bytes: int) -> int:
    """In the server: keep the entries at `paths` (files of a cache's entry folder) in memory, checked
    with `secret`, for the processes forked from now on; an entry kept before whose bytes are
    unchanged is not unpickled again. Adds no entry past `max_bytes` of files. Returns the number kept."""
    global _warm, _warm_secret
    previous = _warm if secret == _warm_secret else {}
    kept: dict[str, WarmEntry] = {}
    total = 0
    paused = gc.isenabled()
    gc.disable()  # see _unpickle
    try:
        for path in dict.fromkeys(paths):
            try:
                with open(path, "rb") as stream:
                    blob = stream.read(max_bytes - total + 1)
            except OSError:
                continue
            if total + len(blob) > max_bytes:
                continue
            entry = previous.get(path)
            if entry is None or entry.blob != blob:
                entry = _checked_entry(path, blob, secret)
            if entry is not None:
                kept[path] = entry
                total += len(blob)
    finally:
        if paused:
            gc.enable()
    _warm, _warm_secret = kept, secret
    return len(kept)


def _checked_entry(path: str, blob: bytes, secret: bytes) -> WarmEntry | None:
    # The entry's namespace and key from its place: <entries>/<namespace>/<key[:2]>/<key[2:]>.
    folder, rest = os.path.split(path)
    namespace_dir, head = os.path.split(folder)
    namespace = os.path.basename(namespace_dir)
    key = head + rest
    payload = _signed_payload(blob, secret, namespace, key)
    if payload is None:
        return None  # never unpickle what the key did not sign
    try:
        value = pickle.loads(payload)
    except Exception:
        return None
    derived = None
    deriver = WARM_DERIVERS.get(namespace)
    if deriver is not None:
        try:
            derived = deriver(value)
        except Exception:  # a child computes it as without a server
            derived = None
    return WarmEntry(blob, value, derived)


def _entry_mac(secret: bytes, namespace: str, key: str, payload: bytes) -> bytes:
    return hmac.new(secret, f"{namespace}\0{key}\0".encode() + payload, hashlib.sha256).digest()


def _signed_payload(blob: bytes, secret: bytes, namespace: str, key: str) -> bytes | None:
    """An entry file's pickled payload when the file is an entry that `secret` signed for this
    namespace and key; None for anything else (truncated, foreign, forged)."""
    head = len(_MAGIC) + _MAC_SIZE
    if len(blob) < head or not blob.startswith(_MAGIC):
        return None
    payload = blob[head:]
    if not hmac.compare_digest(blob[len(_MAGIC) : head], _entry_mac(secret, namespace, key, payload)):
        return None
    return payload


_temp_names = itertools.count()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    # A name no other process or thread uses (pid and a counter), created exclusively: cheaper than
    # mkstemp's random names, and as safe (O_EXCL fails rather than reuse a leftover file).
    tmp = os.path.join(path.parent, f".tmp-{os.getpid()}-{next(_temp_names)}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # left by a crashed process whose pid came round again
        os.unlink(tmp)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ---- hook for analyzers' prepare(): cache per-file inputs of the project-wide step -------------------
_active: Cache | None = None
_active_salt = ""


def activate(cache: Cache | None, salt: str) -> None:
    """Set by the engine around `prepare()`; `salt` covers phi-lint's code, config and PHI model."""
    global _active, _active_salt
    _active, _active_salt = cache, salt


def last_state(namespace: str, version: str = "") -> Any | None:
    """What an analyzer's prepare() saved with `save_state` on the last run with the same salt
    (phi-lint's code, config and PHI model), or None. The analyzer must check that the state still
    applies to the files it sees now (the Apex analyzer keys it by file content). With `version`, that
    version of the state (kept until pruned) instead of the latest."""
    cache = _active
    if cache is None:
        return None
    found = cache.get(f"state-{namespace}", digest_of(_active_salt, namespace, version))
    return found[0] if isinstance(found, tuple) and len(found) == 1 else None


def save_state(namespace: str, value: Any) -> None:
    """Replace the state of `namespace` (one entry, overwritten by every run: a project's latest).
    `save_state_version` stores versions that later runs do not overwrite."""
    cache = _active
    if cache is not None:
        cache.put(f"state-{namespace}", digest_of(_active_salt, namespace, ""), (value,))


def save_state_version(namespace: str, value: Any) -> str | None:
    """Store `value` as a version of `namespace`'s state, named by its content (see `last_state`);
    returns that name, or None without a cache or when it cannot be stored."""
    cache = _active
    if cache is None:
        return None
    try:
        payload = pickle.dumps((value,), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return None
    version = sha256_hex(payload)[:40]
    stored = cache.put_pickled(f"state-{namespace}", digest_of(_active_salt, namespace, version), payload)
    return version if stored else None


def delete_state_version(namespace: str, version: str) -> None:
    """Remove a version stored with `save_state_version`."""
    if _active is not None:
        _active.delete(f"state-{namespace}", digest_of(_active_salt, namespace, version))


@dataclass(frozen=True)
class StoredPart:
    """In a cached facts entry: a fact too large to load with the others, stored in its own entry
    (`Project.facts` loads it when first asked for; see engine._prepare_with_cache). `NOT_STORED`
    (an empty key): a fact not stored at all, rebuilt by its package's prepare() when asked for."""

    key: str


NOT_STORED = StoredPart("")


def stat(path: Path | str) -> os.stat_result | None:
    """`os.stat(path)` (None when it fails), through the cache active around `prepare()`: taken once
    per file in a run (see `Cache.begin_run`)."""
    if _active is not None:
        return _active.stat(path)
    try:
        return os.stat(path)
    except OSError:
        return None


def active_salt() -> str:
    """The salt of the cache active around `prepare()`: phi-lint's code, the config and the PHI model."""
    return _active_salt


def active_memo(name: str) -> FileMemo | None:
    """A `FileMemo` in the cache active around `prepare()` (None without a cache). Flush it before
    `prepare()` returns."""
    return FileMemo(_active, name) if _active is not None else None


def sibling_inputs(path: Path, kind: str) -> Iterable[Path]:
    """Files other than `path` whose content a rule may read when checking `path` (see module doc)."""
    if kind == "apex":
        yield path.with_name(path.name + "-meta.xml")
    elif kind in ("js", "template", "aura"):
        try:
            yield from sorted(p for p in path.parent.iterdir() if p != path and p.is_file())
        except OSError:
            return
    elif kind == "xml" and path.parent.name == "fields":
        obj_dir = path.parent.parent
        yield obj_dir / f"{obj_dir.name}.object-meta.xml"
