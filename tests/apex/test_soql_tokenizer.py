"""The SOQL tokenizer's edge cases. The expected tokens are those of the character-by-character
tokenizer the one-regex-match-per-token tokenizer replaced: the two must agree everywhere."""

from __future__ import annotations

import pytest

from phi_lint.analyzers.apex import soql

CASES: list[tuple[str, bool, list[tuple[str, str, int, int]]]] = [
    (  # an escaped quote stays in the string; an unclosed string runs to the end
        "Name = 'O\\'Brien' AND x = 'open",
        False,
        [
            ("word", "Name", 0, 4),
            ("punct", "=", 5, 6),
            ("string", "'O\\'Brien'", 7, 17),
            ("word", "AND", 18, 21),
            ("word", "x", 22, 23),
            ("punct", "=", 24, 25),
            ("string", "'open", 26, 31),
        ],
    ),
    (  # a backslash as the last character of an unclosed string
        "Name = 'ends with \\\\",
        False,
        [("word", "Name", 0, 4), ("punct", "=", 5, 6), ("string", "'ends with \\\\", 7, 20)],
    ),
    (  # `/*/` opens a comment without closing it; an unclosed comment runs to the end
        "a /*/ still comment */ b // line\n c /* unclosed",
        True,
        [("word", "a", 0, 1), ("word", "b", 23, 24), ("word", "c", 34, 35)],
    ),
    (  # comments are Apex syntax: query text in a string keeps them as tokens
        "a /* kept */ b",
        False,
        [
            ("word", "a", 0, 1),
            ("punct", "/", 2, 3),
            ("punct", "*", 3, 4),
            ("word", "kept", 5, 9),
            ("punct", "*", 10, 11),
            ("punct", "/", 11, 12),
            ("word", "b", 13, 14),
        ],
    ),
    (  # a colon before a digit is a date literal, otherwise a bind; a date-time is one number
        "D = LAST_N_DAYS:30 AND Id IN :ids.keySet() AND d > 2020-01-31T10:00:00Z",
        False,
        [
            ("word", "D", 0, 1),
            ("punct", "=", 2, 3),
            ("word", "LAST_N_DAYS", 4, 15),
            ("punct", ":", 15, 16),
            ("number", "30", 16, 18),
            ("word", "AND", 19, 22),
            ("word", "Id", 23, 25),
            ("word", "IN", 26, 28),
            ("bind", "ids.keySet()", 29, 42),
            ("word", "AND", 43, 46),
            ("word", "d", 47, 48),
            ("punct", ">", 49, 50),
            ("number", "2020-01-31T10:00:00Z", 51, 71),
        ],
    ),
    (  # a sign belongs to a number only when a digit follows; `²` is a digit but not a decimal one
        "x = +5 AND y = - z AND n <> -1.5e3 AND m != 2²",
        False,
        [
            ("word", "x", 0, 1),
            ("punct", "=", 2, 3),
            ("number", "+5", 4, 6),
            ("word", "AND", 7, 10),
            ("word", "y", 11, 12),
            ("punct", "=", 13, 14),
            ("punct", "-", 15, 16),
            ("word", "z", 17, 18),
            ("word", "AND", 19, 22),
            ("word", "n", 23, 24),
            ("punct", "<>", 25, 27),
            ("number", "-1.5e3", 28, 34),
            ("word", "AND", 35, 38),
            ("word", "m", 39, 40),
            ("punct", "!=", 41, 43),
            ("number", "2", 44, 45),
            ("punct", "²", 45, 46),
        ],
    ),
    (  # spaces around a path's dots go; a word glued to an unknown part is a hole
        "SELECT Patient__r . Name, \x00Field__c, ns\x00, {O'Brien} FROM P",
        False,
        [
            ("word", "SELECT", 0, 6),
            ("word", "Patient__r.Name", 7, 24),
            ("punct", ",", 24, 25),
            ("hole", "\x00", 26, 27),
            ("hole", "Field__c", 27, 35),
            ("punct", ",", 35, 36),
            ("hole", "ns", 37, 39),
            ("hole", "\x00", 39, 40),
            ("punct", ",", 40, 41),
            ("braces", "{O'Brien}", 42, 51),
            ("word", "FROM", 52, 56),
            ("word", "P", 57, 58),
        ],
    ),
    ("  \n\t ", True, []),
    ("a\u2028b\xa0c", False, [("word", "a", 0, 1), ("word", "b", 2, 3), ("word", "c", 4, 5)]),
]


@pytest.mark.parametrize(("text", "apex_comments", "expected"), CASES)
def test_tokens(text: str, apex_comments: bool, expected: list[tuple[str, str, int, int]]) -> None:
    assert [tuple(t) for t in soql.tokenize(text, apex_comments)] == expected
