package designtest

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"memcgbench/designs"
)

// maxFuzzOps bounds one fuzz input: three bytes per operation.
const maxFuzzOps = 300

// Operation codes of a fuzz input; each operation is three bytes: the code
// (mod opCount) and two arguments that pick handles and page counts.
const (
	opCreateRoot = iota
	opDestroyRoot
	opActivate
	opOffline
	opAlloc
	opAlloc2 // allocations are the common case, so they get three codes
	opAlloc3
	opCharge
	opUncharge
	opSlabinfo
	opProcOrShrink
	opQuiesce
	opRemove // rmdir: offline queued on the cgroup_destroy workqueue
	// opFree frees objects (Free, or FreeRCU when a is odd). The fuzz
	// registry keeps no empty slab (KeepEmpty 0) and its grace period is
	// 0, so a free is an uncharge at once: the model checks the plumbing
	// of both and the pages they free; designtest's Lifetimes checks what
	// kept slabs and grace periods change.
	opFree
	opCount
)

// fuzzSeeds are hand-written inputs covering each path; they run in every
// go test. Read each as (op, a, b) triples.
var fuzzSeeds = [][]byte{
	// root, memcg, miss, quiesce, hit, slabinfo, proc slabinfo.
	{opCreateRoot, 1, 0, opActivate, 0, 0, opAlloc, 0, 0, opQuiesce, 0, 0, opAlloc, 0, 0, opSlabinfo, 0, 0, opProcOrShrink, 0, 0},
	// a child with pages, offline (dead cache), uncharge, root destroy.
	{opCreateRoot, 1, 0, opActivate, 0, 0, opAlloc, 0, 0, opQuiesce, 0, 0, opCharge, 0, 2,
		opOffline, 0, 0, opQuiesce, 0, 0, opUncharge, 0, 2, opDestroyRoot, 0, 0, opQuiesce, 0, 0},
	// offline with the destroy still queued, then charge and uncharge.
	{opCreateRoot, 1, 0, opCreateRoot, 1, 0, opActivate, 0, 0, opActivate, 0, 0, opAlloc, 1, 0, opAlloc2, 1, 1,
		opQuiesce, 0, 0, opCharge, 1, 3, opOffline, 1, 0, opUncharge, 1, 3, opProcOrShrink, 0, 0, opQuiesce, 0, 0},
	// create work for an offline memcg and for a destroyed root.
	{opCreateRoot, 1, 0, opActivate, 0, 0, opActivate, 0, 0, opAlloc, 0, 0, opAlloc, 1, 0, opOffline, 0, 0,
		opDestroyRoot, 0, 0, opQuiesce, 0, 0, opAlloc, 1, 0},
	// ids reused after a memcg is freed, arrays grown past the minimum.
	{opActivate, 0, 0, opActivate, 0, 0, opActivate, 0, 0, opActivate, 0, 0, opActivate, 0, 0, opCreateRoot, 1, 0,
		opOffline, 1, 0, opActivate, 0, 0, opAlloc, 5, 0, opQuiesce, 0, 0},
	// objects freed, at once and by RCU, before and after offline.
	{opCreateRoot, 1, 0, opActivate, 0, 0, opAlloc, 0, 0, opQuiesce, 0, 0, opCharge, 0, 2, opFree, 0, 1,
		opFree, 1, 0, opRemove, 0, 0, opCharge, 0, 3, opQuiesce, 0, 0, opFree, 0, 1, opDestroyRoot, 0, 0},
	// bad input: nil handles, names in use, bad page counts.
	{opAlloc, 0, 0, opCharge, 0, 0, opCreateRoot, 1, 0, opCreateRoot, 0, 0, opUncharge, 0, 0, opOffline, 0, 0,
		opSlabinfo, 0, 0, opProcOrShrink, 1, 0, opDestroyRoot, 0, 0, opDestroyRoot, 0, 0},
}

// Fuzz is the model-based fuzz test: each input decodes to a sequence of
// operations applied both to the design (deferred work run only by Quiesce,
// so the run is deterministic) and to a sequential reference model. Every
// result must agree, and after every Quiesce the whole inventory and the
// counters must agree too.
func Fuzz(f *testing.F, d designs.Design) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		runFuzzInput(t, d, data)
	})
}

func runFuzzInput(t *testing.T, d designs.Design, data []byte) {
	e := newEnv(t, d, 0, nil)
	model := newRefModel(d)
	var roots []designs.Root
	var memcgs []designs.Memcg
	var trace strings.Builder
	var done atomic.Int64
	stop := watchdog(watchdogStall, done.Load, panicWithStacks)
	defer stop()
	pick := func(n int, b byte) int {
		if n == 0 {
			return -1
		}
		return int(b) % n
	}
	for i := 0; i+2 < len(data) && i < 3*maxFuzzOps; i += 3 {
		op, a, b := data[i]%opCount, data[i+1], data[i+2]
		ri, mi := pick(len(roots), b), pick(len(memcgs), a)
		root := func() designs.Root {
			if ri < 0 {
				return nil
			}
			return roots[ri]
		}
		memcg := func() designs.Memcg {
			if mi < 0 {
				return nil
			}
			return memcgs[mi]
		}
		pages := int(a^b)%4 - 1 // -1 to 2: bad counts too
		var got, want, name string
		switch op {
		case opCreateRoot:
			// Mostly new names; a zero a reuses an existing name (live: an
			// error; destroyed: a new root of that name).
			n := fmt.Sprintf("r%d", len(roots))
			if a == 0 && len(roots) > 0 {
				n = roots[int(b)%len(roots)].Name()
			}
			name = "CreateRoot(" + n + ")"
			r, err := e.reg.CreateRoot(e.task, n)
			got, want = errClass(err), model.createRoot(n)
			if err == nil {
				roots = append(roots, r)
			}
		case opDestroyRoot:
			name = fmt.Sprintf("DestroyRoot(%d)", ri)
			got, want = errClass(e.reg.DestroyRoot(e.task, root())), model.destroyRoot(ri)
		case opActivate:
			name = "ActivateMemcg"
			m, err := e.reg.ActivateMemcg(e.task)
			got = errClass(err)
			want, _ = model.activate()
			if err == nil {
				memcgs = append(memcgs, m)
				got += fmt.Sprintf(" id=%d", m.ID())
				want += fmt.Sprintf(" id=%d", model.memcgs[len(model.memcgs)-1].id)
			}
		case opOffline:
			name = fmt.Sprintf("OfflineMemcg(%d)", mi)
			got, want = errClass(e.reg.OfflineMemcg(e.task, memcg())), model.offline(mi)
		case opRemove:
			name = fmt.Sprintf("RemoveMemcg(%d)", mi)
			got, want = errClass(e.reg.RemoveMemcg(e.task, memcg())), model.remove(mi)
		case opAlloc, opAlloc2, opAlloc3:
			name = fmt.Sprintf("Alloc(%d, %d)", mi, ri)
			// Lookup is Alloc's hit alone: true exactly when Alloc
			// hits, and it changes nothing Alloc then sees.
			looked := e.reg.Lookup(memcg(), root())
			hit, err := e.reg.Alloc(e.task, memcg(), root())
			got = errClass(err)
			if err == nil {
				got = map[bool]string{true: "hit", false: "miss"}[hit]
			}
			if looked != (err == nil && hit) {
				got += fmt.Sprintf(" (Lookup said %v)", looked)
			}
			want = model.alloc(mi, ri)
		case opCharge:
			name = fmt.Sprintf("Charge(%d, %d, %d)", mi, ri, pages)
			got, want = errClass(e.reg.Charge(e.task, memcg(), root(), pages)), model.charge(mi, ri, pages, false)
		case opUncharge:
			name = fmt.Sprintf("Uncharge(%d, %d, %d)", mi, ri, pages)
			got, want = errClass(e.reg.Uncharge(e.task, memcg(), root(), pages)), model.charge(mi, ri, pages, true)
		case opFree:
			free := e.reg.Free
			if name = "Free"; a%2 == 1 {
				free, name = e.reg.FreeRCU, "FreeRCU"
			}
			name += fmt.Sprintf("(%d, %d, %d)", mi, ri, pages)
			got, want = errClass(free(e.task, memcg(), root(), pages)), model.charge(mi, ri, pages, true)
		case opSlabinfo:
			name = fmt.Sprintf("Slabinfo(%d)", mi)
			n, err := e.reg.Slabinfo(e.task, memcg())
			got = errClass(err)
			if err == nil {
				got = fmt.Sprintf("caches=%d", n)
			}
			want = model.slabinfo(mi)
		case opProcOrShrink:
			if a%2 == 0 {
				name = "ProcSlabinfo"
				r, c := e.reg.ProcSlabinfo(e.task, designs.ReadBytesStdio)
				got, want = fmt.Sprintf("roots=%d children=%d", r, c), model.procSlabinfo()
			} else {
				name = fmt.Sprintf("Shrink(%d)", ri)
				got, want = errClass(e.reg.Shrink(e.task, root())), model.shrink(ri)
			}
		case opQuiesce:
			name = "Quiesce"
			e.reg.Quiesce(e.task)
			model.quiesce()
			got, want = "ok", "ok"
		}
		done.Add(1)
		fmt.Fprintf(&trace, "  %s = %s\n", name, got)
		if got != want {
			t.Fatalf("%s: %s = %s, reference model says %s; operations:\n%s", d.Name, name, got, want, trace.String())
		}
		if op == opQuiesce {
			compareWithModel(t, e, model, trace.String())
		}
	}
	e.reg.Quiesce(e.task)
	model.quiesce()
	compareWithModel(t, e, model, trace.String())
	checkInvariants(e)
}

// compareWithModel checks the design's inventory and counters against the
// model's, after a Quiesce.
func compareWithModel(t *testing.T, e *env, model *refModel, trace string) {
	t.Helper()
	got, want := e.reg.Inventory(e.task), model.inventory()
	if !sameInventory(got, want) {
		t.Fatalf("%s: inventory\n got  %+v\n want %+v\noperations:\n%s", e.d.Name, got, want, trace)
	}
	s, ms := e.reg.Snapshot(), model.snap
	type pair struct {
		name      string
		got, want int64
	}
	for _, p := range []pair{
		{"RootsCreated", s.RootsCreated, ms.RootsCreated},
		{"RootsDestroyed", s.RootsDestroyed, ms.RootsDestroyed},
		{"ChildrenCreated", s.ChildrenCreated, ms.ChildrenCreated},
		{"ChildrenDestroyed", s.ChildrenDestroyed, ms.ChildrenDestroyed},
		{"CreateQueued", s.CreateQueued, ms.CreateQueued},
		{"CreateSkipped", s.CreateSkipped, ms.CreateSkipped},
		{"CreateDropped", s.CreateDropped, ms.CreateDropped},
		{"DestroyQueued", s.DestroyQueued, ms.DestroyQueued},
	} {
		if p.got != p.want {
			t.Fatalf("%s: Snapshot.%s = %d, reference model says %d; operations:\n%s", e.d.Name, p.name, p.got, p.want, trace)
		}
	}
	sequential := map[designs.Flaw]bool{} // flaws a sequential run may show
	if e.d.DeactivateOnOffline {
		// v4.11's deferred deactivation runs on a dead child that a root
		// destroy freed after the offline, with no interleaving needed.
		for _, f := range e.reg.Flaws() {
			sequential[f] = true
		}
	}
	for f, n := range s.Anomalies {
		if n != 0 && !sequential[f] {
			t.Fatalf("%s: anomaly %s = %d in a sequential run", e.d.Name, f, n)
		}
	}
}
