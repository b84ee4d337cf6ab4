import { describe, expect, it } from 'vitest';
import { parseCsvDelimiter, parseCsvEncoding, readCsv, sniffDialect } from '../../src/batch/csv-in.js';
import { chunked } from './helpers/tag.js';

describe('sniffDialect', () => {
  it.each([
    ['a,b,c\n1,2,3\n', ','],
    ['a;b;c\n1;2;3\n', ';'],
    ['a\tb\tc\n', '\t'],
    ['a|b|c\n', '|'],
    ['"x;y;z",b\n', ','],
    ['narrative\n', ','],
    ['a;b,c;d\n', ';'],
  ])('picks the delimiter of the header line %j', (head, delimiter) => {
    expect(sniffDialect(Buffer.from(head)).delimiter).toBe(delimiter);
  });

  it('reports CRLF and a BOM when the header has them', () => {
    expect(sniffDialect(Buffer.from('\uFEFFa,b\r\n1,2\r\n'))).toEqual({ delimiter: ',', eol: '\r\n', bom: true, encoding: 'utf8', delimiterDetected: true });
  });

  it('keeps a given delimiter over the sniffed one', () => {
    expect(sniffDialect(Buffer.from('a;b,c\n'), { delimiter: ',' })).toMatchObject({ delimiter: ',', delimiterDetected: false });
  });
});

describe('option parsing', () => {
  it.each([
    ['UTF-8', 'utf8'],
    ['latin1', 'latin1'],
    ['ISO-8859-1', 'latin1'],
    ['cp1252', 'windows-1252'],
    ['utf-16le', 'utf16le'],
    ['ebcdic', undefined],
  ])('parses the encoding %j', (name, expected) => {
    expect(parseCsvEncoding(name)).toBe(expected);
  });

  it.each([
    ['tab', '\t'],
    ['\\t', '\t'],
    [';', ';'],
    ['semicolon', ';'],
    ['::', undefined],
  ])('parses the delimiter %j', (name, expected) => {
    expect(parseCsvDelimiter(name)).toBe(expected);
  });
});

describe('readCsv', () => {
  it('yields every record, header first, when chunks split multi-byte characters', async () => {
    const records: string[][] = [];
    for await (const chunk of readCsv(chunked(Buffer.from('id,text\n1,café ☕ déjà vu\n2,"a\nb"\n'), 3))) records.push(...chunk.records);
    expect(records).toEqual([
      ['id', 'text'],
      ['1', 'café ☕ déjà vu'],
      ['2', 'a\nb'],
    ]);
  });

  it('counts the bytes read for progress', async () => {
    let last = 0;
    for await (const chunk of readCsv(chunked(Buffer.from('id,text\n1,x\n'), 4))) last = chunk.bytesRead;
    expect(last).toBe(12);
  });
});
