package kern

import (
	_ "unsafe" // for go:linkname
)

// nanotime is the runtime's monotonic clock in nanoseconds. It costs about
// half of time.Now, which also reads the wall clock; lock statistics read it
// on every acquisition and release, so the difference shows.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64
