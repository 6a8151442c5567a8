/** How a target's path becomes objects: plain YAML, a Kustomize build or a Helm chart; `auto` detects which. */
export type RenderMode = 'auto' | 'plain' | 'kustomize' | 'helm';

/** Per-target render settings; every field has a documented default. */
export interface RenderSpec {
  /** Default `auto`: a kustomization file at the path means Kustomize, a Chart.yaml means Helm, else plain. */
  mode: RenderMode;
  helm?: HelmSpec;
  kustomize?: KustomizeSpec;
  limits?: ToolLimits;
}

/** What `helm template` is given besides the chart. */
export interface HelmSpec {
  /** Release name. Default: the target's name. */
  releaseName?: string;
  /** Values files, relative to the chart directory, inside the repository, applied in order. Default none. */
  valuesFiles?: string[];
  /** Inline values, applied after the files (highest precedence). Default none. */
  values?: Record<string, unknown>;
}

/** What a Kustomize build may reach beyond the repository. */
export interface KustomizeSpec {
  /** Allow remote bases and resources (Git URLs). Default false. */
  allowRemote?: boolean;
  /** Hosts remote bases may come from when allowed; fetched with the target's own Git credentials. Default none. */
  allowedHosts?: string[];
}

/** Bounds of one run of kustomize or helm. */
export interface ToolLimits {
  /** Wall-clock limit of one run, in milliseconds. Default 60,000. */
  timeoutMs?: number;
  /** Largest output (stdout) accepted, in bytes; the tool is killed past it. Default 64 MiB. */
  maxOutputBytes?: number;
  /** Largest resident memory of the tool, in bytes; it is killed past it. Default 1 GiB. */
  maxMemoryBytes?: number;
}

/** Which tool rendered a sync's objects, for the result. */
export interface RendererInfo {
  tool: 'plain' | 'kustomize' | 'helm';
  /** The tool's own version string (`v5.8.1`); absent for plain YAML. */
  version?: string;
}
