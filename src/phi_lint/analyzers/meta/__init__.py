"""Metadata analyzer: Salesforce XML (field and object definitions, permission sets, profiles, sharing
rules, remote sites, named and external credentials, CSP trusted sites, connected apps, email template
metadata, flows) read through the hardened `phi_lint.xmlsafe` parser (`ctx.xml`: one parse per file, shared by
all meta/* rules), and email template bodies (`.email`, read as text by `email_templates.py`).

The engine reports malformed or unsafe XML (DOCTYPE, entities) as a parse-error notification before
any rule runs, so the checks here only see well-formed trees; they still never assume an element
exists.
"""
