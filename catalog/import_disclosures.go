package catalog

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

var disclosureColumns = []column{
	{"village", []string{"村代码", "所在村代码", "村社区代码", "village_code"}, true},
	{"kind", []string{"公开类别", "公开类型", "类别", "事项类别"}, true},
	{"title", []string{"标题", "公开标题", "名称"}, true},
	{"period", []string{"期间", "公开期间", "所属期间", "时段"}, true},
	{"body", []string{"内容", "正文", "公开内容"}, true},
	{"amount", []string{"金额", "涉及金额", "amount_yuan"}, false},
	{"attachments", []string{"附件", "附件名称"}, false},
	{"published_at", []string{"公开日期", "发布日期", "公布日期"}, false},
	{"publish_until", []string{"公开截止日期", "截止日期", "公示截止日期"}, false},
	{"dept", []string{"责任单位编码", "部门编码", "dept_code"}, false},
	{"published", []string{"是否公开"}, false},
}

// kindAliases maps what people write in the kind column to a kind code.
var kindAliases = func() map[string]string {
	m := map[string]string{
		"村务": DisclosureVillage, "党务": DisclosureParty, "财务": DisclosureFinance,
		"三资": DisclosureAssets, "资金资产资源": DisclosureAssets, "三资公开": DisclosureAssets,
		"低保": DisclosureDibao, "最低生活保障": DisclosureDibao, "低保公示": DisclosureDibao,
		"特困": DisclosureTekun, "特困供养": DisclosureTekun, "五保": DisclosureTekun, "特困人员供养": DisclosureTekun,
		"工程": DisclosureProject, "工程项目公开": DisclosureProject, "项目": DisclosureProject,
		"惠农": DisclosureSubsidy, "惠民惠农补贴": DisclosureSubsidy, "补贴": DisclosureSubsidy,
		"宅基地": DisclosureHomestead, "发包": DisclosureContract, "集体资产": DisclosureContract,
		"四议两公开": DisclosureDecision, "4+2": DisclosureDecision, "决策公开": DisclosureDecision,
	}
	for _, k := range DisclosureKinds {
		m[k.Code] = k.Code
		m[k.Name] = k.Code
	}
	return m
}()

type disclosureRow struct {
	d         Disclosure
	line      int
	originals []Original
}

type disclosureImporter struct {
	now      time.Time
	villages map[string]bool
	depts    map[string]bool
	seen     map[string]int32 // natural key → line
	rows     []disclosureRow
	next     uint64
	// empty: the table held no rows when the import began, so no row of
	// the file can exist yet (the unique key still guards against a
	// concurrent import) and the per-batch lookups are skipped.
	empty bool
}

func (d *disclosureImporter) columns() []column { return disclosureColumns }

func (d *disclosureImporter) load(ctx context.Context, tx *gorm.DB) error {
	var err error
	if d.villages, err = codeSet(tx.Where("level = ?", Village), &Region{}, "code"); err != nil {
		return err
	}
	if d.depts, err = codeSet(tx, &Department{}, "code"); err != nil {
		return err
	}
	d.seen = map[string]int32{}
	d.next, err = nextID(tx, &Disclosure{})
	d.empty = d.next == 1
	return err
}

func (d *disclosureImporter) parse(r row, errs *lineErrors) {
	ok := true
	in := Disclosure{VillageCode: r.get("village"), Title: r.get("title"), Period: r.get("period"),
		Body: r.get("body"), Attachments: r.get("attachments"), DeptCode: r.get("dept")}
	out := in
	out.Title, out.Body = MaskText(in.Title), MaskText(in.Body)
	out.Attachments = MaskText(strings.Join(strings.FieldsFunc(in.Attachments, func(r rune) bool {
		return r == '\n' || r == ';' || r == '；' || r == '|'
	}), "\n"))
	if !d.villages[out.VillageCode] {
		errs.add(r.line, "村代码 %q 不是已有的村（社区）", out.VillageCode)
		ok = false
	}
	kind, found := kindAliases[strings.ToLower(r.get("kind"))]
	if !found {
		errs.add(r.line, "公开类别 %q 不认识，应为 村务公开、党务公开、财务公开、三资管理、低保名单、特困供养名单、工程项目、惠农补贴、宅基地审批、集体资产发包 或 四议两公开", r.get("kind"))
		ok = false
	}
	out.Kind = kind
	ok = checkLen(errs, r.line, "标题", out.Title, 200, true) && ok
	ok = checkLen(errs, r.line, "期间", out.Period, 32, true) && ok
	ok = checkLen(errs, r.line, "内容", out.Body, 20000, true) && ok
	ok = checkLen(errs, r.line, "附件", out.Attachments, 2000, false) && ok
	var err error
	if v := r.get("amount"); v != "" {
		if out.Amount, err = parseYuan(v); err != nil {
			errs.add(r.line, "金额：%v", err)
			ok = false
		}
	}
	out.PublishedAt = time.Date(d.now.Year(), d.now.Month(), d.now.Day(), 0, 0, 0, 0, time.UTC)
	if v := r.get("published_at"); v != "" {
		if out.PublishedAt, err = parseDate(v); err != nil {
			errs.add(r.line, "公开日期：%v", err)
			ok = false
		}
	}
	if v := r.get("publish_until"); v != "" {
		until, err := parseDate(v)
		switch {
		case err != nil:
			errs.add(r.line, "公开截止日期：%v", err)
			ok = false
		case !until.After(out.PublishedAt):
			errs.add(r.line, "公开截止日期 %s 应晚于公开日期 %s", until.Format("2006-01-02"), out.PublishedAt.Format("2006-01-02"))
			ok = false
		default:
			out.PublishUntil = &until
		}
	}
	if out.DeptCode == "" && d.depts[DeptCode(out.VillageCode, "cw")] {
		out.DeptCode = DeptCode(out.VillageCode, "cw")
	} else if out.DeptCode != "" && !d.depts[out.DeptCode] {
		errs.add(r.line, "责任单位编码 %q 不存在", out.DeptCode)
		ok = false
	}
	if out.Published, err = parseBool(r.get("published"), true); err != nil {
		errs.add(r.line, "是否公开：%v", err)
		ok = false
	}
	if !ok {
		return
	}
	out.NKey = disclosureKey(out.VillageCode, out.Kind, out.Period, out.Title)
	if prev, dup := d.seen[out.NKey]; dup {
		errs.add(r.line, "与第 %d 行重复（同一村、类别、期间和标题）", prev)
		return
	}
	d.seen[out.NKey] = int32(r.line)
	var orig []Original
	orig = append(orig, original("", "title", in.Title, out.Title)...)
	orig = append(orig, original("", "body", in.Body, out.Body)...)
	until := ""
	if out.PublishUntil != nil {
		until = out.PublishUntil.Format("2006-01-02")
	}
	out.Digest = digest(out.Body, strconv.FormatInt(out.Amount, 10), out.Attachments, out.DeptCode,
		out.PublishedAt.Format("2006-01-02"), until, strconv.FormatBool(out.Published), originalsDigest(orig))
	d.rows = append(d.rows, disclosureRow{d: out, line: r.line, originals: orig})
}

func (d *disclosureImporter) pending() int       { return len(d.rows) }
func (d *disclosureImporter) finish(*lineErrors) {}

func (d *disclosureImporter) flush(ctx context.Context, tx *gorm.DB, res *ImportResult) error {
	if len(d.rows) == 0 {
		return nil
	}
	have := map[string]stored{}
	if !d.empty {
		keys := make([]string, len(d.rows))
		for i, r := range d.rows {
			keys[i] = r.d.NKey
		}
		if err := readStored(func() *gorm.DB { return tx.Model(&Disclosure{}) }, "nkey", keys, "", have); err != nil {
			return fmt.Errorf("read disclosures: %w", err)
		}
	}
	var created, updated []Disclosure
	var newOrigs, changedOrigs []Original
	var changedSubjects []string
	sortRows(d.rows, have, func(r *disclosureRow) (string, string) { return r.d.NKey, r.d.Digest }, &d.next, res,
		func(r *disclosureRow, id uint64, isNew bool) {
			r.d.ID = id
			if isNew {
				created = append(created, r.d)
				newOrigs = withSubject(newOrigs, r.d.Subject(), r.originals)
				return
			}
			updated = append(updated, r.d)
			changedSubjects = append(changedSubjects, r.d.Subject())
			changedOrigs = withSubject(changedOrigs, r.d.Subject(), r.originals)
		})
	d.rows = d.rows[:0]
	if err := insertDisclosures(ctx, tx, created); err != nil {
		return err
	}
	if err := upsertByID(tx, updated); err != nil {
		return fmt.Errorf("write disclosures: %w", err)
	}
	if err := insertOriginals(ctx, tx, newOrigs); err != nil {
		return err
	}
	if err := replaceOriginals(tx, changedSubjects, changedOrigs); err != nil {
		return err
	}
	if len(created) > 0 {
		// New rows have consecutive ids: one statement records them all.
		concat := "'disclosure:' || id"
		if tx.Dialector.Name() == "mysql" {
			concat = "CONCAT('disclosure:', id)"
		}
		err := tx.Exec("INSERT INTO catalog_changes (subject, created_at) SELECT "+concat+", ? FROM catalog_disclosures WHERE id >= ? AND id <= ? ORDER BY id",
			tx.NowFunc(), created[0].ID, created[len(created)-1].ID).Error
		if err != nil {
			return fmt.Errorf("record changes: %w", err)
		}
	}
	return recordChanges(ctx, tx, changedSubjects)
}

// insertDisclosures writes new disclosures the fast way.
func insertDisclosures(ctx context.Context, tx *gorm.DB, rows []Disclosure) error {
	if len(rows) == 0 {
		return nil
	}
	b, err := newBulkInsert(ctx, tx, "catalog_disclosures", "id", "nkey", "village_code", "kind", "title", "period", "body",
		"amount", "attachments", "dept_code", "published_at", "publish_until", "published", "digest")
	if err != nil {
		return err
	}
	for _, d := range rows {
		var until any
		if d.PublishUntil != nil {
			until = *d.PublishUntil
		}
		if err := b.add(d.ID, d.NKey, d.VillageCode, d.Kind, d.Title, d.Period, d.Body, d.Amount, d.Attachments,
			d.DeptCode, d.PublishedAt, until, d.Published, d.Digest); err != nil {
			_ = b.close()
			return err
		}
	}
	return b.close()
}
