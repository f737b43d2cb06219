package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

// TestGolden renders the committed results as text and markdown and
// compares them with the golden files; on a mismatch it writes the output
// beside them as .got.
func TestGolden(t *testing.T) {
	m, err := Build([]string{"testdata/sweep.txt"}, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	tables := []Table{m.VerdictTable()}
	for _, w := range m.Workloads {
		changed, rest := m.DetailTables(w)
		tables = append(tables, changed, rest)
	}
	if err := WriteText(&text, tables...); err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	doc := Document{
		Title:     "memcgbench: testdata",
		Results:   "testdata/sweep.txt",
		Plots:     map[string][]Plot{"calibrate": {{"calibrate: throughput", "calibrate-throughput.png"}}},
		Reproduce: []string{"make report"},
	}
	if err := WriteMarkdown(&md, m, doc); err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct {
		name string
		got  []byte
	}{{"sweep.text.golden", text.Bytes()}, {"sweep.md.golden", md.Bytes()}} {
		path := filepath.Join("testdata", g.name)
		if *update {
			os.WriteFile(path, g.got, 0o644)
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(g.got, want) {
			os.WriteFile(path+".got", g.got, 0o644)
			t.Errorf("%s differs from the golden file; see %s.got", g.name, path)
		}
	}
}
