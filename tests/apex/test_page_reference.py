"""`phi_in_url_apex`: the Apex half of lwc/phi-in-url (PHI put into a PageReference URL)."""

from __future__ import annotations

import shutil
from pathlib import Path

from phi_lint.analyzers import apex
from phi_lint.analyzers.apex import flow_rules
from phi_lint.config import load_config_file
from phi_lint.context import FileContext
from phi_lint.fixture_harness import fixtures_dir
from phi_lint.project import open_project
from phi_lint.rules import default_registry

REL = "force-app/main/default/classes/PatientPages.cls"
CODE = """public with sharing class PatientPages {
    public PageReference open(Id pid) {
        Patient__c p = [SELECT Id, MRN__c, SSN__c, Status__c, Diagnosis__c FROM Patient__c WHERE Id = :pid];
        PageReference ok = Page.PatientView;
        ok.getParameters().put('id', p.Id);
        ok.getParameters().put('status', p.Status__c);
        PageReference bad = Page.PatientView;
        bad.getParameters().put('mrn', p.MRN__c);
        Page.PatientView.getParameters().put('ssn', p.SSN__c);
        PageReference plain = new PageReference('/apex/PatientView?id=' + p.Id);
        PageReference leaky = new PageReference('/apex/PatientView?mrn=' + p.MRN__c);
        Map<String, String> headers = new Map<String, String>();
        headers.put('mrn', p.MRN__c);
        // bad.getParameters().put('ssn', p.SSN__c);
        Map<String, String> params = bad.getParameters();
        params.put('dx', p.Diagnosis__c);
        params.putAll(new Map<String, String>{ 'state' => p.Status__c });
        bad.getParameters().putAll(new Map<String, String>{ 'mrn' => p.MRN__c });
        return leaky;
    }
}
"""


def test_phi_reaching_page_reference_urls(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(fixtures_dir() / "_project", root)
    path = root / REL
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CODE, encoding="utf-8")
    project = open_project(root, load_config_file(root / "phi-lint.toml", default_registry()))
    apex.prepare(project, [path])
    ctx = FileContext(project, path, REL, "apex", CODE.encode("utf-8"), CODE)
    hits = list(flow_rules.phi_in_url_apex(ctx))
    assert [(h.span.start_line, h.args["sink"], h.args["phi"]) for h in hits] == [
        (8, "PageReference.getParameters().put", "Patient__c.MRN__c"),
        (9, "PageReference.getParameters().put", "Patient__c.SSN__c"),
        (11, "new PageReference", "Patient__c.MRN__c"),
        (16, "PageReference.getParameters().put", "Patient__c.Diagnosis__c"),
        (18, "PageReference.getParameters().putAll", "Patient__c.MRN__c"),
    ]
    assert all(h.related and h.related[0].start_line == 3 for h in hits)
    # Only the URL check fires here: a map put is not a log, email or callout sink.
    assert list(flow_rules.phi_in_log(ctx)) == []
