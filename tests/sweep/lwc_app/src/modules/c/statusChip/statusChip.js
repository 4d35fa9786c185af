import { LightningElement, api } from "lwc";

// Sets a fixed id from JavaScript, as base components do (template ids would be made unique).
// Rendered twice on the chart page, so the real DOM holds that id twice.
export default class StatusChip extends LightningElement {
    @api label;

    renderedCallback() {
        this.template.querySelector("span").setAttribute("id", "status-label");
    }
}
