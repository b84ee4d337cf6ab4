/**
 * Reads and validates every taxonomy file, collecting ALL problems across all files (Sigma-validator style)
 * and failing once with a message that names file → path: what is wrong.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { CORE_SCHEMA, load as loadYaml, YAMLException } from 'js-yaml';
import type { z } from 'zod';
import {
  TaxonomyFileSchema,
  type AiFile,
  type ExfilFile,
  type NegationFile,
  type StatuteFile,
  type StemsFile,
  type TaxonomyFile,
} from './schema.js';
import { porterStem } from '../classify/stem.js';
import { DEFAULT_TAXONOMY_DIR } from '../paths.js';
import { validateReferences } from './validate-refs.js';


export interface SourceFile {
  /** Path relative to the taxonomy root, with forward slashes (used in messages and in the version hash). */
  path: string;
  content: string;
}

export interface TaxonomyIssue {
  file: string;
  path: string;
  message: string;
}

export class TaxonomyError extends Error {
  readonly issues: readonly TaxonomyIssue[];
  constructor(issues: TaxonomyIssue[]) {
    super(
      `taxonomy is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  ${i.file} → ${i.path || '(root)'}: ${i.message}`).join('\n'),
    );
    this.name = 'TaxonomyError';
    this.issues = issues;
  }
}

export interface Concept {
  source: string;
  phrases: string[];
  /** The file that defines it, for messages. */
  file?: string;
}

export interface CautionDef {
  id: string;
  title: string;
  explanation: string;
  source: string;
}

/** The validated taxonomy: plain data, before compilation into matchers. */
export interface Taxonomy {
  /** Content hash of every file (path + bytes), stamped on every result. */
  version: string;
  statutes: StatuteFile[];
  ai: AiFile;
  exfil: ExfilFile;
  concepts: Record<string, Concept>;
  negation: NegationFile;
  cautions: CautionDef[];
  atlas: Record<string, string>;
  /** Stem overrides from the stems file: word → a stem of its family's own (empty without the file). */
  stems: ReadonlyMap<string, string>;
  /** Which file each statute / group came from, for messages. */
  files: Record<string, string>;
}

/** Read every `.yaml`/`.yml` file below `dir` (sorted, so the version hash is stable). */
export function readTaxonomyDir(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(name)) out.push({ path: relative(dir, full).split(sep).join('/'), content: readFileSync(full, 'utf8') });
    }
  };
  walk(dir);
  return out;
}

export function loadTaxonomy(dir: string = DEFAULT_TAXONOMY_DIR): Taxonomy {
  let files: SourceFile[];
  try {
    files = readTaxonomyDir(dir);
  } catch (err) {
    throw new TaxonomyError([{ file: dir, path: '', message: `cannot read taxonomy directory: ${(err as Error).message}` }]);
  }
  return parseTaxonomy(files);
}

export function taxonomyVersion(files: readonly SourceFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(f.path).update('\0').update(f.content).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

function zodIssues(file: string, error: z.ZodError): TaxonomyIssue[] {
  return error.issues.map((i) => ({ file, path: i.path.map(String).join('.'), message: i.message }));
}

/** Parse and validate taxonomy sources (pure: tests feed it broken files directly). */
export function parseTaxonomy(files: readonly SourceFile[]): Taxonomy {
  const issues: TaxonomyIssue[] = [];
  const parsed: { file: string; data: TaxonomyFile }[] = [];
  // Kinds of files that exist but failed to parse: they are reported once, not again as "missing".
  const failedKinds = new Set<string>();
  for (const f of files) {
    let raw: unknown;
    try {
      // The YAML 1.2 core schema: plain scalars are strings, numbers, booleans or null, never dates.
      raw = loadYaml(f.content, { schema: CORE_SCHEMA, filename: f.path });
    } catch (err) {
      if (!(err instanceof YAMLException)) throw err;
      const at = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}` : 'line 1, column 1';
      issues.push({ file: f.path, path: at, message: `YAML: ${err.reason}` });
      failedKinds.add('*');
      continue;
    }
    const result = TaxonomyFileSchema.safeParse(raw);
    if (!result.success) {
      issues.push(...zodIssues(f.path, result.error));
      const kind = typeof raw === 'object' && raw !== null && 'kind' in raw ? String((raw).kind) : '*';
      failedKinds.add(kind);
    } else parsed.push({ file: f.path, data: result.data });
  }

  const statutes: StatuteFile[] = [];
  const files_: Record<string, string> = {};
  let ai: AiFile | undefined;
  let exfil: ExfilFile | undefined;
  let negation: NegationFile | undefined;
  const concepts: Record<string, Concept> = {};
  const cautions: CautionDef[] = [];
  const atlas: Record<string, string> = {};
  const stems = new Map<string, string>();
  const single = (what: string, file: string, prev: string | undefined): void => {
    if (prev !== undefined) issues.push({ file, path: 'kind', message: `a second ${what} file (the first is ${prev})` });
  };
  for (const { file, data } of parsed) {
    switch (data.kind) {
      case 'statute': {
        const prev = files_[data.statute];
        if (prev !== undefined) issues.push({ file, path: 'statute', message: `statute ${data.statute} is also defined in ${prev}` });
        files_[data.statute] = file;
        statutes.push(data);
        break;
      }
      case 'ai-involvement':
        single('ai-involvement', file, files_.ai);
        files_.ai = file;
        ai = data;
        break;
      case 'agent-exfiltration':
        single('agent-exfiltration', file, files_.exfil);
        files_.exfil = file;
        exfil = data;
        break;
      case 'negation':
        single('negation', file, files_.negation);
        files_.negation = file;
        negation = data;
        break;
      case 'concepts':
        for (const [id, c] of Object.entries(data.concepts)) {
          if (concepts[id]) issues.push({ file, path: `concepts.${id}`, message: `concept @${id} is defined twice` });
          concepts[id] = { ...c, file };
        }
        files_[`concepts:${file}`] = file;
        break;
      case 'cautions':
        cautions.push(...data.cautions);
        files_.cautions = file;
        break;
      case 'atlas':
        Object.assign(atlas, data.techniques);
        files_.atlas = file;
        break;
      case 'stems':
        single('stems', file, files_.stems);
        files_.stems = file;
        issues.push(...collectStemOverrides(file, data, stems));
        break;
    }
  }
  if (files.length === 0) issues.push({ file: '(taxonomy)', path: '', message: 'no taxonomy files found' });
  for (const [what, value] of [
    ['ai-involvement', ai],
    ['agent-exfiltration', exfil],
    ['negation', negation],
  ] as const) {
    if (value === undefined && files.length > 0 && !failedKinds.has(what) && !failedKinds.has('*')) {
      issues.push({ file: '(taxonomy)', path: '', message: `missing the ${what} file` });
    }
  }
  if (!ai || !exfil || !negation) throw new TaxonomyError(issues);

  statutes.sort((a, b) => a.statute.localeCompare(b.statute));
  const taxonomy: Taxonomy = {
    version: taxonomyVersion(files),
    statutes,
    ai,
    exfil,
    concepts,
    negation,
    cautions,
    atlas,
    stems,
    files: files_,
  };
  // Cross-references are checked even when some files failed their schema, so one run reports everything it can.
  // A concepts file that failed to parse would make every @reference look unknown: skip those checks then.
  const conceptsBroken = failedKinds.has('concepts') || failedKinds.has('*');
  issues.push(...validateReferences(taxonomy, { checkConceptRefs: !conceptsBroken }));
  if (issues.length > 0) throw new TaxonomyError(issues);
  return taxonomy;
}

/**
 * Each keep-apart family's words get one stem of their own (the first word and a `~`, which no token contains). A
 * family must name a word Porter really folds it into, and a spelling must need its entry, so an entry that does
 * nothing is reported.
 */
function collectStemOverrides(file: string, data: StemsFile, into: Map<string, string>): TaxonomyIssue[] {
  const issues: TaxonomyIssue[] = [];
  data.keepApart.forEach((family, i) => {
    const stem = `${family.words[0] ?? ''}~`;
    const porter = new Set(family.words.map(porterStem));
    family.words.forEach((w, k) => {
      if (into.has(w)) issues.push({ file, path: `keepApart.${i}.words.${k}`, message: `"${w}" is already in another family` });
      else into.set(w, stem);
    });
    family.notLike.forEach((w, k) => {
      if (!porter.has(porterStem(w))) {
        issues.push({ file, path: `keepApart.${i}.notLike.${k}`, message: `"${w}" does not share a Porter stem with any of ${family.words.join(', ')}` });
      }
    });
  });
  // After the families: a variant takes its standard word's stem, which may be a family's own.
  for (const [variant, standard] of Object.entries(data.spellings)) {
    const path = `spellings.${variant}`;
    if (into.has(variant)) issues.push({ file, path, message: `"${variant}" already has a stem of its own (keepApart or another spelling)` });
    else if (porterStem(variant) === porterStem(standard)) issues.push({ file, path, message: `"${variant}" and "${standard}" already share a Porter stem` });
    else into.set(variant, into.get(standard) ?? porterStem(standard));
  }
  return issues;
}
