package train

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// WritePlot draws the training curves as a PNG: one panel for the loss and
// one for the accuracy (when logged), training against validation.
func (h *History) WritePlot(w io.Writer) error {
	panels := []string{"loss"}
	if _, ok := h.Last("accuracy"); ok {
		panels = append(panels, "accuracy")
	}
	const width, height = 6 * vg.Inch, 4 * vg.Inch
	img := vgimg.New(width*vg.Length(len(panels)), height)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	for i, key := range panels {
		p, err := h.panel(key)
		if err != nil {
			return err
		}
		p.Draw(tiles.At(dc, i, 0))
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return fmt.Errorf("train: encoding plot: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func (h *History) panel(key string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = strings.ToUpper(key[:1]) + key[1:]
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = key
	p.Add(plotter.NewGrid())
	for i, k := range []string{key, "val_" + key} {
		pts := plotter.XYs{}
		for j, v := range h.Series(k) {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				pts = append(pts, plotter.XY{X: float64(h.Epochs[j].Epoch), Y: v})
			}
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("train: plotting %s: %w", k, err)
		}
		c := color.RGBA{R: 31, G: 119, B: 180, A: 255} // training: blue
		label := "train"
		if i == 1 {
			c = color.RGBA{R: 255, G: 127, B: 14, A: 255} // validation: orange
			label = "validation"
		}
		line.Color, points.Color = c, c
		line.Width = vg.Points(1.5)
		p.Add(line, points)
		p.Legend.Add(label, line, points)
	}
	p.Legend.Top = key != "loss"
	return p, nil
}
