"""The PHI model: metadata first, then the Health Cloud catalogue, then configured patterns."""

from __future__ import annotations

from pathlib import Path

from phi_lint.config import Config
from phi_lint.phi import PhiModel, PhiSettings, name_tokens
from phi_lint.project import open_project

PII_FIELD = """<?xml version="1.0" encoding="UTF-8"?>
<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">
    <fullName>Email__c</fullName>
    <label>Email</label>
    <type>Email</type>
    <complianceGroup>PII;GDPR</complianceGroup>
</CustomField>
"""
RESTRICTED_FIELD = PII_FIELD.replace("Email__c", "Notes__c").replace(
    "<complianceGroup>PII;GDPR</complianceGroup>",
    "<securityClassification>Restricted</securityClassification>",
)
MDAPI_OBJECT = """<?xml version="1.0" encoding="UTF-8"?>
<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">
    <fields>
        <fullName>Lab_Value__c</fullName>
        <complianceGroup>PHI</complianceGroup>
        <type>Text</type>
    </fields>
    <fields>
        <fullName>Lab_Code__c</fullName>
        <type>Text</type>
    </fields>
    <nameField><label>Lab Name</label><type>AutoNumber</type></nameField>
</CustomObject>
"""


def test_metadata_compliance_group_marks_fields_and_objects(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(
        {
            "objects/Patient__c/fields/Email__c.field-meta.xml": PII_FIELD,
            "objects/Lab__c.object": MDAPI_OBJECT,
        }
    )
    model = open_project(root, Config()).phi
    reason = model.field_reason("Patient__c", "SSN__c")
    assert reason is not None and reason.source == "metadata"
    assert reason.evidence_path.endswith("objects/Patient__c/fields/SSN__c.field-meta.xml")
    assert reason.evidence_line == 3
    assert model.field_reason("patient__c", "ssn__C") is not None  # Apex is case-insensitive
    assert model.field_reason("Patient__c", "Email__c") is None  # PII is not PHI unless configured
    assert model.field_reason("Patient__c", "Id") is None
    assert model.is_phi_object("Patient__c")
    assert model.field_reason("Lab__c", "Lab_Value__c") is not None  # MDAPI .object files count too
    assert model.field_reason("Lab__c", "Lab_Code__c") is None
    assert model.autonumber_names["lab__c"] is True


def test_security_classification_only_when_configured(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"objects/Case/fields/Notes__c.field-meta.xml": RESTRICTED_FIELD})
    assert open_project(root, Config()).phi.field_reason("Case", "Notes__c") is None
    settings = PhiSettings(security_classifications=("Restricted",))
    assert open_project(root, Config(phi=settings)).phi.field_reason("Case", "Notes__c") is not None


def test_relationship_paths_resolve_to_the_related_object(make_project) -> None:  # type: ignore[no-untyped-def]
    model = open_project(make_project({}), Config()).phi
    assert model.field_reason("Encounter__c", "Patient__r.SSN__c") is not None
    assert model.field_reason("Encounter__c", "Patient__r.Name") is None


def test_catalogue_objects_are_field_sensitive() -> None:
    model = PhiModel()
    assert model.is_phi_object("HealthCondition")
    assert model.field_reason("HealthCondition", "Code") is not None
    assert model.field_reason("HealthCondition", "Id") is None
    assert model.field_reason("HealthCondition", "Name") is None
    assert model.field_reason("Identifier", "IdValue") is not None
    assert not model.is_phi_object("Account")


def test_catalogue_names_match_tokens_not_substrings() -> None:
    model = PhiModel()
    assert model.field_reason("Contact", "Patient_SSN__c") is not None
    assert model.field_reason(None, "DateOfBirth__c") is not None
    assert model.field_reason(None, "ClassName") is None  # contains "ssn" as letters, not as a word
    assert model.field_reason(None, "Email") is None
    assert name_tokens("HealthCloudGA__MedicalRecordNumber__c") == ["medical", "record", "number"]


def test_configured_patterns_and_not_phi_override() -> None:
    settings = PhiSettings(
        fields=("*Insurance_Number*", "Visit__c.Reason__c"),
        objects=("Visit__c",),
        not_phi=("Lab_Diagnosis_Code_System__c",),
    )
    model = PhiModel(settings=settings)
    assert model.field_reason("Account", "Insurance_Number__c") is not None
    assert model.field_reason("Visit__c", "Reason__c") is not None
    assert model.field_reason("Other__c", "Reason__c") is None
    assert model.is_phi_object("Visit__c")
    assert model.field_reason(None, "Lab_Diagnosis_Code_System__c") is None  # not_phi beats the catalogue


def test_builtin_catalogue_can_be_switched_off() -> None:
    model = PhiModel(settings=PhiSettings(builtin_catalogue=False))
    assert model.field_reason(None, "SSN__c") is None
    assert not model.is_phi_object("HealthCondition")


def test_labels_and_values() -> None:
    model = PhiModel()
    assert model.label_reason("Date of Birth") is not None
    assert model.label_reason("MRN") is not None
    assert model.label_reason("Account Name") is None
    kinds = [kind for kind, _ in model.find_phi_values("Patient 123-45-6789, MRN: 00123456, DOB 1980-02-03")]
    assert kinds == ["ssn", "mrn", "date-of-birth"]
    assert list(model.find_phi_values("Order 2024-01-05 total 1234-5678")) == []


def test_model_reads_every_package_directory(tmp_path: Path) -> None:
    (tmp_path / "sfdx-project.json").write_text('{"packageDirectories": [{"path": "a"}, {"path": "b"}]}')
    field = tmp_path / "b/main/default/objects/Visit__c/fields/Reason__c.field-meta.xml"
    field.parent.mkdir(parents=True)
    field.write_text(PII_FIELD.replace("Email__c", "Reason__c").replace("PII;GDPR", "HIPAA"))
    (tmp_path / "a").mkdir()
    assert open_project(tmp_path, Config()).phi.is_phi_field("Visit__c", "Reason__c")


def test_reference_data_objects_hold_no_patient() -> None:
    """Drug formulary, code sets and templates describe no patient (seen in real Health Cloud orgs)."""
    model = PhiModel()
    assert model.field_reason("Medication", "MedicationCategory") is None
    assert model.field_reason("CarePlanTemplate", "ICD10_Code__c") is None
    assert not model.is_phi_object("Medication")
    assert not model.is_phi_object("CodeSetBundle")
    # The same words on a patient's own record still are PHI.
    assert model.field_reason("Case", "Medication_Name__c") is not None
    # Metadata beats the reference list: a project may still classify a field of such an object.
    settings = PhiSettings(fields=("Medication.Patient_Note__c",))
    assert PhiModel(settings=settings).field_reason("Medication", "Patient_Note__c") is not None


def test_coded_lookups_of_clinical_records_are_phi() -> None:
    model = PhiModel()
    assert model.field_reason("MedicationRequest", "Medication.Name") is not None  # the patient's drug
    assert model.field_reason("HealthCondition", "Code.CodeDescription") is not None  # the diagnosis
    assert model.field_reason("ClinicalEncounter", "ReasonCode.Name") is not None
    assert model.field_reason("HealthCondition", "Code.Id") is None
    assert model.field_reason("Opportunity", "Code.Name") is None  # not from a clinical record
    assert model.field_reason("MedicationRequest", "Medication.Name") is not None
    not_phi = PhiModel(settings=PhiSettings(not_phi=("Medication.Name",)))
    assert not_phi.field_reason("MedicationRequest", "Medication.Name") is None


def test_lookup_ids_are_record_ids_not_phi() -> None:
    model = PhiModel()
    assert model.field_reason("MedicationRequest", "PatientId") is None
    assert model.field_reason("Assessment", "CaseId") is None
    assert model.field_reason("CaseTeamMember", "MemberId") is None  # not a health plan member id
    assert model.field_reason("CaseTeamMember", "memberId") is None
    assert model.field_reason("Contact", "Health_Plan_Member_Id__c") is not None  # a custom text field
    assert model.field_reason("MedicationRequest", "Priority") is not None
    assert model.field_reason(None, "Paid") is None


def test_custom_lookups_from_metadata_are_not_phi(make_project) -> None:  # type: ignore[no-untyped-def]
    lookup = (
        PII_FIELD.replace("Email__c", "Diagnosis_Record__c")
        .replace("<type>Email</type>", "<type>Lookup</type>")
        .replace("<complianceGroup>PII;GDPR</complianceGroup>", "")
    )
    model = open_project(
        make_project({"objects/Visit__c/fields/Diagnosis_Record__c.field-meta.xml": lookup}), Config()
    ).phi
    assert model.field_reason("Visit__c", "Diagnosis_Record__c") is None
    assert model.field_reason("Other__c", "Diagnosis_Record__c") is not None  # no metadata: a text field


def test_link_fields_are_not_phi_by_their_name(make_project) -> None:  # type: ignore[no-untyped-def]
    # A Url field named after what it links to (a survey form of a study) holds no health fact, and
    # must not make every record of its object PHI.
    link = (
        PII_FIELD.replace("Email__c", "Link_to_Medical_Record_Review__c")
        .replace("<type>Email</type>", "<type>Url</type>")
        .replace("<complianceGroup>PII;GDPR</complianceGroup>", "")
    )
    classified = PII_FIELD.replace("Email__c", "Chart_Link__c").replace("PII;GDPR", "HIPAA")
    classified = classified.replace("<type>Email</type>", "<type>Url</type>")
    model = open_project(
        make_project(
            {
                "objects/Study__c/fields/Link_to_Medical_Record_Review__c.field-meta.xml": link,
                "objects/Visit__c/fields/Chart_Link__c.field-meta.xml": classified,
            }
        ),
        Config(),
    ).phi
    assert model.field_reason("Study__c", "Link_to_Medical_Record_Review__c") is None
    assert not model.is_phi_object("Study__c")
    assert model.field_reason("Visit__c", "Chart_Link__c") is not None  # complianceGroup still wins
    assert model.field_reason("Other__c", "Link_to_Medical_Record_Review__c") is not None  # no metadata


def test_ambiguous_words_need_a_clinical_object() -> None:
    model = PhiModel()
    assert model.field_reason("Account", "WaterTreatment__c") is None  # drinking-water systems
    assert model.field_reason("Account", "TreatmentMethod__c") is None
    assert model.field_reason(None, "Treatment__c") is None
    assert model.field_reason("Medical_Record__c", "Treatment__c") is not None
    assert model.field_reason("Patient_Visit__c", "Treatments__c") is not None
    assert model.field_reason("Account", "Treatment_Plan__c") is not None  # unambiguous sequence
    assert model.field_reason("Patient__c", "Policy_Number__c") is not None  # a health-plan number
    assert model.field_reason("Auto_Policy__c", "Policy_Number__c") is None  # a car insurer's contract
    assert model.field_reason("Patient_Coverage__c", "Insurance_Number__c") is not None


def test_new_clinical_names_and_objects() -> None:
    model = PhiModel()
    assert model.field_reason("Patient__c", "Blood_Type__c") is not None
    assert model.field_reason(None, "Personal_Health_Number__c") is not None
    assert model.field_reason("Patient_Record__c", "Medical_Condition__c") is not None
    assert model.field_reason(None, "Chief_Complaint__c") is not None
    assert model.field_reason("Account", "Patient_Identifier__pc") is not None  # a health number
    assert model.field_reason(None, "birthTime") is not None  # HL7 v3 date of birth
    assert model.field_reason(None, "Condition__c") is None  # a contract's or an asset's condition
    assert model.is_phi_object("MedicationAdministration")
    assert model.is_phi_object("HealthCloudGA__CarePlanProblem__c")
    assert model.field_reason("Specimen", "CollectionDate") is not None


def test_entries_of_a_code_system_are_not_a_patients_record() -> None:
    model = PhiModel()
    # A medical dictionary's terms and an ICD-10 code table: no patient in them.
    assert model.field_reason("ns__MedDRA_High_Level_Group_Term__c", "ns__hlgt_icd10_code__c") is None
    assert model.field_reason("ICD10_Code__c", "Diagnosis__c") is None
    assert not model.is_phi_object("ICD10_Code__c")
    # An object named after a terminology is its entries, whatever its name ends with.
    assert model.field_reason("ns__MedDRA_System_Organ_Class__c", "ns__soc_icd10_code__c") is None
    assert model.field_reason("Visit_ICD__c", "Diagnosis__c") is not None
    # A birth date there still is PHI; so is the same field on a clinical object or a plain one.
    assert model.field_reason("ICD10_Code__c", "Date_of_Birth__c") is not None
    assert model.field_reason("Encounter_Diagnosis_Code__c", "ICD10_Code__c") is not None
    assert model.field_reason("Visit__c", "ICD10_Code__c") is not None
    settings = PhiSettings(fields=("ICD10_Code__c.Diagnosis__c",))
    assert PhiModel(settings=settings).field_reason("ICD10_Code__c", "Diagnosis__c") is not None


def test_records_of_animals_are_not_about_patients() -> None:
    model = PhiModel()
    assert model.field_reason("Animal__c", "Date_of_Birth__c") is None  # an animal shelter's records
    assert model.field_reason("Pet_Profile__c", "Medication__c") is None
    assert model.field_reason("Patient__c", "Date_of_Birth__c") is not None
    settings = PhiSettings(fields=("Animal__c.Date_of_Birth__c",))
    assert PhiModel(settings=settings).field_reason("Animal__c", "Date_of_Birth__c") is not None


def test_a_patients_identifiers_on_the_patients_own_record_are_phi(make_project) -> None:  # type: ignore[no-untyped-def]
    model = PhiModel()
    for field_name in (
        "First_Name__c",
        "Email__c",
        "Mobile_Phone__c",
        "Mailing_Street__c",
        "Emergency_Contact_Phone__c",
    ):
        assert model.field_reason("Patient__c", field_name) is not None, field_name
    # Someone else's contact details, and the same names on an object that is not a patient's.
    for field_name in (
        "Physician_Phone__c",
        "Insurance_Company_Name__c",
        "Record_Type_Name__c",
        "Status__c",
        "Study_Site_Phone__c",  # the trial site's
        "Campaign_Email__c",
        "Care_Plan_Name__c",
        "Support_Group_Email__c",
    ):
        assert model.field_reason("Patient__c", field_name) is None, field_name
    assert model.field_reason("Contact", "Email__c") is None  # a CRM contact's email: personal data
    assert model.field_reason("Vendor__c", "Phone__c") is None
    assert model.field_reason("Pet_Patient__c", "Owner_Phone__c") is None  # a veterinary patient
    assert model.field_reason(None, "Email__c") is None  # no object: nothing says whose it is
    # The standard Name: only when the metadata says it is free text (an auto-number names nobody).
    assert model.field_reason("Patient__c", "Name") is None
    # Explicit metadata wins both ways: PII only is not PHI; a Phone-typed field is, whatever its name.
    root = make_project(
        {
            "objects/Patient__c/fields/Email__c.field-meta.xml": PII_FIELD,
            "objects/Patient__c/fields/Reach_At__c.field-meta.xml": PII_FIELD.replace(
                "Email__c", "Reach_At__c"
            )
            .replace("<type>Email</type>", "<type>Phone</type>")
            .replace("<complianceGroup>PII;GDPR</complianceGroup>", ""),
        }
    )
    project = open_project(root, Config())
    assert project.phi.field_reason("Patient__c", "Email__c") is None
    assert project.phi.field_reason("Patient__c", "Reach_At__c") is not None


def test_employment_records_hold_no_phi_identifiers() -> None:
    model = PhiModel()
    # HIPAA excludes employment records held by a covered entity as employer.
    assert model.field_reason("Employee_Personal_Detail__c", "Date_of_Birth__c") is None
    assert model.field_reason("Payroll_Record__c", "SSN__c") is None
    assert model.field_reason("Employee__c", "Birthdate__c") is None
    # A health fact named on an employment record, or a clinical object, is still reported.
    assert model.field_reason("Employee_Health_Screening__c", "Diagnosis__c") is not None
    assert model.field_reason("Employee_Patient_Assignment__c", "Date_of_Birth__c") is not None
    assert model.field_reason("Patient__c", "Date_of_Birth__c") is not None
    settings = PhiSettings(fields=("Employee__c.Birthdate__c",))
    assert PhiModel(settings=settings).field_reason("Employee__c", "Birthdate__c") is not None


def test_custom_objects_named_as_clinical_records_hold_phi() -> None:
    model = PhiModel()
    assert model.object_reason("Lab_Result__c") is not None
    assert model.field_reason("Lab_Result__c", "Result_Value__c") is not None
    assert model.field_reason("Patient_Prescription__c", "Dosage_Instructions__c") is not None
    # Status-like and system fields, and the standard Name, are not.
    for field_name in ("Status__c", "Description__c", "OwnerId", "Name"):
        assert model.field_reason("Lab_Result__c", field_name) is None, field_name
    # A name that goes on past the clinical words is something else.
    assert model.object_reason("Medical_Record_Vendor__c") is None
    assert model.object_reason("LabTestMasterList__c") is None
    assert model.field_reason("Pet_Vitals__c", "Weight__c") is None
    # With the catalogue off, only metadata and patterns count.
    assert PhiModel(settings=PhiSettings(builtin_catalogue=False)).object_reason("Lab_Result__c") is None


def test_a_patients_identifiers_named_as_such_on_other_records_are_phi(make_project) -> None:  # type: ignore[no-untyped-def]
    model = PhiModel()
    # A copy of the patient's name or contact details kept on an appointment, a calendar entry or a case.
    for obj, field_name in (
        ("Appointment__c", "Patient_Name__c"),
        ("Appointment__c", "PatientEmail__c"),
        ("CareBenefitVerifyRequest__c", "Patient_First_Name__c"),
        ("Case", "Patient_Postal_Code__c"),
    ):
        assert model.field_reason(obj, field_name) is not None, field_name
    # The field's own words must say whose it is, and not someone else's.
    assert model.field_reason("Appointment__c", "Email__c") is None
    assert model.field_reason("Appointment__c", "Patient_Doctor_Name__c") is None
    assert model.field_reason("Doctor__c", "Number_of_Patients__c") is None
    assert model.field_reason("Pet_Visit__c", "Patient_Name__c") is None  # a veterinary patient
    # A checkbox holds no identifier, whatever it is called.
    checkbox = PII_FIELD.replace("Email__c", "Patient_Address_Verified__c").replace(
        "<type>Email</type>", "<type>Checkbox</type>"
    )
    root = make_project(
        {
            "objects/Case/fields/Patient_Address_Verified__c.field-meta.xml": checkbox.replace(
                "<complianceGroup>PII;GDPR</complianceGroup>", ""
            )
        }
    )
    assert open_project(root, Config()).phi.field_reason("Case", "Patient_Address_Verified__c") is None


def test_dates_of_death_diseases_and_national_numbers() -> None:
    model = PhiModel()
    # HIPAA's date elements include the date of death.
    assert model.field_reason("Individual", "DeathDate") is not None
    assert model.field_reason("Patient__c", "Date_of_death__c") is not None
    assert model.field_reason("Contact", "Date_Deceased__c") is not None
    assert model.field_reason("Employee__c", "Date_of_Death__c") is None  # an employment record
    assert model.field_reason("Animal__c", "Deceased_Date__c") is None
    # A disease is a health fact on a patient's or clinical record, not on a product or a campaign.
    assert model.field_reason("Patient__c", "Chronic_Diseases__c") is not None
    assert model.field_reason("Product2", "Disease_Area__c") is None
    # National identity numbers on the patient's own record.
    assert model.field_reason("Patient__c", "PESEL__c") is not None
    assert model.field_reason("Patient__c", "NHS_Number__c") is not None
    assert model.field_reason("DandBCompany", "NationalId") is None


def test_clinical_words_that_qualify_a_duration_or_a_price_of_a_service() -> None:
    model = PhiModel()
    # A specialty's booking length and a price list's fee are not health facts.
    assert model.field_reason("Specialization__c", "Diagnosis_Duration_In_minutes__c") is None
    assert model.field_reason("Service__c", "Prescription_Fee__c") is None
    # The same words on a patient's or a clinical record still are, as is the plain clinical word.
    assert model.field_reason("Patient__c", "Diagnosis_Duration__c") is not None
    assert model.field_reason("Clinical_Visit__c", "Medication_Cost__c") is not None
    assert model.field_reason("Specialization__c", "Diagnosis__c") is not None
    # The measure word must follow the clinical words directly.
    assert model.field_reason("Specialization__c", "Duration_of_Diagnosis__c") is not None


def _field(name: str, field_type: str, reference_to: str = "") -> str:
    """A field file of `field_type`, pointing at `reference_to` when it is a relationship."""
    ref = f"<referenceTo>{reference_to}</referenceTo>" if reference_to else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        f"<fullName>{name}</fullName><type>{field_type}</type>{ref}\n"
        "</CustomField>\n"
    )


def _fields(obj: str, *fields: tuple[str, str] | tuple[str, str, str]) -> dict[str, str]:
    return {f"objects/{obj}/fields/{f[0]}.field-meta.xml": _field(*f) for f in fields}


def test_a_patients_own_records_hold_phi_whatever_their_fields_are_called(make_project) -> None:  # type: ignore[no-untyped-def]
    files = {
        # A master-detail child named as a health fact: the patient's drug, dose and dates.
        **_fields(
            "Medicine__c",
            ("Patient__c", "MasterDetail", "Patient__c"),
            ("Name__c", "Text"),
            ("Quantity__c", "Number"),
            ("Prescribed_From__c", "DateTime"),
            ("Status__c", "Picklist"),
            ("Dose_Type__c", "Picklist"),
            ("Doctor__c", "Lookup", "Doctor__c"),
        ),
        # A grandchild through another child (Salesforce allows a chain of master-detail levels).
        **_fields("Pregnancy__c", ("Patient__c", "MasterDetail", "Patient__c"), ("Due_Date__c", "Date")),
        **_fields("Labor__c", ("Pregnancy__c", "MasterDetail", "Pregnancy__c"), ("Cause__c", "Picklist")),
        # A child whose name says nothing clinical: only its free text.
        **_fields(
            "Appointment__c",
            ("Patient__c", "MasterDetail", "Patient__c"),
            ("Notes__c", "LongTextArea"),
            ("Appointment_Date__c", "Date"),
            ("Payment_Link__c", "LongTextArea"),
            ("Last_Error__c", "TextArea"),
        ),
        **_fields("Insurance__c", ("Patient__c", "MasterDetail", "Patient__c"), ("Amount__c", "Currency")),
        # A Contact playing the patient, named so by the relationship field.
        **_fields("Visit__c", ("Patient__c", "MasterDetail", "Contact"), ("Summary__c", "Html")),
        **_fields("Course__c", ("Account__c", "MasterDetail", "Account"), ("Description__c", "LongTextArea")),
        # Lookups: free text only, and not on a resource's or someone else's record.
        **_fields("Teleconsult__c", ("Patient__c", "Lookup", "Patient__c"), ("Notes__c", "LongTextArea")),
        **_fields("Bed__c", ("Patient__c", "Lookup", "Patient__c"), ("Notes__c", "LongTextArea")),
        **_fields("Medicine_Order__c", ("Patient__c", "Lookup", "Patient__c"), ("Quantity__c", "Number")),
        # The patient's own record: its free text too.
        **_fields("Patient__c", ("Notes__c", "LongTextArea")),
    }
    model = open_project(make_project(files), Config()).phi
    for obj, fld in (
        ("Medicine__c", "Name__c"),
        ("Medicine__c", "Quantity__c"),
        ("Medicine__c", "Prescribed_From__c"),
        ("Pregnancy__c", "Due_Date__c"),
        ("Labor__c", "Cause__c"),
        ("Appointment__c", "Notes__c"),
        ("Visit__c", "Summary__c"),
        ("Teleconsult__c", "Notes__c"),
        ("Patient__c", "Notes__c"),
    ):
        assert model.field_reason(obj, fld) is not None, (obj, fld)
    for obj, fld in (
        ("Medicine__c", "Status__c"),
        ("Medicine__c", "Dose_Type__c"),
        ("Medicine__c", "Doctor__c"),
        ("Medicine__c", "Patient__c"),
        ("Medicine__c", "Name"),
        ("Appointment__c", "Appointment_Date__c"),
        ("Appointment__c", "Payment_Link__c"),
        ("Appointment__c", "Last_Error__c"),
        ("Insurance__c", "Amount__c"),
        ("Course__c", "Description__c"),
        ("Bed__c", "Notes__c"),
        ("Medicine_Order__c", "Quantity__c"),
    ):
        assert model.field_reason(obj, fld) is None, (obj, fld)
    reason = model.field_reason("Labor__c", "Cause__c")
    assert reason is not None and "Labor__c.Pregnancy__c is master-detail to Patient__c" in reason.detail
    assert reason.evidence_path.endswith("objects/Labor__c/fields/Pregnancy__c.field-meta.xml")
    # The clinical child's whole record is PHI; a child with PHI free text is, through that field.
    medicine = model.object_reason("Medicine__c")
    assert medicine is not None and medicine.source == "catalogue"
    appointment = model.object_reason("Appointment__c")
    assert appointment is not None and appointment.source == "object"
    assert model.object_reason("Insurance__c") is None
    # With the catalogue off, relationships make nothing PHI.
    without = open_project(make_project(files), Config(phi=PhiSettings(builtin_catalogue=False))).phi
    assert without.field_reason("Medicine__c", "Name__c") is None


def test_a_cycle_of_master_detail_fields_ends(make_project) -> None:  # type: ignore[no-untyped-def]
    files = {
        **_fields("A_Drug__c", ("B__c", "MasterDetail", "B_Drug__c"), ("Dose__c", "Number")),
        **_fields("B_Drug__c", ("A__c", "MasterDetail", "A_Drug__c"), ("Dose__c", "Number")),
    }
    model = open_project(make_project(files), Config()).phi
    assert model.field_reason("A_Drug__c", "Dose__c") is None
    assert model.patient_link("A_Drug__c") is None
