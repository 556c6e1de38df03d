package catalog

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

var categoryColumns = []column{
	{"code", []string{"编码", "目录编码", "类别编码", "补贴编码"}, true},
	{"name", []string{"名称", "补贴名称", "类别名称", "资金名称"}, true},
	{"parent", []string{"上级编码", "所属大类编码", "大类编码", "parent_code"}, false},
	{"policy", []string{"政策依据", "依据", "policy_basis"}, true},
	{"standard", []string{"补贴标准", "标准"}, true},
	{"eligibility", []string{"申领条件", "补贴对象及条件", "补贴对象", "条件"}, true},
	{"channel", []string{"发放渠道", "兑付方式", "发放方式", "payment_channel"}, false},
	{"dept", []string{"主管部门编码", "责任部门编码", "部门编码", "dept_code", "department"}, true},
	{"level", []string{"层级", "资金层级", "补贴层级"}, true},
	{"published", []string{"是否公开"}, false},
}

var levelAliases = map[string]string{
	"中央": LevelCentral, "central": LevelCentral, "国家": LevelCentral, "国家级": LevelCentral,
	"省级": LevelProvincial, "省": LevelProvincial, "provincial": LevelProvincial,
	"市级": LevelMunicipal, "市": LevelMunicipal, "municipal": LevelMunicipal,
	"县级": LevelCounty, "县": LevelCounty, "区县": LevelCounty, "县区": LevelCounty, "county": LevelCounty,
}

var categoryCode = regexp.MustCompile(`^[0-9A-Za-z]{2,16}$`)

type categoryRow struct {
	line int
	cat  Category
}

type categoryImporter struct {
	depts    map[string]bool
	existing map[string]string // code → parent code of the stored catalog
	rows     []categoryRow
	seen     map[string]int
	parents  map[string]string // code → parent code of the file
}

func (c *categoryImporter) columns() []column { return categoryColumns }

func (c *categoryImporter) load(ctx context.Context, tx *gorm.DB) error {
	var err error
	if c.depts, err = codeSet(tx, &Department{}, "code"); err != nil {
		return err
	}
	var cats []Category
	if err := tx.Select("code", "parent_code").Find(&cats).Error; err != nil {
		return fmt.Errorf("read catalog: %w", err)
	}
	c.existing = make(map[string]string, len(cats))
	for _, cat := range cats {
		c.existing[cat.Code] = cat.ParentCode
	}
	c.seen = map[string]int{}
	c.parents = map[string]string{}
	return nil
}

func (c *categoryImporter) parse(r row, errs *lineErrors) {
	cat := Category{
		Code: r.get("code"), ParentCode: r.get("parent"), Name: MaskText(r.get("name")),
		Policy: MaskText(r.get("policy")), Standard: MaskText(r.get("standard")),
		Eligibility: MaskText(r.get("eligibility")), Channel: MaskText(r.get("channel")), DeptCode: r.get("dept"),
	}
	ok := true
	if !categoryCode.MatchString(cat.Code) {
		errs.add(r.line, "编码 %q 应为 2 到 16 位数字或字母", cat.Code)
		ok = false
	} else if prev, dup := c.seen[cat.Code]; dup {
		errs.add(r.line, "编码 %s 与第 %d 行重复", cat.Code, prev)
		ok = false
	}
	if cat.ParentCode != "" && (cat.ParentCode == cat.Code || !strings.HasPrefix(cat.Code, cat.ParentCode)) {
		errs.add(r.line, "编码 %s 应以上级编码 %s 开头", cat.Code, cat.ParentCode)
		ok = false
	}
	ok = checkLen(errs, r.line, "名称", cat.Name, 128, true) && ok
	ok = checkLen(errs, r.line, "政策依据", cat.Policy, 4000, true) && ok
	ok = checkLen(errs, r.line, "补贴标准", cat.Standard, 4000, true) && ok
	ok = checkLen(errs, r.line, "申领条件", cat.Eligibility, 4000, true) && ok
	ok = checkLen(errs, r.line, "发放渠道", cat.Channel, 128, false) && ok
	if lv, found := levelAliases[strings.ToLower(r.get("level"))]; found {
		cat.Level = lv
	} else {
		errs.add(r.line, "层级 %q 应为 中央、省级、市级 或 县级", r.get("level"))
		ok = false
	}
	if !c.depts[cat.DeptCode] {
		errs.add(r.line, "主管部门编码 %q 不存在", cat.DeptCode)
		ok = false
	}
	pub, err := parseBool(r.get("published"), true)
	if err != nil {
		errs.add(r.line, "是否公开：%v", err)
		ok = false
	}
	cat.Published = pub
	if !ok {
		return
	}
	c.seen[cat.Code] = r.line
	c.parents[cat.Code] = cat.ParentCode
	cat.Digest = digest(cat.ParentCode, cat.Name, cat.Policy, cat.Standard, cat.Eligibility, cat.Channel, cat.DeptCode, cat.Level, fmt.Sprint(cat.Published))
	c.rows = append(c.rows, categoryRow{line: r.line, cat: cat})
}

// pending is 0: the catalog is small and is written once every row,
// parents included, has been checked.
func (c *categoryImporter) pending() int { return 0 }

func (c *categoryImporter) finish(errs *lineErrors) {
	for _, r := range c.rows {
		if r.cat.ParentCode == "" {
			continue
		}
		grand, inFile := c.parents[r.cat.ParentCode]
		if !inFile {
			var stored bool
			grand, stored = c.existing[r.cat.ParentCode]
			if !stored {
				errs.add(r.line, "上级编码 %s 不在文件中，也不在已有目录中", r.cat.ParentCode)
				continue
			}
		}
		if grand != "" {
			errs.add(r.line, "上级编码 %s 不是大类：目录只有大类和小类两级", r.cat.ParentCode)
		}
	}
}

func (c *categoryImporter) flush(ctx context.Context, tx *gorm.DB, res *ImportResult) error {
	if len(c.rows) == 0 {
		return nil
	}
	var existing []Category
	if err := tx.Select("code", "digest").Find(&existing).Error; err != nil {
		return fmt.Errorf("read catalog: %w", err)
	}
	have := map[string]stored{}
	for _, e := range existing {
		have[e.Code] = stored{Digest: e.Digest}
	}
	var write []Category
	var subjects []string
	sortRows(c.rows, have, func(r *categoryRow) (string, string) { return r.cat.Code, r.cat.Digest }, nil, res,
		func(r *categoryRow, _ uint64, _ bool) {
			write = append(write, r.cat)
			subjects = append(subjects, r.cat.Subject())
		})
	c.rows = nil
	if len(write) == 0 {
		return nil
	}
	err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "code"}}, UpdateAll: true}).
		CreateInBatches(write, 500).Error
	if err != nil {
		return fmt.Errorf("write catalog: %w", err)
	}
	return RecordChange(tx, subjects...)
}

// codeSet reads one column of a table as a set.
func codeSet(tx *gorm.DB, model any, col string) (map[string]bool, error) {
	var codes []string
	if err := tx.Model(model).Pluck(col, &codes).Error; err != nil {
		return nil, fmt.Errorf("read %s: %w", col, err)
	}
	set := make(map[string]bool, len(codes))
	for _, c := range codes {
		set[c] = true
	}
	return set, nil
}
