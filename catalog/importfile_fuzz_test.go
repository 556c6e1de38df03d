package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"unicode/utf8"
)

// FuzzReadCSV feeds arbitrary bytes to the import's CSV reader (BOM and
// GB18030 detection included) and the value parsers: none may panic, every
// record read must be valid UTF-8, a failure must be a line error or a
// clean stop, and the parsers must agree with themselves.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("\xef\xbb\xbf村代码,公开类别,标题\n210124102201,财务公开,\"2026年第三季度\"\n"))
	f.Add([]byte("\xb4\xe5\xb4\xfa\xc2\xeb,\xb1\xea\xcc\xe2\n210124102201,\xb2\xe2\xca\xd4\n")) // GB18030
	f.Add([]byte("a,\"b\nc\",d\n\"unterminated\n"))
	f.Add([]byte("金额\n1,200,000.00\n¥58000\n-3\n"))
	f.Add([]byte("发放日期\n2026-10-05\n2026/10/5\n2026年10月5日\n46000\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := openTable("fuzz.csv", bytes.NewReader(data))
		if err != nil {
			return
		}
		defer tr.Close()
		for i := 0; i < 10_000; i++ {
			_, rec, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var le *lineError
				if !errors.As(err, &le) {
					t.Fatalf("reader error is not a line error: %T %v", err, err)
				}
				return
			}
			for _, field := range rec {
				if !utf8.ValidString(field) {
					t.Fatalf("invalid UTF-8 field %q", field)
				}
				if fen, err := parseYuan(field); err == nil {
					if again, err := parseYuan(formatFen(fen)); err != nil || again != fen {
						t.Fatalf("parseYuan(%q) = %d, but its own rendering %q reads as %d, %v", field, fen, formatFen(fen), again, err)
					}
				}
				_, _ = parseDate(field)
				_, _ = parseBool(field, true)
				_ = normHeader(field)
			}
		}
	})
}

// formatFen renders fen as plain yuan with two decimals ("-12.05").
func formatFen(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// FuzzRegionFile feeds arbitrary bytes to the region file parser: no
// panic, and every row it accepts is a well-formed region under a known
// parent.
func FuzzRegionFile(f *testing.F) {
	f.Add([]byte("code,name,streetCode,provinceCode,cityCode,areaCode\n210124102201,\"某村委会\",210124102,21,2101,210124\n"))
	f.Add([]byte("code,name,streetCode\n210124102201,\"未闭合,210124102\n"))
	f.Add([]byte("\xef\xbb\xbfcode,name,streetCode\n\n21012410220X,x,210124102\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		known := map[string]struct{}{"210124102": {}}
		var errs rowErrors
		rows := parseRegionFile(data, "villages.csv", Village, "streetCode", known, &errs)
		for _, r := range rows {
			if LevelOf(r.Code) != Village || r.ParentCode != "210124102" || r.Name == "" || !utf8.ValidString(r.Name) {
				t.Fatalf("accepted a bad row: %+v", r)
			}
		}
	})
}
