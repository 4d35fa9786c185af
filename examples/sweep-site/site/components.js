// A stand-in for the LWC component force-app/main/default/lwc/patientTable (native shadow DOM), so the
// demo runs without a Salesforce org or an npm build.
class PatientTable extends HTMLElement {
  set patients(value) { this._patients = value; this.render(); }
  connectedCallback() { this.render(); }
  render() {
    const root = this.shadowRoot || this.attachShadow({ mode: "open" });
    const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
    const rows = (this._patients || []).map((p) =>
      `<tr><td>${esc(p.name)}</td><td>${esc(p.ssn)}</td><td><div class="slds-truncate">${esc(p.diagnosis)}</div></td></tr>`).join("");
    root.innerHTML = `
      <style>
        table { border-collapse: collapse; } th, td { border: 1px solid #c9c9c9; padding: 6px 10px; }
        .updated { color: #b0b0b0; }
        .slds-truncate { max-width: 120px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
      </style>
      <h2 class="title">Today's patients</h2>
      <p class="updated">Updated a minute ago</p>
      <table class="slds-table slds-table_bordered">
        <thead><tr><th scope="col" class="slds-is-sorted">Patient</th><th scope="col">SSN</th><th scope="col">Diagnosis</th></tr></thead>
        <tbody>${rows}</tbody>
      </table>`;
  }
}
customElements.define("c-patient-table", PatientTable);
