/** Caps that bound the time and memory one render may take, whatever the repository holds. */
export interface RenderLimits {
  /** Maximum number of YAML documents in one file. */
  maxDocumentsPerFile: number;
  /** Maximum number of objects in the whole render, counted after List flattening. */
  maxObjects: number;
  /** Maximum number of YAML nodes in one document once aliases and merge keys are expanded. */
  maxNodesPerDocument: number;
  /** Maximum number of YAML nodes in the whole render once expanded, so many small expansions cannot add up. */
  maxNodesTotal: number;
  /** Maximum number of alias uses in one expanded document; 0 forbids aliases, a negative value lifts the cap. */
  maxAliasCount: number;
  /** Maximum nesting depth of mappings and sequences in one document. */
  maxDepth: number;
  /** Maximum size of one object as the JSON body of its apply request, in bytes. */
  maxObjectBytes: number;
}

/**
 * The largest request body kube-apiserver decodes (its MaxRequestBodyBytes, 3 MiB: twice etcd's default
 * 1.5 MiB --max-request-bytes, as JSON shrinks when stored as protobuf); a larger object is refused with 413.
 */
export const API_SERVER_MAX_REQUEST_BYTES = 3 * 1024 * 1024;

/** Default limits: far above what real manifests need, far below what exhausts the agent's memory. */
export const DEFAULT_RENDER_LIMITS: Readonly<RenderLimits> = Object.freeze({
  maxDocumentsPerFile: 1000,
  maxObjects: 20_000,
  maxNodesPerDocument: 100_000,
  maxNodesTotal: 5_000_000,
  maxAliasCount: 100,
  maxDepth: 200,
  maxObjectBytes: API_SERVER_MAX_REQUEST_BYTES,
});
