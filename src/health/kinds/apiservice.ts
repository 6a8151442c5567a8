import type { Health, KubeObject } from '../../core/types.ts';
import { conditionMessage } from '../conditions.ts';
import { current, inProgress } from '../result.ts';
import type { RuleContext } from './rule.ts';

/**
 * APIService: Current only while Available is True. kstatus has no rule for it and calls it Current, even
 * when the aggregator cannot reach its backend and discovery of its group fails.
 */
export function apiServiceHealth(_obj: KubeObject, { conditions }: RuleContext): Health {
  const available = conditions.find((c) => c.type === 'Available');
  if (available?.status === 'True') return current('APIService is available');
  if (!available) return inProgress('AvailableNotObserved', 'APIService Available condition not set');
  return inProgress(available.reason || 'NotAvailable', conditionMessage(available));
}
