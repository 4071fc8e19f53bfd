// Tokenizes whole flow programs with the editor grammar (editors/vscode) and checks what a reader
// relies on in every one of them: comments and strings are scoped as such from end to end, the
// ten reserved words are always keywords or constants, every declaration's name and every
// pipeline operator is marked, every number literal is a number, and no valid program shows an
// `invalid` scope. The hand-written cases in *.test.flow pin individual scopes; this runs over
// every example, fixture and benchmark program, so a grammar change that breaks one of them fails.
// Usage: node check_programs.js GRAMMAR FILE...
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const [grammarPath, ...files] = process.argv.slice(2);
if (!grammarPath || files.length === 0) {
  console.error('usage: node check_programs.js GRAMMAR FILE...');
  process.exit(2);
}

const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm')).buffer;
const onigLib = oniguruma.loadWASM(wasm).then(() => ({
  createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
  createOnigString: (s) => new oniguruma.OnigString(s),
}));
const registry = new vsctm.Registry({
  onigLib,
  loadGrammar: async () => vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
});

const RESERVED = new Set(['and', 'or', 'not', 'if', 'then', 'else', 'true', 'false', 'null', 'as']);

// The lexical classes of one line, by a lexer of flow's own rules (docs/language.md, "Lexical
// structure"): strings on one line with backslash escapes, `//` comments outside strings.
function lexLine(line) {
  const spans = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      spans.push({ kind: 'string', start: i, end: Math.min(j + 1, line.length) });
      i = j + 1;
    } else if (c === '/' && line[i + 1] === '/') {
      spans.push({ kind: 'comment', start: i, end: line.length });
      break;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < line.length && /[A-Za-z0-9_]/.test(line[j])) j++;
      spans.push({ kind: 'word', start: i, end: j, text: line.slice(i, j) });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i;
      while (j < line.length && /[A-Za-z0-9_.]/.test(line[j])) {
        if (line[j] === '.' && !/[0-9]/.test(line[j + 1] || '')) break;
        j++;
      }
      if ((line[j - 1] === 'e' || line[j - 1] === 'E') && /[+-]/.test(line[j] || '')) {
        j++;
        while (j < line.length && /[0-9]/.test(line[j])) j++;
      }
      spans.push({ kind: 'number', start: i, end: j, text: line.slice(i, j) });
      i = j;
    } else if (c === '|') {
      spans.push({ kind: 'pipe', start: i, end: i + 1 });
      i++;
    } else {
      i++;
    }
  }
  return spans;
}

function scopesAt(tokens, column) {
  for (const t of tokens) if (t.startIndex <= column && column < t.endIndex) return t.scopes;
  return [];
}

function has(scopes, prefix) { return scopes.some((s) => s.startsWith(prefix)); }

async function main() {
  const grammar = await registry.loadGrammar('source.flow');
  let failures = 0;
  let checked = 0;
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    let ruleStack = vsctm.INITIAL;
    lines.forEach((line, n) => {
      const result = grammar.tokenizeLine(line, ruleStack);
      ruleStack = result.ruleStack;
      const tokens = result.tokens;
      const fail = (column, what) => {
        failures++;
        console.error(`${file}:${n + 1}:${column + 1}: ${what}\n    ${line}\n    ${' '.repeat(column)}^ ` +
                      `scopes: ${scopesAt(tokens, column).join(' ')}`);
      };
      for (const t of tokens)
        if (has(t.scopes, 'invalid')) fail(t.startIndex, 'an invalid scope in a valid program');
      const spans = lexLine(line);
      spans.forEach((span, k) => {
        checked++;
        const at = (c) => scopesAt(tokens, c);
        if (span.kind === 'comment' || span.kind === 'string') {
          const scope = span.kind === 'comment' ? 'comment.' : 'string.';
          for (let c = span.start; c < span.end; c++)
            if (!has(at(c), scope)) return fail(c, `not scoped as a ${span.kind}`);
        } else if (span.kind === 'number') {
          if (!has(at(span.start), 'constant.numeric')) fail(span.start, `number ${span.text} not scoped as a number`);
        } else if (span.kind === 'word' && RESERVED.has(span.text)) {
          const s = at(span.start);
          if (!has(s, 'keyword.') && !has(s, 'constant.language')) fail(span.start, `reserved word ${span.text} not a keyword`);
        } else if (span.kind === 'word' && k === 0 && ['source', 'table', 'sink', 'metric', 'query'].includes(span.text)) {
          const name = spans[1];
          if (!has(at(span.start), 'storage.type')) fail(span.start, `declaration ${span.text} not marked`);
          if (name && !has(at(name.start), 'entity.name')) fail(name.start, `the name of a ${span.text} not marked`);
        } else if (span.kind === 'pipe') {
          const op = spans[k + 1];
          if (op && op.kind === 'word' && !has(at(op.start), 'keyword.control.pipeline'))
            fail(op.start, `pipeline operator ${op.text} not marked`);
        }
      });
    });
  }
  if (failures > 0) {
    console.error(`${failures} problem(s) in ${files.length} program(s)`);
    process.exit(1);
  }
  console.log(`grammar: ${files.length} programs, ${checked} tokens checked, no problem`);
}

main().catch((e) => { console.error(e); process.exit(1); });
