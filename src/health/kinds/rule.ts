import type { Health, KubeObject } from '../../core/types.ts';
import type { Condition } from '../conditions.ts';

/** What a kind rule may read besides the object: its parsed conditions and the clock. */
export interface RuleContext {
  conditions: readonly Condition[];
  now: Date;
}

/** A pure per-kind status rule; its result is final. */
export type KindRule = (obj: KubeObject, ctx: RuleContext) => Health;
