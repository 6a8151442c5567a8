/** Annotation that keeps an object when it is removed from Git: `gitops-agent.io/prune: disabled`. */
export const PRUNE_ANNOTATION = 'gitops-agent.io/prune';

/** Annotation that allows delete-and-recreate when a change touches an immutable field: `"true"`. */
export const RECREATE_ANNOTATION = 'gitops-agent.io/recreate';
