"""The method-body scan of prepare()'s declarations pass (`bodies.py`): which byte ranges are the
insides of method and constructor bodies, and that a class parsed without them has the same
declarations as the whole class."""

from __future__ import annotations

from pathlib import Path

import pytest

from phi_lint import parsing
from phi_lint.analyzers.apex import _collect_names, _declarations_tree
from phi_lint.analyzers.apex.bodies import body_interiors
from phi_lint.context import FileContext


def interiors(code: str) -> list[str] | None:
    """The text of each body interior the scan finds, or None when it is unsure."""
    source = code.encode("utf-8")
    found = body_interiors(source)
    return None if found is None else [source[start:end].decode("utf-8") for start, end in found]


def test_methods_and_constructors() -> None:
    code = (
        "public class A {\n  public A() { init(); }\n  Integer twice(Integer x) {\n    return 2 * x;\n  }\n}"
    )
    assert interiors(code) == [" init(); ", "\n    return 2 * x;\n  "]


def test_an_empty_body_is_no_interior() -> None:
    assert interiors("class A { void f() {} void g() { x(); } }") == [" x(); "]


def test_braces_and_comment_starts_in_strings() -> None:
    # A field's string with braces (member level) and a body's string with `}` and `//` after it.
    code = "class A {\n  String open = '{{';\n  void f() { s = '} // {'; t(); }\n  void g() { u(); }\n}"
    assert interiors(code) == [" s = '} // {'; t(); ", " u(); "]


def test_escaped_quotes_and_backslashes() -> None:
    # `\'` does not end a string, `\\` before a quote does.
    code = "class A {\n  void f() { a = 'it\\'s } here'; b = '\\\\'; c = '}'; }\n  void g() { d(); }\n}"
    assert interiors(code) == [" a = 'it\\'s } here'; b = '\\\\'; c = '}'; ", " d(); "]


def test_braces_and_quotes_in_comments() -> None:
    code = (
        "class A {\n"
        "  /* } it's a comment { */\n"
        "  // member comment with } and '\n"
        "  void f() {\n    x(); // }\n    /* { */ y();\n  }\n"
        "  void g() { z(); }\n"
        "}"
    )
    assert interiors(code) == ["\n    x(); // }\n    /* { */ y();\n  ", " z(); "]


def test_a_close_brace_in_a_comment_of_a_nested_block_is_not_its_end() -> None:
    # A nested block whose inner block makes the one-match skip fail: no retry may end the block at
    # the `}` of a comment (line or block) instead.
    line = "class A { void f() { if (a) { // }\n if (b) { c(); } d(); } e(); } void g() { h(); } }"
    assert interiors(line) == [" if (a) { // }\n if (b) { c(); } d(); } e(); ", " h(); "]
    block = "class A { void f() { if (a) { /* x */ if (b) { /* y */ } z(); } w(); } void g() { h(); } }"
    assert interiors(block) == [" if (a) { /* x */ if (b) { /* y */ } z(); } w(); ", " h(); "]


def test_properties_are_kept() -> None:
    code = (
        "class A {\n"
        "  public String name { get; set; }\n"
        "  public Integer count { get { if (ready()) { return c(); } return 0; } set { c = value; } }\n"
        "  void f() { g(); }\n"
        "}"
    )
    assert interiors(code) == [" g(); "]


def test_initializer_blocks_are_kept() -> None:
    code = "class A {\n  static { if (ready()) { go(); } }\n  { x = 1; }\n  void f() { g(); }\n}"
    assert interiors(code) == [" g(); "]


def test_a_class_literal_does_not_open_a_type() -> None:
    # `Foo.class` before an initializer block: were the block taken for a class body, the `if` block
    # inside it would be taken for a method body.
    code = "class A {\n  Type t = Foo.class;\n  static { if (ready()) { go(); } }\n}"
    assert interiors(code) == []


def test_inner_classes_interfaces_and_enums() -> None:
    code = (
        "public class Outer {\n"
        "  class Inner { void f() { a(); } }\n"
        "  public enum Color { RED, GREEN }\n"
        "  interface I { void g(); }\n"
        "  Outer() { super(); }\n"
        "}"
    )
    assert interiors(code) == [" a(); ", " super(); "]


def test_collection_initializers_of_fields_are_kept() -> None:
    code = (
        "class A {\n"
        "  Map<String, String> m = new Map<String, String>{ 'a' => '}' };\n"
        "  List<Integer> l = new List<Integer>{ f(1) };\n"
        "  void f() { g(); }\n"
        "}"
    )
    assert interiors(code) == [" g(); "]


def test_soql_and_annotations_with_parentheses() -> None:
    code = (
        "@IsTest(SeeAllData=false)\n"
        "public with sharing class A {\n"
        "  static final List<Account> ALL = [SELECT Id FROM Account WHERE Name = '{'];\n"
        "  @AuraEnabled(cacheable=true)\n"
        "  public static List<Contact> find(String n) {\n"
        "    return [SELECT Id FROM Contact WHERE Name = :n AND Title = '}'];\n"
        "  }\n"
        "}"
    )
    assert interiors(code) == ["\n    return [SELECT Id FROM Contact WHERE Name = :n AND Title = '}'];\n  "]


def test_a_trigger_has_no_method_bodies() -> None:
    assert interiors("trigger T on Account (before insert) { for (Account a : Trigger.new) { f(a); } }") == []


@pytest.mark.parametrize(
    "code",
    [
        "class A { void f() { x(); }",  # a body is not closed
        "class A { void f() { if (a) { x(); } }",  # the class is not closed
        "class A { void f() { x(); } } }",  # one brace too many
        "class A { void f() { x(); } } } class B {",  # one too many, then one too few
        "class A { void f() { s = 'not closed; } }",  # a string runs into the next line
        "class A { void f() { /* not closed } } */",
        "class A { String s = 'open; void f() { x(); } }",  # at member level
        "class A { /* open void f() { x(); } }",
    ],
)
def test_unsure_scans_give_up(code: str) -> None:
    assert interiors(code) is None


CLASS = """public with sharing class Service extends Base implements ILog, ns.IFoo {
    public static final String ENDPOINT = 'callout:Labs';
    private static final String BRACES = '} {';
    public String name { get; set; }
    Map<String, Integer> counts = new Map<String, Integer>{ 'a' => 1 };
    static { ready = true; }
    public Service(Integer a, String b) {
        if (a > 0) { for (Integer i = 0; i < a; i++) { log('}' + i); } }
    }
    @AuraEnabled(cacheable=true)
    public static List<Contact> find(String n) {
        // a } in a comment, and a query
        return [SELECT Id FROM Contact WHERE Name = :n];
    }
    class Inner implements Comparable {
        private final String INNER = 'x';
        public Integer compareTo(Object o) { return 0; }
    }
    enum Kind { A, B }
    interface Shape { Decimal area(); }
}
"""


def test_the_declarations_are_those_of_the_whole_class(tmp_path: Path) -> None:
    path = tmp_path / "Service.cls"
    path.write_text(CLASS, encoding="utf-8")
    ctx = FileContext(None, path, "Service.cls", "apex", CLASS.encode("utf-8"), CLASS)  # type: ignore[arg-type]
    whole = _collect_names(ctx)
    tree = _declarations_tree(ctx)
    assert _collect_names(ctx, tree) == whole
    assert ("service", "find", 1) in whole.declared and ("inner", "compareto", 1) in whole.declared
    # The bodies were not parsed: each is an empty block, at the same offsets as in the whole text.
    bodies = [node for node in parsing.walk(tree.root_node) if is_body(node)]
    whole_bodies = [node for node in parsing.walk(ctx.tree.root_node) if is_body(node)]
    assert [body_ranges(node) for node in bodies] == [body_ranges(node) for node in whole_bodies]
    assert parsing.text(bodies[-1], ctx.source) == "{ return 0; }"
    assert [node.named_child_count for node in bodies] == [0, 0, 0]
    # The initializer block is parsed.
    names = {parsing.text(n, ctx.source) for n in parsing.walk(tree.root_node) if n.type == "identifier"}
    assert "ready" in names
    assert not tree.root_node.has_error


def is_body(node: parsing.Node) -> bool:
    parent = node.parent
    return (
        parent is not None
        and parent.type in ("method_declaration", "constructor_declaration")
        and (node.type in ("block", "constructor_body"))
    )


def body_ranges(node: parsing.Node) -> tuple[int, int, tuple[int, int], tuple[int, int]]:
    return node.start_byte, node.end_byte, node.start_point, node.end_point
