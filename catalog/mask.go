package catalog

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Masking happens once, when data enters (import, demo load, staff edits),
// before anything is stored for publication. What the public may see of a
// number is fixed per kind (MaskRules); everything else becomes '*'. The
// functions are deterministic and idempotent, so one value always renders
// the same way and masking twice changes nothing.

// MaskRule says how many leading and trailing digits of a kind of number
// stay visible.
type MaskRule struct{ Prefix, Suffix int }

// MaskRules for the kinds of numbers found in published data.
var (
	MaskIDCard = MaskRule{Prefix: 4, Suffix: 2} // 身份证号 (15 or 18 digits, last may be X)
	MaskMobile = MaskRule{Prefix: 3, Suffix: 4} // 手机号 (11 digits, 1[3-9]…; +86 allowed)
	MaskBank   = MaskRule{Prefix: 4, Suffix: 4} // 银行卡/一卡通 (16–19 digits; longer runs too)
)

// digitValue returns the value of an ASCII or full-width digit.
func digitValue(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r), true
	case r >= '０' && r <= '９':
		return byte('0' + r - '０'), true
	}
	return 0, false
}

func isNumberSep(r rune) bool {
	switch r {
	case ' ', '-', '\u00a0', '\u3000', '－', '‐', '‑', '–', '—', '_':
		return true
	}
	return false
}

func isX(r rune) bool { return r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ' }

// group is a run of digits without separators: its digits (ASCII) and
// where it lies in the text.
type group struct {
	digits     []byte
	start, end int
}

// numberRun scans the digits starting at s[i] as groups split by single
// separators (spaces, dashes, full-width spaces); an ID card's final X
// joins the group it follows. It returns the groups and the end offset.
func numberRun(s string, i int) (groups []group, end int) {
	end = i
	cur := group{start: i}
	total := 0
	for end < len(s) {
		r, w := utf8.DecodeRuneInString(s[end:])
		if d, ok := digitValue(r); ok {
			cur.digits = append(cur.digits, d)
			total++
			end += w
			continue
		}
		if total == 17 && isX(r) {
			cur.digits = append(cur.digits, 'X')
			end += w
			break
		}
		next := end + w
		if isNumberSep(r) && next < len(s) {
			r2, _ := utf8.DecodeRuneInString(s[next:])
			if _, ok := digitValue(r2); ok || (total == 17 && isX(r2)) {
				cur.end = end
				groups = append(groups, cur)
				cur = group{start: next}
				end = next
				continue
			}
		}
		break
	}
	cur.end = end
	return append(groups, cur), end
}

// maskRun writes the groups of one number run, masking the longest
// stretches of groups that form a personal number, and returns whether
// anything was masked.
func maskRun(b *strings.Builder, s string, groups []group) bool {
	masked := false
	for i := 0; i < len(groups); {
		j, m := len(groups)-1, ""
		for ; j >= i; j-- {
			if m = maskDigits(joinDigits(groups[i : j+1])); m != "" {
				break
			}
		}
		if m == "" {
			end := groups[i].end
			if i+1 < len(groups) {
				end = groups[i+1].start
			}
			b.WriteString(s[groups[i].start:end])
			i++
			continue
		}
		masked = true
		b.WriteString(m)
		if j+1 < len(groups) {
			b.WriteString(s[groups[j].end:groups[j+1].start])
		}
		i = j + 1
	}
	return masked
}

func joinDigits(gs []group) []byte {
	if len(gs) == 1 {
		return gs[0].digits
	}
	var d []byte
	for _, g := range gs {
		d = append(d, g.digits...)
	}
	return d
}

// maskDigits classifies a run of digits and returns its masked form, or ""
// if it is not a personal number.
func maskDigits(d []byte) string {
	n := len(d)
	switch {
	case n == 15 || n == 18:
		return applyRule(d, MaskIDCard)
	case n >= 16:
		return applyRule(d, MaskBank)
	case n == 11 && d[0] == '1' && d[1] >= '3':
		return applyRule(d, MaskMobile)
	case n == 13 && d[0] == '8' && d[1] == '6' && d[2] == '1' && d[3] >= '3':
		return "86" + applyRule(d[2:], MaskMobile)
	}
	return ""
}

func applyRule(d []byte, r MaskRule) string {
	var b strings.Builder
	b.Write(d[:r.Prefix])
	b.WriteString(strings.Repeat("*", len(d)-r.Prefix-r.Suffix))
	b.Write(d[len(d)-r.Suffix:])
	return b.String()
}

// MaskText masks every ID card, mobile and bank card number in s — also
// when written with spaces, dashes or full-width digits — and the numbers
// of detailed addresses (门牌号, 楼栋, 单元, 室), and masks the names that
// follow labels such as 户主：or 收款人：. Other text is left as it was.
func MaskText(s string) string {
	if s == "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var prev rune
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if _, ok := digitValue(r); ok {
			groups, end := numberRun(s, i)
			if len(groups) == 1 && maskAddressNumber(s, end, prev) && maskDigits(groups[0].digits) == "" {
				b.WriteString(strings.Repeat("*", len(groups[0].digits)))
			} else {
				maskRun(&b, s, groups)
			}
			prev, _ = utf8.DecodeLastRuneInString(s[i:end])
			i = end
			continue
		}
		b.WriteString(s[i : i+w])
		i += w
		if nameLabelAt(s, i, r) > 0 {
			i = maskLabelledName(&b, s, i)
		}
		prev = r
	}
	return b.String()
}

// addressUnits follow a house, building, unit or room number.
var addressUnits = []string{"号楼", "号院", "号", "栋", "幢", "单元", "室", "弄"}

// maskAddressNumber reports whether the number ending at s[end:] is part of
// a detailed address. Document numbers (辽政发〔2021〕12号, 第3号) are not.
func maskAddressNumber(s string, end int, prev rune) bool {
	switch prev {
	case '〕', ']', '）', ')', '第', '】', '〔', '[':
		return false
	}
	rest := s[end:]
	for _, u := range addressUnits {
		if strings.HasPrefix(rest, u) {
			return true
		}
	}
	return false
}

// nameLabels introduce a private person's name in free text.
var nameLabels = []string{"户主", "姓名", "申请人", "领取人", "收款人", "承包人", "承租人", "受益人", "补助对象", "联系人"}

// nameLabelAt reports whether s[:i] ends with a name label followed by a
// colon that was just written (r is the colon).
func nameLabelAt(s string, i int, r rune) int {
	if r != '：' && r != ':' {
		return 0
	}
	head := s[:i-utf8.RuneLen(r)]
	for _, l := range nameLabels {
		if strings.HasSuffix(head, l) {
			return len(l)
		}
	}
	return 0
}

// maskLabelledName writes the masked name starting at s[i] (after optional
// spaces) and returns the offset after it.
func maskLabelledName(b *strings.Builder, s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		b.WriteByte(' ')
		i++
	}
	j := i
	n := 0
	for j < len(s) && n < 4 {
		r, w := utf8.DecodeRuneInString(s[j:])
		if !unicode.Is(unicode.Han, r) && r != '*' && r != '·' {
			break
		}
		j += w
		n++
	}
	if n < 2 {
		return i
	}
	b.WriteString(MaskName(s[i:j]))
	return j
}

// orgMarks are words that make a name an organisation's, not a person's.
var orgMarks = []string{"公司", "合作社", "委员会", "村委会", "居委会", "经济联合社", "联合社", "家庭农场", "农场", "厂",
	"中心", "局", "站", "所", "队", "学校", "小学", "中学", "医院", "卫生院", "协会", "政府", "办事处", "银行", "商店", "超市", "店", "部", "集体", "村民小组", "组"}

// IsOrganization reports whether name looks like an organisation's, whose
// name is public, rather than a private person's.
func IsOrganization(name string) bool {
	if utf8.RuneCountInString(name) > 6 {
		return true
	}
	for _, m := range orgMarks {
		if strings.Contains(name, m) {
			return true
		}
	}
	return false
}

// MaskName masks a private person's name: 李四 → 李*, 张三丰 → 张*丰,
// 欧阳文忠 → 欧**忠. Organisations' names are returned unchanged; numbers in a
// name are masked as in MaskText.
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" || IsOrganization(name) {
		return MaskText(name)
	}
	rs := []rune(name)
	for _, r := range rs {
		if !unicode.Is(unicode.Han, r) && r != '*' && r != '·' {
			// Not a Chinese personal name (e.g. Latin letters): keep only
			// the first letter.
			return string(rs[0]) + strings.Repeat("*", max(len(rs)-1, 1))
		}
	}
	switch len(rs) {
	case 1:
		return "*"
	case 2:
		return string(rs[0]) + "*"
	}
	return string(rs[0]) + strings.Repeat("*", len(rs)-2) + string(rs[len(rs)-1])
}
