import type { KubeObject } from '../core/types.ts';
import { isRecord } from './fields.ts';

/** One entry of `status.conditions`; absent fields read as ''. */
export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** The parsed `status.conditions`, or the problem that makes them unreadable. */
export type ConditionsResult = { ok: true; conditions: Condition[] } | { ok: false; problem: string };

const FIELDS = ['type', 'status', 'reason', 'message'] as const;

/** Reads `status.conditions` with the strictness of kstatus's GetObjectWithConditions, returning the problem instead of throwing. */
export function readConditions(obj: KubeObject): ConditionsResult {
  const status = obj.status;
  if (status == null) return { ok: true, conditions: [] };
  if (!isRecord(status)) return { ok: false, problem: 'status is not an object' };
  const entries = status.conditions;
  if (entries == null) return { ok: true, conditions: [] };
  if (!Array.isArray(entries)) return { ok: false, problem: 'status.conditions is not a list' };

  const conditions: Condition[] = [];
  for (const [index, entry] of (entries as unknown[]).entries()) {
    // A null entry decodes to an empty condition in Go, which matches no rule.
    const source = entry ?? {};
    if (!isRecord(source)) return { ok: false, problem: `status.conditions[${index}] is not an object` };
    const condition: Condition = { type: '', status: '', reason: '', message: '' };
    for (const field of FIELDS) {
      const value = source[field];
      if (value == null) continue;
      if (typeof value !== 'string') {
        return { ok: false, problem: `status.conditions[${index}].${field} is not a string` };
      }
      condition[field] = value;
    }
    conditions.push(condition);
  }
  return { ok: true, conditions };
}

/** The first condition with the given type and status, as kstatus's getConditionWithStatus finds it. */
export function findCondition(
  conditions: readonly Condition[],
  type: string,
  status: string,
): Condition | undefined {
  return conditions.find((c) => c.type === type && c.status === status);
}

/** A condition's message, or one built from its type, status and reason when the controller left it empty. */
export function conditionMessage(c: Condition): string {
  if (c.message) return c.message;
  return c.reason ? `${c.type} is ${c.status}: ${c.reason}` : `${c.type} is ${c.status}`;
}
