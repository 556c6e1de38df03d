package argon2id

import (
	"strings"
	"testing"
)

func TestHashAndVerify(t *testing.T) {
	p := Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	phc, err := p.Hash("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("PHC string %q", phc)
	}
	if again, _ := p.Hash("s3cret"); again == phc {
		t.Error("two hashes share a salt")
	}
	got, salt, key, err := Parse(phc)
	if err != nil || got != p || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("Parse = %+v, %d, %d, %v", got, len(salt), len(key), err)
	}
	for secret, want := range map[string]bool{"s3cret": true, "s3cret ": false, "": false} {
		if ok, err := Verify(phc, secret); ok != want || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want %v", secret, ok, err, want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	p := Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	phc, _ := p.Hash("x")
	parts := strings.Split(phc, "$")
	for name, bad := range map[string]string{
		"empty":     "",
		"bcrypt":    "$2a$10$abcdefghijklmnopqrstuv",
		"argon2i":   strings.Replace(phc, "argon2id", "argon2i", 1),
		"version":   strings.Replace(phc, "v=19", "v=16", 1),
		"no cost":   strings.Replace(phc, "t=1", "t=0", 1),
		"threads":   strings.Replace(phc, "p=1", "p=300", 1),
		"salt":      strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"),
		"short key": strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
	} {
		if _, _, _, err := Parse(bad); err == nil {
			t.Errorf("%s: Parse(%q) accepted", name, bad)
		}
		if ok, err := Verify(bad, "x"); ok || err == nil {
			t.Errorf("%s: Verify = %v, %v", name, ok, err)
		}
	}
}
