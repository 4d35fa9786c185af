import { createElement } from "lwc";
import App from "c/app";
import Chart from "c/chart";

// index.html shows the patient list (c-app), chart.html a patient chart (c-chart).
const page = document.body.dataset.page === "chart" ? ["c-chart", Chart] : ["c-app", App];
const app = createElement(page[0], { is: page[1] });
document.getElementById("root").appendChild(app);
