"""False positives found by running phi-lint on public Salesforce projects, kept fixed.

Every snippet here is written for this test (no code was copied from those projects); each
reproduces the shape of a real-world pattern that phi-lint reported wrongly before:

- a provincial health ministry's public-health-inspection app stores drinking-water systems as
  Accounts with fields such as `WaterTreatment__c`: "treatment" made every Account PHI, so emails and
  console logs of facility records were reported as PHI leaks;
- Health Cloud code reads `MedicationRequest.PatientId`, `Assessment.CaseId`,
  `CaseTeamMember.MemberId`: record Ids (lookups), reported as PHI reads without FLS;
- the drug formulary (`Medication`) and templates (`CarePlanTemplate`) were PHI objects because of
  the words in their field names, while `MedicationRequest.Medication.Name` (the patient's drug) was not;
- `without sharing` helpers query `Group`, `GroupMember`, `Profile`, `PermissionSetAssignment` and
  custom metadata: record sharing does not apply to them, yet each query was a finding.
"""

from __future__ import annotations

from pathlib import Path

from phi_lint.config import Config
from phi_lint.engine import CheckRequest, run_check
from phi_lint.findings import Finding
from phi_lint.phi import PhiModel
from phi_lint.project import open_project
from phi_lint.rules import default_registry

FIELD = """<?xml version="1.0" encoding="UTF-8"?>
<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">
    <fullName>{name}</fullName>
    <label>{label}</label>
    <type>{type}</type>
</CustomField>
"""
CLASS_META = """<?xml version="1.0" encoding="UTF-8"?>
<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">
    <apiVersion>60.0</apiVersion>
    <status>Active</status>
</ApexClass>
"""


def _field(name: str, label: str, field_type: str = "MultiselectPicklist") -> str:
    return FIELD.format(name=name, label=label, type=field_type)


def _check(root: Path, select: str) -> list[Finding]:
    config = Config(select=(select,))
    project = open_project(root, config)
    result = run_check(CheckRequest([root], project, default_registry(), jobs=1))
    return [f for f in result.findings if f.rule_id.startswith(select)]


def test_water_treatment_fields_do_not_make_facility_accounts_phi(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(
        {
            "objects/Account/fields/WaterTreatment__c.field-meta.xml": _field(
                "WaterTreatment__c", "Water Treatment"
            ),
            "objects/Account/fields/TreatmentMethod__c.field-meta.xml": _field(
                "TreatmentMethod__c", "Method"
            ),
        }
    )
    model = open_project(root, Config()).phi
    assert model.object_reason("Account") is None
    assert model.field_reason("Account", "TreatmentMethod__c") is None


def test_treatment_on_a_medical_record_is_still_phi(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(
        {
            "objects/Medical_Note__c/fields/Treatment__c.field-meta.xml": _field(
                "Treatment__c", "Treatment", "Text"
            )
        }
    )
    model = open_project(root, Config()).phi
    assert model.field_reason("Medical_Note__c", "Treatment__c") is not None
    assert model.is_phi_object("Medical_Note__c")


def test_lookup_ids_and_reference_objects() -> None:
    model = PhiModel()
    # Record Ids of clinical records' lookups.
    for obj, field in (
        ("MedicationRequest", "PatientId"),
        ("Assessment", "CaseId"),
        ("CaseTeamMember", "MemberId"),
    ):
        assert model.field_reason(obj, field) is None, (obj, field)
    # Formulary and templates are reference data...
    assert not model.is_phi_object("Medication")
    assert model.field_reason("CarePlanTemplate", "ICD10_Code__c") is None
    # ...but what a patient's record points at in them is that patient's clinical fact.
    assert model.field_reason("MedicationRequest", "Medication.Name") is not None
    assert model.field_reason("HealthCondition", "Code.Name") is not None


def test_fls_ignores_a_query_of_lookup_ids_only(make_project) -> None:  # type: ignore[no-untyped-def]
    source = """public with sharing class EnrolmentLinks {
    public static List<MedicationRequest> requests(Set<Id> caseIds) {
        return [SELECT Id, PatientId, Case__c FROM MedicationRequest WHERE Case__c IN :caseIds];
    }
    public static List<MedicationRequest> drugs(Set<Id> caseIds) {
        return [SELECT Id, Medication.Name FROM MedicationRequest WHERE Case__c IN :caseIds];
    }
}
"""
    case_lookup = _field("Case__c", "Case", "Lookup")
    root = make_project(
        {
            "classes/EnrolmentLinks.cls": source,
            "classes/EnrolmentLinks.cls-meta.xml": CLASS_META,
            "objects/MedicationRequest/fields/Case__c.field-meta.xml": case_lookup,
        }
    )
    lines = sorted(f.location.start_line for f in _check(root, "apex/soql-without-fls"))
    assert lines == [6]  # the drug names are PHI; the Ids of line 3 are not


def test_sharing_skips_setup_objects_and_custom_metadata(make_project) -> None:  # type: ignore[no-untyped-def]
    source = """public without sharing class IntakeRouting {
    public static Id route(String region) {
        Group queue = [SELECT Id FROM Group WHERE Type = 'Queue' AND Name = :region LIMIT 1];
        List<GroupMember> members = [SELECT UserOrGroupId FROM GroupMember WHERE GroupId = :queue.Id];
        String profile = [SELECT Name FROM Profile WHERE Id = :UserInfo.getProfileId()].Name;
        Region_Setting__mdt setting = [SELECT Queue__c FROM Region_Setting__mdt LIMIT 1];
        insert new GroupMember(GroupId = queue.Id, UserOrGroupId = UserInfo.getUserId());
        List<Case> intakes = [SELECT Id FROM Case WHERE OwnerId = :queue.Id];
        return queue.Id;
    }
}
"""
    root = make_project(
        {"classes/IntakeRouting.cls": source, "classes/IntakeRouting.cls-meta.xml": CLASS_META}
    )
    lines = sorted(f.location.start_line for f in _check(root, "apex/soql-without-sharing"))
    assert lines == [8]  # only the Case query: sharing applies to cases


def test_logging_a_patients_drug_name_is_reported_but_not_the_patient_id(make_project) -> None:  # type: ignore[no-untyped-def]
    source = """public with sharing class DoseReminder {
    public static void remind(Set<Id> requestIds) {
        for (MedicationRequest request : [SELECT Id, PatientId, Medication.Name
                                          FROM MedicationRequest WHERE Id IN :requestIds]) {
            System.debug('drug ' + request.Medication.Name);
            System.debug('patient ' + request.PatientId);
        }
    }
}
"""
    root = make_project({"classes/DoseReminder.cls": source, "classes/DoseReminder.cls-meta.xml": CLASS_META})
    lines = sorted(f.location.start_line for f in _check(root, "apex/phi-in-log"))
    assert lines == [5]


def test_an_animal_shelters_date_of_birth_field_is_not_phi(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(
        {
            "objects/Animal__c/fields/Date_of_Birth__c.field-meta.xml": _field(
                "Date_of_Birth__c", "DOB", "Date"
            ),
            "objects/Client__c/fields/Date_of_Birth__c.field-meta.xml": _field(
                "Date_of_Birth__c", "DOB", "Date"
            ),
        }
    )
    found = {(f.location.path.split("/")[-3], f.rule_id) for f in _check(root, "meta/")}
    assert ("Animal__c", "meta/phi-field-unencrypted") not in found
    assert ("Client__c", "meta/phi-field-unencrypted") in found  # a person's date of birth still is


def test_object_name_checked_against_the_schema_is_not_injection(make_project) -> None:  # type: ignore[no-untyped-def]
    source = """public with sharing class BadgeFields {
    @AuraEnabled(cacheable=true)
    public static SObject badge(Id recordId, String objectApiName, String extraFilter) {
        SObjectType described = Schema.getGlobalDescribe().get(objectApiName);
        if (described == null) {
            throw new AuraHandledException('No such object');
        }
        SObject row = Database.query('SELECT Id FROM ' + objectApiName + ' WHERE Id = :recordId');
        return Database.query('SELECT Id FROM ' + objectApiName + ' WHERE ' + extraFilter);
    }
}
"""
    root = make_project({"classes/BadgeFields.cls": source, "classes/BadgeFields.cls-meta.xml": CLASS_META})
    lines = sorted(f.location.start_line for f in _check(root, "apex/soql-injection"))
    assert lines == [9]  # the raw filter still is input; the checked object name is not


def test_a_regex_that_finds_merge_tokens_is_not_a_token(make_project) -> None:  # type: ignore[no-untyped-def]
    source = r"""public with sharing class NameFormatCheck {
    public static Boolean nested(String nameFormat) {
        String regexPatternDoubleToken = '\\{![^\\}]*\\{!.*\\}[^\\{!]*\\}';
        String refreshToken = 'r8Fq2LzW9xKp4TmV7bNc1YsD';
        return Pattern.compile(regexPatternDoubleToken).matcher(nameFormat).find();
    }
}
"""
    root = make_project(
        {"classes/NameFormatCheck.cls": source, "classes/NameFormatCheck.cls-meta.xml": CLASS_META}
    )
    lines = sorted(f.location.start_line for f in _check(root, "apex/hardcoded-secret"))
    assert lines == [4]  # the refresh token is still a secret
