{{/* The chart name, or nameOverride. */}}
{{- define "gitops-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The full name of the release's objects: fullnameOverride, or <release>-<chart> (the release alone when it contains the chart name). */}}
{{- define "gitops-agent.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The recommended app.kubernetes.io labels of every object. */}}
{{- define "gitops-agent.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "gitops-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gitops-agent
{{- end -}}

{{/* The labels the Deployment, Service and PodDisruptionBudget select pods by. */}}
{{- define "gitops-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gitops-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The ServiceAccount the agent runs as. */}}
{{- define "gitops-agent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "gitops-agent.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The port of config.agent.listen (host:port), which the container exposes. */}}
{{- define "gitops-agent.port" -}}
{{- $listen := (.Values.config.agent | default dict).listen | default "0.0.0.0:9090" -}}
{{- regexFind "[0-9]+$" $listen -}}
{{- end -}}

{{/* Where the emptyDir of the Git cache is mounted. */}}
{{- define "gitops-agent.cacheDir" -}}
{{- (.Values.config.agent | default dict).cacheDir | default "/var/cache/gitops-agent" -}}
{{- end -}}

{{/* The agent's config file: config from values, with cacheDir pointing at the cache volume. */}}
{{- define "gitops-agent.configFile" -}}
{{- $agent := deepCopy (.Values.config.agent | default dict) -}}
{{- $_ := set $agent "cacheDir" (include "gitops-agent.cacheDir" .) -}}
{{- toYaml (dict "agent" $agent "targets" .Values.config.targets) -}}
{{- end -}}

{{/* Bytes of a Kubernetes quantity (list QUANTITY "value.name"): whole numbers with an optional k, M, G, T, Ki, Mi, Gi or Ti. */}}
{{- define "gitops-agent.bytes" -}}
{{- $q := index . 0 -}}
{{- if or (kindIs "float64" $q) (kindIs "int64" $q) (kindIs "int" $q) -}}
{{- $q = int64 $q | toString -}}
{{- end -}}
{{- $q = toString $q -}}
{{- if not (regexMatch "^[0-9]+(k|M|G|T|Ki|Mi|Gi|Ti)?$" $q) -}}
{{- fail (printf "%s is %q: give a whole number of bytes, optionally with k, M, G, T, Ki, Mi, Gi or Ti" (index . 1) $q) -}}
{{- end -}}
{{- $digits := regexFind "^[0-9]+" $q -}}
{{- $units := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 -}}
{{- mul (int64 $digits) (get $units (trimPrefix $digits $q)) -}}
{{- end -}}

{{/* The agent's concurrency: config.agent.concurrency, else the agent's default 4. */}}
{{- define "gitops-agent.concurrency" -}}
{{- (.Values.config.agent | default dict).concurrency | default 4 | int64 -}}
{{- end -}}

{{/* Fails the render when concurrency renders at their memory cap, plus the agent's own memory, exceed the container's memory limit (the pod would be OOM-killed instead of one render failing). */}}
{{- define "gitops-agent.validateMemory" -}}
{{- $limit := ((.Values.resources | default dict).limits | default dict).memory -}}
{{- if $limit -}}
{{- $limitBytes := include "gitops-agent.bytes" (list $limit "resources.limits.memory") | int64 -}}
{{- $cap := include "gitops-agent.bytes" (list .Values.render.maxMemory "render.maxMemory") | int64 -}}
{{- $capFrom := printf "render.maxMemory %v" .Values.render.maxMemory -}}
{{- range $t := .Values.config.targets -}}
{{- $own := ((($t.render | default dict).limits | default dict).maxMemoryBytes | default 0) | int64 -}}
{{- if gt $own $cap -}}
{{- $cap = $own -}}
{{- $capFrom = printf "target %s render.limits.maxMemoryBytes %d" $t.name $own -}}
{{- end -}}
{{- end -}}
{{- $agent := include "gitops-agent.bytes" (list .Values.render.agentMemory "render.agentMemory") | int64 -}}
{{- $concurrency := include "gitops-agent.concurrency" . | int64 -}}
{{- $need := add (mul $concurrency $cap) $agent -}}
{{- if gt $need $limitBytes -}}
{{- fail (printf "resources.limits.memory %v is below what the agent may use: config.agent.concurrency %d × the render memory cap (%s) + render.agentMemory %v = %d MiB; raise the limit, or lower render.maxMemory, the targets' maxMemoryBytes or the concurrency" $limit $concurrency $capFrom .Values.render.agentMemory (div $need 1048576)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Fails the render when /tmp cannot hold concurrency renders' copies of a repository (64 MiB each, the source limit) plus 128 MiB for remote bases and Helm's caches. */}}
{{- define "gitops-agent.validateTmp" -}}
{{- $size := include "gitops-agent.bytes" (list .Values.tmp.sizeLimit "tmp.sizeLimit") | int64 -}}
{{- $concurrency := include "gitops-agent.concurrency" . | int64 -}}
{{- $need := add (mul $concurrency 67108864) 134217728 -}}
{{- if lt $size $need -}}
{{- fail (printf "tmp.sizeLimit %v is below config.agent.concurrency %d × 64 MiB (a repository copy per render) + 128 MiB = %d MiB: raise it" .Values.tmp.sizeLimit $concurrency (div $need 1048576)) -}}
{{- end -}}
{{- end -}}

{{/* Fails the render on values that would install a broken or over-privileged agent; the messages name the value. */}}
{{- define "gitops-agent.validate" -}}
{{- include "gitops-agent.validateMemory" . -}}
{{- include "gitops-agent.validateTmp" . -}}
{{- $mode := ((.Values.config.agent | default dict).replicas | default dict).mode | default "single" -}}
{{- if and (gt (int .Values.replicaCount) 1) (eq $mode "single") -}}
{{- fail (printf "replicaCount is %d but config.agent.replicas.mode is \"single\": set it to \"leader\" or \"shards\" (docs/scale-out.md), or replicaCount to 1" (int .Values.replicaCount)) -}}
{{- end -}}
{{- if not .Values.rbac.managed.wildcard -}}
{{- range $key := list "rules" "extraRules" -}}
{{- range $i, $rule := index $.Values.rbac.managed $key | default list -}}
{{- if or (has "*" $rule.apiGroups) (has "*" $rule.resources) (has "*" ($rule.verbs | default list)) -}}
{{- fail (printf "rbac.managed.%s[%d] grants \"*\": list the kinds the targets hold, or set rbac.managed.wildcard: true to grant everything on purpose" $key $i) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if eq .Values.rbac.scope "namespaced" -}}
{{- if not .Values.rbac.namespaces -}}
{{- fail "rbac.scope is \"namespaced\" but rbac.namespaces is empty: list the namespaces the targets use" -}}
{{- end -}}
{{- $leases := include "gitops-agent.leaseNamespace" . -}}
{{- if not (has $leases (append .Values.rbac.namespaces .Release.Namespace)) -}}
{{- fail (printf "config.agent.replicas.namespace %q is neither the release namespace %q nor in rbac.namespaces %v, so the namespaced RBAC would not let the agent take its Leases there" $leases .Release.Namespace .Values.rbac.namespaces) -}}
{{- end -}}
{{- range $i, $t := .Values.config.targets -}}
{{- $ns := $t.namespace | default "default" -}}
{{- $inv := $t.inventoryNamespace | default $ns -}}
{{- range $pair := list (list "namespace" $ns) (list "inventoryNamespace" $inv) -}}
{{- if not (has (last $pair) $.Values.rbac.namespaces) -}}
{{- fail (printf "config.targets[%d] (%s): %s %q is not in rbac.namespaces %v, so the namespaced RBAC would not let the agent write there" $i $t.name (first $pair) (last $pair) $.Values.rbac.namespaces) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The namespace of the agent's leader, member and shard Leases: config.agent.replicas.namespace, else the pod's (the release's). */}}
{{- define "gitops-agent.leaseNamespace" -}}
{{- ((.Values.config.agent | default dict).replicas | default dict).namespace | default .Release.Namespace -}}
{{- end -}}

{{/* The namespaces that hold the agent's Leases, as a JSON list: each target's inventoryNamespace (its sync lock, src/sync/lock.ts) and the replica Lease namespace. */}}
{{- define "gitops-agent.leaseNamespaces" -}}
{{- $namespaces := list (include "gitops-agent.leaseNamespace" .) -}}
{{- range $t := .Values.config.targets -}}
{{- $ns := $t.namespace | default "default" -}}
{{- $namespaces = append $namespaces ($t.inventoryNamespace | default $ns) -}}
{{- end -}}
{{- toJson (uniq $namespaces) -}}
{{- end -}}

{{/* The rules of the agent's Leases (sync locks, leader, members, shards), granted only in the Lease namespaces. */}}
{{- define "gitops-agent.leaseRules" -}}
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, list, create, update, delete]
{{- end -}}

{{/* The rules of the agent's own objects besides Leases: inventory ConfigMaps, Events, and the pods and Events it reads to explain health. */}}
{{- define "gitops-agent.ownRules" -}}
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, create, patch]
- apiGroups: [""]
  resources: [pods, events]
  verbs: [list]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create]
{{- end -}}

{{/* The rules of the managed kinds: everything when rbac.managed.wildcard, else rbac.managed.rules with the default verbs. */}}
{{- define "gitops-agent.managedRules" -}}
{{- if .Values.rbac.managed.wildcard -}}
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
{{- else -}}
{{- range concat .Values.rbac.managed.rules (.Values.rbac.managed.extraRules | default list) }}
- apiGroups: {{ toJson .apiGroups }}
  resources: {{ toJson .resources }}
  verbs: {{ toJson (.verbs | default $.Values.rbac.managed.verbs) }}
{{- end -}}
{{- end -}}
{{- end -}}
