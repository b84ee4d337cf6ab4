/**
 * NegEx-style scopes (Chapman et al., 2001): a pre-negation cue ("no evidence of", "did not") cancels rule hits
 * that start within a few tokens after it (renewed at each "or" / "nor" in reach, ended by "and" before a new
 * subject); a clause-negation cue ("nothing indicates") cancels the rest of its clause;
 * a post-negation cue ("was blocked", "but failed") marks those just before it as a failed outcome; a hypothetical cue ("if", "warned that") cancels the rest of its clause (an "if" condition ends at its comma). Scopes stop at sentence ends
 * and terminators ("but", "however"). Pseudo-negations ("not only", "no longer") are recognised and ignored.
 * Cues come from taxonomy/lexicons/negation.yaml and are matched in the same trie as the rules.
 */
import { NegClass, type CompiledTaxonomy } from '../taxonomy/compile.js';
import type { PatternHits } from './match.js';
import type { Tokens } from './tokenize.js';

export const enum ScopeKind {
  None = 0,
  /** Denied before the fact: "did not click", "no evidence of". */
  Negated = 1,
  Hypothetical = 2,
  /** A failed outcome after the fact: "was blocked", "but failed". Attempt rules (`negatable: false`) ignore it. */
  Outcome = 3,
}

/** Words that open a new clause's subject after "and", ending a denial's scope. */
const NEW_SUBJECT = new Set(['i', 'he', 'she', 'they', 'we', 'my', 'his', 'her', 'their', 'our', 'someone', 'somebody']);

/** Scope of each token (ScopeKind). `into`, when given, is a reusable buffer of at least `tokens.count` bytes. */
export function computeScopes(tokens: Tokens, hits: PatternHits, tx: CompiledTaxonomy, into?: Uint8Array, text?: string): Uint8Array {
  const scopes = into ? into.fill(0, 0, tokens.count) : new Uint8Array(tokens.count);
  const cues: number[] = [];
  let terminator: Uint8Array | undefined;
  let pseudo: Uint8Array | undefined;
  for (let h = 0; h < hits.count; h++) {
    const cls = tx.negClass[hits.pattern[h] as number] ?? 0;
    if (cls === 0) continue;
    if (cls & NegClass.Terminator) {
      terminator ??= new Uint8Array(tokens.count);
      terminator.fill(1, hits.from[h], hits.to[h]);
    }
    if (cls & NegClass.Pseudo) {
      pseudo ??= new Uint8Array(tokens.count);
      pseudo.fill(1, hits.from[h], hits.to[h]);
    }
    if (cls & (NegClass.Pre | NegClass.Post | NegClass.Hypothetical | NegClass.Clause)) cues.push(h);
  }
  if (cues.length === 0) return scopes;
  const { clause, count, norm } = tokens;
  // Scopes stop at clause ends (sentence ends, ':', brackets, dashes) and at terminator words.
  const stops = (t: number, s: number): boolean => clause[t] !== s || (terminator !== undefined && terminator[t] === 1);
  const orAt = (t: number): boolean => norm[t] === 'or' || norm[t] === 'nor';
  for (const c of cues) {
    const from = hits.from[c] as number;
    const to = hits.to[c] as number;
    if (pseudo && pseudo.subarray(from, to).includes(1)) continue;
    const cls = tx.negClass[hits.pattern[c] as number] ?? 0;
    const s = clause[from] as number;
    if (cls & NegClass.Pre) {
      // A denial distributes over "or" / "nor" ("did not log in, ask for money or pose as her"): each disjunct
      // inside the window, or right at its end ("none of them took money from me or used ..."), opens a fresh
      // window, where "and" starts a new assertion and does not.
      let end = to + tx.forwardWindow;
      for (let t = to; t < count && (t < end || (t === end && orAt(t))) && !stops(t, s); t++) {
        // "... I don't own, and my photos had been downloaded": "and" before a new subject starts a new assertion, and so
        // does ", and" ("changed the recovery details so the owner could not get back in, and moved the coins").
        if (norm[t] === 'and' && (NEW_SUBJECT.has(norm[t + 1] ?? '') || (text !== undefined && t > 0 && commaBetween(text, tokens.end[t - 1] as number, tokens.start[t] as number)))) break;
        scopes[t] ||= ScopeKind.Negated;
        if (orAt(t)) end = t + 1 + tx.forwardWindow;
      }
    }
    if (cls & NegClass.Post) {
      for (let t = from - 1; t >= 0 && t >= from - tx.backwardWindow && !stops(t, s); t--) scopes[t] ||= ScopeKind.Outcome;
    }
    if (cls & NegClass.Clause) {
      for (let t = to; t < count && !stops(t, s); t++) scopes[t] ||= ScopeKind.Negated;
    }
    if (cls & NegClass.Hypothetical) {
      // "if Russia or Belarus, overwrote user files": an "if" condition ends at its comma when what follows is told as
      // done (a past verb, no modal); "if he calls, never use zelle" stays advice.
      const conditionText = norm[from] === 'if' ? text : undefined;
      for (let t = to; t < count && t < to + 2 * tx.forwardWindow && !stops(t, s); t++) {
        if (conditionText !== undefined && t > to && commaBetween(conditionText, tokens.end[t - 1] as number, tokens.start[t] as number) && toldAsDone(norm, t, count)) break;
        scopes[t] ||= ScopeKind.Hypothetical;
      }
    }
  }
  return scopes;
}

const MODALS = new Set(['would', 'will', 'could', 'can', 'may', 'might', 'should', 'must', 'shall', 'wouldnt', 'cant', 'wont', 'never', 'dont', 'do']);
// Irregular past forms only; forms that are also the base or imperative (put, set, shut) would turn advice into fact.
const IRREGULAR_PAST = new Set(['ran', 'sent', 'took', 'wrote', 'overwrote', 'made', 'got', 'stole', 'paid', 'gave', 'sold', 'bought', 'hid', 'broke', 'went', 'left', 'kept', 'told', 'found', 'began', 'drove', 'froze']);

/** Whether the clause starting at token `t` tells something as done: a past verb within its first three tokens and no modal before it. */
function toldAsDone(norm: readonly string[], t: number, count: number): boolean {
  for (let k = t; k < count && k < t + 3; k++) {
    const w = norm[k] as string;
    if (MODALS.has(w)) return false;
    if (IRREGULAR_PAST.has(w) || (w.length > 4 && w.endsWith('ed'))) return true;
  }
  return false;
}

function commaBetween(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 44) return true;
  return false;
}
