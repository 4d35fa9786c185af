"""Keeping secrets and patient data found in scanned code out of every report.

A report is read by more people than the code (CI logs, pull-request annotations, uploaded SARIF), so a
finding about a hard-coded Stripe key must not copy the key into the report: it shows `sk_live_****`,
enough to recognise which key to rotate and nothing more.

Two layers:
- `find_secrets(text)`: high-confidence patterns (cloud and payment keys, bearer tokens, private key
  blocks, password/secret assignments). The engine masks them in every snippet, message and
  notification whatever rule produced it, because a line reported for another reason may still hold a key.
- `Hit.redact`: a rule that knows exactly which text is secret (apex/hardcoded-secret) names it and the
  engine masks exactly that text in the finding's snippet, message and matched text.
PHI-looking values (SSN, MRN, date of birth: `phi.PHI_VALUE_PATTERNS`) are masked the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "****"
# At most this many leading characters survive masking: enough to tell an AWS key from a Stripe key.
MAX_PREFIX = 8

# Prefixes that identify a kind of credential: kept so a reader knows which key to rotate.
_KNOWN_PREFIXES = (
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "pk_live_",
    "pk_test_",
    "whsec_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "github_pat_",
    "glpat-",
    "AKIA",
    "ASIA",
    "AIza",
    "SG.",
)

# Each pattern's group "secret" is the text to mask. The patterns run on every snippet and message of
# every finding, so each has cheap trigger substrings (lower case) and only bounded repetition: no
# pattern may backtrack quadratically on a long line of minified code.
SECRET_PATTERNS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    (
        "private-key",
        ("-----begin",),
        re.compile(
            r"(?P<secret>-----BEGIN (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[\s\S]*?-----END (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----|[\s\S]*))"
        ),
    ),
    (
        "aws-access-key",
        ("akia", "asia"),
        re.compile(r"(?<![A-Za-z0-9])(?P<secret>(?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Za-z0-9])"),
    ),
    (
        "aws-secret-key",
        ("aws",),
        re.compile(
            r"(?i:aws.{0,20}?(?:secret|key).{0,20}?)[\"'=:\s]{1,6}"
            r"(?P<secret>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
        ),
    ),
    (
        "stripe-key",
        ("_live_", "_test_"),
        re.compile(r"(?<![A-Za-z0-9])(?P<secret>(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,})"),
    ),
    ("stripe-webhook", ("whsec_",), re.compile(r"(?P<secret>whsec_[A-Za-z0-9]{16,})")),
    ("slack-token", ("xox",), re.compile(r"(?P<secret>xox[abposr]-[A-Za-z0-9-]{10,})")),
    (
        "github-token",
        ("ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_"),
        re.compile(r"(?P<secret>(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}))"),
    ),
    ("gitlab-token", ("glpat-",), re.compile(r"(?P<secret>glpat-[A-Za-z0-9_-]{20,})")),
    ("google-api-key", ("aiza",), re.compile(r"(?P<secret>AIza[0-9A-Za-z_-]{35})")),
    ("sendgrid-key", ("sg.",), re.compile(r"(?P<secret>SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})")),
    (
        "jwt",
        ("eyj",),
        re.compile(r"(?P<secret>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"),
    ),
    (
        # The value must hold a digit: "Bearer authentication" in a comment is not a token.
        "authorization-header",
        ("bearer", "basic"),
        re.compile(
            r"(?i:\b(?:bearer|basic)[ \t]{1,4})"
            r"(?P<secret>(?=[A-Za-z._~+/=-]{0,200}\d)[A-Za-z0-9._~+/=-]{12,})"
        ),
    ),
    (
        "url-credentials",
        ("://",),
        re.compile(r"(?i:\b[a-z][a-z0-9+.-]{0,15}://)[^\s/:@'\"]{1,100}:(?P<secret>[^\s/@'\"]{3,200})@"),
    ),
    (
        # <password>hunter2</password>, <consumerSecret>...</consumerSecret> in metadata XML.
        "xml-secret-element",
        ("pass", "secret", "token", "key"),
        re.compile(
            r"<(?P<tag>[A-Za-z:]{0,40}(?i:password|secret|token|apikey|api_key|privatekey|private_key))>"
            r"(?P<secret>[^<\s]{4,})</(?P=tag)>"
        ),
    ),
    (
        # <input type="password" value="...">: the value of a password field.
        "password-field-value",
        ("password",),
        re.compile(
            r"(?i:type[ \t]{0,3}=[ \t]{0,3}[\"']password[\"'][^>]{0,300}?\bvalue[ \t]{0,3}=[ \t]{0,3})"
            r"[\"'](?P<secret>[^\"'{}]{4,})[\"']"
        ),
    ),
    (
        # password = 'hunter2', "client_secret": "...", apiKey := '...'. The value must be a quoted
        # literal so `password = input.getPassword()` (no secret in code) is left alone.
        "assigned-secret",
        ("pass", "pwd", "secret", "key", "token", "credential"),
        re.compile(
            r"(?i:(?:pass(?:word|wd|phrase)?|pwd|secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?key|"
            r"private[_-]?key|auth[_-]?token|access[_-]?token|refresh[_-]?token|token|credential)s?)"
            r"[\"']?[ \t]{0,4}(?::=|=|:|,)[ \t]{0,4}[\"'](?P<secret>[^\"'\s]{4,})[\"']"
        ),
    ),
)


def mask_secret(text: str) -> str:
    """`sk_live_51Habc...` -> `sk_live_****`; `AKIAIOSFODNN7EXAMPLE` -> `AKIA****`; other values keep at
    most 4 characters (and never more than a quarter of the value) before the mask."""
    if not text:
        return MASK
    if text.startswith("-----BEGIN"):
        header = text.split("-----")[1] if text.count("-----") >= 2 else "PRIVATE KEY"
        return f"-----{header}-----{MASK}"
    for prefix in _KNOWN_PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            return prefix + MASK
    keep = min(4, len(text) // 4)
    return text[:keep] + MASK


def find_secrets(text: str) -> list[str]:
    """Secret values in `text` (high-confidence patterns only), longest first."""
    found: set[str] = set()
    if not text:
        return []
    lower = text.lower()
    for _, triggers, pattern in SECRET_PATTERNS:
        if not any(trigger in lower for trigger in triggers):
            continue
        for match in pattern.finditer(text):
            value = match.group("secret")
            if value:
                found.add(value)
    return sorted(found, key=lambda s: (-len(s), s))


_DIGIT = re.compile(r"\d")


def find_phi_values(text: str) -> list[str]:
    """PHI-looking values in `text` (the PHI model's value patterns), longest first."""
    from phi_lint.phi import PhiModel

    if _DIGIT.search(text) is None:  # every PHI value pattern needs digits: skip the common case fast
        return []
    return sorted({m.group(0) for _, m in PhiModel.find_phi_values(text)}, key=lambda s: (-len(s), s))


def _mask_phi(value: str) -> str:
    # A PHI value keeps nothing but its label part (e.g. "MRN"), never digits.
    label = re.match(r"[A-Za-z][A-Za-z _:#=-]*", value)
    return (label.group(0) if label else "") + MASK


def redact_snippet(snippet: str, secrets: Iterable[str] = ()) -> str:
    """Mask each of `secrets` (exact text) in `snippet`, then anything that looks like a secret or a
    PHI value. Idempotent: masking a masked snippet changes nothing."""
    if not snippet:
        return snippet
    out = snippet
    for secret in sorted({s for s in secrets if s}, key=lambda s: (-len(s), s)):
        if secret in out:
            out = out.replace(secret, mask_secret(secret))
        else:
            # A snippet is cut at 200 characters: mask a secret's visible beginning too.
            for size in range(min(len(secret) - 1, len(out), 512), 7, -1):
                head = secret[:size]
                if out.endswith(head):
                    out = out[:-size] + mask_secret(secret)
                    break
    for secret in find_secrets(out):
        if MASK not in secret:
            out = out.replace(secret, mask_secret(secret))
    for value in find_phi_values(out):
        out = out.replace(value, _mask_phi(value))
    return out


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Same as redact_snippet, for messages and matched text."""
    return redact_snippet(text, secrets)
