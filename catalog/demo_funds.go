package catalog

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

var (
	demoSurnames = []rune("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	demoGiven    = []rune("国建明永春秋海军华玉兰英凤淑秀桂芳霞丽红伟志强军平东立新德福贵成利宝山林金")
	demoFirms    = []string{"建筑工程有限公司", "路桥工程有限公司", "市政工程有限公司", "水利建设有限公司"}
	demoFirmName = []string{"宏达", "鑫盛", "辽北", "兴隆", "福源", "恒通", "永安", "金鼎"}
)

// demoPerson is a made-up villager with the numbers a payment file holds;
// only the masked name is ever published.
func demoPerson(r *rand.Rand, county string) []string {
	name := string(demoSurnames[r.IntN(len(demoSurnames))])
	for i := 0; i < 1+r.IntN(2); i++ {
		name += string(demoGiven[r.IntN(len(demoGiven))])
	}
	id := fmt.Sprintf("%s%04d%02d%02d%03d", county, 1940+r.IntN(60), 1+r.IntN(12), 1+r.IntN(28), r.IntN(1000))
	id += string("0123456789X"[r.IntN(11)])
	bank := fmt.Sprintf("6217%015d", r.Int64N(1e15))
	phone := fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.Int64N(1e9))
	return []string{name, id, bank, phone}
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// demoCategory finds the code of the first minor category named after an
// item of the demo catalog.
func demoCategory(catalog [][]string, item string) string {
	for _, r := range catalog[1:] {
		if r[2] != "" && strings.HasPrefix(r[1], item) {
			return r[0]
		}
	}
	return ""
}

// demoFundRows builds, for every demo town, a road project, the monthly
// 低保 fund and (every other town) the 耕地地力保护补贴, with their payments
// to villagers and contractors in the town's villages.
func demoFundRows(towns []demoTown) (funds, disb [][]string) {
	catalog := demoCatalogRows()
	funds = [][]string{{"项目编号", "项目名称", "资金来源", "补贴目录编码", "年度", "金额", "主管部门编码", "用途", "地区代码", "状态"}}
	disb = [][]string{{"项目编号", "明细编号", "领取人", "身份证号", "银行账号", "联系电话", "详细地址", "金额", "发放日期", "村代码", "备注"}}
	r := rand.New(rand.NewPCG(2026, 11))
	for ti, t := range towns {
		if len(t.Villages) == 0 {
			continue
		}
		county := ParentOf(t.Code)
		// 1. A road project, paid to a contractor in instalments.
		road := t.Villages[ti%len(t.Villages)]
		km := 2 + r.IntN(6)
		amount := int64(km) * 50_0000_00
		code := fmt.Sprintf("%s-2026-GL", t.Code)
		status := []string{"实施中", "已完成", "已完成"}[ti%3]
		funds = append(funds, []string{code, fmt.Sprintf("%s%s通村公路硬化工程", t.Name, shortVillage(road.Name)),
			"中央财政衔接推进乡村振兴补助资金", demoCategory(catalog, "农村公路建设补助"), "2026", yuan(amount), DeptCode(county, "fg"),
			fmt.Sprintf("硬化%s通村公路%d公里，路面宽4.5米，配套排水边沟和安全设施", shortVillage(road.Name), km), t.Code, status})
		firm := string([]rune(t.Name)[:2]) + demoFirmName[ti%len(demoFirmName)] + demoFirms[ti%len(demoFirms)]
		shares := []int64{30, 40}
		if status == "已完成" {
			shares = append(shares, 25)
		}
		for i, s := range shares {
			disb = append(disb, []string{code, fmt.Sprintf("GL-%02d", i+1), firm, "", "", "", "", yuan(amount * s / 100),
				fmt.Sprintf("2026-%02d-15", 4+3*i), road.Code, fmt.Sprintf("第%d期工程进度款（%d%%）", i+1, s)})
		}
		// 2. The town's monthly 低保 fund, paid to households per village.
		code = fmt.Sprintf("%s-2026-DB", t.Code)
		var total int64
		var rows [][]string
		for vi, v := range t.Villages {
			for h := 0; h < 2+(vi+ti)%4; h++ {
				p := demoPerson(r, county)
				size := 1 + r.IntN(4)
				fen := int64(size) * int64(300+r.IntN(281)) * 100
				total += fen
				rows = append(rows, []string{code, fmt.Sprintf("DB-%s-%02d", v.Code[9:], h+1), p[0], p[1], p[2], p[3],
					fmt.Sprintf("%s%d组%d号", shortVillage(v.Name), 1+r.IntN(8), 1+r.IntN(80)), yuan(fen), "2026-10-05", v.Code,
					fmt.Sprintf("%d人户，10月低保金", size)})
			}
		}
		funds = append(funds, []string{code, t.Name + "2026年10月城乡低保金", "中央和省级财政困难群众救助补助资金",
			demoCategory(catalog, "城乡最低生活保障金"), "2026", yuan(total), DeptCode(county, "mz"),
			"按月发放城乡最低生活保障金，按户主“一卡通”账户打卡发放", t.Code, "已完成"})
		disb = append(disb, rows...)
		// 3. Every other town: 耕地地力保护补贴 by contracted area.
		if ti%2 == 1 {
			continue
		}
		code = fmt.Sprintf("%s-2026-DL", t.Code)
		total, rows = 0, nil
		for _, v := range t.Villages {
			for h := 0; h < 3; h++ {
				p := demoPerson(r, county)
				mu := 3 + r.IntN(25)
				fen := int64(mu) * 12000
				total += fen
				rows = append(rows, []string{code, fmt.Sprintf("DL-%s-%02d", v.Code[9:], h+1), p[0], p[1], p[2], "", "", yuan(fen),
					"2026-06-20", v.Code, fmt.Sprintf("确权面积%d亩", mu)})
			}
		}
		funds = append(funds, []string{code, t.Name + "2026年耕地地力保护补贴", "中央财政农业相关转移支付资金",
			demoCategory(catalog, "耕地地力保护补贴"), "2026", yuan(total + 100_000_00), DeptCode(county, "ny"),
			"按确权承包地面积发放耕地地力保护补贴，每亩120元；余款用于面积核实后补发", t.Code, "实施中"})
		disb = append(disb, rows...)
	}
	return funds, disb
}

// shortVillage drops 委员会-style suffixes: 拉马桥村委会 → 拉马桥村.
func shortVillage(name string) string {
	for _, s := range []string{"村民委员会", "居民委员会", "村委会", "居委会", "委员会"} {
		if strings.HasSuffix(name, s) {
			name = strings.TrimSuffix(name, s)
			if !strings.HasSuffix(name, "村") && !strings.HasSuffix(name, "社区") {
				if s == "居民委员会" || s == "居委会" {
					return name + "社区"
				}
				return name + "村"
			}
			return name
		}
	}
	return name
}
