// flux-ssa applies a directory of manifests the way Flux's kustomize-controller does, with Flux's own engine
// (github.com/fluxcd/pkg/ssa): owner labels, ResourceManager.ApplyAllStaged, then DeleteAll of what the
// previous run's inventory held and this one no longer does. It prints one JSON line of figures, so the
// benchmark can put Flux's engine beside the agent on the same manifests and the same API server.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/pkg/ssa"
	"github.com/fluxcd/pkg/ssa/utils"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// output is the JSON line the benchmark reads.
type output struct {
	Ms        float64        `json:"ms"`
	Actions   map[string]int `json:"actions"`
	Requests  map[string]int `json:"requests"`
	MaxRssMiB float64        `json:"maxRssMiB"`
	CPUSec    float64        `json:"cpuSeconds"`
	Error     string         `json:"error,omitempty"`
}

// counts holds API requests by HTTP verb, as the agent's client counts them.
type counts struct {
	mu sync.Mutex
	by map[string]int
}

// counter is the round tripper that records each request in counts.
type counter struct {
	counts *counts
	next   http.RoundTripper
}

func (c counter) RoundTrip(r *http.Request) (*http.Response, error) {
	verb := strings.ToUpper(r.Method)
	if r.URL.Query().Has("dryRun") {
		verb += " (dry-run)"
	}
	c.counts.mu.Lock()
	c.counts.by[verb]++
	c.counts.mu.Unlock()
	return c.next.RoundTrip(r)
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster")
	dir := flag.String("dir", "", "directory of YAML manifests (read recursively)")
	inventory := flag.String("inventory", "", "file holding the previous run's object list (Flux keeps it in the Kustomization's status)")
	name := flag.String("name", "bench", "name of the Kustomization the objects are labelled with")
	namespace := flag.String("namespace", "flux-system", "namespace of the Kustomization")
	concurrency := flag.Int("concurrency", 4, "concurrent server-side apply operations (kustomize-controller --concurrent-ssa, default 4)")
	flag.Parse()

	out := output{Actions: map[string]int{}}
	start := time.Now()
	reqs, err := run(*kubeconfig, *dir, *inventory, *name, *namespace, *concurrency, out.Actions)
	out.Ms = float64(time.Since(start).Microseconds()) / 1000
	out.Requests = reqs
	if err != nil {
		out.Error = err.Error()
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	out.MaxRssMiB = float64(ru.Maxrss) / 1024
	out.CPUSec = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	line, _ := json.Marshal(out)
	fmt.Println(string(line))
	if err != nil {
		os.Exit(1)
	}
}

func run(kubeconfig, dir, inventory, name, namespace string, concurrency int, actions map[string]int) (map[string]int, error) {
	ctx := context.Background()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	// kustomize-controller lifts client-side throttling when the API server has Priority and Fairness.
	cfg.QPS, cfg.Burst = -1, -1
	count := &counts{by: map[string]int{}}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return counter{counts: count, next: rt} })
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		return nil, err
	}
	kube, err := client.New(cfg, client.Options{HTTPClient: httpClient, Mapper: mapper})
	if err != nil {
		return nil, err
	}
	poller := polling.NewStatusPoller(kube, mapper, polling.Options{})
	owner := ssa.Owner{Field: "kustomize-controller", Group: "kustomize.toolkit.fluxcd.io"}
	rm := ssa.NewResourceManager(kube, poller, owner)
	rm.SetConcurrency(concurrency)

	objects, err := readObjects(dir)
	if err != nil {
		return count.by, err
	}
	rm.SetOwnerLabels(objects, name, namespace)
	opts := ssa.DefaultApplyOptions()
	opts.Cleanup = ssa.ApplyCleanupOptions{
		Annotations: []string{corev1.LastAppliedConfigAnnotation},
		FieldManagers: []ssa.FieldManager{
			{Name: "kubectl", OperationType: metav1.ManagedFieldsOperationApply},
			{Name: "kubectl", OperationType: metav1.ManagedFieldsOperationUpdate},
			{Name: "before-first-apply", OperationType: metav1.ManagedFieldsOperationUpdate},
		},
		Exclusions: map[string]string{owner.Group + "/ssa": "Ignore"},
	}
	opts.ExclusionSelector = map[string]string{owner.Group + "/reconcile": "disabled"}
	opts.WaitTimeout = 5 * time.Minute
	changes, err := rm.ApplyAllStaged(ctx, objects, opts)
	if err != nil {
		return count.by, err
	}
	for _, e := range changes.Entries {
		actions[string(e.Action)]++
	}

	current := map[string]*unstructured.Unstructured{}
	for _, o := range objects {
		current[key(o)] = o
	}
	previous, err := readInventory(inventory)
	if err != nil {
		return count.by, err
	}
	var stale []*unstructured.Unstructured
	for _, ref := range previous {
		if _, ok := current[ref.Key]; ok {
			continue
		}
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(schema.FromAPIVersionAndKind(ref.APIVersion, ref.Kind))
		u.SetNamespace(ref.Namespace)
		u.SetName(ref.Name)
		stale = append(stale, u)
	}
	if len(stale) > 0 {
		del, err := rm.DeleteAll(ctx, stale, ssa.DeleteOptions{
			PropagationPolicy: metav1.DeletePropagationBackground,
			Inclusions:        rm.GetOwnerLabels(name, namespace),
			Exclusions:        map[string]string{owner.Group + "/prune": "disabled"},
		})
		if err != nil {
			return count.by, err
		}
		for _, e := range del.Entries {
			actions[string(e.Action)]++
		}
	}
	return count.by, writeInventory(inventory, objects)
}

// ref is one inventory entry, as Flux's ResourceInventory records it (id plus version).
type ref struct {
	Key        string `json:"key"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

func key(o *unstructured.Unstructured) string {
	gvk := o.GroupVersionKind()
	return fmt.Sprintf("%s_%s_%s_%s", o.GetNamespace(), o.GetName(), gvk.Group, gvk.Kind)
}

func readInventory(path string) ([]ref, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var refs []ref
	return refs, json.Unmarshal(data, &refs)
}

func writeInventory(path string, objects []*unstructured.Unstructured) error {
	refs := make([]ref, 0, len(objects))
	for _, o := range objects {
		refs = append(refs, ref{key(o), o.GetAPIVersion(), o.GetKind(), o.GetNamespace(), o.GetName()})
	}
	data, err := json.Marshal(refs)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// readObjects reads every .yaml file under dir, as kustomize build would hand them to the controller.
func readObjects(dir string) ([]*unstructured.Unstructured, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var objects []*unstructured.Unstructured
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		objs, err := utils.ReadObjects(r)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		objects = append(objects, objs...)
	}
	return objects, nil
}
