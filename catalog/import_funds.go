package catalog

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

var fundColumns = []column{
	{"code", []string{"项目编号", "资金编号", "编号", "fund_code"}, true},
	{"name", []string{"项目名称", "名称"}, true},
	{"source", []string{"资金来源", "来源"}, true},
	{"category", []string{"补贴目录编码", "目录编码", "类别编码", "category_code"}, false},
	{"year", []string{"年度", "资金年度"}, true},
	{"amount", []string{"金额", "项目金额", "资金金额", "下达金额", "amount_yuan"}, true},
	{"dept", []string{"主管部门编码", "部门编码", "dept_code", "department"}, true},
	{"purpose", []string{"用途", "资金用途", "建设内容"}, true},
	{"region", []string{"地区代码", "行政区划代码", "区划代码", "region_code"}, true},
	{"status", []string{"状态", "项目状态"}, true},
	{"published", []string{"是否公开"}, false},
}

var statusAliases = map[string]string{
	"planned": FundPlanned, "已下达": FundPlanned, "计划": FundPlanned, "未开工": FundPlanned,
	"ongoing": FundOngoing, "实施中": FundOngoing, "在建": FundOngoing, "进行中": FundOngoing,
	"completed": FundCompleted, "已完成": FundCompleted, "已完工": FundCompleted, "完成": FundCompleted,
}

type fundRow struct {
	fund      Fund
	originals []Original
}

type fundImporter struct {
	depts, regions, cats map[string]bool
	seen                 map[string]int
	rows                 []fundRow
	next                 uint64
}

func (f *fundImporter) columns() []column { return fundColumns }

func (f *fundImporter) load(ctx context.Context, tx *gorm.DB) error {
	var err error
	if f.depts, err = codeSet(tx, &Department{}, "code"); err != nil {
		return err
	}
	if f.regions, err = codeSet(tx, &Region{}, "code"); err != nil {
		return err
	}
	if f.cats, err = codeSet(tx, &Category{}, "code"); err != nil {
		return err
	}
	f.seen = map[string]int{}
	f.next, err = nextID(tx, &Fund{})
	return err
}

func (f *fundImporter) parse(r row, errs *lineErrors) {
	in := Fund{Code: r.get("code"), Name: r.get("name"), Source: r.get("source"), CategoryCode: r.get("category"),
		DeptCode: r.get("dept"), Purpose: r.get("purpose"), RegionCode: r.get("region")}
	fund := in
	fund.Name, fund.Source, fund.Purpose = MaskText(in.Name), MaskText(in.Source), MaskText(in.Purpose)
	ok := checkLen(errs, r.line, "项目编号", fund.Code, 64, true)
	if prev, dup := f.seen[fund.Code]; dup && ok {
		errs.add(r.line, "项目编号 %s 与第 %d 行重复", fund.Code, prev)
		ok = false
	}
	ok = checkLen(errs, r.line, "项目名称", fund.Name, 200, true) && ok
	ok = checkLen(errs, r.line, "资金来源", fund.Source, 200, true) && ok
	ok = checkLen(errs, r.line, "用途", fund.Purpose, 4000, true) && ok
	if fund.CategoryCode != "" && !f.cats[fund.CategoryCode] {
		errs.add(r.line, "补贴目录编码 %q 不存在", fund.CategoryCode)
		ok = false
	}
	year, err := strconv.Atoi(r.get("year"))
	if err != nil || year < 2000 || year > 2100 {
		errs.add(r.line, "年度 %q 应为 2000 到 2100 之间的年份", r.get("year"))
		ok = false
	}
	fund.Year = year
	if fund.Amount, err = parseYuan(r.get("amount")); err != nil {
		errs.add(r.line, "金额：%v", err)
		ok = false
	}
	if !f.depts[fund.DeptCode] {
		errs.add(r.line, "主管部门编码 %q 不存在", fund.DeptCode)
		ok = false
	}
	if LevelOf(fund.RegionCode) == 0 || !f.regions[fund.RegionCode] {
		errs.add(r.line, "地区代码 %q 不存在", fund.RegionCode)
		ok = false
	}
	if st, found := statusAliases[strings.ToLower(r.get("status"))]; found {
		fund.Status = st
	} else {
		errs.add(r.line, "状态 %q 应为 已下达、实施中 或 已完成", r.get("status"))
		ok = false
	}
	if fund.Published, err = parseBool(r.get("published"), true); err != nil {
		errs.add(r.line, "是否公开：%v", err)
		ok = false
	}
	if !ok {
		return
	}
	f.seen[fund.Code] = r.line
	var orig []Original
	orig = append(orig, original("", "name", in.Name, fund.Name)...)
	orig = append(orig, original("", "source", in.Source, fund.Source)...)
	orig = append(orig, original("", "purpose", in.Purpose, fund.Purpose)...)
	fund.Digest = digest(fund.Name, fund.Source, fund.CategoryCode, strconv.Itoa(fund.Year), strconv.FormatInt(fund.Amount, 10),
		fund.DeptCode, fund.Purpose, fund.RegionCode, fund.Status, strconv.FormatBool(fund.Published), originalsDigest(orig))
	f.rows = append(f.rows, fundRow{fund: fund, originals: orig})
}

func (f *fundImporter) pending() int       { return len(f.rows) }
func (f *fundImporter) finish(*lineErrors) {}

func (f *fundImporter) flush(ctx context.Context, tx *gorm.DB, res *ImportResult) error {
	if len(f.rows) == 0 {
		return nil
	}
	codes := make([]string, len(f.rows))
	for i, r := range f.rows {
		codes[i] = r.fund.Code
	}
	have := map[string]stored{}
	if err := readStored(func() *gorm.DB { return tx.Model(&Fund{}) }, "code", codes, "", have); err != nil {
		return fmt.Errorf("read funds: %w", err)
	}
	var write []Fund
	var subjects []string
	var origs []Original
	sortRows(f.rows, have, func(r *fundRow) (string, string) { return r.fund.Code, r.fund.Digest }, &f.next, res,
		func(r *fundRow, id uint64, _ bool) {
			r.fund.ID = id
			write = append(write, r.fund)
			subjects = append(subjects, r.fund.Subject())
			origs = withSubject(origs, r.fund.Subject(), r.originals)
		})
	f.rows = f.rows[:0]
	if err := upsertByID(tx, write); err != nil {
		return fmt.Errorf("write funds: %w", err)
	}
	if err := replaceOriginals(tx, subjects, origs); err != nil {
		return err
	}
	return RecordChange(tx, subjects...)
}

// originalsDigest folds originals into a row's digest, so that a change
// only staff can see still counts as a change.
func originalsDigest(os []Original) string {
	parts := make([]string, 0, 2*len(os))
	for _, o := range os {
		parts = append(parts, o.Field, o.Value)
	}
	return digest(parts...)
}
