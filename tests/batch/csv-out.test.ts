import { describe, expect, it } from 'vitest';
import { formatCell, formatRow, neutraliseCell } from '../../src/batch/csv-out.js';

describe('neutraliseCell (OWASP CSV injection)', () => {
  it.each([
    ['=1+2', "'=1+2"],
    ['+1 555 0100', "'+1 555 0100"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', "'\rcmd"],
  ])('prefixes a quote when the cell starts with a formula character: %j', (input, expected) => {
    expect(neutraliseCell(input)).toBe(expected);
  });

  it.each([['plain'], [''], [' =not first'], ["'=already neutral"], ['1=1'], ['€5']])('leaves the cell alone when it does not start with a formula character: %j', (input) => {
    expect(neutraliseCell(input)).toBe(input);
  });

  it('is idempotent when applied twice', () => {
    expect(neutraliseCell(neutraliseCell('=x'))).toBe("'=x");
  });
});

describe('formatCell', () => {
  it.each([
    ['a,b', ',', '"a,b"'],
    ['a,b', ';', 'a,b'],
    ['a;b', ';', '"a;b"'],
    ['a\tb', '\t', '"a\tb"'],
    ['a|b', '|', '"a|b"'],
    ['say "hi"', ',', '"say ""hi"""'],
    ['two\nlines', ',', '"two\nlines"'],
    ['cr\ronly', ',', '"cr\ronly"'],
    ['=cmd|x', '|', '"\'=cmd|x"'],
    ['plain', ',', 'plain'],
  ])('writes %j with delimiter %j as %j', (value, delimiter, expected) => {
    expect(formatCell(value, delimiter)).toBe(expected);
  });

  it('joins cells with the delimiter when formatting a row', () => {
    expect(formatRow(['a', 'b c', '', '=x'], ';')).toBe("a;b c;;'=x");
  });
});
