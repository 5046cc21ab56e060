// The SQL statement splitter and the helpers the join uses to place positions in statements.
import * as assert from 'assert';
import { lineLengths, rangeInText, splitSqlStatements, statementAt } from '../../../src/sql/statements';

describe('SQL statements', () => {
  it('names what each statement creates, whatever the spelling', () => {
    const sql = [
      '-- orders come from Kafka; see the connector',
      'create table Orders (id int);',
      '/* a view; with a comment */ CREATE OR REPLACE MATERIALIZED VIEW "Weird;Name" AS SELECT \'a;b\' FROM Orders;',
      'CREATE LOCAL VIEW IF NOT EXISTS s.v2 AS SELECT 1;',
      'declare recursive view r (x int);',
      'CREATE FUNCTION f(x INT) RETURNS INT AS x + 1;',
      'CREATE TYPE t AS (a INT);',
      'CREATE INDEX i ON Orders(id);',
      'SELECT 1',
    ].join('\n');
    const got = splitSqlStatements(sql).map((s) => [s.kind, s.keyword, s.name, s.key, s.startLine, s.endLine]);
    assert.deepStrictEqual(got, [
      ['table', 'CREATE TABLE', 'Orders', 'orders', 2, 2],
      ['view', 'CREATE OR REPLACE MATERIALIZED VIEW', 'Weird;Name', 'Weird;Name', 3, 3],
      ['view', 'CREATE LOCAL VIEW', 'v2', 'v2', 4, 4],
      ['view', 'DECLARE RECURSIVE VIEW', 'r', 'r', 5, 5],
      ['function', 'CREATE FUNCTION', 'f', 'f', 6, 6],
      ['type', 'CREATE TYPE', 't', 't', 7, 7],
      ['index', 'CREATE INDEX', 'i', 'i', 8, 8],
      ['other', 'SELECT', undefined, undefined, 9, 9],
    ]);
    // The statement starts at its first significant character, after the comment.
    assert.strictEqual(splitSqlStatements(sql)[1].startColumn, 30);
  });

  it('an unterminated string or comment runs to the end instead of splitting wrongly', () => {
    assert.strictEqual(splitSqlStatements("CREATE VIEW v AS SELECT 'x;\nCREATE TABLE t (a INT);").length, 1);
    assert.strictEqual(splitSqlStatements('CREATE VIEW v AS SELECT 1; /* ; CREATE TABLE t (a INT);').length, 1);
    assert.deepStrictEqual(splitSqlStatements('  -- only a comment\n  '), []);
  });

  it('CRLF line ends: line lengths leave out the \\r', () => {
    assert.deepStrictEqual(lineLengths('ab\r\ncde\r\n'), [2, 3, 0]);
    const s = splitSqlStatements('CREATE TABLE a (x INT);\r\nCREATE TABLE b (x INT);');
    assert.deepStrictEqual(
      s.map((x) => [x.name, x.startLine, x.startColumn, x.endLine, x.endColumn]),
      [
        ['a', 1, 1, 1, 23],
        ['b', 2, 1, 2, 23],
      ],
    );
  });

  it('rangeInText: integers ≥ 1, on existing lines, in order, columns within the line (+1 for an end)', () => {
    const lengths = lineLengths('abc\n\nxy');
    assert.ok(rangeInText({ startLine: 1, startColumn: 1, endLine: 1, endColumn: 3 }, lengths));
    assert.ok(rangeInText({ startLine: 1, startColumn: 4, endLine: 3, endColumn: 3 }, lengths));
    assert.ok(rangeInText({ startLine: 2, startColumn: 1, endLine: 2, endColumn: 1 }, lengths));
    assert.ok(!rangeInText({ startLine: 1, startColumn: 5, endLine: 1, endColumn: 5 }, lengths));
    assert.ok(!rangeInText({ startLine: 3, startColumn: 1, endLine: 4, endColumn: 1 }, lengths));
    assert.ok(!rangeInText({ startLine: 2, startColumn: 1, endLine: 1, endColumn: 1 }, lengths));
    assert.ok(!rangeInText({ startLine: 1, startColumn: 0, endLine: 1, endColumn: 1 }, lengths));
    assert.ok(!rangeInText({ startLine: 1, startColumn: 1.5, endLine: 1, endColumn: 2 }, lengths));
  });

  it('statementAt: inside, in the indentation before one, between two on a line, in a gap', () => {
    const sql = 'CREATE TABLE a (x INT); CREATE TABLE b (x INT);\n\n  CREATE VIEW v AS\n  SELECT 1;\n-- end';
    const s = splitSqlStatements(sql);
    assert.strictEqual(statementAt(s, 1, 5)?.name, 'a');
    assert.strictEqual(statementAt(s, 1, 30)?.name, 'b');
    assert.strictEqual(statementAt(s, 3, 1)?.name, 'v');
    assert.strictEqual(statementAt(s, 4, 3)?.name, 'v');
    assert.strictEqual(statementAt(s, 2, 1), undefined);
    assert.strictEqual(statementAt(s, 5, 1), undefined);
  });
});
