// Labels that mark what tests create on the shared control plane, so leftovers can be found at the end of a run.

/** Label put on every test namespace (and on cluster-scoped objects tests create), checked at teardown. */
export const TEST_NAMESPACE_LABEL = 'gitops-agent.test/ephemeral';
