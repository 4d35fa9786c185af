import { LightningElement } from "lwc";

export default class ChartForm extends LightningElement {
    clinics = [
        { label: "North", value: "north" },
        { label: "South", value: "south" },
    ];
    painLevels = [
        { label: "None", value: "none" },
        { label: "Low", value: "low" },
        { label: "High", value: "high" },
    ];
    visitTypes = [
        { label: "In person", value: "in" },
        { label: "Video", value: "video" },
    ];
}
