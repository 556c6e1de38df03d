package report

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"path/filepath"
	"strings"

	"golang.org/x/image/webp"
)

// Photo limits.
const (
	MaxPhotoBytes  = 8 << 20
	MaxPhotoPixels = 40_000_000
	MaxPhotoSide   = 12_000
)

// Processed is a photo that passed the checks, re-encoded without any
// metadata, upright.
type Processed struct {
	Data          []byte
	Ext, Mime     string
	Width, Height int
}

// photo errors; their text is shown to the person who uploaded.
var (
	errPhotoEmpty     = errors.New("文件是空的")
	errPhotoTooBig    = errors.New("照片太大，每张不能超过8MB")
	errPhotoType      = errors.New("只能上传 JPG、PNG 或 WebP 格式的照片")
	errPhotoExt       = errors.New("文件扩展名与文件内容不符")
	errPhotoPixels    = errors.New("照片像素太大（不能超过4000万像素）")
	errPhotoBroken    = errors.New("照片已损坏，无法打开")
	errPhotoNoExtName = errors.New("文件名缺少扩展名（.jpg、.png 或 .webp）")
)

// sniff tells the format from the first bytes, never from the name.
func sniff(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "jpeg"
	case len(b) >= 8 && bytes.Equal(b[:8], []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case len(b) >= 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		return "webp"
	}
	return ""
}

func extFormat(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg", ".jfif":
		return "jpeg"
	case ".png":
		return "png"
	case ".webp":
		return "webp"
	case "":
		return ""
	}
	return "other"
}

// decodeSlots bounds the photos being decoded at once across the process.
var decodeSlots = make(chan struct{}, 2)

// ProcessPhoto checks an upload and re-encodes it: the type comes from the
// bytes and must agree with the extension; the pixel count is checked from
// the header before anything is decoded; EXIF orientation is applied, and
// the re-encoding drops every metadata segment (EXIF, GPS, XMP, ICC).
// JPEG and WebP become JPEG, PNG stays PNG.
func ProcessPhoto(filename string, data []byte) (Processed, error) {
	if len(data) == 0 {
		return Processed{}, errPhotoEmpty
	}
	if len(data) > MaxPhotoBytes {
		return Processed{}, errPhotoTooBig
	}
	format := sniff(data)
	if format == "" {
		return Processed{}, errPhotoType
	}
	switch ext := extFormat(filename); ext {
	case format:
	case "":
		return Processed{}, errPhotoNoExtName
	default:
		return Processed{}, errPhotoExt
	}
	cfg, err := decodeConfig(format, data)
	if err != nil {
		return Processed{}, errPhotoBroken
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxPhotoSide || cfg.Height > MaxPhotoSide ||
		int64(cfg.Width)*int64(cfg.Height) > MaxPhotoPixels {
		return Processed{}, errPhotoPixels
	}
	// Decoding and re-encoding a large photo holds hundreds of MiB for a
	// moment: at most decodeSlots run at once, whatever the load.
	decodeSlots <- struct{}{}
	defer func() { <-decodeSlots }()
	img, err := decode(format, data)
	if err != nil {
		return Processed{}, errPhotoBroken
	}
	if format == "jpeg" {
		img = orient(img, jpegOrientation(data))
	}
	var out bytes.Buffer
	p := Processed{Width: img.Bounds().Dx(), Height: img.Bounds().Dy()}
	if format == "png" {
		enc := png.Encoder{CompressionLevel: png.DefaultCompression}
		err, p.Ext, p.Mime = enc.Encode(&out, img), ".png", "image/png"
	} else {
		err, p.Ext, p.Mime = jpeg.Encode(&out, img, &jpeg.Options{Quality: 85}), ".jpg", "image/jpeg"
	}
	if err != nil {
		return Processed{}, err
	}
	p.Data = out.Bytes()
	return p, nil
}

// codec is how one accepted format is read.
type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

// codecs are the readers of the formats sniff accepts.
var codecs = map[string]codec{
	"jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"png":  {png.DecodeConfig, png.Decode},
	"webp": {webp.DecodeConfig, webp.Decode},
}

func decodeConfig(format string, b []byte) (image.Config, error) {
	return codecs[format].config(bytes.NewReader(b))
}

func decode(format string, b []byte) (image.Image, error) {
	return codecs[format].decode(bytes.NewReader(b))
}

// jpegOrientation reads the EXIF Orientation tag (1–8) from a JPEG's APP1
// segment; 1 when there is none or it cannot be read.
func jpegOrientation(b []byte) int {
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return 1
		}
		marker := b[i+1]
		if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 {
			i += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan: no more headers
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) > 14 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[off:]))
	for k := 0; k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			v := int(bo.Uint16(t[e+8:]))
			if v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orient turns img upright according to an EXIF orientation value.
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	src := image.NewRGBA(img.Bounds())
	draw.Draw(src, src.Bounds(), img, img.Bounds().Min, draw.Src)
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			si := src.PixOffset(x+src.Rect.Min.X, y+src.Rect.Min.Y)
			di := dst.PixOffset(dx, dy)
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}
