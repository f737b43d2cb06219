package kern

import "sync"

// A Class is a lock class: every [Mutex] of one class shares its statistics
// and its lock-order rules, as the kernel's lockdep classes do. One class
// "memcg::slab_caches_mutex", for example, stands for the mutex of every memcg.
//
// Classes are created once, usually as package-level variables, and live for
// the life of the process.
type Class struct {
	id   int
	name string
}

// classes is the process-wide class registry. It is read only when a class is
// created or when statistics are merged, never on a lock path.
var classes struct {
	sync.Mutex
	byName map[string]*Class
	list   []*Class
}

// NewClass returns the lock class with the given name, creating it on first
// use. Calling it twice with one name returns the same Class.
func NewClass(name string) *Class {
	if name == "" {
		panic("kern: lock class with empty name")
	}
	classes.Lock()
	defer classes.Unlock()
	if c, ok := classes.byName[name]; ok {
		return c
	}
	if classes.byName == nil {
		classes.byName = make(map[string]*Class)
	}
	c := &Class{id: len(classes.list), name: name}
	classes.byName[name] = c
	classes.list = append(classes.list, c)
	return c
}

// Name returns the class name, as lock_stat and lockdep print it.
func (c *Class) Name() string { return c.name }

// String returns the class name.
func (c *Class) String() string { return c.name }

// classList returns a copy of the registered classes, indexed by id.
func classList() []*Class {
	classes.Lock()
	defer classes.Unlock()
	return append([]*Class(nil), classes.list...)
}
