package catalog

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMaskTextTable(t *testing.T) {
	cases := []struct{ in, want string }{
		{"身份证号210124198001011234", "身份证号2101************34"},
		{"身份证 21012419800101123X。", "身份证 2101************3X。"},
		{"身份证 21012419800101123x", "身份证 2101************3X"},
		{"210124 19800101 1234", "2101************34"},
		{"２１０１２４１９８００１０１１２３４", "2101************34"},
		{"旧证210124800101123", "旧证2101*********23"},
		{"电话13812345678", "电话138****5678"},
		{"电话 138 1234 5678 联系", "电话 138****5678 联系"},
		{"电话138-1234-5678", "电话138****5678"},
		{"电话１３８－１２３４－５６７８", "电话138****5678"},
		{"+86 138 1234 5678", "+86138****5678"},
		{"卡号6222021234567890123", "卡号6222***********0123"},
		{"卡号 6222 0212 3456 7890", "卡号 6222********7890"},
		{"一卡通6217-0000-1111-2222-333", "一卡通6217***********2333"},
		{"共3 13812345678", "共3 138****5678"},
		{"住建设路12号3单元501室", "住建设路**号*单元***室"},
		{"依据辽政发〔2021〕12号文件和第3号令", "依据辽政发〔2021〕12号文件和第3号令"},
		{"户主：张三丰，3人，每月580元", "户主：张*丰，3人，每月580元"},
		{"收款人: 李四 金额1200元", "收款人: 李* 金额1200元"},
		{"2026年11月24日支出1234567.89元，村代码210124100201", "2026年11月24日支出1234567.89元，村代码210124100201"},
		{"监督电话024-87654321", "监督电话024-87654321"},
		{"", ""},
	}
	for _, c := range cases {
		if got := MaskText(c.in); got != c.want {
			t.Errorf("MaskText(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestMaskName(t *testing.T) {
	cases := map[string]string{
		"李四": "李*", "张三丰": "张*丰", "欧阳文忠": "欧**忠", "王": "*", " 赵六 ": "赵*",
		"张*丰": "张*丰", "李*": "李*",
		"法库县宏达建筑工程有限公司": "法库县宏达建筑工程有限公司",
		"三面船村股份经济合作社":   "三面船村股份经济合作社",
		"王家窝堡村民委员会":     "王家窝堡村民委员会",
		"Tom":           "T**",
	}
	for in, want := range cases {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

// sensitive matches what must never be published, in ASCII digits.
var sensitive = []*regexp.Regexp{
	regexp.MustCompile(`\d{17}[\dXx]`),
	regexp.MustCompile(`(^|\D)1[3-9]\d{9}(\D|$)`),
	regexp.MustCompile(`\d{15,}`),
}

// normalizeDigits turns full-width digits into ASCII ones.
func normalizeDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if d, ok := digitValue(r); ok {
			return rune(d)
		}
		return r
	}, s)
}

func hasSensitive(s string) bool {
	s = normalizeDigits(s)
	for _, re := range sensitive {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

type numberKind struct {
	name   string
	rule   MaskRule
	digits func(r *rand.Rand) string
}

func randDigits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

var numberKinds = []numberKind{
	{"id18", MaskIDCard, func(r *rand.Rand) string {
		s := "2101" + randDigits(r, 13)
		if r.IntN(3) == 0 {
			return s + "X"
		}
		return s + randDigits(r, 1)
	}},
	{"id15", MaskIDCard, func(r *rand.Rand) string { return "2101" + randDigits(r, 11) }},
	{"mobile", MaskMobile, func(r *rand.Rand) string { return "1" + string(rune('3'+r.IntN(7))) + randDigits(r, 9) }},
	{"bank16", MaskBank, func(r *rand.Rand) string { return "6222" + randDigits(r, 12) }},
	{"bank19", MaskBank, func(r *rand.Rand) string { return "6217" + randDigits(r, 15) }},
}

// spell writes a number in one of the ways people type it.
func spell(r *rand.Rand, digits string) string {
	seps := []string{"", " ", "-", "　", "－", " - "[1:2]}
	sep := seps[r.IntN(len(seps))]
	fullWidth := r.IntN(2) == 0
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && sep != "" && (i == 3 || i == 7 || i == 11 || i == 15 || (len(digits) >= 15 && i == 6 || i == 14)) {
			b.WriteString(sep)
		}
		if fullWidth && c >= '0' && c <= '9' {
			b.WriteRune('０' + c - '0')
		} else if fullWidth && c == 'X' {
			b.WriteRune('Ｘ')
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

var fillers = []string{"", "联系方式：", "户主：王五，", "卡号", "。", "，金额1200元", "住址建设路12号", "abc", "（", "）"}

// TestMaskProperties: any personal number in any spelling inside any text
// is masked to its rule, consistently, and masking is idempotent.
func TestMaskProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		k := numberKinds[r.IntN(len(numberKinds))]
		digits := k.digits(r)
		sp := spell(r, digits)
		text := fillers[r.IntN(len(fillers))] + sp + fillers[r.IntN(len(fillers))]
		got := MaskText(text)
		if hasSensitive(got) {
			t.Fatalf("%s %q: masked text %q still holds a personal number", k.name, text, got)
		}
		want := digits[:k.rule.Prefix] + strings.Repeat("*", len(digits)-k.rule.Prefix-k.rule.Suffix) + digits[len(digits)-k.rule.Suffix:]
		if !strings.Contains(got, want) {
			t.Fatalf("%s %q: masked %q does not show %q (prefix %d, suffix %d)", k.name, text, got, want, k.rule.Prefix, k.rule.Suffix)
		}
		if again := MaskText(got); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", text, got, again)
		}
		// The same number in another spelling renders the same.
		if other := MaskText(spell(r, digits)); other != want {
			t.Fatalf("%s: spellings render differently: %q vs %q", k.name, other, want)
		}
	}
}

func TestMaskNameProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	han := []rune("张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢")
	for i := 0; i < 2000; i++ {
		n := 2 + r.IntN(3)
		rs := make([]rune, n)
		for j := range rs {
			rs[j] = han[r.IntN(len(han))]
		}
		name := string(rs)
		got := MaskName(name)
		if got == name || utf8.RuneCountInString(got) != n {
			t.Fatalf("MaskName(%q) = %q", name, got)
		}
		shown := 0
		for _, c := range got {
			if c != '*' {
				shown++
			}
		}
		if shown > 2 || (n == 2 && shown > 1) {
			t.Fatalf("MaskName(%q) = %q shows %d characters", name, got, shown)
		}
		if MaskName(got) != got {
			t.Fatalf("MaskName not idempotent on %q", got)
		}
	}
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{
		"身份证号210124198001011234", "21012419800101123X", "138 1234 5678", "１３８－１２３４－５６７８",
		"6222 0212 3456 7890 123", "户主：张三丰", "建设路12号3单元501室", "辽政发〔2021〕12号",
		"1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8", "17-", "x", "\xff\xfe", "户主:", "210124800101123 13812345678",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := MaskText(s)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("MaskText(%q) = %q is not UTF-8", s, got)
		}
		if again := MaskText(got); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
		if utf8.ValidString(s) && hasSensitive(got) {
			t.Fatalf("MaskText(%q) = %q holds a personal number", s, got)
		}
		n := MaskName(s)
		if MaskName(n) != n {
			t.Fatalf("MaskName not idempotent: %q → %q → %q", s, n, MaskName(n))
		}
	})
}

func ExampleMaskText() {
	fmt.Println(MaskText("户主：张三丰，电话138 1234 5678，卡号6222021234567890123"))
	// Output: 户主：张*丰，电话138****5678，卡号6222***********0123
}
