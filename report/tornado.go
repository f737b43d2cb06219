package report

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// DrawTornado draws one workload over the uncertainty set as a tornado
// chart into dir as name.png and name.svg: one horizontal bar per
// constant, labelled with its range, from its ratio at the low end of the
// range to its ratio at the high end (the colours mark which is which),
// largest swing on top, with the ratio at the defaults and the claim's
// thresholds as vertical lines.
func DrawTornado(s *Sensitivity, ws *WorkloadSensitivity, dir, name string) error {
	if !ws.Drawable() {
		return fmt.Errorf("tornado %s: no ratio at the defaults or no constant to draw", name)
	}
	p := plot.New()
	leg := newLegend()
	ratio := ws.Ratio
	if ratio == "" {
		ratio = "new/old throughput"
	}
	p.Title.Text = fmt.Sprintf("%s: %s, each constant at either end of its hosts' range (%d virtual CPUs)", ws.Workload, ratio, s.CPUs)
	p.X.Label.Text = ratio + " ratio"
	small, large := claimLines(ratio)
	p.Add(plotter.NewGrid())
	n := len(ws.Swings)
	lowColor := color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}  // blue: the low end
	highColor := color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff} // red: the high end
	base := ws.Base.Ratio
	lo, hi := math.Min(base, large), math.Max(base, 1)
	var labels []string
	for i, sw := range ws.Swings {
		// Row 0 at the top: gonum counts y upwards.
		y := float64(n - 1 - i)
		labels = append(labels, fmt.Sprintf("%s (%s to %s)", sw.Constant, sw.Low.Value, sw.High.Value))
		for _, end := range []struct {
			r   float64
			col color.Color
		}{{sw.Low.Ratio, lowColor}, {sw.High.Ratio, highColor}} {
			if math.IsNaN(end.r) || math.IsInf(end.r, 0) {
				continue
			}
			lo, hi = math.Min(lo, end.r), math.Max(hi, end.r)
			bar, err := plotter.NewPolygon(plotter.XYs{
				{X: base, Y: y - 0.35}, {X: end.r, Y: y - 0.35}, {X: end.r, Y: y + 0.35}, {X: base, Y: y + 0.35},
			})
			if err != nil {
				return fmt.Errorf("tornado %s: %w", name, err)
			}
			bar.Color = withAlpha(end.col, 0xb0)
			bar.LineStyle.Width = 0
			p.Add(bar)
		}
	}
	// The legend's two entries, drawn as boxes of the bars' colours.
	for _, e := range []struct {
		label string
		col   color.Color
	}{{"low end of the range", lowColor}, {"high end of the range", highColor}} {
		leg.add(e.label, boxThumb{withAlpha(e.col, 0xb0)})
	}
	for _, v := range []struct {
		x     float64
		label string
		dash  bool
	}{{base, fmt.Sprintf("at the defaults: %.2f", base), false},
		{small, fmt.Sprintf("%.2f: holds above", small), true},
		{large, fmt.Sprintf("%.2f: hurts a lot below", large), true}} {
		line, err := plotter.NewLine(plotter.XYs{{X: v.x, Y: -0.6}, {X: v.x, Y: float64(n) - 0.4}})
		if err != nil {
			return fmt.Errorf("tornado %s: %w", name, err)
		}
		line.Width = vg.Points(1.5)
		if v.dash {
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			line.Color = color.Gray{Y: 0x80}
			line.Width = vg.Points(1)
		}
		p.Add(line)
		leg.add(v.label, line)
	}
	p.NominalY(reverse(labels)...)
	pad := math.Max((hi-lo)*0.05, 0.01)
	p.X.Min, p.X.Max = math.Max(lo-pad, 0), hi+pad
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	height := vg.Length(math.Max(5, 1.2+0.32*float64(n+2))) * vg.Inch
	lw := legendSize(leg)
	return writeFigure(dir, name, chartWidth+legendGap+lw, height, func(dc draw.Canvas) { paintPanel(dc, p, leg, lw) })
}

func reverse(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

// boxThumb draws a legend entry as a filled box.
type boxThumb struct{ c color.Color }

func (b boxThumb) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.c, []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y},
	})
}

// claimLines are the claim's thresholds in a sensitivity ratio's own
// terms, where "not a lot" ends and "a lot" begins: for a throughput
// ratio its loss; for a latency one, old/new p99, its rise turned over.
func claimLines(ratio string) (small, large float64) {
	if strings.Contains(ratio, "p99") {
		return 1 / (1 + LatencySmall), 1 / (1 + LatencyLarge)
	}
	return 1 - ClaimSmall, 1 - ClaimLarge
}
