"""Template accessibility rules for LWC (`.html`) and Aura (`.cmp`/`.app`) markup.

lwc/a11y-icon-alt-text, lwc/a11y-input-label, lwc/a11y-img-alt, lwc/a11y-phi-table-headers. Each reports
at the start tag of the element (its `<`, even when attributes span lines). LWC spells names in kebab
case (`lightning-button-icon`, `alternative-text`), Aura in camel case (`lightning:buttonIcon`,
`alternativeText`); markup is parsed case-insensitively, so both are looked up in lower case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from phi_lint.analyzers.lwc import jsflow, phi_names
from phi_lint.analyzers.lwc.markup import (
    Markup,
    attr,
    binding_paths,
    bundle_js_path,
    has_value,
    markup,
    start_tag_span,
    tag_text,
)
from phi_lint.analyzers.lwc.soup import NavigableString, PreformattedString, Tag
from phi_lint.context import FileContext
from phi_lint.engine import decode_source
from phi_lint.findings import Hit, Location, props

_TAG_NAME = re.compile(r"<([\w:.-]+)")

# ---- icons ----------------------------------------------------------------------------------------
# Interactive or identity components: they have no visible text, so alternative text is their only name.
ICONS_ALWAYS = frozenset(
    {
        "lightning-button-icon",
        "lightning-button-icon-stateful",
        "lightning-avatar",
        "lightning:buttonicon",
        "lightning:buttoniconstateful",
        "lightning:avatar",
    }
)
# The button components render their `title` on the inner <button> (lightning-base-components'
# buttonIcon/buttonIconStateful templates), where it is the button's accessible name when there is no
# alternative text (accname: the tooltip attribute), as axe's button-name check also accepts. Not
# `lightning-icon` (its title stays on a generic host) or `lightning-avatar` (an <img> needs alt).
ICONS_NAMED_BY_TITLE = frozenset(
    {
        "lightning-button-icon",
        "lightning-button-icon-stateful",
        "lightning:buttonicon",
        "lightning:buttoniconstateful",
    }
)
# `lightning-icon` may be decorative: next to text that says the same, or explicitly hidden.
ICONS_MAYBE_DECORATIVE = frozenset({"lightning-icon", "lightning:icon"})
ALT_TEXT_ATTRS = ("alternative-text", "alternativetext")


def a11y_icon_alt_text(ctx: FileContext) -> Iterator[Hit]:
    doc = markup(ctx)
    for tag in doc.elements():
        name = tag.name
        if name not in ICONS_ALWAYS and name not in ICONS_MAYBE_DECORATIVE:
            continue
        alt = attr(tag, *ALT_TEXT_ATTRS)
        if has_value(alt) or (name in ICONS_NAMED_BY_TITLE and has_value(attr(tag, "title"))):
            continue
        if name in ICONS_MAYBE_DECORATIVE and (alt is not None or _decorative_icon(tag)):
            continue
        problem = "has an empty alternative-text" if alt is not None else "has no alternative-text"
        if _deep_text(tag):
            # `<lightning-button-icon><label>Next</label></lightning-button-icon>` is common and silent:
            # these components have no slot, so the child text is never rendered.
            problem += " (its child text is not rendered: the component has no slot)"
        yield _hit(ctx, tag, {"element": _display_name(ctx, tag), "problem": problem})


def _decorative_icon(tag: Tag) -> bool:
    """An icon is decorative by design when it says so (`aria-hidden="true"`; `alternative-text=""` is
    handled by the caller), decorates an input (`slds-input__icon` on it or its container), or sits
    beside visible text that says the same: text directly in its container
    (`<a><lightning-icon/> Open</a>`) or in an element next to it
    (`<lightning-icon/><span>Reviewed</span>`). Wrappers that hold nothing but the icon (the SLDS
    media object's `slds-media__figure`, `<template lwc:if>`, `<aura:if>`) are climbed, so the text of
    `slds-media__body` beside the figure counts; a container named by `title`/`aria-label` counts too."""
    if (attr(tag, "aria-hidden") or "").lower() == "true":
        return True
    if "slds-input__icon" in (attr(tag, "class") or ""):
        # SLDS draws an input's search/clear glyph with the class on the icon itself
        # (`<lightning-icon class="slds-input__icon slds-input__icon_right">` beside the input): it
        # decorates the field, which has its own label. A clickable one is a button icon (always named).
        return True
    node: Tag = tag
    in_figure = False  # climbed out of an icon/figure wrapper: text beside the wrapper describes the icon
    for level in range(6):
        parent = node.parent
        if not isinstance(parent, Tag) or _is_root(parent):
            return False
        if "slds-input__icon" in (attr(parent, "class") or ""):
            return True
        if parent.name in _NAMING_CONTAINERS and has_value(attr(parent, "title", "aria-label")):
            return True
        if parent.name in _LABELLED_HOSTS and has_value(attr(parent, "label")):
            return True  # `<lightning-pill label={name}><lightning-icon/></lightning-pill>`: text beside it
        if parent.name in _TILES and has_value(attr(parent, "label")) and _media_slot(node):
            return True  # the icon in a tile's `media` slot sits beside the tile's label
        siblings = _child_tags(parent)
        index = next(i for i, s in enumerate(siblings) if s is node)
        adjacent = siblings[max(index - 1, 0) : index] + siblings[index + 1 : index + 2]
        if _direct_text(parent) or ((level == 0 or in_figure) and any(_deep_text(s) for s in adjacent)):
            return True
        if len(siblings) > 1 or parent.name in _ITEM_BOUNDARIES or _is_iteration(parent):
            return False  # an icon alone in a list item, table cell or repeated row carries meaning
        classes = attr(parent, "class") or ""
        in_figure = in_figure or "figure" in classes or "icon" in classes
        node = parent
    return False


_TEXT_COMPONENTS = ("lightning-formatted", "lightning:formatted", "ui:output")
# Plain elements whose title/aria-label names what they contain (SLDS `slds-icon_container` spans).
_NAMING_CONTAINERS = frozenset({"span", "div", "a", "button", "p"})
# Components that show their `label` as text beside the icon passed in their body.
_LABELLED_HOSTS = frozenset({"lightning-pill", "lightning:pill"})
# Components that show their `label` as a heading beside what their `media` slot holds.
_TILES = frozenset({"lightning-tile", "lightning:tile"})
_ITEM_BOUNDARIES = frozenset({"li", "td", "th", "tr", "ul", "ol", "table", "tbody", "dd", "dt"})


def _media_slot(node: Tag) -> bool:
    """LWC `slot="media"`, or Aura `<aura:set attribute="media">`."""
    if node.name == "aura:set":
        return (attr(node, "attribute") or "").strip() == "media"
    return (attr(node, "slot") or "").strip() == "media"


def _is_iteration(node: Tag) -> bool:
    return node.name == "aura:iteration" or any(
        name == "for:each" or name.startswith("iterator:") for name in node.attrs
    )


def _is_root(node: Tag) -> bool:
    """The document, or the component's root element (LWC's outer `<template>`, `<aura:component>`)."""
    if node.name in ("[document]", "aura:component", "aura:application"):
        return True
    return node.name == "template" and (not isinstance(node.parent, Tag) or node.parent.name == "[document]")


def _is_text(node: object) -> bool:
    """Rendered text: not a comment (BeautifulSoup gives text inside <template> as TemplateString)."""
    return isinstance(node, NavigableString) and not isinstance(node, PreformattedString)


def _child_tags(node: Tag) -> list[Tag]:
    return [c for c in node.children if isinstance(c, Tag)]


def _direct_text(node: Tag) -> bool:
    return any(_is_text(c) and str(c).strip() for c in node.children)


def _deep_text(node: Tag) -> bool:
    if node.name.startswith(_TEXT_COMPONENTS):
        return True
    if any(_is_text(c) and str(c).strip() for c in node.descendants):
        return True
    return any(isinstance(c, Tag) and c.name.startswith(_TEXT_COMPONENTS) for c in node.descendants)


# ---- inputs ---------------------------------------------------------------------------------------
LABELLED_COMPONENTS = frozenset(
    {
        "lightning-input",
        "lightning-combobox",
        "lightning-textarea",
        "lightning-select",
        "lightning-dual-listbox",
        "lightning-radio-group",
        "lightning-checkbox-group",
        "lightning-slider",
        "lightning:input",
        "lightning:combobox",
        "lightning:textarea",
        "lightning:select",
        "lightning:duallistbox",
        "lightning:radiogroup",
        "lightning:checkboxgroup",
        "lightning:slider",
    }
)
# Aura `ui:input*` components (deprecated but common), minus the ones that are not form fields.
UI_INPUT_PREFIX = "ui:input"
UI_NOT_INPUTS = frozenset({"ui:inputdefaulterror", "ui:inputselectoption"})
RAW_INPUTS = frozenset({"input", "select", "textarea"})
# Button-like inputs are named by their value/alt; hidden inputs are not shown.
UNLABELLED_INPUT_TYPES = frozenset({"hidden", "submit", "button", "reset", "image"})
LABEL_ATTRS = ("label", "aria-label", "aria-labelledby", "arialabel", "arialabelledby")


def a11y_input_label(ctx: FileContext) -> Iterator[Hit]:
    doc = markup(ctx)
    label_targets: set[str] | None = None
    for tag in doc.elements():
        name = tag.name
        input_type = (attr(tag, "type") or "").strip().lower()
        if input_type in UNLABELLED_INPUT_TYPES:
            continue
        if name in RAW_INPUTS and (_not_rendered(tag) or _hidden_by_class(ctx, tag) or _aria_hidden(tag)):
            continue
        if name in LABELLED_COMPONENTS or (name.startswith(UI_INPUT_PREFIX) and name not in UI_NOT_INPUTS):
            if any(has_value(attr(tag, name)) for name in LABEL_ATTRS):
                continue
            label = attr(tag, "label")
            problem = "has an empty label" if label is not None else "has no label"
            if (attr(tag, "variant") or "").lower() == "label-hidden":
                problem += ' (variant="label-hidden" hides the label visually but still needs it)'
            yield _hit(ctx, tag, {"element": _display_name(ctx, tag), "problem": problem})
        elif name in RAW_INPUTS:
            if has_value(attr(tag, "aria-label", "aria-labelledby", "title")):
                continue
            if any(isinstance(p, Tag) and p.name == "label" for p in tag.parents):
                continue
            if label_targets is None:
                label_targets = {
                    str(attr(t, "for")).strip()
                    for t in doc.elements()
                    if t.name == "label" and has_value(attr(t, "for"))
                }
            element_id = (attr(tag, "id") or "").strip()
            if element_id and element_id in label_targets:
                continue
            problem = "has no <label for>, aria-label or aria-labelledby"
            if has_value(attr(tag, "placeholder")):
                problem += " (a placeholder disappears on input and is not a label)"
            yield _hit(ctx, tag, {"element": f"<{name}>", "problem": problem})


_HIDING_STYLE = re.compile(
    r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!important\s*)?(?:;|$)", re.I
)


def _not_rendered(tag: Tag) -> bool:
    """The control, or an element around it, is statically taken out of rendering (a bare `hidden`
    attribute, or an inline `display: none` / `visibility: hidden` style), as for the hidden
    `<input type="file">` a button opens: it is not in the accessibility tree, so it needs no label.
    A bound `hidden={expr}` or `style={expr}` may show it, so it does not count."""
    for node in (tag, *tag.parents):
        if not isinstance(node, Tag):
            continue
        hidden = attr(node, "hidden")
        if hidden is not None and not hidden.strip().startswith("{"):
            return True
        style = attr(node, "style") or ""
        if not style.strip().startswith("{") and _HIDING_STYLE.search(style):
            return True
    return False


def _aria_hidden(tag: Tag) -> bool:
    """`<input class="hidden-input" type="number" aria-hidden="true">`: the author took the control out of
    the accessibility tree (a helper hidden by the component's CSS), so a label would name nothing, as
    for an `<img>` or icon with `aria-hidden="true"`. A bound `aria-hidden={expr}` is still checked."""
    return (attr(tag, "aria-hidden") or "").strip().lower() == "true"


# SLDS (and OmniStudio's Newport design system) utility classes that take an element out of rendering:
# `display: none !important` (`*-hide`) or `visibility: hidden` (`*-hidden`). `slds-assistive-text` only
# hides visually and is not here.
HIDING_CLASSES = frozenset({"slds-hide", "slds-hidden", "nds-hide", "nds-hidden"})


def _hidden_by_class(ctx: FileContext, tag: Tag) -> bool:
    """The control itself carries a static hiding class (`<input class="hiddenNumber slds-hide">`, a
    helper input read only for its `validity`), and no script of the bundle names that class. Only the
    control's own class counts: a wizard step `<div class="slds-hide">` is shown by removing the class,
    and a script that mentions the class (`classList.remove('slds-hide')`, `$A.util.removeClass`) may
    show the control too."""
    classes = attr(tag, "class") or ""
    if classes.strip().startswith("{"):
        return False
    own = classes.split()
    hiding = HIDING_CLASSES.intersection(own)
    if hiding:
        scripts = _bundle_scripts(ctx)
        return not any(name in scripts for name in hiding)
    # The bundle's own stylesheet may hide it (`.hidden-input { display: none; }` on the file input a
    # "Choose file" button clicks), read only when the control has a class at all. A script that finds
    # the control by that class (`querySelector('.hidden-input').click()`) does not show it; one that
    # names the bare class (`classList.remove('hidden-input')`) may.
    styled = _bundle_hidden_classes(ctx).intersection(own) if own else frozenset()
    if not styled:
        return False
    scripts = _bundle_scripts(ctx)
    return not any(re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", scripts) for name in styled)


_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
# A selector that is one class, optionally on an element (`.hidden-input`, `input.file-picker`): a
# descendant, state (`:hover`) or attribute selector hides the control only in some place or state.
_CLASS_SELECTOR = re.compile(r"^(?:[A-Za-z][A-Za-z0-9-]*)?\.(-?[A-Za-z_][A-Za-z0-9_-]*)$")


def _bundle_hidden_classes(ctx: FileContext) -> frozenset[str]:
    """Classes that the bundle's stylesheets take out of rendering (`display: none` or `visibility:
    hidden`) in a top-level rule: a rule inside `@media` or `@supports` hides only on some screens. The
    stylesheets are siblings of the template, so they are already in its cache key."""

    def read() -> frozenset[str]:
        hidden: set[str] = set()
        try:
            paths = sorted(p for p in ctx.path.parent.iterdir() if p.suffix == ".css" and p.is_file())
        except OSError:
            return frozenset()
        for path in paths:
            try:
                text = _CSS_COMMENT.sub(" ", path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
            for selectors, body in _top_level_rules(text):
                if not _HIDING_STYLE.search(body.strip()):
                    continue
                for selector in selectors.split(","):
                    found = _CLASS_SELECTOR.match(selector.strip())
                    if found:
                        hidden.add(found.group(1))
        return frozenset(hidden)

    return ctx.memo("lwc-bundle-hidden-classes", read)


def _top_level_rules(css: str) -> Iterator[tuple[str, str]]:
    """(selectors, declarations) of each rule outside at-rule blocks, by brace depth."""
    depth = 0
    start = 0
    prelude = ""
    for i, char in enumerate(css):
        if char == "{":
            if depth == 0:
                prelude = css[start:i]
                start = i + 1
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                if not prelude.lstrip().startswith("@"):
                    yield prelude.strip(), css[start:i]
                start = i + 1


def _bundle_scripts(ctx: FileContext) -> str:
    """The JavaScript files of the component's bundle, joined (LWC class and Aura controller/helper).
    They are siblings of the template, so they are already in its cache key."""

    def read() -> str:
        texts = []
        try:
            paths = sorted(p for p in ctx.path.parent.iterdir() if p.suffix == ".js" and p.is_file())
        except OSError:
            return ""
        for path in paths:
            try:
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
        return "\n".join(texts)

    return ctx.memo("lwc-bundle-scripts", read)


# ---- images ---------------------------------------------------------------------------------------


def a11y_img_alt(ctx: FileContext) -> Iterator[Hit]:
    doc = markup(ctx)
    for tag in doc.elements():
        if tag.name not in ("img", "ui:image"):
            continue
        if attr(tag, "alt") is not None:  # alt="" is a valid decorative image
            continue
        if has_value(attr(tag, "aria-label", "aria-labelledby", "title")):
            continue
        if (attr(tag, "role") or "").strip().lower() in ("presentation", "none"):
            continue
        if (attr(tag, "aria-hidden") or "").lower() == "true":
            continue
        if tag.name == "ui:image" and (attr(tag, "imagetype") or "").lower() == "decorative":
            continue
        yield _hit(ctx, tag, {"element": _display_name(ctx, tag), "problem": "has no alt attribute"})


# ---- tables of PHI --------------------------------------------------------------------------------
HEADER_ROLES = frozenset({"columnheader", "rowheader"})
LAYOUT_ROLES = frozenset({"presentation", "none"})


def a11y_phi_table_headers(ctx: FileContext) -> Iterator[Hit]:
    doc = markup(ctx)
    for table in doc.elements():
        if table.name != "table":
            continue
        if (attr(table, "role") or "").strip().lower() in LAYOUT_ROLES:
            continue
        if _has_headers(table):
            continue
        bound = _bound_phi(ctx, doc, table)
        if bound is None:
            continue
        phi, line = bound
        related = (
            Location(ctx.rel_path, line, 1, snippet=ctx.snippet(line), message=f"PHI ({phi}) shown here"),
        )
        args = {"element": "<table>", "phi": phi}
        yield Hit(start_tag_span(ctx, table), tag_text(ctx, table), args, related, properties=props(phi=phi))


def _own_descendants(table: Tag) -> Iterator[Tag]:
    """Elements of this table, not of tables nested in it."""
    stack = [c for c in reversed(list(table.children)) if isinstance(c, Tag)]
    while stack:  # document order
        node = stack.pop()
        yield node
        if node.name != "table":
            stack.extend(c for c in reversed(list(node.children)) if isinstance(c, Tag))


def _has_headers(table: Tag) -> bool:
    for node in _own_descendants(table):
        if node.name in ("th", "caption"):
            return True
        if (attr(node, "role") or "").strip().lower() in HEADER_ROLES:
            return True
    return False


def _bound_phi(ctx: FileContext, doc: Markup, table: Tag) -> tuple[str, int] | None:
    """The first PHI value bound inside the table, and the line of the element that binds it."""
    resolver = _Resolver(ctx, doc)
    for node in [table, *_own_descendants(table)]:
        texts = [str(v) for v in node.attrs.values() if isinstance(v, str)]
        texts += [str(c) for c in node.children if _is_text(c)]
        for text in texts:
            if "{" not in text:
                continue
            for path in binding_paths(text):
                found = resolver.phi(path, node)
                if found:
                    return found, node.sourceline or table.sourceline or 1
    return None


class _Resolver:
    """Is a bound path PHI? Uses the bundle's JavaScript (getters, wired records, fields) and the
    template's iterations, falling back to the PHI model for field API names in the path."""

    def __init__(self, ctx: FileContext, doc: Markup) -> None:
        self.ctx = ctx
        self.doc = doc
        self._flow: jsflow.JsFlow | None = None
        self._members: dict[str, jsflow.Val] | None = None

    def members(self) -> dict[str, jsflow.Val]:
        if self._members is None:
            self._members = {}
            if not self.doc.is_aura:
                self._members = self._bundle_members()
        return self._members

    def _bundle_members(self) -> dict[str, jsflow.Val]:
        js_path = bundle_js_path(self.ctx)
        if js_path is None:
            return {}
        known: dict[str, Any] = phi_names.facts(self.ctx.project).bundle_members
        key = str(js_path)
        if key not in known:
            known[key] = ({}, None)
            try:
                raw = js_path.read_bytes()
            except OSError:
                return {}
            text, _ = decode_source(raw, self.ctx.project.relative(js_path))
            if text is None:
                return {}
            js_ctx = FileContext(
                project=self.ctx.project,
                path=js_path,
                rel_path=self.ctx.project.relative(js_path),
                kind="js",
                source=text.encode("utf-8"),
                text=text,
            )
            walker = jsflow.JsFlow(js_ctx)
            known[key] = (walker.run().members, walker)
        members, walker = known[key]
        self._flow = walker
        return dict(members)

    def value(self, path: list[str], at: Tag, depth: int = 0) -> jsflow.Val | None:
        if not path or depth > 8:
            return None
        root = self._iteration_item(path[0], at, depth)
        if root is None:
            root = self.members().get(path[0])
        val = root
        for segment in path[1:]:
            if val is None:
                return None
            val = self._flow.member_of(val, segment) if self._flow is not None else None
        return val

    def _iteration_item(self, name: str, at: Tag, depth: int) -> jsflow.Val | None:
        for ancestor in at.parents:
            if not isinstance(ancestor, Tag):
                continue
            if attr(ancestor, "for:item") == name or attr(ancestor, "var") == name:
                items = attr(ancestor, "for:each", "items") or ""
                for path in binding_paths(items):
                    return self.value(path, ancestor, depth + 1)
            for attr_name in ancestor.attrs:
                if attr_name == f"iterator:{name.lower()}":
                    for path in binding_paths(str(ancestor.attrs[attr_name])):
                        items_val = self.value(path, ancestor, depth + 1)
                        return jsflow.Val(jsflow.OBJECT, props=(("value", items_val),)) if items_val else None
        return None

    def phi(self, path: list[str], at: Tag) -> str | None:
        val = self.value(path, at)
        if val is not None and val.kind == jsflow.VALUE:
            return ", ".join(val.fields) or ".".join(path)
        # Field API names in the path (`{row.SSN__c}`, `{!v.patient.MRN__c}`, `{p.Patient__r.MRN__c}`).
        obj = ""
        segments = path if path[0].endswith("__c") else path[1:]
        for segment in segments:
            related = phi_names.relationship_object(segment)
            if related is not None:
                obj = related
                continue
            reason = phi_names.field_reason(self.ctx.project, obj or None, segment)
            if reason is not None:
                return f"{obj}.{segment}" if obj else segment
        return None


# ---- helpers --------------------------------------------------------------------------------------


def _display_name(ctx: FileContext, tag: Tag) -> str:
    """The parser lower-cases names (`lightning:buttonicon`); show the tag as written in the file."""
    written = _TAG_NAME.match(tag_text(ctx, tag))
    return f"<{written.group(1) if written else tag.name}>"


def _hit(ctx: FileContext, tag: Tag, args: dict[str, str]) -> Hit:
    return Hit(start_tag_span(ctx, tag), tag_text(ctx, tag), args, properties=props(element=tag.name))
