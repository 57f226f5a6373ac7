package main

import (
	"bytes"
	"fmt"
	"math"
)

// series is one line of a chart.
type series struct {
	Name   string
	Color  string
	Points [][2]float64 // x, y
}

// panel is one log–log chart.
type panel struct {
	Title, XLabel, YLabel string
	Series                []series
	YFormat               func(float64) string
}

// svg draws the state-scale figures: throughput, and checkpoint and
// restore times, against the number of keys.
func (r *report) svg() []byte {
	var thr, cost panel
	thr = panel{Title: "Throughput against state size", XLabel: "distinct keys", YLabel: "keys/s inserted",
		YFormat: func(v float64) string { return millions(v) }}
	cost = panel{Title: "Checkpoint and restore time against state size", XLabel: "distinct keys", YLabel: "seconds",
		YFormat: func(v float64) string { return ms(v) }}
	sql := series{Name: "streamsql (p1)", Color: "#1f77b4"}
	mp := series{Name: "hand-written map", Color: "#7f7f7f"}
	full := series{Name: "full checkpoint", Color: "#d62728"}
	incr := series{Name: "1% incremental checkpoint", Color: "#2ca02c"}
	restore := series{Name: "restore", Color: "#9467bd"}
	for _, s := range r.State {
		x := float64(s.Keys)
		sql.Points = append(sql.Points, [2]float64{x, s.WordsPerSec})
		mp.Points = append(mp.Points, [2]float64{x, s.MapWordsPerSec})
		full.Points = append(full.Points, [2]float64{x, s.Full.Seconds})
		incr.Points = append(incr.Points, [2]float64{x, s.Incremental.Seconds})
		restore.Points = append(restore.Points, [2]float64{x, s.RestoreSeconds})
	}
	thr.Series = []series{sql, mp}
	cost.Series = []series{full, incr, restore}

	const w, h = 1000, 420
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	thr.draw(&b, 0, 0, w/2, h)
	cost.draw(&b, w/2, 0, w/2, h)
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// draw renders the panel in the box at x0, y0 of size w × h, with
// logarithmic axes spanning whole decades around the data.
func (p panel) draw(b *bytes.Buffer, x0, y0, w, h int) {
	const left, right, top, bottom = 70, 20, 40, 110
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range p.Series {
		for _, pt := range s.Points {
			if pt[0] > 0 && pt[1] > 0 {
				xmin, xmax = min(xmin, pt[0]), max(xmax, pt[0])
				ymin, ymax = min(ymin, pt[1]), max(ymax, pt[1])
			}
		}
	}
	if math.IsInf(xmin, 1) {
		return
	}
	lx0, lx1 := math.Floor(math.Log10(xmin)), math.Ceil(math.Log10(xmax))
	ly0, ly1 := math.Floor(math.Log10(ymin)), math.Ceil(math.Log10(ymax))
	if lx1 == lx0 {
		lx1++
	}
	if ly1 == ly0 {
		ly1++
	}
	px := func(x float64) float64 { return float64(x0+left) + (math.Log10(x)-lx0)/(lx1-lx0)*pw }
	py := func(y float64) float64 { return float64(y0+top) + ph - (math.Log10(y)-ly0)/(ly1-ly0)*ph }
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="14" font-weight="bold">%s</text>`+"\n", x0+left, y0+22, p.Title)
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%.0f" height="%.0f" fill="none" stroke="#444"/>`+"\n", x0+left, y0+top, pw, ph)
	for e := lx0; e <= lx1; e++ {
		x := px(math.Pow(10, e))
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.0f" stroke="#ddd"/>`+"\n", x, y0+top, x, float64(y0+top)+ph)
		fmt.Fprintf(b, `<text x="%.1f" y="%.0f" text-anchor="middle">%s</text>`+"\n", x, float64(y0+top)+ph+16, count(int(math.Pow(10, e))))
	}
	for e := ly0; e <= ly1; e++ {
		y := py(math.Pow(10, e))
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#ddd"/>`+"\n", x0+left, y, float64(x0+left)+pw, y)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", x0+left-6, y, p.YFormat(math.Pow(10, e)))
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" text-anchor="middle">%s</text>`+"\n", float64(x0+left)+pw/2, float64(y0+top)+ph+34, p.XLabel)
	fmt.Fprintf(b, `<text transform="translate(%d,%.0f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", x0+16, float64(y0+top)+ph/2, p.YLabel)
	for i, s := range p.Series {
		var pts bytes.Buffer
		for _, pt := range s.Points {
			if pt[0] > 0 && pt[1] > 0 {
				fmt.Fprintf(&pts, "%.1f,%.1f ", px(pt[0]), py(pt[1]))
				fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`+"\n", px(pt[0]), py(pt[1]), s.Color)
			}
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", bytes.TrimSpace(pts.Bytes()), s.Color)
		ly := float64(y0+top) + ph + 56 + float64(i)*16
		fmt.Fprintf(b, `<line x1="%d" y1="%.0f" x2="%d" y2="%.0f" stroke="%s" stroke-width="2"/>`+"\n", x0+left, ly-4, x0+left+24, ly-4, s.Color)
		fmt.Fprintf(b, `<text x="%d" y="%.0f">%s</text>`+"\n", x0+left+30, ly, s.Name)
	}
}
