# ruff: noqa: E501 (inline test inputs read best on one line)
"""LWC/Aura analyzer behaviour beyond the fixtures: malformed input, positions, cross-file facts."""

from __future__ import annotations

from pathlib import Path

from phi_lint.findings import NotificationKind
from tests.lwc.helpers import check_files

LWC = "force-app/main/default/lwc"
AURA = "force-app/main/default/aura"

LEAKY_JS = """
import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import SSN_FIELD from '@salesforce/schema/Patient__c.SSN__c';
export default class Leaky extends LightningElement {
    @api recordId;
    @wire(getRecord, { recordId: '$recordId', fields: [SSN_FIELD] }) patient;
    save() {
        localStorage.setItem('ssn', getFieldValue(this.patient.data, SSN_FIELD));
    }
}
"""


def _by_rule(result, path: str) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    found: dict[str, list[int]] = {}
    for f in result.findings:
        if f.location.path == path:
            found.setdefault(f.rule_id, []).append(f.location.start_line)
    return found


def test_malformed_template_is_a_notification_and_other_files_keep_their_findings(tmp_path: Path) -> None:
    broken = f"{LWC}/broken/broken.html"
    result = check_files(
        tmp_path,
        {
            broken: "<template>\n  <div class='x'>\n    <img src={a}>\n  </span>\n  <lightning-icon\n",
            f"{LWC}/leaky/leaky.js": LEAKY_JS,
        },
    )
    notes = [n for n in result.notifications if n.path == broken]
    assert notes and all(n.kind is NotificationKind.PARSE_ERROR for n in notes)
    assert any("</span>" in n.message for n in notes)
    assert not [n for n in result.notifications if n.kind is NotificationKind.RULE_ERROR]
    # The rules still ran on what parsed, and the other file's finding is there.
    assert _by_rule(result, broken).get("lwc/a11y-img-alt") == [3]
    assert _by_rule(result, f"{LWC}/leaky/leaky.js") == {"lwc/phi-in-browser-storage": [9]}


def test_malformed_javascript_is_a_notification_and_the_rest_is_analysed(tmp_path: Path) -> None:
    broken_js = LEAKY_JS.replace("save() {", "save() { const = ;;; (((")
    path = f"{LWC}/leaky/leaky.js"
    result = check_files(
        tmp_path, {path: broken_js, f"{LWC}/pic/pic.html": "<template><img src={u}></template>"}
    )
    assert [n for n in result.notifications if n.path == path and n.kind is NotificationKind.PARSE_ERROR]
    assert not [n for n in result.notifications if n.kind is NotificationKind.RULE_ERROR]
    assert _by_rule(result, f"{LWC}/pic/pic.html") == {"lwc/a11y-img-alt": [1]}


def test_well_formed_markup_has_no_notification(tmp_path: Path) -> None:
    template = (
        "<template>\n  <table><tr><td>a<td>b</tr></table>\n  <p>one<p>two\n  <br><input type=hidden>\n"
        "  <lightning-icon icon-name='x' alternative-text='y'/>\n</template>\n"
    )
    cmp = '<aura:component>\n  <aura:attribute name="x" type="String"/>\n  <ui:outputText value="{!v.x}"/>\n</aura:component>\n'
    result = check_files(tmp_path, {f"{LWC}/ok/ok.html": template, f"{AURA}/ok/ok.cmp": cmp})
    assert [n for n in result.notifications if n.path and "/ok/" in n.path] == []


def test_odd_inputs_never_raise(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        f"{LWC}/empty/empty.html": "",
        f"{LWC}/empty/empty.js": "",
        f"{LWC}/weird/weird.html": "<template><!-- unterminated <img",
        f"{LWC}/weird/weird.js": "export default class extends LightningElement { @wire() x; @wire(getRecord, 5) y; "
        "z = this[NavigationMixin.Navigate](); a() { localStorage.setItem(...args); fetch(); } }",
        f"{AURA}/weird/weird.cmp": "<aura:component><![CDATA[ <img> ]]><lightning:icon/></aura:component",
        f"{LWC}/deep/deep.js": "const a = "
        + "(" * 3000
        + "1"
        + ")" * 3000
        + ";\nconsole.log('a' + " * 2000
        + "'b');",
        f"{LWC}/bin/bin.js": b"\x00\x01\x02binary",
    }
    result = check_files(tmp_path, files)
    assert not [n for n in result.notifications if n.kind is NotificationKind.RULE_ERROR], (
        result.notifications
    )


def test_start_tag_position_is_its_first_line_even_with_multiline_attributes(tmp_path: Path) -> None:
    template = "<template>\n    <div>\n        <IMG\n            SRC={photo}\n            class='x'\n        />\n    </div>\n</template>\n"
    path = f"{LWC}/pos/pos.html"
    result = check_files(tmp_path, {path: template})
    (finding,) = [f for f in result.findings if f.location.path == path]
    assert (finding.location.start_line, finding.location.start_column) == (3, 9)
    assert finding.location.end_line == 6


def test_template_table_is_phi_through_the_components_getter(tmp_path: Path) -> None:
    js = LEAKY_JS.replace(
        "    save() {", "    get ssn() { return getFieldValue(this.patient.data, SSN_FIELD); }\n    save() {"
    )
    template = "<template>\n<table>\n<tr><td>{ssn}</td></tr>\n</table>\n<table><tr><td>{recordId}</td></tr></table>\n</template>\n"
    path = f"{LWC}/leaky/leaky.html"
    result = check_files(tmp_path, {f"{LWC}/leaky/leaky.js": js, path: template})
    assert _by_rule(result, path) == {"lwc/a11y-phi-table-headers": [2]}


def test_apex_return_type_makes_records_field_sensitive(tmp_path: Path) -> None:
    apex = (
        "public with sharing class PatientController {\n"
        "    @AuraEnabled(cacheable=true)\n"
        "    public static List<Patient__c> getPatients() { return [SELECT Id, Status__c FROM Patient__c]; }\n"
        "}\n"
    )
    js = (
        "import { LightningElement } from 'lwc';\n"
        "import getPatients from '@salesforce/apex/PatientController.getPatients';\n"
        "export default class P extends LightningElement {\n"
        "    async load() {\n"
        "        const rows = await getPatients();\n"
        "        console.log(JSON.stringify(rows));\n"
        "        console.log(rows[0].Status__c);\n"
        "        console.log(rows[0].Diagnosis__c);\n"
        "    }\n"
        "}\n"
    )
    path = f"{LWC}/p/p.js"
    result = check_files(
        tmp_path,
        {"force-app/main/default/classes/PatientController.cls": apex, path: js},
    )
    # The whole list is Patient__c records (a PHI object); Status__c is not PHI; Diagnosis__c is.
    assert _by_rule(result, path) == {"lwc/phi-in-analytics": [6, 8]}


def test_configured_analytics_sink_and_option(tmp_path: Path) -> None:
    js = LEAKY_JS.replace(
        "localStorage.setItem('ssn', getFieldValue(this.patient.data, SSN_FIELD));",
        "Telemetry.send({ ssn: getFieldValue(this.patient.data, SSN_FIELD) });",
    )
    path = f"{LWC}/leaky/leaky.js"
    assert _by_rule(check_files(tmp_path / "a", {path: js}), path) == {}
    config = '[sinks]\nanalytics = ["Telemetry.*"]\n'
    assert _by_rule(check_files(tmp_path / "b", {path: js}, config), path) == {"lwc/phi-in-analytics": [9]}


def test_aura_controller_component_get(tmp_path: Path) -> None:
    controller = (
        "({\n"
        "    doInit: function (component, event, helper) {\n"
        "        var mrn = component.get('v.patient.MRN__c');\n"
        "        console.log('mrn ' + mrn);\n"
        "        console.log(component.get('v.patient.Status__c'));\n"
        "        window.location.href = '/apex/Chart?mrn=' + mrn;\n"
        "    }\n"
        "})\n"
    )
    path = f"{AURA}/chart/chartController.js"
    found = _by_rule(check_files(tmp_path, {path: controller}), path)
    assert found == {"lwc/phi-in-analytics": [4], "lwc/phi-in-url": [6]}


def test_deeply_nested_javascript_with_phi_sources_does_not_exhaust_the_stack(tmp_path: Path) -> None:
    deep = 1200
    js = (
        "import { LightningElement } from 'lwc';\n"
        "import SSN_FIELD from '@salesforce/schema/Patient__c.SSN__c';\n"
        "export default class Deep extends LightningElement {\n"
        "    v = " + "[" * deep + "]" * deep + ";\n"
        "    w = " + "(" * deep + "1" + ")" * deep + ";\n"
        "    x = " + " + ".join(["this.v"] * deep) + ";\n"
        "    y = " + "{a:" * deep + "1" + "}" * deep + ";\n"
        "    z() { return " + "(() => " * 600 + "1" + ")" * 600 + "; }\n"
        "    q() { const " + "{a:" * 600 + "b" + "}" * 600 + " = this.y; }\n"
        "    r() { " + "if (a) { " * 600 + "console.log(SSN_FIELD);" + " }" * 600 + " }\n"
        "}\n"
    )
    path = f"{LWC}/deep/deep.js"
    result = check_files(tmp_path, {path: js, f"{LWC}/leaky/leaky.js": LEAKY_JS})
    assert not [n for n in result.notifications if n.kind is NotificationKind.RULE_ERROR], (
        result.notifications
    )
    assert _by_rule(result, f"{LWC}/leaky/leaky.js") == {"lwc/phi-in-browser-storage": [9]}


def test_inline_suppressions_work_in_markup_and_metadata(tmp_path: Path) -> None:
    template = (
        "<template>\n"
        "    <!-- phi-lint: ignore[lwc/a11y-img-alt] spacer image, hidden by CSS -->\n"
        "    <img src={spacer}>\n"
        "    <img src={photo}>\n"
        "</template>\n"
    )
    site = (
        "<RemoteSiteSetting>\n    <isActive>true</isActive>\n"
        "    <url>http://localhost:8080</url> <!-- phi-lint: ignore[meta/insecure-remote-site] dev org only -->\n"
        "</RemoteSiteSetting>\n"
    )
    html_path = f"{LWC}/pics/pics.html"
    site_path = "force-app/main/default/remoteSiteSettings/Local.remoteSite-meta.xml"
    result = check_files(tmp_path, {html_path: template, site_path: site})
    by_path = {
        (f.location.path, f.location.start_line): f.is_suppressed
        for f in result.findings
        if f.location.path in (html_path, site_path)
    }
    assert by_path == {(html_path, 3): True, (html_path, 4): False, (site_path, 3): True}


def test_cached_results_follow_the_apex_class_a_component_imports(tmp_path: Path) -> None:
    """A JS file's findings depend on another file (the Apex method's return type): a warm cache must
    not serve the old result when only the class changed."""
    import json

    from phi_lint.cli import main

    apex = (
        "public with sharing class PatientController {{\n"
        "    @AuraEnabled(cacheable=true)\n"
        "    public static List<{type}> getPatients() {{ return null; }}\n"
        "}}\n"
    )
    js = (
        "import { LightningElement } from 'lwc';\n"
        "import getPatients from '@salesforce/apex/PatientController.getPatients';\n"
        "export default class P extends LightningElement {\n"
        "    async load() { console.log(JSON.stringify(await getPatients())); }\n"
        "}\n"
    )
    cls = "force-app/main/default/classes/PatientController.cls"
    root = tmp_path / "project"
    check_files(tmp_path, {cls: apex.format(type="Patient__c"), f"{LWC}/p/p.js": js})

    def analytics_findings() -> int:
        out = tmp_path / "out.json"
        main(
            [
                "check",
                str(root),
                "--select",
                "lwc/phi-in-analytics",
                "--format",
                "json",
                "-o",
                str(out),
                "--cache-dir",
                str(tmp_path / "cache"),
            ]
        )
        return len(json.loads(out.read_text())["runs"][0]["findings"])

    assert analytics_findings() == 1
    (root / cls).write_text(apex.format(type="Account"), encoding="utf-8")
    assert analytics_findings() == 0


def test_apex_wrapper_class_properties_named_like_phi_are_phi(tmp_path: Path) -> None:
    apex = (
        "public with sharing class VitalsController {\n"
        "    public class VisitDTO {\n"
        "        @AuraEnabled public String diagnosisText;\n"
        "        @AuraEnabled public Date dateOfBirth { get; set; }\n"
        "        @AuraEnabled public String clinicName;\n"
        "        public String internalNote;\n"
        "    }\n"
        "    @AuraEnabled(cacheable=true)\n"
        "    public static List<VisitDTO> getVisits(Id patientId) { return new List<VisitDTO>(); }\n"
        "}\n"
    )
    js = (
        "import { LightningElement, wire } from 'lwc';\n"
        "import getVisits from '@salesforce/apex/VitalsController.getVisits';\n"
        "export default class Visits extends LightningElement {\n"
        "    @wire(getVisits, { patientId: '$recordId' }) visits;\n"
        "    log() {\n"
        "        this.visits.data.forEach((v) => console.log(v.diagnosisText));\n"
        "        this.visits.data.forEach((v) => console.log(v.clinicName));\n"
        "        console.log(JSON.stringify(this.visits.data));\n"
        "        sessionStorage.setItem('dob', this.visits.data[0].dateOfBirth);\n"
        "    }\n"
        "}\n"
    )
    path = f"{LWC}/visits/visits.js"
    result = check_files(tmp_path, {"force-app/main/default/classes/VitalsController.cls": apex, path: js})
    assert _by_rule(result, path) == {"lwc/phi-in-analytics": [6, 8], "lwc/phi-in-browser-storage": [9]}


INTAKE_HTML = """<template>
    <lightning-input label="SSN" value={patient.SSN__c} onchange={handleSsnChange}></lightning-input>
    <lightning-input-field field-name="MRN__c" onchange={handleMrnChange}></lightning-input-field>
    <lightning-input label="Status" value={patient.Status__c} onchange={handleAnyChange}></lightning-input>
    <lightning-input label="Diagnosis" value={patient.Diagnosis__c} onchange={handleAnyChange}></lightning-input>
    <lightning-input label="Email" value={patient.Email__c} onchange={handleEmailChange}></lightning-input>
</template>
"""
INTAKE_JS = """import { LightningElement, api } from 'lwc';
export default class Intake extends LightningElement {
    @api patient;
    handleSsnChange(event) {
        console.log('typed', event.target.value);
    }
    handleMrnChange = (event) => {
        console.log(event.detail.value.trim());
    };
    handleAnyChange(event) {
        console.log(event.target.value);
    }
    handleEmailChange(event) {
        console.log(event.target.value);
    }
}
"""


def test_change_handler_of_inputs_bound_to_phi_fields_sees_phi(tmp_path: Path) -> None:
    """The value an input bound to a PHI field reports is PHI in its own change handler; a handler
    shared with a non-PHI input (Status) is judged by its branches instead, and Email is not PHI."""
    js, html = f"{LWC}/intake/intake.js", f"{LWC}/intake/intake.html"
    result = check_files(tmp_path, {js: INTAKE_JS, html: INTAKE_HTML})
    assert _by_rule(result, js) == {"lwc/phi-in-analytics": [5, 8]}
    (ssn,) = [f for f in result.findings if f.location.path == js and f.location.start_line == 5]
    assert dict(ssn.properties)["phi"] == "SSN__c"
    # Without the template, nothing in the JavaScript says which field the inputs edit.
    alone = check_files(tmp_path / "alone", {js: INTAKE_JS})
    assert _by_rule(alone, js) == {}


def test_switch_on_the_inputs_name_reads_the_phi_field_value(tmp_path: Path) -> None:
    js = """import { LightningElement } from 'lwc';
export default class Intake extends LightningElement {
    handleChange(event) {
        const { name, value } = event.target;
        switch (name) {
            case 'Diagnosis__c':
                console.log(Number(value));
                break;
            case 'Status__c':
                console.log(value);
                break;
        }
        if (event.target.getAttribute('data-field') === 'MRN__c') console.log(value);
    }
}
"""
    path = f"{LWC}/intake/intake.js"
    result = check_files(tmp_path, {path: js})
    assert _by_rule(result, path) == {"lwc/phi-in-analytics": [7, 13]}
    (finding,) = [f for f in result.findings if f.location.start_line == 7]
    # The value was read from the input by the destructuring on line 4.
    assert "Diagnosis__c" in finding.message and [r.start_line for r in finding.related] == [4]


def test_input_bound_to_a_phi_member_makes_its_handler_see_phi(tmp_path: Path) -> None:
    html = """<template>
    <lightning-input label="SSN" value={ssnDraft} onchange={handleSsn}></lightning-input>
    <lightning-input label="Status" value={statusDraft} onchange={handleStatus}></lightning-input>
</template>
"""
    js = """import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import SSN_FIELD from '@salesforce/schema/Patient__c.SSN__c';
import STATUS_FIELD from '@salesforce/schema/Patient__c.Status__c';
export default class Draft extends LightningElement {
    @api recordId;
    @wire(getRecord, { recordId: '$recordId', fields: [SSN_FIELD, STATUS_FIELD] }) patient;
    handleSsn(event) {
        console.log(event.target.value);
    }
    handleStatus(event) {
        console.log(event.target.value);
    }
    get ssnDraft() {
        return getFieldValue(this.patient.data, SSN_FIELD);
    }
    get statusDraft() {
        return getFieldValue(this.patient.data, STATUS_FIELD);
    }
}
"""
    path = f"{LWC}/draft/draft.js"
    result = check_files(tmp_path, {path: js, f"{LWC}/draft/draft.html": html})
    assert _by_rule(result, path) == {"lwc/phi-in-analytics": [9]}
    (finding,) = [f for f in result.findings if f.location.path == path]
    assert dict(finding.properties)["phi"] == "Patient__c.SSN__c"


def test_event_detail_or_a_record_keeps_the_record(tmp_path: Path) -> None:
    js = """import { LightningElement, api } from 'lwc';
export default class Picker extends LightningElement {
    @api patient;
    handleSelect(event) {
        const chosen = event.detail || this.patient;
        console.log(chosen.SSN__c);
    }
}
"""
    path = f"{LWC}/picker/picker.js"
    assert _by_rule(check_files(tmp_path, {path: js}), path) == {"lwc/phi-in-analytics": [6]}


def test_control_hidden_by_a_class_its_script_removes_still_needs_a_label(tmp_path: Path) -> None:
    """`<input class="slds-hide">` is out of rendering unless a script of the bundle names the class
    (LWC `classList.remove`, Aura `$A.util.removeClass` in the controller or helper)."""
    html = '<template>\n    <input type="text" class="other-reason slds-hide" value={reason}>\n</template>\n'
    lwc_js = "export default class Intake { showOther() { this.template.querySelector('.other-reason').classList.remove('slds-hide'); } }\n"
    cmp = '<aura:component>\n    <input type="text" class="other-reason slds-hide" value="{!v.reason}"/>\n</aura:component>\n'
    helper = "({ show: function (cmp) { $A.util.removeClass(cmp.find('other'), 'slds-hide'); } })\n"
    alone, shown = f"{LWC}/alone/alone.html", f"{LWC}/intake/intake.html"
    aura = f"{AURA}/intakeAura/intakeAura.cmp"
    result = check_files(
        tmp_path,
        {
            alone: html,
            shown: html,
            f"{LWC}/intake/intake.js": lwc_js,
            aura: cmp,
            f"{AURA}/intakeAura/intakeAuraHelper.js": helper,
        },
    )
    assert _by_rule(result, alone) == {}
    assert _by_rule(result, shown) == {"lwc/a11y-input-label": [2]}
    assert _by_rule(result, aura) == {"lwc/a11y-input-label": [2]}


def test_cached_results_of_a_child_follow_the_parent_markup_that_binds_it(tmp_path: Path) -> None:
    """A child's findings depend on what its parents bind to its properties: a warm cache must not
    serve the old result when only a parent's template changed, and a check of the child alone (the
    pre-commit case, with and without a cache) sees the same as a check of the whole project."""
    import json

    from phi_lint.cli import main

    parent = (
        "<template>\n    <c-visit-badge date-of-birth={{patient.{field}}}></c-visit-badge>\n</template>\n"
    )
    child = (
        "import { LightningElement, api } from 'lwc';\n"
        "export default class VisitBadge extends LightningElement {\n"
        "    @api dateOfBirth;\n"
        "    connectedCallback() { localStorage.setItem('dob', this.dateOfBirth); }\n"
        "}\n"
    )
    parent_path = f"{LWC}/patientRoster/patientRoster.html"
    child_path = f"{LWC}/visitBadge/visitBadge.js"
    root = tmp_path / "project"
    check_files(tmp_path, {parent_path: parent.format(field="Birthdate__c"), child_path: child})

    def storage_lines(*target: str, cache: bool = True) -> list[int]:
        out = tmp_path / "out.json"
        paths = [str(root / t) for t in target] or [str(root)]
        cache_args = ["--cache-dir", str(tmp_path / "cache")] if cache else ["--no-cache"]
        main(
            [
                "check",
                *paths,
                "--select",
                "lwc/phi-in-browser-storage",
                "--format",
                "json",
                "-o",
                str(out),
                *cache_args,
            ]
        )
        findings = json.loads(out.read_text())["runs"][0]["findings"]
        return [f["location"]["start_line"] for f in findings if f["location"]["path"] == child_path]

    assert storage_lines() == [4]
    assert storage_lines(child_path) == [4]
    assert storage_lines(child_path, cache=False) == [4]
    (root / parent_path).write_text(parent.format(field="Status__c"), encoding="utf-8")
    assert storage_lines() == []
    assert storage_lines(child_path) == []
    (root / parent_path).write_text(parent.format(field="Birthdate__c"), encoding="utf-8")
    assert storage_lines(child_path) == [4]


def test_a_patients_phone_is_phi_on_patient_records_not_as_a_bare_name(tmp_path: Path) -> None:
    """`Patient__c.Phone__c` is a patient's identifier; `Phone__c` read from a record of unknown type
    (a contact, a user) is not made PHI by it."""
    phone = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <fullName>Phone__c</fullName>\n    <type>Phone</type>\n</CustomField>\n"
    )
    apex = (
        "public with sharing class PatientController {\n"
        "    @AuraEnabled(cacheable=true)\n"
        "    public static List<Patient__c> getPatients() { return null; }\n"
        "}\n"
    )
    js = (
        "import { LightningElement, api } from 'lwc';\n"
        "import getPatients from '@salesforce/apex/PatientController.getPatients';\n"
        "export default class P extends LightningElement {\n"
        "    @api contact;\n"
        "    async load() {\n"
        "        const rows = await getPatients();\n"
        "        console.log(rows[0].Phone__c);\n"
        "        console.log(this.contact.Phone__c);\n"
        "    }\n"
        "}\n"
    )
    result = check_files(
        tmp_path,
        {
            "force-app/main/default/objects/Patient__c/fields/Phone__c.field-meta.xml": phone,
            "force-app/main/default/classes/PatientController.cls": apex,
            f"{LWC}/p/p.js": js,
        },
    )
    lines = sorted(f.location.start_line for f in result.findings if f.rule_id == "lwc/phi-in-analytics")
    assert lines == [7]


def test_apex_return_types_are_remembered_per_class_but_wrappers_in_other_files_are_read_again(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A template edit re-runs the LWC prepare(); the classes it did not change are not read again
    (remembered by content hash), while an answer that read a wrapper class from its own file is
    always read afresh, so an edit of the wrapper alone changes the JS file's findings."""
    import json

    from phi_lint.analyzers.lwc import phi_names
    from phi_lint.cli import main

    controller = (
        "public with sharing class VisitController {\n"
        "    @AuraEnabled(cacheable=true)\n"
        "    public static List<VisitDTO> getVisits() { return null; }\n"
        "}\n"
    )
    wrapper = "public class VisitDTO {{\n    @AuraEnabled public String {name};\n}}\n"
    patients = (
        "public with sharing class PatientLookup {\n"
        "    @AuraEnabled public static Patient__c find(Id i) { return null; }\n"
        "}\n"
    )
    js = (
        "import { LightningElement } from 'lwc';\n"
        "import getVisits from '@salesforce/apex/VisitController.getVisits';\n"
        "export default class V extends LightningElement {\n"
        "    async load() { (await getVisits()).forEach((v) => console.log(v.diagnosisText)); }\n"
        "}\n"
    )
    classes = "force-app/main/default/classes"
    template = f"{LWC}/v/v.html"
    root = tmp_path / "project"
    check_files(
        tmp_path,
        {
            f"{classes}/VisitController.cls": controller,
            f"{classes}/VisitDTO.cls": wrapper.format(name="diagnosisText"),
            f"{classes}/PatientLookup.cls": patients,
            f"{LWC}/v/v.js": js,
            template: "<template><p>Visits</p></template>\n",
        },
    )
    computed: list[str] = []
    own_returns = phi_names._own_returns

    def counted(path: Path, *args: object) -> object:
        computed.append(path.name)
        return own_returns(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(phi_names, "_own_returns", counted)

    def analytics_findings() -> int:
        out = tmp_path / "out.json"
        args = ["check", str(root), "--select", "lwc/phi-in-analytics", "--format", "json", "-o", str(out)]
        main([*args, "--cache-dir", str(tmp_path / "cache")])
        return len(json.loads(out.read_text())["runs"][0]["findings"])

    assert analytics_findings() == 1
    assert {"VisitController.cls", "PatientLookup.cls"} <= set(computed)
    computed.clear()
    (root / template).write_text("<template><p>Visits today</p></template>\n", encoding="utf-8")
    assert analytics_findings() == 1
    assert computed == []  # every class answered from the memo (the controller's answer: "read again")
    (root / classes / "VisitDTO.cls").write_text(wrapper.format(name="clinicName"), encoding="utf-8")
    (root / template).write_text("<template><p>Visits</p></template>\n", encoding="utf-8")
    assert analytics_findings() == 0
