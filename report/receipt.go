package report

import (
	"crypto/rand"
	"strconv"
	"strings"
	"unicode/utf8"

	"sunlight/domain"
)

// A receipt code (查询码) is 28 decimal digits shown in seven groups of
// four: 27 digits straight from the CSPRNG (27·log2(10) ≈ 89.7 bits) and a
// Damm check digit that catches every single-digit typo and every swap of
// two neighbouring digits. Digits are easy to read aloud and type on a
// phone's number pad; nothing in them comes from the row id or the time.
const (
	receiptRandomDigits = 27
	ReceiptLen          = receiptRandomDigits + 1
)

// NewReceipt returns a fresh receipt code as 28 digits (no spaces).
func NewReceipt() string {
	b := make([]byte, 0, ReceiptLen)
	buf := make([]byte, 64)
	for len(b) < receiptRandomDigits {
		if _, err := rand.Read(buf); err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		for _, x := range buf {
			// Rejection sampling keeps every digit uniform: 250 = 25·10.
			if x < 250 && len(b) < receiptRandomDigits {
				b = append(b, '0'+x%10)
			}
		}
	}
	return string(append(b, '0'+dammDigit(string(b))))
}

// FormatReceipt groups 28 digits by four: "1234 5678 … 1234".
func FormatReceipt(digits string) string {
	var sb strings.Builder
	for i := 0; i < len(digits); i++ {
		if i > 0 && i%4 == 0 {
			sb.WriteByte(' ')
		}
		sb.WriteByte(digits[i])
	}
	return sb.String()
}

// NormalizeReceipt turns what a person typed into the 28 canonical digits:
// full-width digits become ASCII; spaces (also the ideographic one), dashes
// and dots between groups are dropped. Anything else, a wrong length or a
// wrong check digit is a *domain.ValidationError that says which.
func NormalizeReceipt(s string) (string, error) {
	if len(s) > 200 {
		return "", invalidReceipt("查询码太长了，应为28位数字")
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '\t' || r == '\u3000' || r == '\u00a0' || r == '-' || r == '－' ||
			r == '‐' || r == '–' || r == '—' || r == '_' || r == '.' || r == '·' || r == '\r' || r == '\n':
		case r == utf8.RuneError:
			return "", invalidReceipt("查询码只能包含数字")
		default:
			return "", invalidReceipt("查询码只能包含数字")
		}
	}
	d := b.String()
	switch {
	case d == "":
		return "", invalidReceipt("请输入查询码")
	case len(d) != ReceiptLen:
		return "", invalidReceipt("查询码应为28位数字，您输入了" + strconv.Itoa(len(d)) + "位")
	case dammDigit(d) != 0:
		return "", invalidReceipt("查询码有误，请逐位核对（可能有数字抄错或顺序颠倒）")
	}
	return d, nil
}

func invalidReceipt(msg string) error { return domain.Invalid(msg, "receipt", msg) }

// dammTable is the quasigroup of the Damm algorithm (order 10).
var dammTable = [10][10]byte{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

// dammDigit is the Damm check digit of digits; a string that ends in its
// own check digit gives 0.
func dammDigit(digits string) byte {
	var interim byte
	for i := 0; i < len(digits); i++ {
		interim = dammTable[interim][digits[i]-'0']
	}
	return interim
}
