package catalog

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"gorm.io/gorm"

	"sunlight/domain"
	"sunlight/internal/testdb"
)

var importNow = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// withRegions is a migrated database holding the demo regions and
// departments.
func withRegions(t testing.TB, db *gorm.DB) *gorm.DB {
	t.Helper()
	migrated(t, db)
	testdb.Setup(t, db, LoadDemoRegions)
	return db
}

func csvBytes(t testing.TB, rows [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func xlsxBytes(t testing.TB, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func importFile(t testing.TB, db *gorm.DB, kind, name string, data []byte) (ImportResult, error) {
	t.Helper()
	return Import(context.Background(), db, kind, name, bytes.NewReader(data), ImportOptions{Now: func() time.Time { return importNow }})
}

func mustImport(t testing.TB, db *gorm.DB, kind, name string, data []byte) ImportResult {
	t.Helper()
	res, err := importFile(t, db, kind, name, data)
	if err != nil {
		var ie *ImportError
		if errors.As(err, &ie) {
			for _, r := range ie.Rows {
				if len(ie.Rows) < 10 {
					t.Log(r.String())
				}
			}
		}
		t.Fatalf("import %s %s: %v", kind, name, err)
	}
	return res
}

var catalogRows = [][]string{
	{"编码", "名称", "上级编码", "政策依据", "补贴标准", "申领条件", "发放渠道", "主管部门编码", "层级"},
	{"01", "社会救助类", "", "《社会救助暂行办法》（国务院令第649号）", "按项目执行", "见各小类", "", "210124-mz", "中央"},
	{"0101", "城乡最低生活保障金", "01", "辽民发〔2021〕12号", "农村每人每月580元", "家庭人均收入低于当地低保标准", "惠民惠农财政补贴资金“一卡通”", "210124-mz", "省级"},
	{"0102", "特困人员救助供养金", "01", "《特困人员认定办法》", "每人每年9000元", "无劳动能力、无生活来源、无法定赡养人", "一卡通", "210124-mz", "县级"},
}

var catalogRowsEnglish = [][]string{
	{"code", "name", "parent", "policy", "standard", "eligibility", "channel", "dept", "level"},
	{"02", "农业生产类", "", "《中华人民共和国农业法》", "按项目", "见各小类", "", "210124-ny", "central"},
	{"0201", "耕地地力保护补贴", "02", "财农〔2016〕26号", "每亩约120元", "拥有承包耕地的农户", "一卡通", "210124-ny", "municipal"},
}

var fundRows = [][]string{
	{"项目编号", "项目名称", "资金来源", "补贴目录编码", "年度", "金额（元）", "主管部门编码", "用途", "地区代码", "状态"},
	{"FK-2026-001", "大孤家子镇道路硬化工程", "中央财政衔接推进乡村振兴补助资金", "", "2026", "1,200,000.00", "210124-ny", "硬化村道3.2公里，联系人电话13812345678", "210124101", "实施中"},
	{"FK-2026-002", "城乡低保金发放", "省级财政", "0101", "2026", "58000", "210124-mz", "按月发放低保金", "210124", "已下达"},
}

var disbursementRows = [][]string{
	{"项目编号", "明细编号", "领取人", "身份证号", "银行账号", "联系电话", "详细地址", "金额", "发放日期", "村代码", "备注"},
	{"FK-2026-002", "1", "张三丰", "210124 19800101 123X", "6222 0212 3456 7890 123", "138-1234-5678", "拉马桥村3组12号", "580", "2026-10-05", "210124101201", ""},
	{"FK-2026-002", "2", "李四", "", "", "", "", "580.00", "2026/10/5", "210124101201", "一卡通发放"},
	{"FK-2026-002", "3", "法库县宏达建筑工程有限公司", "", "", "", "", "1200.5", "2026年10月6日", "210124101202", ""},
}

func disclosureHeader() []string {
	return []string{"村代码", "公开类别", "标题", "期间", "内容", "金额", "附件", "公开日期", "公开截止日期"}
}

func testDisclosureRow(i int) []string {
	village := []string{"210124101201", "210124101202", "210115001002"}[i%3]
	return []string{village, []string{"财务公开", "低保", "四议两公开", "sanzi"}[i%4], fmt.Sprintf("第%d号事项公开", i), "2026年第三季度",
		fmt.Sprintf("户主：王小明，电话１３９１２３４５６７８，本期支出%d元。", i), fmt.Sprintf("%d.50", i), "明细表.pdf;会议记录.jpg", "2026-10-01", ""}
}

func disclosureFile(n int) [][]string {
	rows := [][]string{disclosureHeader()}
	for i := 1; i <= n; i++ {
		rows = append(rows, testDisclosureRow(i))
	}
	return rows
}

// TestImportRoundTrip imports each kind from CSV and from XLSX and reads
// it back; importing again changes nothing.
func TestImportRoundTrip(t *testing.T) {
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *gorm.DB) {
				withRegions(t, db)
				enc := map[string]func(testing.TB, [][]string) []byte{"csv": csvBytes, "xlsx": xlsxBytes}[format]
				files := []struct {
					kind string
					rows [][]string
					n    int
				}{
					{ImportCatalog, catalogRows, 3}, {ImportCatalog, catalogRowsEnglish, 2}, {ImportFunds, fundRows, 2},
					{ImportDisbursements, disbursementRows, 3}, {ImportDisclosures, disclosureFile(30), 30},
				}
				for _, f := range files {
					data := enc(t, f.rows)
					res := mustImport(t, db, f.kind, f.kind+"."+format, data)
					if res.Created != f.n || res.Rows != f.n {
						t.Errorf("%s: %+v, want %d created", f.kind, res, f.n)
					}
				}
				checkImported(t, db)
				var changes int64
				db.Model(&Change{}).Count(&changes)
				for _, f := range files {
					res := mustImport(t, db, f.kind, f.kind+"."+format, enc(t, f.rows))
					if res.Created != 0 || res.Updated != 0 || res.Unchanged != f.n {
						t.Errorf("re-import %s: %+v, want all %d unchanged", f.kind, res, f.n)
					}
				}
				var after int64
				db.Model(&Change{}).Count(&after)
				if after != changes {
					t.Errorf("re-import recorded %d changes", after-changes)
				}
				checkImported(t, db)
			})
		})
	}
}

func checkImported(t *testing.T, db *gorm.DB) {
	t.Helper()
	ctx := context.Background()
	c, err := LoadCategory(ctx, db, "0101")
	if err != nil || c.ParentCode != "01" || c.Level != LevelProvincial || c.Channel != "惠民惠农财政补贴资金“一卡通”" || c.Policy != "辽民发〔2021〕12号" {
		t.Errorf("category 0101 = %+v, %v", c, err)
	}
	tree, err := NewCategoryStore(db).Tree(ctx)
	if err != nil || len(tree) != 2 || len(tree[0].Children) != 2 || tree[1].Children[0].Level != LevelMunicipal {
		t.Errorf("tree = %+v, %v", tree, err)
	}
	var f Fund
	db.Where("code = ?", "FK-2026-001").Take(&f)
	if f.Amount != 120000000 || f.Status != FundOngoing || f.Year != 2026 || strings.Contains(f.Purpose, "13812345678") {
		t.Errorf("fund = %+v", f)
	}
	var o Original
	if err := db.Where("subject = ? AND field = ?", f.Subject(), "purpose").Take(&o).Error; err != nil || !strings.Contains(o.Value, "13812345678") {
		t.Errorf("fund purpose original = %+v, %v", o, err)
	}
	trail, err := NewFundStore(db).Trail(ctx, mustFundID(t, db, "FK-2026-002"))
	if err != nil {
		t.Fatal(err)
	}
	if trail.Paid != 58000+58000+120050 || trail.Count != 3 || len(trail.Villages) != 2 || trail.Villages[0].Total != 116000 {
		t.Errorf("trail paid %d count %d villages %+v", trail.Paid, trail.Count, trail.Villages)
	}
	if got := trail.Villages[0].Rows[0].Recipient; got != "张*丰" {
		t.Errorf("recipient = %q", got)
	}
	if got := trail.Villages[1].Rows[0].Recipient; got != "法库县宏达建筑工程有限公司" {
		t.Errorf("organisation recipient = %q", got)
	}
	if !trail.Villages[0].Rows[0].PaidOn.Equal(time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("paid on = %v", trail.Villages[0].Rows[0].PaidOn)
	}
	var origs []Original
	db.Where("subject = ?", fmt.Sprintf("disbursement:%d", trail.Villages[0].Rows[0].ID)).Order("field").Find(&origs)
	want := map[string]string{"recipient": "张三丰", "id_number": "21012419800101123X", "bank_account": "6222021234567890123", "phone": "13812345678", "address": "拉马桥村3组12号"}
	if len(origs) != len(want) {
		t.Errorf("originals = %+v", origs)
	}
	for _, o := range origs {
		if want[o.Field] != o.Value {
			t.Errorf("original %s = %q, want %q", o.Field, o.Value, want[o.Field])
		}
	}
	ds, total, err := NewDisclosureStore(db).List(ctx, DisclosureFilter{Region: "210124101201"}, Paging{PerPage: 100})
	if err != nil || total != 10 || len(ds) != 10 {
		t.Fatalf("village disclosures = %d/%d, %v", len(ds), total, err)
	}
	d, err := LoadDisclosure(ctx, db, ds[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(d.Body, "王小明") || strings.Contains(d.Body, "１３９１２３４５６７８") || !strings.Contains(d.Body, "王*明") || len(d.AttachmentList()) != 2 {
		t.Errorf("disclosure = %+v", d)
	}
	if d.DeptCode != "210124101201-cw" || d.PublishedAt.Format("2006-01-02") != "2026-10-01" {
		t.Errorf("disclosure dept %q published %v", d.DeptCode, d.PublishedAt)
	}
}

func mustFundID(t *testing.T, db *gorm.DB, code string) uint64 {
	t.Helper()
	var f Fund
	if err := db.Where("code = ?", code).Take(&f).Error; err != nil {
		t.Fatal(err)
	}
	return f.ID
}

// TestImportOneBadRow: one bad row among thousands imports nothing and is
// named with its line number.
func TestImportOneBadRow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		withRegions(t, db)
		rows := disclosureFile(3000)
		rows[2718][0] = "999999999999" // line 2719 of the file
		for _, enc := range []struct {
			name string
			fn   func(testing.TB, [][]string) []byte
		}{{"big.csv", csvBytes}, {"big.xlsx", xlsxBytes}} {
			_, err := importFile(t, db, ImportDisclosures, enc.name, enc.fn(t, rows))
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("%s: err = %v, want *ImportError", enc.name, err)
			}
			if len(ie.Rows) != 1 || ie.Rows[0].Line != 2719 || !strings.Contains(ie.Rows[0].Reason, "999999999999") {
				t.Errorf("%s: %d errors, first %+v", enc.name, len(ie.Rows), ie.Rows[0])
			}
			var n, changes int64
			db.Model(&Disclosure{}).Count(&n)
			db.Model(&Change{}).Count(&changes)
			if n != 0 || changes != 0 {
				t.Errorf("%s: %d disclosures and %d changes written", enc.name, n, changes)
			}
		}
	})
}

// TestImportErrors lists every bad row with a reason.
func TestImportErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		withRegions(t, db)
		mustImport(t, db, ImportCatalog, "c.csv", csvBytes(t, catalogRows))
		mustImport(t, db, ImportFunds, "f.csv", csvBytes(t, fundRows))
		cases := []struct {
			kind  string
			rows  [][]string
			lines []int
			want  []string
		}{
			{ImportFunds, [][]string{fundRows[0],
				{"X1", "项目", "来源", "", "1999", "12.345", "nope", "用途", "210124", "未知"},
				{"X2", "项目", "来源", "9999", "2026", "-5", "210124-ny", "用途", "21012", "已完成"},
				fundRows[1], {"FK-2026-001", "重复", "来源", "", "2026", "1", "210124-ny", "用途", "210124", "已完成"},
			}, []int{2, 2, 2, 2, 3, 3, 3, 5}, []string{"年度", "金额", "主管部门编码", "状态", "补贴目录编码", "金额", "地区代码", "重复"}},
			{ImportDisbursements, [][]string{disbursementRows[0],
				{"NOPE", "1", "张三", "", "", "", "", "1", "2026-01-01", "210124101201", ""},
				{"FK-2026-001", "1", "张三", "12345", "", "", "", "1", "yesterday", "210115001002", ""},
			}, []int{2, 3, 3, 3}, []string{"项目编号", "发放日期", "不在项目", "身份证号"}},
			{ImportDisclosures, [][]string{disclosureHeader(),
				{"210124101201", "八卦", "", "2026", "内容", "", "", "2026-10-01", "2026-09-01"},
			}, []int{2, 2, 2}, []string{"公开类别", "标题", "截止日期"}},
			{ImportCatalog, [][]string{catalogRows[0], {"0301", "小类", "03", "依据", "标准", "条件", "", "210124-mz", "县级"}},
				[]int{2}, []string{"上级编码 03"}},
			{ImportDisclosures, [][]string{{"村代码", "类别", "标题", "期间", "正文", "身份证"}}, []int{1}, []string{"未知的列"}},
		}
		for _, c := range cases {
			_, err := importFile(t, db, c.kind, "bad.csv", csvBytes(t, c.rows))
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("%s: err = %v", c.kind, err)
			}
			var got []string
			for _, r := range ie.Rows {
				got = append(got, r.String())
			}
			if len(ie.Rows) != len(c.lines) {
				t.Errorf("%s: %d errors, want %d:\n%s", c.kind, len(ie.Rows), len(c.lines), strings.Join(got, "\n"))
				continue
			}
			for i, r := range ie.Rows {
				if r.Line != c.lines[i] || !strings.Contains(r.Reason, c.want[i]) {
					t.Errorf("%s error %d = %s, want line %d about %q", c.kind, i, r.String(), c.lines[i], c.want[i])
				}
			}
		}
	})
}

// TestImportEncodings: UTF-8 with BOM and GB18030 files read the same.
func TestImportEncodings(t *testing.T) {
	db := withRegions(t, testdb.SQLite(t))
	plain := csvBytes(t, disclosureFile(5))
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(gb, plain) {
		t.Fatal("GB18030 encoding changed nothing")
	}
	if res := mustImport(t, db, ImportDisclosures, "gb.csv", gb); res.Created != 5 {
		t.Fatalf("GB18030: %+v", res)
	}
	bom := append([]byte("\xef\xbb\xbf"), plain...)
	if res := mustImport(t, db, ImportDisclosures, "bom.csv", bom); res.Unchanged != 5 {
		t.Errorf("BOM file differs from the GB18030 one: %+v", res)
	}
	var d Disclosure
	db.Order("id").Take(&d)
	if d.Title != "第1号事项公开" || KindName(d.Kind) != "低保名单" {
		t.Errorf("first disclosure = %q %q", d.Title, d.Kind)
	}
}

// TestImportUpdateAndDryRun: a changed row is updated (with a change
// record); a dry run reports but writes nothing.
func TestImportUpdateAndDryRun(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		withRegions(t, db)
		rows := disclosureFile(4)
		res, err := Import(context.Background(), db, ImportDisclosures, "d.csv", bytes.NewReader(csvBytes(t, rows)), ImportOptions{DryRun: true})
		if err != nil || res.Created != 4 || !res.DryRun {
			t.Fatalf("dry run = %+v, %v", res, err)
		}
		var n int64
		db.Model(&Disclosure{}).Count(&n)
		if n != 0 {
			t.Fatalf("dry run wrote %d rows", n)
		}
		mustImport(t, db, ImportDisclosures, "d.csv", csvBytes(t, rows))
		var first Disclosure
		db.Order("id").Take(&first)
		rows[1][4] = "更正后的内容"
		rows[1][8] = "2026-12-31"
		res = mustImport(t, db, ImportDisclosures, "d.csv", csvBytes(t, rows))
		if res.Updated != 1 || res.Unchanged != 3 {
			t.Fatalf("update = %+v", res)
		}
		var again Disclosure
		db.Where("id = ?", first.ID).Take(&again)
		if again.Body != "更正后的内容" || again.PublishUntil == nil || again.ID != first.ID {
			t.Errorf("updated = %+v", again)
		}
		if changes := testdb.Count(t, db, &Change{}, "subject = ?", first.Subject()); changes != 2 {
			t.Errorf("%d changes for %s, want 2", changes, first.Subject())
		}
		rows[1] = append(rows[1][:0:0], rows[1]...)
		rows[0] = append(rows[0], "是否公开")
		for i := 1; i < len(rows); i++ {
			rows[i] = append(rows[i], "是")
		}
		rows[1][9] = "否"
		mustImport(t, db, ImportDisclosures, "d.csv", csvBytes(t, rows))
		if _, err := LoadDisclosure(context.Background(), db, first.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("withdrawn disclosure still loads: %v", err)
		}
	})
}

// TestImportTemplates: every shipped template imports cleanly (dry run),
// in the order a data officer would load them.
func TestImportTemplates(t *testing.T) {
	db := withRegions(t, testdb.SQLite(t))
	for _, kind := range ImportKinds {
		data, err := ImportTemplate(kind)
		if err != nil {
			t.Fatal(err)
		}
		res := mustImport(t, db, kind, kind+".csv", data)
		if res.Created == 0 {
			t.Errorf("%s template imported nothing: %+v", kind, res)
		}
	}
	var o Original
	if err := db.Where("field = ?", "id_number").Take(&o).Error; err != nil || o.Value != "210124198001011234" {
		t.Errorf("id number original = %+v, %v", o, err)
	}
}
