/**
 * Flags for a taxonomy regex. Rules are validated in Unicode mode (`giu`, the stricter syntax), but V8 runs a
 * case-insensitive Unicode-mode regex many times slower than the same regex without `u` (a money pattern took
 * 8 µs a narrative with `giu` and under 1 µs with `gi`). The two modes match the same strings unless the pattern
 * uses something whose meaning depends on the mode, so `u` is kept only when the source contains one of those:
 * a property or code-point escape (`\p{…}`, `\P{…}`, `\u{…}`), a character outside the BMP, an unescaped `.` or
 * a negated class `[^…]` (which would otherwise match half a surrogate pair), or `\W`, `\S`, `\D`, `\B`.
 * One difference is accepted: under case folding only Unicode mode lets `s` / `k` (and `\w`, `\b`) match the
 * long s U+017F and the Kelvin sign U+212A, characters no incident narrative spells a currency or word with.
 */
export function regexFlags(source: string): 'gi' | 'giu' {
  return needsUnicodeMode(source) ? 'giu' : 'gi';
}

export function needsUnicodeMode(source: string): boolean {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
    const ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      if ('pPWSDB'.includes(next) || (next === 'u' && source[i + 2] === '{')) return true;
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') {
      if (source[i + 1] === '^') return true;
      inClass = true;
      continue;
    }
    if (ch === '.') return true;
  }
  return false;
}
