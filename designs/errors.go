package designs

import (
	"errors"
	"fmt"
)

// Errors a Registry returns, wrapped with context; test them with errors.Is.
// No method panics on bad input, and a failed call leaves the registry as it
// was.
var (
	ErrUnknownRoot   = errors.New("unknown root cache")              // nil, or another registry's handle
	ErrRootDestroyed = errors.New("root cache destroyed")            // the root was destroyed
	ErrRootExists    = errors.New("root cache name in use")          // CreateRoot with a live root's name
	ErrBadName       = errors.New("bad root cache name")             // empty name
	ErrUnknownMemcg  = errors.New("unknown memcg")                   // nil, or another registry's handle
	ErrMemcgOffline  = errors.New("memcg offline")                   // the memcg was taken offline
	ErrTooManyMemcgs = errors.New("no kmemcg id left")               // all 65535 ids in use
	ErrNoCache       = errors.New("memcg has no cache of that root") // charge before the child exists
	ErrBadPages      = errors.New("bad page count")                  // pages <= 0, or more than charged
	ErrBadConfig     = errors.New("bad configuration")               // a Config field out of range
)

// A FieldError reports a configuration field outside its allowed range. It
// wraps a sentinel (ErrBadConfig here; callers' own for their fields), so
// errors.Is still works, and keeps the field, so a command line can name
// the flag that set it.
type FieldError struct {
	Field   string // the field, e.g. "Costs.Shrink"
	Value   any    // the bad value
	Allowed string // the allowed range, e.g. "0 to 1s"
	Err     error  // the sentinel wrapped
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%v: %s = %v, allowed range is %s", e.Err, e.Field, e.Value, e.Allowed)
}

func (e *FieldError) Unwrap() error { return e.Err }
