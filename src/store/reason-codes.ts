/**
 * The fixed list of reasons an analyst may give for rejecting a suggestion. A rejection without one of these is
 * refused: free-text reasons cannot be counted, and counted reasons are what tell the taxonomy maintainers which
 * rule or counter-indicator to tune (GET /v1/stats reports them per statute). Adding a code is a code change,
 * reviewed like a rule change; removing one would orphan stored decisions, so codes are only ever added.
 */
import { z } from 'zod';

export const REASON_CODES = [
  'VAN_BUREN_AUTHORIZED_USER',
  'DUBIN_INCIDENTAL_IDENTITY',
  'CIMINELLI_NO_PROPERTY',
  'NO_INTERSTATE_WIRE',
  'PUBLIC_DATA',
  'AUTHORIZED_TESTING',
  'NEGATED_OR_HYPOTHETICAL',
  'WRONG_SUBSECTION',
  'INSUFFICIENT_FACTS',
  'OTHER',
] as const;

export const ReasonCodeSchema = z.enum(REASON_CODES);
export type ReasonCode = z.infer<typeof ReasonCodeSchema>;

/** What each code means, with the authority behind it; served to the review page and printed in the README. */
export const REASON_CODE_DESCRIPTIONS: Readonly<Record<ReasonCode, string>> = {
  VAN_BUREN_AUTHORIZED_USER:
    'The person was entitled to reach that data or system; misusing permitted access is not "exceeds authorized access" under § 1030 (Van Buren v. United States, 593 U.S. 374 (2021)).',
  DUBIN_INCIDENTAL_IDENTITY:
    "Another person's identifying information appears but its use is not at the crux of the crime (§ 1028A; Dubin v. United States, 599 U.S. 110 (2023)).",
  CIMINELLI_NO_PROPERTY:
    'The object of the scheme is information or a right to control, not money or property (§ 1343; Ciminelli v. United States, 598 U.S. 306 (2023)).',
  NO_INTERSTATE_WIRE: 'No interstate or foreign wire communication was used to execute the scheme (§ 1343; mail alone is § 1341).',
  PUBLIC_DATA: 'The data was publicly available with no technical barrier circumvented (hiQ Labs v. LinkedIn, 31 F.4th 1180 (9th Cir. 2022)).',
  AUTHORIZED_TESTING: 'The conduct was authorized security testing or good-faith research (Justice Manual 9-48.000).',
  NEGATED_OR_HYPOTHETICAL: 'The matched words describe something that did not happen, or might happen (negation, question, training scenario).',
  WRONG_SUBSECTION: 'The statute may fit but the suggested subsection does not; add the right subsection as a separate decision.',
  INSUFFICIENT_FACTS: 'The narrative does not state enough facts to support the statute either way.',
  OTHER: 'None of the above; the note must say why.',
};
