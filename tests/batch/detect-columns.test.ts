import { describe, expect, it } from 'vitest';
import { CsvInputError } from '../../src/batch/csv-in.js';
import { chooseIdColumn, chooseTextColumn } from '../../src/batch/detect-columns.js';

describe('chooseTextColumn', () => {
  it.each([
    [['id', 'Narrative'], 'Narrative'],
    [['id', 'DESCRIPTION', 'narrative'], 'narrative'],
    [['Case Number', 'Incident Description'], 'Incident Description'],
    [['id', 'incident-details'], 'incident-details'],
    [['id', 'Complaint'], 'Complaint'],
    [['id', 'summary', 'details'], 'details'],
    [['id', 'victim_narrative_redacted'], 'victim_narrative_redacted'],
  ])('detects the narrative column in %j', (header, expected) => {
    expect(chooseTextColumn(header)).toMatchObject({ name: expected, source: 'detected', index: header.indexOf(expected) });
  });

  it('takes the named column even when another common name is present', () => {
    expect(chooseTextColumn(['narrative', 'notes'], 'notes')).toEqual({ index: 1, name: 'notes', source: 'given' });
  });

  it('matches the named column case- and separator-insensitively when there is no exact match', () => {
    expect(chooseTextColumn(['id', 'Case Notes'], 'case_notes')).toMatchObject({ index: 1, name: 'Case Notes' });
  });

  it('throws CSV_MISSING_COLUMN listing the columns when nothing fits', () => {
    const err = (() => {
      try {
        chooseTextColumn(['id', 'date', 'amount']);
      } catch (e) {
        return e as CsvInputError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(CsvInputError);
    expect(err?.code).toBe('CSV_MISSING_COLUMN');
    expect(err?.columns).toEqual(['id', 'date', 'amount']);
    expect(err?.message).toMatch(/columns found: "id", "date", "amount"/);
  });

  it('throws listing the columns when the named column is absent', () => {
    expect(() => chooseTextColumn(['id', 'narrative'], 'story')).toThrow('no column "story" in the header; columns found: "id", "narrative"');
  });
});

describe('chooseIdColumn', () => {
  it('finds the id column when it is named', () => {
    expect(chooseIdColumn(['Case ID', 'narrative'], 'case id')).toMatchObject({ index: 0 });
  });

  it('throws listing the columns when the id column is absent', () => {
    expect(() => chooseIdColumn(['narrative'], 'case_id')).toThrow('no id column "case_id" in the header; columns found: "narrative"');
  });
});
