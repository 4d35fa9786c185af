"""Rule doc pages (docs/rules/<family>/<name>.md and `phi-lint explain`), generated from rules/*.toml."""

from __future__ import annotations

from pathlib import Path

from phi_lint.rules import Registry, RuleMeta

_LANG_BY_SUFFIX = {
    ".cls": "apex",
    ".trigger": "apex",
    ".js": "javascript",
    ".html": "html",
    ".cmp": "html",
    ".email": "html",
}


def _fence(rule: RuleMeta) -> str:
    path = rule.example_path
    if path.endswith(".xml") or "-meta.xml" in path:
        return "xml"
    return next((lang for suffix, lang in _LANG_BY_SUFFIX.items() if path.endswith(suffix)), "")


def render_rule_doc(rule: RuleMeta) -> str:
    fence = _fence(rule)
    lines = [
        f"# {rule.id}",
        "",
        f"**{rule.name}** · severity `{rule.severity.value}` · security-severity {rule.security_severity} · "
        f"status `{rule.status}` · applies to {', '.join(rule.languages) or 'pages'}",
        "",
        "## What it does",
        rule.docs["what"].strip(),
        "",
        "## Why is this bad?",
        rule.docs["why"].strip(),
        "",
        "## Example",
        f"```{fence}",
        rule.docs["example"].strip("\n"),
        "```",
        "",
        "## Use instead",
        f"```{fence}",
        rule.docs["use_instead"].strip("\n"),
        "```",
        "",
    ]
    if rule.options:
        lines += ["## Options", ""]
        lines += [f"- `{name}` (default `{value!r}`)" for name, value in sorted(rule.options.items())]
        lines += ["", f'Set them in phi-lint.toml under `[rules."{rule.id}"]`.', ""]
    if rule.hipaa:
        lines += ["## HIPAA safeguards", ""] + [f"- 45 CFR {h}" for h in rule.hipaa] + [""]
    if rule.wcag:
        lines += ["## WCAG success criteria", ""] + [f"- {w}" for w in rule.wcag] + [""]
    tags = [t for t in rule.all_tags if not t.startswith(("HIPAA-", "WCAG-"))]
    if tags:
        lines += ["## Tags", "", ", ".join(f"`{t}`" for t in tags), ""]
    if rule.closest_pmd_rule:
        lines += ["## Closest PMD rule", "", rule.closest_pmd_rule, ""]
    if rule.references:
        lines += ["## References", ""] + [f"- {r}" for r in rule.references] + [""]
    return "\n".join(lines)


def render_index(registry: Registry) -> str:
    lines = [
        "# phi-lint rules",
        "",
        "Generated from `rules/*.toml` by `phi-lint rules --write-docs docs/rules`.",
        "",
        "| Rule | Severity | Status | Applies to | What it does |",
        "|---|---|---|---|---|",
    ]
    for rule in registry:
        lines.append(
            f"| [`{rule.id}`]({rule.family}/{rule.name}.md) | {rule.severity.value} | {rule.status} | "
            f"{', '.join(rule.languages)} | {rule.short_description.replace('|', '/')} |"
        )
    return "\n".join(lines) + "\n"


def render_catalogue() -> str:
    """docs/rules/phi-catalogue.md: the built-in PHI catalogue, straight from phi.py."""
    from phi_lint import phi

    def names(values: tuple[str, ...]) -> str:
        return ", ".join(f"`{v}`" for v in sorted(values, key=str.lower))

    lines = [
        "# The built-in PHI catalogue",
        "",
        "Used after project field metadata (`complianceGroup`) and before `[phi]` patterns; switch it off",
        "with `[phi] builtin_catalogue = false`, or exclude names with `[phi] not_phi`. Names are compared",
        "case-insensitively; field names are split into words (`Patient_SSN__c` -> patient, ssn), so",
        "`ClassName` never matches `ssn`.",
        "",
        "## Clinical objects (whole records are PHI)",
        "",
        names(phi.CATALOGUE_OBJECTS_NAMES),
        "",
        "Fields of these objects are PHI except system fields and: "
        + names(phi.CATALOGUE_NOT_PHI_FIELDS_NAMES)
        + ".",
        "",
        "Custom objects whose name ends with one of "
        + ", ".join(f"`{' '.join(seq)}`" for seq in phi.CATALOGUE_CLINICAL_RECORD_NAME_ENDINGS)
        + " (`Lab_Result__c`, `Patient_Prescription__c`, not `Medical_Record_Vendor__c`) are pieces of a"
        " patient's clinical record and are treated the same way; a field named after an object of the"
        " project (`Patient__c`) is taken for its lookup.",
        "",
        "## Reference data objects (records describe no patient)",
        "",
        names(phi.CATALOGUE_REFERENCE_OBJECTS_NAMES),
        "",
        "Field names of these objects are not PHI by their words. Read through a clinical record's lookup"
        " named " + names(phi.CATALOGUE_CODED_RELATIONSHIP_NAMES) + " (`MedicationRequest.Medication.Name`,"
        " `HealthCondition.Code.Name`) they are. Lookup fields (standard `...Id` fields such as `PatientId`,"
        " custom Lookup/MasterDetail fields) hold record Ids and are not PHI on their own.",
        "",
        "## Patient identifier fields",
        "",
        names(phi.CATALOGUE_FIELDS_NAMES),
        "",
        "## Field and label names (word sequences)",
        "",
        ", ".join(f"`{' '.join(seq)}`" for seq in phi.CATALOGUE_NAME_TOKENS),
        "",
        "A `member` right after one of "
        + names(tuple(sorted(phi.CATALOGUE_NOT_HEALTH_MEMBER_TOKENS)))
        + " is not a health plan's member (`Campaign_Member_Id__c`, `Team_Member_Id__c`).",
        "",
        "Only on an object whose own name has one of "
        + names(tuple(sorted(phi.CATALOGUE_CLINICAL_OBJECT_TOKENS)))
        + ": "
        + ", ".join(f"`{' '.join(seq)}`" for seq in phi.CATALOGUE_CONTEXT_NAME_TOKENS)
        + " (`Medical_Record__c.Treatment__c`, not `Account.WaterTreatment__c`).",
        "",
        "Never on an object whose own name has one of "
        + names(tuple(sorted(phi.CATALOGUE_NON_PERSON_OBJECT_TOKENS)))
        + " (`Animal__c.Date_of_Birth__c` is an animal's). Nor on a field whose metadata says it is a"
        " link (`<type>Url</type>`): `Study__c.Link_to_Medical_Record_Review__c` names what it points at,"
        " not a health fact it holds (field metadata and `[phi]` patterns still apply).",
        "",
        "On an employment record, an object whose own name has one of "
        + names(tuple(sorted(phi.CATALOGUE_EMPLOYMENT_OBJECT_TOKENS)))
        + " and none of the clinical words above, the demographic identifiers "
        + ", ".join(f"`{' '.join(seq)}`" for seq in sorted(phi.CATALOGUE_EMPLOYMENT_IDENTIFIER_TOKENS))
        + " are not PHI: HIPAA excludes employment records held by a covered entity as employer"
        " (`Employee_Profile__c.Date_of_Birth__c` is a staff member's). Health facts named there still are.",
        "",
        "On an object whose own name ends with one of "
        + ", ".join(f"`{' '.join(seq)}`" for seq in phi.CATALOGUE_CODE_SET_NAME_ENDINGS)
        + " (or has one of "
        + names(tuple(sorted(phi.CATALOGUE_CODE_SYSTEM_OBJECT_TOKENS)))
        + ") and has none of the clinical words above, an entry of a code system or dictionary"
        " (`ICD10_Code__c`, `MedDRA_Preferred_Term__c`), the words of clinical facts are not PHI: there is"
        " no patient in reference data. The demographic identifiers above still are.",
        "",
        "On an object that is neither a patient's nor named with the clinical words above, a word sequence"
        " followed directly by one of "
        + names(tuple(sorted(phi.CATALOGUE_MEASURE_TOKENS)))
        + " measures a service, not a health fact (`Specialization__c.Diagnosis_Duration_In_Minutes__c`).",
        "",
        "## A patient's identifiers on the patient's own record",
        "",
        "On an object whose own name has one of "
        + names(tuple(sorted(phi.CATALOGUE_PATIENT_OBJECT_TOKENS)))
        + " (`Patient__c`), a field whose name has one of "
        + names(tuple(sorted(phi.CATALOGUE_PATIENT_IDENTIFIER_TOKENS)))
        + ", or whose metadata type is "
        + names(tuple(sorted(phi.PATIENT_CONTACT_FIELD_TYPES)))
        + ", names or reaches the patient (`First_Name__c`, `Mobile_Phone__c`, `Emergency_Contact_Phone__c`),"
        " unless its name says it is someone else's: "
        + names(tuple(sorted(phi.CATALOGUE_NOT_THE_PATIENTS_TOKENS)))
        + " (`Physician_Phone__c`). The standard `Name` is PHI only when it is free text. Field metadata"
        " that classifies the field otherwise (a `complianceGroup` of `PII` only) wins.",
        "",
        "On any other object, a field whose own name says `patient` and has one of those identifier words"
        " (`Appointment__c.Patient_Name__c`, `Case.Patient_Postal_Code__c`) is the patient's too, unless"
        " its name says it is someone else's or its metadata type is "
        + names(tuple(sorted(phi.NON_IDENTIFIER_FIELD_TYPES)))
        + ".",
        "",
        "## A patient's own records (master-detail children and lookups)",
        "",
        "HIPAA makes health information in a record tied to an identifiable patient PHI, whatever its fields"
        " are called. A custom object with a `MasterDetail` field whose `referenceTo` is a patient (an"
        " object whose own name says patient, a clinical record above, or a Contact or Account reached"
        " through a field whose own name says patient), directly or through up to "
        + str(phi.PATIENT_RECORD_DEPTH)
        + " levels of master-detail (`Labor__c` -> `Pregnancy__c` -> `Patient__c`), is part of that"
        " patient's file:",
        "",
        "- its free text (metadata types "
        + names(tuple(sorted(phi.FREE_TEXT_FIELD_TYPES)))
        + ": notes, complaints, goals, summaries) is PHI, and so is free text on the patient's own record;",
        "- when its own name also has one of "
        + names(tuple(sorted(phi.CATALOGUE_PATIENT_RECORD_CLINICAL_TOKENS)))
        + " (`Medication__c`, `Pregnancy__c`, `Visit_Result__c`), it is a clinical record of that patient:"
        " every field is PHI (a custom `Name__c` holds the drug's name) except system and relationship"
        " fields, "
        + names(phi.CATALOGUE_NOT_PHI_FIELDS_NAMES)
        + ", and fields whose name ends with "
        + names(tuple(sorted(phi.CATALOGUE_RECORD_CLASSIFIER_TOKENS)))
        + " (the record's classification, not its content).",
        "",
        "A plain `Lookup` to a patient is weaker evidence (it may be empty, and the record may be a room's or"
        " a doctor's that merely points at a patient): it makes only free text PHI, and not on an object"
        " whose own name has one of "
        + names(tuple(sorted(phi.CATALOGUE_NOT_A_PATIENTS_RECORD_TOKENS)))
        + ". Free text whose name has one of "
        + names(tuple(sorted(phi.CATALOGUE_NOT_PROSE_TOKENS)))
        + " is an address or an integration's diagnostics, not prose about the patient. Not PHI on such"
        " records by this rule: status picklists, amounts of an insurance or billing child (payment data,"
        " but an amount alone names no health fact), an appointment's date, an auto-number `Name`.",
        "",
        "## Never PHI on their own (system fields)",
        "",
        names(phi.SYSTEM_FIELDS_NAMES),
        "",
        "## PHI-looking values (sweeps: page titles, URLs, rendered text)",
        "",
        *[f"- {kind}: `{pattern.pattern}`" for kind, pattern in phi.PHI_VALUE_PATTERNS],
        "",
    ]
    return "\n".join(lines)


def expected_docs(registry: Registry) -> dict[str, str]:
    """Relative path -> content of every generated doc page."""
    pages = {"README.md": render_index(registry), "phi-catalogue.md": render_catalogue()}
    for rule in registry:
        pages[f"{rule.family}/{rule.name}.md"] = render_rule_doc(rule)
    return pages


def write_docs(registry: Registry, directory: Path) -> list[Path]:
    written = []
    for rel, content in expected_docs(registry).items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            written.append(path)
    return written
