"""Sink-specific behaviour of the Apex data flow: callout endpoints (constants across classes,
helpers), email wrappers, crypto constants from other classes, and engine integration (SARIF-ready
related locations through the whole `check`)."""

from __future__ import annotations

from pathlib import Path

# The shared harness (tests/apex/flowkit.py); pytest puts tests/apex on sys.path (default import mode).
from flowkit import CLASSES, analyse

from phi_lint.engine import CheckRequest, run_check
from phi_lint.rules import default_registry


def test_named_credential_from_another_class_constant(tmp_path: Path) -> None:
    constants = """public with sharing class Endpoints {
    public static final String LABS = 'callout:Labs';
    public static final String LEGACY = 'https://legacy.example.com';
}
"""
    client = """public with sharing class Client {
    public static void send(Patient__c p) {
        HttpRequest named = new HttpRequest();
        named.setEndpoint(Endpoints.LABS + '/v1');
        named.setBody(p.MRN__c);
        HttpRequest legacy = new HttpRequest();
        legacy.setEndpoint(Endpoints.LEGACY + '/v1');
        legacy.setBody(p.MRN__c);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Endpoints.cls": constants, f"{CLASSES}/Client.cls": client})
    assert flow.lines(f"{CLASSES}/Client.cls", "phi_in_callout") == [8]


def test_reassigned_request_and_endpoint_set_later(tmp_path: Path) -> None:
    code = """public with sharing class Client {
    public static void send(Patient__c p, Boolean named) {
        HttpRequest req = new HttpRequest();
        req.setBody(JSON.serialize(p));
        req.setEndpoint('callout:Partner/intake');
        HttpRequest other = new HttpRequest();
        other.setHeader('X-MRN', p.MRN__c);
        other.setEndpoint('https://partner.example.com/intake');
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Client.cls": code})
    # The endpoint decides, wherever in the method it is set.
    assert flow.lines(f"{CLASSES}/Client.cls", "phi_in_callout") == [7]


def test_email_wrapper_and_attachment(tmp_path: Path) -> None:
    mailer = """public with sharing class Mailer {
    public static void send(String subject, String body, Blob attachmentBody) {
        Messaging.SingleEmailMessage mail = new Messaging.SingleEmailMessage();
        mail.setSubject(subject);
        mail.setPlainTextBody('See the portal.');
        Messaging.EmailFileAttachment file = new Messaging.EmailFileAttachment();
        file.setBody(attachmentBody);
        mail.setFileAttachments(new List<Messaging.EmailFileAttachment>{ file });
        Messaging.sendEmail(new List<Messaging.SingleEmailMessage>{ mail });
    }
}
"""
    caller = """public with sharing class Notify {
    public static void run(Patient__c p) {
        Mailer.send('Update', p.Diagnosis__c, Blob.valueOf(p.Status__c));
        Mailer.send('Update', 'none', Blob.valueOf(JSON.serialize(p)));
        Mailer.send(p.MRN__c, 'none', null);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Mailer.cls": mailer, f"{CLASSES}/Notify.cls": caller})
    # The body parameter goes nowhere (the body is a fixed text); subject and attachment do.
    assert flow.lines(f"{CLASSES}/Notify.cls", "phi_in_email") == [4, 5]
    assert flow.lines(f"{CLASSES}/Mailer.cls", "phi_in_email") == []


def test_hard_coded_key_from_another_class(tmp_path: Path) -> None:
    keys = "public with sharing class Keys { public static final String AES = 'MDEyMzQ1Njc4OWFiY2RlZg=='; }\n"
    code = """public with sharing class Vault {
    public static Blob seal(Blob data) {
        return Crypto.encryptWithManagedIV('AES128', EncodingUtil.base64Decode(Keys.AES), data);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Keys.cls": keys, f"{CLASSES}/Vault.cls": code})
    hits = flow.hits(f"{CLASSES}/Vault.cls", "weak_crypto")
    assert [(h.span.start_line, dict(h.properties)["problem"]) for h in hits] == [(3, "hardcoded-key")]


def test_whole_check_reports_flows_with_related_locations(tmp_path: Path) -> None:
    wrapper = "public with sharing class AppLog { public static void write(String m) { System.debug(m); } }\n"
    caller = """public with sharing class Svc {
    public static void run(Id pid) {
        Patient__c p = [SELECT Id, SSN__c FROM Patient__c WHERE Id = :pid WITH USER_MODE];
        AppLog.write('ssn ' + p.SSN__c);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/AppLog.cls": wrapper, f"{CLASSES}/Svc.cls": caller})
    registry = default_registry()
    result = run_check(CheckRequest([flow.root], flow.project, registry, jobs=1))
    found = [f for f in result.findings if f.rule_id == "apex/phi-in-log"]
    assert [(f.location.path, f.location.start_line) for f in found] == [(f"{CLASSES}/Svc.cls", 4)]
    (finding,) = found
    assert finding.message == "PHI (Patient__c.SSN__c) reaches the log sink AppLog.write (wraps System.debug)"
    assert [(r.path, r.start_line, r.message) for r in finding.related] == [
        (f"{CLASSES}/Svc.cls", 3, "PHI read here: Patient__c.SSN__c (metadata)")
    ]
    assert finding.property("phi") == "Patient__c.SSN__c"
