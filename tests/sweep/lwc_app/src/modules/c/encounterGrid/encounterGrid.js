import { LightningElement } from "lwc";

// role-based render mode: lightning-datatable renders <div role="grid"> with aria-rowcount.
export default class EncounterGrid extends LightningElement {
    encounters = [
        { id: "e1", patient: "Ada Lovelace", reason: "Follow-up", clinic: "North" },
        { id: "e2", patient: "Grace Hopper", reason: "Annual check", clinic: "South" },
    ];
    columns = [
        { label: "Patient", fieldName: "patient" },
        { label: "Reason", fieldName: "reason" },
        { label: "Clinic", fieldName: "clinic" },
    ];
}
