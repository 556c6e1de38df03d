package catalog

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"sunlight/domain"
)

// tableReader yields the rows of an imported file with their line numbers
// (1-based, the header being line 1 in a plain file); io.EOF at the end.
type tableReader interface {
	Next() (line int, rec []string, err error)
	Close() error
}

// openTable reads a .csv (UTF-8 with or without BOM, or GB18030) or .xlsx
// (first sheet) file.
func openTable(filename string, r io.Reader) (tableReader, error) {
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".csv", ".txt":
		return newCSVReader(r)
	case ".xlsx":
		return newXLSXReader(r)
	case ".xls":
		return nil, domain.Invalid("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV", "file", "unsupported .xls")
	}
	return nil, domain.Invalid("只能导入 .csv 或 .xlsx 文件", "file", "unsupported file type "+filepath.Ext(filename))
}

type csvReader struct {
	r   *csv.Reader
	gbk bool // the file was GB18030, decoded on the fly
}

func newCSVReader(r io.Reader) (*csvReader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	sample, err := br.Peek(1 << 16)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read file: %w", err)
	}
	var src io.Reader = br
	gbk := !validUTF8Prefix(sample)
	if gbk {
		src = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	}
	cr := csv.NewReader(src)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &csvReader{r: cr, gbk: gbk}, nil
}

// validUTF8Prefix is utf8.Valid, forgiving a rune cut at the end of the
// sample.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return true
		}
		b = b[:len(b)-1]
	}
	return len(b) == 0
}

func (c *csvReader) Next() (int, []string, error) {
	rec, err := c.r.Read()
	if err != nil {
		// FieldPos panics when Read returned no fields: take the line from
		// the parse error instead.
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return pe.Line, nil, &lineError{line: pe.Line, reason: "CSV 格式错误：" + pe.Err.Error()}
		}
		return 0, nil, err
	}
	line, _ := c.r.FieldPos(0)
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return line, nil, &lineError{line: line, reason: "含有无法识别的字符：请将文件保存为 UTF-8 或 GB18030 编码"}
		}
	}
	return line, rec, nil
}

func (c *csvReader) Close() error { return nil }

type xlsxReader struct {
	f    *excelize.File
	rows *excelize.Rows
	line int
}

func newXLSXReader(r io.Reader) (*xlsxReader, error) {
	f, err := excelize.OpenReader(r, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, domain.Invalid("无法读取 Excel 文件："+err.Error(), "file", "not a readable .xlsx file")
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		_ = f.Close()
		return nil, domain.Invalid("Excel 文件没有工作表", "file", "no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		_ = f.Close()
		return nil, domain.Invalid("无法读取 Excel 工作表："+err.Error(), "file", "unreadable sheet")
	}
	return &xlsxReader{f: f, rows: rows}, nil
}

func (x *xlsxReader) Next() (int, []string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return x.line, nil, err
		}
		return x.line, nil, io.EOF
	}
	x.line++
	cols, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return x.line, nil, &lineError{line: x.line, reason: "无法读取这一行：" + err.Error()}
	}
	return x.line, cols, nil
}

func (x *xlsxReader) Close() error {
	_ = x.rows.Close()
	return x.f.Close()
}

// normHeader reduces a column header to its comparable form: lower case,
// no spaces, underscores, asterisks or parenthesised units.
func normHeader(h string) string {
	h = strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")
	for _, open := range []string{"（", "("} {
		if i := strings.Index(h, open); i > 0 {
			h = h[:i]
		}
	}
	h = strings.ToLower(h)
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '_', '-', '*', '\u3000', '\t':
			return -1
		}
		return r
	}, h)
}

// yuanNoise drops what people write around an amount (built once: a
// Replacer is costly to build and safe to share).
var yuanNoise = strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", "元", "", " ", "")

// parseYuan reads an amount in yuan (up to 2 decimals, thousands
// separators, ¥ and 元 allowed) as fen.
func parseYuan(s string) (int64, error) {
	s = yuanNoise.Replace(s)
	if s == "" {
		return 0, errors.New("金额为空")
	}
	neg := strings.HasPrefix(s, "-")
	if neg {
		return 0, errors.New("金额不能为负数")
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || (hasFrac && (len(frac) > 2 || (frac != "" && !allDigits(frac)))) {
		// Spreadsheets may store 1234.5 as 1234.4999999999: accept a
		// float that rounds to whole fen.
		if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f < 1e13 {
			fen := math.Round(f * 100)
			if math.Abs(fen-f*100) < 1e-4*math.Max(1, f) {
				return int64(fen), nil
			}
		}
		return 0, fmt.Errorf("金额 %q 不是以元为单位、最多两位小数的数字", s)
	}
	if len(whole) > 13 {
		return 0, fmt.Errorf("金额 %q 过大", s)
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	frac = (frac + "00")[:2]
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, nil
}

var dateLayouts = []string{"2006-01-02", "2006/01/02", "2006.01.02", "2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日", "20060102", "2006-01-02 15:04:05", "2006/1/2 15:04"}

// parseDate reads a date in the usual spellings, or an Excel serial day.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 20000 && f < 80000 {
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(f)), nil
	}
	return time.Time{}, fmt.Errorf("日期 %q 无法识别，应如 2026-11-24", s)
}

// parseBool reads 是/否 style flags; empty means def.
func parseBool(s string, def bool) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return def, nil
	case "是", "公开", "y", "yes", "true", "1":
		return true, nil
	case "否", "不公开", "n", "no", "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q 应为 是 或 否", s)
}

// lineError is a problem with one line of the file that does not stop the
// reading of the next ones.
type lineError struct {
	line   int
	reason string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.reason) }
