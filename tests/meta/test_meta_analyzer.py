# ruff: noqa: E501 (inline test inputs read best on one line)
"""Metadata analyzer behaviour beyond the fixtures: malformed and hostile XML, cross-file facts."""

from __future__ import annotations

from pathlib import Path

from phi_lint.findings import NotificationKind
from tests.lwc.helpers import check_files

DEFAULT = "force-app/main/default"
HTTP_SITE = """<?xml version="1.0" encoding="UTF-8"?>
<RemoteSiteSetting xmlns="http://soap.sforce.com/2006/04/metadata">
    <isActive>true</isActive>
    <url>http://labs.example.org</url>
</RemoteSiteSetting>
"""


def _lines(result, path: str, rule: str) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(
        f.location.start_line for f in result.findings if f.location.path == path and f.rule_id == rule
    )


def test_malformed_xml_is_a_notification_and_other_files_keep_their_findings(tmp_path: Path) -> None:
    broken = f"{DEFAULT}/permissionsets/Broken.permissionset-meta.xml"
    site = f"{DEFAULT}/remoteSiteSettings/Labs.remoteSite-meta.xml"
    result = check_files(
        tmp_path,
        {
            broken: "<?xml version='1.0'?>\n<PermissionSet>\n  <userPermissions>\n</PermissionSet>\n",
            site: HTTP_SITE,
        },
    )
    notes = [n for n in result.notifications if n.path == broken]
    assert [n.kind for n in notes] == [NotificationKind.PARSE_ERROR]
    assert not [n for n in result.notifications if n.kind is NotificationKind.RULE_ERROR]
    assert _lines(result, site, "meta/insecure-remote-site") == [4]


def test_entity_expansion_is_refused_not_expanded(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "http://x"><!ENTITY b "&a;&a;&a;&a;">]>\n'
        "<RemoteSiteSetting><url>&b;</url></RemoteSiteSetting>\n"
    )
    path = f"{DEFAULT}/remoteSiteSettings/Bomb.remoteSite-meta.xml"
    result = check_files(tmp_path, {path: bomb})
    assert [n.kind for n in result.notifications if n.path == path] == [NotificationKind.PARSE_ERROR]
    assert [f for f in result.findings if f.location.path == path] == []


def test_inactive_remote_site_allows_nothing(tmp_path: Path) -> None:
    path = f"{DEFAULT}/remoteSiteSettings/Old.remoteSite-meta.xml"
    inactive = HTTP_SITE.replace("<isActive>true</isActive>", "<isActive>false</isActive>")
    assert _lines(check_files(tmp_path, {path: inactive}), path, "meta/insecure-remote-site") == []


def test_unexpected_roots_and_empty_elements_never_raise(tmp_path: Path) -> None:
    files = {
        f"{DEFAULT}/permissionsets/Empty.permissionset-meta.xml": "<PermissionSet><userPermissions/>"
        "<objectPermissions><viewAllRecords>true</viewAllRecords></objectPermissions></PermissionSet>",
        f"{DEFAULT}/connectedApps/Odd.connectedApp-meta.xml": "<ConnectedApp><oauthConfig/><oauthPolicy/></ConnectedApp>",
        f"{DEFAULT}/objects/Odd__c/fields/Odd__c.field-meta.xml": "<NotAField><fullName/></NotAField>",
        f"{DEFAULT}/objects/Odd2__c.object": "<CustomObject><fields><type>Text</type></fields></CustomObject>",
        f"{DEFAULT}/namedCredentials/Odd.namedCredential-meta.xml": "<NamedCredential><namedCredentialParameters/>"
        "</NamedCredential>",
    }
    result = check_files(tmp_path, files)
    assert not [n for n in result.notifications if n.kind is NotificationKind.RULE_ERROR], (
        result.notifications
    )
    assert [f for f in result.findings if f.location.path in files] == []


def test_field_history_needs_the_objects_enable_history(tmp_path: Path) -> None:
    field = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <fullName>Allergies__c</fullName>\n    <type>LongTextArea</type>\n"
        "    <complianceGroup>HIPAA</complianceGroup>\n"
        "    <encryptionScheme>ProbabilisticEncryption</encryptionScheme>\n"
        "    <trackHistory>true</trackHistory>\n</CustomField>\n"
    )
    on_patient = f"{DEFAULT}/objects/Patient__c/fields/Allergies__c.field-meta.xml"
    on_encounter = f"{DEFAULT}/objects/Encounter__c/fields/Allergies__c.field-meta.xml"
    no_object_file = f"{DEFAULT}/objects/Referral__c/fields/Allergies__c.field-meta.xml"
    result = check_files(tmp_path, {on_patient: field, on_encounter: field, no_object_file: field})
    assert _lines(result, on_patient, "meta/phi-field-untracked") == []  # Patient__c enables history
    assert _lines(result, on_encounter, "meta/phi-field-untracked") == [7]  # Encounter__c does not
    assert _lines(result, no_object_file, "meta/phi-field-untracked") == []  # unknown object: no claim
    (finding,) = [f for f in result.findings if f.location.path == on_encounter]
    assert "enableHistory" in finding.message


def test_view_all_data_message_names_the_projects_phi_objects(tmp_path: Path) -> None:
    path = f"{DEFAULT}/permissionsets/Ops.permissionset-meta.xml"
    xml = (
        "<PermissionSet><userPermissions><enabled>true</enabled><name>ModifyAllData</name></userPermissions>"
        "</PermissionSet>"
    )
    (finding,) = [f for f in check_files(tmp_path, {path: xml}).findings if f.location.path == path]
    # The fixture project's patient, its clinical child, and the records with PHI free text (not the
    # room that merely looks a patient up).
    assert finding.message.endswith("Care_Referral__c, Encounter__c, Medicine_Intake__c, Patient__c")
    allowed = '[rules."meta/excessive-permissions"]\nallowed = ["Ops"]\n'
    assert [
        f for f in check_files(tmp_path / "b", {path: xml}, allowed).findings if f.location.path == path
    ] == []


def test_standard_profiles_are_not_editable_so_not_reported(tmp_path: Path) -> None:
    """The System Administrator profile (`Admin`, `<custom>false</custom>`) holds Modify All Data and
    View All / Modify All on every object, and Salesforce does not let anyone change that."""
    grant = "<userPermissions><enabled>true</enabled><name>ViewAllData</name></userPermissions>"
    view_all = (
        "<objectPermissions><allowRead>true</allowRead><modifyAllRecords>true</modifyAllRecords>"
        "<object>Patient__c</object><viewAllRecords>true</viewAllRecords></objectPermissions>"
    )
    admin = f"{DEFAULT}/profiles/Admin.profile-meta.xml"
    partial_admin = f"{DEFAULT}/profiles/Admin2.profile-meta.xml"  # retrieved without userPermissions
    custom = f"{DEFAULT}/profiles/Clinic_Admin.profile-meta.xml"
    result = check_files(
        tmp_path,
        {
            admin: f"<Profile><custom>false</custom>{view_all}{grant}</Profile>",
            partial_admin: f"<Profile>{view_all}<custom>false</custom></Profile>",
            custom: f"<Profile><custom>true</custom>\n{grant}\n{view_all}</Profile>",
        },
    )
    assert [f for f in result.findings if f.location.path in (admin, partial_admin)] == []
    # A custom profile: View All Data (line 2) and Modify All on Patient__c (line 3), which View All
    # Data does not imply.
    assert _lines(result, custom, "meta/excessive-permissions") == [2, 3]


def test_object_grants_implied_by_view_all_data_are_not_reported_twice(tmp_path: Path) -> None:
    path = f"{DEFAULT}/permissionsets/Backup.permissionset-meta.xml"
    grants = "".join(_object_permission(o, view_all=True) for o in ("Patient__c", "HealthCondition"))
    view_all_data = "<userPermissions><enabled>true</enabled><name>ViewAllData</name></userPermissions>\n"
    silenced = '[rules."meta/excessive-permissions"]\nuser_permissions = ["ModifyAllData"]\n'
    for where, config in ((tmp_path / "a", None), (tmp_path / "b", silenced)):
        xml = f"<PermissionSet>\n{grants}{view_all_data}</PermissionSet>\n"
        found = [f for f in check_files(where, {path: xml}, config).findings if f.location.path == path]
        # ViewAllData is the one finding; when the policy does not report it, its implied object
        # grants are still not a decision of their own.
        assert [f.location.start_line for f in found] == ([4] if config is None else [])


def test_objects_without_patient_records_are_not_reported(tmp_path: Path) -> None:
    """Custom metadata types, platform events, big objects, external objects and custom settings cannot
    use Shield field encryption or field history: a PHI-named field there is not a finding."""
    field = (
        "<CustomField><fullName>Diagnosis_Code__c</fullName><type>Text</type>"
        "<complianceGroup>HIPAA</complianceGroup></CustomField>"
    )
    setting = "<CustomObject><customSettingsType>Hierarchy</customSettingsType></CustomObject>"
    files = {
        f"{DEFAULT}/objects/Code_Map__mdt/fields/Diagnosis_Code__c.field-meta.xml": field,
        f"{DEFAULT}/objects/Lab_Result__e/fields/Diagnosis_Code__c.field-meta.xml": field,
        f"{DEFAULT}/objects/Archive__b/fields/Diagnosis_Code__c.field-meta.xml": field,
        f"{DEFAULT}/objects/Clinic_Settings__c/Clinic_Settings__c.object-meta.xml": setting,
        f"{DEFAULT}/objects/Clinic_Settings__c/fields/Diagnosis_Code__c.field-meta.xml": field,
        f"{DEFAULT}/objects/Referral__c/fields/Diagnosis_Code__c.field-meta.xml": field,
    }
    result = check_files(tmp_path, files)
    reported = {f.location.path.split("/")[4] for f in result.findings if f.location.path in files}
    assert reported == {"Referral__c"}


def _object_permission(obj: str, view_all: bool, modify_all: bool = False) -> str:
    return (
        f"<objectPermissions><allowRead>true</allowRead><modifyAllRecords>{str(modify_all).lower()}"
        f"</modifyAllRecords><object>{obj}</object><viewAllRecords>{str(view_all).lower()}</viewAllRecords>"
        "</objectPermissions>\n"
    )


def test_view_all_on_many_phi_objects_is_one_finding_per_permission_kind(tmp_path: Path) -> None:
    """A backup permission set with View All on every object is one decision to review, not one finding
    per object: one finding per kind (View All, Modify All) at the first PHI grant, naming the objects."""
    phi_objects = ["Patient__c", "Encounter__c", "HealthCondition", "CarePlan", "ClinicalEncounter",
                   "MedicationStatement", "PatientImmunization", "AllergyIntolerance"]  # fmt: skip
    body = _object_permission("Account", view_all=True, modify_all=True)
    body += "".join(_object_permission(o, view_all=True) for o in phi_objects)
    body += _object_permission("Patient_Consent__c", view_all=False)
    path = f"{DEFAULT}/permissionsets/Backup_Admin.permissionset-meta.xml"
    xml = f"<PermissionSet>\n{body}{_object_permission('CarePlan', view_all=True, modify_all=True)}</PermissionSet>\n"
    result = check_files(tmp_path, {path: xml})
    findings = sorted(
        (f for f in result.findings if f.location.path == path), key=lambda f: f.location.start_line
    )
    assert [(f.location.start_line, dict(f.properties)["permission"]) for f in findings] == [
        (3, "viewAllRecords"),  # line 2 is Account: View All there exposes no PHI
        (len(phi_objects) + 4, "modifyAllRecords"),
    ]
    view_all = findings[0]
    assert view_all.message == (
        "permission set Backup_Admin grants View All (viewAllRecords), which exposes PHI objects: "
        "Patient__c, Encounter__c, HealthCondition, CarePlan, ClinicalEncounter, MedicationStatement "
        "and 2 more"
    )
    assert dict(view_all.properties)["phi_objects"] == ";".join(phi_objects)
    # Every other View All grant is a related location (the last CarePlan grant is Modify All).
    assert [loc.start_line for loc in view_all.related] == list(range(4, len(phi_objects) + 3))
    assert dict(findings[1].properties)["phi_objects"] == "CarePlan"


def test_fingerprint_survives_one_more_object_with_view_all(tmp_path: Path) -> None:
    path = f"{DEFAULT}/permissionsets/Auditors.permissionset-meta.xml"

    def fingerprints(objects: list[str], where: Path) -> list[str]:
        xml = "<PermissionSet>\n" + "".join(_object_permission(o, view_all=True) for o in objects)
        result = check_files(where, {path: xml + "</PermissionSet>\n"})
        return [f.fingerprint for f in result.findings if f.location.path == path]

    before = fingerprints(["Patient__c"], tmp_path / "a")
    after = fingerprints(["HealthCondition", "Patient__c", "Encounter__c"], tmp_path / "b")
    assert len(before) == 1 and after == before


def _profile(license_name: str, flags: str, obj: str = "Patient__c") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Profile xmlns="http://soap.sforce.com/2006/04/metadata">
    <custom>false</custom>
    <fieldPermissions>
        <editable>false</editable>
        <field>Patient__c.SSN__c</field>
        <readable>true</readable>
    </fieldPermissions>
    <objectPermissions>
        {flags}
        <object>{obj}</object>
    </objectPermissions>
    <userLicense>{license_name}</userLicense>
</Profile>
"""


def test_guest_profile_reading_a_phi_object_is_reported_with_its_readable_phi_fields(tmp_path: Path) -> None:
    guest = f"{DEFAULT}/profiles/Clinic Portal Profile.profile-meta.xml"
    staff = f"{DEFAULT}/profiles/Clinic Staff.profile-meta.xml"
    member = f"{DEFAULT}/profiles/Portal Member.profile-meta.xml"
    read = "<allowRead>true</allowRead>"
    result = check_files(
        tmp_path,
        {
            guest: _profile("Guest User License", read),
            staff: _profile("Salesforce", read),
            member: _profile("Customer Community Plus Login", read),
        },
    )
    found = [f for f in result.findings if f.rule_id == "meta/guest-phi-access"]
    assert [f.location.path for f in found] == [guest]
    assert found[0].location.start_line == 9
    assert "can read Patient__c" in found[0].message
    assert [(r.start_line, r.message) for r in found[0].related] == [
        (4, "readable PHI field Patient__c.SSN__c")
    ]


def test_guest_grants_of_create_only_or_on_other_objects_are_not_reported(tmp_path: Path) -> None:
    create = f"{DEFAULT}/profiles/Intake Profile.profile-meta.xml"
    other = f"{DEFAULT}/profiles/Locations Profile.profile-meta.xml"
    result = check_files(
        tmp_path,
        {
            create: _profile(
                "Guest User License", "<allowCreate>true</allowCreate><allowRead>false</allowRead>"
            ),
            other: _profile("Guest User License", "<allowRead>true</allowRead>", obj="Clinic_Location__c"),
        },
    )
    assert not [f for f in result.findings if f.rule_id == "meta/guest-phi-access"]


def test_guest_sharing_rules_are_judged_on_the_object_the_file_is_named_after(tmp_path: Path) -> None:
    rules = """<?xml version="1.0" encoding="UTF-8"?>
<SharingRules xmlns="http://soap.sforce.com/2006/04/metadata">
    <sharingGuestRules>
        <fullName>Guest_Read</fullName>
        <accessLevel>Read</accessLevel>
        <label>Guest Read</label>
        <sharedTo><guestUser>clinicPortal</guestUser></sharedTo>
    </sharingGuestRules>
</SharingRules>
"""
    patient = f"{DEFAULT}/sharingRules/Patient__c.sharingRules-meta.xml"
    location = f"{DEFAULT}/sharingRules/Clinic_Location__c.sharingRules-meta.xml"
    mdapi = "force-app/legacy/sharingRules/Encounter__c.sharingRules"
    result = check_files(tmp_path, {patient: rules, location: rules, mdapi: rules})
    found = sorted(
        (f.location.path, f.location.start_line)
        for f in result.findings
        if f.rule_id == "meta/guest-phi-access"
    )
    assert found == [(mdapi, 3), (patient, 3)]
    message = next(f.message for f in result.findings if f.location.path == patient)
    assert "shares Patient__c records (Read) with the guest user of site clinicPortal" in message


def test_guest_field_reads_count_only_when_the_file_holds_no_object_permissions(tmp_path: Path) -> None:
    fields_only = f"{DEFAULT}/profiles/Site Profile.profile-meta.xml"
    with_objects = f"{DEFAULT}/profiles/Other Site Profile.profile-meta.xml"
    field_grant = """    <fieldPermissions>
        <editable>false</editable>
        <field>Patient__c.SSN__c</field>
        <readable>true</readable>
    </fieldPermissions>
"""
    result = check_files(
        tmp_path,
        {
            fields_only: "<Profile>\n"
            + field_grant
            + "    <userLicense>Guest User License</userLicense>\n</Profile>\n",
            # Object permissions are listed (none for Patient__c): they decide, the field grant does not.
            with_objects: _profile(
                "Guest User License", "<allowRead>true</allowRead>", obj="Clinic_Location__c"
            ),
        },
    )
    found = [f for f in result.findings if f.rule_id == "meta/guest-phi-access"]
    assert [(f.location.path, f.location.start_line) for f in found] == [(fields_only, 2)]
    assert "may read PHI fields of Patient__c (SSN__c)" in found[0].message
