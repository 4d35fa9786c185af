import { LightningElement } from "lwc";
import NoteModal from "c/noteModal";

// A patient chart page built only of base components that render without an org.
export default class Chart extends LightningElement {
    loading = true;

    connectedCallback() {
        // A spinner while "encounters load", as on a real record page; the sweep waits for it.
        // eslint-disable-next-line @lwc/lwc/no-async-operation
        setTimeout(() => {
            this.loading = false;
        }, 400);
    }

    renderedCallback() {
        // Set from JavaScript so that LWC does not rewrite the references (it does in templates).
        this.template.querySelector(".status-group").setAttribute("aria-labelledby", "status-label");
        this.template.querySelector(".consent-group").setAttribute("aria-labelledby", "consent-heading");
    }

    handleRemove() {}

    openNote() {
        NoteModal.open({ size: "small", label: "New note", description: "Write a visit note" });
    }
}
