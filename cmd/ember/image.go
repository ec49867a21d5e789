package main

import (
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // decoders registered for image.Decode
	_ "image/jpeg"
	_ "image/png"
	"os"

	"golang.org/x/image/draw"

	"github.com/emberdl/ember"
)

// invertMode is --invert: auto, always or never.
type invertMode string

// maxImagePixels bounds what predict decodes, so a lying header cannot ask
// for gigabytes.
const maxImagePixels = 64 << 20

// loadImage reads a PNG, JPEG or GIF file as a float32 [C, H, W] tensor
// with values in [0, 1], the way the model's training data looked:
//   - the image is scaled to fit inside H×W keeping its aspect ratio and
//     centred on its own background colour (the mean of its border);
//   - one channel means grey (luma, ITU-R BT.601), three mean RGB;
//   - grey images that are dark on light are inverted, because
//     Fashion-MNIST and MNIST are light objects on a black background. The
//     rule (--invert auto): after scaling, the mean brightness of the
//     one-pixel border is compared with the mean of the whole image; a
//     border brighter than 0.5 means a light background, so the image is
//     inverted. --invert always or never overrides it.
//
// It reports whether the image was inverted.
func loadImage(path string, c, h, w int, inv invertMode) (*ember.Tensor, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, false, fmt.Errorf("%s: not a PNG, JPEG or GIF image: %w", path, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImagePixels {
		return nil, false, fmt.Errorf("%s: image of %d×%d pixels is empty or too large", path, cfg.Width, cfg.Height)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, false, err
	}
	src, _, err := image.Decode(f)
	if err != nil {
		return nil, false, fmt.Errorf("%s: decoding: %w", path, err)
	}
	if c != 1 && c != 3 {
		return nil, false, fmt.Errorf("the model takes %d-channel images; predict handles 1 (grey) or 3 (RGB)", c)
	}
	dst := fitImage(src, w, h)
	vals := make([]float32, c*h*w)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := dst.RGBAAt(x, y)
			r, g, b := float32(p.R)/255, float32(p.G)/255, float32(p.B)/255
			if c == 1 {
				vals[y*w+x] = 0.299*r + 0.587*g + 0.114*b
				continue
			}
			vals[y*w+x], vals[h*w+y*w+x], vals[2*h*w+y*w+x] = r, g, b
		}
	}
	inverted := false
	if c == 1 {
		switch inv {
		case "always":
			inverted = true
		case "never":
		default:
			inverted = borderMean(vals, h, w) > 0.5
		}
		if inverted {
			for i := range vals {
				vals[i] = 1 - vals[i]
			}
		}
	}
	return ember.FromSlice(vals, c, h, w), inverted, nil
}

// fitImage scales src to fit inside w×h (aspect ratio kept, Catmull-Rom)
// on a canvas filled with src's mean border colour.
func fitImage(src image.Image, w, h int) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), &image.Uniform{C: borderColor(src)}, image.Point{}, draw.Src)
	sw, sh := b.Dx(), b.Dy()
	tw, th := w, sh*w/sw
	if th > h {
		tw, th = sw*h/sh, h
	}
	tw, th = max(1, tw), max(1, th)
	off := image.Pt((w-tw)/2, (h-th)/2)
	draw.CatmullRom.Scale(dst, image.Rectangle{Min: off, Max: off.Add(image.Pt(tw, th))}, src, b, draw.Over, nil)
	return dst
}

// borderColor is the mean colour of src's outermost pixels.
func borderColor(src image.Image) color.RGBA {
	b := src.Bounds()
	var sum [4]uint64
	n := uint64(0)
	add := func(x, y int) {
		r, g, bl, a := src.At(x, y).RGBA()
		sum[0], sum[1], sum[2], sum[3] = sum[0]+uint64(r), sum[1]+uint64(g), sum[2]+uint64(bl), sum[3]+uint64(a)
		n++
	}
	for x := b.Min.X; x < b.Max.X; x++ {
		add(x, b.Min.Y)
		add(x, b.Max.Y-1)
	}
	for y := b.Min.Y + 1; y < b.Max.Y-1; y++ {
		add(b.Min.X, y)
		add(b.Max.X-1, y)
	}
	return color.RGBA{uint8(sum[0] / n >> 8), uint8(sum[1] / n >> 8), uint8(sum[2] / n >> 8), uint8(sum[3] / n >> 8)}
}

// borderMean is the mean of the outermost pixels of an h×w grey image.
func borderMean(v []float32, h, w int) float32 {
	var s float32
	n := 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if y == 0 || x == 0 || y == h-1 || x == w-1 {
				s += v[y*w+x]
				n++
			}
		}
	}
	return s / float32(n)
}
