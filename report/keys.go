package report

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Keys holds the secret key material report uses, derived from
// SUNLIGHT_SECRET_KEY: a sealing key (AES-256-GCM for contact details,
// photo files and the short-lived retry copy of a receipt) and a lookup
// key (HMAC-SHA256 of a receipt, to find its row). Older keys stay usable
// for reading, so the key can be rotated: new data is sealed with Current.
type Keys struct {
	current string
	seal    map[string][]byte // key id → AES key
	lookup  map[string][]byte // key id → HMAC key
	order   []string          // current first
}

// NewKeys derives the keys from the 32-byte master secret; older secrets,
// if given, still decrypt and find what they sealed.
func NewKeys(secret []byte, older ...[]byte) (*Keys, error) {
	k := &Keys{seal: map[string][]byte{}, lookup: map[string][]byte{}}
	for i, s := range append([][]byte{secret}, older...) {
		if len(s) < 32 {
			return nil, errors.New("report: secret key must be at least 32 bytes")
		}
		id := KeyID(s)
		if i == 0 {
			k.current = id
		}
		if _, dup := k.seal[id]; dup {
			continue
		}
		k.seal[id] = derive(s, "sunlight/report/seal/v1")
		k.lookup[id] = derive(s, "sunlight/report/receipt-lookup/v1")
		k.order = append(k.order, id)
	}
	return k, nil
}

// KeyID names a master secret without revealing it: 8 hex digits.
func KeyID(secret []byte) string {
	h := sha256.Sum256(append([]byte("sunlight/key-id/"), secret...))
	return hex.EncodeToString(h[:4])
}

func derive(secret []byte, label string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Seal encrypts plaintext with AES-256-GCM under the current key. The
// additional data binds the ciphertext to one record and field (e.g.
// "report/42/phone"): moved to another row or field it no longer opens.
// The result is "KEYID:base64(nonce|ciphertext)"; "" seals to "".
func (k *Keys) Seal(plaintext, aad string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	g, err := gcm(k.seal[k.current])
	if err != nil {
		return "", err
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := g.Seal(nonce, nonce, []byte(plaintext), []byte(aad))
	return k.current + ":" + base64.RawStdEncoding.EncodeToString(ct), nil
}

// ErrSealed is returned when a sealed value cannot be opened: wrong key,
// wrong record or field, or tampered bytes.
var ErrSealed = errors.New("sealed value cannot be opened")

// Open decrypts what Seal produced, with whichever key sealed it.
func (k *Keys) Open(sealed, aad string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	id, b64, ok := strings.Cut(sealed, ":")
	key := k.seal[id]
	if !ok || key == nil {
		return "", ErrSealed
	}
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil {
		return "", ErrSealed
	}
	g, err := gcm(key)
	if err != nil {
		return "", err
	}
	if len(raw) < g.NonceSize() {
		return "", ErrSealed
	}
	pt, err := g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], []byte(aad))
	if err != nil {
		return "", ErrSealed
	}
	return string(pt), nil
}

// Sealed binary values (photo files) carry a small header:
//
//	"SLSEAL" | version (1) | length of key id | key id | nonce | ciphertext+tag
//
// The header is authenticated along with the caller's additional data, so
// a changed version or key id does not open either. No JPEG, PNG or WebP
// starts with "SLSEAL", so a sealed file is never mistaken for an image.
const (
	sealMagic   = "SLSEAL"
	sealVersion = 1
)

// SealBytes encrypts plaintext with AES-256-GCM under the current key,
// binding it to aad as Seal does (e.g. "report-photo/NAME").
func (k *Keys) SealBytes(plaintext []byte, aad string) ([]byte, error) {
	g, err := gcm(k.seal[k.current])
	if err != nil {
		return nil, err
	}
	hdr := sealHeader(k.current)
	out := make([]byte, len(hdr)+g.NonceSize(), len(hdr)+g.NonceSize()+len(plaintext)+g.Overhead())
	copy(out, hdr)
	nonce := out[len(hdr):]
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return g.Seal(out, nonce, plaintext, sealedAAD(hdr, aad)), nil
}

// OpenBytes decrypts what SealBytes produced, with whichever key sealed
// it. Anything else — changed bytes, another aad, a key that is not
// configured, or bytes without the header — is ErrSealed.
func (k *Keys) OpenBytes(sealed []byte, aad string) ([]byte, error) {
	rest, ok := bytes.CutPrefix(sealed, []byte(sealMagic))
	if !ok || len(rest) < 2 {
		return nil, fmt.Errorf("%w: no sealed header", ErrSealed)
	}
	if rest[0] != sealVersion {
		return nil, fmt.Errorf("%w: unknown version %d", ErrSealed, rest[0])
	}
	n := int(rest[1])
	if len(rest) < 2+n {
		return nil, fmt.Errorf("%w: cut short", ErrSealed)
	}
	id := string(rest[2 : 2+n])
	key := k.seal[id]
	if key == nil {
		return nil, fmt.Errorf("%w: key %q is not configured", ErrSealed, id)
	}
	hdr, body := sealed[:len(sealMagic)+2+n], rest[2+n:]
	g, err := gcm(key)
	if err != nil {
		return nil, err
	}
	if len(body) < g.NonceSize()+g.Overhead() {
		return nil, fmt.Errorf("%w: cut short", ErrSealed)
	}
	pt, err := g.Open(nil, body[:g.NonceSize()], body[g.NonceSize():], sealedAAD(hdr, aad))
	if err != nil {
		return nil, ErrSealed
	}
	return pt, nil
}

// IsSealed tells whether b starts with the header SealBytes writes.
func IsSealed(b []byte) bool { return bytes.HasPrefix(b, []byte(sealMagic)) }

func sealHeader(keyID string) []byte {
	return append([]byte(sealMagic+string([]byte{sealVersion, byte(len(keyID))})), keyID...)
}

func sealedAAD(hdr []byte, aad string) []byte {
	return append(append(make([]byte, 0, len(hdr)+len(aad)), hdr...), aad...)
}

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// lookupHashes returns the receipt's lookup hash under every key, the
// current one first. The hash is all that is stored of a receipt: its 27
// random digits (≈ 89.7 bits) cannot be guessed, so a keyed hash is as good
// as a slow one (argon2id is for low-entropy secrets such as passwords), and
// without the lookup key the database alone cannot test a guess at all.
func (k *Keys) lookupHashes(digits string) []string {
	out := make([]string, 0, len(k.order))
	for _, id := range k.order {
		m := hmac.New(sha256.New, k.lookup[id])
		m.Write([]byte(digits))
		out = append(out, hex.EncodeToString(m.Sum(nil)))
	}
	return out
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
