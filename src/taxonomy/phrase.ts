/**
 * Parses the phrase syntax of taxonomy rules (see schema.ts) into token patterns.
 * Words are tokenized exactly like narratives, so "e-mail" in a rule meets "e-mail" in a narrative.
 */
import { phraseTokens } from '../classify/tokenize.js';

export const enum TokenKind {
  Stem = 0,
  Prefix = 1,
  Any = 2,
  /** `=word`: the normalized surface form must be exactly this (no stemming), for words Porter over-conflates. */
  Exact = 3,
}

export interface PatternToken {
  kind: TokenKind;
  /** For Stem: the normalized word (stemmed at compile time); for Prefix: the normalized prefix. */
  value: string;
}

export type ParsedPhrase =
  | { ok: true; concept: string; tokens?: undefined }
  | { ok: true; concept?: undefined; tokens: PatternToken[] }
  | { ok: false; error: string };

const CONCEPT = /^@([a-z0-9]+(?:-[a-z0-9]+)*)$/;

export function parsePhrase(phrase: string): ParsedPhrase {
  const trimmed = phrase.trim();
  if (trimmed.startsWith('@')) {
    const m = CONCEPT.exec(trimmed);
    return m?.[1] !== undefined ? { ok: true, concept: m[1] } : { ok: false, error: 'a concept reference is one @kebab-name, alone' };
  }
  const tokens: PatternToken[] = [];
  for (const word of trimmed.split(/\s+/)) {
    if (word === '#amount') {
      // A currency amount ("$4,500"), see tokenize.ts.
      tokens.push({ kind: TokenKind.Stem, value: word });
      continue;
    }
    if (word === '_') {
      tokens.push({ kind: TokenKind.Any, value: '' });
      continue;
    }
    if (word.startsWith('=') && word.length > 1) {
      const parts = phraseTokens(word.slice(1));
      const exact = parts[0];
      if (parts.length !== 1 || exact === undefined) return { ok: false, error: `exact word "${word}" must be one word` };
      tokens.push({ kind: TokenKind.Exact, value: exact });
      continue;
    }
    if (word.endsWith('*')) {
      const parts = phraseTokens(word.slice(0, -1));
      const prefix = parts[0];
      if (parts.length !== 1 || prefix === undefined) return { ok: false, error: `prefix "${word}" must be one word` };
      if (prefix.length < 3) return { ok: false, error: `prefix "${word}" is too short (at least 3 letters)` };
      tokens.push({ kind: TokenKind.Prefix, value: prefix });
      continue;
    }
    const parts = phraseTokens(word);
    if (parts.length === 0) return { ok: false, error: `"${word}" has no letters or digits` };
    for (const p of parts) tokens.push({ kind: TokenKind.Stem, value: p });
  }
  if (tokens.length === 0) return { ok: false, error: 'empty phrase' };
  if (tokens[0]?.kind === TokenKind.Any || tokens[tokens.length - 1]?.kind === TokenKind.Any) {
    return { ok: false, error: '`_` may only stand between words' };
  }
  return { ok: true, tokens };
}
