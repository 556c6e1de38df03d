package searchtest

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"sunlight/search"
)

// Village is one row of the national village list.
type Village struct{ Code, Name string }

// LoadVillages reads villages.csv (code,name,... as in
// ../shared/data/regions).
func LoadVillages(path string) ([]Village, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []Village
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, Village{Code: rec[0], Name: strings.TrimSpace(rec[1])})
	}
}

var projects = []string{"村道硬化", "农村饮水安全", "危房改造", "高标准农田建设", "路灯安装", "文化广场", "排水沟渠清淤", "村部维修"}
var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"}

type template struct {
	kind  string
	title func(v Village, y, q int, p string) string
	body  func(r *rand.Rand, p string) string
}

var templates = []template{
	{"cunwu", func(v Village, y, q int, _ string) string {
		return fmt.Sprintf("%s%d年第%d季度村务公开", v.Name, y, q)
	},
		func(r *rand.Rand, p string) string {
			return fmt.Sprintf("本季度召开村民代表会议%d次，议定%s等事项；受理群众诉求%d件，已处理%d件，待处理%d件。", r.IntN(5)+1, p, r.IntN(30)+3, r.IntN(20)+1, r.IntN(5))
		}},
	{"caiwu", func(v Village, y, q int, _ string) string {
		return fmt.Sprintf("%s%d年第%d季度财务公开", v.Name, y, q)
	},
		func(r *rand.Rand, p string) string {
			return fmt.Sprintf("本季度收入%d元，支出%d元，其中在建工程（%s）支出%d元，办公经费%d元，报刊费%d元。", r.IntN(900000)+10000, r.IntN(800000)+5000, p, r.IntN(300000), r.IntN(20000), r.IntN(3000))
		}},
	{"sanzi", func(v Village, _, _ int, _ string) string {
		return v.Name + "集体资金资产资源清查结果公开"
	},
		func(r *rand.Rand, _ string) string {
			return fmt.Sprintf("三资清查结果：集体资金%d元，经营性资产%d项，资源性资产%d亩，其中鱼塘%d亩、林地%d亩，已录入农村集体三资管理平台。", r.IntN(2000000), r.IntN(40)+1, r.IntN(3000)+50, r.IntN(200), r.IntN(1500))
		}},
	{"dibao", func(v Village, y, q int, _ string) string {
		return fmt.Sprintf("%s%d年第%d季度城乡最低生活保障对象名单", v.Name, y, q)
	},
		func(r *rand.Rand, _ string) string {
			return fmt.Sprintf("本季度享受最低生活保障%d户%d人，月发放低保金%d元。名单：%s*、%s*%s（家庭人口%d人）。", r.IntN(30)+1, r.IntN(60)+1, r.IntN(90000)+1000, surnames[r.IntN(10)], surnames[r.IntN(10)], "明", r.IntN(5)+1)
		}},
	{"tekun", func(v Village, y, _ int, _ string) string {
		return fmt.Sprintf("%s%d年特困人员供养名单", v.Name, y)
	},
		func(r *rand.Rand, _ string) string {
			return fmt.Sprintf("本村特困人员%d人，其中集中供养%d人、分散供养%d人，基本生活标准每人每月%d元。", r.IntN(10)+1, r.IntN(5), r.IntN(8), r.IntN(500)+700)
		}},
	{"gongcheng", func(v Village, y, _ int, p string) string {
		return fmt.Sprintf("%s%d年%s工程项目公示", v.Name, y, p)
	},
		func(r *rand.Rand, p string) string {
			state := []string{"在建工程，预计年底完工", "已竣工验收", "已完成招标，待开工"}[r.IntN(3)]
			return fmt.Sprintf("项目名称：%s；总投资%d万元；资金来源：财政衔接资金；施工单位：某建设有限公司；当前进度：%s。", p, r.IntN(300)+5, state)
		}},
	{"huinong", func(v Village, y, _ int, _ string) string {
		return fmt.Sprintf("%s%d年耕地地力保护补贴发放公示", v.Name, y)
	},
		func(r *rand.Rand, _ string) string {
			return fmt.Sprintf("惠农补贴按确权面积发放，本村%d户，面积%d亩，每亩%d元，合计%d元，已通过一卡通发放到户。", r.IntN(400)+20, r.IntN(8000)+100, r.IntN(50)+80, r.IntN(900000)+10000)
		}},
	{"zhaijidi", func(v Village, y, _ int, _ string) string {
		return fmt.Sprintf("%s%d年宅基地审批结果公示", v.Name, y)
	},
		func(r *rand.Rand, _ string) string {
			return fmt.Sprintf("本批次农村宅基地申请%d件，经村民代表会议讨论、乡镇审核，批准%d件，待处理%d件。申请人%s*等。", r.IntN(10)+1, r.IntN(8), r.IntN(3), surnames[r.IntN(10)])
		}},
	{"fabao", func(v Village, y, _ int, _ string) string {
		return fmt.Sprintf("%s%d年集体资产发包结果公示", v.Name, y)
	},
		func(r *rand.Rand, _ string) string {
			return fmt.Sprintf("村集体鱼塘%d亩、机动地%d亩公开竞价发包，承包期%d年，年承包费%d元，中标人%s*。", r.IntN(100)+5, r.IntN(300), r.IntN(10)+3, r.IntN(200000)+5000, surnames[r.IntN(10)])
		}},
	{"siyi", func(v Village, y, _ int, p string) string {
		return fmt.Sprintf("%s关于%s的四议两公开决议", v.Name, p)
	},
		func(r *rand.Rand, p string) string {
			return fmt.Sprintf("按照四议两公开工作法，经村党组织提议、村两委会议商议、党员大会审议、村民代表会议决议，同意实施%s项目，预算%d万元，危房改造户%d户。", p, r.IntN(200)+3, r.IntN(6))
		}},
}

// Generate makes n village disclosures spread over villages, calling fn
// with each; the same seed gives the same documents.
func Generate(villages []Village, n int, seed uint64, fn func(d search.Document) error) error {
	r := rand.New(rand.NewPCG(seed, 1))
	for i := 1; i <= n; i++ {
		v := villages[r.IntN(len(villages))]
		t := templates[r.IntN(len(templates))]
		y, q := 2019+r.IntN(7), r.IntN(4)+1
		p := projects[r.IntN(len(projects))]
		date := time.Date(y, time.Month(q*3-2+r.IntN(3)), r.IntN(28)+1, 9, 0, 0, 0, time.UTC)
		d := search.Document{ID: fmt.Sprintf("disclosure:%d", i), Type: search.TypeDisclosure, Title: t.title(v, y, q, p),
			Body: t.body(r, p), RegionCode: v.Code, DeptCode: v.Code + "-cw", Kind: t.kind, Year: y, Date: date,
			Amount: int64(r.IntN(50000000)), URL: fmt.Sprintf("/disclosures/%d", i)}
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}
