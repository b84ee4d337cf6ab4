/**
 * Taxonomy validation: broken files are built in the test from the mini fixture taxonomy and fed to
 * parseTaxonomy, which must name file → path: what is wrong, for every problem, and fail once.
 */
import { describe, expect, it } from 'vitest';
import { dump as stringify, load as parse } from 'js-yaml';
import { parseTaxonomy, TaxonomyError, type TaxonomyIssue } from '../../src/taxonomy/load.js';
import { miniFile, miniSources, withFiles } from '../fixtures/taxonomy/mini-taxonomy.js';

type Doc = Record<string, unknown> & {
  elements: { id: string; rules: Record<string, unknown>[]; counters?: Record<string, unknown>[] }[];
  subsections: { code: string; title: string; requires: unknown[]; optional?: string[] }[];
  patterns: { atlas: string[] }[];
  kinds: Record<string, unknown>[];
  concepts: Record<string, { phrases: string[] }>;
};

/** The mini file at `path`, parsed, changed by `change`, and written back as YAML. */
function edited(path: string, change: (doc: Doc) => void): string {
  const doc = parse(miniFile(path)) as Doc;
  change(doc);
  return stringify(doc);
}

/** The issues parseTaxonomy reports for the mini taxonomy with these files replaced; fails if it does not throw. */
function issuesOf(replacements: Record<string, string>): TaxonomyIssue[] {
  try {
    parseTaxonomy(withFiles(replacements));
  } catch (err) {
    if (err instanceof TaxonomyError) return [...err.issues];
    throw err;
  }
  throw new Error('expected the taxonomy to be invalid');
}

const WIRE = 'statutes/wire.yaml';
const IDENTITY = 'statutes/identity.yaml';
const COMPUTER = 'statutes/computer.yaml';
const XF = 'agent-exfiltration.yaml';

describe('the mini fixture taxonomy', () => {
  it('is valid', () => {
    const t = parseTaxonomy(miniSources());
    expect(t.statutes.map((s) => s.statute)).toEqual(['1028', '1030', '1343']);
    expect(t.version).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('reference errors', () => {
  it('names an unknown concept', () => {
    const issues = issuesOf({ [WIRE]: edited(WIRE, (d) => (d.elements[1]!.rules[0]!.phrases = ['@no-such'])) });
    expect(issues).toEqual([{ file: WIRE, path: 'elements.1.rules.0.phrases.0', message: 'unknown concept @no-such' }]);
  });

  it('names an unknown concept inside a proximity part', () => {
    const issues = issuesOf({
      [COMPUTER]: edited(COMPUTER, (d) => {
        (d.elements[0]!.rules[0]!.near as { all: unknown[] }).all[1] = '@nothing';
      }),
    });
    expect(issues).toEqual([{ file: COMPUTER, path: 'elements.0.rules.0.near.all.1', message: 'unknown concept @nothing' }]);
  });

  it('names every unknown element of a subsection, including inside an any-of group', () => {
    const issues = issuesOf({ [WIRE]: edited(WIRE, (d) => (d.subsections[0]!.requires = ['scheme', 'cash', ['wire', 'telex']])) });
    expect(issues).toEqual([
      { file: WIRE, path: 'subsections.0.requires.1', message: 'unknown element "cash"' },
      { file: WIRE, path: 'subsections.0.requires.2', message: 'unknown element "telex"' },
    ]);
  });

  it('names an unknown optional element', () => {
    const issues = issuesOf({ [WIRE]: edited(WIRE, (d) => (d.subsections[0]!.optional = ['gang'])) });
    expect(issues).toEqual([{ file: WIRE, path: 'subsections.0.optional.0', message: 'unknown element "gang"' }]);
  });

  it('names a duplicate element id', () => {
    const issues = issuesOf({
      [COMPUTER]: edited(COMPUTER, (d) => {
        d.elements[1]!.id = 'access';
        d.subsections = d.subsections.map((s) => ({ ...s, requires: ['access'] }));
      }),
    });
    expect(issues).toEqual([{ file: COMPUTER, path: 'elements.1.id', message: 'duplicate element id "access"' }]);
  });

  it('names a duplicate rule id within an element', () => {
    const issues = issuesOf({ [WIRE]: edited(WIRE, (d) => (d.elements[0]!.rules[2]!.id = 'posed-as')) });
    expect(issues).toEqual([{ file: WIRE, path: 'elements.0.rules.2.id', message: 'duplicate rule id "posed-as" in element "scheme"' }]);
  });

  it('names a counter id that repeats a rule id', () => {
    const issues = issuesOf({ [WIRE]: edited(WIRE, (d) => (d.elements[0]!.counters![0]!.id = 'fake-invoice')) });
    expect(issues).toEqual([{ file: WIRE, path: 'elements.0.counters.0.id', message: 'counter id "fake-invoice" repeats a rule id in element "scheme"' }]);
  });

  it('names a counter `unless` that is not a rule of its element', () => {
    const issues = issuesOf({ [WIRE]: edited(WIRE, (d) => (d.elements[0]!.counters![0]!.unless = ['fake-invoices'])) });
    expect(issues).toEqual([{ file: WIRE, path: 'elements.0.counters.0.unless.0', message: 'unknown rule "fake-invoices" in element "scheme"' }]);
  });

  it('names a statute defined in two files', () => {
    const issues = issuesOf({ 'statutes/wire-copy.yaml': miniFile(WIRE) });
    expect(issues).toEqual([{ file: 'statutes/wire-copy.yaml', path: 'statute', message: 'statute 1343 is also defined in statutes/wire.yaml' }]);
  });

  it('names a repeated subsection code whose titles differ', () => {
    const issues = issuesOf({ [COMPUTER]: edited(COMPUTER, (d) => (d.subsections[2]!.title = 'Toy other attempt')) });
    expect(issues).toEqual([{ file: COMPUTER, path: 'subsections.2.title', message: 'subsection 1030(b) appears twice with different titles' }]);
  });

  it('names a subsection code that belongs to another statute', () => {
    const issues = issuesOf({ [COMPUTER]: edited(COMPUTER, (d) => (d.subsections[0]!.code = '1343(a)')) });
    expect(issues).toEqual([{ file: COMPUTER, path: 'subsections.0.code', message: 'subsection 1343(a) does not belong to § 1030 (allowed: 1030)' }]);
  });

  it('names an invalid regular expression', () => {
    const issues = issuesOf({ [WIRE]: edited(WIRE, (d) => (d.elements[1]!.rules[2]!.regex = '\\$(\\d+')) });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: WIRE, path: 'elements.1.rules.2.regex' });
    expect(issues[0]?.message).toMatch(/^invalid regular expression: .*Unterminated group/);
  });

  it.each(['(a+)+$', '(\\w+\\s?)*$', '([a-z]*)*@'])('names a regular expression unsafe from catastrophic backtracking: %s', (regex) => {
    const issues = issuesOf({ [WIRE]: edited(WIRE, (d) => (d.elements[1]!.rules[2]!.regex = regex)) });
    expect(issues).toEqual([
      {
        file: WIRE,
        path: 'elements.1.rules.2.regex',
        message: 'regular expression may backtrack catastrophically (nested or overlapping repetition); rewrite it',
      },
    ]);
  });

  it('names an ATLAS id that is not in the verified list', () => {
    const issues = issuesOf({ [XF]: edited(XF, (d) => (d.patterns[0]!.atlas = ['AML.T0051.001', 'AML.T9999'])) });
    expect(issues).toEqual([
      { file: XF, path: 'patterns.0.atlas.1', message: 'ATLAS technique AML.T9999 is not in the verified list (taxonomy/lexicons/atlas.yaml)' },
    ]);
  });

  it('names an ATLAS id of an AI kind that is not in the verified list', () => {
    const issues = issuesOf({ 'ai-involvement.yaml': edited('ai-involvement.yaml', (d) => (d.kinds[0]!.atlas = ['AML.T0099.999'])) });
    expect(issues).toEqual([
      {
        file: 'ai-involvement.yaml',
        path: 'kinds.0.atlas.0',
        message: 'ATLAS technique AML.T0099.999 is not in the verified list (taxonomy/lexicons/atlas.yaml)',
      },
    ]);
  });

  it('names an unknown caution on a rule and on a counter', () => {
    const issues = issuesOf({
      [IDENTITY]: edited(IDENTITY, (d) => (d.elements[0]!.rules[1]!.caution = 'no-such-caution')),
      [COMPUTER]: edited(COMPUTER, (d) => (d.elements[0]!.counters![0]!.caution = 'van-buren')),
    });
    expect(issues).toEqual([
      { file: IDENTITY, path: 'elements.0.rules.1.caution', message: 'unknown caution "no-such-caution"' },
      { file: COMPUTER, path: 'elements.0.counters.0.caution', message: 'unknown caution "van-buren"' },
    ]);
  });

  it('names a bad phrase with the phrase and the reason', () => {
    const issues = issuesOf({ [WIRE]: edited(WIRE, (d) => (d.elements[0]!.rules[0]!.phrases = ['posed as', 'im*', '_ ceo'])) });
    expect(issues).toEqual([
      { file: WIRE, path: 'elements.0.rules.0.phrases.1', message: 'phrase "im*": prefix "im*" is too short (at least 3 letters)' },
      { file: WIRE, path: 'elements.0.rules.0.phrases.2', message: 'phrase "_ ceo": `_` may only stand between words' },
    ]);
  });

  it('names a bad exclusion phrase', () => {
    const issues = issuesOf({ [COMPUTER]: edited(COMPUTER, (d) => (d.elements[0]!.rules[3]!.exclude = ['growth hacked', '@nope'])) });
    expect(issues).toEqual([{ file: COMPUTER, path: 'elements.0.rules.3.exclude.1', message: 'unknown concept @nope' }]);
  });

  it('names an impliesAiKind that is not an AI kind', () => {
    const issues = issuesOf({ [XF]: edited(XF, (d) => (d.impliesAiKind = 'nope')) });
    expect(issues).toEqual([{ file: XF, path: 'impliesAiKind', message: 'unknown AI kind "nope"' }]);
  });
});

describe('schema and YAML errors', () => {
  it('names a YAML syntax error in its file', () => {
    const issues = issuesOf({ [WIRE]: miniFile(WIRE).replace('title: Toy wire fraud\n', 'title: [Toy wire fraud\n') });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.file).toBe(WIRE);
    expect(issues[0]?.path).toMatch(/^line \d+, column \d+$/);
    expect(issues[0]?.message).toMatch(/^YAML: /);
  });

  it('names a duplicate YAML key', () => {
    const issues = issuesOf({ [WIRE]: miniFile(WIRE).replace('title: Toy wire fraud\n', 'title: Toy wire fraud\ntitle: again\n') });
    expect(issues).toEqual([{ file: WIRE, path: 'line 8, column 1', message: 'YAML: duplicated mapping key' }]);
  });

  it.each<[string, (d: Doc) => void, string, string]>([
    ['a string weight', (d) => (d.elements[0]!.rules[0]!.weight = 'high'), 'elements.0.rules.0.weight', 'Invalid input: expected number, received string'],
    ['a weight above 1', (d) => (d.elements[0]!.rules[0]!.weight = 1.5), 'elements.0.rules.0.weight', 'Too big: expected number to be <=1'],
    ['a missing rule source', (d) => delete d.elements[0]!.rules[0]!.source, 'elements.0.rules.0.source', 'Invalid input: expected string, received undefined'],
    ['requires that is not a list', (d) => (d.subsections[0]!.requires = 'scheme' as unknown as unknown[]), 'subsections.0.requires', 'Invalid input: expected array, received string'],
    ['an unknown status', (d) => (d.status = 'final'), 'status', 'Invalid option: expected one of "experimental"|"test"|"stable"|"deprecated"'],
    ['a non-kebab element id', (d) => (d.elements[0]!.id = 'Scheme_1'), 'elements.0.id', 'must be kebab-case: lower-case letters, digits and single hyphens'],
    ['a rule with two matchers', (d) => (d.elements[0]!.rules[1]!.regex = 'x'), 'elements.0.rules.1', 'a rule needs exactly one of `phrases`, `near` or `regex`'],
    ['a rule with no matcher', (d) => delete d.elements[0]!.rules[1]!.phrases, 'elements.0.rules.1', 'a rule needs exactly one of `phrases`, `near` or `regex`'],
    ['a lone `*` in a phrase', (d) => (d.elements[0]!.rules[1]!.phrases = ['fake *']), 'elements.0.rules.1.phrases.0', 'a `*` must end a word (prefix match), not stand alone'],
    ['a malformed subsection code', (d) => (d.subsections[0]!.code = '§1343'), 'subsections.0.code', 'a code like 1030(a)(2)(C) or 1028A(a)(1)'],
  ])('names %s with its path', (_what, change, path, message) => {
    expect(issuesOf({ [WIRE]: edited(WIRE, change) })).toEqual([{ file: WIRE, path, message }]);
  });

  it('names an unknown key', () => {
    const issues = issuesOf({ [WIRE]: edited(WIRE, (d) => (d.elements[0]!.rules[0]!.wieght = 0.5)) });
    expect(issues).toEqual([{ file: WIRE, path: 'elements.0.rules.0', message: 'Unrecognized key: "wieght"' }]);
  });

  it('names an unknown file kind', () => {
    const issues = issuesOf({ [WIRE]: edited(WIRE, (d) => (d.kind = 'statue')) });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: WIRE, path: 'kind' });
    expect(issues[0]?.message).toContain("'statute'");
  });

  it('names an ATLAS id that is not shaped like one', () => {
    const issues = issuesOf({ [XF]: edited(XF, (d) => (d.patterns[0]!.atlas = ['T0051'])) });
    expect(issues).toContainEqual({ file: XF, path: 'patterns.0.atlas.0', message: 'an ATLAS technique id like AML.T0051.001' });
  });

  it('reports a missing ai-involvement file', () => {
    const files = miniSources().filter((f) => f.path !== 'ai-involvement.yaml');
    expect(() => parseTaxonomy(files)).toThrow(TaxonomyError);
    try {
      parseTaxonomy(files);
    } catch (err) {
      expect((err as TaxonomyError).issues).toEqual([{ file: '(taxonomy)', path: '', message: 'missing the ai-involvement file' }]);
    }
  });

  it('reports an empty taxonomy', () => {
    expect(() => parseTaxonomy([])).toThrow(/no taxonomy files found/);
  });
});

describe('all problems at once', () => {
  it('reports every reference problem across several files in one error', () => {
    const issues = issuesOf({
      [WIRE]: edited(WIRE, (d) => (d.elements[1]!.rules[0]!.phrases = ['@no-such'])),
      [IDENTITY]: edited(IDENTITY, (d) => (d.elements[0]!.rules[1]!.caution = 'no-such-caution')),
      [XF]: edited(XF, (d) => (d.patterns[0]!.atlas = ['AML.T9999'])),
      [COMPUTER]: edited(COMPUTER, (d) => {
        delete d.elements[0]!.rules[3]!.phrases;
        d.elements[0]!.rules[3]!.regex = '(a+)+$';
      }),
    });
    expect(issues.map((i) => `${i.file} → ${i.path}`).sort()).toEqual([
      'agent-exfiltration.yaml → patterns.0.atlas.0',
      'statutes/computer.yaml → elements.0.rules.3.regex',
      'statutes/identity.yaml → elements.0.rules.1.caution',
      'statutes/wire.yaml → elements.1.rules.0.phrases.0',
    ]);
  });

  it('reports every schema and YAML problem across several files in one error', () => {
    const issues = issuesOf({
      [WIRE]: edited(WIRE, (d) => {
        d.elements[0]!.rules[0]!.weight = 'high';
        d.elements[1]!.rules[0]!.weight = -1;
      }),
      [IDENTITY]: miniFile(IDENTITY).replace('title: Toy identity fraud\n', 'title: [x\n'),
      [COMPUTER]: edited(COMPUTER, (d) => (d.status = 'final')),
    });
    expect(issues.map((i) => `${i.file} → ${i.path}`)).toEqual([
      'statutes/computer.yaml → status',
      expect.stringMatching(/^statutes\/identity\.yaml → line \d+, column \d+$/),
      'statutes/wire.yaml → elements.0.rules.0.weight',
      'statutes/wire.yaml → elements.1.rules.0.weight',
    ]);
  });

  it('formats the error message as one line per problem: file → path: message', () => {
    let message = '';
    try {
      parseTaxonomy(
        withFiles({
          [WIRE]: edited(WIRE, (d) => (d.elements[1]!.rules[0]!.phrases = ['@no-such'])),
          [XF]: edited(XF, (d) => (d.patterns[0]!.atlas = ['AML.T9999'])),
        }),
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'taxonomy is invalid (2 problems):',
      '  statutes/wire.yaml → elements.1.rules.0.phrases.0: unknown concept @no-such',
      '  agent-exfiltration.yaml → patterns.0.atlas.0: ATLAS technique AML.T9999 is not in the verified list (taxonomy/lexicons/atlas.yaml)',
    ]);
  });

  it('writes (root) for a problem at the root of a file', () => {
    expect(() => parseTaxonomy(withFiles({ [WIRE]: miniFile(WIRE).replace('status: test', 'status: test\ncolour: red') }))).toThrow(
      'statutes/wire.yaml → (root): Unrecognized key: "colour"',
    );
  });
});
