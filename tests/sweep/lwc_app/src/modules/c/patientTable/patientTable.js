import { LightningElement } from "lwc";

// Fictional patients (PHI-shaped test data only).
const PATIENTS = [
    { id: "1", name: "Ada Lovelace", ssn: "123-45-6789", diagnosis: "Type 2 diabetes mellitus without complications" },
    { id: "2", name: "Grace Hopper", ssn: "987-65-4321", diagnosis: "Essential (primary) hypertension, unspecified" },
];

export default class PatientTable extends LightningElement {
    patients = PATIENTS;
    columns = [
        { label: "Patient", fieldName: "name", sortable: true },
        { label: "SSN", fieldName: "ssn" },
        { label: "Diagnosis", fieldName: "diagnosis", sortable: true },
    ];
}
