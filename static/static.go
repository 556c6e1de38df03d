// Package static holds the CSS, JavaScript and images of the portal,
// embedded in the binary and served under content-hashed URLs so that they
// can be cached for a year.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"
)

//go:embed css js img
var files embed.FS

// Asset is one embedded file.
type Asset struct {
	Name        string // e.g. "css/site.css"
	Hash        string // first 10 hex digits of its SHA-256
	ContentType string
	Body        []byte
}

// URL is the asset's content-hashed URL path.
func (a *Asset) URL() string { return "/static/" + a.Hash + "/" + a.Name }

var assets = load()

func load() map[string]*Asset {
	out := map[string]*Asset{}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[p] = &Asset{Name: p, Hash: hex.EncodeToString(sum[:])[:10], ContentType: ct, Body: body}
		return nil
	})
	if err != nil {
		panic(err) // embedded files are part of the binary
	}
	return out
}

// Get returns the named asset, or nil.
func Get(name string) *Asset { return assets[name] }

// URL returns the hashed URL of the named asset; it panics on an unknown
// name so that a template naming a missing file fails at boot.
func URL(name string) string {
	a := assets[name]
	if a == nil {
		panic("static: no asset " + name)
	}
	return a.URL()
}

// Lookup resolves a request path below /static/ ("HASH/NAME"). A stale
// hash still finds the file (ok=true) but fresh reports false, so the
// caller can serve it without the long cache.
func Lookup(p string) (a *Asset, fresh bool) {
	hash, name, ok := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if !ok {
		return nil, false
	}
	a = assets[name]
	if a == nil {
		return nil, false
	}
	return a, a.Hash == hash
}
