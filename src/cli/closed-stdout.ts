/**
 * `… | head` closes our stdout early. Node then emits EPIPE as an 'error' event on process.stdout, which with no
 * listener crashes the process with a stack trace. The reader chose to stop reading: end quietly instead, as
 * Unix tools do. Any other stdout failure is one line on stderr and exit 1.
 */
export function endQuietlyWhenStdoutCloses(prefix: string): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.stderr.write(`${prefix}: cannot write output: ${err.message.split('\n')[0] ?? err.code ?? 'error'}\n`);
    process.exit(1);
  });
}
