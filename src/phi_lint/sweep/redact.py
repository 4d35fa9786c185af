"""Keeping patient data out of sweep reports: URLs, HTML snippets, messages and error text.

Everything a sweep writes (SARIF, JSON, text, HTML, logs) passes through these functions first.
The rules are deliberately blunt: a report loses a little context rather than ever carrying a patient's
name, SSN or a session token.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from phi_lint.phi import PhiModel

MASK = "\u2022\u2022\u2022"  # "•••"

# Attributes whose values describe structure, not content; kept in snippets (unless they hold a
# PHI-looking value). Every other attribute value (aria-label, title, value, alt, placeholder, data-*)
# can carry a patient's data and is masked.
STRUCTURAL_ATTRIBUTES = frozenset(
    {
        "class",
        "id",
        "role",
        "type",
        "scope",
        "name",
        "for",
        "tabindex",
        "autocomplete",
        "lang",
        "dir",
        "style",
        "hidden",
        "disabled",
        "readonly",
        "required",
        "colspan",
        "rowspan",
        "headers",
        "slot",
        "part",
        "aria-sort",
        "aria-rowindex",
        "aria-colindex",
        "aria-rowcount",
        "aria-colcount",
        "aria-hidden",
        "aria-expanded",
        "aria-selected",
        "aria-checked",
        "aria-required",
        "aria-invalid",
        "aria-live",
        "aria-labelledby",
        "aria-describedby",
        "aria-controls",
        "aria-haspopup",
        "aria-modal",
        "aria-level",
        "aria-readonly",
        "aria-multiselectable",
        "data-navigation",
        "width",
        "height",
        "lwc:dom",
    }
)
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "srcset", "poster"})

_TAG = re.compile(r"<[^<>]*>?")
# A value may be cut off by axe's snippet truncation: an unterminated quote runs to the end.
_ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(\s*=\s*)("[^"]*(?:"|$)|'[^']*(?:'|$)|[^\s>]+)""")
_LWC_ATTRIBUTE = re.compile(r"\[lwc-[^\]]*\]")
_LWC_HTML_ATTRIBUTE = re.compile(r"""\s+lwc-[\w-]+(?:=(?:"[^"]*"|'[^']*'|[^\s>]+))?""")
_URL_IN_TEXT = re.compile(r"\b(?:https?|wss?|file)://[^\s\"'<>)\]]+", re.IGNORECASE)

# Path segments that are credentials rather than routes: long opaque strings, JWTs, session ids.
_TOKEN_SEGMENT = re.compile(
    r"^(?:[A-Za-z0-9_\-]{32,}|eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*|00D[A-Za-z0-9]{12,15}![\w.]+)$"
)
_SECRET_MARKERS = ("sid=", "token", "frontdoor", "access_token", "oauth", "session")


_SELECTOR_ATTRIBUTE = re.compile(
    r"""\[\s*([\w:-]+)\s*(?:([~|^$*]?=)\s*("[^"]*"|'[^']*'|[^\]\s]*)\s*[is]?\s*)?\]"""
)


def sanitize_selector(selector: str) -> str:
    """axe builds selectors from attributes (`input[value="Ada Lovelace"]`): keep the values of
    structural attributes only (`[role="grid"]`), reduce the rest to presence (`[value]`), mask
    PHI-looking values anywhere (an id like `#ssn-123-45-6789`)."""

    def replace(match: re.Match[str]) -> str:
        name, op, value = match.group(1), match.group(2), match.group(3)
        if not op:
            return match.group(0)
        if name.lower() in STRUCTURAL_ATTRIBUTES and name.lower() not in ("style",):
            return f"[{name}{op}{value}]"
        if name.lower() in URL_ATTRIBUTES:
            quote = value[0] if value[:1] in ("'", '"') else '"'
            inner = value[1:-1] if value[:1] in ("'", '"') else value
            return f"[{name}{op}{quote}{sanitize_url(inner)}{quote}]"
        return f"[{name}]"

    return _mask_phi_values(_SELECTOR_ATTRIBUTE.sub(replace, selector))


def strip_lwc_attributes(selector: str) -> str:
    """`c-app[lwc-2k3j4-host=""] > table` -> `c-app > table`: build hashes change on every deploy."""
    return _LWC_ATTRIBUTE.sub("", selector)


def _mask_phi_values(text: str) -> str:
    """Replace every PHI-looking value (SSN, MRN, date of birth) in free text."""
    spans = sorted((m.start(), m.end()) for _, m in PhiModel.find_phi_values(text))
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end in spans:
        if start < last:
            continue
        out.append(text[last:start])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return "".join(out)


def sanitize_url(url: str) -> str:
    """Drop the query string, fragment, user info and token-like path segments; mask PHI-looking values.

    `https://x.my.site.com/s/patient/a01xx?ssn=123-45-6789#tab` -> `https://x.my.site.com/s/patient/a01xx`;
    an opaque URL keeps only its scheme (`tel:•••`, `mailto:•••`).
    """
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    if parts.scheme and not parts.netloc and not parts.path.startswith("/"):
        # An opaque URL is all content: `tel:415-555-0142`, `mailto:ada@example.org`, `sms:`, `data:`.
        return f"{parts.scheme}:{MASK}"
    if not parts.scheme and not parts.netloc:
        path = parts.path
        netloc = ""
    else:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        path = parts.path
    segments = []
    for segment in path.split("/"):
        decoded = unquote(segment)
        opaque = _TOKEN_SEGMENT.match(decoded) and not _looks_like_record_id(decoded)
        secret = "=" in decoded and any(marker in decoded.lower() for marker in _SECRET_MARKERS)
        if opaque or secret:
            segments.append("{token}")
        elif any(True for _ in PhiModel.find_phi_values(decoded)):
            segments.append("{phi}")
        else:
            segments.append(segment)
    clean = SplitResult(parts.scheme, netloc, "/".join(segments), "", "")
    return urlunsplit(clean)


def _looks_like_record_id(segment: str) -> bool:
    # Salesforce record ids (15/18 alphanumerics) identify a record, not a session: keep them so a
    # finding says which record page it was on.
    return len(segment) in (15, 18) and segment.isalnum()


def sanitize_text(text: str) -> str:
    """Free text from the browser or Playwright (error messages, axe summaries): URLs sanitized, PHI
    values masked, only the first line kept (Playwright appends call logs with full URLs)."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    first = _URL_IN_TEXT.sub(lambda m: sanitize_url(m.group(0)), first)
    return _mask_phi_values(first)[:500]


def mask_html(snippet: str) -> str:
    """Mask an HTML snippet: text between tags becomes •••, content-bearing attribute values too.

    Structure stays (tag names, classes, roles, aria-sort...), so a reader can still find the element.
    """
    out: list[str] = []
    last = 0
    for match in _TAG.finditer(snippet):
        text = snippet[last : match.start()]
        out.append(MASK if text.strip() else text)
        out.append(_mask_tag(match.group(0)))
        last = match.end()
    tail = snippet[last:]
    out.append(MASK if tail.strip() else tail)
    return _LWC_HTML_ATTRIBUTE.sub("", "".join(out))


def _mask_tag(tag: str) -> str:
    if tag.startswith(("</", "<!")):
        return tag

    def replace(match: re.Match[str]) -> str:
        name, equals, raw = match.group(1), match.group(2), match.group(3)
        quote = raw[0] if raw[:1] in ("'", '"') else '"'
        if raw[:1] in ("'", '"'):
            value = raw[1:-1] if len(raw) > 1 and raw.endswith(quote) else raw[1:]
        else:
            value = raw
        lowered = name.lower()
        if lowered in URL_ATTRIBUTES:
            value = sanitize_url(value)
        elif lowered in STRUCTURAL_ATTRIBUTES or lowered.startswith("lwc-"):
            value = _mask_phi_values(value)
        elif value:
            value = MASK
        return f"{name}{equals}{quote}{value}{quote}"

    return _ATTRIBUTE.sub(replace, tag)


def contains_phi_value(text: str) -> bool:
    return any(True for _ in PhiModel.find_phi_values(text))
