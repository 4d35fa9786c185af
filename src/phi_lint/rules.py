"""The single registration point for rules: every `rules/<family>/<name>.toml` file is one rule.

A rule's TOML holds its metadata and docs, and names its logic with `check = "module:function"`
(imported lazily, only when the rule runs). Nothing else registers a rule.
"""

from __future__ import annotations

import contextlib
import fnmatch
import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from phi_lint.findings import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

# File kinds a static rule can apply to; the project module assigns one kind to each file.
FILE_KINDS = frozenset({"apex", "js", "template", "aura", "xml", "email"})
STATUSES = frozenset({"stable", "preview", "deprecated"})

_REQUIRED = ("id", "name", "severity", "security_severity", "category", "message")
_DOC_SECTIONS = ("what", "why", "example", "use_instead")
_KNOWN_KEYS = frozenset(
    {
        *_REQUIRED,
        "status",
        "languages",
        "check",
        "tags",
        "cwe",
        "hipaa",
        "wcag",
        "references",
        "closest_pmd_rule",
        "docs",
        "options",
        "example_path",
    }
)


class RuleDefinitionError(ValueError):
    """A rule's TOML is malformed: a bug in phi-lint itself, caught by the test suite."""


@dataclass(frozen=True)
class RuleMeta:
    id: str
    name: str
    family: str
    severity: Severity
    security_severity: str
    category: str
    message: str
    status: str = "stable"
    languages: tuple[str, ...] = ()
    check: str = ""
    tags: tuple[str, ...] = ()
    cwe: tuple[str, ...] = ()
    hipaa: tuple[str, ...] = ()
    wcag: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    closest_pmd_rule: str = ""
    docs: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    # Path (relative to the project root) the doc example is analysed under, e.g.
    # "force-app/main/default/classes/Example.cls"; decides the file kind.
    example_path: str = ""
    source_file: str = ""

    @property
    def short_description(self) -> str:
        first = self.docs.get("what", "").strip().split("\n\n")[0]
        return " ".join(first.split()) or self.name

    @property
    def all_tags(self) -> tuple[str, ...]:
        """Tags as they appear in SARIF: free tags, CWE ids, HIPAA safeguards and WCAG criteria."""
        out = list(self.tags)
        out += [c if c.startswith("CWE-") else f"CWE-{c}" for c in self.cwe]
        out += [f"HIPAA-{h}" for h in self.hipaa]
        out += [f"WCAG-{w}" for w in self.wcag]
        return tuple(dict.fromkeys(out))

    @property
    def help_uri(self) -> str:
        return f"https://github.com/phi-lint/phi-lint/blob/main/docs/rules/{self.family}/{self.name}.md"

    def format_message(self, args: Mapping[str, str]) -> str:
        try:
            return self.message.format_map(dict(args))
        except (KeyError, IndexError, ValueError):
            # A missing argument must not lose the finding; show the template instead.
            return self.message

    def load_check(self) -> Callable[..., Iterable[Any]]:
        module_name, _, function_name = self.check.partition(":")
        module = importlib.import_module(module_name)
        check: Callable[..., Iterable[Any]] = getattr(module, function_name)
        return check


def rules_dir() -> Path:
    """`rules/` ships inside the wheel as phi_lint/_data/rules; in a source checkout it is top level."""
    from phi_lint.codeid import rules_dir_name

    return Path(rules_dir_name())


def _as_tuple(value: object, key: str, source: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleDefinitionError(f"{source}: `{key}` must be a list of strings")
    return tuple(value)


def parse_rule(data: Mapping[str, Any], source: str) -> RuleMeta:
    unknown = set(data) - _KNOWN_KEYS
    if unknown:
        raise RuleDefinitionError(f"{source}: unknown keys {sorted(unknown)}")
    for key in _REQUIRED:
        if key not in data:
            raise RuleDefinitionError(f"{source}: missing `{key}`")
    rule_id = str(data["id"])
    family, _, name = rule_id.partition("/")
    if not family or not name or name != data["name"]:
        raise RuleDefinitionError(f"{source}: id must be '<family>/<name>' with name == `name`")
    try:
        severity = Severity(data["severity"])
    except ValueError as exc:
        raise RuleDefinitionError(f"{source}: severity must be error, warning or note") from exc
    score = str(data["security_severity"])
    try:
        if not 0.0 <= float(score) <= 10.0:
            raise ValueError(score)
    except ValueError as exc:
        raise RuleDefinitionError(f"{source}: security_severity must be a number 0.0-10.0") from exc
    status = str(data.get("status", "stable"))
    if status not in STATUSES:
        raise RuleDefinitionError(f"{source}: status must be one of {sorted(STATUSES)}")
    languages = _as_tuple(data.get("languages"), "languages", source)
    bad_kinds = set(languages) - FILE_KINDS - {"page"}
    if bad_kinds:
        raise RuleDefinitionError(f"{source}: unknown languages {sorted(bad_kinds)}")
    docs = data.get("docs", {})
    if not isinstance(docs, dict):
        raise RuleDefinitionError(f"{source}: [docs] must be a table")
    extra_docs = set(docs) - set(_DOC_SECTIONS)
    if extra_docs:
        raise RuleDefinitionError(
            f"{source}: unknown [docs] keys {sorted(extra_docs)} (top-level keys such as "
            "example_path must come before the [docs] table)"
        )
    missing_docs = [s for s in _DOC_SECTIONS if not str(docs.get(s, "")).strip()]
    if missing_docs:
        raise RuleDefinitionError(f"{source}: docs sections missing: {missing_docs}")
    check = str(data.get("check", ""))
    if languages and "page" not in languages and ":" not in check and check != "engine":
        raise RuleDefinitionError(f"{source}: static rules need check = 'module:function' (or 'engine')")
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise RuleDefinitionError(f"{source}: [options] must be a table")
    return RuleMeta(
        id=rule_id,
        name=name,
        family=family,
        severity=severity,
        security_severity=f"{float(score):.1f}",
        category=str(data["category"]),
        message=str(data["message"]),
        status=status,
        languages=languages,
        check=check,
        tags=_as_tuple(data.get("tags"), "tags", source),
        cwe=_as_tuple(data.get("cwe"), "cwe", source),
        hipaa=_as_tuple(data.get("hipaa"), "hipaa", source),
        wcag=_as_tuple(data.get("wcag"), "wcag", source),
        references=_as_tuple(data.get("references"), "references", source),
        closest_pmd_rule=str(data.get("closest_pmd_rule", "")),
        docs={k: str(v) for k, v in docs.items()},
        options=dict(options),
        example_path=str(data.get("example_path", "")),
        source_file=source,
    )


class Registry:
    """All rules known to phi-lint, by id, in a stable order."""

    def __init__(self, rules: Iterable[RuleMeta]) -> None:
        self._rules: dict[str, RuleMeta] = {}
        for rule in sorted(rules, key=lambda r: r.id):
            if rule.id in self._rules:
                raise RuleDefinitionError(f"duplicate rule id {rule.id}")
            self._rules[rule.id] = rule

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Any:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def get(self, rule_id: str) -> RuleMeta:
        return self._rules[rule_id]

    def find(self, rule_id: str) -> RuleMeta | None:
        return self._rules.get(rule_id)

    @property
    def families(self) -> set[str]:
        return {r.family for r in self._rules.values()}

    def is_known_selector(self, selector: str) -> bool:
        """A selector is a rule id, a family prefix (`apex/` or `apex`), or a glob (`apex/phi-*`)."""
        family = selector.rstrip("/")
        if selector in self._rules or family in self.families:
            return True
        return any(fnmatch.fnmatchcase(rule_id, selector) for rule_id in self._rules)

    def static_rules(self) -> list[RuleMeta]:
        return [r for r in self._rules.values() if r.languages and "page" not in r.languages]

    def sweep_rules(self) -> list[RuleMeta]:
        return [r for r in self._rules.values() if "page" in r.languages]


def selector_matches(selector: str, rule_id: str) -> bool:
    family = selector.rstrip("/")
    if selector == rule_id or rule_id.startswith(family + "/"):
        return True
    return fnmatch.fnmatchcase(rule_id, selector)


def load_rules(directory: Path | None = None, memo_folder: Path | None = None) -> Registry:
    """The rules of `directory` (default: phi-lint's own). With `memo_folder`, their parsed TOML is
    remembered there as JSON (see `_parsed_rule_files`)."""
    base = directory or rules_dir()
    metas: list[RuleMeta] = []
    paths = sorted(base.glob("*/*.toml"))
    parsed = _parsed_rule_files(paths, memo_folder) if memo_folder is not None else {}
    for path in paths:
        source = path.relative_to(base.parent).as_posix()
        data = parsed.get(str(path))
        if data is None:
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise RuleDefinitionError(f"{source}: {exc}") from exc
        meta = parse_rule(data, source)
        if meta.family != path.parent.name or meta.name != path.stem:
            raise RuleDefinitionError(f"{source}: file must be rules/{meta.family}/{meta.name}.toml")
        metas.append(meta)
    return Registry(metas)


def _parsed_rule_files(paths: list[Path], folder: Path) -> dict[str, Any]:
    """The parsed TOML of every rule file, from a JSON memo in the user's cache directory while the
    files' sizes and mtimes are those it was made from. Parsing 33 rule files with tomllib (pure
    Python) took 13 ms of every run, about a tenth of a pre-commit check of one class; the memo
    loads in about 1 ms. Empty (parse each file) when the memo cannot be used. Rule files that do
    not parse are never memoized, so their error is reported as without the memo."""
    import hashlib
    import json
    import time

    from phi_lint import __version__
    from phi_lint.cache import RACY_SECONDS, atomic_write_bytes

    try:
        stats = [(str(path), path.stat()) for path in paths]
    except OSError:
        return {}
    signature = hashlib.sha256(
        repr([__version__, *((name, st.st_size, st.st_mtime_ns) for name, st in stats)]).encode()
    ).hexdigest()[:32]
    memo = folder / f"rules-{signature}.json"
    try:
        loaded = json.loads(memo.read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            return loaded
    except (OSError, ValueError):
        pass
    parsed: dict[str, Any] = {}
    try:
        for name, _ in stats:
            parsed[name] = tomllib.loads(Path(name).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}
    # A file modified this recently may change again within the same mtime tick: not memoized.
    if any(time.time_ns() - st.st_mtime_ns < RACY_SECONDS * 1e9 for _, st in stats):
        return parsed
    try:
        text = json.dumps(parsed)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(memo, text.encode("utf-8"))
        # The memos of other rule sets are kept up to a few, the most recently written: two checkouts
        # or installs of phi-lint on one machine (a pre-commit hook's and a development one) share
        # this folder, and deleting each other's memo made every run of both parse the TOML again.
        others = []
        for stale in folder.glob("rules-*.json"):
            if stale != memo:
                with contextlib.suppress(OSError):
                    others.append((stale.stat().st_mtime_ns, stale))
        for _, stale in sorted(others, reverse=True)[RULE_MEMOS_KEPT - 1 :]:
            stale.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):  # read-only home; a value JSON cannot hold
        pass
    return parsed


# Parsed-rules memos kept in the user's cache folder (see `_parsed_rule_files`).
RULE_MEMOS_KEPT = 4


@cache
def default_registry() -> Registry:
    from phi_lint.cache import user_cache_dir

    try:
        folder = user_cache_dir()
    except RuntimeError:  # no home directory
        return load_rules()
    return load_rules(memo_folder=folder)
