"""The Apex structure model (soql.py, classes.py) and properties of the structure rules that the
line-based fixtures cannot show: cross-file sharing inheritance, masking of secrets, query spans."""

from __future__ import annotations

import shutil
from pathlib import Path

from phi_lint import parsing
from phi_lint.analyzers.apex import classes, soql, structure_rules
from phi_lint.config import load_config_file
from phi_lint.context import FileContext
from phi_lint.fixture_harness import fixtures_dir
from phi_lint.project import Project, open_project
from phi_lint.rules import default_registry

CLASSES = "force-app/main/default/classes"


def project_with(tmp_path: Path, files: dict[str, str]) -> tuple[Project, Path]:
    root = tmp_path / "project"
    shutil.copytree(fixtures_dir() / "_project", root)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return open_project(root, load_config_file(root / "phi-lint.toml", default_registry())), root


def context(project: Project, root: Path, rel: str) -> FileContext:
    text = (root / rel).read_text(encoding="utf-8")
    return FileContext(project, root / rel, rel, "apex", text.encode("utf-8"), text)


def ctx_for(tmp_path: Path, code: str, name: str = "Sample") -> FileContext:
    project, root = project_with(tmp_path, {f"{CLASSES}/{name}.cls": code})
    return context(project, root, f"{CLASSES}/{name}.cls")


def only_query(tmp_path: Path, body: str) -> soql.Query:
    ctx = ctx_for(
        tmp_path, "public with sharing class Sample {\n void m(String name) {\n" + body + "\n }\n}\n"
    )
    found = soql.queries(ctx)
    assert len(found) == 1, found
    return found[0]


def test_relationship_subquery_and_typeof_fields_resolve_to_their_objects(tmp_path: Path) -> None:
    q = only_query(
        tmp_path,
        """List<Encounter__c> es = [SELECT Id, Patient__r.SSN__c,
        (SELECT Clinical_Notes__c FROM Encounters__r),
        TYPEOF What WHEN Patient__c THEN MRN__c ELSE Name END
        FROM Encounter__c WHERE Patient__c = :name];""",
    )
    assert q.kind == "soql" and q.from_object == "Encounter__c"
    got = {(f.object, f.field, f.relationship, f.typeof_type) for f in q.fields}
    assert ("Patient__c", "SSN__c", None, None) in got
    assert ("Encounter__c", "Clinical_Notes__c", "Encounters__r", None) in got
    assert ("Patient__c", "MRN__c", None, "Patient__c") in got
    assert (None, "Name", None, "ELSE") in got
    assert q.binds == ["name"]


def test_phi_fields_skip_counts_but_keep_min_max_and_group_by(tmp_path: Path) -> None:
    ctx = ctx_for(
        tmp_path,
        """public with sharing class Sample {
    void m() {
        Integer a = [SELECT COUNT() FROM Patient__c];
        List<AggregateResult> b = [SELECT COUNT(SSN__c) n, AVG(Age__c) FROM Patient__c];
        List<AggregateResult> c = [SELECT MAX(Birthdate__c) FROM Patient__c];
        List<AggregateResult> d = [SELECT Diagnosis__c, COUNT(Id) FROM Patient__c GROUP BY Diagnosis__c];
    }
}
""",
    )
    found = [[ref.field for ref, _ in soql.phi_fields(q, ctx.phi)] for q in soql.queries(ctx)]
    assert found == [[], [], ["Birthdate__c"], ["Diagnosis__c", "Diagnosis__c"]]
    assert soql.queries(ctx)[0].is_count


def test_sosl_with_user_mode_is_read_from_raw_text_and_is_no_parse_error(tmp_path: Path) -> None:
    code = """public with sharing class Sample {
    List<List<SObject>> m(String t) {
        return [FIND :t IN ALL FIELDS RETURNING Patient__c(Id, SSN__c WHERE Status__c = 'x'), Account
                with user_mode];
    }
}
"""
    ctx = ctx_for(tmp_path, code)
    (q,) = soql.queries(ctx)
    assert q.kind == "sosl" and q.with_mode == "USER_MODE" and q.mode == "user"
    assert q.objects[:2] == ("Patient__c", "Account")
    assert parsing.syntax_problems(ctx.tree, ctx.source) == []


def test_statement_on_the_trigger_context_variable_is_no_parse_error(tmp_path: Path) -> None:
    # The grammar took a statement-initial `Trigger` for a trigger declaration.
    code = """public with sharing class Sample {
    void m(Exception e, Id key) {
        Trigger.new[0].addError(e.getMessage());
        if (key != null) TRIGGER.oldMap.get(key).addError('changed');
        // a comment before it
        trigger.new.get(0).put('Status__c', 'x');
        List<SObject> rows = (List<SObject>) Trigger.new;
        // Apex is case-insensitive: `boolean.` is the Boolean class (the grammar's keyword was an error).
        Boolean flag = boolean.valueOf(key != null);
        boolean other = true;
    }
}
"""
    ctx = ctx_for(tmp_path, code)
    assert parsing.syntax_problems(ctx.tree, ctx.source) == []
    calls = [n for n in parsing.walk(ctx.tree.root_node) if n.type == "method_invocation"]
    assert "boolean.valueOf(key != null)" in [parsing.text(n, ctx.source) for n in calls]
    objects = [n for n in parsing.walk(ctx.tree.root_node) if n.type == "field_access"]
    assert [parsing.text(n, ctx.source) for n in objects] == [
        "Trigger.new",
        "TRIGGER.oldMap",
        "trigger.new",
        "Trigger.new",
    ]
    # A real syntax error is still one.
    unclosed = code.replace("addError(e.getMessage());", "addError(e.getMessage()")
    broken = ctx_for(tmp_path / "broken", unclosed)
    assert parsing.syntax_problems(broken.tree, broken.source) != []


def test_dynamic_text_is_followed_through_locals_and_spans_point_into_literals(tmp_path: Path) -> None:
    code = """public with sharing class Sample {
    private static final String FIELDS = 'Id, SSN__c';
    List<Patient__c> m(String status) {
        String q = 'SELECT ' + FIELDS;
        q += ' FROM Patient__c WHERE Status__c = \\'' + status + '\\'';
        return Database.query(q, AccessLevel.SYSTEM_MODE);
    }
}
"""
    ctx = ctx_for(tmp_path, code)
    (q,) = soql.queries(ctx)
    assert q.kind == "dynamic" and q.method == "Database.query" and q.language == "soql"
    assert q.from_object == "Patient__c" and q.mode == "system" and not q.complete
    ssn = next(f for f in q.fields if f.field == "SSN__c")
    assert ctx.source[ssn.start_byte : ssn.end_byte] == b"SSN__c"
    assert ssn.span(ctx).start_line == 2
    assert [ctx.node_text(h) for h in q.holes] == ["status"]


def test_unicode_before_a_field_keeps_columns_in_characters(tmp_path: Path) -> None:
    q_ctx = ctx_for(
        tmp_path,
        """public with sharing class Sample {
    void m() { String s = 'Zoë é ü'; List<Patient__c> r = [SELECT SSN__c FROM Patient__c]; }
}
""",
    )
    second = soql.queries(q_ctx)[0]
    span = second.fields[0].span(q_ctx)
    line = q_ctx.lines[span.start_line - 1]
    assert line[span.start_column - 1 : span.end_column - 1] == "SSN__c"


def test_sharing_is_inherited_from_a_superclass_in_another_file(tmp_path: Path) -> None:
    base = "public with sharing virtual class BaseSelector {\n}\n"
    middle = "public virtual class MiddleSelector extends BaseSelector {\n}\n"
    child = """public class PatientSelector extends MiddleSelector {
    public List<Patient__c> all() { return [SELECT Id FROM Patient__c]; }
    public class Inner { public List<Patient__c> all() { return [SELECT Id FROM Patient__c]; } }
}
"""
    project, root = project_with(
        tmp_path,
        {
            f"{CLASSES}/BaseSelector.cls": base,
            f"{CLASSES}/MiddleSelector.cls": middle,
            f"{CLASSES}/PatientSelector.cls": child,
        },
    )
    ctx = context(project, root, f"{CLASSES}/PatientSelector.cls")
    outer, inner = classes.file_classes(ctx).classes
    assert classes.effective_sharing(ctx, outer) == ("with", "inherited from BaseSelector")
    assert classes.effective_sharing(ctx, inner) == (None, "none")  # never from the outer class
    assert [h.span.start_line for h in structure_rules.check_sharing(ctx)] == [3]


def test_commented_out_sharing_keyword_does_not_count(tmp_path: Path) -> None:
    headers = classes.scan_headers(
        "/* public with sharing class A */ public class A extends B {}\nString s = 'class C extends D';",
        "x.cls",
    )
    assert [(h.name, h.sharing, h.superclass) for h in headers] == [("A", None, "B")]


def test_secrets_never_appear_in_clear_in_hits(tmp_path: Path) -> None:
    secret = "sk_live_51HxQz2eZvKYlo2C8a9Xk3mPq"
    password = "Winter2024!Clinic"
    ctx = ctx_for(
        tmp_path,
        f"""public with sharing class Sample {{
    private static final String KEY = '{secret}';
    private String password = '{password}';
}}
""",
    )
    hits = list(structure_rules.check_hardcoded_secret(ctx))
    assert len(hits) == 2
    for hit in hits:
        blob = hit.matched_text + " ".join(hit.args.values()) + str(hit.properties)
        assert secret not in blob and password not in blob and secret[8:16] not in blob
    assert hits[0].matched_text == "Stripe secret key:'sk_live_****'"


def test_every_query_of_a_file_is_found_in_one_shared_walk(tmp_path: Path) -> None:
    ctx = ctx_for(tmp_path, "public class Sample { void m() { insert new Account(); } }\n")
    list(structure_rules.check_sharing(ctx))
    list(structure_rules.check_fls(ctx))
    memo = ctx._memo
    assert "apex.syntax.index" in memo and "apex.structure.operations" in memo and "apex.soql.queries" in memo


def test_tokenizer_handles_date_literals_binds_braces_and_comments() -> None:
    parsed = soql.parse_query_text(
        "SELECT Id, Owner.Name FROM Patient__c p WHERE CreatedDate = LAST_N_DAYS:30 "
        "AND Id IN :ids.keySet() AND Name = :names[0] // SSN__c in a comment\n WITH USER_MODE",
        apex_comments=True,
    )
    assert parsed.from_object == "Patient__c" and parsed.from_alias == "p"
    assert [f.path for f in parsed.fields] == ["Id", "Owner.Name"]
    assert parsed.binds == ["ids.keySet()", "names[0]"]
    assert parsed.with_mode == "USER_MODE"
    sosl = soql.parse_query_text(
        'FIND {O\'Brien AND "x"} IN NAME FIELDS RETURNING Contact(Id, Birthdate LIMIT 5)'
    )
    assert sosl.language == "sosl" and sosl.objects == ["Contact"]
    assert [f.path for f in sosl.fields] == ["Id", "Birthdate"]


def test_owner_relationship_resolves_to_user_and_alias_prefix_is_dropped() -> None:
    assert soql.resolve_path("Owner.Name", "Patient__c") == ("User", "Name")
    assert soql.resolve_path("p.SSN__c", "Patient__c", "p") == ("Patient__c", "SSN__c")
    assert soql.resolve_path("Patient__r.Primary_Doctor__r.Name", "Encounter__c") == (
        "Primary_Doctor__c",
        "Name",
    )


def test_insecure_callout_allowed_hosts_option(tmp_path: Path) -> None:
    ctx = ctx_for(
        tmp_path,
        """public with sharing class Sample {
    void m(HttpRequest req) {
        req.setEndpoint('https://api.weather.example.com/v1/forecast');
        req.setEndpoint('https://labs.example.org/results');
    }
}
""",
    )
    assert [h.span.start_line for h in structure_rules.check_insecure_callout(ctx)] == [3, 4]
    ctx.options = {"allowed_hosts": ["weather.example.com"]}
    assert [h.span.start_line for h in structure_rules.check_insecure_callout(ctx)] == [4]


def test_inline_field_refs_carry_their_field_identifier_nodes(tmp_path: Path) -> None:
    q = only_query(tmp_path, "List<Patient__c> ps = [SELECT Id, Patient__r.SSN__c FROM Encounter__c];")
    assert [f.node.type for f in q.fields] == ["field_identifier", "field_identifier"]
    assert q.anchor.type == "SELECT"


def test_secret_findings_show_no_secret_in_snippets_or_related_locations() -> None:
    from phi_lint.fixture_harness import run_fixture
    from phi_lint.rules import default_registry

    registry = default_registry()
    rule = registry.get("apex/hardcoded-secret")
    fixture = fixtures_dir() / "apex" / "hardcoded-secret.cls"
    outcome = run_fixture(fixture, rule, registry)
    assert outcome.passed, outcome.explain()
    secrets = [
        "51HxQz2eZvKYlo2C8a9Xk3mPq",
        "E4f9kQ2rT7uVw1xYz3B5",
        "Winter2024!Clinic",
        "YWRtaW46c3VwZXJzZWNyZXQ=",
        "integration:Lab2024pw",
        "0123456789abcdef0123456789abcdef",
        "Zx8Vb7Nm6Qw5Er4T",
    ]
    for finding in outcome.findings:
        shown = " ".join(
            [
                finding.message,
                finding.matched_text,
                finding.location.snippet,
                *(r.snippet for r in finding.related),
                *(v for _, v in finding.properties),
            ]
        )
        assert not [s for s in secrets if s in shown], shown


def test_custom_settings_from_object_metadata_are_exempt_from_sharing(tmp_path: Path) -> None:
    objects = "force-app/main/default/objects"
    setting = """<?xml version="1.0" encoding="UTF-8"?>
<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">
    <customSettingsType>Hierarchy</customSettingsType>
    <label>Clinic Preferences</label>
</CustomObject>
"""
    ordinary = """<?xml version="1.0" encoding="UTF-8"?>
<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">
    <label>Referral Settings</label>
    <sharingModel>Private</sharingModel>
</CustomObject>
"""
    code = """public without sharing class Prefs {
    public static void save(Clinic_Preferences__c prefs, Referral_Settings__c referral) {
        upsert prefs;
        upsert referral;
    }
}
"""
    project, root = project_with(
        tmp_path,
        {
            f"{objects}/Clinic_Preferences__c/Clinic_Preferences__c.object-meta.xml": setting,
            f"{objects}/Referral_Settings__c/Referral_Settings__c.object-meta.xml": ordinary,
            f"{CLASSES}/Prefs.cls": code,
        },
    )
    assert "clinic_preferences__c" in project.phi.custom_settings
    ctx = context(project, root, f"{CLASSES}/Prefs.cls")
    # The metadata says Clinic_Preferences__c is a custom setting; Referral_Settings__c is an
    # ordinary object with a private sharing model, whatever its name suggests.
    assert [h.span.start_line for h in structure_rules.check_sharing(ctx)] == [4]
