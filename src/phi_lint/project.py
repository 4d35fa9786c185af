"""Finds the files of an sfdx project: its root, packageDirectories, .forceignore and file kinds.

Also builds the project-wide PHI model from all field metadata, once per run.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import stat
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from phi_lint import xmlsafe
from phi_lint.cache import WARM_DERIVERS, warm_derived
from phi_lint.config import Config
from phi_lint.findings import Notification, NotificationKind, Severity
from phi_lint.phi import FieldFacts, PhiModel, read_field_file, read_object_file

if TYPE_CHECKING:
    from phi_lint.cache import Cache, FileMemo, FolderMemo

_T = TypeVar("_T")

SFDX_PROJECT = "sfdx-project.json"
# Directories that never hold the project's own source.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".sfdx",
        ".sf",
        "node_modules",
        ".phi-lint-cache",
        "__tests__",
        ".localdevserver",
        ".husky",
        ".vscode",
    }
)

# Metadata files the meta/* rules read, by filename suffix (source format and MDAPI format).
METADATA_SUFFIXES = (
    ".field-meta.xml",
    ".object-meta.xml",
    ".object",
    ".permissionset-meta.xml",
    ".permissionset",
    ".profile-meta.xml",
    ".profile",
    ".remoteSite-meta.xml",
    ".remoteSite",
    ".namedCredential-meta.xml",
    ".namedCredential",
    ".externalCredential-meta.xml",
    ".externalCredential",
    ".cspTrustedSite-meta.xml",
    ".cspTrustedSite",
    ".connectedApp-meta.xml",
    ".connectedApp",
    ".sharingRules-meta.xml",
    ".sharingRules",
    ".email-meta.xml",
    ".flow-meta.xml",
    ".flow",
)


def file_kind(path: PurePosixPath | Path) -> str | None:
    """The kind of a file (apex, js, template, aura, xml) or None when phi-lint does not read it."""
    name = path.name
    if not name.endswith(_FOLDER_DEPENDENT_SUFFIXES):
        # Asked for every file of the project, several times a run: only component files need the
        # names of their folders.
        return _kind_of(name, frozenset())
    return _kind_of(name, {p.lower() for p in path.parts[:-1]})


# The suffixes whose kind depends on the folders above the file (see `_kind_of`).
_FOLDER_DEPENDENT_SUFFIXES = (".js", ".html", ".cmp", ".app", ".email")


def _kind_of(name: str, folders: set[str] | frozenset[str]) -> str | None:
    """`file_kind` from a file name and the lower-cased names of the folders above it."""
    if name.endswith((".cls", ".trigger")):
        return "apex"
    if name.endswith(METADATA_SUFFIXES):
        return "xml"
    # An Experience Cloud LWR site keeps its site-scoped components in `sfdc_cms__lwc/<name>/`
    # (under digitalExperiences/site/<site>/), with the same .js/.html as an `lwc/` bundle.
    in_lwc = "lwc" in folders or "sfdc_cms__lwc" in folders
    if name.endswith(".js") and (in_lwc or "aura" in folders) and not name.endswith((".test.js", ".spec.js")):
        return "js"
    if name.endswith(".html") and in_lwc:
        return "template"
    if name.endswith((".cmp", ".app")) and "aura" in folders:
        return "aura"
    if name.endswith(".email") and "email" in folders:
        return "email"  # an email template's body (text, HTML or Visualforce), beside its -meta.xml
    return None


class ForceIgnore:
    """The gitignore-style `.forceignore` of an sfdx project."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._rules: list[tuple[re.Pattern[str], bool, bool]] = []
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            if negate:
                line = line[1:]
            dir_only = line.endswith("/")
            line = line.strip("/") if dir_only else line
            anchored = line.startswith("/") or "/" in line.rstrip("/")
            self._rules.append((self._compile(line.lstrip("/"), anchored), negate, dir_only))

    def signature(self) -> str:
        """What the rules are (for keys of remembered walks)."""
        return repr([(pattern.pattern, negate, dir_only) for pattern, negate, dir_only in self._rules])

    @staticmethod
    def _compile(pattern: str, anchored: bool) -> re.Pattern[str]:
        out = []
        i = 0
        while i < len(pattern):
            c = pattern[i]
            if pattern.startswith("**/", i):
                out.append("(?:.*/)?")
                i += 3
                continue
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c))
            i += 1
        prefix = "" if anchored else "(?:.*/)?"
        return re.compile(f"^{prefix}{''.join(out)}(?:/.*)?$")

    def ignored(self, rel_path: str, is_dir: bool = False) -> bool:
        result = False
        for pattern, negate, dir_only in self._rules:
            if dir_only and not is_dir and not pattern.pattern.endswith("(?:/.*)?$"):
                continue
            if pattern.match(rel_path):
                result = not negate
        return result


class Deferred:
    """A project fact not loaded yet (see `Facts`): `load()` gives its value. `package`: the analyzer
    package whose prepare() produced it ("" when not known)."""

    __slots__ = ("load", "package")

    def __init__(self, load: Callable[[], Any], package: str = "") -> None:
        self.load = load
        self.package = package


class Facts(dict[str, Any]):
    """`Project.facts`: project-wide facts by name. A value may be `Deferred`: a large fact kept in
    the cache (the Apex method summaries of a big org) is loaded only when a file that is not in the
    cache needs it, so a run whose results all come from the cache never unpickles it."""

    def _value(self, key: str, value: Any) -> Any:
        if isinstance(value, Deferred):
            value = value.load()
            super().__setitem__(key, value)
        return value

    def __getitem__(self, key: str) -> Any:
        return self._value(key, super().__getitem__(key))

    def get(self, key: str, default: Any = None) -> Any:
        return self._value(key, super().get(key, default))

    def setdefault(self, key: str, default: Any = None) -> Any:
        return self._value(key, super().setdefault(key, default))

    def pop(self, key: str, *default: Any) -> Any:
        value = super().pop(key, *default)
        return value.load() if isinstance(value, Deferred) else value

    def items(self) -> Any:
        self.load_all()
        return super().items()

    def values(self) -> Any:
        self.load_all()
        return super().values()

    def raw_items(self) -> list[tuple[str, Any]]:
        """The entries as stored, deferred ones not loaded."""
        return list(super().items())

    def load_all(self, packages: Iterable[str | None] | None = None) -> None:
        """Load every deferred fact, or those of the given analyzer packages and of unknown ones
        (before forking workers: each would load its own copy)."""
        wanted = None if packages is None else {*packages, ""}
        for key, value in list(super().items()):
            if isinstance(value, Deferred) and (wanted is None or value.package in wanted):
                self._value(key, value)

    def __reduce__(self) -> Any:
        self.load_all()
        return (Facts, (dict(self),))


@dataclass
class Project:
    root: Path
    config: Config
    package_dirs: list[Path]
    source_api_version: float | None = None
    forceignore: ForceIgnore = field(default_factory=lambda: ForceIgnore([]))
    phi: PhiModel = field(default_factory=PhiModel)
    notifications: list[Notification] = field(default_factory=list)
    # Project-wide facts that analyzers compute before per-file checks (e.g. Apex method summaries),
    # keyed by analyzer name.
    facts: Facts = field(default_factory=Facts)
    _api_versions: dict[str, float | None] = field(default_factory=dict)
    # With a cache: the walks' results, remembered with the stat signatures of the folders they listed.
    listings: FolderMemo | None = field(default=None, repr=False, compare=False)
    # `cache.phi_model_digest` of a PHI model, remembered with the model (see `phi_digest`).
    _phi_digest: tuple[PhiModel, str] | None = field(default=None, repr=False, compare=False)
    _resolved: dict[str, str] = field(default_factory=dict, repr=False)
    _relative: dict[str, str] = field(default_factory=dict, repr=False)

    def phi_digest(self) -> str:
        """`cache.phi_model_digest(self.phi)`: remembered with a model that came from the cache (the
        digest of a large org's model is a repr of every field), computed for any other."""
        from phi_lint.cache import phi_model_digest

        known = self._phi_digest
        if known is not None and known[0] is self.phi:
            return known[1]
        return phi_model_digest(self.phi)

    def resolved(self, path: Path) -> str:
        """`resolve_path(path)` as a string, remembered for the run: the walk, the engine and every
        finding ask for the same few thousand paths, each costing an lstat and path arithmetic."""
        key = str(path)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = str(resolve_path(path))
        return found

    def relative(self, path: Path) -> str:
        """The path relative to the project root (POSIX), remembered for the run like `resolved`."""
        key = str(path)
        found = self._relative.get(key)
        if found is None:
            resolved = Path(self.resolved(path))
            try:
                rel = resolved.relative_to(self.root).as_posix()
            except ValueError:
                rel = Path(os.path.relpath(resolved, self.root)).as_posix()
            found = self._relative[key] = rel if rel.isascii() else printable_path(rel)
        return found

    def api_version_for(self, path: Path) -> float | None:
        """`<apiVersion>` of a class/trigger's -meta.xml, else sourceApiVersion of sfdx-project.json."""
        key = str(path)
        if key not in self._api_versions:
            version = None
            meta = path.with_name(path.name + "-meta.xml")
            try:
                if meta.is_file():
                    text = xmlsafe.child_text(xmlsafe.parse_file(meta), "apiVersion")
                    version = float(text) if text else None
            except (OSError, xmlsafe.XmlError, ValueError):
                version = None
            self._api_versions[key] = version if version is not None else self.source_api_version
        return self._api_versions[key]

    def is_excluded(self, rel_path: str) -> bool:
        if self.forceignore.ignored(rel_path):
            return True
        from fnmatch import fnmatchcase

        return any(fnmatchcase(rel_path, p) or fnmatchcase(rel_path, f"{p}/*") for p in self.config.exclude)

    def iter_files(self, paths: Iterable[Path], kinds: Collection[str] | None = None) -> Iterator[Path]:
        """Analyzable files under `paths`, sorted, skipping .forceignore'd and excluded ones; with
        `kinds`, only the files of those kinds (`file_kind`).

        Missing paths and symlink loops become notifications, never exceptions.
        """
        seen: set[str] = set()
        for start in paths:
            if not start.exists():
                what = "broken or looping symbolic link" if start.is_symlink() else "path does not exist"
                self.notifications.append(
                    Notification(
                        NotificationKind.READ_ERROR,
                        f"{what}: {start}",
                        Severity.ERROR,
                        path=str(start),
                    )
                )
                continue
            if start.is_file():
                kind = file_kind(start)
                if kind and (kinds is None or kind in kinds) and self.resolved(start) not in seen:
                    seen.add(self.resolved(start))
                    yield start
                continue
            for directory in self._source_roots(start):
                for file in self._walk(directory, kinds):
                    resolved = self.resolved(file)
                    if resolved not in seen:
                        seen.add(resolved)
                        yield file

    def _source_roots(self, start: Path) -> list[Path]:
        """A directory that holds package directories (the project root, say) stands for those package
        directories only: `scripts/`, `datasets/` or CumulusCI templates beside them are not source.
        A directory inside a package, or one named explicitly outside all packages, is walked as is."""
        resolved = resolve_path(start)
        inside = [p for p in self.package_dirs if _is_within(resolve_path(p), resolved)]
        if inside and all(resolve_path(p) != resolved for p in self.package_dirs):
            return sorted(p for p in inside if p.is_dir())
        return [start]

    def _walk(self, directory: Path, kinds: Collection[str] | None = None) -> Iterator[Path]:
        """The listed files under `directory`, sorted; remembered (`listings`) while no folder of the
        walk changed."""
        memo = self.listings
        if memo is None:
            found, _ = self._list_tree(directory, kinds)
        else:
            memo_key = (
                "walk",
                str(directory),
                self.relative(directory),
                self.resolved(directory),
                "*" if kinds is None else repr(sorted(kinds)),
                self.forceignore.signature(),
                repr(self.config.exclude),
            )
            found = memo.get(memo_key, functools.partial(self._list_tree, directory, kinds))
        relative, resolved_paths = self._relative, self._resolved
        # In a warm server's child, the listing's paths were made by the server (`_listed_paths`).
        made = warm_derived(found) if memo is not None else None
        paths = made if isinstance(made, list) and len(made) == len(found) else None
        for index, (path_text, rel, resolved) in enumerate(found):
            path = Path(path_text) if paths is None else paths[index]
            key = str(path)
            # Remembered for the run, so the engine's later questions about the file cost nothing.
            relative.setdefault(key, rel)
            resolved_paths.setdefault(key, resolved)
            yield path

    def _list_tree(
        self, directory: Path, kinds: Collection[str] | None
    ) -> tuple[list[tuple[str, str, str]], list[str] | None]:
        """The listed files under `directory` (path, relative path, resolved path), sorted by path
        components, and the folders listed to find them (None when the result depends on more than
        those folders' entries: a symbolic link, an error, a folder gone meanwhile)."""
        visited: set[tuple[int, int]] = set()
        # (directory, its path relative to the root, its resolved path)
        stack = [(directory, self.relative(directory), self.resolved(directory))]
        found: list[tuple[tuple[str, ...], tuple[str, str, str]]] = []
        listed: list[str] | None = []
        while stack:
            current, current_rel, current_resolved = stack.pop()
            try:
                st = current.stat()
            except OSError:
                listed = None
                continue
            if listed is not None:
                listed.append(str(current))
            if (st.st_dev, st.st_ino) in visited:  # symlink loop
                continue
            visited.add((st.st_dev, st.st_ino))
            try:
                entries = sorted(os.scandir(current), key=lambda e: e.name)
            except OSError as exc:
                listed = None
                self.notifications.append(
                    Notification(
                        NotificationKind.READ_ERROR,
                        f"cannot list directory: {exc.strerror}",
                        path=self.relative(current),
                    )
                )
                continue
            outside = current_rel.startswith("..")
            # Folder names above this directory's entries, for `file_kind` (relative path's parts).
            folders = frozenset(p.lower() for p in current_rel.split("/") if p not in ("", "."))
            for entry in entries:
                try:
                    symlink = entry.is_symlink()
                except OSError:
                    symlink = True
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    # A symlink loop (ELOOP): not a directory to walk; if it has a source extension
                    # it is listed, so the analysis reports it as unreadable instead of skipping it.
                    is_dir = False
                kind: str | None = None
                if not (is_dir or symlink or outside):
                    # Most entries of a large project are files not listed (of no kind, or not of
                    # `kinds`): known from the name alone, before any path arithmetic.
                    kind = _kind_of(entry.name, folders)
                    if kind is None or (kinds is not None and kind not in kinds):
                        continue
                if symlink or outside:
                    listed = None  # a link's target may change without any listed folder changing
                    path = Path(entry.path)
                    rel = self.relative(path)
                    resolved = self.resolved(path)
                    kind_folders: frozenset[str] = frozenset(p.lower() for p in PurePosixPath(rel).parts[:-1])
                else:
                    # What `relative` and `resolved` give, without resolving every entry: the
                    # directory's (already resolved) paths plus the name of an entry that is not a
                    # link. Remembered (for the files listed), so the engine's later questions about
                    # the file cost nothing. Paths are built only for what is walked or listed.
                    rel = _child_rel(current_rel, entry.name)
                    resolved = os.path.join(current_resolved, entry.name)
                    kind_folders = folders
                    path = None
                if is_dir:
                    if entry.name in SKIPPED_DIRS or self.forceignore.ignored(rel, is_dir=True):
                        continue
                    stack.append((path or Path(entry.path), rel, resolved))
                elif (kind := kind or _kind_of(entry.name, kind_folders)) and (
                    (kinds is None or kind in kinds) and not self.is_excluded(rel)
                ):
                    path_text = entry.path if path is None else str(path)
                    # Sorted by components: the order of sorting the Paths themselves, but cheaper.
                    found.append((tuple(entry.path.split(os.sep)), (path_text, rel, resolved)))
        found.sort(key=lambda item: item[0])
        return [item for _, item in found], listed


def _listed_paths(value: object) -> tuple[object, list[Path]] | None:
    """In a warm server (`cache.WARM_DERIVERS`): the paths of a remembered walk (`Project._walk`), which
    a child would otherwise make from the listing's strings (a few milliseconds at 1,000 classes)."""
    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], list)):
        return None
    listing = value[1]
    if not all(isinstance(item, tuple) and len(item) == 3 and isinstance(item[0], str) for item in listing):
        return None
    return listing, [Path(item[0]) for item in listing]


WARM_DERIVERS["index"] = _listed_paths


@functools.lru_cache(maxsize=8192)
def _resolved_directory(directory: str) -> Path:
    return resolve_path(Path(directory))


def _child_rel(folder_rel: str, name: str) -> str:
    """`Project.relative` of an entry that is not a symbolic link, from its folder's relative path."""
    joined = f"{folder_rel}/{name}" if folder_rel != "." else name
    return joined if joined.isascii() else printable_path(joined)


def printable_path(rel: str) -> str:
    """A file name that is not valid UTF-8 reaches Python with lone surrogates (surrogateescape), which
    no report can encode: the undecodable bytes are shown as U+FFFD instead."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def resolve_path(path: Path) -> Path:
    """`path.resolve()`, except that a symlink loop (RuntimeError before Python 3.13, OSError after)
    gives the absolute path unresolved (the file is then reported as unreadable, never a crash), and a
    dangling symlink or a vanished file keeps its own name (not its missing target's)."""
    # Fast path (the walk asks for every file of the project): a name that is not a symlink resolves
    # to its resolved directory plus the name, so one lstat replaces a realpath of every component.
    # Directories are resolved once per run (cached); `..` keeps the exact (slow) semantics.
    if path.name and ".." not in path.parts:
        try:
            is_link = stat.S_ISLNK(os.lstat(path).st_mode)
        except OSError:
            is_link = True  # missing or unreadable: the exact rules below decide
        if not is_link:
            return _resolved_directory(os.path.abspath(path.parent)) / path.name
    try:
        return path.resolve(strict=True)
    except FileNotFoundError:
        parent = path.parent
        if parent == path:
            return Path(os.path.abspath(path))
        return resolve_path(parent) / path.name
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def _is_within(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def find_root(start: Path) -> Path:
    current = resolve_path(start)
    if current.is_file():
        current = current.parent
    for candidate in (current, *current.parents):
        if (candidate / SFDX_PROJECT).is_file():
            return candidate
    return resolve_path(start) if start.is_dir() else resolve_path(start).parent


def open_project(root: Path, config: Config, cache: Cache | None = None) -> Project:
    """The project at `root`, with its PHI model. With a cache, field and object files that did not
    change since the last run are not parsed again (their facts are remembered by content hash)."""
    package_dirs: list[Path] = []
    source_api: float | None = None
    notifications: list[Notification] = []
    sfdx = root / SFDX_PROJECT
    if sfdx.is_file():
        try:
            data = json.loads(sfdx.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            entries = data.get("packageDirectories", [])
            if not isinstance(entries, list):
                raise ValueError("packageDirectories is not an array")
            for entry in entries:
                if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                    package_dirs.append(root / entry["path"])
            if data.get("sourceApiVersion"):
                source_api = float(data["sourceApiVersion"])
        except (OSError, UnicodeDecodeError, ValueError, TypeError, RecursionError) as exc:
            notifications.append(
                Notification(NotificationKind.CONFIG, f"cannot read {SFDX_PROJECT}: {exc}", path=SFDX_PROJECT)
            )
    if not package_dirs:
        package_dirs = [root]
    ignore_file = root / ".forceignore"
    forceignore = ForceIgnore([])
    if ignore_file.is_file():
        with contextlib.suppress(OSError):
            forceignore = ForceIgnore(ignore_file.read_text(encoding="utf-8", errors="replace").splitlines())
    project = Project(
        root=root,
        config=config,
        package_dirs=package_dirs,
        source_api_version=source_api,
        forceignore=forceignore,
        notifications=notifications,
    )
    if cache is not None:
        from phi_lint.cache import FolderMemo

        project.listings = FolderMemo(cache, "listings")
    project.phi = build_phi_model(project) if cache is None else _remembered_phi_model(project, cache)
    return project


def build_phi_model(project: Project, memo: FileMemo | None = None) -> PhiModel:
    """Read every field definition in the project's package directories (not only the checked files):
    a PHI field defined in one package is PHI in every class that reads it."""
    return _read_phi_model(project, _metadata_files(project), memo)


def _read_phi_model(project: Project, files: list[_MetadataFile], memo: FileMemo | None) -> PhiModel:
    model = PhiModel(settings=project.config.phi)
    reader = _MetadataReader(project, model, memo)
    for found in files:
        if found.rel is None:
            reader.object_file(Path(found.path))
        else:
            reader.field_file(Path(found.path), found.rel)
    return model


def _remembered_phi_model(project: Project, cache: Cache) -> PhiModel:
    """The PHI model built from the same metadata files' contents by an earlier run, else built (each
    unchanged file's facts from the per-file memo) and remembered. One entry for the whole model,
    keyed by every file's content hash from the stat index: a pre-commit check of a large org found
    its 1,500 field files unchanged one by one (a fifth of the check); now it stats them and loads one
    entry. What the build reported (refused metadata files) is remembered with it."""
    from phi_lint.cache import FileMemo, code_digest, digest_of, phi_model_digest

    files = _metadata_files(project)
    digests = [cache.content_digest(found.path) for found in files]
    key = None
    if None not in digests:  # an unreadable file is reported by the build, which runs every time then
        key = digest_of(
            code_digest(),
            "phi-model",
            str(project.root),
            repr(project.config.phi),
            *(f"{found.path}\0{digest}" for found, digest in zip(files, digests, strict=True)),
        )
        remembered = cache.get(PHI_MODEL_NAMESPACE, key)
        if isinstance(remembered, tuple) and len(remembered) == 3 and isinstance(remembered[0], PhiModel):
            found: PhiModel = remembered[0]
            # Equal to the settings it was built with (the key holds their repr): the digest holds.
            found.settings = project.config.phi
            project.notifications.extend(remembered[1])
            project._phi_digest = (found, remembered[2])
            return found
    memo = FileMemo(cache, "phi-model-files")
    known = len(project.notifications)
    model = _read_phi_model(project, files, memo)
    memo.flush()
    if key is not None:
        # With its digest, taken now as the engine takes it (nothing changes a model once built).
        digest = phi_model_digest(model)
        cache.put(PHI_MODEL_NAMESPACE, key, (model, project.notifications[known:], digest))
    return model


# The cache namespace of whole PHI models (see `_remembered_phi_model`).
PHI_MODEL_NAMESPACE = "phi-model"


class _MetadataFile(NamedTuple):
    """A file the PHI model reads: an object file (`rel` None: it is found again when read) or a
    field file, with its path relative to the project root. Strings, not `Path`s: a large org has
    thousands of field files, and a run on unchanged metadata only stats them."""

    path: str
    rel: str | None = None


def _metadata_files(project: Project) -> list[_MetadataFile]:
    """The field and object files of the project's package directories, in the order the PHI model
    reads them (a later file wins a duplicate field); remembered (`Project.listings`) while none of
    the folders listed to find them changed."""
    memo = project.listings
    if memo is None:
        return _list_metadata_files(project)[0]
    key = ("metadata", str(project.root), *(str(p) for p in project.package_dirs))
    return memo.get(key, functools.partial(_list_metadata_files, project))


class _Listed:
    """The folders a listing read, and whether its result depends on their entries only (see
    `cache.FolderMemo`: a symbolic link's target, or a folder that could not be listed, is more)."""

    def __init__(self) -> None:
        self.folders: list[str] = []
        self.complete = True

    def result(self) -> list[str] | None:
        return self.folders if self.complete else None


def _list_metadata_files(project: Project) -> tuple[list[_MetadataFile], list[str] | None]:
    """`_metadata_files`, and the folders listed to find them (None: not to be remembered)."""
    files: list[_MetadataFile] = []
    listed = _Listed()
    for package in project.package_dirs:
        for objects_dir in _objects_dirs(package, listed):
            listed.folders.append(str(objects_dir))
            try:
                entries = list(os.scandir(objects_dir))
                object_dirs = sorted((e for e in entries if e.is_dir()), key=lambda e: e.name)
            except OSError:
                listed.complete = False
                continue
            if any(_entry_is_link(e) for e in entries):
                listed.complete = False
            for obj_dir in object_dirs:
                meta = os.path.join(obj_dir.path, f"{obj_dir.name}.object-meta.xml")
                # The object file's presence is an entry of its folder (unless it is a link).
                listed.folders.append(obj_dir.path)
                if _is_link(meta):
                    listed.complete = False
                if os.path.isfile(meta):
                    files.append(_MetadataFile(meta))
                fields_dir = Path(obj_dir.path, "fields")
                listed.folders.append(str(fields_dir))
                files += _field_files(project, fields_dir, listed)
            files += [_MetadataFile(str(mdapi)) for mdapi in sorted(objects_dir.glob("*.object"))]
    return files, listed.result()


def _entry_is_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return True


def _is_link(path: str) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False  # absent: its folder's entries say so


def _objects_dirs(package: Path, listed: _Listed | None = None) -> Iterator[Path]:
    """The `objects` folders of a package (not descending into them); the folders it lists are added
    to `listed` (an absent package too: it must still be absent for a remembered result to hold)."""
    if not package.is_dir():
        if listed is not None:
            listed.folders.append(str(package))
        return
    failed: list[OSError] = []
    for dirpath, dirnames, _ in os.walk(package, onerror=failed.append):
        if listed is not None:
            listed.folders.append(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        if Path(dirpath).name == "objects":
            dirnames[:] = []
            yield Path(dirpath)
    if failed and listed is not None:
        listed.complete = False


def _field_files(project: Project, fields_dir: Path, listed: _Listed | None = None) -> list[_MetadataFile]:
    try:
        listed_entries = [e for e in os.scandir(fields_dir) if e.name.endswith(".field-meta.xml")]
        entries = sorted(listed_entries, key=lambda e: e.name)
    except OSError:  # no fields folder (or not a folder)
        return []
    folder_rel = project.relative(fields_dir)
    files: list[_MetadataFile] = []
    for entry in entries:
        try:
            linked = entry.is_symlink()
        except OSError:
            linked = True
        if linked or folder_rel.startswith(".."):
            rel = project.relative(Path(entry.path))
            if listed is not None:
                listed.complete = False  # resolved through a link: its target may change
        else:  # `relative` without resolving the file again (as the project walk does)
            rel = _child_rel(folder_rel, entry.name)
        files.append(_MetadataFile(entry.path, rel))
    return files


@dataclass
class _MetadataReader:
    """Adds the facts of field and object files to a PHI model, through the memo when there is one."""

    project: Project
    model: PhiModel
    memo: FileMemo | None

    def _read(self, path: Path, parse: Callable[[], _T]) -> _T | None:
        """`parse()`, remembered by the file's content; None (and nothing added) when the file is
        unreadable or refused. An unreadable file is reported when the file itself is checked; a refused
        one (malformed, DOCTYPE, entities) may hide a PHI field, so it is reported now."""
        try:
            return self.memo.get(path, parse) if self.memo is not None else parse()
        except OSError:
            return None
        except xmlsafe.XmlError as exc:
            _refused_metadata(self.project, self.project.relative(path), exc)
            return None

    def field_file(self, path: Path, rel: str) -> None:
        facts = self._read(path, functools.partial(read_field_file, path, rel))
        if facts is not None:
            self.model.add_field(facts)

    def object_file(self, path: Path) -> None:
        rel = self.project.relative(path)
        read = self._read(path, functools.partial(read_object_file, path, rel))
        if read is None:
            return
        facts_list, autonumber, custom_setting = read
        object_name = path.name.split(".")[0]
        if autonumber is not None:
            self.model.autonumber_names[object_name.lower()] = autonumber
        self.model.object_files.add(object_name.lower())
        if custom_setting:
            self.model.custom_settings.add(object_name.lower())
        for facts in facts_list:
            self.model.add_field(facts)


def _refused_metadata(project: Project, rel: str, exc: xmlsafe.XmlError) -> None:
    """A field or object file the PHI model could not read (malformed, or refused: DOCTYPE/entities)
    may hide a PHI field, so it is reported even when no metadata rule runs. Same notification as the
    engine's for the file, so a run that also checks it reports it once."""
    note = Notification(NotificationKind.PARSE_ERROR, str(exc), path=rel, line=exc.line)
    project.notifications.append(note)


__all__ = ["FieldFacts", "Project", "file_kind", "find_root", "open_project"]
