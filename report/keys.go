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
	"runtime"
	"strings"

	"sunlight/internal/argon2id"
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
// current one first.
func (k *Keys) lookupHashes(digits string) []string {
	out := make([]string, 0, len(k.order))
	for _, id := range k.order {
		m := hmac.New(sha256.New, k.lookup[id])
		m.Write([]byte(digits))
		out = append(out, hex.EncodeToString(m.Sum(nil)))
	}
	return out
}

// Argon2Params are the argon2id settings for receipt hashes. Production
// uses DefaultArgon2 (OWASP's m=19 MiB, t=2, p=1 row, security notes 24 and 30);
// tests may lower them.
type Argon2Params struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

// DefaultArgon2 meets security notes 24 and 30: argon2id, m ≥ 19456 KiB, t ≥ 2.
var DefaultArgon2 = Argon2Params{Time: 2, MemoryKiB: 19456, Threads: 1}

// argonSlots bounds how many argon2 computations run at once, so a burst
// of lookups cannot take all memory (each one holds MemoryKiB).
var argonSlots = make(chan struct{}, max(2, runtime.NumCPU()))

// phc are the PHC settings of p: 16-byte salts, 32-byte hashes.
func (p Argon2Params) phc() argon2id.Params {
	return argon2id.Params{Memory: p.MemoryKiB, Time: p.Time, Threads: p.Threads, KeyLen: 32, SaltLen: 16}
}

func hashReceipt(p Argon2Params, digits string) string {
	argonSlots <- struct{}{}
	phc, err := p.phc().Hash(digits)
	<-argonSlots
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return phc
}

// verifyReceipt checks digits against a PHC argon2id string, with the
// parameters stored in it.
func verifyReceipt(phc, digits string) bool {
	argonSlots <- struct{}{}
	ok, err := argon2id.Verify(phc, digits)
	<-argonSlots
	return ok && err == nil
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// dummyPHC is verified against when a receipt matches no row, so a wrong
// receipt costs the same time as a right one and tells nothing.
func dummyPHC(p Argon2Params) string { return hashReceipt(p, "0000000000000000000000000000") }
