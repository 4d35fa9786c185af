"""LWC and Aura analyzer: JavaScript (tree-sitter, PHI data flow) and markup (BeautifulSoup, a11y checks).

The engine calls `syntax_notifications(ctx)` for files of this analyzer's kinds: JavaScript syntax
errors are already reported from tree-sitter's ERROR nodes, markup problems are found here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from phi_lint.findings import Notification, NotificationKind

if TYPE_CHECKING:
    from phi_lint.context import FileContext
    from phi_lint.project import Project

MARKUP_KINDS = frozenset({"template", "aura"})
# The project-wide facts below depend on Apex classes and markup only (the engine's cache keys them on
# those files: an edit to a JavaScript file re-runs nothing here).
PREPARE_KINDS = ("apex", "template", "aura")


def prepare(project: Project, files: Sequence[Path]) -> None:
    """Index the SObject types `@AuraEnabled` methods return, and the child properties parents bind to
    PHI fields: a JS file's findings depend on the Apex class its `@salesforce/apex/...` import names
    and on its parents' markup, so those dependencies must be project facts."""
    from phi_lint.analyzers.lwc.phi_names import index_apex_returns, index_bound_phi

    index_apex_returns(project, list(files))
    index_bound_phi(project, list(files))


def syntax_notifications(ctx: FileContext) -> list[Notification]:
    """Malformed templates: tool notifications (never findings); the rules still run on what parsed."""
    if ctx.kind not in MARKUP_KINDS:
        return []
    from phi_lint.analyzers.lwc.markup import markup

    return [
        Notification(
            NotificationKind.PARSE_ERROR,
            f"malformed markup: {p.message}; the rest of the file was analysed",
            path=ctx.rel_path,
            line=p.line,
            column=p.column,
        )
        for p in markup(ctx).problems
    ]
