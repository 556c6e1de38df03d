package catalog

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// demoItem is a minor category of the demo catalog.
type demoItem struct{ name, standard, eligibility string }

// demoMajor is a major category on the Shenyang model (14 major categories).
type demoMajor struct {
	name, dept, ministry, short string
	items                       []demoItem
}

var demoMajors = []demoMajor{
	{"社会救助类", "mz", "民政部", "民", []demoItem{
		{"城乡最低生活保障金", "农村低保标准每人每月580元，按家庭人均收入与标准的差额发放", "共同生活的家庭成员人均收入低于当地低保标准，且家庭财产状况符合规定"},
		{"特困人员救助供养金", "基本生活标准每人每年9000元，照料护理按失能等级分档", "无劳动能力、无生活来源、无法定赡养抚养扶养义务人或其无履行能力的老年人、残疾人和未成年人"},
		{"临时救助金", "一般不超过当地月低保标准的6倍，急难型可先行救助", "因突发事件、意外伤害、重大疾病等导致基本生活暂时出现严重困难的家庭或个人"},
		{"低保边缘家庭救助金", "按月低保标准的30%给予生活补助", "家庭人均收入高于低保标准但低于低保标准1.5倍，且财产状况符合规定"},
		{"孤儿基本生活费", "集中供养每人每月1800元，社会散居每人每月1400元", "经民政部门认定的孤儿"},
		{"事实无人抚养儿童生活补贴", "参照社会散居孤儿标准，每人每月1400元", "父母双方均符合重残、重病、服刑、失联等情形之一的儿童"},
		{"流浪乞讨人员救助资金", "按实际救助天数和项目据实结算", "生活无着的流浪、乞讨人员"},
		{"困难群众取暖补贴", "每户每年一次性发放800元", "城乡低保、特困供养对象家庭"},
		{"自然灾害生活救助资金", "按受灾程度分档，倒损住房重建每户不超过2万元", "因自然灾害造成基本生活困难的受灾群众"},
		{"困难群众价格临时补贴", "按当月低保标准的一定比例发放", "价格上涨联动机制启动期间的低保、特困等对象"},
	}},
	{"社会福利类", "mz", "民政部", "民", []demoItem{
		{"困难残疾人生活补贴", "每人每月100元", "低保家庭中的残疾人，以及其他困难残疾人"},
		{"重度残疾人护理补贴", "一级每人每月100元，二级每人每月80元", "残疾等级为一级、二级且需要长期照护的重度残疾人"},
		{"高龄老人津贴", "80至89周岁每人每月50元，90至99周岁每人每月100元，百岁以上每人每月500元", "具有本地户籍的80周岁以上老年人"},
		{"经济困难老年人养老服务补贴", "每人每月100元，可用于购买居家养老服务", "低保、低保边缘家庭中60周岁以上的老年人"},
		{"经济困难失能老年人护理补贴", "每人每月150元", "经评估为失能的经济困难老年人"},
		{"残疾儿童康复救助资金", "每人每年不超过1.5万元", "0至6岁视力、听力、言语、肢体、智力等残疾儿童和孤独症儿童"},
		{"殡葬惠民补贴", "基本殡葬服务费用每例减免1500元", "本地户籍困难群众和自愿节地生态安葬者"},
		{"困难残疾人家庭无障碍改造补贴", "每户不超过5000元", "有改造需求的低收入残疾人家庭"},
		{"农村互助幸福院运营补贴", "每院每年2万元", "正常运营并服务农村老年人的互助幸福院"},
	}},
	{"优待抚恤类", "mz", "退役军人事务部", "退役", []demoItem{
		{"伤残抚恤金", "按伤残等级和属性执行国家标准", "依法评定伤残等级的退役军人及其他人员"},
		{"在乡复员军人定期生活补助", "按国家标准按月发放", "在乡退伍红军老战士、复员军人"},
		{"带病回乡退伍军人定期生活补助", "按国家标准按月发放", "经认定的带病回乡退伍军人"},
		{"烈士遗属定期抚恤金", "按国家标准按月发放", "烈士遗属"},
		{"参战参试退役人员生活补助", "按国家标准按月发放", "参战、参加核试验的退役人员"},
		{"义务兵家庭优待金", "按上年度当地农村居民人均可支配收入的一定比例发放", "本地入伍的义务兵家庭"},
		{"退役士兵自主就业一次性经济补助", "按服役年限计发", "自主就业的退役士兵"},
		{"重点优抚对象医疗补助", "按实际医疗费用的一定比例补助", "重点优抚对象"},
	}},
	{"就业创业类", "cz", "人力资源社会保障部", "人社", []demoItem{
		{"公益性岗位补贴", "按当地最低工资标准给予岗位补贴", "安置就业困难人员的公益性岗位"},
		{"灵活就业人员社会保险补贴", "按实际缴费的三分之二给予补贴，期限不超过3年", "灵活就业的就业困难人员和离校2年内未就业高校毕业生"},
		{"职业技能培训补贴", "按培训合格人数和职业分类给予每人600至3000元", "参加职业技能培训并取得证书的劳动者"},
		{"一次性创业补贴", "每户5000元", "首次创办小微企业或从事个体经营且正常经营1年以上的人员"},
		{"创业担保贷款贴息", "按贷款合同利率的一定比例贴息", "符合条件的个人创业者和小微企业"},
		{"脱贫人口外出务工交通补贴", "跨省务工每人每年不超过1000元", "外出务工的脱贫人口和监测对象"},
		{"就业见习补贴", "按当地最低工资标准的70%发放", "接收高校毕业生等参加就业见习的单位"},
	}},
	{"教育资助类", "cz", "教育部", "教", []demoItem{
		{"学前教育幼儿资助", "每生每年1000元", "家庭经济困难幼儿、孤儿和残疾儿童"},
		{"义务教育家庭经济困难寄宿生生活费补助", "小学每生每年1000元，初中每生每年1250元", "义务教育阶段家庭经济困难寄宿生"},
		{"普通高中国家助学金", "平均每生每年2000元", "普通高中家庭经济困难学生"},
		{"中等职业教育国家助学金", "每生每年2000元", "中职学校一、二年级涉农专业和家庭经济困难学生"},
		{"中等职业教育免学费补助", "按公办学校学费标准补助", "中职学校全日制正式学籍学生"},
		{"雨露计划职业教育补助", "每生每学期1500元", "脱贫家庭和监测对象家庭中接受中高职教育的子女"},
		{"农村义务教育学生营养改善计划", "每生每天5元", "农村义务教育阶段学生"},
		{"生源地信用助学贷款贴息", "在校期间利息由财政全额贴息", "家庭经济困难的高校新生和在校生"},
	}},
	{"医疗卫生类", "cz", "国家卫生健康委员会", "卫", []demoItem{
		{"城乡居民医疗保险参保资助", "特困人员全额资助，低保对象定额资助", "特困人员、低保对象、返贫致贫人口"},
		{"医疗救助资金", "政策范围内自付费用按比例救助，年度限额5万元", "特困、低保、低保边缘等困难群众"},
		{"计划生育家庭特别扶助金", "独生子女伤残家庭每人每月590元，死亡家庭每人每月720元", "独生子女伤残或死亡的计划生育家庭夫妻"},
		{"农村部分计划生育家庭奖励扶助金", "每人每年960元", "符合条件的农村计划生育家庭夫妻，年满60周岁"},
		{"基本公共卫生服务补助", "按服务人口人均标准补助", "承担基本公共卫生服务的基层医疗卫生机构"},
		{"乡村医生补助", "每人每月按服务人口和考核结果发放", "在村卫生室执业的乡村医生"},
		{"严重精神障碍患者监护补助", "每人每年1200元", "在册严重精神障碍患者的监护人"},
	}},
	{"社会保险类", "cz", "人力资源社会保障部", "人社", []demoItem{
		{"城乡居民基本养老保险基础养老金", "每人每月按国家和省定标准发放", "年满60周岁、未享受其他基本养老保障的城乡居民"},
		{"城乡居民养老保险缴费补贴", "按缴费档次给予每人每年30至80元补贴", "参加城乡居民养老保险并缴费的人员"},
		{"困难群体城乡居民养老保险代缴", "按最低缴费档次全额代缴", "低保对象、特困人员、重度残疾人等"},
		{"被征地农民养老保障补贴", "按安置方案确定的标准发放", "纳入被征地农民社会保障的人员"},
		{"高龄退休人员补助", "按有关规定发放", "符合条件的高龄退休人员"},
	}},
	{"住房保障类", "zj", "住房和城乡建设部", "建", []demoItem{
		{"农村危房改造补助", "C级每户不超过1.5万元，D级每户不超过3.5万元", "低保户、分散供养特困人员、低保边缘家庭等重点对象的危房"},
		{"农房抗震改造补助", "每户不超过2万元", "自愿进行抗震改造的农户"},
		{"城镇住房保障家庭租赁补贴", "按保障面积和租金标准计发", "城镇中低收入住房困难家庭"},
		{"老旧小区改造补助", "按改造内容和面积核定", "纳入改造计划的城镇老旧小区"},
		{"农村厕所改造补助", "每户不超过1000元", "纳入改厕计划的农户"},
		{"农村清洁取暖改造补助", "每户不超过5000元", "纳入清洁取暖改造计划的农户"},
	}},
	{"农业生产发展类", "ny", "农业农村部", "农", []demoItem{
		{"耕地地力保护补贴", "按确权承包地面积，每亩约120元", "拥有耕地承包权的种地农民"},
		{"实际种粮农民一次性补贴", "按实际种植面积核定", "实际承担农资价格上涨成本的种粮农民和组织"},
		{"玉米大豆生产者补贴", "玉米每亩约70元，大豆每亩约300元", "在本地种植玉米、大豆的生产者"},
		{"稻谷补贴", "每亩约100元", "在本地种植水稻的生产者"},
		{"农机购置与应用补贴", "按机具分类分档定额补贴，一般不超过售价的30%", "购置补贴目录内农机具的农户和农业经营主体"},
		{"农业保险保费补贴", "中央、省、市、县分担保费的75%至80%", "参加政策性农业保险的农户和经营主体"},
		{"高标准农田建设补助", "每亩投入不低于1500元", "纳入年度建设任务的项目区"},
		{"畜牧良种补贴", "每头能繁母牛补贴40元", "使用良种冻精的养殖户"},
		{"动物防疫补助", "强制免疫疫苗和村级防疫员补助", "养殖场户和村级动物防疫员"},
		{"新型农业经营主体培育补助", "每个示范主体不超过20万元", "家庭农场、农民合作社示范社"},
		{"秸秆综合利用补助", "每亩不超过30元", "开展秸秆还田、离田利用的主体"},
		{"黑土地保护利用补助", "每亩不超过150元", "实施黑土地保护利用项目的主体"},
	}},
	{"农村基础设施类", "fg", "国家发展和改革委员会", "发改", []demoItem{
		{"农村公路建设补助", "通村硬化路每公里补助50万元", "纳入年度计划的农村公路项目"},
		{"农村公路养护补助", "县道每公里每年1万元，乡村道每公里每年5000元", "列养的农村公路"},
		{"农村饮水安全工程补助", "按工程概算的一定比例补助", "纳入规划的农村供水工程"},
		{"村级公益事业一事一议财政奖补", "奖补资金不超过项目总投资的50%", "经村民议事确定的村内公益事业项目"},
		{"美丽宜居村建设补助", "每村不超过100万元", "纳入美丽宜居村建设计划的村"},
		{"农村电网巩固提升补助", "按项目核定", "纳入计划的农村电网改造项目"},
		{"衔接推进乡村振兴补助资金", "按项目核定", "纳入项目库的产业发展和基础设施项目"},
	}},
	{"生态环境保护类", "cz", "生态环境部", "环", []demoItem{
		{"农村环境综合整治补助", "每村不超过50万元", "纳入整治计划的行政村"},
		{"农村生活污水治理补助", "按治理方式分档补助", "纳入治理计划的村"},
		{"农村生活垃圾收运处置补助", "按服务人口补助运行费用", "建立收运处置体系的乡镇"},
		{"畜禽粪污资源化利用补助", "按项目核定", "规模养殖场和粪污处理中心"},
		{"大气污染防治散煤替代补助", "每户不超过3000元", "实施散煤替代的农户"},
	}},
	{"林业草原类", "ny", "国家林业和草原局", "林", []demoItem{
		{"生态公益林补偿", "国家级公益林每亩每年16元", "拥有国家级、省级公益林的集体和个人"},
		{"退耕还林补助", "每亩每年按国家标准发放", "实施退耕还林的农户"},
		{"造林补贴", "每亩不超过500元", "在宜林荒山荒地造林的主体"},
		{"森林抚育补助", "每亩120元", "开展森林抚育的国有和集体林"},
		{"生态护林员补助", "每人每年1万元", "选聘的生态护林员"},
		{"林业有害生物防治补助", "按防治面积核定", "承担防治任务的单位"},
	}},
	{"水利类", "fg", "水利部", "水", []demoItem{
		{"小型水利工程建设补助", "按工程概算的一定比例补助", "纳入计划的塘坝、灌渠等小型工程"},
		{"农田水利设施维修养护补助", "按设施类型和数量核定", "村集体和农民用水合作组织"},
		{"大中型水库移民后期扶持资金", "每人每年600元", "纳入扶持范围的水库移民"},
		{"山洪灾害防治补助", "按项目核定", "山洪灾害防治区的乡镇"},
		{"农业水价综合改革精准补贴", "按节水量给予补贴", "实施农业水价综合改革的灌区用水户"},
	}},
	{"其他惠民惠农类", "cz", "财政部", "财", []demoItem{
		{"村级组织运转经费补助", "每村每年不低于15万元", "行政村村级组织"},
		{"村干部报酬补助", "按岗位和考核结果发放", "村党组织书记、村委会主任等村干部"},
		{"农村公益性公墓建设补助", "每处不超过30万元", "纳入建设计划的乡镇和村"},
		{"农村文化活动场所建设补助", "每村不超过10万元", "建设综合性文化服务中心的村"},
		{"农家书屋出版物补充更新补助", "每村每年2000元", "已建成农家书屋的行政村"},
		{"农村体育健身设施补助", "每村一套健身器材", "纳入计划的行政村"},
		{"发展壮大村级集体经济扶持资金", "每村不超过50万元", "纳入扶持计划的行政村"},
	}},
}

var demoLevels = []struct{ code, name, issuer, prefix string }{
	{LevelCentral, "中央", "", ""},
	{LevelProvincial, "省级", "辽宁省", "辽"},
	{LevelMunicipal, "市级", "沈阳市", "沈"},
	{LevelCounty, "县级", "法库县", "法"},
}

// demoPolicy writes a real-sounding policy basis for an item at a level.
func demoPolicy(m demoMajor, it demoItem, level, seq int) string {
	year := 2016 + (seq*7)%9
	num := 3 + (seq*13)%60
	base := strings.TrimSuffix(strings.TrimSuffix(it.name, "资金"), "补助")
	switch level {
	case 0:
		return fmt.Sprintf("财政部、%s《关于印发〈%s管理办法〉的通知》（财社〔%d〕%d号）", m.ministry, base+"资金", year, num)
	case 1:
		return fmt.Sprintf("辽宁省财政厅、辽宁省%s主管部门《辽宁省%s实施办法》（辽%s发〔%d〕%d号）", m.short, base, m.short, year, num)
	case 2:
		return fmt.Sprintf("沈阳市人民政府办公室《关于进一步做好%s工作的通知》（沈政办发〔%d〕%d号）", base, year, num)
	}
	return fmt.Sprintf("法库县人民政府《法库县%s实施方案》（法政发〔%d〕%d号）", base, year, num)
}

// demoCatalogRows builds the demo catalog as import rows: 14 major
// categories and, for each of their items, one minor category per level
// of government that funds it.
func demoCatalogRows() [][]string {
	rows := [][]string{{"编码", "名称", "上级编码", "政策依据", "补贴标准", "申领条件", "发放渠道", "主管部门编码", "层级"}}
	county := DemoCounties[0]
	seq := 0
	for i, m := range demoMajors {
		major := fmt.Sprintf("%02d", i+1)
		rows = append(rows, []string{major, m.name, "", fmt.Sprintf("《%s资金管理办法》及各小类所列依据", strings.TrimSuffix(m.name, "类")),
			"按各小类标准执行", "见各小类", "", DeptCode(county, m.dept), "中央"})
		n := 0
		for j, it := range m.items {
			// Each item is funded at two to four levels.
			levels := 2 + (i+j)%3
			for l := 0; l < 4 && levels > 0; l++ {
				if (i+j+l)%4 == 3 && levels < 4-l {
					continue
				}
				levels--
				n++
				seq++
				lv := demoLevels[l]
				name := it.name + "（" + lv.name + "资金）"
				channel := "惠民惠农财政补贴资金“一卡通”"
				if strings.Contains(it.eligibility, "项目") || strings.Contains(it.eligibility, "单位") || strings.Contains(it.eligibility, "机构") || strings.Contains(it.eligibility, "行政村") {
					channel = "国库集中支付至项目单位账户"
				}
				rows = append(rows, []string{fmt.Sprintf("%s%03d", major, n), name, major, demoPolicy(m, it, l, seq),
					it.standard, it.eligibility, channel, DeptCode(county, m.dept), lv.name})
			}
		}
	}
	return rows
}

// importRows feeds generated rows through the same door as files:
// masking, checks, natural keys and change records.
func importRows(ctx context.Context, db *gorm.DB, kind string, rows [][]string) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	_, err := Import(ctx, db, kind, "demo-"+kind+".csv", &b, ImportOptions{Now: func() time.Time { return demoNow }})
	if err != nil {
		return fmt.Errorf("demo %s: %w", kind, err)
	}
	return nil
}

// demoNow is the demo data set's "today": its dates are fixed so that
// loading it twice changes nothing.
var demoNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// LoadDemoPublished loads the demo catalog, funds with their
// disbursements, and disclosures for every demo village. It needs the demo
// regions and departments, and is idempotent.
func LoadDemoPublished(ctx context.Context, db *gorm.DB) error {
	if err := importRows(ctx, db, ImportCatalog, demoCatalogRows()); err != nil {
		return err
	}
	towns, err := demoTowns(ctx, db)
	if err != nil {
		return err
	}
	funds, disb := demoFundRows(towns)
	if err := importRows(ctx, db, ImportFunds, funds); err != nil {
		return err
	}
	if err := importRows(ctx, db, ImportDisbursements, disb); err != nil {
		return err
	}
	return importRows(ctx, db, ImportDisclosures, demoDisclosureRows(towns))
}

// demoTown is a town of the demo counties with its villages.
type demoTown struct {
	Region
	County   string
	Villages []Region
}

func demoTowns(ctx context.Context, db *gorm.DB) ([]demoTown, error) {
	regions := NewRegionStore(db)
	var out []demoTown
	for _, cc := range DemoCounties {
		county, err := regions.Get(ctx, cc)
		if err != nil {
			return nil, err
		}
		towns, err := regions.Children(ctx, cc)
		if err != nil {
			return nil, err
		}
		for _, t := range towns {
			vs, err := regions.Children(ctx, t.Code)
			if err != nil {
				return nil, err
			}
			out = append(out, demoTown{Region: t, County: county.Name, Villages: vs})
		}
	}
	return out, nil
}
