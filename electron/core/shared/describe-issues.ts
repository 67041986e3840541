// Turns zod validation issues into sentences a user can act on: which field, what was expected, what was found.
// Used for model manifests, engine requests and configs. Pure.
//
// May import: zod (types only).
import type { z } from 'zod';

function fieldName(issuePath: readonly PropertyKey[], subject: string): string {
  if (issuePath.length === 0) return subject;
  return issuePath.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

function describeIssue(issue: z.core.$ZodIssue, subject: string): string {
  const where = fieldName(issue.path, subject);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${where} has unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove them or check their spelling`;
    case 'invalid_union':
      if ('discriminator' in issue && typeof issue.discriminator === 'string') {
        return `${where} must be one of the allowed values for "${issue.discriminator}"`;
      }
      return `${where}: ${issue.message}`;
    case 'invalid_value':
      return `${where} must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    default:
      return `${where}: ${issue.message.replace(/^Invalid input: /, '')}`;
  }
}

/**
 * One line per problem, e.g. `tile.size: expected number, received string`.
 * @param subject what the whole value is called when an issue is about it rather than a field, e.g. "the manifest"
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], subject = 'the value'): string[] {
  return issues.map((issue) => describeIssue(issue, subject));
}
