/**
 * `npm run eval [-- --data <file.jsonl|dir>] [--labels conduct|charged] [--threshold x] [--quiet] [--json] [--compare <dir>]`
 * Scores the classifier against labelled narratives; defaults to samples/labelled, reported per split. With
 * `--compare <taxonomy dir>`, lists instead the narratives whose decision differs from that taxonomy's.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadClassifier } from '../classify/load-classifier.js';
import { endQuietlyWhenStdoutCloses } from '../cli/closed-stdout.js';
import { SAMPLES_DIR } from '../paths.js';
import { compareClassifiers, formatCompare } from './compare.js';
import { loadDataset, type LabelledCase, type LabelSource } from './dataset.js';
import { evaluate, formatReport } from './metrics.js';

function main(): void {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      labels: { type: 'string', default: 'conduct' },
      threshold: { type: 'string' },
      taxonomy: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      compare: { type: 'string' },
    },
  });
  const labels = values.labels as LabelSource;
  if (labels !== 'conduct' && labels !== 'charged') throw new Error('--labels must be conduct or charged');
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new Error('--threshold must be a number in [0, 1]');
  const dataPath = values.data ?? join(SAMPLES_DIR, 'labelled');
  const cases = loadDataset(dataPath, labels);
  const classifier = loadClassifier({ taxonomyDir: values.taxonomy, threshold });
  if (values.compare !== undefined) {
    const base = loadClassifier({ taxonomyDir: values.compare, threshold });
    const report = compareClassifiers(base, classifier, cases);
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatCompare(report)}\n`);
    return;
  }

  const run = (subset: LabelledCase[]): ReturnType<typeof evaluate> => evaluate(subset, subset.map((c) => classifier.classify(c.narrative, { id: c.id, explain: false })));
  const groups: [string, LabelledCase[]][] = [];
  const hasSplits = cases.some((c) => c.split !== undefined);
  if (hasSplits) {
    const tune = cases.filter((c) => c.split !== 'holdout');
    const holdout = cases.filter((c) => c.split === 'holdout');
    if (tune.length > 0) groups.push(['tune split', tune]);
    if (holdout.length > 0) groups.push(['holdout split (never tuned on)', holdout]);
  }
  groups.push([hasSplits ? 'all' : dataPath, cases]);
  const reports = groups.map(([name, subset]) => ({ name, report: run(subset) }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ taxonomyVersion: classifier.taxonomyVersion, data: dataPath, labels, reports }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`taxonomy ${classifier.taxonomyVersion} · data ${dataPath} · labels ${labels}\n\n`);
  reports.forEach(({ name, report }, i) => {
    process.stdout.write(`${formatReport(name, report, !values.quiet && i === reports.length - 1)}\n\n`);
  });
}

endQuietlyWhenStdoutCloses('eval');
try {
  main();
} catch (err) {
  process.stderr.write(`eval: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
