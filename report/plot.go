package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"golang.org/x/perf/benchunit"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"memcgbench/internal/outfile"
)

// chartSize is the size of every picture.
const chartWidth, chartHeight = 8 * vg.Inch, 5 * vg.Inch

// Draw renders a Chart with gonum/plot into dir as name.png and name.svg,
// each written to a temporary file and renamed into place.
func Draw(c Chart, dir string) error {
	p := plot.New()
	p.Title.Text = c.Title
	p.X.Label.Text = c.XLabel
	p.Y.Label.Text = c.YLabel
	p.Legend.Top = true
	p.Legend.Left = true
	p.X.Tick.Marker = integerTicks{}
	if c.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = powerOfTwoTicks{}
		if c.DecadesX {
			p.X.Tick.Marker = siTicks{plot.LogTicks{Prec: -1}}
		}
	}
	p.Add(plotter.NewGrid())
	p.Y.Tick.Marker = siTicks{plot.DefaultTicks{}}
	if c.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = siTicks{plot.LogTicks{Prec: -1}}
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
	for i, s := range c.Series {
		xys := make(plotter.XYs, len(s.Points))
		errs := make(plotter.YErrors, len(s.Points))
		for j, pt := range s.Points {
			y := pt.Y
			if c.LogY {
				y = math.Max(y, floor)
			}
			xys[j] = plotter.XY{X: pt.X, Y: y}
			errs[j] = struct{ Low, High float64 }{Low: y - math.Max(pt.YLo, floor), High: pt.YHi - y}
			if !c.LogY {
				errs[j].Low = y - pt.YLo
			}
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
				return fmt.Errorf("chart %s: %w", c.Name, err)
			}
			line.Color, line.Dashes, line.Width = col, dashes, vg.Points(2)
			if s.Dotted {
				line.Dashes, line.Width = []vg.Length{vg.Points(1), vg.Points(3)}, vg.Points(1)
			}
			p.Add(line)
			p.Legend.Add(s.Label, line)
			continue
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fmt.Errorf("chart %s: %w", c.Name, err)
		}
		line.Color, points.Color = col, col
		line.Dashes = dashes
		points.Shape = filled[i%len(filled)] // measured: filled marks
		if s.Hollow {
			points.Shape = draw.RingGlyph{}
			line.Width = vg.Points(0.5)
		}
		bars, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{xys, errs})
		if err != nil {
			return fmt.Errorf("chart %s: %w", c.Name, err)
		}
		bars.Color = col
		p.Add(line, points, bars)
		p.Legend.Add(s.Label, line, points)
	}
	// The y range comes from the data, with headroom at the top where the
	// legend sits, so the legend never covers a point.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, pt := range s.Points {
			lo, hi = math.Min(lo, math.Min(pt.Y, pt.YLo)), math.Max(hi, math.Max(pt.Y, pt.YHi))
		}
	}
	legend := float64(len(c.Series))
	if c.LogY {
		lo = math.Max(lo, floor)
		decades := math.Max(math.Log10(hi/lo), 1)
		p.Y.Min = lo / 2
		p.Y.Max = hi * math.Pow(10, decades*0.08*legend)
	} else if hi > 0 {
		p.Y.Min = 0
		p.Y.Max = hi * (1 + 0.09*legend)
	}
	for i, mk := range c.Marks {
		line, err := plotter.NewLine(plotter.XYs{{X: mk.X, Y: p.Y.Min}, {X: mk.X, Y: p.Y.Max}})
		if err != nil {
			return fmt.Errorf("chart %s: %w", c.Name, err)
		}
		line.Color = palette[(len(c.Series)+i)%len(palette)]
		line.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(line)
		p.Legend.Add(mk.Label, line)
	}
	if c.LogX {
		p.X.Min, p.X.Max = p.X.Min/1.25, p.X.Max*1.25
	} else {
		pad := 0.25
		p.X.Min, p.X.Max = p.X.Min-pad, p.X.Max+pad
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, ext := range []string{"png", "svg"} {
		path := filepath.Join(dir, c.Name+"."+ext)
		w, err := p.WriterTo(chartWidth, chartHeight, ext)
		if err != nil {
			return fmt.Errorf("chart %s: %w", c.Name, err)
		}
		if err := outfile.Write(path, func(f io.Writer) error { _, err := w.WriteTo(f); return err }); err != nil {
			return err
		}
	}
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
