package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/perf/benchunit"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"memcgbench/internal/outfile"
)

// chartWidth and chartHeight are the size of one panel's plot area with its
// axes; the legend is drawn to its right, outside the data.
const chartWidth, chartHeight = 8 * vg.Inch, 5 * vg.Inch

// legendGap is the space between a panel and its legend, panelGap above
// each panel.
const legendGap, panelGap = 0.15 * vg.Inch, 0.2 * vg.Inch

// Draw renders a Chart, with its panels Below under it, into dir as
// name.png and name.svg.
func Draw(c Chart, dir string) error {
	return DrawFigure(c.Name, dir, append([]Chart{c}, c.Below...)...)
}

// DrawFigure renders panels, one under the other, as one picture in dir,
// name.png and name.svg. Each panel's legend stands to its right, outside
// its data; the plot areas have one width, so panels sharing an x axis
// line up.
func DrawFigure(name, dir string, panels ...Chart) error {
	plots := make([]*plot.Plot, len(panels))
	legends := make([]*legend, len(panels))
	var legendWidth vg.Length
	for i, c := range panels {
		p, l, err := c.plot()
		if err != nil {
			return fmt.Errorf("chart %s: %w", name, err)
		}
		plots[i], legends[i] = p, l
		legendWidth = max(legendWidth, legendSize(l))
	}
	rowHeight := chartHeight + panelGap // the gap above each panel's title
	n := vg.Length(len(panels))
	return writeFigure(dir, name, chartWidth+legendGap+legendWidth, rowHeight*n, func(dc draw.Canvas) {
		for i, p := range plots {
			row := draw.Crop(dc, 0, 0, rowHeight*(n-1-vg.Length(i)), -rowHeight*vg.Length(i))
			paintPanel(draw.Crop(row, 0, 0, 0, -(rowHeight-chartHeight)), p, legends[i], legendWidth)
		}
	})
}

// paintPanel draws p on the left of row and its legend on the right, in
// legendWidth, its top level with the top of the data (under the title).
//
// It draws the axes' labels itself, beside the axes: gonum/plot reserves
// room for a centred label at the arithmetic middle of the data range,
// which on a log axis sits near its right end and shrinks the data area by
// half the label's width.
func paintPanel(row draw.Canvas, p *plot.Plot, leg *legend, legendWidth vg.Length) {
	area := draw.Crop(row, 0, -(legendGap + legendWidth), 0, 0)
	label := p.X.Label
	p.X.Label.Text = ""
	if label.Text != "" {
		h := label.TextStyle.Height(label.Text) + label.Padding
		sty := label.TextStyle
		sty.XAlign = draw.XCenter
		area.FillText(sty, vg.Point{X: (area.Min.X + area.Max.X) / 2, Y: area.Min.Y + sty.FontExtents().Descent}, label.Text)
		area = draw.Crop(area, 0, 0, h, 0)
	}
	if ylabel := p.Y.Label; ylabel.Text != "" { // the same, for the y axis on its log scale
		p.Y.Label.Text = ""
		sty := ylabel.TextStyle
		sty.Rotation, sty.XAlign, sty.YAlign = math.Pi/2, draw.XCenter, draw.YTop
		area.FillText(sty, vg.Point{X: area.Min.X, Y: (area.Min.Y + area.Max.Y) / 2}, ylabel.Text)
		area = draw.Crop(area, sty.Height(ylabel.Text)+ylabel.Padding, 0, 0, 0)
	}
	p.Draw(area)
	leg.Draw(draw.Crop(row, row.Max.X-row.Min.X-legendWidth, 0, 0, -0.45*vg.Inch))
}

// A legend is a plot.Legend that knows its entries' texts, to size
// itself.
type legend struct {
	plot.Legend
	texts []string
}

func newLegend() *legend {
	l := &legend{Legend: plot.NewLegend()}
	l.Top, l.Left = true, true
	return l
}

func (l *legend) add(text string, thumbs ...plot.Thumbnailer) {
	l.Add(text, thumbs...)
	l.texts = append(l.texts, text)
}

// legendSize is the width a legend needs for its longest entry.
func legendSize(l *legend) vg.Length {
	var w vg.Length
	for _, e := range l.texts {
		w = max(w, l.TextStyle.Rectangle(" "+e).Max.X)
	}
	if w == 0 {
		return 0
	}
	return l.ThumbnailWidth + w + vg.Points(6)
}

// writeFigure draws a w x h picture with paint and writes it into dir as
// name.png and name.svg, each through a temporary file renamed into place.
func writeFigure(dir, name string, w, h vg.Length, paint func(draw.Canvas)) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, ext := range []string{"png", "svg"} {
		cw, err := draw.NewFormattedCanvas(w, h, ext)
		if err != nil {
			return fmt.Errorf("chart %s: %w", name, err)
		}
		dc := draw.New(cw)
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		paint(dc)
		if err := outfile.Write(filepath.Join(dir, name+"."+ext), func(f io.Writer) error { _, err := cw.WriteTo(f); return err }); err != nil {
			return err
		}
	}
	return nil
}

// plot builds the chart's plot, and its legend apart from it.
func (c Chart) plot() (*plot.Plot, *legend, error) {
	p := plot.New()
	leg := newLegend()
	p.Title.Text = c.Title
	p.X.Label.Text = c.XLabel
	p.Y.Label.Text = c.YLabel
	p.X.Tick.Marker = integerTicks{}
	if c.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = powerOfTwoTicks{}
		if c.DecadesX {
			p.X.Tick.Marker = logTicks{}
		}
	}
	p.Add(plotter.NewGrid())
	p.Y.Tick.Marker = siTicks{plot.DefaultTicks{}}
	if c.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{ratio: c.RatioY}
	}
	if c.Stacked {
		if err := c.addBars(p, leg); err != nil {
			return nil, nil, err
		}
		return p, leg, nil
	}
	// A log axis cannot show zero: values at or below floor, a tenth of
	// the smallest positive value, are drawn at it.
	floor := math.Inf(1)
	for _, s := range c.Series {
		for _, pt := range s.Points {
			if pt.Y > 0 {
				floor = math.Min(floor, pt.Y/10)
			}
		}
	}
	if math.IsInf(floor, 1) {
		floor = 1e-9
	}
	clamp := func(y float64) float64 {
		if c.LogY {
			return math.Max(y, floor)
		}
		return y
	}
	for i, s := range c.Series {
		if c.LogY || c.LogX {
			// A log axis cannot show zero: a zero (no wait, no event) is
			// left out, not drawn at an arbitrary floor.
			s.Points = slices.DeleteFunc(slices.Clone(s.Points), func(p ChartPoint) bool { return c.LogY && p.Y <= 0 || c.LogX && p.X <= 0 })
			if len(s.Points) == 0 {
				continue
			}
		}
		xys := make(plotter.XYs, len(s.Points))
		errs := make(plotter.YErrors, len(s.Points))
		for j, pt := range s.Points {
			y := clamp(pt.Y)
			xys[j] = plotter.XY{X: pt.X, Y: y}
			errs[j] = struct{ Low, High float64 }{Low: y - clamp(pt.YLo), High: clamp(pt.YHi) - y}
		}
		col := palette[i%len(palette)]
		if s.Color > 0 {
			col = palette[(s.Color-1)%len(palette)]
		}
		dashes := []vg.Length(nil)
		if s.Dashed {
			dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		if s.Curve {
			line, err := plotter.NewLine(xys)
			if err != nil {
				return nil, nil, err
			}
			line.Color, line.Dashes, line.Width = col, dashes, vg.Points(2)
			if s.Dotted {
				line.Dashes, line.Width = []vg.Length{vg.Points(1), vg.Points(3)}, vg.Points(1)
			}
			p.Add(line)
			leg.add(s.Label, line)
			continue
		}
		if s.Band && len(s.Points) > 1 {
			band := make(plotter.XYs, 0, 2*len(s.Points))
			for _, pt := range s.Points {
				band = append(band, plotter.XY{X: pt.X, Y: clamp(pt.YLo)})
			}
			for j := len(s.Points) - 1; j >= 0; j-- {
				band = append(band, plotter.XY{X: s.Points[j].X, Y: clamp(s.Points[j].YHi)})
			}
			poly, err := plotter.NewPolygon(band)
			if err != nil {
				return nil, nil, err
			}
			poly.Color = withAlpha(col, 0x40)
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, nil, err
		}
		line.Color, points.Color = col, col
		line.Dashes = dashes
		points.Shape = filled[i%len(filled)] // measured: filled marks
		if s.Cross {
			points.Shape = draw.CrossGlyph{}
			points.Radius = vg.Points(4)
		}
		if s.Hollow {
			points.Shape = draw.RingGlyph{}
			line.Width = vg.Points(0.5)
			if s.Band {
				line.Width = vg.Points(1)
			}
		}
		if s.NoLine {
			line.Width = 0
		}
		p.Add(line, points)
		if !s.Band || len(s.Points) == 1 {
			bars, err := plotter.NewYErrorBars(struct {
				plotter.XYs
				plotter.YErrors
			}{xys, errs})
			if err != nil {
				return nil, nil, err
			}
			bars.Color = col
			p.Add(bars)
		}
		if s.NoLine {
			leg.add(s.Label, points)
		} else {
			leg.add(s.Label, line, points)
		}
	}
	// The y range comes from the data, with a margin; the legend is
	// outside it, so it needs no room.
	lo, hi := math.Inf(1), math.Inf(-1)
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, pt := range s.Points {
			lo, hi = math.Min(lo, math.Min(pt.Y, pt.YLo)), math.Max(hi, math.Max(pt.Y, pt.YHi))
			xlo, xhi = math.Min(xlo, pt.X), math.Max(xhi, pt.X)
		}
	}
	for _, l := range c.Levels {
		lo, hi = math.Min(lo, l.Y), math.Max(hi, l.Y)
	}
	switch {
	case c.LogY:
		lo = math.Max(lo, floor)
		p.Y.Min, p.Y.Max = lo/1.5, hi*1.5
	case hi > 0:
		p.Y.Min, p.Y.Max = math.Min(0, lo), hi*1.05
	}
	if c.XMax > 0 {
		xlo, xhi = c.XMin, c.XMax
	}
	if c.LogX {
		p.X.Min, p.X.Max = xlo/1.25, xhi*1.25
	} else {
		p.X.Min, p.X.Max = xlo-0.25, xhi+0.25
	}
	for i, mk := range c.Marks {
		line, err := plotter.NewLine(plotter.XYs{{X: mk.X, Y: p.Y.Min}, {X: mk.X, Y: p.Y.Max}})
		if err != nil {
			return nil, nil, err
		}
		line.Color = palette[(len(c.Series)+i)%len(palette)]
		if mk.Color > 0 {
			line.Color = palette[(mk.Color-1)%len(palette)]
		}
		line.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(line)
		leg.add(mk.Label, line)
	}
	for _, l := range c.Levels {
		line, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: l.Y}, {X: p.X.Max, Y: l.Y}})
		if err != nil {
			return nil, nil, err
		}
		line.Color, line.Width = color.Gray{Y: 0x40}, vg.Points(1.2)
		line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(line)
		leg.add(l.Label, line)
	}
	return p, leg, nil
}

// addBars draws the chart's series as bars stacked on each other, one
// stack per category (Categories, on x), the first series at the bottom.
func (c Chart) addBars(p *plot.Plot, leg *legend) error {
	var below *plotter.BarChart
	width := chartWidth * 0.6 / vg.Length(max(len(c.Categories), 1))
	for i, s := range c.Series {
		vals := make(plotter.Values, len(c.Categories))
		for _, pt := range s.Points {
			if j := int(pt.X); j >= 0 && j < len(vals) {
				vals[j] = pt.Y
			}
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return err
		}
		col := palette[i%len(palette)]
		if s.Color > 0 {
			col = palette[(s.Color-1)%len(palette)]
		}
		bars.Color, bars.LineStyle.Width = col, 0
		if below != nil {
			bars.StackOn(below)
		}
		below = bars
		p.Add(bars)
		leg.add(s.Label, bars)
	}
	p.NominalX(c.Categories...)
	p.Y.Min, p.Y.Max = 0, c.YMax
	return nil
}

// siTicks labels another ticker's ticks as benchstat scales numbers, with
// SI prefixes and no trailing zeros: 1M, 50k, 2.5m (not 1e+06, 50000.00).
type siTicks struct{ plot.Ticker }

func (t siTicks) Ticks(min, max float64) []plot.Tick {
	ticks := t.Ticker.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = siLabel(ticks[i].Value)
		}
	}
	return ticks
}

// siLabel is benchunit.Scale's decimal form of v without trailing zeros.
func siLabel(v float64) string {
	s := benchunit.Scale(v, benchunit.Decimal)
	num := strings.TrimRightFunc(s, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' })
	prefix := s[len(num):]
	if strings.Contains(num, ".") {
		num = strings.TrimRight(strings.TrimRight(num, "0"), ".")
	}
	return num + prefix
}

// integerTicks marks whole numbers only: GOMAXPROCS values.
type integerTicks struct{}

func (integerTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	step := math.Max(1, math.Ceil((max-min)/10))
	for v := math.Ceil(min); v <= max; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: fmt.Sprint(v)})
	}
	return ticks
}

// palette is the series colours: Tableau's 10 and two more, so that up to
// twelve series (a rate chart's eight and its four marks) each have their
// own (gonum's default palette has seven).
var palette = []color.Color{
	rgb(0x4e79a7), rgb(0xf28e2b), rgb(0xe15759), rgb(0x76b7b2), rgb(0x59a14f), rgb(0xedc948),
	rgb(0xb07aa1), rgb(0xff9da7), rgb(0x9c755f), rgb(0xbab0ac), rgb(0x1b1b1b), rgb(0x17becf),
}

// flagColor is the palette entry (Series.Color) of points set apart:
// grey.
const flagColor = 10

func rgb(v uint32) color.Color { return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff} }

// filled are the marks of measured points; simulated ones are rings.
var filled = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}}

// powerOfTwoTicks marks the powers of two on a log axis: CPU counts.
type powerOfTwoTicks struct{}

func (powerOfTwoTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for v := math.Pow(2, math.Ceil(math.Log2(math.Max(min, 1)))); v <= max; v *= 2 {
		ticks = append(ticks, plot.Tick{Value: v, Label: fmt.Sprint(v)})
	}
	return ticks
}

// logTicks marks a log axis: on three decades or fewer it labels 1, 2
// and 5 of each decade, so that the axis has more than one or two numbers,
// and marks the other multiples unlabelled; on more, it labels the powers
// of ten. Labels are benchstat's SI form (1M, 50k, 2m), or with ratio set,
// plain numbers below 1000 (0.01, 0.5, 30): a ratio of 10m reads wrong.
type logTicks struct{ ratio bool }

func (t logTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	if min > 0 && math.Log10(max/min) <= 3 {
		for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
			for m := 1.0; m < 10; m++ {
				v := m * math.Pow(10, e)
				if v < min || v > max {
					continue
				}
				tick := plot.Tick{Value: v}
				if m == 1 || m == 2 || m == 5 {
					tick.Label = t.label(v)
				}
				ticks = append(ticks, tick)
			}
		}
		return ticks
	}
	ticks = plot.LogTicks{Prec: -1}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = t.label(ticks[i].Value)
		}
	}
	return ticks
}

func (t logTicks) label(v float64) string {
	if t.ratio && math.Abs(v) < 1000 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return siLabel(v)
}
