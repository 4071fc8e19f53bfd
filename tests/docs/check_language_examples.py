#!/usr/bin/env python3
"""Every example of docs/language.md that says which program it comes from is that program's text.

A ```flow block whose introducing paragraph (the text since the previous block or heading) names
`examples/NAME` or `tests/fixtures/NAME` must appear in that program: each of its items (the parts
between blank lines: a declaration, a query) line by line, once comments and trailing blanks are
dropped; the items may stand in another order, with others between them. So the reference's examples are
the ones `flowrun test` runs, and an edit of either that the other does not follow fails here.
Usage: check_language_examples.py SOURCE_DIR
"""
import os
import re
import sys

root = sys.argv[1]
text = open(os.path.join(root, 'docs', 'language.md'), encoding='utf-8').read()
program_ref = re.compile(r'(examples|tests/fixtures)/([A-Za-z0-9_]+)')


def code_lines(source):
    """The lines of a program or block without comments, blank lines or trailing blanks."""
    lines = []
    for line in source.split('\n'):
        line = re.sub(r'\s*//.*$', '', line).rstrip()  # no `//` inside the strings of these examples
        if line:
            lines.append(line)
    return lines


def contains(haystack, needle):
    return any(haystack[i:i + len(needle)] == needle for i in range(len(haystack) - len(needle) + 1))


checked = 0
failures = []
position = 0
for match in re.finditer(r'```flow\n(.*?)```', text, re.S):
    intro = text[position:match.start()]
    position = match.end()
    heading = intro.rfind('\n#')
    if heading >= 0:
        intro = intro[heading:]
    refs = program_ref.findall(intro)
    if not refs:
        continue
    kind, name = refs[-1]  # the program named last before the block is the one it quotes
    path = os.path.join(root, kind, name, name + '.flow')
    line = text.count('\n', 0, match.start()) + 1
    if not os.path.exists(path):
        failures.append(f'docs/language.md:{line}: names {kind}/{name}, which has no {name}.flow')
        continue
    program = code_lines(open(path, encoding='utf-8').read())
    checked += 1
    for item in re.split(r'\n\s*\n', match.group(1)):
        lines = code_lines(item)
        if lines and not contains(program, lines):
            missing = next((l for l in lines if l not in program), None)
            failures.append(f'docs/language.md:{line}: the example is not the text of {kind}/{name}/{name}.flow: '
                            + (f'no line `{missing.strip()}` there' if missing
                               else f'the item starting `{lines[0].strip()}` differs'))

for failure in failures:
    print('FAIL:', failure)
print(f'{checked} examples of docs/language.md checked against the programs they name, {len(failures)} differ')
sys.exit(1 if failures or checked == 0 else 0)
