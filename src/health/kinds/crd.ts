import type { Health, KubeObject } from '../../core/types.ts';
import { conditionMessage } from '../conditions.ts';
import { current, failed, inProgress } from '../result.ts';
import type { RuleContext } from './rule.ts';

/** CustomResourceDefinition: Current once Established, Failed when its names or establishment are refused. */
export function crdHealth(_obj: KubeObject, { conditions }: RuleContext): Health {
  for (const c of conditions) {
    if (c.type === 'NamesAccepted' && c.status === 'False') return failed(c.reason, conditionMessage(c));
    if (c.type === 'Established') {
      if (c.status === 'False' && c.reason !== 'Installing') return failed(c.reason, conditionMessage(c));
      if (c.status === 'True') return current('CRD is established');
    }
  }
  return inProgress('Installing', 'Install in progress');
}
