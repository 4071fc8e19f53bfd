#!/usr/bin/env python3
# Regenerates docs/errors.md: every code in error_codes.hpp, with an example whose output is
# produced by running flowc (so the doc shows what users see), and a fixed version that must check
# clean. Run after changing a message: `python3 scripts/gen_errors_doc.py` (FLOWC=path overrides
# build/flowc). It fails if an example no longer produces its code.
import os, re, subprocess, tempfile, sys, textwrap
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOWC = os.environ.get("FLOWC", os.path.join(ROOT, "build", "flowc"))
hdr = open(f"{ROOT}/compiler/diagnostics/error_codes.hpp").read()
codes = [(int(n), s) for _, n, s in re.findall(r'X\((\w+),\s*(\d+),\s*"((?:[^"\\]|\\.)*)"\)', hdr)]

SRC = '''source clicks from kafka "clicks" as json {
    user: string,
    url: string,
    bytes: int,
    ts: timestamp,
} with (
    partitions = 4,
    event_time = ts,
    watermark = 30s,
);
'''
SINK = '\nsink out to stdout;\n'

E = {}  # number -> dict(trigger, snippet or setup, fix, fixed)

E[1] = dict(
  trigger="""flowc could not open the file: it does not exist, or it is not readable. The message carries the operating system's reason. There is no source to show, so the
location is the file alone.""",
  setup=None, snippet=None, missing=True,
  fix="""Check the path (it is relative to the current directory) and the file's permissions.""",
  fixed=SRC + SINK + "\nquery q {\n    from clicks\n    | into out\n}\n")

E[2] = dict(
  trigger="""The file holds no declaration: it is empty, or has only blanks and comments.""",
  snippet="// clicks pipeline: to be written\n",
  fix="""Declare at least a `source`, a `sink` and a `query` that reads one and writes the other — or
do not pass this file to flowc.""",
  fixed="// clicks pipeline\n" + SRC + SINK + "\nquery q {\n    from clicks\n    | into out\n}\n")

E[3] = dict(
  trigger="""The file contains a byte sequence that is not valid UTF-8, or a NUL byte. flowc stops at the
first such byte and reports its value and offset; the source line shows it as `?`. The usual
causes: a file saved as Latin-1 or Windows-1252 (where `ü` is the single byte `0xfc`, as in the
example), a UTF-16 file (it starts with `0xff 0xfe` or `0xfe 0xff`), or a binary file passed by
mistake.""",
  raw=b"// Z\xfcrich clicks\nmetric visits;\n",
  shell="printf '// Z\\xfcrich clicks\\nmetric visits;\\n' > example.flow   # a Latin-1 file",
  fix="""Save the file as UTF-8 (`iconv -f latin1 -t utf-8 old.flow > example.flow`), or remove the
stray bytes.""",
  fixed="// Zürich clicks\nmetric visits;\n")

big_lines = ["// generated: one metric per line"] + [f"metric m{i};" for i in range(1, 90001)]
E[4] = dict(
  trigger=f"""The file is larger than 1 MiB (1,048,576 bytes). flowc refuses it before parsing: a `.flow`
file is a program, and real ones are tens of kilobytes. A file this big is usually generated, or
data that belongs in a topic.""",
  raw=("\n".join(big_lines) + "\n").encode(),
  snippet_display=None,
  shell="""{ echo '// generated: one metric per line'; for i in $(seq 90000); do echo "metric m$i;"; done; } > example.flow""",
  fix="""Split the program into several files, or generate less: put lookup data in a Kafka topic
and read it with a source instead of writing it into the program.""",
  fixed="metric m1;\n")

deep = "(" * 64 + "bytes" + ")" * 64
E[5] = dict(
  trigger="""Parentheses, types or blocks nest more than 64 deep, or an expression tree is more than 256
operators tall. The limits keep every pass of the compiler (and the machine code it generates)
away from deep recursion. Nesting counts each level of parentheses, each nested `list<…>`, each
nested `if` block or `else if` (an `if` may have 64 `else if` branches and a final `else`, which
does not count), each `not` or unary `-` in a row; height counts each operator of a chain
(`a + b + c` is `(a + b) + c`, two tall), so a chain takes at most 257 operands. The caret is on
the first operator, type or block past the limit. Written by hand this is almost always generated
code.""",
  snippet=SRC + SINK + "\nquery deep {\n    from clicks\n    | where " + deep + " > 0\n    | into out\n}\n",
  fix="""Remove redundant parentheses; split a long chain into parenthesised groups
(`(a + b + c) + (d + e + f)`) or, inside a `process` handler, into `let` bindings.""",
  fixed=SRC + SINK + "\nquery deep {\n    from clicks\n    | where bytes > 0\n    | into out\n}\n")

E[101] = dict(
  trigger="""The grammar expected one thing and found another. The message says what was expected (in
words: "`;`", "an expression", "`|` or `}` after an operator") and what was found. This is the
general syntax error; common causes:

- a `source`, `sink` or `metric` declaration without its final `;` (the error then points at the
  start of the next declaration, as below);
- `=` where a comparison was meant: `where url = "/health"` (write `==`);
- an operator flow does not have: `| filter`, `| map`, `| join` (the message lists the operators);
- a trailing comma in call arguments, `f(a, b,)`: the message reads "expected `,` or `)`, found
  `,`" — remove the last comma;
- a literal flow does not have: `.5`, `1e5`, `1.5s`, `5min` (see [language.md](language.md#literals)).

After a syntax error flowc skips the rest of the declaration and continues at the next line
that starts with `source`, `sink`, `metric` or `query`.""",
  snippet="sink out to stdout\n\nmetric late_records;\n",
  fix="""Write what the message asks for at the caret; here, end the sink with `;`.""",
  fixed="sink out to stdout;\n\nmetric late_records;\n")

E[102] = dict(
  trigger="""At the top level of a file, something other than `source`, `sink`, `metric` or `query` begins.
Common causes: a `;` after a query's closing `}` (queries end with `}` alone), a keyword in
capitals (`Source`), or a stray line left over from an edit.""",
  snippet=SRC + SINK + "\nquery all_clicks {\n    from clicks\n    | into out\n};\n",
  fix="""Remove the `;` after the query's `}`. Keywords are lowercase.""",
  fixed=SRC + SINK + "\nquery all_clicks {\n    from clicks\n    | into out\n}\n")

E[103] = dict(
  trigger="""A string literal reaches the end of its line without a closing `"`. Strings cannot span lines
(write `\\n` for a line break inside one). The caret runs from the opening quote to the end of
the line.""",
  snippet='sink views to kafka "page-views as json;\n\nmetric late_records;\n',
  fix="""Close the string on the same line: `"page-views"`.""",
  fixed='sink views to kafka "page-views" as json;\n\nmetric late_records;\n')

E[104] = dict(
  trigger="""A backslash in a string literal is followed by a character that is not one of the five escapes
`\\"`, `\\\\`, `\\n`, `\\r`, `\\t`. Windows paths and regular expressions are the usual cause. The
caret points at the escape.""",
  snippet=SRC + SINK + '\nquery windows_paths {\n    from clicks\n    | where url == "C:\\logs"\n    | into out\n}\n',
  fix="""Double the backslash: `"C:\\\\logs"`.""",
  fixed=SRC + SINK + '\nquery windows_paths {\n    from clicks\n    | where url == "C:\\\\logs"\n    | into out\n}\n')

E[105] = dict(
  trigger="""A numeric literal does not fit its type: an integer outside the 64-bit range, a float too large
for a 64-bit double (`1.0e999`: "number `1.0e999` is too large for a float"), or a duration
whose value in milliseconds does not fit in 64 bits (`9999999999999999d`). Literals have no
sign, so `-9223372036854775808` is also out of range (its digits are); write
`-9223372036854775807 - 1`.""",
  snippet=SRC + SINK + '\nquery huge {\n    from clicks\n    | where bytes > 99999999999999999999\n    | into out\n}\n',
  fix="""Use a value within range: integers lie between -9223372036854775808 and 9223372036854775807.""",
  fixed=SRC + SINK + '\nquery huge {\n    from clicks\n    | where bytes > 999999999999999999\n    | into out\n}\n')

E[106] = dict(
  trigger="""A type is not one of flow's types: `int`, `float`, `bool`, `string`, `timestamp`, `duration` and
`list<T>(max N)`, each optionally followed by `?`. The same code covers a misspelt name (with a
suggestion when one is close), a name from another language (`long`, `String`, `varchar`),
`list` without an element type, and an element type or bound on a type that takes none
(`int<string>`, `string(max 10)`).""",
  snippet='source clicks from kafka "clicks" as json {\n    user: string,\n    ts: timestmap,\n} with (\n    partitions = 4,\n);\n',
  fix="""Use one of flow's types — here `timestamp`.""",
  fixed='source clicks from kafka "clicks" as json {\n    user: string,\n    ts: timestamp,\n} with (\n    partitions = 4,\n);\n')

E[107] = dict(
  trigger="""A `group by … window` names a window kind other than `tumbling`, `hopping` or `session`, or
gives it the wrong number of arguments: `tumbling(size)`, `hopping(size, slide)`,
`session(gap)`. Flink's and Spark's sliding window is flow's `hopping`.""",
  snippet=SRC + SINK + '\nquery rolling {\n    from clicks\n    | group by url window sliding(10m, 1m)\n    | aggregate count() as views\n    | emit changes\n    | into out\n}\n',
  fix="""Use `tumbling(size)`, `hopping(size, slide)` or `session(gap)` — here
`hopping(10m, 1m)`.""",
  fixed=SRC + SINK + '\nquery rolling {\n    from clicks\n    | group by url window hopping(10m, 1m)\n    | aggregate count() as views\n    | emit changes\n    | into out\n}\n')

E[108] = dict(
  trigger="""A source's `with ( … )` names an option flow does not know, or gives the same option twice
("option `partitions` is given twice for source `clicks`"). The options are `partitions`,
`max_records_per_trigger`, `event_time`, `watermark` and `dead_letter`
([language.md](language.md#source)).""",
  snippet='source clicks from kafka "clicks" as json {\n    user: string,\n    ts: timestamp,\n} with (\n    partition = 4,\n    event_time = ts,\n);\n',
  fix="""Spell the option as flow does (here `partitions`), and give each option once. Kafka client
settings are not source options.""",
  fixed='source clicks from kafka "clicks" as json {\n    user: string,\n    ts: timestamp,\n} with (\n    partitions = 4,\n    event_time = ts,\n);\n')

E[109] = dict(
  trigger="""A `select` item that is not a bare field name, or any `aggregate` item, has no `as NAME`. The
output record needs a field name for it ("an aggregate needs a name" for `aggregate`). A member
access such as `a.b` counts as computed.""",
  snippet=SRC + SINK + '\nquery sizes {\n    from clicks\n    | select user, bytes / 1024\n    | into out\n}\n',
  fix="""Name the item with `as`: `bytes / 1024 as kib`.""",
  fixed=SRC + SINK + '\nquery sizes {\n    from clicks\n    | select user, bytes / 1024 as kib\n    | into out\n}\n')

E[110] = dict(
  trigger="""In a `process` handler, the left side of `=`, `+=` or `-=` is not something that can be assigned:
a call, a method call, a literal or another computed expression. Only a name or a member such as
`state.clicks` has the shape of a target (that it is a state field is checked later, E0203).""",
  snippet=SRC + SINK + '\nquery last_page {\n    from clicks\n    | key by user\n    | process state {\n        pages: list<string>(max 20),\n    } timeout 30m {\n        on event {\n            state.pages.last() = url\n        }\n    }\n    | into out\n}\n',
  fix="""Assign to a state field: keep the value in a field of its own (`state.last_url = url`), or use
a method that changes the list (`state.pages.append(url)`).""",
  fixed=SRC + SINK + '\nquery last_page {\n    from clicks\n    | key by user\n    | process state {\n        pages: list<string>(max 20),\n    } timeout 30m {\n        on event {\n            state.pages.append(url)\n        }\n    }\n    | into out\n}\n')

E[111] = dict(
  trigger="""In a `process` handler, a statement is an expression whose value is not used: a name, a
literal, a function call such as `print(url)`, a member such as `state.clicks`. Only method calls
(`state.pages.append(url)`) may stand alone, because they change something. (An expression that
continues with an operator, such as `state.clicks + 1`, is a syntax error, E0101.)""",
  snippet=SRC + SINK + '\nquery debug_clicks {\n    from clicks\n    | key by user\n    | process state {\n        clicks: int = 0,\n    } timeout 30m {\n        on event {\n            print(url)\n            state.clicks += 1\n        }\n    }\n    | into out\n}\n',
  fix="""Say what should happen to the value: `emit` it, assign it (`state.clicks += 1`), keep it with
`let`, or count it with `tally`. To see records while developing, `emit` them into a sink
declared `to stdout`.""",
  fixed=SRC + SINK + '\nquery debug_clicks {\n    from clicks\n    | key by user\n    | process state {\n        clicks: int = 0,\n    } timeout 30m {\n        on event {\n            emit { user, url }\n            state.clicks += 1\n        }\n    }\n    | into out\n}\n')

E[112] = dict(
  trigger="""A `process` handler is not `on event`, `on timeout`, or `on SOURCE` for a source named in the
query's `from`.""",
  snippet=SRC + SINK + '\nquery sessions {\n    from clicks\n    | key by user\n    | process state {\n        clicks: int = 0,\n    } timeout 30m {\n        on click {\n            state.clicks += 1\n        }\n    }\n    | into out\n}\n',
  fix="""Use `on event` (every record), `on timeout` (a key timed out) or `on SOURCE` with the exact name
of a source in `from` — here `on event` or `on clicks`.""",
  fixed=SRC + SINK + '\nquery sessions {\n    from clicks\n    | key by user\n    | process state {\n        clicks: int = 0,\n    } timeout 30m {\n        on event {\n            state.clicks += 1\n        }\n    }\n    | into out\n}\n')

E[113] = dict(
  trigger="""A list bound `list<T>(max N)` is `0`. The bound is the most elements the list keeps, so it must
be at least 1. (A negative bound such as `(max -1)` is a syntax error, E0101: the bound is a plain
integer.)""",
  snippet='source carts from kafka "carts" as json {\n    user: string,\n    items: list<string>(max 0),\n} with (\n    partitions = 4,\n);\n',
  fix="""Write the most elements the list should keep: `list<string>(max 50)`.""",
  fixed='source carts from kafka "carts" as json {\n    user: string,\n    items: list<string>(max 50),\n} with (\n    partitions = 4,\n);\n')

E[114] = dict(
  trigger="""A source or Kafka sink names a record format other than `json` after `as` (formats are
lowercase, so `JSON` is also unknown).""",
  snippet='sink views to kafka "page-views" as avro;\n',
  fix="""Write `as json`. flow reads and writes JSON records only.""",
  fixed='sink views to kafka "page-views" as json;\n')

def query(body, name="q"):
    return SRC + SINK + f"\nquery {name} {{\n    from clicks\n{body}}}\n"

def session(handlers, state="        clicks: int = 0,\n", timeout=" timeout 30m", pre="    | key by user\n", post="    | into out\n", name="sessions"):
    return SRC + SINK + f"\nquery {name} {{\n    from clicks\n{pre}    | process state {{\n{state}    }}{timeout} {{\n{handlers}    }}\n{post}}}\n"

E[201] = dict(
  trigger="""A name in an expression is not a field of the record at that point of the pipeline, a `let`
binding or a state field. Fields are what the previous operator produces: after `select`, only
the selected fields exist; after `aggregate`, the group fields, `window_start`, `window_end`
and the aggregates. The help lists the visible fields or suggests a close name. Variants of
the same code: `state.x` for a field the state does not declare, a state field written without
`state.`, a record field used in `on timeout` (which has no record), `state` outside `process`,
and an `event_time` option that names no field of its source.""",
  snippet=query("    | where urll != \"/health\"\n    | into out\n"),
  fix="""Use a name that exists at that point — here `url`. If the field comes from the source, declare
it there.""",
  fixed=query("    | where url != \"/health\"\n    | into out\n"))

E[202] = dict(
  trigger="""An operator, assignment or statement gets values of types it does not accept: arithmetic on a
string, a comparison of an `int` with a `string`, `if` branches of different types, a state
field's initial value or assigned value of another type, `+=` on a non-number, `emit` of
something that is not a record, `append` of the wrong element type. The labels show the type of
each operand ([language.md](language.md#operator-types) has the table). There are no implicit
conversions except `int` to `float`, `T` to `T?` and `null` to a nullable type.""",
  snippet=query("    | select user, url + \"?ref=\" + user as link\n    | into out\n"),
  fix="""Make the types agree. Strings are joined with `concat(a, b, …)`, not `+`.""",
  fixed=query("    | select user, concat(url, \"?ref=\", user) as link\n    | into out\n"))

E[203] = dict(
  trigger="""The left side of `=`, `+=` or `-=` in a handler is a name but not a state field: a record field
(records are read-only), a `let` binding (a constant), or a state field written without
`state.`.""",
  snippet=session("        on event {\n            clicks += 1\n        }\n"),
  fix="""Assign the state field with its prefix: `state.clicks += 1`. To keep a value that changes, declare
a state field for it.""",
  fixed=session("        on event {\n            state.clicks += 1\n        }\n"))

E[204] = dict(
  trigger="""Two `emit` statements of one `process` produce records of different shapes — different field
names, or types that do not convert into each other. The records of a query go to one sink,
which has one schema.""",
  snippet=session("        on event {\n            if url == \"/logout\" {\n                emit { user: key, clicks: state.clicks }\n                clear state\n            }\n            state.clicks += 1\n        }\n        on timeout {\n            emit { user: key, clicks: state.clicks, timed_out: true }\n        }\n"),
  fix="""Emit the same fields everywhere — here add `timed_out: false` to the first `emit`. For a value
that one branch does not have, use a nullable type and emit `null`.""",
  fixed=session("        on event {\n            if url == \"/logout\" {\n                emit { user: key, clicks: state.clicks, timed_out: false }\n                clear state\n            }\n            state.clicks += 1\n        }\n        on timeout {\n            emit { user: key, clicks: state.clicks, timed_out: true }\n        }\n"))

E[205] = dict(
  trigger="""`key` is used where the records have no key: before any `key by` (or `key by` in `from`).""",
  snippet=query("    | select key as user, url\n    | into out\n"),
  fix="""Key the records first (`| key by user`), or use the field itself.""",
  fixed=query("    | key by user\n    | select key as user, url\n    | into out\n"))

E[206] = dict(
  trigger="""A call names a function that is not one of flow's built-ins (listed in
[stdlib.md](stdlib.md)), or a method other than `append`. The help suggests a close name.""",
  snippet=query("    | select user, substring(url, 1, 10) as path\n    | into out\n"),
  fix="""Use the built-in — here `substr(url, 1, 10)` (1-based, as in SQL).""",
  fixed=query("    | select user, substr(url, 1, 10) as path\n    | into out\n"))

E[207] = dict(
  trigger="""A built-in function gets the wrong number or types of arguments; an `aggregate` item is not
an aggregate function call, or its argument has the wrong type (`sum(url)`); `date_trunc`'s unit
is not a literal unit name (the unit is read in any case: `"Hour"` is `"hour"`, as at run time);
`append` gets more than one value; a `regexp_*` function's pattern is not a string literal,
`regexp_extract`'s group is not an integer literal or is beyond the pattern's groups, or
`regexp_replace`'s replacement is not a literal or names a group the pattern lacks (a regular
expression is compiled once, when the program is built). The help gives the function's
signature.""",
  snippet=query("    | select user, lower(bytes) as b\n    | into out\n"),
  fix="""Pass what the function takes (see [stdlib.md](stdlib.md)) — here a string: `lower(url)`.""",
  fixed=query("    | select user, lower(url) as b\n    | into out\n"))

E[208] = dict(
  trigger="""`from` names a source that is not declared in the file.""",
  snippet=SRC + SINK + "\nquery q {\n    from click\n    | into out\n}\n",
  fix="""Use the name of a declared source (here `clicks`), or declare the source.""",
  fixed=SRC + SINK + "\nquery q {\n    from clicks\n    | into out\n}\n")

E[209] = dict(
  trigger="""`into` names a sink that is not declared in the file.""",
  snippet=SRC + "\nsink page_views to kafka \"page-views\" as json;\n\nquery q {\n    from clicks\n    | into page_view\n}\n",
  fix="""Use the name of a declared sink (here `page_views`), or declare it: `sink NAME to kafka "TOPIC" as json;`.""",
  fixed=SRC + "\nsink page_views to kafka \"page-views\" as json;\n\nquery q {\n    from clicks\n    | into page_views\n}\n")

E[210] = dict(
  trigger="""A `tally` (operator or statement) names a metric that is not declared.""",
  snippet=SRC + SINK + "\nmetric health_checks;\n\nquery q {\n    from clicks\n    | tally health_check when url == \"/health\"\n    | into out\n}\n",
  fix="""Use the declared name (here `health_checks`), or declare the metric: `metric NAME;`.""",
  fixed=SRC + SINK + "\nmetric health_checks;\n\nquery q {\n    from clicks\n    | tally health_checks when url == \"/health\"\n    | into out\n}\n")

E[211] = dict(
  trigger="""A name is declared twice where it must be unique: two declarations of the same kind (two
sources, sinks, metrics or queries — a source and a sink may share a name), two fields of one
source, two state fields, two fields of one record literal, or two output fields of a `select` or
`aggregate`. A copied query that was not renamed is the usual cause. The output of `group by` is
checked the same way: a field grouped by twice, or a group field named `window_start` or
`window_end` in a windowed aggregate (whose records carry those two columns after the group
fields), would give each record a name twice; rename such a field with `select … as` before
grouping.""",
  snippet=SRC + SINK + "\nquery views {\n    from clicks\n    | where url != \"/health\"\n    | into out\n}\n\nquery views {\n    from clicks\n    | where url == \"/health\"\n    | into out\n}\n",
  fix="""Rename one of them.""",
  fixed=SRC + SINK + "\nquery views {\n    from clicks\n    | where url != \"/health\"\n    | into out\n}\n\nquery health_views {\n    from clicks\n    | where url == \"/health\"\n    | into out\n}\n")

E[212] = dict(
  trigger="""The condition of `where`, `tally … when` or `if` is not a `bool`. flow has no "truthy"
values: a string, a number or a nullable value is not a condition.""",
  snippet=query("    | where url\n    | into out\n"),
  fix="""Compare: `url != ""`, `bytes > 0`.""",
  fixed=query("    | where url != \"\"\n    | into out\n"))

E[213] = dict(
  trigger="""The pattern of `regexp_matches`, `regexp_extract`, `regexp_replace` or `regexp_count` is
not a regular expression RE2 can compile: unbalanced parentheses or brackets, a bad escape or
repetition, Perl syntax RE2 leaves out because it needs backtracking (backreferences `\\1`,
lookaround `(?=…)`, `(?<!…)`), or a pattern whose compiled form is over RE2's 8 MiB limit
(`\\pL{1000}`). The message carries RE2's reason and the part of the pattern it names.""",
  snippet=query("    | where regexp_matches(url, \"^/api/(v1|v2\")\n    | into out\n"),
  fix="""Correct the pattern (RE2's syntax: https://github.com/google/re2/wiki/Syntax) — here close the
group: `"^/api/(v1|v2)"`. A backslash is written twice in a flow string: the pattern `\\d+` is
`"\\\\d+"`.""",
  fixed=query("    | where regexp_matches(url, \"^/api/(v1|v2)\")\n    | into out\n"))

E[220] = dict(
  trigger="""A query has no `| into`. A streaming query does nothing unless it runs its one action, its
sink; a query that only counts records with `tally` still needs one.""",
  snippet=SRC + SINK + "\nmetric health_checks;\n\nquery count_health {\n    from clicks\n    | tally health_checks when url == \"/health\"\n}\n",
  fix="""End the query with `| into SINK`. To only count, send the records to a sink that discards
them, such as one declared `to stdout` during development.""",
  fixed=SRC + SINK + "\nmetric health_checks;\n\nquery count_health {\n    from clicks\n    | tally health_checks when url == \"/health\"\n    | into out\n}\n")

E[221] = dict(
  trigger="""A query has two `| into`. A streaming query runs exactly one action. Spark accepts two actions
in a test that uses a SparkContext and then fails when the code runs as a stream; flow refuses
them before anything runs.""",
  snippet=SRC + "\nsink page_views to kafka \"page-views\" as json;\nsink archive to kafka \"archive\" as json;\n\nquery views {\n    from clicks\n    | where url != \"/health\"\n    | into page_views\n    | into archive\n}\n",
  fix="""Write one query per sink. Both can read the same source; flow reads each source once for all
its queries.""",
  fixed=SRC + "\nsink page_views to kafka \"page-views\" as json;\nsink archive to kafka \"archive\" as json;\n\nquery views {\n    from clicks\n    | where url != \"/health\"\n    | into page_views\n}\n\nquery archived {\n    from clicks\n    | into archive\n}\n")

E[222] = dict(
  trigger="""An operator other than `into` follows `into`. `into` ends a query: nothing runs after the
action.""",
  snippet=query("    | into out\n    | where url != \"/health\"\n"),
  fix="""Move the operator before `into`.""",
  fixed=query("    | where url != \"/health\"\n    | into out\n"))

E[223] = dict(
  trigger="""A `group by`/`aggregate` or a `process` follows keyed state processing: a `process`, or an
aggregate that emits changes. Such an operator emits an update per key each time the key's
state changes; aggregating those updates again counts every key many times. Spark has the same
rule — state processing must be the last aggregation — so a group-by count of its output is
not possible in the same query there either.""",
  snippet=SRC + SINK + "\nquery sessions_per_length {\n    from clicks\n    | key by user\n    | process state {\n        clicks: int = 0,\n    } timeout 30m {\n        on event {\n            state.clicks += 1\n        }\n        on timeout {\n            emit { user: key, clicks: state.clicks }\n        }\n    }\n    | group by clicks window tumbling(1h)\n    | aggregate count() as sessions\n    | into out\n}\n",
  fix="""Split the query in two: the first writes its result to a topic with `into`, the second reads that
topic as a source and aggregates it. (A windowed aggregate that emits `final` is not keyed state
processing: its results are final, and may be aggregated again.)""",
  fixed=SRC + "\nsource ended_sessions from kafka \"sessions\" as json {\n    user: string,\n    clicks: int,\n    ended: timestamp,\n} with (\n    partitions = 4,\n    event_time = ended,\n    watermark = 1m,\n);\n\nsink sessions to kafka \"sessions\" as json;\nsink out to stdout;\n\nquery sessionize {\n    from clicks\n    | key by user\n    | process state {\n        clicks: int = 0,\n        last: timestamp?,\n    } timeout 30m {\n        on event {\n            state.clicks += 1\n            state.last = ts\n        }\n        on timeout {\n            emit { user: key, clicks: state.clicks, ended: state.last }\n        }\n    }\n    | into sessions\n}\n\nquery sessions_per_length {\n    from ended_sessions\n    | group by clicks window tumbling(1h)\n    | aggregate count() as sessions\n    | into out\n}\n")

E[224] = dict(
  trigger="""A `list` in `process` state has no bound — the field itself, or a list inside it:
`list<list<string>>(max 10)` bounds how many lists a key keeps, not how long each one grows. A
list that a handler appends to grows with every record of its key, until the job runs out of
memory — one of the ways streaming jobs die after days of running. With
`--allow-unbounded-state` this is a warning.""",
  snippet=session("        on event {\n            state.pages.append(url)\n        }\n", state="        pages: list<string>,\n"),
  fix="""Declare a bound on every list: `list<string>(max 20)` keeps the newest 20 values,
`list<list<string>(max 20)>(max 10)` the newest 10 lists of 20.""",
  fixed=session("        on event {\n            state.pages.append(url)\n        }\n", state="        pages: list<string>(max 20),\n"))

E[225] = dict(
  trigger="""Keyed state is never removed: a `process` with no `timeout` and no `clear state`, or an
`aggregate` with neither a window nor a `timeout`. Every key ever seen keeps its state, so a stream with ever new
keys (users, sessions, orders) grows until the job runs out of memory. With
`--allow-unbounded-state` (for a job whose keys are known to be few) this is a warning.""",
  snippet=session("        on event {\n            state.clicks += 1\n        }\n", timeout=""),
  fix="""Add a timeout after the state (`} timeout 30m {`, then `on timeout { … }` runs when a key goes
quiet), or `clear state` in a handler when a key is done; aggregate per window, or give an
aggregate without a window a timeout (`| aggregate count() as n timeout 1h`: a group quiet for an
hour is dropped).""",
  fixed=session("        on event {\n            state.clicks += 1\n        }\n"))

SRC_NO_TIME = ('source clicks from kafka "clicks" as json {\n    user: string,\n    url: string,\n    bytes: int,\n'
               '    ts: timestamp,\n} with (\n    partitions = 4,\n);\n')
E[226] = dict(
  trigger="""A window, `emit final`, or a `process` timeout counted in event time (the default) is used in
a query whose sources do not all declare `event_time` and `watermark`. Windows are on event time,
and a window is final only when the watermark passes its end; without a watermark a window would
never close, and an event-time timeout would never fire (write `timeout 30m in processing time`
for a wall-clock timeout). (Spark refuses append mode on a streaming
aggregation without a watermark too — when the query starts.)""",
  snippet=SRC_NO_TIME + SINK + "\nquery per_minute {\n    from clicks\n    | group by url window tumbling(1m)\n    | aggregate count() as views\n    | into out\n}\n",
  fix="""Add `event_time = FIELD, watermark = DURATION` to the source's `with (…)` (or, for a timeout,
count it in processing time).""",
  fixed=SRC + SINK + "\nquery per_minute {\n    from clicks\n    | group by url window tumbling(1m)\n    | aggregate count() as views\n    | into out\n}\n")

def union_decls(orders_partitions=8, payments_partitions=8, order_id_type="string"):
    return ("source orders from kafka \"orders\" as json {\n    id: string,\n    amount: float,\n} with (\n"
            f"    partitions = {orders_partitions},\n);\n\n"
            f"source payments from kafka \"payments\" as json {{\n    order_id: {order_id_type},\n    paid: float,\n}} with (\n"
            f"    partitions = {payments_partitions},\n);\n\nsink out to stdout;\n")
UNION_BODY = ("    | process state {\n        ordered: float = 0.0,\n        paid: float = 0.0,\n    } timeout 1h in processing time {\n"
              "        on orders {\n            state.ordered += amount\n        }\n"
              "        on payments {\n            state.paid += paid\n        }\n"
              "        on timeout {\n            emit { id: key, ordered: state.ordered, paid: state.paid }\n        }\n    }\n    | into out\n}\n")
def union(from_line, **kw):
    return union_decls(**kw) + "\nquery settle {\n    " + from_line + "\n" + UNION_BODY

E[227] = dict(
  trigger="""A source of a union (`from a key by …, b …`) has no `key by`. The sources of one query meet in
one keyed state, so every record needs the key it belongs to. (Unions are how flow shares state
between two topics; Spark cannot share state across queries, and the workaround is one query
over a `union()` with a state function that tells the topics apart by hand.)""",
  snippet=union("from orders key by id, payments"),
  fix="""Key every source: `payments key by order_id`.""",
  fixed=union("from orders key by id, payments key by order_id"))

E[228] = dict(
  trigger="""The sources of a union are keyed by values of different types, so their keys can never be
equal.""",
  snippet=union("from orders key by id, payments key by order_id", order_id_type="int"),
  fix="""Key every source by values of one type. Check how each topic's JSON holds the id (a string
`"42"` or a number `42`) and declare the fields accordingly.""",
  fixed=union("from orders key by id, payments key by order_id"))

E[229] = dict(
  trigger="""The sources of a union have different partition counts. One key's records must be processed by
one task, and flow runs one task per partition number: that works only if every topic has the
same number of partitions (and the producers partition them by the same key).""",
  snippet=union("from orders key by id, payments key by order_id", payments_partitions=4),
  fix="""Give the topics the same partition count — repartition one of them into a new topic — and
declare it.""",
  fixed=union("from orders key by id, payments key by order_id"))

E[230] = dict(
  trigger="""A source does not declare `partitions`. flow runs one task per partition, like Spark with Kafka,
and sizes the job from it (`flowc explain` prints the tasks and the cores they need): the
partition count must be known, and must equal the topic's.""",
  snippet='source clicks from kafka "clicks" as json {\n    user: string,\n    url: string,\n};\n',
  fix="""Add `with (partitions = N)`, with the topic's partition count.""",
  fixed='source clicks from kafka "clicks" as json {\n    user: string,\n    url: string,\n} with (\n    partitions = 4,\n);\n')

E[231] = dict(
  trigger="""A number that must be positive is not: `partitions` or `max_records_per_trigger` of 0, a window
size, slide or gap that is not a positive duration, a `timeout` of `0s`. It also covers a hopping
window whose slide is larger than its size — records between two windows would belong to none.
Swapped arguments are the usual cause: it is `hopping(size, slide)`.""",
  snippet=query("    | group by url window hopping(1m, 10m)\n    | aggregate count() as views\n    | into out\n"),
  fix="""Write a positive value; for `hopping`, the size first, then a slide no larger than the size:
`hopping(10m, 1m)`.""",
  fixed=query("    | group by url window hopping(10m, 1m)\n    | aggregate count() as views\n    | into out\n"))

E[232] = dict(
  trigger="""A source option has a value of the wrong kind: `partitions` and `max_records_per_trigger` take
an integer, `event_time` the name of a `timestamp` field, `watermark` a duration such as `30s`,
`dead_letter` a topic name in quotes, `late` a topic name in quotes other than the source's own
topic.""",
  snippet='source clicks from kafka "clicks" as json {\n    user: string,\n    ts: timestamp,\n} with (\n    partitions = 4,\n    event_time = ts,\n    watermark = 30,\n);\n',
  fix="""Write the value the option takes — here a duration with its unit, `30s`.""",
  fixed='source clicks from kafka "clicks" as json {\n    user: string,\n    ts: timestamp,\n} with (\n    partitions = 4,\n    event_time = ts,\n    watermark = 30s,\n);\n')

E[233] = dict(
  trigger="""`process`, or an `aggregate` without `group by`, comes before the records have a key. Keyed state
lives per key; without a key all records would share one state in one task. (Spark's
`flatMapGroupsWithState` likewise needs a `groupByKey` first.)""",
  snippet=session("        on event {\n            state.clicks += 1\n        }\n", pre=""),
  fix="""Key the records first: `| key by user` before `process` (or `from clicks key by user`).""",
  fixed=session("        on event {\n            state.clicks += 1\n        }\n"))

E[234] = dict(
  trigger="""An operator, function or handler stands where it cannot work. The message says which:

- an aggregate function (`count`, `sum`, …) outside `aggregate`, as below;
- `emit final|changes` not right after `aggregate`, or `emit final` without a window;
- `group by` not followed by `aggregate`, or grouping by a computed value;
- an operator other than `process` right after a union of several sources, or `on event` in a
  union (each source needs its own `on SOURCE` handler);
- `on timeout` in a `process` without a `timeout`;
- a method call such as `state.pages.append(x)` used as a value.""",
  snippet=query("    | select url, count() as views\n    | into out\n"),
  fix="""Put it where it belongs — here, count in a windowed aggregate:
`| group by url window tumbling(1m) | aggregate count() as views`.""",
  fixed=query("    | group by url window tumbling(1m)\n    | aggregate count() as views\n    | into out\n"))


def run(raw, exists=True):
    d = tempfile.mkdtemp()
    if exists:
        open(f"{d}/example.flow", "wb").write(raw)
    r = subprocess.run([FLOWC, "check", "--color=never", "example.flow"], cwd=d, capture_output=True)
    return r.returncode, r.stdout.decode(), r.stderr.decode("utf-8")

out = []
out.append("""# flowc error codes

Every error `flowc check` can report, in order of code, with a minimal example, the exact output
of `flowc check --color=never example.flow` on it, and how to fix it. The codes and their
one-line summaries come from
[compiler/diagnostics/error_codes.hpp](../compiler/diagnostics/error_codes.hpp); the language
itself is described in [language.md](language.md).

## Reading a diagnostic

```
error[E0106]: unknown type `timestmap`
 --> example.flow:3:9
  |
3 |     ts: timestmap,
  |         ^^^^^^^^^ unknown type
  = help: did you mean `timestamp`?
```

- `error[E0106]`: the severity and the code; look the code up below. Then the message: lowercase,
  with the names from your program in backticks.
- `--> example.flow:3:9`: the file, line and column (both from 1; the column counts bytes).
- the source line, and carets `^^^` under the part of it the error is about, with a short label.
  Tabs in the line are shown as single spaces so the carets line up.
- `= help:` what to do next; some diagnostics also carry `= note:` lines.

Diagnostics go to standard error, ordered by position in the file, and end with a count
(`flowc: 2 errors, 0 warnings`). `flowc check a.flow b.flow` checks each file in turn.

flowc checks in three stages, and one run reports as much as it can:

1. **The file** (E0001–E0004): read errors, encoding and size stop the check of that file before
   parsing.
2. **Syntax and shape** (E0005, E0101–E0114). After a syntax error flowc skips the rest of that
   declaration and resumes at the next line that starts with `source`, `sink`, `metric` or
   `query` (or right at such a keyword, when that is where the error was found), so errors in
   later declarations are reported too; the shape checks (E0106–E0114) then run on every
   declaration that parsed. Because recovery looks for those four words at the start of a line,
   a field named `source`, `sink`, `metric` or `query` that begins a line can cause a second,
   spurious error after a real one: fix the first error and check again.
3. **Names, types and the streaming rules** (E0201–E0234) run only on a file whose syntax is
   clean — so fixing the last syntax error can bring new errors of this stage.

Colours: `--color=auto` (the default: colour when standard error is a terminal and `NO_COLOR` is
not set), `--color=always`, `--color=never` (`--colour=` works too).

Exit status of `flowc check`:

| status | meaning |
|---|---|
| 0 | no errors in any file |
| 1 | at least one file has errors (or cannot be read) |
| 2 | usage error (unknown command or option, no file given); the usage is printed |

Warnings do not change the exit status. The only warnings are E0224 and E0225 under
`--allow-unbounded-state`, which reports unbounded state as a warning instead of an error.
`flowc fmt` does not format a file with syntax errors (stages 1 and 2): it prints the
diagnostics and exits 1. `flowc explain` refuses a file with errors of any stage.

The E02xx codes are the streaming rules of [language.md](language.md#the-streaming-rules); most
of them come from lessons of running Spark Structured Streaming in production, and their
sections below tell the story.

## Codes

| code | summary |
|---|---|
""")
def anchor(n, s):
    return f"e{n:04}-" + re.sub(r"[^a-z0-9 _-]", "", s.lower()).replace(" ", "-")
for n, s in codes:
    target = anchor(n, s) if n in E else "codes-of-the-logical-plan-checks"
    out.append(f"| [E{n:04}](#{target}) | {s} |\n")
out.append("\n")

verified = 0
planned = [(n, s) for n, s in codes if n not in E]
for n, summary in codes:
    if n not in E: continue
    e = E[n]
    code = f"E{n:04}"
    raw = e.get("raw") or (e["snippet"].encode() if e.get("snippet") else None)
    status, so, se = run(raw or b"", exists=not e.get("missing"))
    assert status == 1, (code, status, se)
    found = re.findall(r"^(?:error|warning)\[(E\d+)\]", se, re.M)
    assert found and all(c == code for c in found), (code, found, se)
    fstatus, _, fse = run(e["fixed"].encode())
    assert fstatus == 0, (code, "fixed", fse)
    d = tempfile.mkdtemp(); open(f"{d}/fixed.flow", "w").write(e["fixed"])
    if subprocess.run([FLOWC, "fmt", "--check", "fixed.flow"], cwd=d, capture_output=True).returncode:
        print(code, "fixed version is not canonical")
    if e.get("snippet"):
        open(f"{d}/snippet.flow", "w").write(e["snippet"])
        r = subprocess.run([FLOWC, "fmt", "--check", "snippet.flow"], cwd=d, capture_output=True, text=True)
        if r.returncode and "is not formatted" in r.stderr:
            print(code, "snippet is not canonical")
    verified += 1
    out.append(f"## {code}: {summary}\n\n")
    out.append(e["trigger"].strip() + "\n\n")
    if e.get("missing"):
        out.append("Checking a file that does not exist:\n\n")
    if e.get("shell"):
        out.append("```sh\n" + e["shell"] + "\n```\n\n")
    if e.get("snippet"):
        out.append("`example.flow`:\n\n```flow\n" + e["snippet"] + "```\n\n")
    elif e.get("snippet_display"):
        out.append("`example.flow`:\n\n```\n" + e["snippet_display"] + "```\n\n")
    shown = se
    if n == 4:
        # the first line of the file is echoed; everything else is short
        pass
    out.append("```\n$ flowc check --color=never example.flow\n" + shown.rstrip("\n") + "\n```\n\n")
    out.append("**Fix.** " + e["fix"].strip() + "\n\n")
RULE = {}
for c in (201, 205, 206, 208, 209, 210, 211): RULE[c] = "name resolution"
for c in (202, 203, 204, 207, 212): RULE[c] = "types"
for c in (220, 221, 222): RULE[c] = "one action per query"
for c in (223, 233, 234): RULE[c] = "last aggregation / operator placement"
for c in (224, 225): RULE[c] = "bounded state"
for c in (226,): RULE[c] = "windows need event time"
for c in (227, 228, 229, 230, 231, 232): RULE[c] = "sources"
if planned:
    out.append("""## Codes of the logical-plan checks

These codes are reserved for the checks that come with the logical plan: the rules of the
language that need to know what a name refers to and what type an expression has (see
[language.md](language.md#rules-checked-from-the-logical-plan-milestone)). **This build does not
report them**, so they have no example output yet; each gets a section like the ones above when
`flowc check` starts reporting it.

| code | summary | rule |
|---|---|---|
""")
    for n, s in planned:
        out.append(f"| E{n:04} | {s} | {RULE.get(n, '—')} |\n")
text = "".join(out).rstrip("\n") + "\n"
open(f"{ROOT}/docs/errors.md", "w").write(text)
print(f"wrote errors.md: {verified} codes verified (example fails with the code, fix checks clean); {len(planned)} planned codes listed")
