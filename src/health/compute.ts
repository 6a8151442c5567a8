// Ported from kubernetes-sigs/cli-utils pkg/kstatus (Apache-2.0):
// https://github.com/kubernetes-sigs/cli-utils/tree/master/pkg/kstatus/status
import type { Health, KubeObject } from '../core/types.ts';
import { readConditions } from './conditions.ts';
import { checkDeletion, checkGeneration, checkReady, checkStandardConditions } from './generic.ts';
import { ruleFor } from './kinds/index.ts';
import { current, unknown } from './result.ts';

/** The kstatus health of one object: generic rules, then its kind's rule, then its Ready condition, else Current. */
export function computeHealth(obj: KubeObject, now: Date = new Date()): Health {
  const early = checkDeletion(obj) ?? checkGeneration(obj);
  if (early) return early;
  const parsed = readConditions(obj);
  if (!parsed.ok) return unknown(parsed.problem);
  const { conditions } = parsed;

  const standard = checkStandardConditions(conditions);
  if (standard) return standard;
  const rule = ruleFor(obj);
  if (rule) return rule(obj, { conditions, now });
  return checkReady(conditions) ?? current('Resource is current');
}
