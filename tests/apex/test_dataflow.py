"""The Apex PHI data-flow engine: sources, field-sensitive propagation, method summaries across files,
sinks, and the facts the flow rules report (related locations, properties)."""

from __future__ import annotations

from pathlib import Path

import pytest

# The shared harness (tests/apex/flowkit.py); pytest puts tests/apex on sys.path (default import mode).
from flowkit import CLASSES, analyse

from phi_lint.analyzers import apex
from phi_lint.analyzers.apex import dataflow, flow_rules
from phi_lint.context import FileContext


def test_field_sensitive_reads_and_related_location(tmp_path: Path) -> None:
    code = """public with sharing class Svc {
    public static void run(Id pid) {
        Patient__c p = [SELECT Id, Status__c,
                               SSN__c FROM Patient__c WHERE Id = :pid];
        System.debug(p.Id + ' ' + p.Status__c);
        System.debug(p.SSN__c);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Svc.cls": code})
    hits = flow.hits(f"{CLASSES}/Svc.cls")
    assert [h.span.start_line for h in hits] == [6]
    hit = hits[0]
    assert hit.args == {"phi": "Patient__c.SSN__c", "sink": "System.debug"}
    # The PHI was read by the query's select list, on line 4, not where it was logged.
    assert [(r.path, r.start_line, r.message) for r in hit.related] == [
        (f"{CLASSES}/Svc.cls", 4, "PHI read here: Patient__c.SSN__c (metadata)")
    ]
    assert ("phi", "Patient__c.SSN__c") in hit.properties
    assert ("sink", "System.debug") in hit.properties


def test_whole_record_is_phi_only_when_it_holds_phi(tmp_path: Path) -> None:
    code = """public with sharing class Svc {
    public static void run() {
        Patient__c withSsn = [SELECT Id, SSN__c FROM Patient__c LIMIT 1];
        Patient__c statusOnly = [SELECT Id, Status__c FROM Patient__c LIMIT 1];
        Patient__c fresh = new Patient__c(Status__c = 'New');
        System.debug(withSsn);
        System.debug(statusOnly);
        System.debug(fresh);
        fresh.SSN__c = withSsn.SSN__c;
        System.debug(fresh);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Svc.cls": code})
    assert flow.lines(f"{CLASSES}/Svc.cls") == [6, 10]


def test_reassignment_forgets_and_branches_join(tmp_path: Path) -> None:
    code = """public with sharing class Svc {
    public static void run(Patient__c p, Boolean b) {
        String s = p.SSN__c;
        s = 'masked';
        System.debug(s);
        String t = 'x';
        if (b) {
            t = p.MRN__c;
        }
        System.debug(t);
        List<String> items = new List<String>();
        for (Integer i = 0; i < 3; i++) {
            items.add(p.Diagnosis__c);
        }
        System.debug(items.size());
        System.debug(items);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Svc.cls": code})
    assert flow.lines(f"{CLASSES}/Svc.cls") == [10, 16]


def test_wrapper_in_another_file_is_reported_at_the_call_site_only(tmp_path: Path) -> None:
    wrapper = """public with sharing class AppLog {
    public static void write(String message) { emit('INFO', message); }
    private static void emit(String level, String message) {
        System.debug(LoggingLevel.INFO, level + ': ' + message);
    }
}
"""
    caller = """public with sharing class Svc {
    public static void run(Id pid) {
        Patient__c p = [SELECT Id, MRN__c FROM Patient__c WHERE Id = :pid];
        AppLog.write('loaded ' + p.Id);
        AppLog.write('loaded ' + p.MRN__c);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/AppLog.cls": wrapper, f"{CLASSES}/Svc.cls": caller})
    assert flow.lines(f"{CLASSES}/AppLog.cls") == []
    hits = flow.hits(f"{CLASSES}/Svc.cls")
    assert [h.span.start_line for h in hits] == [5]
    assert hits[0].args["sink"] == "AppLog.write (wraps System.debug)"
    summary = flow.project.facts["apex"]["summaries"].lookup("AppLog", "write", 1)
    assert summary is not None and summary.sinks == {0: {("log", "System.debug")}}


def test_helper_returning_phi_is_a_source_in_its_callers(tmp_path: Path) -> None:
    repo = """public with sharing class PatientRepo {
    public static String ssnOf(Id pid) {
        return [SELECT SSN__c FROM Patient__c WHERE Id = :pid].SSN__c;
    }
    public static String mask(String value) { return '***'; }
    public static String same(String value) { return value.trim(); }
}
"""
    caller = """public with sharing class Svc {
    public static void run(Id pid) {
        System.debug(PatientRepo.ssnOf(pid));
        System.debug(PatientRepo.mask(PatientRepo.ssnOf(pid)));
        System.debug(PatientRepo.same(PatientRepo.ssnOf(pid)));
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/PatientRepo.cls": repo, f"{CLASSES}/Svc.cls": caller})
    hits = flow.hits(f"{CLASSES}/Svc.cls")
    assert [h.span.start_line for h in hits] == [3, 5]
    assert hits[0].related[0].path == f"{CLASSES}/PatientRepo.cls"
    assert hits[0].related[0].start_line == 3


def test_nebula_logger_and_configured_sinks(tmp_path: Path) -> None:
    code = """public with sharing class Svc {
    public static void run(Id pid) {
        Patient__c p = [SELECT Id, Birthdate__c FROM Patient__c WHERE Id = :pid];
        Logger.error('failed for ' + pid, p);
        Logger.warn('born ' + p.Birthdate__c);
        Logger.info('ok ' + p.Id);
        Audit.record('born ' + p.Birthdate__c);
        Audit.recordId(p.Id);
        Other.record('born ' + p.Birthdate__c);
    }
}
"""
    config = '[sinks]\nlog = ["Audit.*"]\n'
    flow = analyse(tmp_path, {f"{CLASSES}/Svc.cls": code}, config)
    assert flow.lines(f"{CLASSES}/Svc.cls") == [4, 5, 7]


def test_trigger_records_of_a_phi_object(tmp_path: Path) -> None:
    phi_trigger = """trigger PatientAudit on Patient__c (after update) {
    for (Patient__c p : Trigger.new) {
        Patient__c before = Trigger.oldMap.get(p.Id);
        System.debug(p.Id + ' ' + p.Status__c);
        System.debug(before.SSN__c);
        System.debug(Trigger.new);
    }
}
"""
    other = """trigger AccountAudit on Account (after update) {
    for (Account a : Trigger.new) { System.debug(a); System.debug(Trigger.new); }
}
"""
    flow = analyse(
        tmp_path,
        {
            "force-app/main/default/triggers/PatientAudit.trigger": phi_trigger,
            "force-app/main/default/triggers/AccountAudit.trigger": other,
        },
    )
    assert flow.lines("force-app/main/default/triggers/PatientAudit.trigger") == [5, 6]
    assert flow.lines("force-app/main/default/triggers/AccountAudit.trigger") == []


def test_entry_point_parameters_and_dynamic_queries(tmp_path: Path) -> None:
    code = """public with sharing class Api {
    @AuraEnabled
    public static void save(Patient__c patient, String note) {
        System.debug(patient);
        System.debug(note);
        List<Patient__c> rows = Database.query('SELECT Id, Diagnosis__c FROM Patient__c LIMIT 5');
        System.debug(rows);
        List<Patient__c> ids = Database.query('SELECT Id FROM Patient__c LIMIT 5');
        System.debug(ids);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Api.cls": code})
    assert flow.lines(f"{CLASSES}/Api.cls") == [4, 7]


def test_recursive_methods_terminate(tmp_path: Path) -> None:
    code = """public with sharing class Loop {
    public static void a(String s) { b(s); }
    public static void b(String s) { if (s != null) { a(s); } System.debug(s); }
    public static void run(Patient__c p) { a(p.SSN__c); }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Loop.cls": code})
    assert flow.lines(f"{CLASSES}/Loop.cls") == [4]


def test_a_value_carried_around_a_loop_reaches_a_sink_read_earlier_in_the_body(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`last` is logged before it is assigned PHI in the same body: only the next iteration logs PHI,
    so the body must run a second time. A variable declared in the body (`row`) is scoped to one
    iteration: it alone never asks for a second pass."""
    code = """public with sharing class Carry {
    public static void each(List<Patient__c> ps) {
        String last = '';
        for (Patient__c p : ps) {
            System.debug(last);
            last = p.SSN__c;
        }
    }
    public static void count(List<Patient__c> ps) {
        String last = '';
        for (Integer i = 0; i < ps.size(); i++) {
            System.debug(last);
            last = ps[i].SSN__c;
        }
    }
    public static void local(List<Patient__c> ps) {
        for (Patient__c p : ps) {
            String row = p.Name;
            System.debug(row);
        }
    }
}
"""
    passes: list[bool] = []
    real = dataflow.MethodFlow._loop_carried

    def recording(self: dataflow.MethodFlow, before: dict[str, dataflow.Value]) -> bool:
        carried = real(self, before)
        passes.append(carried)
        return carried

    monkeypatch.setattr(dataflow.MethodFlow, "_loop_carried", recording)
    flow = analyse(tmp_path, {f"{CLASSES}/Carry.cls": code})
    assert flow.lines(f"{CLASSES}/Carry.cls") == [5, 12]
    # each/count: carried after the first pass, not after the second; local: never carried.
    assert passes.count(True) == 2


def test_all_flow_rules_share_one_analysis_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = "public class Svc { public static void run(Patient__c p) { System.debug(p.SSN__c); } }\n"
    flow = analyse(tmp_path, {f"{CLASSES}/Svc.cls": code})
    calls: list[str] = []
    original = dataflow.analyze

    def counting(
        ctx: FileContext, summaries: dataflow.Summaries, store: object = None
    ) -> dataflow.FileAnalysis:
        calls.append(ctx.rel_path)
        return original(ctx, summaries)

    monkeypatch.setattr(dataflow, "analyze", counting)
    checks = (
        flow_rules.phi_in_log,
        flow_rules.phi_in_email,
        flow_rules.phi_in_callout,
        flow_rules.weak_crypto,
        flow_rules.phi_in_url_apex,
    )
    # prepare() already analysed the file with the final summaries: the checks reuse that.
    ctx = flow.context(f"{CLASSES}/Svc.cls")
    assert [len(list(check(ctx))) for check in checks] == [1, 0, 0, 0, 0]
    assert calls == []
    # Without prepared facts (e.g. facts restored from the cache), one analysis serves all rules.
    monkeypatch.setattr(dataflow, "PREPARED", dataflow.Prepared())
    ctx = flow.context(f"{CLASSES}/Svc.cls")
    assert [len(list(check(ctx))) for check in checks] == [1, 0, 0, 0, 0]
    assert calls == [f"{CLASSES}/Svc.cls"]


def test_messages_name_fields_never_values(tmp_path: Path) -> None:
    code = """public with sharing class Svc {
    public static void run() {
        Patient__c p = new Patient__c(SSN__c = '123-45-6789');
        String s = 'SSN 123-45-6789 ' + [SELECT SSN__c FROM Patient__c LIMIT 1].SSN__c;
        System.debug(s);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Svc.cls": code})
    hits = flow.hits(f"{CLASSES}/Svc.cls")
    assert [h.span.start_line for h in hits] == [5]
    rendered = " ".join(list(hits[0].args.values()) + [r.message for r in hits[0].related])
    assert "123-45-6789" not in rendered


def test_phi_written_into_a_field_reaches_sinks_in_other_methods(tmp_path: Path) -> None:
    code = """public with sharing class Chart {
    private String lastSsn;
    private String state = 'new';
    public void show() {
        System.debug(lastSsn);
        System.debug(state);
    }
    public void load(Id pid) {
        Patient__c p = [SELECT SSN__c, Status__c FROM Patient__c WHERE Id = :pid];
        this.lastSsn = p.SSN__c;
        state = p.Status__c;
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Chart.cls": code})
    hits = flow.hits(f"{CLASSES}/Chart.cls")
    assert [h.span.start_line for h in hits] == [5]
    assert hits[0].related[0].start_line == 9


def test_instance_calls_dispatch_to_implementations(tmp_path: Path) -> None:
    iface = "public interface ILogSink { void write(String message); }\n"
    impl = """public with sharing class DebugSink implements ILogSink {
    public void write(String message) { System.debug(message); }
}
"""
    quiet = """public with sharing class QuietSink implements ILogSink {
    public void write(String message) { }
}
"""
    caller = """public with sharing class Svc {
    private ILogSink sink;
    public Svc(ILogSink sink) { this.sink = sink; }
    public void run(Patient__c p) {
        List<String> lines = new List<String>();
        lines.add(p.MRN__c);
        sink.write('mrn ' + p.MRN__c);
        sink.write('id ' + p.Id);
    }
}
"""
    flow = analyse(
        tmp_path,
        {
            f"{CLASSES}/ILogSink.cls": iface,
            f"{CLASSES}/DebugSink.cls": impl,
            f"{CLASSES}/QuietSink.cls": quiet,
            f"{CLASSES}/Svc.cls": caller,
        },
    )
    hits = flow.hits(f"{CLASSES}/Svc.cls")
    assert [h.span.start_line for h in hits] == [7]
    assert hits[0].args["sink"] == "sink.write (wraps System.debug)"


def test_summaries_do_not_depend_on_file_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Analyse in the order given (not callees first) so that later rounds have work to do.
    monkeypatch.setattr(
        apex, "callees_first", lambda contexts, classes: (contexts, apex.name_graph(contexts, classes))
    )
    files = {
        f"{CLASSES}/A.cls": "public class A { public static void a(String s) { B.b('x' + s); } }\n",
        f"{CLASSES}/B.cls": "public class B { public static void b(String s) { C.c(s.trim()); } }\n",
        f"{CLASSES}/C.cls": "public class C { public static void c(String s) { System.debug(s); } }\n",
        f"{CLASSES}/R.cls": "public class R { public static String r(String s) { return A.id(s); } }\n",
    }
    results: list[dict[tuple[str, str], dict[int, dataflow.MethodSummary]]] = []
    for order in (list(files), list(reversed(files))):
        root = tmp_path / f"run{len(results)}"
        root.mkdir()
        flow = analyse(root, {rel: files[rel] for rel in order})
        summaries = flow.project.facts["apex"]["summaries"]
        results.append({key: by_arity for key, by_arity in summaries.methods.items()})
    assert results[0] == results[1]
    assert results[0][("a", "a")][1].sinks == {0: {("log", "System.debug")}}


def test_calls_on_a_new_instance_resolve_to_its_class(tmp_path: Path) -> None:
    code = """public with sharing class Svc {
    public class AppLogger {
        public void write(String message) { System.debug(message); }
    }
    public static void run(Patient__c p) {
        new AppLogger().write('dx ' + p.Diagnosis__c);
        new AppLogger().write('id ' + p.Id);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Svc.cls": code})
    assert flow.lines(f"{CLASSES}/Svc.cls") == [6]


def test_if_and_else_arms_do_not_see_each_other(tmp_path: Path) -> None:
    code = """public with sharing class Svc {
    public static void run(Patient__c p, Boolean b) {
        String s = 'none';
        if (b) {
            s = p.SSN__c;
        } else {
            System.debug(s);
        }
        System.debug(s);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Svc.cls": code})
    assert flow.lines(f"{CLASSES}/Svc.cls") == [9]


def test_holder_class_in_another_file_is_read_field_by_field(tmp_path: Path) -> None:
    holder = """public with sharing class CareRequest {
    public Patient__c patient { get; private set; }
    public Id visitId;
    public CareRequest(Patient__c patient) { this.patient = patient; }
}
"""
    caller = """public with sharing class Svc {
    public static void run(Id pid) {
        CareRequest req = new CareRequest([SELECT Id, Status__c, SSN__c FROM Patient__c WHERE Id = :pid]);
        System.debug(req.patient.Status__c + req.visitId);
        System.debug(req.patient.SSN__c);
        System.debug(req.patient);
        req.visitId = null;
        System.debug(req.visitId);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/CareRequest.cls": holder, f"{CLASSES}/Svc.cls": caller})
    assert flow.lines(f"{CLASSES}/Svc.cls") == [5, 6]


def test_endpoint_parameter_of_a_wrapper_is_judged_at_the_call_site(tmp_path: Path) -> None:
    sender = """public with sharing class Sender {
    public static void post(String endpoint, String body) {
        HttpRequest req = new HttpRequest();
        req.setEndpoint(endpoint + '/v1');
        req.setBody(body);
        new Http().send(req);
    }
    public static void postToHost(String path, String body) {
        HttpRequest req = new HttpRequest();
        req.setEndpoint('https://partner.example.com/' + path);
        req.setBody(body);
        new Http().send(req);
    }
}
"""
    caller = """public with sharing class Svc {
    private static final String NAMED = 'callout:Clinic';
    public static void run(Patient__c p, Boolean b) {
        Sender.post(b ? NAMED : 'callout:Backup', p.SSN__c);
        Sender.post('https://clinic.example.com', p.SSN__c);
        Sender.postToHost('callout:Clinic', p.SSN__c);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Sender.cls": sender, f"{CLASSES}/Svc.cls": caller})
    assert flow.lines(f"{CLASSES}/Svc.cls", "phi_in_callout") == [5, 6]
    summaries = flow.project.facts["apex"]["summaries"]
    assert summaries.lookup("Sender", "post", 2).guards == {0: frozenset({0}), 1: frozenset({0})}
    assert summaries.lookup("Sender", "postToHost", 2).guards == {}


def test_summary_union_keeps_a_callout_guarded_only_when_both_sides_guard_it() -> None:
    callout = {("callout", "HttpRequest.setBody")}
    guarded = dataflow.MethodSummary(sinks={1: set(callout)}, guards={1: frozenset({0})})
    other_guard = dataflow.MethodSummary(sinks={1: set(callout)}, guards={1: frozenset({2})})
    unguarded = dataflow.MethodSummary(sinks={1: set(callout)})
    log_only = dataflow.MethodSummary(sinks={1: {("log", "System.debug")}})
    assert guarded.union(other_guard).guards == {1: frozenset({0, 2})}
    assert guarded.union(unguarded).guards == {}
    assert guarded.union(log_only).guards == {1: frozenset({0})}


def test_summary_union_keeps_a_returned_prefix_only_when_every_body_has_it() -> None:
    named = dataflow.MethodSummary(return_prefix="callout:Lab_A/")
    other = dataflow.MethodSummary(return_prefix="callout:Lab_B/")
    origin = dataflow.Origin("Patient__c.SSN__c", "metadata", ("Patient__c.SSN__c",), "x.cls", 1, 1, 1, 9)
    unknown = dataflow.MethodSummary(return_origins=frozenset({origin}))
    assert dataflow.TRIVIAL_SUMMARY.union(named).return_prefix == "callout:Lab_A/"
    assert named.union(other).return_prefix == "callout:Lab_"
    assert named.union(unknown).return_prefix is None
    assert not named.trivial and not named.same_as(other)


def test_a_helper_that_returns_a_named_credential_makes_its_callers_endpoints_named(tmp_path: Path) -> None:
    config = """public with sharing class LabConfig {
    public virtual class Source { public virtual String base() { return System.Label.Lab_Url; } }
    public class Named extends Source { public override String base() { return 'callout:Lab'; } }
    public static String base() { return 'callout:' + Lab__mdt.getInstance('x').Name__c; }
}
"""
    caller = """public with sharing class Svc {
    public static void send(Patient__c p, LabConfig.Source source) {
        HttpRequest a = new HttpRequest(); a.setEndpoint(LabConfig.base() + '/o'); a.setBody(p.SSN__c);
        HttpRequest b = new HttpRequest(); b.setEndpoint(source.base() + '/o'); b.setBody(p.SSN__c);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/LabConfig.cls": config, f"{CLASSES}/Svc.cls": caller})
    summaries = flow.project.facts["apex"]["summaries"]
    assert summaries.lookup("LabConfig", "base", 0).return_prefix == "callout:"
    # The static helper always returns `callout:`; a call through the base class may reach its own
    # body, whose endpoint is only known at run time.
    assert flow.lines(f"{CLASSES}/Svc.cls", "phi_in_callout") == [4]


def test_a_method_returning_other_text_keeps_a_trivial_summary(tmp_path: Path) -> None:
    """Only a Named Credential prefix is recorded: a method that returns ordinary text has no summary,
    as before return prefixes (nothing to store, publish or re-check for the callers)."""
    greeter = """public with sharing class Greeter {
    public static String hello() { return 'Hello ' + Date.today(); }
    public static String endpoint() { return 'callout:Clinic/v1'; }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/Greeter.cls": greeter})
    summaries = flow.project.facts["apex"]["summaries"]
    assert summaries.lookup("Greeter", "hello", 0) is dataflow.TRIVIAL_SUMMARY
    assert summaries.lookup("Greeter", "endpoint", 0).return_prefix == "callout:Clinic/v1"


def test_a_single_body_is_published_as_its_own_join() -> None:
    """A method with one body publishes that body's summary (no copy) when the join would not change
    it, and the join itself when it would (an endpoint guard at a parameter without a callout sink)."""
    callout = {("callout", "HttpRequest.setBody")}
    plain = dataflow.MethodSummary(sinks={0: {("log", "System.debug")}}, returns_params={1})
    guarded = dataflow.MethodSummary(sinks={1: set(callout)}, guards={1: frozenset({0})})
    stray_guard = dataflow.MethodSummary(sinks={1: {("log", "System.debug")}}, guards={1: frozenset({0})})
    store = dataflow.SummaryStore(dataflow.Summaries())
    store.seed(
        {
            ("a", "plain", 2): {("A.cls", 10): plain},
            ("a", "guarded", 2): {("A.cls", 20): guarded},
            ("a", "stray", 2): {("A.cls", 30): stray_guard},
        }
    )
    methods = store.summaries.methods
    assert methods[("a", "plain")][2] is plain
    assert methods[("a", "guarded")][2] is guarded
    published = methods[("a", "stray")][2]
    assert published is not stray_guard and published.guards == {}
    for summary in (plain, guarded, stray_guard):
        assert dataflow.TRIVIAL_SUMMARY.union(summary).same_as(summary) == summary.joins_unchanged()


def test_members_of_project_classes_named_like_phi_are_phi(tmp_path: Path) -> None:
    dto = """public with sharing class PatientDto {
    public Date dateOfBirth;
    public String diagnosisCode;
    public String name;
    public String email;
    public String diagnosisLabel;
    public static final String SYMPTOM_HELP = 'Describe your symptoms';
}
"""
    caller = """public with sharing class Intake {
    public class Request {
        @InvocableVariable public String symptoms;
        @InvocableVariable public Id patientId;
    }
    @InvocableMethod
    public static void run(List<Request> requests) {
        for (Request req : requests) {
            HttpRequest http = new HttpRequest();
            http.setEndpoint('https://triage.example.com/api');
            http.setBody(req.symptoms);
            Messaging.SingleEmailMessage mail = new Messaging.SingleEmailMessage();
            mail.setPlainTextBody('patient ' + req.patientId);
        }
    }
    public static void share(PatientDto dto) {
        System.debug(dto.dateOfBirth);
        System.debug(dto.diagnosisCode);
        System.debug(dto.name + dto.email + dto.diagnosisLabel);
        System.debug(PatientDto.SYMPTOM_HELP);
        PatientDto empty = new PatientDto();
        System.debug(empty.dateOfBirth);
    }
}
"""
    flow = analyse(tmp_path, {f"{CLASSES}/PatientDto.cls": dto, f"{CLASSES}/Intake.cls": caller})
    rel = f"{CLASSES}/Intake.cls"
    assert flow.lines(rel, "phi_in_callout") == [11]
    assert flow.lines(rel, "phi_in_email") == []
    assert flow.lines(rel) == [17, 18]
    message_args = flow.hits(rel)[0].args
    assert message_args["phi"] == "PatientDto.dateOfBirth, named like PHI"


def test_joined_answers_change_exactly_when_one_bodys_answers_change() -> None:
    """The final check of prepare() reads one table per file (`joined_answers`) instead of one per
    body: it must say "changed" for exactly the summaries that change one of the bodies' answers."""
    log = dataflow.MethodSummary(sinks={0: {("log", "System.debug")}})
    log_again = dataflow.MethodSummary(sinks={0: {("log", "System.debug")}})  # equal, not the same
    returns = dataflow.MethodSummary(returns_params={0})
    states: dict[str, dataflow.MethodSummary | None] = {"none": None, "log": log, "returns": returns}
    question = ("Util", "send", 1, False)
    has_any = ("Util", "send", -1, False)
    tables: list[dataflow.UsedAnswers] = [
        {question: None, has_any: False},
        {question: log, has_any: True},
        {question: log_again, has_any: True},
        {question: returns, has_any: True},
        {("Util", "other", 0, False): None},
    ]
    for first in range(len(tables)):
        for second in range(len(tables)):
            bodies = [tables[first], tables[second]]
            joined = dataflow.joined_answers(bodies)
            for state in states.values():
                summaries = dataflow.Summaries()
                if state is not None:
                    summaries.methods[("util", "send")] = {1: state}
                expected = any(dataflow.answers_changed(summaries, body) for body in bodies)
                assert dataflow.answers_changed(summaries, joined) == expected
    # Equal summaries agree (one entry kept); different ones can never all match again.
    assert dataflow.joined_answers([tables[1], tables[2]])[question] is log
    assert dataflow.joined_answers([tables[1], tables[3]])[question] is dataflow.Disagreed.ANSWERS


def test_received_contributions_share_their_strings_and_keep_their_content() -> None:
    """`shared_contributions` (summaries received from another process) changes no summary, and two
    messages' equal names, labels and paths become one object each."""

    def received() -> dict[tuple[str, str, int], dict[tuple[str, int], dataflow.MethodSummary]]:
        # Strings built at run time, as unpickling builds them: equal, never the same object.
        path, label = "".join(["classes/", "Svc.cls"]), "".join(["Patient__c.", "SSN__c"])
        origin = dataflow.Origin(label, "metadata", (label,), path, 3, 5, 3, 20)
        summary = dataflow.MethodSummary(
            sinks={0: {("log", "".join(["System.", "debug"]))}},
            returns_params=frozenset({1}),
            return_origins=frozenset({origin}),
            return_sobject="".join(["patient", "__c"]),
            guards={0: frozenset({1})},
        )
        return {("".join(["s", "vc"]), "run", 2): {(path, 40): summary}}

    table: dict[tuple[object, ...], tuple[object, ...]] = {}
    first, second = (dataflow.shared_contributions(received(), table) for _ in range(2))
    assert first == received() and second == received()
    ((key_a, bodies_a),), ((key_b, bodies_b),) = first.items(), second.items()
    assert key_a is key_b
    (((path_a, _), summary_a),), (((path_b, _), summary_b),) = bodies_a.items(), bodies_b.items()
    assert path_a is path_b and summary_a.return_sobject is summary_b.return_sobject
    (origin_a,), (origin_b,) = summary_a.return_origins, summary_b.return_origins
    assert origin_a.label is origin_b.label and origin_a.path is path_a and origin_a.fields is origin_b.fields
    assert next(iter(summary_a.sinks[0])) is next(iter(summary_b.sinks[0]))
