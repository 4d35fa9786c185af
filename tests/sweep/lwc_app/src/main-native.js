import { createElement } from "lwc";
import App from "c/app";

const app = createElement("c-app", { is: App });
document.getElementById("root").appendChild(app);
