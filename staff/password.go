package staff

import "sunlight/internal/argon2id"

// Params are argon2id's cost parameters.
type Params = argon2id.Params

// DefaultParams meet OWASP's argon2id minimum (m=19 MiB, t=2, p=1), as
// the project's security rules ask. Tests may use cheaper ones through Options.Params.
var DefaultParams = argon2id.Default

// ParsePHC reads an argon2id PHC string back into its parameters, salt
// and key.
func ParsePHC(s string) (p Params, salt, key []byte, err error) { return argon2id.Parse(s) }

// verifyPassword reports whether pw matches the PHC string, in constant
// time for a given string.
func verifyPassword(phc, pw string) (bool, error) { return argon2id.Verify(phc, pw) }
