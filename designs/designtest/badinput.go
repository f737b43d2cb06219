package designtest

import (
	"math"
	"slices"
	"testing"
	"time"

	"memcgbench/designs"
	"memcgbench/designs/internal/kmem"
	"memcgbench/kern"
)

// foreignRoot and foreignMemcg return handles no registry made: kernel
// objects of an owner no registry has.
func foreignRoot() designs.Root {
	return kmem.NewRoot("foreign", new(kmem.Owner), false, designs.MinArraySize)
}

func foreignMemcg() designs.Memcg { return kmem.NewMemcg(new(kmem.Owner)) }

// badInputCases each make one bad call on a registry holding a live root
// "live" with a child for memcg live, a destroyed root, an offline memcg,
// and a handle of each kind from another registry.
var badInputCases = []struct {
	name string
	call func(e *env, f *fixture) error
	want error
}{
	{"create root with empty name", func(e *env, f *fixture) error {
		_, err := e.reg.CreateRoot(e.task, "")
		return err
	}, designs.ErrBadName},
	{"create root with a live name", func(e *env, f *fixture) error {
		_, err := e.reg.CreateRoot(e.task, "live")
		return err
	}, designs.ErrRootExists},
	{"destroy destroyed root", func(e *env, f *fixture) error { return e.reg.DestroyRoot(e.task, f.deadRoot) }, designs.ErrRootDestroyed},
	{"destroy nil root", func(e *env, f *fixture) error { return e.reg.DestroyRoot(e.task, nil) }, designs.ErrUnknownRoot},
	{"destroy foreign root", func(e *env, f *fixture) error { return e.reg.DestroyRoot(e.task, foreignRoot()) }, designs.ErrUnknownRoot},
	{"destroy other registry's root", func(e *env, f *fixture) error { return e.reg.DestroyRoot(e.task, f.otherRoot) }, designs.ErrUnknownRoot},
	{"offline offline memcg", func(e *env, f *fixture) error { return e.reg.OfflineMemcg(e.task, f.deadMemcg) }, designs.ErrMemcgOffline},
	{"offline nil memcg", func(e *env, f *fixture) error { return e.reg.OfflineMemcg(e.task, nil) }, designs.ErrUnknownMemcg},
	{"offline foreign memcg", func(e *env, f *fixture) error { return e.reg.OfflineMemcg(e.task, foreignMemcg()) }, designs.ErrUnknownMemcg},
	{"offline other registry's memcg", func(e *env, f *fixture) error { return e.reg.OfflineMemcg(e.task, f.otherMemcg) }, designs.ErrUnknownMemcg},
	{"alloc in offline memcg", func(e *env, f *fixture) error {
		_, err := e.reg.Alloc(e.task, f.deadMemcg, f.live)
		return err
	}, designs.ErrMemcgOffline},
	{"alloc from destroyed root", func(e *env, f *fixture) error {
		_, err := e.reg.Alloc(e.task, f.liveMemcg, f.deadRoot)
		return err
	}, designs.ErrRootDestroyed},
	{"alloc with foreign handles", func(e *env, f *fixture) error {
		_, err := e.reg.Alloc(e.task, foreignMemcg(), f.live)
		return err
	}, designs.ErrUnknownMemcg},
	{"alloc with both handles of another registry that has the child", func(e *env, f *fixture) error {
		_, err := e.reg.Alloc(e.task, f.otherMemcg, f.otherRoot)
		return err
	}, designs.ErrUnknownMemcg},
	{"alloc with another registry's memcg", func(e *env, f *fixture) error {
		_, err := e.reg.Alloc(e.task, f.otherMemcg, f.live)
		return err
	}, designs.ErrUnknownMemcg},
	{"alloc from another registry's root", func(e *env, f *fixture) error {
		_, err := e.reg.Alloc(e.task, f.liveMemcg, f.otherRoot)
		return err
	}, designs.ErrUnknownRoot},
	{"charge zero pages", func(e *env, f *fixture) error { return e.reg.Charge(e.task, f.liveMemcg, f.live, 0) }, designs.ErrBadPages},
	{"charge negative pages", func(e *env, f *fixture) error { return e.reg.Charge(e.task, f.liveMemcg, f.live, -4) }, designs.ErrBadPages},
	{"charge offline memcg", func(e *env, f *fixture) error { return e.reg.Charge(e.task, f.deadMemcg, f.live, 1) }, designs.ErrMemcgOffline},
	{"uncharge more than charged", func(e *env, f *fixture) error { return e.reg.Uncharge(e.task, f.liveMemcg, f.live, 3) }, designs.ErrBadPages},
	{"uncharge from destroyed root", func(e *env, f *fixture) error { return e.reg.Uncharge(e.task, f.liveMemcg, f.deadRoot, 1) }, designs.ErrRootDestroyed},
	{"shrink destroyed root", func(e *env, f *fixture) error { return e.reg.Shrink(e.task, f.deadRoot) }, designs.ErrRootDestroyed},
	{"shrink foreign root", func(e *env, f *fixture) error { return e.reg.Shrink(e.task, foreignRoot()) }, designs.ErrUnknownRoot},
	{"slabinfo of offline memcg", func(e *env, f *fixture) error {
		_, err := e.reg.Slabinfo(e.task, f.deadMemcg)
		return err
	}, designs.ErrMemcgOffline},
	{"slabinfo of nil memcg", func(e *env, f *fixture) error {
		_, err := e.reg.Slabinfo(e.task, nil)
		return err
	}, designs.ErrUnknownMemcg},
}

type fixture struct {
	live, spare, deadRoot, otherRoot designs.Root
	liveMemcg, deadMemcg, otherMemcg designs.Memcg
}

// newBadInputFixture returns a registry of d holding the fixture's
// handles, and the fixture.
func newBadInputFixture(t *testing.T, d designs.Design) (*env, *fixture) {
	e := newEnv(t, d, 0, nil)
	other := newEnv(t, d, 0, nil)
	f := &fixture{
		live: e.root("live"), spare: e.root("spare"), deadRoot: e.root("dead"),
		otherRoot: other.root("live"), liveMemcg: e.memcg(), deadMemcg: e.memcg(),
		otherMemcg: other.memcg(),
	}
	e.child(f.liveMemcg, f.live)
	other.child(f.otherMemcg, f.otherRoot)
	// The dead memcg and root had children when they died, the memcg's
	// holding a page, so that it outlives the offline: a lookup of either
	// may find a filled slot and must still say no.
	e.child(f.deadMemcg, f.live)
	e.child(f.liveMemcg, f.deadRoot)
	e.must("Charge", e.reg.Charge(e.task, f.deadMemcg, f.live, 1))
	e.must("Charge", e.reg.Charge(e.task, f.liveMemcg, f.live, 2))
	e.must("DestroyRoot", e.reg.DestroyRoot(e.task, f.deadRoot))
	e.must("OfflineMemcg", e.reg.OfflineMemcg(e.task, f.deadMemcg))
	return e, f
}

func testBadInput(t *testing.T, d designs.Design) {
	for _, tc := range badInputCases {
		t.Run(tc.name, func(t *testing.T) {
			e, f := newBadInputFixture(t, d)
			before := e.reg.Inventory(e.task)

			err := tc.call(e, f)
			if got, want := errClass(err), errClass(tc.want); got != want {
				t.Fatalf("error %v (%s), want %s", err, got, want)
			}
			if after := e.reg.Inventory(e.task); !sameInventory(before, after) {
				t.Errorf("a failed call changed the registry:\nbefore %+v\nafter  %+v", before, after)
			}
			checkInvariants(e)
		})
	}
	// A charge before the child exists has no cache to go to, where there
	// are child caches; where every memcg shares the roots, it is charged.
	t.Run("charge before the child exists", func(t *testing.T) {
		e, f := newBadInputFixture(t, d)
		err := e.reg.Charge(e.task, f.liveMemcg, f.spare, 1)
		if want := map[bool]error{false: designs.ErrNoCache, true: nil}[d.SharedCaches]; errClass(err) != errClass(want) {
			t.Fatalf("error %v, want %v", err, want)
		}
		checkInvariants(e)
	})
	// Lookup vouches for no handle Alloc would refuse: each of these is
	// false, as a miss is, and changes nothing.
	lookups := []struct {
		name  string
		pick  func(f *fixture) (designs.Memcg, designs.Root)
		check bool // the pair itself hits: the fixture is sound
	}{
		{"live memcg, its child's root", func(f *fixture) (designs.Memcg, designs.Root) { return f.liveMemcg, f.live }, true},
		{"nil memcg", func(f *fixture) (designs.Memcg, designs.Root) { return nil, f.live }, false},
		{"nil root", func(f *fixture) (designs.Memcg, designs.Root) { return f.liveMemcg, nil }, false},
		{"offline memcg", func(f *fixture) (designs.Memcg, designs.Root) { return f.deadMemcg, f.live }, false},
		{"destroyed root", func(f *fixture) (designs.Memcg, designs.Root) { return f.liveMemcg, f.deadRoot }, false},
		{"foreign memcg", func(f *fixture) (designs.Memcg, designs.Root) { return foreignMemcg(), f.live }, false},
		{"foreign root", func(f *fixture) (designs.Memcg, designs.Root) { return f.liveMemcg, foreignRoot() }, false},
		{"both of another registry that has the child", func(f *fixture) (designs.Memcg, designs.Root) { return f.otherMemcg, f.otherRoot }, false},
		{"another registry's memcg", func(f *fixture) (designs.Memcg, designs.Root) { return f.otherMemcg, f.live }, false},
		{"another registry's root", func(f *fixture) (designs.Memcg, designs.Root) { return f.liveMemcg, f.otherRoot }, false},
		{"root with no child yet", func(f *fixture) (designs.Memcg, designs.Root) { return f.liveMemcg, f.spare }, false},
	}
	noChildYet := len(lookups) - 1 // a hit where memcgs share the roots
	for i, tc := range lookups {
		if i == noChildYet && d.SharedCaches {
			tc.check = true
		}
		t.Run("lookup/"+tc.name, func(t *testing.T) {
			e, f := newBadInputFixture(t, d)
			before := e.reg.Inventory(e.task)
			m, r := tc.pick(f)
			if got := e.reg.Lookup(m, r); got != tc.check {
				t.Fatalf("Lookup = %v, want %v", got, tc.check)
			}
			if after := e.reg.Inventory(e.task); !sameInventory(before, after) {
				t.Errorf("Lookup changed the registry:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
	t.Run("activate past the last kmemcg id", func(t *testing.T) {
		e := newEnv(t, d, 0, nil)
		e.root("r")
		for i := range designs.MaxMemcgs {
			if _, err := e.reg.ActivateMemcg(e.task); err != nil {
				t.Fatalf("activation %d of %d: %v", i+1, designs.MaxMemcgs, err)
			}
		}
		_, err := e.reg.ActivateMemcg(e.task)
		if errClass(err) != designs.ErrTooManyMemcgs.Error() {
			t.Fatalf("activation %d: %v, want %v", designs.MaxMemcgs+1, err, designs.ErrTooManyMemcgs)
		}
		if s := e.reg.Snapshot(); s.Memcgs != designs.MaxMemcgs {
			t.Errorf("memcgs = %d, want %d", s.Memcgs, designs.MaxMemcgs)
		}
		if inv := e.reg.Inventory(e.task); inv.ArraySize != designs.MaxArraySize || inv.Roots[0].ArrayLen != designs.MaxArraySize {
			t.Errorf("array size %d, root array %d; want %d (clamped)", inv.ArraySize, inv.Roots[0].ArrayLen, designs.MaxArraySize)
		}
	})
	configs := []struct {
		name string
		cfg  designs.Config
	}{
		{"negative create cost", designs.Config{Costs: designs.Costs{Create: -1}}},
		{"negative shrink cost", designs.Config{Costs: designs.Costs{Shrink: -time.Microsecond}}},
		{"cost above the maximum", designs.Config{Costs: designs.Costs{Release: 2 * designs.MaxCost}}},
		{"negative grace period", designs.Config{Costs: designs.Costs{GracePeriod: -time.Millisecond}}},
		{"RCU share above 1", designs.Config{RCUShare: 1.5}},
		{"RCU share NaN", designs.Config{RCUShare: math.NaN()}},
		{"negative CPUs", designs.Config{CPUs: -1}},
		{"negative kworkers", designs.Config{Kworkers: -1}},
	}
	for _, tc := range configs {
		t.Run(tc.name, func(t *testing.T) {
			reg, err := d.New(kern.New(kern.Config{}), tc.cfg)
			if errClass(err) != designs.ErrBadConfig.Error() {
				t.Fatalf("New(%+v) = %v, want %v", tc.cfg, err, designs.ErrBadConfig)
			}
			if reg != nil {
				t.Errorf("New returned a registry with its error")
			}
		})
	}
}

// sameInventory compares two inventories field by field.
func sameInventory(a, b designs.Inventory) bool {
	return a.ArraySize == b.ArraySize &&
		slices.Equal(a.SlabCaches, b.SlabCaches) &&
		slices.EqualFunc(a.Roots, b.Roots, func(x, y designs.RootInfo) bool {
			return x.Name == y.Name && x.ArrayLen == y.ArrayLen && slices.Equal(x.Children, y.Children)
		}) &&
		slices.EqualFunc(a.Memcgs, b.Memcgs, func(x, y designs.MemcgInfo) bool {
			return x.ID == y.ID && x.Online == y.Online && slices.Equal(x.Caches, y.Caches)
		})
}
