import { LightningElement } from "lwc";

// Fictional patient data (PHI-shaped test values only).
export default class ChartTables extends LightningElement {
    meds = [
        { id: "m1", drug: "Metformin 500 mg", sig: "One tablet by mouth twice daily with meals, do not crush", started: "2025-11-02" },
        { id: "m2", drug: "Lisinopril 10 mg", sig: "One tablet by mouth every morning", started: "2026-01-15" },
    ];
    medColumns = [
        { label: "Medication", fieldName: "drug", sortable: true },
        { label: "Instructions", fieldName: "sig", wrapText: true },
        { label: "Started", fieldName: "started", type: "date-local", sortable: true },
        {
            type: "action",
            typeAttributes: { rowActions: [{ label: "Discontinue", name: "stop" }, { label: "Refill", name: "refill" }] },
        },
    ];
    vitals = [
        { id: "v1", taken: "2026-03-02", bp: "128/82", weight: 72.5, note: "Patient seated five minutes before the reading, left arm" },
        { id: "v2", taken: "2026-02-01", bp: "135/88", weight: 73.1, note: "Repeated after ten minutes" },
    ];
    vitalColumns = [
        { label: "Taken", fieldName: "taken", type: "date-local" },
        { label: "Blood pressure", fieldName: "bp", editable: true },
        { label: "Weight (kg)", fieldName: "weight", type: "number", editable: true },
        { label: "Note", fieldName: "note" },
    ];
    careTeam = [
        {
            id: "t1", name: "Primary care", role: "Team", phone: "",
            _children: [
                { id: "t1a", name: "Dr. Rosalind Franklin", role: "Physician", phone: "415-555-0100" },
                { id: "t1b", name: "Mary Seacole", role: "Nurse", phone: "415-555-0101" },
            ],
        },
        { id: "t2", name: "Cardiology", role: "Team", phone: "415-555-0199" },
    ];
    careColumns = [
        { label: "Member", fieldName: "name" },
        { label: "Role", fieldName: "role" },
        { label: "Phone", fieldName: "phone", type: "phone" },
    ];
    expanded = ["t1"];

    noop() {}
}
