import { createHash } from 'node:crypto';
import type { KubeObject, ObjectRef } from './types.ts';

/** Label on every member: the ID of the ApplySet it belongs to (KEP-3659). */
export const PART_OF_LABEL = 'applyset.kubernetes.io/part-of';
/** Label on the parent: its own ApplySet ID. */
export const ID_LABEL = 'applyset.kubernetes.io/id';
/** Parent annotation naming the tool that manages the set. */
export const TOOLING_ANNOTATION = 'applyset.kubernetes.io/tooling';
/** Parent annotation listing member kinds as `Kind.group`. */
export const GROUP_KINDS_ANNOTATION = 'applyset.kubernetes.io/contains-group-kinds';
/** Parent annotation listing member namespaces other than the parent's own. */
export const NAMESPACES_ANNOTATION = 'applyset.kubernetes.io/additional-namespaces';

/** The ApplySet ID of a parent, as kubectl computes it: base64url(sha256("name.namespace.Kind.group")). */
export function applySetId(parent: ObjectRef): string {
  const digest = createHash('sha256')
    .update(`${parent.name}.${parent.namespace}.${parent.kind}.${parent.group}`)
    .digest('base64url');
  return `applyset-${digest}-v1`;
}

/** A copy of an object labelled as a member of the ApplySet. */
export function withPartOf(obj: KubeObject, id: string): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, labels: { ...obj.metadata.labels, [PART_OF_LABEL]: id } } };
}
