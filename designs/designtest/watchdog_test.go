package designtest

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestWatchdogFiresOnStall(t *testing.T) {
	fired := make(chan []byte, 1)
	stop := watchdog(50*time.Millisecond, func() int64 { return 7 }, func(stacks []byte) { fired <- stacks })
	defer stop()
	select {
	case stacks := <-fired:
		if !strings.Contains(string(stacks), "TestWatchdogFiresOnStall") {
			t.Errorf("stacks do not include the test's goroutine:\n%s", stacks)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("watchdog did not fire on a stalled counter")
	}
}

func TestWatchdogQuietWhileProgressing(t *testing.T) {
	var n atomic.Int64
	fired := make(chan []byte, 1)
	stop := watchdog(200*time.Millisecond, n.Load, func(stacks []byte) { fired <- stacks })
	for range 40 {
		n.Add(1)
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	select {
	case <-fired:
		t.Error("watchdog fired while the counter moved")
	default:
	}
}
