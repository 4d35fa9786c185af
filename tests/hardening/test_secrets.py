"""Reports never carry secrets or patient data found in scanned code beyond a masked form.

Secrets and PHI-looking values are planted in Apex, LWC, Aura and metadata files, in places every
reporter reaches: finding snippets, messages, matched text (JSON), related locations, suppression
comments and their justification, syntax-error and rule-crash notifications. The findings must exist,
and no output format may contain the values."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from phi_lint import redact
from phi_lint.findings import Hit, Location, Span
from phi_lint.rules import Registry, default_registry

from .conftest import TEST_RULES, TEST_RULES_MODULE, Checker, _test_rule

STRIPE = "sk_live_51HqZx2eZvKYlo2C8abcDEFghiJKLmnop"
AWS_ID = "AKIAZ7XQ3MPL4KD2WE9R"
AWS_SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYzq8Lk2Pq4RsT"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PASSWORD = "Tr0ub4dor&3xyzQ"
PRIVATE_KEY_BODY = "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2ZQ8Vx9Kd8lq"
URL_PASSWORD = "S3cr3tPassw0rdZ"
GITHUB = "ghp_R4nd0mT0k3nV4lu3Xq9zLm2Np8Kd7Wc3Yb6A"
SSN = "123-45-6789"
MRN = "MRN: 00123456"
DOB = "dob: 1984-07-23"

# Parts of each value that must never reach a report (a masked form keeps only a short prefix).
FORBIDDEN = {
    "stripe": STRIPE[8:],
    "aws-id": AWS_ID[4:],
    "aws-secret": AWS_SECRET[4:],
    "jwt": JWT[12:],
    "password": PASSWORD[4:],
    "private-key": PRIVATE_KEY_BODY,
    "url-password": URL_PASSWORD[4:],
    "github": GITHUB[8:],
    "ssn": "45-6789",
    "mrn": "00123456",
    "dob": "1984-07-23",
}

APEX = f"""public with sharing class Secrets {{
    private static final String STRIPE_KEY = '{STRIPE}';
    private static final String AWS_ACCESS_KEY_ID = '{AWS_ID}';
    private static final String AWS_SECRET_KEY = '{AWS_SECRET}';
    public static String password = '{PASSWORD}';
    private static final String PEM = '-----BEGIN RSA PRIVATE KEY-----\\n{PRIVATE_KEY_BODY}\\n'
        + '-----END RSA PRIVATE KEY-----';
    private static final String ENDPOINT = 'https://admin:{URL_PASSWORD}@api.example.com/v1';
    public static void call() {{
        HttpRequest req = new HttpRequest();
        req.setHeader('Authorization', 'Bearer {JWT}');
        req.setHeader('X-GitHub-Token', '{GITHUB}');
        System.debug('patient ssn {SSN} {MRN} {DOB}');
        String k = '{STRIPE}'; // phi-lint: ignore[] leaked {STRIPE} and {SSN}
        // phi-lint: ignore[apex/hardcoded-secret] rotated key {STRIPE}, patient {SSN}
        String old = '{STRIPE}';
    }}
}}
"""
BROKEN_APEX = f"public class Broken {{ String k = '{STRIPE}' ;; ) ( '{SSN}' + ; }}\n"
JS = f"""import {{ LightningElement }} from 'lwc';
const API_KEY = '{STRIPE}';
export default class Leaky extends LightningElement {{
    token = 'Bearer {JWT}';
    password = '{PASSWORD}';
    ssn = '{SSN}';
    connectedCallback() {{
        window.localStorage.setItem('k', '{AWS_SECRET}'); // phi-lint: ignore[] {PASSWORD}
    }}
}}
"""
HTML = f"""<template>
    <input type="password" value="{PASSWORD}" data-key="{STRIPE}">
    <p title="{SSN}">{MRN} {DOB}</p> <!-- phi-lint: ignore[] {GITHUB} -->
</template>
"""
NAMED_CREDENTIAL = f"""<?xml version="1.0" encoding="UTF-8"?>
<NamedCredential xmlns="http://soap.sforce.com/2006/04/metadata">
    <endpoint>https://admin:{URL_PASSWORD}@api.example.com</endpoint>
    <password>{PASSWORD}</password>
    <label>{STRIPE}</label>
    <!-- phi-lint: ignore[] {AWS_SECRET} -->
</NamedCredential>
"""


def _quoting_crash(ctx: Any) -> Iterator[Hit]:
    """Test rule: crashes with an exception that quotes the file (as a KeyError or a parser might)."""
    yield Hit(Span(1, 1, 1, 2), "first")
    if "Secrets" in ctx.rel_path or "leaky" in ctx.rel_path:
        raise ValueError(ctx.text[:400])


def _with_related(ctx: Any) -> Iterator[Hit]:
    """Test rule: a finding whose related location and properties quote a secret line."""
    for number, line in enumerate(ctx.text.split("\n"), start=1):
        if STRIPE in line:
            related = Location(
                ctx.rel_path, number, 1, snippet=line.strip(), message=f"read here: {line.strip()}"
            )
            yield Hit(
                Span(number, 1, number, 2),
                line.strip(),
                {"x": line},
                related=(related,),
                properties=(("value", line.strip()),),
            )
            return


module = sys.modules[TEST_RULES_MODULE]
module.quoting_crash = _quoting_crash  # type: ignore[attr-defined]
module.with_related = _with_related  # type: ignore[attr-defined]
TEST_RULES["test/quoting-crash"] = _test_rule("test/quoting-crash", "quoting_crash")
TEST_RULES["test/with-related"] = _test_rule("test/with-related", "with_related")
EXTRA = ["test/every-line", "test/secret", "test/quoting-crash", "test/with-related"]


def _project(make_project) -> Path:  # type: ignore[no-untyped-def]
    return make_project(
        {  # type: ignore[no-any-return]
            "classes/Secrets.cls": APEX,
            "classes/Broken.cls": BROKEN_APEX,
            "lwc/leaky/leaky.js": JS,
            "lwc/leaky/leaky.html": HTML,
            "aura/leakyCmp/leakyCmp.cmp": HTML.replace("template", "aura:component"),
            "namedCredentials/Api.namedCredential-meta.xml": NAMED_CREDENTIAL,
        }
    )


def _leaks(text: str) -> list[str]:
    return [name for name, value in FORBIDDEN.items() if value in text]


@pytest.fixture
def secret_registry() -> Registry:
    return Registry([*default_registry(), *(TEST_RULES[r] for r in EXTRA)])


def test_no_secret_or_phi_value_in_any_output_format(
    make_project,
    checker: Checker,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    secret_registry: Registry,
) -> None:
    root = _project(make_project)
    select = ["--extend-select", ",".join(r.id for r in secret_registry)]
    reports = checker.all_formats(root, tmp_path, "--show-suppressed", *select, extra_rules=EXTRA)
    for fmt, (code, report) in reports.items():
        assert code == 3, (fmt, report[-2000:])  # findings, and the crashing test rule: incomplete
        assert not _leaks(report), (fmt, _leaks(report), report[:3000])
        # The findings are there (the masking did not drop them).
        assert "Secrets.cls" in report and "leaky.js" in report
        if fmt in ("json", "sarif"):
            assert "sk_live_****" in report


def test_the_findings_on_secret_lines_exist_and_are_masked(
    make_project,
    checker: Checker,  # type: ignore[no-untyped-def]
    secret_registry: Registry,
) -> None:
    root = _project(make_project)
    result = checker.engine(root, extra_rules=[])  # real rules only
    if "apex/hardcoded-secret" in secret_registry:
        hits = [f for f in result.findings if f.rule_id == "apex/hardcoded-secret"]
        assert len({f.location.start_line for f in hits}) >= 5, hits
        for finding in hits:
            assert not _leaks(repr(finding)), finding
    full = checker.engine(root, extra_rules=["test/every-line", "test/secret"])
    secret_lines = [
        f for f in full.findings if f.rule_id == "test/secret" and f.location.path.endswith(".cls")
    ]
    assert secret_lines and all("****" in f.location.snippet for f in secret_lines)
    every = {
        f.location.start_line: f.location.snippet
        for f in full.findings
        if f.rule_id == "test/every-line" and f.location.path.endswith("Secrets.cls")
    }
    assert every[2] == "private static final String STRIPE_KEY = 'sk_live_****';"
    assert every[13] == "System.debug('patient ssn **** MRN: **** dob: ****');"
    assert not _leaks(repr(full))


def test_secret_rule_hits_are_masked_without_redact_hints(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    """A rule tagged "secret" that recognises a credential by where it goes (not by a known format)
    gets the text its hit covers masked, even if it forgot Hit.redact."""
    root = make_project(
        {"classes/Api.cls": "public class Api {\n    String v = 'plainWordsButSecret42';\n}\n"}
    )
    module = sys.modules[TEST_RULES_MODULE]

    def no_hint(ctx: Any) -> Iterator[Hit]:
        yield Hit(Span(2, 16, 2, 39), "literal")

    module.no_hint = no_hint  # type: ignore[attr-defined]
    rule = _test_rule("test/no-hint", "no_hint", ("secrets",))
    checker.monkeypatch.setitem(TEST_RULES, "test/no-hint", rule)
    result = checker.engine(root, extra_rules=["test/no-hint"])
    (finding,) = [
        f for f in result.findings if f.rule_id == "test/no-hint" and f.location.path.endswith("Api.cls")
    ]
    assert "ButSecret42" not in finding.location.snippet
    assert finding.location.snippet == "String v = 'plai****';"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (STRIPE, "sk_live_****"),
        (AWS_ID, "AKIA****"),
        (GITHUB, "ghp_****"),
        ("hunter2hunter2", "hun****"),
        ("abc", "****"),
        ("", "****"),
        ("-----BEGIN EC PRIVATE KEY-----MHcCAQEE", "-----BEGIN EC PRIVATE KEY-----****"),
    ],
)
def test_mask_secret(text: str, masked: str) -> None:
    assert redact.mask_secret(text) == masked


def test_redact_snippet_is_idempotent_and_leaves_ordinary_code_alone() -> None:
    line = f"req.setHeader('Authorization', 'Bearer {JWT}'); String pwd = '{PASSWORD}'; // {SSN}"
    once = redact.redact_snippet(line)
    assert redact.redact_snippet(once) == once
    assert not _leaks(once)
    for code in (
        "String password = input.getPassword();",
        "req.setHeader('Authorization', 'Bearer ' + token);",
        "Integer total = 123 - 45 - 6789;",
        "// Bearer authentication is required by the API",
        "Contact c = [SELECT Id, Birthdate FROM Contact WHERE Id = :recordId];",
    ):
        assert redact.redact_snippet(code) == code


def test_redact_snippet_masks_a_secret_cut_at_the_snippet_end() -> None:
    cut = f"String k = '{STRIPE[:20]}"
    assert redact.redact_snippet(cut, [STRIPE]) == "String k = 'sk_live_****"
    assert redact.redact_snippet("x = 'abcdefghijklmnop'", ["abcdefghijklmnop"]) == "x = 'abcd****'"


def test_text_reporter_and_notifications_carry_no_value(
    make_project,
    checker: Checker,  # type: ignore[no-untyped-def]
    secret_registry: Registry,
) -> None:
    root = _project(make_project)
    result = checker.engine(root, extra_rules=["test/quoting-crash"])
    crashes = [n for n in result.notifications if n.rule_id == "test/quoting-crash"]
    assert crashes and all("ValueError" in n.message for n in crashes)
    assert not _leaks(repr(result.notifications))
    syntax = [n for n in result.notifications if n.path and n.path.endswith("Broken.cls")]
    assert syntax and not _leaks(repr(syntax))


@pytest.mark.parametrize(
    "value", [STRIPE, AWS_ID, JWT, GITHUB, "xoxb-1234567890-abcdefghij", "AIza" + "x" * 35]
)
def test_find_secrets_recognises_each_format(value: str) -> None:
    assert value in redact.find_secrets(f"x = '{value}';") or any(
        value.endswith(s) for s in redact.find_secrets(f"x = '{value}';")
    )


_ = types  # the module object above is the shared test-rule module


@pytest.mark.parametrize(
    "text",
    [
        "aws key = " + "A" * 200_000,
        "-----BEGIN PRIVATE KEY-----" * 20_000,
        "password: " * 50_000,
        "Bearer " + "a" * 200_000,
        "https://" + "a" * 200_000 + ":",
        "<password>" + "a" * 200_000,
        'type="password" ' + "a " * 100_000,
        "1-" * 200_000,
        "aws password token key:// " * 20_000,
    ],
    ids=["aws", "private-key", "password", "bearer", "url", "xml", "password-field", "digits", "mixed"],
)
def test_redaction_is_linear_on_long_minified_lines(text: str) -> None:
    """Every snippet and message passes through these patterns: none may backtrack quadratically (the
    URL-credentials pattern took 8 s on a 20 kB line before its scheme and user parts were bounded)."""
    import time

    started = time.monotonic()
    redact.redact_snippet(text, ["x" * 5000])
    assert time.monotonic() - started < 3
