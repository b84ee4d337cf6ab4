/** Reads all of stdin as UTF-8 (for one narrative; streaming inputs use readline instead). */
export async function readStdin(limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > limitBytes) throw new Error(`input is larger than ${limitBytes} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
