#!/usr/bin/env python3
# ruff: noqa: E501  (Apex and LWC templates keep their real line lengths)
"""Generate a realistic synthetic sfdx project of any size, deterministic by seed.

    python bench/generate.py --classes 1000 --seed 7 /tmp/org-1000

What it writes (proportions follow a mid-size health org):
- custom objects with field metadata, PHI fields classified with `<complianceGroup>HIPAA</complianceGroup>`;
- Apex: selectors (SOQL with bind variables, WITH USER_MODE, aggregate queries), services (maps, loops,
  DML in try/catch, callouts with named credentials, JSON), @AuraEnabled controllers, trigger handlers,
  batch and queueable jobs, DTOs, a Logger utility, test classes; some deliberate PHI leaks
  (System.debug of an SSN, a record serialized into a callout body, PHI passed to the Logger wrapper);
- triggers, LWC components (js + html + js-meta.xml) and class -meta.xml files.

Class files average ~10 KB (the large public nonprofit org in the issue averages 13.5 KB), so figures
are comparable to real orgs. The same seed and size always produce byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

API_VERSION = "62.0"
BASE_OBJECTS = [
    "Patient",
    "Encounter",
    "Medication",
    "Lab_Result",
    "Appointment",
    "Care_Plan",
    "Claim",
    "Referral",
    "Provider",
    "Facility",
    "Insurance_Policy",
    "Allergy",
    "Immunization",
    "Prescription",
    "Invoice",
    "Care_Task",
    "Survey_Response",
    "Device",
    "Consent",
    "Visit_Note",
]
# (field, type, PHI?) drawn per object; PHI ones get complianceGroup HIPAA.
PHI_FIELDS = [
    ("SSN__c", "Text", True),
    ("MRN__c", "Text", True),
    ("Diagnosis__c", "LongTextArea", True),
    ("Birthdate__c", "Date", True),
    ("Clinical_Notes__c", "LongTextArea", True),
    ("Medication_Name__c", "Text", True),
    ("Member_Id__c", "Text", True),
    ("Lab_Value__c", "Text", True),
]
PLAIN_FIELDS = [
    ("Status__c", "Picklist", False),
    ("Priority__c", "Picklist", False),
    ("Region__c", "Text", False),
    ("Amount__c", "Currency", False),
    ("Start_Date__c", "Date", False),
    ("Is_Active__c", "Checkbox", False),
    ("External_Ref__c", "Text", False),
    ("Score__c", "Number", False),
    ("Channel__c", "Picklist", False),
    ("Email__c", "Email", False),
    ("Owner_Team__c", "Text", False),
    ("Sequence__c", "Number", False),
]
CREDENTIALS = ["Clinical_API", "Billing_API", "Lab_Gateway", "Pharmacy_Hub"]

XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
NS = "http://soap.sforce.com/2006/04/metadata"


class Entity:
    def __init__(self, name: str, fields: list[tuple[str, str, bool]]) -> None:
        self.name = name
        self.api = f"{name}__c"
        self.fields = fields
        self.phi = [f for f, _, p in fields if p]
        self.plain = [f for f, _, p in fields if not p]
        self.var = name[0].lower() + name[1:].replace("_", "")
        self.camel = name.replace("_", "")


def _entities(rng: random.Random, count: int) -> list[Entity]:
    entities = []
    for n in range(count):
        base = BASE_OBJECTS[n % len(BASE_OBJECTS)]
        name = base if n < len(BASE_OBJECTS) else f"{base}_M{n // len(BASE_OBJECTS)}"
        phi = rng.sample(PHI_FIELDS, rng.randint(1, 4)) if base not in ("Facility", "Invoice") else []
        plain = rng.sample(PLAIN_FIELDS, rng.randint(5, 9))
        if ("Status__c", "Picklist", False) not in plain:
            plain.append(("Status__c", "Picklist", False))
        entities.append(Entity(name, sorted(phi + plain)))
    return entities


# ---- Apex method templates ---------------------------------------------------------------------------
def m_select_by_ids(rng: random.Random, e: Entity, cls: str) -> str:
    cols = ", ".join(["Id", "Name", *rng.sample(e.plain, min(3, len(e.plain))), *e.phi[:2]])
    return f"""
    public static List<{e.api}> select{e.camel}ById(Set<Id> recordIds) {{
        if (recordIds == null || recordIds.isEmpty()) {{
            return new List<{e.api}>();
        }}
        return [
            SELECT {cols}
            FROM {e.api}
            WHERE Id IN :recordIds
            WITH USER_MODE
            ORDER BY CreatedDate DESC
            LIMIT 2000
        ];
    }}
"""


def m_select_recent(rng: random.Random, e: Entity, cls: str) -> str:
    days = rng.choice([7, 14, 30, 90])
    return f"""
    public static List<{e.api}> selectRecent{e.camel}(Integer maxRows) {{
        Date since = Date.today().addDays(-{days});
        List<{e.api}> rows = [
            SELECT Id, Name, Status__c, CreatedDate
            FROM {e.api}
            WHERE CreatedDate >= :since AND Status__c != 'Closed'
            WITH USER_MODE
            LIMIT :maxRows
        ];
        System.debug(LoggingLevel.FINE, '{cls}: ' + rows.size() + ' recent rows since ' + since);
        return rows;
    }}
"""


def m_count_by_status(rng: random.Random, e: Entity, cls: str) -> str:
    return f"""
    public static Map<String, Integer> count{e.camel}ByStatus() {{
        Map<String, Integer> counts = new Map<String, Integer>();
        for (AggregateResult ar : [SELECT Status__c status, COUNT(Id) total FROM {e.api} GROUP BY Status__c]) {{
            String key = (String) ar.get('status');
            Integer total = (Integer) ar.get('total');
            counts.put(key == null ? 'None' : key, total);
        }}
        return counts;
    }}
"""


def m_update_status(rng: random.Random, e: Entity, cls: str) -> str:
    return f"""
    public static void update{e.camel}Status(List<{e.api}> records, String newStatus) {{
        Map<Id, {e.api}> changedById = new Map<Id, {e.api}>();
        for ({e.api} record : records) {{
            if (record.Status__c != newStatus) {{
                record.Status__c = newStatus;
                changedById.put(record.Id, record);
            }}
        }}
        if (changedById.isEmpty()) {{
            return;
        }}
        try {{
            update changedById.values();
        }} catch (DmlException e) {{
            Logger.error('{cls}', 'status update failed: ' + e.getMessage());
            throw new ServiceException('Could not update {e.name} records', e);
        }}
    }}
"""


def m_group_by_parent(rng: random.Random, e: Entity, cls: str) -> str:
    return f"""
    public static Map<Id, List<{e.api}>> groupByOwner(List<{e.api}> records) {{
        Map<Id, List<{e.api}>> byOwner = new Map<Id, List<{e.api}>>();
        for ({e.api} record : records) {{
            List<{e.api}> bucket = byOwner.get(record.OwnerId);
            if (bucket == null) {{
                bucket = new List<{e.api}>();
                byOwner.put(record.OwnerId, bucket);
            }}
            bucket.add(record);
        }}
        Integer largest = 0;
        for (Id ownerId : byOwner.keySet()) {{
            largest = Math.max(largest, byOwner.get(ownerId).size());
        }}
        System.debug(LoggingLevel.DEBUG, 'owners: ' + byOwner.size() + ', largest bucket: ' + largest);
        return byOwner;
    }}
"""


def m_callout(rng: random.Random, e: Entity, cls: str, leak: bool) -> str:
    cred = rng.choice(CREDENTIALS)
    cols = ", ".join(["Id", "Status__c", *e.phi[:2]])
    body = (
        "JSON.serialize(record)"
        if leak and e.phi
        else "JSON.serialize(new Map<String, Object>{ 'id' => record.Id, 'status' => record.Status__c })"
    )
    return f"""
    public static HttpResponse send{e.camel}(Id recordId) {{
        {e.api} record = [SELECT {cols} FROM {e.api} WHERE Id = :recordId WITH USER_MODE LIMIT 1];
        HttpRequest req = new HttpRequest();
        req.setEndpoint('callout:{cred}/v2/{e.name.lower()}s/' + EncodingUtil.urlEncode(record.Id, 'UTF-8'));
        req.setMethod('POST');
        req.setTimeout(20000);
        req.setHeader('Content-Type', 'application/json');
        req.setBody({body});
        HttpResponse res = new Http().send(req);
        if (res.getStatusCode() >= 400) {{
            Logger.warn('{cls}', 'callout failed with status ' + res.getStatusCode());
        }}
        return res;
    }}
"""


def m_debug(rng: random.Random, e: Entity, cls: str, leak: bool) -> str:
    if leak and e.phi:
        field = rng.choice(e.phi)
        line = rng.choice(
            [
                f"System.debug('Processing {e.name.lower()} ' + {e.var}.{field});",
                f"Logger.info('{cls}', 'loaded {field} ' + {e.var}.{field});",
                f"System.debug(LoggingLevel.ERROR, {e.var});",
            ]
        )
    else:
        line = f"System.debug(LoggingLevel.FINE, 'Processing {e.name.lower()} ' + {e.var}.Id);"
    return f"""
    public static void audit{e.camel}({e.api} {e.var}) {{
        if ({e.var} == null) {{
            return;
        }}
        {line}
        String region = {e.var}.get('Region__c') == null ? 'unknown' : String.valueOf({e.var}.get('Region__c'));
        if (region.startsWith('EU')) {{
            Logger.info('{cls}', 'EU record ' + {e.var}.Id);
        }}
    }}
"""


def m_dynamic_query(rng: random.Random, e: Entity, cls: str, unsafe: bool) -> str:
    bind = "' + name + '" if unsafe else "' + String.escapeSingleQuotes(name) + '"
    return f"""
    public static List<{e.api}> search{e.camel}(String name, Integer maxRows) {{
        String soql = 'SELECT Id, Name, Status__c FROM {e.api} WHERE Name LIKE \\'%{bind}%\\''
            + ' ORDER BY Name LIMIT ' + Math.min(maxRows, 200);
        List<{e.api}> found = Database.query(soql);
        return found;
    }}
"""


def m_insert_children(rng: random.Random, e: Entity, cls: str) -> str:
    return f"""
    public static List<Task> createFollowUps(List<{e.api}> records, Integer dueInDays) {{
        List<Task> tasks = new List<Task>();
        for ({e.api} record : records) {{
            if (record.Status__c == 'Open' || record.Status__c == 'Escalated') {{
                tasks.add(new Task(
                    WhatId = record.Id,
                    Subject = 'Follow up on ' + record.Name,
                    ActivityDate = Date.today().addDays(dueInDays),
                    Priority = record.Status__c == 'Escalated' ? 'High' : 'Normal'
                ));
            }}
        }}
        if (!tasks.isEmpty()) {{
            Database.SaveResult[] results = Database.insert(tasks, false, AccessLevel.USER_MODE);
            for (Integer i = 0; i < results.size(); i++) {{
                if (!results[i].isSuccess()) {{
                    Logger.error('{cls}', 'task ' + i + ' failed: ' + results[i].getErrors()[0].getMessage());
                }}
            }}
        }}
        return tasks;
    }}
"""


def m_validate(rng: random.Random, e: Entity, cls: str) -> str:
    checks = "\n".join(
        f"""            if (String.isBlank(String.valueOf(record.get('{f}')))) {{
                errors.add('{f} is required on ' + record.Id);
            }}"""
        for f in rng.sample(e.plain, min(3, len(e.plain)))
    )
    return f"""
    public static List<String> validate(List<{e.api}> records) {{
        List<String> errors = new List<String>();
        for ({e.api} record : records) {{
{checks}
        }}
        return errors;
    }}
"""


def m_aura(rng: random.Random, e: Entity, cls: str, service: str) -> str:
    return f"""
    @AuraEnabled(cacheable=true)
    public static List<{e.api}> get{e.camel}List(Integer maxRows) {{
        try {{
            return {service}.selectRecent{e.camel}(maxRows);
        }} catch (Exception e) {{
            Logger.error('{cls}', e.getMessage());
            throw new AuraHandledException('Unable to load {e.name.replace("_", " ").lower()} records');
        }}
    }}

    @AuraEnabled
    public static void close{e.camel}(Id recordId) {{
        {e.api} record = [SELECT Id, Status__c FROM {e.api} WHERE Id = :recordId WITH USER_MODE LIMIT 1];
        {service}.update{e.camel}Status(new List<{e.api}>{{ record }}, 'Closed');
    }}
"""


def _methods(rng: random.Random, e: Entity, cls: str, count: int, leak_rate: float) -> str:
    makers = [
        m_select_by_ids,
        m_select_recent,
        m_count_by_status,
        m_update_status,
        m_group_by_parent,
        m_validate,
        m_insert_children,
    ]
    out = []
    for n in range(count):
        roll = rng.random()
        if roll < 0.12:
            out.append(m_callout(rng, e, cls, rng.random() < leak_rate))
        elif roll < 0.24:
            out.append(m_debug(rng, e, cls, rng.random() < leak_rate))
        elif roll < 0.30:
            out.append(m_dynamic_query(rng, e, cls, rng.random() < 0.2))
        else:
            out.append(makers[(n + rng.randint(0, 6)) % len(makers)](rng, e, cls))
    # Method names must be unique within a class: suffix repeats.
    seen: dict[str, int] = {}
    fixed = []
    for text in out:
        name = text.split("(")[0].split()[-1]
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            text = text.replace(f" {name}(", f" {name}{seen[name]}(", 1)
        fixed.append(text)
    return "".join(fixed)


def service_class(rng: random.Random, e: Entity, name: str, leak_rate: float) -> str:
    sharing = "with sharing" if rng.random() < 0.9 else "without sharing"
    body = _methods(rng, e, name, rng.randint(12, 40), leak_rate)
    return f"""/**
 * Business logic for {e.name.replace("_", " ")} records.
 */
public {sharing} class {name} {{
    public class ServiceException extends Exception {{}}

    private static final Integer DEFAULT_BATCH = 200;
{body}}}
"""


def selector_class(rng: random.Random, e: Entity, name: str) -> str:
    body = "".join(f(rng, e, name) for f in (m_select_by_ids, m_select_recent, m_count_by_status))
    body += _methods(rng, e, name, rng.randint(6, 20), 0.0)
    return f"""public inherited sharing class {name} {{
    public class ServiceException extends Exception {{}}
{body}}}
"""


def controller_class(rng: random.Random, e: Entity, name: str, service: str, leak_rate: float) -> str:
    body = m_aura(rng, e, name, service) + _methods(rng, e, name, rng.randint(6, 24), leak_rate)
    return f"""public with sharing class {name} {{
    public class ServiceException extends Exception {{}}
{body}}}
"""


def handler_class(rng: random.Random, e: Entity, name: str, service: str) -> str:
    return f"""public with sharing class {name} {{
    public class ServiceException extends Exception {{}}

    public void run() {{
        if (Trigger.isBefore && Trigger.isInsert) {{
            beforeInsert((List<{e.api}>) Trigger.new);
        }} else if (Trigger.isBefore && Trigger.isUpdate) {{
            beforeUpdate((List<{e.api}>) Trigger.new, (Map<Id, {e.api}>) Trigger.oldMap);
        }} else if (Trigger.isAfter && Trigger.isInsert) {{
            {service}.createFollowUps((List<{e.api}>) Trigger.new, 3);
        }}
    }}

    private void beforeInsert(List<{e.api}> records) {{
        for ({e.api} record : records) {{
            if (record.Status__c == null) {{
                record.Status__c = 'Open';
            }}
        }}
        for (String problem : {service}.validate(records)) {{
            records[0].addError(problem);
        }}
    }}

    private void beforeUpdate(List<{e.api}> records, Map<Id, {e.api}> oldMap) {{
        for ({e.api} record : records) {{
            {e.api} previous = oldMap.get(record.Id);
            if (previous.Status__c == 'Closed' && record.Status__c != 'Closed') {{
                record.addError('Closed records cannot be reopened');
            }}
        }}
    }}
{_methods(rng, e, name, rng.randint(5, 18), 0.0)}}}
"""


def batch_class(rng: random.Random, e: Entity, name: str, service: str, leak_rate: float) -> str:
    leak = (
        f"System.debug('batch row ' + record.{e.phi[0]});"
        if e.phi and rng.random() < leak_rate
        else "processed++;"
    )
    return f"""public with sharing class {name} implements Database.Batchable<SObject>, Database.Stateful {{
    public class ServiceException extends Exception {{}}
    private Integer processed = 0;

    public Database.QueryLocator start(Database.BatchableContext context) {{
        return Database.getQueryLocator([SELECT Id, Name, Status__c, OwnerId FROM {e.api} WHERE Status__c = 'Open']);
    }}

    public void execute(Database.BatchableContext context, List<{e.api}> scope) {{
        for ({e.api} record : scope) {{
            {leak}
        }}
        {service}.update{e.camel}Status(scope, 'In Review');
        processed += scope.size();
    }}

    public void finish(Database.BatchableContext context) {{
        Logger.info('{name}', 'processed ' + processed + ' records');
    }}
{_methods(rng, e, name, rng.randint(5, 18), leak_rate)}}}
"""


def dto_class(rng: random.Random, e: Entity, name: str) -> str:
    props = "\n".join(
        f"        @AuraEnabled public String {f.replace('__c', '').replace('_', '')} {{ get; set; }}"
        for f in e.plain
    )
    assigns = "\n".join(
        f"            {f.replace('__c', '').replace('_', '')} = String.valueOf(record.get('{f}'));"
        for f in e.plain
    )
    return f"""public with sharing class {name} {{
    public class Row {{
        @AuraEnabled public Id recordId {{ get; set; }}
{props}

        public Row({e.api} record) {{
            recordId = record.Id;
{assigns}
        }}
    }}

    public static List<Row> toRows(List<{e.api}> records) {{
        List<Row> rows = new List<Row>();
        for ({e.api} record : records) {{
            rows.add(new Row(record));
        }}
        return rows;
    }}
}}
"""


def test_class(rng: random.Random, e: Entity, name: str, service: str) -> str:
    return f"""@IsTest
private class {name} {{
    @TestSetup
    static void makeData() {{
        List<{e.api}> records = new List<{e.api}>();
        for (Integer i = 0; i < 20; i++) {{
            records.add(new {e.api}(Name = 'Test ' + i, Status__c = 'Open'));
        }}
        insert records;
    }}

    @IsTest
    static void updatesStatus() {{
        List<{e.api}> records = [SELECT Id, Status__c FROM {e.api}];
        Test.startTest();
        {service}.update{e.camel}Status(records, 'Closed');
        Test.stopTest();
        for ({e.api} record : [SELECT Status__c FROM {e.api}]) {{
            Assert.areEqual('Closed', record.Status__c, 'status should be updated');
        }}
    }}

    @IsTest
    static void validatesRequiredFields() {{
        List<String> errors = {service}.validate(new List<{e.api}>{{ new {e.api}() }});
        Assert.isFalse(errors.isEmpty(), 'missing fields should be reported');
    }}
}}
"""


LOGGER = """public without sharing class Logger {
    public static void info(String source, String message) {
        System.debug(LoggingLevel.INFO, source + ': ' + message);
    }

    public static void warn(String source, String message) {
        System.debug(LoggingLevel.WARN, source + ': ' + message);
    }

    public static void error(String source, String message) {
        System.debug(LoggingLevel.ERROR, source + ': ' + message);
        if (Limits.getDmlStatements() < Limits.getLimitDmlStatements()) {
            insert new Log_Entry__c(Source__c = source, Message__c = message.left(131072));
        }
    }
}
"""


def lwc_files(rng: random.Random, e: Entity, name: str, controller: str) -> dict[str, str]:
    cols = ", ".join(
        f"{{ label: '{f.replace('__c', '').replace('_', ' ')}', fieldName: '{f}' }}"
        for f in ["Name", *e.plain[:3]]
    )
    img = (
        '<img src={logoUrl} alt="Clinic logo" class="logo"/>'
        if rng.random() < 0.8
        else '<img src={logoUrl} class="logo"/>'
    )
    js = f"""import {{ LightningElement, api, wire }} from 'lwc';
import {{ ShowToastEvent }} from 'lightning/platformShowToastEvent';
import get{e.camel}List from '@salesforce/apex/{controller}.get{e.camel}List';

const COLUMNS = [{cols}];

export default class {name[0].upper() + name[1:]} extends LightningElement {{
    @api recordId;
    @api maxRows = 50;
    columns = COLUMNS;
    rows = [];
    error;
    logoUrl = '/resource/clinicLogo';

    @wire(get{e.camel}List, {{ maxRows: '$maxRows' }})
    wired({{ data, error }}) {{
        if (data) {{
            this.rows = data.map((row) => ({{ ...row, url: `/lightning/r/${{row.Id}}/view` }}));
            this.error = undefined;
        }} else if (error) {{
            this.error = error;
            this.rows = [];
            this.dispatchEvent(new ShowToastEvent({{ title: 'Error', message: 'Could not load records', variant: 'error' }}));
        }}
    }}

    get hasRows() {{
        return this.rows.length > 0;
    }}
}}
"""
    html = f"""<template>
    <lightning-card title="{e.name.replace("_", " ")} records" icon-name="custom:custom{rng.randint(1, 90)}">
        {img}
        <template lwc:if={{hasRows}}>
            <lightning-datatable key-field="Id" data={{rows}} columns={{columns}} hide-checkbox-column>
            </lightning-datatable>
        </template>
        <template lwc:else>
            <p class="slds-p-around_medium">No records to show.</p>
        </template>
    </lightning-card>
</template>
"""
    meta = f"""{XML_HEAD}<LightningComponentBundle xmlns="{NS}">
    <apiVersion>{API_VERSION}</apiVersion>
    <isExposed>true</isExposed>
    <targets>
        <target>lightning__RecordPage</target>
        <target>lightning__AppPage</target>
    </targets>
</LightningComponentBundle>
"""
    return {f"{name}.js": js, f"{name}.html": html, f"{name}.js-meta.xml": meta}


def field_xml(name: str, kind: str, phi: bool) -> str:
    extra = ""
    if kind == "Text":
        extra = "    <length>255</length>\n"
    elif kind == "LongTextArea":
        extra = "    <length>32768</length>\n    <visibleLines>5</visibleLines>\n"
    elif kind in ("Number", "Currency"):
        extra = "    <precision>18</precision>\n    <scale>2</scale>\n"
    elif kind == "Checkbox":
        extra = "    <defaultValue>false</defaultValue>\n"
    elif kind == "Picklist":
        extra = (
            "    <valueSet>\n        <valueSetDefinition>\n"
            + "".join(
                f"            <value><fullName>{v}</fullName><default>false</default>"
                f"<label>{v}</label></value>\n"
                for v in ("Open", "In Review", "Escalated", "Closed")
            )
            + "        </valueSetDefinition>\n    </valueSet>\n"
        )
    group = (
        "    <complianceGroup>HIPAA</complianceGroup>\n    <securityClassification>Restricted</securityClassification>\n"
        if phi
        else ""
    )
    return (
        f'{XML_HEAD}<CustomField xmlns="{NS}">\n    <fullName>{name}</fullName>\n'
        f"    <label>{name[:-3].replace('_', ' ')}</label>\n    <type>{kind}</type>\n{extra}{group}"
        "    <trackHistory>false</trackHistory>\n</CustomField>\n"
    )


def object_xml(e: Entity) -> str:
    return (
        f'{XML_HEAD}<CustomObject xmlns="{NS}">\n    <label>{e.name.replace("_", " ")}</label>\n'
        f"    <pluralLabel>{e.name.replace('_', ' ')}s</pluralLabel>\n"
        "    <nameField>\n        <label>Name</label>\n        <type>Text</type>\n    </nameField>\n"
        "    <deploymentStatus>Deployed</deploymentStatus>\n    <sharingModel>Private</sharingModel>\n"
        "</CustomObject>\n"
    )


def class_meta() -> str:
    return (
        f'{XML_HEAD}<ApexClass xmlns="{NS}">\n    <apiVersion>{API_VERSION}</apiVersion>\n'
        "    <status>Active</status>\n</ApexClass>\n"
    )


def generate(out: Path, classes: int, seed: int, leak_rate: float = 0.15) -> dict[str, int]:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    base = out / "force-app/main/default"
    (base / "classes").mkdir(parents=True)
    (out / "sfdx-project.json").write_text(
        json.dumps(
            {
                "packageDirectories": [{"path": "force-app", "default": True}],
                "name": f"synthetic-{classes}",
                "sourceApiVersion": API_VERSION,
            },
            indent=2,
        )
        + "\n"
    )
    (out / ".forceignore").write_text("**/jsconfig.json\n**/.eslintrc.json\n")
    (out / "phi-lint.toml").write_text('[sinks]\nlog = ["Logger.*"]\n')
    # Each entity gets a family of classes; the family size varies like real modules do.
    family = ["Service", "Selector", "Controller", "TriggerHandler", "Batch", "Dto", "Test"]
    entities = _entities(rng, max(4, classes // len(family)))
    written = {"classes": 0, "triggers": 0, "lwc": 0, "fields": 0, "bytes": 0}

    def write(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written["bytes"] += len(text.encode("utf-8"))

    def write_class(name: str, text: str) -> None:
        write(base / "classes" / f"{name}.cls", text)
        write(base / "classes" / f"{name}.cls-meta.xml", class_meta())
        written["classes"] += 1

    write_class("Logger", LOGGER)
    n = 0
    while written["classes"] < classes:
        e = entities[n % len(entities)]
        round_ = n // len(entities)
        suffix = "" if round_ == 0 else str(round_ + 1)
        kind = family[(n // len(entities)) % len(family)] if round_ else None
        kinds = family if kind is None else [kind]
        for k in kinds:
            if written["classes"] >= classes:
                break
            name = f"{e.camel}{k}{suffix}"
            service = f"{e.camel}Service"
            if k == "Service":
                write_class(name, service_class(rng, e, name, leak_rate))
            elif k == "Selector":
                write_class(name, selector_class(rng, e, name))
            elif k == "Controller":
                write_class(name, controller_class(rng, e, name, service, leak_rate))
                if not suffix:
                    comp = e.camel[0].lower() + e.camel[1:] + "List"
                    for file_name, text in lwc_files(rng, e, comp, name).items():
                        write(base / "lwc" / comp / file_name, text)
                    written["lwc"] += 1
            elif k == "TriggerHandler":
                write_class(name, handler_class(rng, e, name, service))
                if not suffix:
                    write(
                        base / "triggers" / f"{e.camel}Trigger.trigger",
                        f"trigger {e.camel}Trigger on {e.api} (before insert, before update, after insert) {{\n"
                        f"    new {name}().run();\n}}\n",
                    )
                    write(
                        base / "triggers" / f"{e.camel}Trigger.trigger-meta.xml",
                        class_meta().replace("ApexClass", "ApexTrigger"),
                    )
                    written["triggers"] += 1
            elif k == "Batch":
                write_class(name, batch_class(rng, e, name, service, leak_rate))
            elif k == "Dto":
                write_class(name, dto_class(rng, e, name))
            else:
                write_class(name, test_class(rng, e, name, service))
        n += 1
    for e in entities:
        obj_dir = base / "objects" / e.api
        write(obj_dir / f"{e.api}.object-meta.xml", object_xml(e))
        for field, kind, phi in e.fields:
            write(obj_dir / "fields" / f"{field}.field-meta.xml", field_xml(field, kind, phi))
            written["fields"] += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--leak-rate", type=float, default=0.15, help="share of log/callout methods that leak PHI"
    )
    args = parser.parse_args()
    stats = generate(args.out, args.classes, args.seed, args.leak_rate)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
