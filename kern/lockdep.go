package kern

import (
	"strings"
	"sync"
)

// An OrderError reports a lock acquisition that breaks the lock order: the
// chain the task was building and the chain it contradicts, both named.
type OrderError struct {
	Task  string   // the task that took the lock
	Chain []string // its lock chain: the classes it held, then the one it took
	// Rule says what the chain breaks: "declared order", "cycle with observed
	// order" or "recursive locking".
	Rule string
	// Other is the contradicting chain: the declared order, or a chain
	// observed earlier (and by which task), or the earlier acquisition of the
	// same class.
	Other     []string
	OtherTask string // the task that showed Other, for an observed order
}

func (e *OrderError) Error() string {
	var b strings.Builder
	b.WriteString("kern: lock order violation (")
	b.WriteString(e.Rule)
	b.WriteString("): ")
	b.WriteString(e.Task)
	b.WriteString(" takes ")
	b.WriteString(strings.Join(e.Chain, " -> "))
	b.WriteString(", against ")
	b.WriteString(strings.Join(e.Other, " -> "))
	if e.OtherTask != "" {
		b.WriteString(" taken by ")
		b.WriteString(e.OtherTask)
	}
	return b.String()
}

// An orderChecker is lockdep for one Runtime: the declared orders, the graph
// of observed "held A while taking B" edges, and the violations found. Only
// checking mode uses it, so its mutex is not on a measured path.
type orderChecker struct {
	mu       sync.Mutex
	declared [][]*Class
	edges    map[edge]observed // observed orders, with the first chain that showed each
	adj      map[*Class][]*Class
	seen     map[edge]bool // violations already reported, by (held, taken)
	errs     []error
}

type edge struct{ from, to *Class }

type observed struct {
	task  string
	chain []string
}

func newOrderChecker() *orderChecker {
	return &orderChecker{
		edges: make(map[edge]observed),
		adj:   make(map[*Class][]*Class),
		seen:  make(map[edge]bool),
	}
}

func (oc *orderChecker) declare(order []*Class) {
	oc.mu.Lock()
	defer oc.mu.Unlock()
	oc.declared = append(oc.declared, append([]*Class(nil), order...))
}

func (oc *orderChecker) violations() []error {
	oc.mu.Lock()
	defer oc.mu.Unlock()
	return append([]error(nil), oc.errs...)
}

// rank returns the positions of a and b in a declared order holding both.
func (oc *orderChecker) rank(a, b *Class) (ra, rb int, order []*Class) {
	for _, o := range oc.declared {
		ra, rb = -1, -1
		for i, c := range o {
			switch c {
			case a:
				ra = i
			case b:
				rb = i
			}
		}
		if ra >= 0 && rb >= 0 {
			return ra, rb, o
		}
	}
	return -1, -1, nil
}

// acquire checks that t may take class c while holding t.held, then records
// the orders it shows.
func (oc *orderChecker) acquire(t *Task, c *Class) {
	if len(t.held) == 0 {
		return
	}
	oc.mu.Lock()
	defer oc.mu.Unlock()
	chain := func() []string {
		names := make([]string, 0, len(t.held)+1)
		for _, h := range t.held {
			names = append(names, h.name)
		}
		return append(names, c.name)
	}
	for _, h := range t.held {
		e := edge{h, c}
		if _, ok := oc.edges[e]; ok {
			continue // this order is known and was checked when first seen
		}
		if h == c {
			oc.report(e, &OrderError{Task: t.name, Chain: chain(), Rule: "recursive locking",
				Other: []string{c.name}})
			continue
		}
		if rh, rc, order := oc.rank(h, c); order != nil && rc < rh {
			names := make([]string, len(order))
			for i, o := range order {
				names[i] = o.name
			}
			oc.report(e, &OrderError{Task: t.name, Chain: chain(), Rule: "declared order", Other: names})
			continue
		}
		if path := oc.path(c, h); path != nil {
			first := oc.edges[edge{path[0], path[1]}]
			names := make([]string, len(path))
			for i, p := range path {
				names[i] = p.name
			}
			oc.report(e, &OrderError{Task: t.name, Chain: chain(), Rule: "cycle with observed order",
				Other: names, OtherTask: first.task})
			continue
		}
		oc.edges[e] = observed{task: t.name, chain: chain()}
		oc.adj[h] = append(oc.adj[h], c)
	}
}

// report records err once per offending edge.
func (oc *orderChecker) report(e edge, err *OrderError) {
	if oc.seen[e] {
		return
	}
	oc.seen[e] = true
	oc.errs = append(oc.errs, err)
}

// path returns a chain of observed edges from a to b, or nil.
func (oc *orderChecker) path(a, b *Class) []*Class {
	prev := map[*Class]*Class{a: nil}
	queue := []*Class{a}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, m := range oc.adj[n] {
			if _, ok := prev[m]; ok {
				continue
			}
			prev[m] = n
			if m == b {
				var p []*Class
				for x := b; x != nil; x = prev[x] {
					p = append(p, x)
				}
				for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
					p[i], p[j] = p[j], p[i]
				}
				return p
			}
			queue = append(queue, m)
		}
	}
	return nil
}
