package portal

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/url"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"sunlight/catalog"
)

// Privacy probes: personal numbers in the spellings people type, which
// the fixture hides in columns and free text.
const (
	probeID    = "210124198001011234"
	probeIDX   = "21012419800101123X"
	probePhone = "13812345678"
	probeBank  = "6222021234567890123"
	probeName  = "张三丰"
	probeAddr  = "3组12号"
)

var probeSpellings = []string{
	probeID, "210124 19800101 1234", "210124-19800101-1234", "２１０１２４１９８００１０１１２３４", probeIDX, "21012419800101123x",
	probePhone, "138 1234 5678", "138-1234-5678", "１３８１２３４５６７８", "+86 138 1234 5678",
	probeBank, "6222 0212 3456 7890 123", "6222-0212-3456-7890-123", "６２２２０２１２３４５６７８９０１２３",
}

func importCSV(t testing.TB, db *gorm.DB, kind string, rows [][]string) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if _, err := catalog.Import(context.Background(), db, kind, kind+".csv", &b,
		catalog.ImportOptions{Now: func() time.Time { return fixedNow }}); err != nil {
		t.Fatalf("import %s: %v", kind, err)
	}
}

// publishedServer is a test portal with a small published data set: two
// catalog levels, two funds with payments in two villages, and
// disclosures of several kinds, seeded with personal numbers that must
// never be published.
func publishedServer(t testing.TB, db *gorm.DB) *Server {
	t.Helper()
	s := newTestServer(t, db)
	importCSV(t, db, catalog.ImportCatalog, [][]string{
		{"编码", "名称", "上级编码", "政策依据", "补贴标准", "申领条件", "发放渠道", "主管部门编码", "层级"},
		{"01", "社会救助类", "", "《社会救助暂行办法》", "按小类", "见小类", "", "210124-mz", "中央"},
		{"0101", "城乡最低生活保障金", "01", "辽民发〔2021〕12号", "每人每月580元，咨询电话" + probeSpellings[8], "人均收入低于低保标准", "一卡通", "210124-mz", "省级"},
		{"0102", "特困人员救助供养金", "01", "《特困人员认定办法》", "每人每年9000元", "无劳动能力", "一卡通", "210124-mz", "县级"},
		{"02", "农业生产发展类", "", "《农业法》", "按小类", "见小类", "", "210124-ny", "中央"},
		{"0201", "耕地地力保护补贴", "02", "财农〔2016〕26号", "每亩120元", "承包耕地农户", "一卡通", "210124-ny", "中央"},
	})
	importCSV(t, db, catalog.ImportFunds, [][]string{
		{"项目编号", "项目名称", "资金来源", "补贴目录编码", "年度", "金额", "主管部门编码", "用途", "地区代码", "状态"},
		{"F-DB", "大孤家子镇2026年10月低保金", "省级财政", "0101", "2026", "5000", "210124-mz", "按月发放，经办人电话" + probeSpellings[9] + "，身份证" + probeSpellings[3], "210124101", "已完成"},
		{"F-GL", "拉马桥村道路硬化", "衔接资金", "", "2026", "100000", "210124-fg", "硬化村道1公里", "210124101", "实施中"},
	})
	importCSV(t, db, catalog.ImportDisbursements, [][]string{
		{"项目编号", "明细编号", "领取人", "身份证号", "银行账号", "联系电话", "详细地址", "金额", "发放日期", "村代码", "备注"},
		{"F-DB", "1", probeName, probeSpellings[1], probeSpellings[12], probeSpellings[7], "拉马桥村" + probeAddr, "580", "2026-10-05", "210124101201", "卡号" + probeSpellings[13]},
		{"F-DB", "2", "李四", probeSpellings[4], "", probeSpellings[10], "", "1160", "2026-10-05", "210124101201", ""},
		{"F-DB", "3", "王五", "", probeBank, "", "", "870.50", "2026-10-06", "210124101202", "电话" + probeSpellings[6]},
		{"F-GL", "1", "法库县宏达建筑工程有限公司", "", "", "", "", "30000", "2026-05-15", "210124101201", "第1期进度款"},
		{"F-GL", "2", "法库县宏达建筑工程有限公司", "", "", "", "", "40000", "2026-08-15", "210124101201", "第2期进度款"},
	})
	importCSV(t, db, catalog.ImportDisclosures, [][]string{
		{"村代码", "公开类别", "标题", "期间", "内容", "金额", "附件", "公开日期", "公开截止日期", "是否公开"},
		{"210124101201", "低保名单", "拉马桥村2026年10月低保对象公示", "2026年10月",
			"户主：" + probeName + "，身份证" + probeSpellings[2] + "，电话" + probeSpellings[8] + "，住拉马桥村" + probeAddr + "，卡号" + probeSpellings[14] + "，2人，1160元",
			"1160", "花名册" + probeSpellings[0] + ".pdf", "2026-10-08", "2027-10-31", "是"},
		{"210124101201", "财务公开", "拉马桥村2026年第三季度财务收支公开", "2026年第三季度", "收入12.5万元\n支出9.8万元", "98000", "", "2026-10-10", "", "是"},
		{"210124101201", "四议两公开", "=HYPERLINK(\"http://evil.example\",\"点我\")", "2026年9月", "<script>alert(1)</script>决议", "", "", "2026-09-28", "", "是"},
		{"210124101201", "宅基地", "已撤回的宅基地公示", "2026年", "撤回", "", "", "2026-08-01", "", "否"},
		{"210124101201", "工程项目", "已过期的工程公示", "2025年", "过期", "", "", "2025-08-01", "2025-09-01", "是"},
		{"210124101202", "村务公开", "大岭村2026年村务公开", "2026年", "村规民约修订", "", "", "2026-03-01", "", "是"},
	})
	return s
}

// reportSubject returns the subject of the page's 我要举报 link, or "".
func reportSubject(t testing.TB, doc *goquery.Document) string {
	t.Helper()
	a := doc.Find(`a.btn-report[href^="/report?"]`)
	if a.Length() != 1 || a.Text() != "我要举报" {
		t.Errorf("page has %d 我要举报 links", a.Length())
		return ""
	}
	u, err := url.Parse(a.AttrOr("href", ""))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("subject")
}

// getBody fetches path (no compression) and returns status and body.
func getBody(t testing.TB, s *Server, path string) (int, []byte) {
	t.Helper()
	resp, body := get(t, s, path)
	return resp.StatusCode, body
}

func idOf(t testing.TB, db *gorm.DB, model any, where string, args ...any) uint64 {
	t.Helper()
	var id uint64
	if err := db.Model(model).Where(where, args...).Pluck("id", &id).Error; err != nil || id == 0 {
		t.Fatalf("no row %s %v: %v", where, args, err)
	}
	return id
}
