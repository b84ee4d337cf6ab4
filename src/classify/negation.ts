/**
 * NegEx-style scopes (Chapman et al., 2001): a pre-negation cue ("no evidence of", "did not") cancels rule hits
 * that start within a few tokens after it; a clause-negation cue ("nothing indicates") cancels the rest of its clause;
 * a post-negation cue ("was blocked", "but failed") marks those just before it as a failed outcome; a hypothetical cue ("if", "warned that") cancels the rest of its clause. Scopes stop at sentence ends
 * and terminators ("but", "however"). Pseudo-negations ("not only", "no longer") are recognised and ignored.
 * Cues come from taxonomy/lexicons/negation.yaml and are matched in the same trie as the rules.
 */
import { NegClass, type CompiledTaxonomy } from '../taxonomy/compile.js';
import type { PatternHit } from './match.js';
import type { Tokens } from './tokenize.js';

export const enum ScopeKind {
  None = 0,
  /** Denied before the fact: "did not click", "no evidence of". */
  Negated = 1,
  Hypothetical = 2,
  /** A failed outcome after the fact: "was blocked", "but failed". Attempt rules (`negatable: false`) ignore it. */
  Outcome = 3,
}

/** Scope of each token (ScopeKind). `into`, when given, is a reusable buffer of at least `tokens.count` bytes. */
export function computeScopes(tokens: Tokens, hits: readonly PatternHit[], tx: CompiledTaxonomy, into?: Uint8Array): Uint8Array {
  const scopes = into ? into.fill(0, 0, tokens.count) : new Uint8Array(tokens.count);
  const cues: PatternHit[] = [];
  let terminator: Uint8Array | undefined;
  let pseudo: Uint8Array | undefined;
  for (const h of hits) {
    const cls = tx.negClass[h.pattern] ?? 0;
    if (cls === 0) continue;
    if (cls & NegClass.Terminator) {
      terminator ??= new Uint8Array(tokens.count);
      terminator.fill(1, h.from, h.to);
    }
    if (cls & NegClass.Pseudo) {
      pseudo ??= new Uint8Array(tokens.count);
      pseudo.fill(1, h.from, h.to);
    }
    if (cls & (NegClass.Pre | NegClass.Post | NegClass.Hypothetical | NegClass.Clause)) cues.push(h);
  }
  if (cues.length === 0) return scopes;
  const { clause, count } = tokens;
  // Scopes stop at clause ends (sentence ends, ':', brackets, dashes) and at terminator words.
  const stops = (t: number, s: number): boolean => clause[t] !== s || (terminator !== undefined && terminator[t] === 1);
  for (const c of cues) {
    if (pseudo && pseudo.subarray(c.from, c.to).includes(1)) continue;
    const cls = tx.negClass[c.pattern] ?? 0;
    const s = clause[c.from] as number;
    if (cls & NegClass.Pre) {
      for (let t = c.to; t < count && t < c.to + tx.forwardWindow && !stops(t, s); t++) scopes[t] ||= ScopeKind.Negated;
    }
    if (cls & NegClass.Post) {
      for (let t = c.from - 1; t >= 0 && t >= c.from - tx.backwardWindow && !stops(t, s); t--) scopes[t] ||= ScopeKind.Outcome;
    }
    if (cls & NegClass.Clause) {
      for (let t = c.to; t < count && !stops(t, s); t++) scopes[t] ||= ScopeKind.Negated;
    }
    if (cls & NegClass.Hypothetical) {
      for (let t = c.to; t < count && t < c.to + 2 * tx.forwardWindow && !stops(t, s); t++) scopes[t] ||= ScopeKind.Hypothetical;
    }
  }
  return scopes;
}
