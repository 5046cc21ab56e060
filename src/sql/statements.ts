// Splits a Feldera SQL program into its statements, so a position in the SQL can be credited to the CREATE … statement
// around it. Small on purpose: it knows where strings, quoted identifiers and comments start and end (so a `;` inside
// them does not end a statement), and reads just enough of each statement's head to name what it creates.

/** 1-based, inclusive, in UTF-16 code units (what the SQL compiler's positions count). */
export interface SqlRange {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export type StatementKind = 'table' | 'view' | 'function' | 'type' | 'index' | 'other';

export interface SqlStatement extends SqlRange {
  /** 0-based order in the program. */
  index: number;
  kind: StatementKind;
  /** `CREATE MATERIALIZED VIEW`, `DECLARE RECURSIVE VIEW`, `CREATE TABLE`…, upper-cased; `''` when unknown. */
  keyword: string;
  /** The name it creates, as written (quotes removed, schema dropped); undefined when none could be read. */
  name?: string;
  /** `name` as relations are matched: lower-cased unless it was quoted. */
  key?: string;
  /** `DECLARE RECURSIVE VIEW`: declares a view another statement defines. */
  declaration?: boolean;
}

/** The statements of `sql` in order. Text after the last `;` is a statement too when it has anything but comments. */
export function splitSqlStatements(sql: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  const n = sql.length;
  let line = 1;
  let col = 1;
  /** Position of the statement's first and last significant characters. */
  let start: { line: number; col: number; offset: number } | undefined;
  let last = { line: 1, col: 1, offset: 0 };
  let i = 0;
  const advance = (): void => {
    if (sql.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
    i++;
  };
  const mark = (): void => {
    if (!start) start = { line, col, offset: i };
    last = { line, col, offset: i };
  };
  const finish = (): void => {
    if (!start) return;
    const text = sql.slice(start.offset, last.offset + 1);
    out.push({
      index: out.length,
      startLine: start.line,
      startColumn: start.col,
      endLine: last.line,
      endColumn: last.col,
      ...readHead(text),
    });
    start = undefined;
  };
  while (i < n) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql.charCodeAt(i) !== 10) advance();
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      advance();
      advance();
      while (i < n && !(sql[i] === '*' && sql[i + 1] === '/')) advance();
      if (i < n) {
        advance();
        advance();
      }
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      mark();
      advance();
      // A doubled quote inside is an escaped quote; an unterminated one runs to the end.
      while (i < n) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) {
            advance();
            advance();
            continue;
          }
          break;
        }
        advance();
      }
      if (i < n) {
        mark();
        advance();
      }
      continue;
    }
    if (c === ';') {
      mark();
      advance();
      finish();
      continue;
    }
    if (!/\s/.test(c)) mark();
    advance();
  }
  finish();
  return out;
}

/** Kind, keyword and name from a statement's text. */
function readHead(text: string): Pick<SqlStatement, 'kind' | 'keyword' | 'name' | 'key' | 'declaration'> {
  const tokens = headTokens(text, 12);
  const words = tokens.map((t) => (t.quoted ? '' : t.text.toUpperCase()));
  let i = 0;
  let declaration = false;
  if (words[0] === 'DECLARE' && words[1] === 'RECURSIVE' && words[2] === 'VIEW') {
    declaration = true;
    i = 3;
  } else if (words[0] === 'CREATE') {
    i = 1;
    if (words[1] === 'OR' && words[2] === 'REPLACE') i = 3;
    while (['MATERIALIZED', 'LOCAL', 'TEMPORARY', 'TEMP', 'RECURSIVE', 'LINEAR'].includes(words[i] ?? '')) i++;
    const object = words[i];
    if (!['TABLE', 'VIEW', 'FUNCTION', 'TYPE', 'INDEX', 'AGGREGATE'].includes(object ?? '')) {
      return { kind: 'other', keyword: words.slice(0, i + 1).join(' ') };
    }
    i++;
    if (words[i] === 'IF' && words[i + 1] === 'NOT' && words[i + 2] === 'EXISTS') i += 3;
  } else {
    return { kind: 'other', keyword: words[0] ?? '' };
  }
  const keywordWords = words.slice(0, i).filter((w) => !['IF', 'NOT', 'EXISTS'].includes(w));
  const keyword = keywordWords.join(' ');
  const objectWord = declaration ? 'VIEW' : keywordWords[keywordWords.length - 1];
  const kind: StatementKind =
    objectWord === 'TABLE'
      ? 'table'
      : objectWord === 'VIEW'
        ? 'view'
        : objectWord === 'FUNCTION' || objectWord === 'AGGREGATE'
          ? 'function'
          : objectWord === 'TYPE'
            ? 'type'
            : 'index';
  // The name: an identifier, possibly qualified (`schema.name`): the last part counts.
  let nameToken = tokens[i];
  while (nameToken && tokens[i + 1]?.text === '.' && tokens[i + 2]) {
    i += 2;
    nameToken = tokens[i];
  }
  const result: ReturnType<typeof readHead> = { kind, keyword };
  if (declaration) result.declaration = true;
  if (nameToken && (nameToken.quoted || /^[A-Za-z_][A-Za-z0-9_$]*$/.test(nameToken.text))) {
    result.name = nameToken.text;
    result.key = relationKey(nameToken.text, nameToken.quoted);
  }
  return result;
}

/** How relation names are compared: SQL folds unquoted identifiers, so they match case-insensitively. */
export function relationKey(name: string, quoted = false): string {
  return quoted ? name : name.toLowerCase();
}

interface Token {
  text: string;
  quoted: boolean;
}

/** The first `max` tokens of a statement: words, quoted identifiers, and single punctuation characters. */
function headTokens(text: string, max: number): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n && out.length < max) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      let s = '';
      while (j < n) {
        if (text[j] === c) {
          if (text[j + 1] === c) {
            s += c;
            j += 2;
            continue;
          }
          break;
        }
        s += text[j++];
      }
      out.push({ text: s, quoted: true });
      i = j + 1;
    } else if (/[A-Za-z0-9_$]/.test(c)) {
      let j = i;
      while (j < n && /[A-Za-z0-9_$]/.test(text[j])) j++;
      out.push({ text: text.slice(i, j), quoted: false });
      i = j;
    } else {
      out.push({ text: c, quoted: false });
      i++;
    }
  }
  return out;
}

/** Line lengths (UTF-16 units, without the line break) of `sql`, index 0 = line 1. A `\r` before `\n` is not counted. */
export function lineLengths(sql: string): number[] {
  return sql.split('\n').map((l) => (l.endsWith('\r') ? l.length - 1 : l.length));
}

/** True when `r` lies inside a text with these line lengths (an end column may point just past its line). */
export function rangeInText(r: SqlRange, lengths: readonly number[]): boolean {
  const ints = [r.startLine, r.startColumn, r.endLine, r.endColumn].every((v) => Number.isSafeInteger(v) && v >= 1);
  if (!ints) return false;
  if (r.endLine > lengths.length) return false;
  if (r.startLine > r.endLine || (r.startLine === r.endLine && r.startColumn > r.endColumn)) return false;
  return r.startColumn <= lengths[r.startLine - 1] + 1 && r.endColumn <= lengths[r.endLine - 1] + 1;
}

/**
 * The statement containing position (line, column). A position in the gap between two statements on one line (say
 * the indentation before a statement) goes to the statement on that line; undefined when no statement touches it.
 */
export function statementAt(statements: readonly SqlStatement[], line: number, column = 1): SqlStatement | undefined {
  // The last statement that starts at or before the position (statements are in order and do not overlap).
  let lo = 0;
  let hi = statements.length - 1;
  let idx = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = statements[mid];
    if (s.startLine < line || (s.startLine === line && s.startColumn <= column)) {
      idx = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const before = idx >= 0 ? statements[idx] : undefined;
  if (before && (before.endLine > line || (before.endLine === line && before.endColumn >= column))) return before;
  const after = statements[idx + 1];
  if (after && after.startLine === line) return after;
  if (before && before.endLine === line) return before;
  return undefined;
}
