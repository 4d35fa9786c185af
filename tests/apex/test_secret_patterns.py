"""apex/hardcoded-secret tries its value patterns only on literals that hold one of their fixed parts
(`_VALUE_PATTERN_HINTS`) and are long enough: a pattern added without its hint would never fire."""

from __future__ import annotations

from phi_lint.analyzers.apex import structure_rules as rules

# One value each pattern must find (made-up keys, never real ones).
SAMPLES = {
    "private key": "-----BEGIN RSA PRIVATE KEY-----",
    "AWS access key": "AKIAIOSFODNN7EXAMPLE",
    "Stripe secret key": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "GitHub token": "ghp_" + "a1B2c3D4e5" * 4,
    "Slack token": "xoxb-1234567890-abcdef",
    "Google API key": "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    "SendGrid API key": "SG.abcdefghijklmnop1234.qrstuvwxyzABCDEF5678",
    "JSON Web Token": "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4f",
    "bearer token": "Bearer 0123456789abcdefXYZ",
    "basic credentials": "Basic dXNlcjpwYXNzd29yZA==",
}


def test_every_value_pattern_has_a_sample_its_hint_and_length_gate_let_through() -> None:
    assert {kind for kind, _, _ in rules._VALUE_PATTERNS} == SAMPLES.keys()
    for kind, pattern, _ in rules._VALUE_PATTERNS:
        sample = SAMPLES[kind]
        assert pattern.search(sample), kind
        assert len(sample) >= rules._VALUE_PATTERN_MIN_LENGTH, kind
        assert rules._VALUE_PATTERN_HINTS.search(sample), kind


def test_the_shortest_text_a_pattern_can_match_is_not_below_the_length_gate() -> None:
    # Slack's `xoxa-` and ten characters is the shortest any pattern accepts.
    slack = next(pattern for kind, pattern, _ in rules._VALUE_PATTERNS if kind == "Slack token")
    assert slack.search("xoxa-0123456789")
    assert len("xoxa-0123456789") == rules._VALUE_PATTERN_MIN_LENGTH
    assert not slack.search("xoxa-012345678")


def test_regular_expressions_are_not_values_but_passwords_with_brackets_are() -> None:
    # A lexer's token patterns and other regular expressions: a range or class escape with a
    # quantifier, or a group no password is written with.
    for pattern in ("(_D[0-9]+D_)", "[A-Z][A-Z_0-9]{2,40}", "_S\\d+S_", "(?:abc123)", "x(?=y)9z"):
        assert not rules._looks_like_value(pattern), pattern
    # Credentials that happen to hold brackets, plus signs or backslashes still look like values.
    for secret in ("E4f9kQ2rT7uVw1xYz3B5", "p@ss[w0rd]+!", "Ab[x]9+zz", "k3y\\Q+7", "(Secret99)"):
        assert rules._looks_like_value(secret), secret
