package catalog

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// demoDisclosureRows builds six disclosures for every demo village: its
// quarterly accounts, its 低保 list, a 四议两公开 decision and three more of
// the other kinds in turn. Names and numbers in the text are masked by
// the import, as they would be for a real file.
func demoDisclosureRows(towns []demoTown) [][]string {
	rows := [][]string{{"村代码", "公开类别", "标题", "期间", "内容", "金额", "附件", "公开日期", "公开截止日期"}}
	r := rand.New(rand.NewPCG(2026, 24))
	n := 0
	for _, t := range towns {
		county := ParentOf(t.Code)
		for _, v := range t.Villages {
			name := shortVillage(v.Name)
			add := func(kind, title, period, body string, fen int64, attach, published, until string) {
				amount := ""
				if fen > 0 {
					amount = yuan(fen)
				}
				rows = append(rows, []string{v.Code, kind, title, period, body, amount, attach, published, until})
			}
			income := int64(80_000+r.IntN(120_000)) * 100
			spend := income * int64(60+r.IntN(35)) / 100
			add("财务公开", name+"2026年第三季度财务收支公开", "2026年第三季度",
				fmt.Sprintf("一、收入合计%s元，其中上级转移支付%s元，集体资产发包收入%s元。\n二、支出合计%s元，其中村干部报酬%s元，村内道路和路灯维护%s元，办公费%s元。\n三、期末结余%s元。\n以上收支经村务监督委员会审核。",
					yuan(income), yuan(income*6/10), yuan(income*4/10), yuan(spend), yuan(spend*45/100), yuan(spend*35/100), yuan(spend*20/100), yuan(income-spend)),
				spend, "收支明细表.pdf;村务监督委员会审核意见.jpg", "2026-10-10", "")
			var list []string
			var total int64
			for h := 0; h < 2+r.IntN(4); h++ {
				p := demoPerson(r, county)
				size := 1 + r.IntN(4)
				fen := int64(size) * int64(300+r.IntN(281)) * 100
				total += fen
				list = append(list, fmt.Sprintf("户主：%s，保障人口%d人，月保障金%s元", p[0], size, yuan(fen)))
			}
			add("低保名单", name+"2026年10月城乡低保对象公示", "2026年10月",
				"经入户调查、民主评议和乡镇审核，以下家庭享受城乡最低生活保障：\n"+strings.Join(list, "\n")+"\n如有异议，请在公示期内向乡镇或通过本平台反映。",
				total, "", "2026-10-08", "2027-10-31")
			topic := []string{"村内道路维修", "村部院内路灯安装", "灌溉渠清淤", "村集体鱼塘发包", "文化广场建设", "垃圾收集点改造"}[n%6]
			add("四议两公开", fmt.Sprintf("%s关于%s的决议公开", name, topic), "2026年9月",
				fmt.Sprintf("按照“四议两公开”工作法：\n1. 村党组织提议：%s；\n2. 村“两委”会议商议通过；\n3. 党员大会审议，应到%d人，实到%d人，同意%d人；\n4. 村民代表会议决议，应到%d人，实到%d人，同意%d人。\n决议结果已于村务公开栏公开，实施结果将另行公开。",
					topic, 30+n%20, 28+n%20, 27+n%20, 25+n%10, 23+n%10, 22+n%10),
				int64(20_000+r.IntN(80_000))*100, "会议记录.pdf", "2026-09-28", "")
			for k := 0; k < 3; k++ {
				demoExtra(add, r, county, name, (n+k)%7)
			}
			n++
		}
	}
	return rows
}

type addFunc func(kind, title, period, body string, fen int64, attach, published, until string)

// demoExtra adds one disclosure of a rotating kind.
func demoExtra(add addFunc, r *rand.Rand, county, village string, which int) {
	switch which {
	case 0:
		mu := 800 + r.IntN(3000)
		add("惠农补贴", village+"2026年耕地地力保护补贴发放情况公开", "2026年",
			fmt.Sprintf("本村确权承包地面积%d亩，补贴标准每亩120元，共发放%s元，已通过“一卡通”打卡到户。", mu, yuan(int64(mu)*12000)),
			int64(mu)*12000, "补贴发放花名册（已脱敏）.pdf", "2026-07-01", "")
	case 1:
		add("三资管理", village+"集体资产资源清查结果公开", "2026年",
			fmt.Sprintf("集体经营性资产：村部办公用房%d平方米、仓库%d平方米；资源性资产：机动地%d亩、坑塘水面%d亩、林地%d亩；集体资金存款%s元。",
				200+r.IntN(400), 100+r.IntN(300), 50+r.IntN(300), 5+r.IntN(40), 20+r.IntN(200), yuan(int64(50_000+r.IntN(400_000))*100)),
			0, "三资台账.xlsx", "2026-03-15", "")
	case 2:
		p := demoPerson(r, county)
		add("宅基地审批", village+"农村宅基地申请审批结果公示", "2026年第三季度",
			fmt.Sprintf("申请人：%s，联系电话%s，申请在%s%d组原址翻建住宅，宅基地面积%d平方米，建筑面积%d平方米。经村民代表会议讨论和乡镇审核，同意申请。",
				p[0], p[3], village, 1+r.IntN(8), 150+r.IntN(80), 90+r.IntN(60)),
			0, "", "2026-08-20", "2026-12-20")
	case 3:
		p := demoPerson(r, county)
		fen := int64(5_000+r.IntN(30_000)) * 100
		add("集体资产发包", village+"集体鱼塘承包经营权发包结果公开", "2026年",
			fmt.Sprintf("经村民代表会议决议，采取公开竞价方式发包集体鱼塘%d亩，承包期5年。承包人：%s，年承包费%s元，合同已签订并报乡镇农经站备案。", 10+r.IntN(40), p[0], yuan(fen)),
			fen, "发包合同.pdf", "2026-04-02", "")
	case 4:
		fen := int64(100_000+r.IntN(400_000)) * 100
		add("工程项目", village+"村内巷道硬化工程项目公开", "2026年",
			fmt.Sprintf("项目总投资%s元，硬化巷道%d米，由乡镇统一招标，施工单位为%s，工期2026年5月至8月，已通过竣工验收。", yuan(fen), 500+r.IntN(2500), "法库县"+demoFirmName[r.IntN(len(demoFirmName))]+"建筑工程有限公司"),
			fen, "竣工验收报告.pdf", "2026-09-05", "")
	case 5:
		add("村务公开", village+"2026年村级重点工作安排公开", "2026年",
			"一、推进人居环境整治，开展村庄清洁行动；\n二、做好秋季防火和安全生产；\n三、落实惠民惠农政策，及时公开补贴发放情况；\n四、完善村规民约，推进移风易俗。",
			0, "", "2026-02-20", "")
	default:
		add("党务公开", village+"党支部2026年第三季度党费收缴情况公开", "2026年第三季度",
			fmt.Sprintf("本季度应交党费党员%d名，已全部按时足额交纳，共计%s元，已上缴乡镇党委。", 20+r.IntN(30), yuan(int64(300+r.IntN(700))*100)),
			0, "", "2026-10-12", "")
	}
}
