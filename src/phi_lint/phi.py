"""The PHI model: which fields, objects, labels and values are protected health information.

Evidence, in order of trust:
1. field metadata in the project (`complianceGroup` containing HIPAA or PHI; `securityClassification`
   values when configured);
2. the built-in catalogue of Health Cloud / clinical objects and unambiguous clinical field names
   (docs/rules/phi-catalogue.md lists it, generated from this module);
3. glob patterns from `[phi]` in phi-lint.toml (`fields`, `objects`), with `not_phi` winning over all.

The model is built once per run from the whole project and shared by every analyzer. Matching of
names is token based (`Patient_SSN__c` -> patient, ssn) so that `ClassName` never matches "ssn".
"""

from __future__ import annotations

import fnmatch
import functools
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from phi_lint import xmlsafe

# Fields on every object that identify nothing about a person's health: a record's Id, owner, audit
# stamps. A non-PHI field of a PHI record is not PHI (field-sensitive analysis).
SYSTEM_FIELDS_NAMES: tuple[str, ...] = (
    "Id",
    "OwnerId",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
    "IsDeleted",
    "RecordTypeId",
    "LastActivityDate",
    "LastViewedDate",
    "LastReferencedDate",
    "CurrencyIsoCode",
    "MasterRecordId",
    "ConnectionReceivedId",
    "ConnectionSentId",
)
SYSTEM_FIELDS = frozenset(name.lower() for name in SYSTEM_FIELDS_NAMES)

# Health Cloud and clinical standard objects whose records are PHI (a patient's clinical facts).
# Fields of these objects are PHI except SYSTEM_FIELDS, Name (an auto-number on all of them) and
# the non-identifying fields listed in CATALOGUE_NOT_PHI_FIELDS.
CATALOGUE_OBJECTS_NAMES: tuple[str, ...] = (
    "HealthCondition",
    "AllergyIntolerance",
    "PatientImmunization",
    "PatientHealthReaction",
    "PatientMedicalProcedure",
    "PatientMedicalProcedureDetail",
    "MedicationStatement",
    "MedicationRequest",
    "MedicationDispense",
    "MedicationStatementDetail",
    "PatientMedicationDosage",
    "ClinicalEncounter",
    "ClinicalEncounterDiagnosis",
    "ClinicalEncounterReason",
    "ClinicalEncounterIdentifier",
    "ClinicalEncounterSvcRequest",
    "CareObservation",
    "CareObservationComponent",
    "CarePlan",
    "CareProgramEnrollee",
    "CareDiagnosis",
    "CareMetricTarget",
    "DiagnosticSummary",
    "DiagnosticSummaryDetail",
    "ClinicalServiceRequest",
    "ClinicalServiceRequestDetail",
    "ClinicalAlert",
    "ClinicalDetectedIssue",
    "MemberPlan",
    "CoverageBenefit",
    "CareRequest",
    "CareRequestItem",
    "CareRequestDrug",
    "CarePreauth",
    "CareBenefitVerifyRequest",
    "HealthcareClaim",
    "PersonLifeEvent",
    "Assessment",
    "HealthCloudGA__EhrPatient__c",
    "HealthCloudGA__EhrCondition__c",
    "HealthCloudGA__EhrEncounter__c",
    "HealthCloudGA__EhrMedicationPrescription__c",
    "HealthCloudGA__EhrAllergyIntolerance__c",
    "HealthCloudGA__EhrProcedure__c",
    "HealthCloudGA__EhrProcedureRequest__c",
    "HealthCloudGA__EhrObservation__c",
    "HealthCloudGA__EhrImmunization__c",
    "HealthCloudGA__EhrCarePlan__c",
    "HealthCloudGA__EhrDevice__c",
    "HealthCloudGA__EhrVirtualDevice__c",
    "HealthCloudGA__CandidatePatient__c",
    "HealthCloudGA__MemberPlan__c",
    "HealthCloudGA__CoverageBenefit__c",
    # Seen in real Health Cloud orgs (e.g. the object list of a public provincial health project's
    # permission sets): patient-level clinical, medication, risk and social-determinant records.
    "HealthConditionDetail",
    "ClinicalDetectedIssueDetail",
    "ClinicalEncounterProvider",
    "ClinicalEncounterFacility",
    "MedicationAdministration",
    "MedicationAdministrationDtl",
    "MedicationReconciliation",
    "MedReconRecommendation",
    "MedReconStmtRecommendation",
    "MedicationTherapyReview",
    "MedicationTherapyStmtReview",
    "MedTherapyStmtReviewIssue",
    "CarePreauthItem",
    "CareRequestExtension",
    "CareProgramEnrolleeProduct",
    "CareBarrier",
    "CareBarrierDeterminant",
    "CareDeterminant",
    "HealthRiskEvaluation",
    "HealthRiskEvalDetail",
    "HealthRiskEvalOutcome",
    "Specimen",
    "CoverageBenefitItem",
    "HealthCloudGA__CarePlanGoal__c",
    "HealthCloudGA__CarePlanProblem__c",
    "HealthCloudGA__Clinical_Assessment_Response__c",
    "HealthCloudGA__EhrCarePlanActivity__c",
    "HealthCloudGA__EhrCarePlanConcern__c",
    "HealthCloudGA__EhrCarePlanGoal__c",
    "HealthCloudGA__EhrConditionRelatedItem__c",
    "HealthCloudGA__EhrDosageInstruction__c",
    "HealthCloudGA__EhrEncounterAccomodation__c",
    "HealthCloudGA__EhrImmunizationReaction__c",
    "HealthCloudGA__EhrMedicationStatement__c",
    "HealthCloudGA__EhrRelatedObservation__c",
    "HealthCloudGA__HousingAssessment__c",
    "HealthCloudGA__ProgramPatientAffiliation__c",
)
CATALOGUE_OBJECTS = frozenset(name.lower() for name in CATALOGUE_OBJECTS_NAMES)

# Health Cloud reference data: code sets, the drug formulary, programs, templates, providers and payer
# plans. Their records describe no patient, so clinical words in their field names (Medication.
# MedicationCategory, CarePlanTemplate.ICD10_Code__c) are not PHI there; metadata and `[phi]` still are.
# Read through a clinical record's lookup they are (see CATALOGUE_CODED_RELATIONSHIP_NAMES).
CATALOGUE_REFERENCE_OBJECTS_NAMES: tuple[str, ...] = (
    "Medication",
    "MedicinalIngredient",
    "CodeSet",
    "CodeSetBundle",
    "UnitOfMeasure",
    "DrugDisplayTerm",
    "HealthCareDiagnosis",
    "HealthCareProcedure",
    "ProblemDefinition",
    "CareProgram",
    "CareProgramProduct",
    "CareProgramGoal",
    "CarePlanTemplate",
    "ActionPlanTemplate",
    "CareDeterminantType",
    "CareBarrierType",
    "CareInterventionType",
    "CareSpecialty",
    "CareTaxonomy",
    "HealthcareProvider",
    "HealthcareProviderSpecialty",
    "HealthcareProviderTaxonomy",
    "HealthcarePractitionerFacility",
    "HealthcareFacility",
    "HealthcarePayerNetwork",
    "PurchaserPlan",
    "PlanBenefit",
    "PlanBenefitItem",
    "HierCondHlthCodeMapping",
    "AssessmentQuestion",
    "AssessmentQuestionVersion",
    "AssessmentQuestionSet",
    "HealthCloudGA__CarePlanTemplate__c",
    "HealthCloudGA__CarePlanTemplateGoal__c",
    "HealthCloudGA__CarePlanTemplateProblem__c",
    "HealthCloudGA__CarePlanTemplateTask__c",
    "HealthCloudGA__CareProgramPlanTemplate__c",
    "HealthCloudGA__ConditionToHCCCodeMapping__c",
)
CATALOGUE_REFERENCE_OBJECTS = frozenset(name.lower() for name in CATALOGUE_REFERENCE_OBJECTS_NAMES)

# Lookups from a clinical record to reference data that name the clinical fact itself:
# `MedicationRequest.Medication.Name` is the patient's drug, `HealthCondition.Code.Name` the diagnosis.
# A lookup named `Medication` or ending in `Code` (Code, ReasonCode, ObservedValueCode, ...).
CATALOGUE_CODED_RELATIONSHIP_NAMES: tuple[str, ...] = ("Medication", "*Code")

CATALOGUE_NOT_PHI_FIELDS_NAMES: tuple[str, ...] = (
    "Name",
    "Status",
    "Type",
    "IsActive",
    "SourceSystem",
    "UsageType",
    "Description",
)
CATALOGUE_NOT_PHI_FIELDS = frozenset(name.lower() for name in CATALOGUE_NOT_PHI_FIELDS_NAMES)

# Person-level identifiers that Health Cloud adds to Account/Contact/Identifier; PHI wherever they are.
CATALOGUE_FIELDS_NAMES: tuple[str, ...] = (
    "Identifier.IdValue",
    "Account.HealthCloudGA__MedicalRecordNumber__c",
    "Contact.HealthCloudGA__MedicalRecordNumber__c",
    "Account.HealthCloudGA__SourceSystemId__c",
    "Contact.HealthCloudGA__SourceSystemId__c",
    "Account.HealthCloudGA__Gender__pc",
    "Account.HealthCloudGA__PrimaryLanguage__pc",
    "Account.PersonBirthdate",
    "Contact.HealthCloudGA__DeceasedDate__c",
    "Account.HealthCloudGA__DeceasedDate__pc",
)
CATALOGUE_FIELDS = frozenset(name.lower() for name in CATALOGUE_FIELDS_NAMES)

# The birth and death dates of a person (HIPAA's date elements, 45 CFR 164.514(b)(2)(i)(C)): in
# CATALOGUE_NAME_TOKENS, and let go on an employment record (CATALOGUE_EMPLOYMENT_IDENTIFIER_TOKENS).
BIRTH_DATE_TOKENS: tuple[tuple[str, ...], ...] = (
    ("date", "of", "birth"),
    ("birth", "date"),
    ("birthdate",),
    ("birth", "time"),
    ("dob",),
)
DEATH_DATE_TOKENS: tuple[tuple[str, ...], ...] = (
    ("date", "of", "death"),
    ("death", "date"),
    ("deathdate",),
    ("deceased", "date"),
    ("date", "deceased"),
)

# Token sequences that name a clinical identifier or health fact in any field or label. Kept tight:
# each is unambiguous in a Salesforce schema (no "name", "email", "phone" here: PII is not PHI).
CATALOGUE_NAME_TOKENS: tuple[tuple[str, ...], ...] = (
    ("ssn",),
    ("social", "security"),
    ("mrn",),
    ("medical", "record"),
    ("patient", "id", "number"),
    ("patient", "identifier"),
    ("diagnosis",),
    ("diagnoses",),
    ("diagnostic",),
    ("icd10",),
    ("icd", "10"),
    ("icd", "code"),
    ("medication",),
    ("medications",),
    ("prescription",),
    ("allergy",),
    ("allergies",),
    ("condition", "code"),
    *BIRTH_DATE_TOKENS,
    ("health", "plan", "id"),
    ("member", "id"),
    ("insurance", "id"),
    ("lab", "result"),
    ("treatment", "plan"),
    ("medical", "treatment"),
    ("medical", "condition"),
    ("health", "condition"),
    ("medical", "history"),
    ("chief", "complaint"),
    ("vital", "signs"),
    ("blood", "type"),
    ("blood", "group"),
    ("personal", "health", "number"),
    ("health", "card", "number"),
    ("symptom",),
    ("symptoms",),
    ("clinical", "notes"),
    ("hiv",),
    ("genetic",),
    *DEATH_DATE_TOKENS,
)

# Words that name a health fact only on an object that is itself clinical: `Medical_Record__c.Treatment__c`
# is PHI, `Account.WaterTreatment__c` (a drinking-water system) and `Ad.Treatment_Group__c` are not.
# So are a patient's health-plan numbers (HIPAA's "health plan beneficiary numbers"), which on an
# insurer's or a car dealer's object are just contract numbers.
CATALOGUE_CONTEXT_NAME_TOKENS: tuple[tuple[str, ...], ...] = (
    ("treatment",),
    ("treatments",),
    ("policy", "number"),
    ("insurance", "number"),
    ("member", "number"),
    # `Patient__c.Chronic_Diseases__c` is a health fact; a drug product's `Disease_Area__c` is not.
    ("disease",),
    ("diseases",),
)
# Words that, just before "member", make it a member of something other than a health plan: a
# `Campaign_Member_Id__c`, `Team_Member_Id__c` or DevOps Center's `Source_Member_Id__c` is a CRM or
# metadata record's Id, not a health plan beneficiary number. (A family or household member stays:
# HIPAA counts relatives' identifiers; so does a group member, as on a group health plan's card.)
CATALOGUE_NOT_HEALTH_MEMBER_TOKENS: frozenset[str] = frozenset(
    (
        "campaign",
        "team",
        "queue",
        "source",
        "staff",
        "board",
        "committee",
        "community",
        "network",
        "chatter",
        "collaboration",
        "channel",
        "project",
    )
)

# Words in an object's name that make it clinical for CATALOGUE_CONTEXT_NAME_TOKENS.
CATALOGUE_CLINICAL_OBJECT_TOKENS: frozenset[str] = frozenset(
    ("patient", "patients", "medical", "clinical", "clinic", "encounter", "diagnosis", "prescription")
)

# Words in an object's name that say its records are not about people (an animal shelter's
# `Animal__c.Date_of_Birth__c`, a fleet's `Vehicle__c.Treatment_Date__c`): field names on these objects
# are not PHI by their words (metadata and `[phi]` patterns still apply).
CATALOGUE_NON_PERSON_OBJECT_TOKENS: frozenset[str] = frozenset(
    ("animal", "animals", "pet", "pets", "livestock", "vehicle", "vehicles")
)

# Words in an object's name that make its records a patient's own (`Patient__c`, `Patient_Profile__c`):
# there, the fields that identify or reach the person (name, e-mail, phone, address) are PHI too,
# because the record ties them to this provider's care (HIPAA's identifiers, 45 CFR 164.514(b)(2)).
# Elsewhere (a Contact, a Lead, a Vendor__c) the same fields are personal data, not PHI.
CATALOGUE_PATIENT_OBJECT_TOKENS: frozenset[str] = frozenset(("patient", "patients"))
# Words that name a person's identifier or contact detail in a field of a patient's record.
CATALOGUE_PATIENT_IDENTIFIER_TOKENS: frozenset[str] = frozenset(
    (
        "name",
        "surname",
        "email",
        "phone",
        "mobile",
        "telephone",
        "fax",
        "address",
        "street",
        "postal",
        "postcode",
        "zip",
        "zipcode",
        # National identity numbers a patient's record keeps (Poland's PESEL, the UK's NHS number).
        "pesel",
        "passport",
        "nhs",
    )
)
# Who looks after, pays for or houses a patient: shared by the two token sets below.
_CARERS_AND_ORGANISATIONS: frozenset[str] = frozenset(
    (
        "doctor",
        "physician",
        "provider",
        "practitioner",
        "clinician",
        "nurse",
        "hospital",
        "clinic",
        "facility",
        "pharmacy",
        "pharmacist",
        "insurer",
        "payer",
        "company",
        "organization",
        "organisation",
        "agency",
        "user",
    )
)
# Words that make such a field someone else's (the physician's phone, the insurer's address): a
# relative or emergency contact stays the patient's (HIPAA counts relatives' identifiers too).
CATALOGUE_NOT_THE_PATIENTS_TOKENS: frozenset[str] = _CARERS_AND_ORGANISATIONS | frozenset(
    (
        "insurance",
        "employer",
        "owner",
        "sender",
        "file",
        "document",
        "template",
        "record",
        "type",
        "account",
        "campaign",
        "program",
        "plan",
        "study",
        "site",
        "queue",
        "group",
    )
)
# Custom objects whose name says each record is a piece of one patient's clinical record (the name ends
# with one of these: `Lab_Result__c`, `Patient_Prescription__c`, `Vital_Signs__c`); like the Health Cloud
# clinical objects, their fields are PHI except system, lookup and status-like fields. A name that
# goes on (`Medical_Record_Vendor__c`, `Lab_Test_Master_List__c`) is something else.
CATALOGUE_CLINICAL_RECORD_NAME_ENDINGS: tuple[tuple[str, ...], ...] = (
    ("lab", "result"),
    ("lab", "results"),
    ("test", "result"),
    ("test", "results"),
    ("prescription",),
    ("prescriptions",),
    ("diagnosis",),
    ("diagnoses",),
    ("vital", "signs"),
    ("vitals",),
    ("medical", "record"),
    ("medical", "records"),
    ("medical", "note"),
    ("medical", "notes"),
    ("clinical", "note"),
    ("clinical", "notes"),
    ("treatment", "plan"),
    ("treatment", "plans"),
    ("medical", "history"),
    ("immunization",),
    ("immunizations",),
)


def _name_ending(tokens: list[str], endings: tuple[tuple[str, ...], ...]) -> tuple[str, ...] | None:
    """The first of `endings` that a name's tokens end with."""
    return next((ending for ending in endings if tuple(tokens[-len(ending) :]) == ending), None)


# The object-name predicates below are pure functions of the name, asked for every field question.
@functools.lru_cache(maxsize=4096)
def clinical_record_object(obj: str) -> tuple[str, ...] | None:
    """The ending of `obj`'s name that makes it a piece of a patient's clinical record, or None."""
    tokens = name_tokens(obj)
    if CATALOGUE_NON_PERSON_OBJECT_TOKENS.intersection(tokens) or employment_object(obj):
        return None
    return _name_ending(tokens, CATALOGUE_CLINICAL_RECORD_NAME_ENDINGS)


# Custom objects whose name says each record is an entry of a code system or dictionary
# (`ICD10_Code__c`, `MedDRA_Preferred_Term__c`, `Drug_Dictionary__c`): reference data like the Health Cloud
# code sets, no patient in them, so the clinical words of their fields (`icd10_code__c`) are not PHI
# (a birth date or SSN named there still is; metadata and `[phi]` patterns still apply). An object
# whose name is also clinical (`Encounter_Diagnosis_Code__c`, `Patient_Code__c`) may be a patient's own
# record and is not one.
CATALOGUE_CODE_SET_NAME_ENDINGS: tuple[tuple[str, ...], ...] = (
    ("code",),
    ("codes",),
    ("code", "set"),
    ("code", "sets"),
    ("term",),
    ("terms",),
    ("dictionary",),
    ("terminology",),
    ("vocabulary",),
)


# Words in an object's name that name a medical code system (`MedDRA_System_Organ_Class__c`,
# `SNOMED_Concept__c`): its records are that terminology's entries, like CATALOGUE_CODE_SET_NAME_ENDINGS.
CATALOGUE_CODE_SYSTEM_OBJECT_TOKENS: frozenset[str] = frozenset(("meddra", "snomed", "loinc", "rxnorm"))


@functools.lru_cache(maxsize=4096)
def code_set_object(obj: str) -> bool:
    """Is `obj` a code system's or dictionary's entries (`MedDRA_Preferred_Term__c`), not a clinical
    record?"""
    tokens = name_tokens(obj)
    if CATALOGUE_CLINICAL_OBJECT_TOKENS.intersection(tokens) or clinical_record_object(obj):
        return False
    if patient_object(obj):
        return False
    joined = {a + b for a, b in itertools.pairwise(tokens)}  # `MedDRA` reads as med, dra
    if (
        CATALOGUE_CODE_SYSTEM_OBJECT_TOKENS.intersection(tokens)
        or CATALOGUE_CODE_SYSTEM_OBJECT_TOKENS & joined
    ):
        return True
    return _name_ending(tokens, CATALOGUE_CODE_SET_NAME_ENDINGS) is not None


# Field types that hold a way to reach a person, whatever the field is called.
PATIENT_CONTACT_FIELD_TYPES = frozenset(("email", "phone"))


@functools.lru_cache(maxsize=4096)
def patient_object(obj: str) -> bool:
    """Is `obj` a patient's own record (`Patient__c`), not about animals or a patient-facing thing?"""
    tokens = set(name_tokens(obj))
    return bool(CATALOGUE_PATIENT_OBJECT_TOKENS & tokens) and not CATALOGUE_NON_PERSON_OBJECT_TOKENS & tokens


def patient_identifier(fld: str, field_type: str = "") -> bool:
    """A field of a patient's record that names or reaches the patient (`First_Name__c`, `Email__c`,
    `Mobile_Phone__c`, `Mailing_Street__c`, `Emergency_Contact_Phone__c`), not someone else's
    (`Physician_Phone__c`, `Insurance_Company_Name__c`)."""
    tokens = set(name_tokens(fld))
    if tokens & CATALOGUE_NOT_THE_PATIENTS_TOKENS:
        return False
    return (
        bool(tokens & CATALOGUE_PATIENT_IDENTIFIER_TOKENS)
        or field_type.lower() in PATIENT_CONTACT_FIELD_TYPES
    )


# Words that, right after a clinical word, make a field a measure of a service rather than a health fact:
# a specialty's `Diagnosis_Duration_In_Minutes__c` (how long a diagnostic visit is booked for) or a price
# list's `Prescription_Fee__c`. Only on objects that are not a patient's or clinical (see
# `measure_of_a_service`): on `Patient__c` the same words still say the patient has that condition.
CATALOGUE_MEASURE_TOKENS: frozenset[str] = frozenset(
    ("duration", "minutes", "mins", "hours", "fee", "fees", "price", "cost", "charge", "charges")
)


@functools.lru_cache(maxsize=4096)
def measure_of_a_service(obj: str, fld: str, seq: tuple[str, ...]) -> bool:
    """Does `fld` use the clinical words `seq` only to qualify a duration or a price, on an object that is
    neither a patient's record nor clinical (`Specialization__c.Diagnosis_Duration_In_Minutes__c`)?"""
    obj_tokens = name_tokens(obj)
    if CATALOGUE_CLINICAL_OBJECT_TOKENS.intersection(obj_tokens) or patient_object(obj):
        return False
    tokens = name_tokens(fld)
    n = len(seq)
    start = next((i for i in range(len(tokens) - n + 1) if tuple(tokens[i : i + n]) == seq), None)
    return start is not None and start + n < len(tokens) and tokens[start + n] in CATALOGUE_MEASURE_TOKENS


# Field types that hold no identifier whatever the field is called (`Patient_Address_Verified__c`).
NON_IDENTIFIER_FIELD_TYPES = frozenset(("checkbox",))


def patients_identifier_field(fld: str, field_type: str = "") -> bool:
    """A field named as the patient's identifier or contact detail on a record that is not the patient's
    own (`Appointment__c.Patient_Name__c`, `Case.Patient_Postal_Code__c`, `Visit__c.PatientEmail__c`): a
    copy of the patient's name or address kept beside their care is PHI as it is on `Patient__c`. The
    field's own words must say "patient" (`Appointment__c.Email__c` says nothing about whose it is) and
    nothing of someone else (`Patient_Doctor_Name__c`)."""
    if field_type.lower() in NON_IDENTIFIER_FIELD_TYPES:
        return False
    if not CATALOGUE_PATIENT_OBJECT_TOKENS.intersection(name_tokens(fld)):
        return False
    return patient_identifier(fld, field_type)


# Words in an object's name that make its records employment records (`Employee_Profile__c`,
# `Payroll_Record__c`): HIPAA excludes employment records held by a covered entity in its role as
# employer from PHI (45 CFR 160.103), so a staff member's birth date or SSN there is personal data, not
# PHI. Only the demographic identifiers in CATALOGUE_EMPLOYMENT_IDENTIFIER_TOKENS are let go: a health
# fact named on such an object (an occupational-health `Diagnosis__c`) is still reported, and so is
# any object whose name is also clinical (`Employee_Patient_Link__c`).
CATALOGUE_EMPLOYMENT_OBJECT_TOKENS: frozenset[str] = frozenset(
    ("employee", "employees", "employment", "payroll")
)
CATALOGUE_EMPLOYMENT_IDENTIFIER_TOKENS: frozenset[tuple[str, ...]] = frozenset(
    (
        ("ssn",),
        ("social", "security"),
        *BIRTH_DATE_TOKENS,
        *DEATH_DATE_TOKENS,
    )
)


@functools.lru_cache(maxsize=4096)
def employment_object(obj: str) -> bool:
    """Is `obj` an employment record (`Employee_Personal_Detail__c`) and not also a clinical one?"""
    tokens = set(name_tokens(obj))
    return bool(CATALOGUE_EMPLOYMENT_OBJECT_TOKENS & tokens) and not CATALOGUE_CLINICAL_OBJECT_TOKENS & tokens


# A patient's own records. Under HIPAA, health information in a record tied to an identifiable patient
# is PHI, whatever its field is called: a `Medication__c` child of `Patient__c` holds that patient's drug
# in `Name__c` and the dose in `Quantity__c`. A master-detail relationship ties every child record to one
# patient (it cannot exist without its master, and shares its sharing), so such a child, or a child of
# such a child (`Labor__c` -> `Pregnancy__c` -> `Patient__c`), is part of the patient's file. Which of its
# fields are PHI (`PhiModel.patient_record_reason`):
# - free text (FREE_TEXT_FIELD_TYPES): notes, complaints, goals and summaries are written about the
#   patient's care (an appointment's `Notes__c`, a care plan's `Goals__c`), also on the patient's own record;
# - every data field, like a clinical record named so (`Lab_Result__c`), when the child's own name also
#   says it records a health fact (CATALOGUE_PATIENT_RECORD_CLINICAL_TOKENS: `Medication__c`,
#   `Pregnancy__c`, `Visit_Result__c`), except lookups, system fields and CATALOGUE_NOT_PHI_FIELDS.
# Not PHI there: a `Status__c` picklist, an insurance or billing child's `Amount__c` (payment data, but an
# amount alone names no health fact and would drown the findings), an appointment's date, an
# auto-number `Name`. A plain Lookup to a patient is weaker evidence (optional, and the record may be a
# room's or a doctor's that merely points at a patient): it makes only free text PHI, and not on an
# object whose name says it is someone else's or a resource (CATALOGUE_NOT_A_PATIENTS_RECORD_TOKENS).
# The patient is an object whose name says so (`Patient__c`, `HealthCloudGA__EhrPatient__c`), a clinical
# record (`Prescription__c`, a Health Cloud clinical object), or a Contact or (person) Account reached
# through a field whose own name says patient (`Appointment__c.Patient__c` -> Contact).
FREE_TEXT_FIELD_TYPES = frozenset(("textarea", "longtextarea", "html"))
# Words in a free-text field's name that make it an address or an integration's diagnostics, not prose
# about the patient (`Payment_Link__c`, `Survey_URL__c`, `Last_Error__c`).
CATALOGUE_NOT_PROSE_TOKENS: frozenset[str] = frozenset(
    ("link", "links", "url", "uri", "href", "error", "errors", "exception")
)
# Last words of a field's name that make it the classification or technical key of a patient's clinical
# record, not its content, like `Status` and `Type` on the Health Cloud objects (`Result_Type__c` holds
# a label's name, `SDH_Key__c` an integration's key).
CATALOGUE_RECORD_CLASSIFIER_TOKENS: frozenset[str] = frozenset(("status", "type", "category", "key"))
CATALOGUE_PATIENT_RECORD_CLINICAL_TOKENS: frozenset[str] = frozenset(
    (
        "medication",
        "medications",
        "medicine",
        "medicines",
        "drug",
        "drugs",
        "dose",
        "doses",
        "dosage",
        "symptom",
        "symptoms",
        "vital",
        "vitals",
        "allergy",
        "allergies",
        "pregnancy",
        "pregnancies",
        "labor",
        "labour",
        "birth",
        "diagnosis",
        "diagnoses",
        "treatment",
        "treatments",
        "therapy",
        "therapies",
        "prescription",
        "prescriptions",
        "lab",
        "result",
        "results",
        "observation",
        "observations",
        "reading",
        "readings",
        "measurement",
        "measurements",
        "immunization",
        "immunizations",
        "vaccination",
        "vaccinations",
        "procedure",
        "procedures",
        "surgery",
        "surgeries",
        "condition",
        "conditions",
        "medical",
        "clinical",
    )
)
# Words in a name of an object that points at a patient by Lookup and keeps someone else's or a
# resource's records (`Doctor__c.Last_Patient__c`, `Room__c.Assigned_Patient__c`). Not "insurance": a
# policy that points at its patient is the patient's.
CATALOGUE_NOT_A_PATIENTS_RECORD_TOKENS: frozenset[str] = _CARERS_AND_ORGANISATIONS | frozenset(
    (
        "doctors",
        "physicians",
        "providers",
        "nurses",
        "staff",
        "employee",
        "room",
        "rooms",
        "bed",
        "beds",
        "ward",
        "wards",
        "users",
    )
)
# Objects a field named after the patient may point at when the patient is a person record.
PERSON_OBJECTS = frozenset(("contact", "account", "personaccount", "individual"))
# How far up a chain of master-detail relationships a patient is looked for (Salesforce allows three
# levels of master-detail below a master).
PATIENT_RECORD_DEPTH = 3


class PatientLink(NamedTuple):
    """Why an object's records are a patient's: the relationship field on the object (`via`), the
    patient or clinical record it leads to (`patient`) and whether it is master-detail all the way."""

    via: FieldFacts
    patient: str
    master_detail: bool


def _patient_parent(reference: str, relationship: str) -> bool:
    """Is `reference` (the object a relationship field named `relationship` points at) a patient?"""
    if not reference:
        return False
    low = reference.lower()
    if patient_object(reference) or low in CATALOGUE_OBJECTS or clinical_record_object(reference):
        return low not in CATALOGUE_REFERENCE_OBJECTS
    named_patient = CATALOGUE_PATIENT_OBJECT_TOKENS.intersection(name_tokens(relationship))
    return low in PERSON_OBJECTS and bool(named_patient)


# Values that look like PHI wherever they appear (page titles, URLs, rendered text).
PHI_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ssn", re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")),
    ("mrn", re.compile(r"\bMRN[\s:#=_-]*[A-Z]{0,3}\d{5,12}\b", re.IGNORECASE)),
    (
        "date-of-birth",
        re.compile(
            r"\b(?:dob|birth[\s_-]*date|date[\s_-]*of[\s_-]*birth|birthdate)[\s:=_-]*"
            r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})",
            re.IGNORECASE,
        ),
    ),
)

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_CUSTOM_SUFFIX = re.compile(r"__(c|r|pc|pr|s|x|mdt|e|b|kav|history|share|feed)$", re.IGNORECASE)


def name_tokens(name: str) -> list[str]:
    """`HealthCloudGA__Patient_SSN__c` -> ['patient', 'ssn']; `DateOfBirth` -> ['date', 'of', 'birth']."""
    base = _CUSTOM_SUFFIX.sub("", name.strip())
    if "__" in base:  # drop a namespace prefix
        base = base.split("__", 1)[1]
    tokens: list[str] = []
    for part in re.split(r"[^A-Za-z0-9]+", base):
        tokens += [t.lower() for t in _CAMEL.findall(part)]
    return tokens


def _contains_sequence(tokens: list[str], seq: tuple[str, ...]) -> bool:
    n = len(seq)
    return any(
        tuple(tokens[i : i + n]) == seq
        and not (seq[0] == "member" and i > 0 and tokens[i - 1] in CATALOGUE_NOT_HEALTH_MEMBER_TOKENS)
        for i in range(len(tokens) - n + 1)
    )


@functools.lru_cache(maxsize=65536)  # a pure function of the name, asked for every field read of every file
def catalogue_name_match(name: str) -> tuple[str, ...] | None:
    tokens = name_tokens(name)
    for seq in CATALOGUE_NAME_TOKENS:
        if _contains_sequence(tokens, seq):
            return seq
    return None


@functools.lru_cache(maxsize=16384)
def catalogue_context_match(obj: str | None, name: str) -> tuple[str, ...] | None:
    """A CATALOGUE_CONTEXT_NAME_TOKENS word in `name`, when the object `obj` is itself clinical."""
    if not obj or not CATALOGUE_CLINICAL_OBJECT_TOKENS.intersection(name_tokens(obj)):
        return None
    tokens = name_tokens(name)
    for seq in CATALOGUE_CONTEXT_NAME_TOKENS:
        if _contains_sequence(tokens, seq):
            return seq
    return None


_STANDARD_LOOKUP = re.compile(r"[a-z0-9]Id$")
LOOKUP_FIELD_TYPES = frozenset(("lookup", "masterdetail", "hierarchy", "metadatarelationship"))


def is_lookup_field(fld: str, field_type: str = "") -> bool:
    """A foreign key: a standard `...Id` field (PatientId, CaseId, MemberId) or a custom lookup.

    Its value is an opaque record Id, never PHI by itself, like `Id`; what it points at may be."""
    if field_type and field_type.lower() in LOOKUP_FIELD_TYPES:
        return True
    return "__" not in fld and fld not in SYSTEM_FIELDS_NAMES and bool(_STANDARD_LOOKUP.search(fld))


def coded_relationship(relationship: str) -> bool:
    """`Medication`, `Code`, `ReasonCode`: a lookup from a clinical record to the code or drug it records."""
    return any(
        fnmatch.fnmatchcase(relationship.lower(), p.lower()) for p in CATALOGUE_CODED_RELATIONSHIP_NAMES
    )


def relationship_to_object(name: str) -> str:
    """`Patient__r` -> `Patient__c`; standard relationships (`Account`) stay as they are."""
    if name.lower().endswith("__r"):
        return name[:-3] + "__c"
    if name.lower().endswith("__pr"):
        return name[:-4] + "__pc"
    return name


@dataclass(frozen=True, slots=True)
class PhiReason:
    """Why something is PHI, for messages and SARIF properties."""

    source: str  # "metadata" | "catalogue" | "pattern" | "object"
    detail: str
    # Where the evidence is, when it is a file of the project (relative POSIX path).
    evidence_path: str = ""
    evidence_line: int = 0

    def describe(self) -> str:
        return f"{self.detail} ({self.source})"


@dataclass
class FieldFacts:
    """What project metadata says about one field."""

    object_name: str
    field_name: str
    path: str
    line: int
    compliance_groups: tuple[str, ...] = ()
    security_classification: str = ""
    field_type: str = ""
    label: str = ""
    encryption_scheme: str = ""
    track_history: bool | None = None
    # The object a Lookup or MasterDetail field points at (`<referenceTo>`), else "".
    reference_to: str = ""


@dataclass
class PhiSettings:
    """The `[phi]` table of phi-lint.toml."""

    fields: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    not_phi: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    compliance_groups: tuple[str, ...] = ("HIPAA", "PHI")
    security_classifications: tuple[str, ...] = ()
    builtin_catalogue: bool = True


@dataclass
class PhiModel:
    settings: PhiSettings = field(default_factory=PhiSettings)
    # object (lower) -> field (lower) -> facts, for every field found in project metadata.
    metadata: dict[str, dict[str, FieldFacts]] = field(default_factory=dict)
    # object (lower) -> AutoNumber name field?
    autonumber_names: dict[str, bool] = field(default_factory=dict)
    # Canonical spelling of object names seen in metadata, by lower-case name.
    object_spelling: dict[str, str] = field(default_factory=dict)
    # Objects whose metadata declares a `customSettingsType` (List or Hierarchy custom settings), by
    # lower-case name: configuration rows without record sharing, never a patient's record.
    custom_settings: set[str] = field(default_factory=set)
    # Objects the project has an object file for (`.object-meta.xml`, `.object`), by lower-case name.
    object_files: set[str] = field(default_factory=set)

    # ---- building -------------------------------------------------------------------------------
    def add_field(self, facts: FieldFacts) -> None:
        obj = facts.object_name.lower()
        self.object_spelling.setdefault(obj, facts.object_name)
        self.metadata.setdefault(obj, {})[facts.field_name.lower()] = facts
        self.__dict__.pop("_relationship_index", None)  # built from the metadata on first use

    # ---- a patient's own records (see CATALOGUE_PATIENT_RECORD_CLINICAL_TOKENS) ---------------------
    def _relationships(self) -> dict[str, tuple[FieldFacts, ...]]:
        """The Lookup and MasterDetail fields with a known target, by object (lower case). Kept outside
        the dataclass fields, so the model's digest and equality do not depend on when it was asked."""
        index: dict[str, tuple[FieldFacts, ...]] | None = self.__dict__.get("_relationship_index")
        if index is None:
            index = {}
            for obj, by_field in self.metadata.items():
                links = tuple(
                    f
                    for f in by_field.values()
                    if f.reference_to and f.field_type.lower() in ("masterdetail", "lookup")
                )
                if links:
                    index[obj] = links
            self.__dict__["_relationship_index"] = index
        return index

    def _master_detail_patient(self, via: FieldFacts, depth: int) -> str | None:
        """The patient a master-detail field leads to, directly or through its master's own
        master-detail fields (bounded, so a cycle in broken metadata ends)."""
        if _patient_parent(via.reference_to, via.field_name):
            return via.reference_to
        if depth >= PATIENT_RECORD_DEPTH:
            return None
        for up in self._relationships().get(via.reference_to.lower(), ()):
            if up.field_type.lower() == "masterdetail":
                found = self._master_detail_patient(up, depth + 1)
                if found:
                    return found
        return None

    def patient_link(self, obj: str) -> PatientLink | None:
        """Why `obj`'s records belong to a patient: a master-detail chain to one, else a Lookup to one
        on an object that is not someone else's or a resource. None for the patient object itself."""
        links = self._relationships().get(obj.lower(), ())
        for via in links:
            if via.field_type.lower() == "masterdetail":
                patient = self._master_detail_patient(via, 1)
                if patient:
                    return PatientLink(via, patient, True)
        if CATALOGUE_NOT_A_PATIENTS_RECORD_TOKENS.intersection(name_tokens(obj)):
            return None
        for via in links:
            if via.field_type.lower() == "lookup" and _patient_parent(via.reference_to, via.field_name):
                return PatientLink(via, via.reference_to, False)
        return None

    def patient_clinical_record(self, obj: str) -> tuple[str, PatientLink] | None:
        """The clinical word of a master-detail child of a patient whose own name says it records a
        health fact (`Medication__c` under `Patient__c`), and the link; None otherwise."""
        word = next((t for t in name_tokens(obj) if t in CATALOGUE_PATIENT_RECORD_CLINICAL_TOKENS), None)
        if word is None or patient_object(obj):
            return None
        link = self.patient_link(obj)
        if link is None or not link.master_detail:
            return None
        return word, link

    def _patient_record_reason(self, obj: str, fld: str, facts: FieldFacts | None) -> PhiReason | None:
        """`obj.fld` as a piece of a patient's own record (see CATALOGUE_PATIENT_RECORD_CLINICAL_TOKENS)."""
        low = fld.lower()
        tokens = name_tokens(fld)
        if CATALOGUE_NOT_PROSE_TOKENS.intersection(tokens):
            return None  # `Payment_Link__c`, `Last_Error__c`: an address or diagnostics, not the patient's
        field_type = facts.field_type.lower() if facts is not None else ""
        if field_type in FREE_TEXT_FIELD_TYPES and patient_object(obj):
            return PhiReason(
                "catalogue", f"{obj}.{fld} is free text on a patient's record", facts.path if facts else "", 0
            )
        link = self.patient_link(obj)
        if link is None:
            return None
        kind = "master-detail" if link.master_detail else "a lookup"
        why = f"{link.via.object_name}.{link.via.field_name} is {kind} to {link.patient}"
        if field_type in FREE_TEXT_FIELD_TYPES:
            detail = f"{obj}.{fld} is free text on a patient's record ({why})"
            return PhiReason("catalogue", detail, link.via.path, link.via.line)
        clinical = self.patient_clinical_record(obj)
        base = low[:-3] if low.endswith("__c") else low
        lookup_like = low in self.metadata or low in self.object_files
        # A custom `Name__c` is free to hold the drug's name (only the standard Name can be an auto-number).
        not_phi = (base in CATALOGUE_NOT_PHI_FIELDS and low != "name__c") or bool(
            tokens and tokens[-1] in CATALOGUE_RECORD_CLASSIFIER_TOKENS
        )
        if clinical and low != "name" and not not_phi and not lookup_like:
            return PhiReason(
                "catalogue",
                f"{obj}.{fld} is part of a patient's {clinical[0]} record ({why})",
                link.via.path,
                link.via.line,
            )
        return None

    # ---- questions ------------------------------------------------------------------------------
    def _matches(self, patterns: Iterable[str], obj: str | None, fld: str) -> str | None:
        qualified = f"{obj}.{fld}" if obj else fld
        for pattern in patterns:
            p = pattern.lower()
            if "." in p:
                if obj and fnmatch.fnmatchcase(qualified.lower(), p):
                    return pattern
            elif fnmatch.fnmatchcase(fld.lower(), p):
                return pattern
        return None

    def field_facts(self, obj: str | None, fld: str) -> FieldFacts | None:
        if obj:
            return self.metadata.get(obj.lower(), {}).get(fld.lower())
        return None

    def metadata_is_phi(self, facts: FieldFacts) -> bool:
        groups = {g.lower() for g in facts.compliance_groups}
        wanted = {g.lower() for g in self.settings.compliance_groups}
        if groups & wanted:
            return True
        sc = facts.security_classification.lower()
        return bool(sc) and sc in {s.lower() for s in self.settings.security_classifications}

    def field_reason(self, obj: str | None, fld: str) -> PhiReason | None:
        """Is `obj.fld` PHI? `fld` may be a relationship path (`Patient__r.SSN__c`)."""
        if "." in fld:
            parts = fld.split(".")
            base = obj
            obj, fld = relationship_to_object(parts[-2]), parts[-1]
            if (
                len(parts) == 2
                and base
                and self.settings.builtin_catalogue
                and base.lower() in CATALOGUE_OBJECTS
                and coded_relationship(parts[0])
                and fld.lower() not in SYSTEM_FIELDS
                and not self._matches(self.settings.not_phi, obj, fld)
            ):
                return PhiReason(
                    "catalogue", f"{base}.{parts[0]}.{fld} names the coded clinical fact of a {base}"
                )
        if self._matches(self.settings.not_phi, obj, fld):
            return None
        facts = self.field_facts(obj, fld)
        if facts is not None and self.metadata_is_phi(facts):
            groups = ";".join(facts.compliance_groups) or facts.security_classification
            return PhiReason(
                "metadata", f"{facts.object_name}.{facts.field_name} is {groups}", facts.path, facts.line
            )
        pattern = self._matches(self.settings.fields, obj, fld)
        if pattern:
            return PhiReason("pattern", f"{obj + '.' if obj else ''}{fld} matches [phi] fields '{pattern}'")
        if not self.settings.builtin_catalogue:
            return None
        low = fld.lower()
        if obj and f"{obj.lower()}.{low}" in CATALOGUE_FIELDS:
            return PhiReason("catalogue", f"{obj}.{fld} is a Health Cloud patient identifier")
        if obj and obj.lower() in CATALOGUE_REFERENCE_OBJECTS:
            return None  # code sets, drugs, programs, templates: no patient in these records
        if is_lookup_field(fld, facts.field_type if facts is not None else ""):
            return None  # a record Id (PatientId, CaseId, MemberId), like Id itself
        if obj and obj.lower() in CATALOGUE_OBJECTS and low not in SYSTEM_FIELDS:
            if low not in CATALOGUE_NOT_PHI_FIELDS:
                return PhiReason("catalogue", f"{obj}.{fld} is clinical data (Health Cloud {obj})")
            return None
        if low in SYSTEM_FIELDS:
            return None
        if low == "name" and obj and self.autonumber_names.get(obj.lower()) is False:
            # A PHI object whose Name is free text (not an auto-number) usually holds the patient's name.
            owner = self.object_reason(obj)
            if owner is not None and owner.source != "object":
                return PhiReason(
                    owner.source,
                    f"{obj}.Name is a text name of a PHI record",
                    owner.evidence_path,
                    owner.evidence_line,
                )
            return None
        # Metadata that classifies a field explicitly (not PHI) beats a guess from its name.
        if facts is not None and facts.compliance_groups:
            return None
        # (The standard Name is judged above: an auto-number there names nobody.)
        field_type = facts.field_type if facts is not None else ""
        if low != "name" and obj and patient_object(obj) and patient_identifier(fld, field_type):
            return PhiReason("catalogue", f"{obj}.{fld} identifies or reaches the patient of a {obj} record")
        if obj and CATALOGUE_NON_PERSON_OBJECT_TOKENS.intersection(name_tokens(obj)):
            return None  # an animal's or a vehicle's record
        if low != "name" and patients_identifier_field(fld, field_type):
            return PhiReason("catalogue", f"{obj + '.' if obj else ''}{fld} identifies or reaches a patient")
        if facts is not None and facts.field_type.lower() == "url":
            # A link field: its name says what it points at (`Link_to_Medical_Record_Review__c`, a survey
            # form's address on a study), not a health fact it holds. Metadata and [phi] patterns still apply.
            return None
        owned = self._patient_record_reason(obj, fld, facts) if obj else None
        if owned is not None:
            return owned
        ending = clinical_record_object(obj) if obj and low != "name" else None
        base = low[:-3] if low.endswith("__c") else low
        # A field named after an object of the project (`Patient__c`, `Encounter__c`) is its lookup:
        # a record Id, whatever the metadata we have not seen says.
        lookup_like = low in self.metadata or low in self.object_files
        if ending and base not in CATALOGUE_NOT_PHI_FIELDS and not lookup_like:
            return PhiReason("catalogue", f"{obj}.{fld} is part of a {' '.join(ending)} (a clinical record)")
        seq = catalogue_name_match(fld) or catalogue_context_match(obj, fld)
        if seq in CATALOGUE_EMPLOYMENT_IDENTIFIER_TOKENS and obj and employment_object(obj):
            return None  # a staff member's birth date or SSN: an employment record, not PHI
        if seq and seq not in CATALOGUE_EMPLOYMENT_IDENTIFIER_TOKENS and obj and code_set_object(obj):
            return None  # an entry of a code system (`MedDRA_Preferred_Term__c.icd10_code__c`)
        if seq and obj and measure_of_a_service(obj, fld, seq):
            return None  # `Specialization__c.Diagnosis_Duration_In_Minutes__c`: a booking length
        if seq:
            return PhiReason("catalogue", f"{obj + '.' if obj else ''}{fld} names {' '.join(seq)}")
        return None

    def is_phi_field(self, obj: str | None, fld: str) -> bool:
        return self.field_reason(obj, fld) is not None

    def object_reason(self, obj: str) -> PhiReason | None:
        """A PHI object's whole record is PHI (e.g. `System.debug(patient)`)."""
        low = obj.lower()
        if self._matches(self.settings.not_phi, None, obj):
            return None
        pattern = self._matches(self.settings.objects, None, obj)
        if pattern:
            return PhiReason("pattern", f"{obj} matches [phi] objects '{pattern}'")
        if self.settings.builtin_catalogue and low in CATALOGUE_OBJECTS:
            return PhiReason("catalogue", f"{obj} is a Health Cloud clinical object")
        ending = clinical_record_object(obj) if self.settings.builtin_catalogue else None
        if ending:
            return PhiReason("catalogue", f"{obj} is a {' '.join(ending)} (a clinical record)")
        clinical = self.patient_clinical_record(obj) if self.settings.builtin_catalogue else None
        if clinical:
            word, link = clinical
            return PhiReason(
                "catalogue",
                f"{obj} is a patient's {word} record ({link.via.object_name}.{link.via.field_name} is "
                f"master-detail to {link.patient})",
                link.via.path,
                link.via.line,
            )
        for facts in self.metadata.get(low, {}).values():
            if self.metadata_is_phi(facts):
                return PhiReason(
                    "metadata", f"{obj} has PHI field {facts.field_name}", facts.path, facts.line
                )
        for field_name in self.metadata.get(low, {}):
            reason = self.field_reason(obj, field_name)
            if reason:
                return PhiReason(
                    "object", f"{obj} has PHI field {field_name}", reason.evidence_path, reason.evidence_line
                )
        return None

    def is_phi_object(self, obj: str) -> bool:
        return self.object_reason(obj) is not None

    def phi_fields(self, obj: str) -> list[str]:
        """The PHI fields of an object that project metadata declares (canonical spelling)."""
        return sorted(
            facts.field_name
            for facts in self.metadata.get(obj.lower(), {}).values()
            if self.field_reason(facts.object_name, facts.field_name)
        )

    def label_reason(self, label: str) -> PhiReason | None:
        """Is a column header or form label about PHI? Used by sweeps and template checks."""
        for pattern in self.settings.labels:
            if fnmatch.fnmatchcase(label.lower().strip(), pattern.lower()):
                return PhiReason("pattern", f"label '{label}' matches [phi] labels '{pattern}'")
        if self.settings.builtin_catalogue:
            seq = catalogue_name_match(label)
            if seq:
                return PhiReason("catalogue", f"label names {' '.join(seq)}")
        low = label.lower().strip()
        for by_field in self.metadata.values():
            for facts in by_field.values():
                if facts.label and facts.label.lower() == low and self.metadata_is_phi(facts):
                    return PhiReason("metadata", f"label of {facts.object_name}.{facts.field_name}")
        return None

    @staticmethod
    def find_phi_values(text: str) -> Iterator[tuple[str, re.Match[str]]]:
        for kind, pattern in PHI_VALUE_PATTERNS:
            for match in pattern.finditer(text):
                yield kind, match


class PhiAnswers:
    """The PHI model's answers, memoized for the whole run: the model matches names and walks
    metadata on every question, and a project asks the same few hundred questions thousands of times
    (the Apex data flow and the SOQL rules ask about every query). Kept beside the model (keyed by
    identity) rather than on it, so the model itself is unchanged."""

    _by_model: dict[int, tuple[PhiModel, PhiAnswers]] = {}

    def __init__(self, phi: PhiModel) -> None:
        self.phi = phi
        self._fields: dict[tuple[str | None, str], PhiReason | None] = {}
        self._spelled: dict[tuple[str | None, str], PhiReason | None] = {}
        self._objects: dict[str, PhiReason | None] = {}
        self._objects_spelled: dict[str, PhiReason | None] = {}
        self._field_names: dict[str, tuple[str, ...]] = {}

    @classmethod
    def of(cls, phi: PhiModel) -> PhiAnswers:
        found = cls._by_model.get(id(phi))
        if found is not None and found[0] is phi:
            return found[1]
        if len(cls._by_model) > 16:  # one model per run; tests build many
            cls._by_model.clear()
        answers = cls(phi)
        cls._by_model[id(phi)] = (phi, answers)
        return answers

    def field_reason(self, obj: str | None, fld: str) -> PhiReason | None:
        """`PhiModel.field_reason`, remembered case-insensitively (the first spelling asked is the one
        the reason's text shows)."""
        key = (obj.lower() if obj else None, fld.lower())
        if key not in self._fields:
            self._fields[key] = self.phi.field_reason(obj, fld)
        return self._fields[key]

    def field_reason_as_spelled(self, obj: str | None, fld: str) -> PhiReason | None:
        """`PhiModel.field_reason`, remembered by exact spelling (the reason's text spells the object
        and field as asked, as the SOQL rules show them)."""
        key = (obj, fld)
        spelled = self._spelled
        if key in spelled:
            return spelled[key]
        reason = spelled[key] = self.phi.field_reason(obj, fld)
        return reason

    def object_reason_as_spelled(self, obj: str) -> PhiReason | None:
        """`PhiModel.object_reason`, remembered by exact spelling and asked for every name (the SOQL
        rules ask about the objects a query names, `SObject` included, as written)."""
        spelled = self._objects_spelled
        if obj in spelled:
            return spelled[obj]
        reason = spelled[obj] = self.phi.object_reason(obj)
        return reason

    def object_reason(self, obj: str) -> PhiReason | None:
        key = obj.lower()
        if key not in self._objects:
            self._objects[key] = None if key in ("sobject", "id") else self.phi.object_reason(obj)
        return self._objects[key]

    def phi_field_names(self, obj: str) -> tuple[str, ...]:
        """`Patient__c.SSN__c, ...`: the object's PHI fields its metadata declares, qualified."""
        key = obj.lower()
        if key not in self._field_names:
            self._field_names[key] = tuple(f"{obj}.{f}" for f in self.phi.phi_fields(obj))
        return self._field_names[key]


# ---- reading field metadata -----------------------------------------------------------------------


def _split_groups(value: str) -> tuple[str, ...]:
    return tuple(g.strip() for g in re.split(r"[;,]", value) if g.strip())


def read_field_file(path: Path, rel: str) -> FieldFacts | None:
    """`objects/<Object>/fields/<Field>.field-meta.xml` (source format)."""
    root = xmlsafe.parse_file(path)
    object_name = path.parent.parent.name
    full_name = xmlsafe.child_text(root, "fullName") or path.name.split(".")[0]
    return _facts_from_element(root, object_name, full_name, rel, xmlsafe.line_of(root, "fullName"))


def _facts_from_element(
    element: xmlsafe.Element, object_name: str, field_name: str, rel: str, line: int
) -> FieldFacts:
    track = xmlsafe.child_text(element, "trackHistory")
    return FieldFacts(
        object_name=object_name,
        field_name=field_name,
        path=rel,
        line=line,
        compliance_groups=_split_groups(xmlsafe.child_text(element, "complianceGroup")),
        security_classification=xmlsafe.child_text(element, "securityClassification"),
        field_type=xmlsafe.child_text(element, "type"),
        label=xmlsafe.child_text(element, "label"),
        encryption_scheme=xmlsafe.child_text(element, "encryptionScheme"),
        track_history=None if not track else track.strip().lower() == "true",
        reference_to=xmlsafe.child_text(element, "referenceTo").strip(),
    )


class ObjectFileFacts(NamedTuple):
    """What an object file says: its inline fields, whether Name is an AutoNumber (None: not said),
    and whether the object is a custom setting (`customSettingsType` List or Hierarchy)."""

    fields: list[FieldFacts]
    autonumber: bool | None
    custom_setting: bool


def read_object_file(path: Path, rel: str) -> ObjectFileFacts:
    """An `.object` (MDAPI) or `.object-meta.xml` file: its inline fields, whether Name is AutoNumber
    and whether it is a custom setting."""
    root = xmlsafe.parse_file(path)
    object_name = path.name.split(".")[0]
    facts: list[FieldFacts] = []
    for element in xmlsafe.children(root, "fields"):
        name = xmlsafe.child_text(element, "fullName")
        if name:
            facts.append(
                _facts_from_element(element, object_name, name, rel, xmlsafe.line_of(element, "fullName"))
            )
    autonumber: bool | None = None
    for name_field in xmlsafe.children(root, "nameField"):
        autonumber = xmlsafe.child_text(name_field, "type").lower() == "autonumber"
    custom_setting = bool(xmlsafe.child_text(root, "customSettingsType").strip())
    return ObjectFileFacts(facts, autonumber, custom_setting)
