package main

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pngHeader returns the start of a PNG whose IHDR claims w×h pixels.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grey
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestLoadImageRules(t *testing.T) {
	dir := t.TempDir()
	// A dark square on a white page, twice as wide as high.
	page := image.NewGray(image.Rect(0, 0, 40, 20))
	for y := 0; y < 20; y++ {
		for x := 0; x < 40; x++ {
			v := uint8(255)
			if x >= 15 && x < 25 && y >= 5 && y < 15 {
				v = 0
			}
			page.SetGray(x, y, color.Gray{v})
		}
	}
	writePNG(t, filepath.Join(dir, "page.png"), page)
	x, inv, err := loadImage(filepath.Join(dir, "page.png"), 1, 8, 8, "auto")
	if err != nil {
		t.Fatal(err)
	}
	if !inv {
		t.Error("dark on light was not inverted")
	}
	v := x.Float32s()
	// Aspect ratio kept: the 40×20 page becomes 8×4 in rows 2..5, on the
	// page's own (white, inverted to black) background; the square is
	// light in the middle.
	if v[0] > 0.01 || v[7*8+7] > 0.01 {
		t.Errorf("corners %v %v, want black after inversion", v[0], v[63])
	}
	if v[3*8+3] < 0.5 || v[4*8+4] < 0.5 {
		t.Errorf("centre %v %v, want the light square", v[3*8+3], v[4*8+4])
	}
	if _, inv, _ := loadImage(filepath.Join(dir, "page.png"), 1, 8, 8, "never"); inv {
		t.Error("--invert never inverted")
	}
	// Light on dark stays; RGB keeps channels.
	rgb := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := 0; i < 16; i++ {
		rgb.Set(i%4, i/4, color.RGBA{R: 200, G: 10, B: 100, A: 255})
	}
	var jb bytes.Buffer
	jpeg.Encode(&jb, rgb, &jpeg.Options{Quality: 100})
	os.WriteFile(filepath.Join(dir, "c.jpg"), jb.Bytes(), 0o644)
	x, inv, err = loadImage(filepath.Join(dir, "c.jpg"), 3, 4, 4, "auto")
	if err != nil || inv {
		t.Fatalf("%v, inverted %v", err, inv)
	}
	c := x.Float32s()
	for k, want := range []float64{200, 10, 100} {
		if got := float64(c[k*16+5]) * 255; math.Abs(got-want) > 6 {
			t.Errorf("channel %d = %.0f, want about %.0f", k, got, want)
		}
	}
	// Files that are not images, and headers that lie.
	os.WriteFile(filepath.Join(dir, "text.png"), []byte("hello"), 0o644)
	os.WriteFile(filepath.Join(dir, "huge.png"), pngHeader(1<<20, 1<<20), 0o644)
	os.WriteFile(filepath.Join(dir, "cut.png"), pngHeader(30, 30), 0o644)
	for _, tc := range []struct{ file, want string }{
		{"text.png", "not a PNG, JPEG or GIF image"},
		{"huge.png", "is empty or too large"},
		{"cut.png", "decoding"},
		{"missing.png", "no such file"},
	} {
		_, _, err := loadImage(filepath.Join(dir, tc.file), 1, 28, 28, "auto")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.file, err, tc.want)
		}
	}
	if _, _, err := loadImage(filepath.Join(dir, "c.jpg"), 2, 4, 4, "auto"); err == nil {
		t.Error("a 2-channel model was accepted")
	}
}
