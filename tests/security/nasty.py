"""A corpus of hostile input: what a careless or malicious client types into a CRM's forms and API fields.

Each entry is (name, value); the names become test ids. Texts go into text fields and search boxes, DATES into
date fields and date filters, ID_NUMBERS into identity-number fields.
"""

from __future__ import annotations

SCRIPT = "<script>alert('xss')</script>"

TEXTS: list[tuple[str, str]] = [
    ("sql-quote", "' OR '1'='1' --"),
    ("sql-drop", "Robert'); DROP TABLE customers_customer;--"),
    ("sql-union", "1 UNION SELECT username, password FROM auth_user"),
    ("sql-like", "%_%\\"),
    ("html-script", SCRIPT),
    ("html-attr", '"><img src=x onerror=alert(1)>'),
    ("html-template", "{{ 7*7 }}{% debug %}${7*7}"),
    ("csv-cmd", "=cmd|' /C calc'!A0"),
    ("csv-plus", "+1+cmd|' /C calc'!A0"),
    ("csv-minus", "-2+3+cmd|' /C calc'!A0"),
    ("csv-at", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("csv-tab", "\t=1+1"),
    ("csv-cr", "\r=1+1"),
    ("overlong", "长" * 10_000),
    ("nul", "abc\x00def"),
    ("emoji", "张伟👨‍👩‍👧‍👦🇨🇳✅"),
    ("mixed-scripts", "Zhāng 张 Ζ Ж ع ि ㄓ"),
    ("rtl-override", "abc\u202egnp.exe"),
    ("zero-width", "张\u200b伟\ufeff"),
    ("control-chars", "a\x01b\x1bc\x7f"),
    ("lone-surrogate-escape", "\\ud800"),
    ("whitespace-only", "   \n\t  "),
    ("json-like", '{"$where": "1==1"}'),
    ("path-traversal", "../../../../etc/passwd"),
    ("unicode-digits", "١٢٣٤٥٦٧٨٩٠"),
]

DATES: list[tuple[str, str]] = [
    ("year-1", "0001-01-01"),
    ("year-9999", "9999-12-31"),
    ("year-99999", "99999-01-01"),
    ("year-0", "0000-00-00"),
    ("feb-30", "2026-02-30"),
    ("negative", "-2026-01-01"),
    ("not-a-date", "yesterday'; --"),
    ("nul", "2026-01-01\x00"),
    ("huge-number", "9" * 40),
]

# 18-digit ID-card numbers (居民身份证) whose check digit is wrong, and other malformed identities.
ID_NUMBERS: list[tuple[str, str]] = [
    ("bad-check-digit", "110105194912310021"),
    ("bad-check-x", "11010519491231002Y"),
    ("short", "11010519491231"),
    ("letters", "ABCDEFGHIJKLMNOPQR"),
    ("future-birth", "110105299912310024"),
    ("sql", "1101051949' OR 1=1"),
]

ALL_TEXTS = [value for _name, value in TEXTS]
