"""Org configuration that fails a HIPAA access or transmission review.

- meta/excessive-permissions: permission sets and profiles granting ViewAllData / ModifyAllData, or
  viewAllRecords / modifyAllRecords on PHI objects;
- meta/guest-phi-access: a site's guest user profile (or a guest permission set) that can read, edit
  or delete a PHI object;
- meta/insecure-remote-site: `http://` endpoints in Remote Site Settings, Named Credentials, External
  Credentials and CSP Trusted Sites, and `disableProtocolSecurity`;
- meta/connected-app-broad-scope: connected apps with the `Full` OAuth scope or `ipRelaxation` BYPASS.

Only the elements that carry configuration are read: descriptions, labels and XML comments that mention
`http://` or `Full` are text, not settings.
"""

from __future__ import annotations

from collections.abc import Iterator

from phi_lint import xmlsafe
from phi_lint.analyzers.meta.places import line_span, related
from phi_lint.context import FileContext
from phi_lint.findings import Hit, Span, props

DEFAULT_USER_PERMISSIONS = ("ViewAllData", "ModifyAllData")
MAX_OBJECTS_IN_MESSAGE = 6


def _true(element: xmlsafe.Element | None) -> bool:
    return element is not None and element.text.strip().lower() == "true"


def _span(ctx: FileContext, element: xmlsafe.Element) -> Span:
    return line_span(ctx, element.line, element.column)


def _container(ctx: FileContext, root: xmlsafe.Element) -> str:
    kind = "permission set" if root.tag == "PermissionSet" else "profile"
    return f"{kind} {ctx.path.name.split('.')[0]}"


# ---- meta/excessive-permissions -------------------------------------------------------------------


def excessive_permissions(ctx: FileContext) -> Iterator[Hit]:
    root = ctx.xml
    if root.tag not in ("PermissionSet", "Profile"):
        return
    container = _container(ctx, root)
    name = ctx.path.name.split(".")[0]
    allowed = {str(a).lower() for a in ctx.options.get("allowed", ())}
    if name.lower() in allowed:
        return
    wanted = {str(p).lower(): str(p) for p in ctx.options.get("user_permissions", DEFAULT_USER_PERMISSIONS)}
    # Salesforce does not let anyone edit the permissions of a standard profile (`<custom>false</custom>`):
    # System Administrator (`Admin`) keeps Modify All Data and View All / Modify All on every object, and
    # its retrieved file lists them. A finding there could not be fixed; who holds that profile is what
    # to audit.
    if root.tag == "Profile" and xmlsafe.child_text(root, "custom").strip().lower() == "false":
        return
    enabled: set[str] = set()
    for grant in xmlsafe.children(root, "userPermissions"):
        name_element = xmlsafe.child(grant, "name")
        if name_element is None or not _true(xmlsafe.child(grant, "enabled")):
            continue
        permission = name_element.text.strip()
        enabled.add(permission.lower())
        if permission.lower() not in wanted:
            continue
        objects = _phi_objects(ctx)
        exposed = _describe_objects(objects) if objects else "every record of every object (PHI included)"
        yield Hit(
            _span(ctx, name_element),
            f"{container}:{permission}",
            {"container": container, "grant": permission, "objects": exposed},
            properties=props(permission=permission, phi_objects=";".join(objects)),
        )
    # Modify All Data gives View All and Modify All on every object, View All Data gives View All: the
    # object-level flags it implies are not a second decision to review.
    implied = {"viewallrecords", "modifyallrecords"} if "modifyalldata" in enabled else set()
    implied |= {"viewallrecords"} if "viewalldata" in enabled else set()
    yield from _record_wide_grants(ctx, root, container, implied)


# View All / Modify All on objects, one finding per container and per permission kind: a backup or
# integration permission set may grant View All on a hundred objects, and a hundred findings would
# bury the one decision to review (should this permission set hold record-wide access at all?).
RECORD_WIDE_FLAGS = {"viewAllRecords": "View All", "modifyAllRecords": "Modify All"}  # flag -> Setup label
MAX_RELATED_GRANTS = 20


def _record_wide_grants(
    ctx: FileContext, root: xmlsafe.Element, container: str, implied: set[str]
) -> Iterator[Hit]:
    granted: dict[str, list[tuple[str, xmlsafe.Element]]] = {flag: [] for flag in RECORD_WIDE_FLAGS}
    for grant in xmlsafe.children(root, "objectPermissions"):
        obj = xmlsafe.child_text(grant, "object").strip()
        if not obj or ctx.phi.object_reason(obj) is None:
            continue
        if _true(xmlsafe.child(grant, "modifyAllRecords")):
            # Modify All includes View All (Salesforce requires both): the object is named once, in
            # the Modify All finding, not twice on the same element.
            granted["modifyAllRecords"].append((obj, grant))
        elif _true(xmlsafe.child(grant, "viewAllRecords")):
            granted["viewAllRecords"].append((obj, grant))
    for flag, grants in granted.items():
        if not grants or flag.lower() in implied:
            continue
        objects = list(dict.fromkeys(obj for obj, _ in grants))
        first = grants[0][1]
        related_places = tuple(
            related(ctx, element.line, element.column, f"{flag} on {obj}")
            for obj, element in grants[1 : MAX_RELATED_GRANTS + 1]
        )
        yield Hit(
            _span(ctx, first),
            # The fingerprint names the container and the permission, never the object list, so a
            # baselined finding stays baselined when one more object gets View All.
            f"{container}:{flag}",
            {
                "container": container,
                "grant": f"{RECORD_WIDE_FLAGS[flag]} ({flag})",
                "objects": _describe_objects(objects),
            },
            related=related_places,
            properties=props(permission=flag, phi_objects=";".join(objects), phi_object_count=len(objects)),
        )


def _phi_objects(ctx: FileContext) -> list[str]:
    """The project's PHI objects (from its metadata), computed once per run."""
    cache = ctx.project.facts.setdefault("meta-phi-objects", {})
    if "objects" not in cache:
        model = ctx.phi
        names = {model.object_spelling.get(o, o) for o in model.metadata}
        cache["objects"] = sorted(n for n in names if model.object_reason(n) is not None)
    objects: list[str] = cache["objects"]
    return objects


def _describe_objects(objects: list[str]) -> str:
    shown = ", ".join(objects[:MAX_OBJECTS_IN_MESSAGE])
    more = len(objects) - MAX_OBJECTS_IN_MESSAGE
    return f"{shown} and {more} more" if more > 0 else shown


# ---- meta/guest-phi-access ------------------------------------------------------------------------
# Object permission flags that let a guest reach existing records (Create alone only inserts), with
# the words of the message, in the order Setup shows them.
GUEST_REACHING_FLAGS = {
    "allowRead": "read",
    "allowEdit": "edit",
    "allowDelete": "delete",
    "viewAllRecords": "view all",
    "modifyAllRecords": "modify all",
}
GUEST_LICENSE = "guest"


def guest_phi_access(ctx: FileContext) -> Iterator[Hit]:
    root = ctx.xml
    if root.tag == "SharingRules":
        yield from _guest_sharing_rules(ctx, root)
        return
    if root.tag not in ("PermissionSet", "Profile"):
        return
    license_tag = "userLicense" if root.tag == "Profile" else "license"
    if GUEST_LICENSE not in xmlsafe.child_text(root, license_tag).lower():
        return
    container = _container(ctx, root)
    readable_fields: dict[str, list[xmlsafe.Element]] = {}
    for grant in xmlsafe.children(root, "fieldPermissions"):
        path = xmlsafe.child_text(grant, "field").strip()
        obj, _, fld = path.partition(".")
        if fld and _true(xmlsafe.child(grant, "readable")) and ctx.phi.field_reason(obj, fld) is not None:
            readable_fields.setdefault(obj.lower(), []).append(grant)
    object_grants = list(xmlsafe.children(root, "objectPermissions"))
    yield from _guest_field_reads(ctx, container, readable_fields, object_grants)
    for grant in object_grants:
        obj = xmlsafe.child_text(grant, "object").strip()
        if not obj or ctx.phi.object_reason(obj) is None:
            continue
        grants = [word for flag, word in GUEST_REACHING_FLAGS.items() if _true(xmlsafe.child(grant, flag))]
        if not grants:
            continue
        related_places = tuple(
            related(
                ctx,
                element.line,
                element.column,
                f"readable PHI field {xmlsafe.child_text(element, 'field').strip()}",
            )
            for element in readable_fields.get(obj.lower(), [])[:MAX_RELATED_GRANTS]
        )
        problem = (
            f"is the unauthenticated guest user of a site and can {', '.join(grants)} {obj}, a PHI object"
        )
        yield Hit(
            _span(ctx, grant),
            f"{container}:guest:{obj}",
            {"container": container, "problem": problem},
            related=related_places,
            properties=props(phi_object=obj, permissions=";".join(grants)),
        )


def _guest_field_reads(
    ctx: FileContext,
    container: str,
    readable_fields: dict[str, list[xmlsafe.Element]],
    object_grants: list[xmlsafe.Element],
) -> Iterator[Hit]:
    """PHI fields the guest may read (`<fieldPermissions>` readable) in a file that holds no object
    permissions at all. A profile retrieved with its fields but not its objects (a manifest listing
    `CustomField` only) keeps the field-level grants alone; read access to a patient's name or birth
    date for the guest is then the evidence there is. When the file lists object permissions, they
    decide (an object it leaves out was retrieved and has none)."""
    if object_grants:
        return
    for grants in readable_fields.values():
        first = grants[0]
        path = xmlsafe.child_text(first, "field").strip()
        obj = path.partition(".")[0]
        names = [xmlsafe.child_text(g, "field").strip().partition(".")[2] for g in grants]
        shown = ", ".join(names[:MAX_SHOWN_FIELDS]) + (
            f" and {len(names) - MAX_SHOWN_FIELDS} more" if len(names) > MAX_SHOWN_FIELDS else ""
        )
        problem = (
            f"is the unauthenticated guest user of a site and may read PHI fields of {obj} ({shown}); "
            f"the file does not show {obj}'s object permissions"
        )
        yield Hit(
            _span(ctx, first),
            f"{container}:guest-fields:{obj}",
            {"container": container, "problem": problem},
            related=tuple(
                related(ctx, g.line, g.column, f"readable PHI field {xmlsafe.child_text(g, 'field').strip()}")
                for g in grants[1 : MAX_RELATED_GRANTS + 1]
            ),
            properties=props(phi_object=obj, permissions="read fields"),
        )


# How many field names a guest field-read message names before "and N more".
MAX_SHOWN_FIELDS = 4


def _guest_sharing_rules(ctx: FileContext, root: xmlsafe.Element) -> Iterator[Hit]:
    """`sharingRules/Patient__c.sharingRules-meta.xml`: its guest rules share the object's records with
    a site's guest user (the file is named after the object)."""
    obj = ctx.path.name.split(".")[0]
    if ctx.phi.object_reason(obj) is None:
        return
    for rule in xmlsafe.children(root, "sharingGuestRules"):
        name = xmlsafe.child_text(rule, "fullName").strip() or "(unnamed)"
        access = xmlsafe.child_text(rule, "accessLevel").strip() or "Read"
        shared_to = xmlsafe.child(rule, "sharedTo")
        site = xmlsafe.child_text(shared_to, "guestUser").strip() if shared_to is not None else ""
        whom = f"the guest user of site {site}" if site else "a site's guest user"
        yield Hit(
            _span(ctx, rule),
            f"guest sharing rule {obj}.{name}",
            {
                "container": f"guest sharing rule {name}",
                "problem": f"shares {obj} records ({access}) with {whom}; {obj} is a PHI object",
            },
            properties=props(phi_object=obj, access_level=access, site=site),
        )


# ---- meta/insecure-remote-site --------------------------------------------------------------------
# Root element -> (what it is, the child elements that hold endpoint URLs).
ENDPOINT_ELEMENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "RemoteSiteSetting": ("remote site setting", ("url",)),
    "NamedCredential": ("named credential", ("endpoint", "url")),
    "ExternalCredential": ("external credential", ()),
    "CspTrustedSite": ("CSP trusted site", ("endpointUrl",)),
}


def insecure_remote_site(ctx: FileContext) -> Iterator[Hit]:
    root = ctx.xml
    if root.tag not in ENDPOINT_ELEMENTS:
        return
    kind, url_tags = ENDPOINT_ELEMENTS[root.tag]
    active = xmlsafe.child(root, "isActive")
    if active is not None and active.text.strip().lower() == "false":
        return  # an inactive remote site / trusted site allows nothing
    what = f"{kind} {ctx.path.name.split('.')[0]}"
    for tag in url_tags:
        for element in xmlsafe.children(root, tag):
            yield from _http(ctx, element, what, tag)
    # Named/External Credential parameters (API 56+): <parameterType>Url</parameterType> etc.
    for group in ("namedCredentialParameters", "externalCredentialParameters"):
        for parameter in xmlsafe.children(root, group):
            value = xmlsafe.child(parameter, "parameterValue")
            if value is not None:
                label = xmlsafe.child_text(parameter, "parameterName") or xmlsafe.child_text(
                    parameter, "parameterType"
                )
                yield from _http(ctx, value, what, f"{group} {label}".strip())
    protocol = xmlsafe.child(root, "disableProtocolSecurity")
    if _true(protocol):
        assert protocol is not None
        yield Hit(
            _span(ctx, protocol),
            f"{what}:disableProtocolSecurity",
            {
                "what": what,
                "problem": "disableProtocolSecurity is true: callouts may be redirected from https to http",
            },
            properties=props(setting="disableProtocolSecurity"),
        )


def _http(ctx: FileContext, element: xmlsafe.Element, what: str, tag: str) -> Iterator[Hit]:
    url = element.text.strip()
    if url.lower().startswith("http://"):
        yield Hit(
            _span(ctx, element),
            f"{what}:{tag}:{url}",
            {"what": what, "problem": f"{tag} {url} uses http://, so data travels unencrypted"},
            properties=props(setting=tag, url=url),
        )


# ---- meta/connected-app-broad-scope ---------------------------------------------------------------


def connected_app_broad_scope(ctx: FileContext) -> Iterator[Hit]:
    root = ctx.xml
    if root.tag != "ConnectedApp":
        return
    app = f"connected app {ctx.path.name.split('.')[0]}"
    broad = {str(s).lower() for s in ctx.options.get("broad_scopes", ("Full",))}
    for oauth in xmlsafe.children(root, "oauthConfig"):
        for scope in xmlsafe.children(oauth, "scopes"):
            if scope.text.strip().lower() in broad:
                yield Hit(
                    _span(ctx, scope),
                    f"{app}:scope:{scope.text.strip()}",
                    {
                        "app": app,
                        "problem": f"requests the {scope.text.strip()} OAuth scope (all data the "
                        "user can see, every API, no expiry of what it may do)",
                    },
                    properties=props(setting="scopes", value=scope.text.strip()),
                )
    for policy in xmlsafe.children(root, "oauthPolicy"):
        relax = xmlsafe.child(policy, "ipRelaxation")
        if relax is not None and relax.text.strip().upper() == "BYPASS":
            yield Hit(
                _span(ctx, relax),
                f"{app}:ipRelaxation:BYPASS",
                {
                    "app": app,
                    "problem": "relaxes IP restrictions (ipRelaxation BYPASS): tokens work from any network",
                },
                properties=props(setting="ipRelaxation", value="BYPASS"),
            )
