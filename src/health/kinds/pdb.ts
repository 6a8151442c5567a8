import type { Health } from '../../core/types.ts';
import { current } from '../result.ts';

/** PodDisruptionBudget: the generic generation check has already shown the controller observed it. */
export function pdbHealth(): Health {
  return current('AllowedDisruptions has been computed.');
}
