#!/usr/bin/env node
/**
 * Command-line entry: `ai-crime-classifier <command> [options]`. Every failure is one line on stderr and a
 * non-zero exit code; no stack traces.
 */
import { classifyCommand } from './cli/classify-command.js';
import { endQuietlyWhenStdoutCloses } from './cli/closed-stdout.js';
import { KEYS_HELP, keysCommand } from './cli/keys-command.js';
import { TAG_HELP, tagCommand } from './cli/tag-command.js';
import { UsageError } from './cli/usage-error.js';
import { TaxonomyError } from './taxonomy/load.js';
import { loadTaxonomy } from './taxonomy/load.js';

const HELP = `usage: ai-crime-classifier <command> [options]

commands:
  classify [text]          classify one narrative (argument or stdin) and print the result JSON
      --jsonl              read {"id","narrative"} JSON lines on stdin, write one result per line
      --threshold <0..1>   minimum score for a suggestion (default 0.5)
      --pretty             indent the JSON
      --no-evidence        omit evidence spans
      --taxonomy <dir>     use another taxonomy directory
${TAG_HELP}${KEYS_HELP}  taxonomy validate [dir]  validate the taxonomy files and print the version
  help                     show this text
`;

type Command = (args: string[]) => Promise<void> | void;

const commands: Record<string, Command> = {
  classify: classifyCommand,
  tag: tagCommand,
  keys: (args) => keysCommand(args),
  taxonomy: (args) => {
    if (args[0] !== 'validate') throw new UsageError('usage: taxonomy validate [dir]');
    const t = loadTaxonomy(args[1]);
    process.stdout.write(`taxonomy ok: version ${t.version}, ${t.statutes.length} statute files, ${t.ai.kinds.length} AI kinds, ${t.exfil.patterns.length} exfiltration patterns\n`);
  },
  help: () => {
    process.stdout.write(HELP);
  },
};

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined || name === '--help' || name === '-h' ? commands.help : commands[name];
  try {
    if (!command) throw new UsageError(`unknown command "${name ?? ''}" (try: help)`);
    await command(rest);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`ai-crime-classifier: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof TaxonomyError) {
      process.stderr.write(`ai-crime-classifier: ${err.message}\n`);
      return 3;
    }
    process.stderr.write(`ai-crime-classifier: ${(err as Error).message.split('\n')[0] ?? 'failed'}\n`);
    return 1;
  }
}

endQuietlyWhenStdoutCloses('ai-crime-classifier');
process.exitCode = await runCli(process.argv.slice(2));
