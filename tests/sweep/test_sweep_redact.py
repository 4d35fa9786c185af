"""Masking: no patient data or secret survives in URLs, snippets or messages."""

from __future__ import annotations

from phi_lint.sweep.redact import (
    MASK,
    mask_html,
    sanitize_selector,
    sanitize_text,
    sanitize_url,
    strip_lwc_attributes,
)


def test_urls_lose_query_fragment_credentials_and_tokens() -> None:
    assert sanitize_url("https://u:p@x.my.site.com/s/patient/a01xx0000012345AAA?ssn=123-45-6789#t") == (
        "https://x.my.site.com/s/patient/a01xx0000012345AAA"
    )
    assert sanitize_url("https://x.my.salesforce.com/secur/frontdoor.jsp?sid=00Dxx!AQ0Abc") == (
        "https://x.my.salesforce.com/secur/frontdoor.jsp"
    )
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    assert sanitize_url(f"https://x.test/auth/{jwt}/done") == "https://x.test/auth/{token}/done"
    assert sanitize_url("https://x.test/reset/" + "a" * 40) == "https://x.test/reset/{token}"
    assert sanitize_url("https://x.test/patients/123-45-6789") == "https://x.test/patients/{phi}"
    # Ordinary routes and file names stay.
    assert (
        sanitize_url("http://127.0.0.1:8000/phi-in-title.ok.html")
        == "http://127.0.0.1:8000/phi-in-title.ok.html"
    )
    assert sanitize_url("/patients.html?mrn=MRN0012345") == "/patients.html"


def test_opaque_urls_keep_only_their_scheme() -> None:
    # lightning-formatted-phone and -email render tel:/mailto: links; axe names them by href.
    assert sanitize_url("tel:415-555-0142") == f"tel:{MASK}"
    assert sanitize_url("mailto:ada@example.org?subject=Labs") == f"mailto:{MASK}"
    assert sanitize_url("sms:+14155550142") == f"sms:{MASK}"
    assert sanitize_selector('a[href="tel:415-555-0100"]') == f'a[href="tel:{MASK}"]'
    assert "555" not in mask_html('<a href="tel:415-555-0100" class="x">')
    # Hierarchical URLs keep their route; a relative path is not mistaken for a scheme.
    assert sanitize_url("file:///srv/site/index.html") == "file:///srv/site/index.html"
    assert sanitize_url("patients/list.html") == "patients/list.html"


def test_snippets_mask_text_and_content_attributes() -> None:
    html = (
        '<td class="slds-cell" data-label="SSN" title="Ada Lovelace" aria-sort="none" '
        'lwc-4k2j-host="">123-45-6789 <b>Ada</b></td>'
    )
    masked = mask_html(html)
    for secret in ("123-45-6789", "Ada", "Lovelace"):
        assert secret not in masked
    assert 'class="slds-cell"' in masked and 'aria-sort="none"' in masked
    assert 'title="' + MASK + '"' in masked and "lwc-4k2j" not in masked


def test_snippet_keeps_structure_but_masks_phi_in_structural_attributes() -> None:
    masked = mask_html(
        '<input id="ssn-123-45-6789" value="123-45-6789" type="text" href="/p?dob=1990-01-01">'
    )
    assert "123-45-6789" not in masked and "1990" not in masked
    assert 'type="text"' in masked


def test_truncated_snippets_are_masked() -> None:
    assert "Lovelace" not in mask_html('<td class="x">Ada Lovelace, born 1815')
    assert "Lovelace" not in mask_html('<td title="Ada Lovelace')


def test_free_text_keeps_one_line_and_sanitizes_urls() -> None:
    text = "net::ERR_FAILED at https://x.test/p?ssn=123-45-6789\nCall log:\n  navigating to https://x.test/?token=abc"
    assert sanitize_text(text) == "net::ERR_FAILED at https://x.test/p"
    assert "123-45-6789" not in sanitize_text("contrast on SSN 123-45-6789")


def test_lwc_attributes_stripped_from_selectors() -> None:
    assert strip_lwc_attributes('c-app[lwc-2k3j4-host=""] > table[lwc-2k3j4]') == "c-app > table"


def test_selectors_keep_structure_but_not_attribute_values() -> None:
    assert sanitize_selector('input[value="Ada Lovelace"]') == "input[value]"
    assert sanitize_selector("a[href='/p?ssn=1'] > img[alt=Ada]") == "a[href='/p'] > img[alt]"
    assert sanitize_selector('img[src$="logo.svg"]') == 'img[src$="logo.svg"]'
    assert sanitize_selector('div[role="grid"] th[scope="col"]') == 'div[role="grid"] th[scope="col"]'
    assert sanitize_selector("[hidden] > #ssn-123-45-6789") == f"[hidden] > #ssn-{MASK}"
