package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"memcgbench/designs/catalog"
)

// WriteText writes tables as aligned plain text, for a terminal.
func WriteText(w io.Writer, tables ...Table) error {
	var b strings.Builder
	for i, t := range tables {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(t.Title + "\n")
		widths := make([]int, len(t.Header))
		for _, row := range append([][]string{t.Header}, t.Rows...) {
			for j, cell := range row {
				widths[j] = max(widths[j], utf8.RuneCountInString(cell))
			}
		}
		line := func(row []string) {
			for j, cell := range row {
				if j > 0 {
					b.WriteString("  ")
				}
				b.WriteString(cell + strings.Repeat(" ", widths[j]-utf8.RuneCountInString(cell)))
			}
			b.WriteString("\n")
		}
		line(t.Header)
		for _, row := range t.Rows {
			line(row)
		}
		for _, n := range t.Notes {
			b.WriteString("  " + n + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMarkdownTable writes one table in GitHub markdown.
func writeMarkdownTable(b *strings.Builder, t Table) {
	fmt.Fprintf(b, "| %s |\n", strings.Join(t.Header, " | "))
	b.WriteString("|" + strings.Repeat("---|", len(t.Header)) + "\n")
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
	}
	for _, n := range t.Notes {
		fmt.Fprintf(b, "\n%s\n", n)
	}
}

// A Document describes the report file around the Model: where it came
// from, its plots, and how to reproduce it.
type Document struct {
	// Title heads the report.
	Title string
	// Results is the results file, as the reader should find it.
	Results string
	// Summary, when set, is the summary figure under the first table.
	Summary *Plot
	// Plots maps each workload to its plot images (paths relative to the
	// report), in display order; General holds the plots not tied to one
	// workload.
	Plots   map[string][]Plot
	General []Plot
	// Reproduce are the commands that rebuild the results and the report.
	Reproduce []string
	// Quick says the results are a quick run's, a smoke test of the
	// pipeline: the report says so under its title.
	Quick bool
	// ValidationNotes, markdown, explain the gaps the validation table
	// marks; the report prints them under it as they are.
	ValidationNotes string
	// Harness, when set, are the harness's own cost ratios.
	Harness []HarnessRatio
	// Rates, when set, is the rate sweep the report shows, with its
	// charts (one per workload) in RatePlots.
	Rates     *RateSweep
	RatePlots []Plot
	// Sensitivity, when set, is the sensitivity run the report shows, with
	// its tornado charts (one per workload) in Tornadoes.
	Sensitivity *Sensitivity
	Tornadoes   []Plot
	// KnownAnswers, when set, are the known-answer runs the report shows,
	// with their charts in KnownAnswerPlots.
	KnownAnswers     *KnownAnswers
	KnownAnswerPlots []Plot
	// History, when set, is every design against the baseline, shown at
	// HistoryCPUs virtual CPUs with one chart per workload in
	// HistoryPlots.
	History      *History
	HistoryCPUs  int
	HistoryPlots []Plot
}

// A Plot is an image the report embeds.
type Plot struct{ Caption, Path string }

// QuickWarning heads a quick run's report and its first screen.
const QuickWarning = "**A quick run: a smoke test of the pipeline (few, short samples; windows of arrivals too short " +
	"for the real rates' events), not an answer. `make report` gives the answer.**"

// WriteMarkdown writes the report: the verdict table and the answer to the
// claim first, then each workload's plots and detail table, the machine and
// the commands to reproduce it.
func WriteMarkdown(w io.Writer, m *Model, doc Document) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", doc.Title)
	if doc.Quick {
		fmt.Fprintf(&b, "%s\n\n", QuickWarning)
	}
	answers := m.Answers()
	if doc.Sensitivity != nil {
		doc.Sensitivity.Annotate(answers)
	}
	fmt.Fprintf(&b, "%s\n\n", m.Headline(answers))
	fmt.Fprintf(&b, "Does %s hurt concurrency against %s? bd67314586 says the global mutex \"shouldn't hurt concurrency a lot\". Results: `%s`.\n\n",
		m.Options.Candidate, m.Options.Baseline, doc.Results)
	if h := doc.History; h != nil {
		if s := h.Summary(doc.HistoryCPUs); s != "" {
			fmt.Fprintf(&b, "%s\n\n", s)
		}
	}
	claim, bounds := SplitAnswers(answers)
	at := m.AnswerTable(claim, doc.Rates)
	fmt.Fprintf(&b, "## %s\n\n", at.Title)
	writeMarkdownTable(&b, at)
	if rs := doc.Rates; rs != nil {
		if lines := rs.HostSentences(); len(lines) > 0 {
			b.WriteString("\nAgainst the rates real hosts see, where each design stops keeping up (the rate sweep's knees, below):\n\n")
			for _, l := range lines {
				fmt.Fprintf(&b, "- %s\n", l)
			}
		}
	}
	if len(bounds) > 0 {
		bt := m.BoundsTable(bounds, doc.Rates)
		fmt.Fprintf(&b, "\n## %s\n\n", bt.Title)
		writeMarkdownTable(&b, bt)
	}
	if p := doc.Summary; p != nil {
		fmt.Fprintf(&b, "\n![%s](%s)\n\n", p.Caption, p.Path)
		fmt.Fprintf(&b, "%s\n", p.Caption+": filled marks measured on this machine, hollow marks simulated, shaded bands and error bars their intervals (the ratio interval of the two 95 % confidence intervals, or with fewer than 6 rounds the range of the rounds' ratios); the throughput panel's dashed line is no change; the latency panel gives each design's p99 in seconds, the baseline dashed; flagged points that do not count (⚑ in the table) are grey crosses.")
	}
	b.WriteString("\nThe sections below are the evidence: the answer at real rates, the verdict at every measured point, the rate sweeps, the virtual clock, the sensitivity to the model's constants and every workload's numbers.\n\n")
	if m.realRateWorkloads() {
		b.WriteString("## The answer at real rates\n\n")
		b.WriteString("bd67314586 says the global mutex \"shouldn't hurt concurrency a lot\". Hosts load these locks with events that arrive at rates " +
			"(container starts, module loads, slabinfo reads), so the answer comes from the real-rate presets, across virtual CPU counts, " +
			"with the stress presets as the bound.\n\n")
		for _, line := range m.RealRateLines(doc.Rates) {
			fmt.Fprintf(&b, "- %s\n", line)
		}
		rt := m.RateVerdictTable()
		fmt.Fprintf(&b, "\n### %s\n\n", rt.Title)
		writeMarkdownTable(&b, rt)
		b.WriteString("\n")
	}
	vt := m.VerdictTable()
	fmt.Fprintf(&b, "## %s\n\n", vt.Title)
	writeMarkdownTable(&b, vt)
	b.WriteString("\n## The claim on this machine's measurements, workload by workload\n\n")
	b.WriteString("bd67314586 says the global mutex \"shouldn't hurt concurrency a lot\". These answers rest on the real clock's points only " +
		"(this machine's CPUs); the first screen's take every simulated CPU count too, so a workload can hurt \"noticeably\" here and \"a lot\" there. ")
	fmt.Fprintf(&b, "Here a significant loss of at most %.0f %% counts as not a lot, beyond %.0f %% as a lot.\n\n", 100*ClaimSmall, 100*ClaimLarge)
	for _, line := range m.ClaimLines() {
		fmt.Fprintf(&b, "- %s\n", line)
	}
	for _, p := range doc.General {
		fmt.Fprintf(&b, "\n![%s](%s)\n", p.Caption, p.Path)
	}
	if rs := doc.Rates; rs != nil {
		t := rs.KneeTable()
		fmt.Fprintf(&b, "\n## %s\n\n", t.Title)
		b.WriteString("The real-rate presets' events (container starts, module loads, slabinfo reads) arrive at rates, " +
			"as on real hosts; here every rate is swept from a quiet host to past saturation. ")
		b.WriteString("The question \"does it hurt a lot\" becomes: how far above what real hosts ask does each design keep up, " +
			"and what latency does it give at the real rate.\n\n")
		writeMarkdownTable(&b, t)
		for _, p := range doc.RatePlots {
			fmt.Fprintf(&b, "\n![%s](%s)\n", p.Caption, p.Path)
		}
		rt := rs.RatioTable()
		fmt.Fprintf(&b, "\n### %s\n", rt.Title)
		writeFolded(&b, fmt.Sprintf("%d rows: every rate of every sweep", len(rt.Rows)), rt)
	}
	if m.hasVirtual() {
		writeVirtual(&b, m, doc)
	}
	if s := doc.Sensitivity; s != nil {
		writeSensitivity(&b, s, doc)
	}
	if h := doc.History; h != nil {
		writeHistory(&b, h, doc)
	}
	if ka := doc.KnownAnswers; ka != nil {
		t := ka.KnownAnswerTable()
		fmt.Fprintf(&b, "\n## %s\n\n", t.Title)
		b.WriteString("The kernel kept changing how per-memcg caches are created and destroyed, each time for a problem someone measured: " +
			"destroying many cgroups at once took time quadratic in them from v4.0 (each memcg's destroy walked every cache) until v4.11 " +
			"(Tejun Heo, from Facebook's hosts); creating many at once filled system_wq with creations asleep on slab_mutex and stalled " +
			"unrelated work until v4.10 (Vladimir Davydov, kernel bugzilla 172981); until v4.11 every 4 KiB read() of /proc/slabinfo walked " +
			"slab_caches from its head, every dead cache included, to where the last one stopped (Tejun Heo, 510ded33e075). " +
			"Each design must show its kernel's answer.\n\n")
		writeMarkdownTable(&b, t)
		for _, p := range doc.KnownAnswerPlots {
			fmt.Fprintf(&b, "\n![%s](%s)\n", p.Caption, p.Path)
		}
	}
	for _, wl := range m.Workloads {
		changed, rest := m.DetailTables(wl)
		fmt.Fprintf(&b, "\n## %s\n\n", changed.Title)
		for _, p := range doc.Plots[wl] {
			fmt.Fprintf(&b, "![%s](%s)\n\n", p.Caption, p.Path)
		}
		if len(doc.Plots[wl]) > 1 {
			b.WriteString("The lock and latency charts show one worker per CPU, the level the virtual clock simulates; " +
				"the throughput chart and the tables show every oversubscription measured. Log axes leave zeros out (no wait, no event).\n\n")
		}
		if len(changed.Rows) > 0 {
			fmt.Fprintf(&b, "Measured on this machine: the changes that count, largest first.\n\n")
			writeMarkdownTable(&b, changed)
		}
		if len(rest.Rows) > 0 {
			writeFolded(&b, fmt.Sprintf("%d more rows: no significant change, or measured in one design only", len(rest.Rows)), rest)
		}
	}
	if len(doc.Harness) > 0 {
		t := HarnessTable(doc.Harness)
		fmt.Fprintf(&b, "\n## %s\n\n", t.Title)
		b.WriteString("What the harness adds to what it measures, from the sweep's own rounds; a flagged ratio means the harness, not the design, may shape that part of the numbers.\n\n")
		writeMarkdownTable(&b, t)
	}
	b.WriteString("\n## Machine\n\n")
	for _, c := range m.Config {
		if len(c.Values) <= 1 {
			fmt.Fprintf(&b, "- %s: `%s`\n", c.Key, c.Value)
			continue
		}
		var vs []string
		for i, v := range c.Values {
			vs = append(vs, fmt.Sprintf("`%s` (%s)", v, strings.Join(c.Files[i], ", ")))
		}
		flag := "" // the harness's own settings may differ by file; where the code or machine does, a comparison across files may not hold
		if slices.Contains(originKeys, c.Key) {
			flag = " ⚑"
		}
		fmt.Fprintf(&b, "- %s%s: %s\n", c.Key, flag, strings.Join(vs, "; "))
	}
	if len(doc.Reproduce) > 0 {
		b.WriteString("\n## Reproduce\n\n```\n")
		for _, c := range doc.Reproduce {
			b.WriteString(c + "\n")
		}
		b.WriteString("```\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeHistory writes the answer across the kernel's history: the designs
// and why each came, every design at the presets, what the model shows of
// each change, and a chart per workload with every design.
func writeHistory(b *strings.Builder, h *History, doc Document) {
	b.WriteString("\n## The answer across history\n\n")
	b.WriteString("bd67314586 was not the end of the story: the kernel kept changing how per-memcg caches are created and destroyed, " +
		"each time for a problem someone measured. Every state runs here behind the same interface, on the same workloads and costs.\n\n")
	t := Table{Title: "The designs", Header: []string{"design", "kernel", "mutex", "how it synchronizes", "why the kernel came to it"}}
	for _, name := range h.Designs {
		if d, err := catalog.Lookup(name); err == nil {
			t.Rows = append(t.Rows, []string{name, d.Kernel, d.Mutex.String(), d.Summary, d.Why})
		}
	}
	writeMarkdownTable(b, t)
	if lines := h.Payoffs(doc.KnownAnswers, doc.HistoryCPUs); len(lines) > 0 {
		b.WriteString("\nWhat the model shows of each change, against the design before it:\n\n")
		for _, l := range lines {
			fmt.Fprintf(b, "- %s\n", l)
		}
	}
	ht := h.Table(doc.HistoryCPUs)
	fmt.Fprintf(b, "\n### %s\n\n", ht.Title)
	writeMarkdownTable(b, ht)
	for _, p := range doc.HistoryPlots {
		fmt.Fprintf(b, "\n![%s](%s)\n", p.Caption, p.Path)
	}
}

// writeSensitivity writes how each workload fares over the uncertainty
// set: a sentence per workload naming what its class depends on, the
// table, and the tornado charts.
func writeSensitivity(b *strings.Builder, s *Sensitivity, doc Document) {
	b.WriteString("\n## The answer over the model's uncertainty\n\n")
	fmt.Fprintf(b, "Each constant of the model (README: The model's constants) set alone to the low and to the high end of the range hosts see, "+
		"every other at its default, on the virtual clock at %d CPUs with one worker per CPU: the costs, the object lifetimes, the RCU share, "+
		"the host rates, where a memcg's kmem accounting is activated, and fixed against concurrency-managed kworkers. ", s.CPUs)
	b.WriteString("A workload's class holds over the set where every end gives the class of the defaults; elsewhere it depends on the constants named.\n\n")
	for _, ws := range s.Workloads {
		fmt.Fprintf(b, "- %s\n", ws.Sentence())
	}
	t := s.SensitivityTable()
	fmt.Fprintf(b, "\n### %s\n", t.Title)
	writeFolded(b, fmt.Sprintf("%d rows: every workload", len(t.Rows)), t)
	for _, p := range doc.Tornadoes {
		fmt.Fprintf(b, "\n![%s](%s)\n", p.Caption, p.Path)
	}
}

// writeVirtual writes the virtual clock's sections: what the fits predict
// and what was simulated, the verdict at every virtual CPU count, the fits,
// and the validation against the real clock with its notes.
func writeVirtual(b *strings.Builder, m *Model, doc Document) {
	b.WriteString("\n## Past this machine: the virtual clock\n\n")
	b.WriteString("The same design code, run on kern's discrete-event simulation with 1 to 1024 virtual CPUs " +
		"(a task runs until it blocks or spends its time slice; a contended mutex is the kernel's of the design's era: its waiters spin while " +
		"the owner runs and sleep in FIFO order otherwise, and from v4.10 on a woken first waiter gets the lock handed to it; " +
		"taking a lock another CPU held last costs a cache-line transfer). " +
		"The Universal Scalability Law is fitted to each design's curve; its ratio is the prediction.\n\n")
	for i, t := range []Table{m.PredictionTable(), m.VirtualVerdictTable(), m.ScalingTable(), m.ValidationTable()} {
		if i == 0 {
			fmt.Fprintf(b, "### %s\n\n", t.Title)
			writeMarkdownTable(b, t)
			b.WriteString("\n")
			continue
		}
		fmt.Fprintf(b, "### %s\n", t.Title)
		writeFolded(b, fmt.Sprintf("%d rows", len(t.Rows)), t)
		b.WriteString("\n")
	}
	if doc.ValidationNotes != "" {
		b.WriteString("### Validation notes\n\n")
		b.WriteString(strings.TrimSpace(doc.ValidationNotes) + "\n")
	} else {
		b.WriteString("No validation notes were given with these results: the gaps marked † are not explained here.\n")
	}
}

// writeFolded writes a table inside a <details> block that GitHub shows
// folded, under its summary line.
func writeFolded(b *strings.Builder, summary string, t Table) {
	fmt.Fprintf(b, "\n<details><summary>%s</summary>\n\n", summary)
	writeMarkdownTable(b, t)
	b.WriteString("\n</details>\n")
}
