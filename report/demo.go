package report

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
)

// demoTexts are sample descriptions by problem type.
var demoTexts = map[string][]string{
	"affairs":         {"村务公开栏三个月没有更新，上半年的财务收支一直没有公布。", "公开栏贴的财务账目只有总数，没有明细，群众看不明白。"},
	"subsidy":         {"今年的耕地地力保护补贴比去年少了一半，村里没有说明原因。", "低保名单里有家里开小卖部、买了轿车的人，真正困难的老人没评上。"},
	"assets":          {"村集体的鱼塘承包给了村干部亲戚，没有公开招标，承包费也很低。", "村里的集体林地被卖了，没有开村民代表大会。"},
	"project":         {"去年修的村路已经开裂塌陷，施工时水泥用量明显不够。", "村里的自来水工程验收后就停水了，至今没有修好。"},
	"land":            {"宅基地审批拖了一年多，村里说等乡里，乡里说等村里。", "土地确权时把我家的承包地面积少登记了两亩。"},
	"misconduct":      {"村会计办理低保要收“好处费”，不给就不办。", "村干部把危房改造名额给了自己亲属。"},
	"misconduct_head": {"村书记把集体资金借给自己亲戚做生意，至今没有归还。"},
	"town_misconduct": {"乡镇包村干部对村里的违规发放补贴问题视而不见。"},
	"other":           {"村里的垃圾清运很久没人管了，河边堆满了垃圾。"},
}

// demoPlan is the end state of each sample report, in rotation.
var demoPlan = []Status{StatusDispatched, StatusAccepted, StatusAnswered, StatusClosed, StatusClosed, StatusExtended,
	StatusReopened, StatusRejected, StatusReturned, StatusEscalated, StatusClosed, StatusAnswered}

// LoadDemo seeds the routing defaults, the deadline settings and the 2026
// holidays, and — into a database with no reports yet — a few dozen sample
// reports over the demo villages in various states. It is deterministic
// (fixed seed, fixed clock); the sample receipts are thrown away, never
// stored or printed.
func LoadDemo(ctx context.Context, db *gorm.DB) error {
	start := time.Date(2026, 10, 12, 9, 0, 0, 0, chinaTime)
	if err := SeedDefaults(ctx, db, start.AddDate(-1, 0, 0)); err != nil {
		return err
	}
	var n int64
	if err := db.WithContext(ctx).Model(&Report{}).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	villages, err := demoVillages(ctx, db)
	if err != nil || len(villages) == 0 {
		return err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	clock := start
	s, err := New(db, key, Options{Now: func() time.Time { return clock }})
	if err != nil {
		return err
	}
	rng := mrand.New(mrand.NewPCG(2026, 5))
	for i := 0; i < 36; i++ {
		clock = start.Add(time.Duration(i*19) * time.Hour)
		v := villages[rng.IntN(len(villages))]
		types := villageTypes
		pt := types[rng.IntN(len(types))].Code
		texts := demoTexts[pt]
		rc, err := s.Submit(ctx, NewReport{Subject: "village:" + v, ProblemType: pt, Description: texts[rng.IntN(len(texts))], Anonymous: true})
		if err != nil {
			return fmt.Errorf("demo report %d: %w", i, err)
		}
		if err := s.demoAdvance(ctx, rc, demoPlan[i%len(demoPlan)], &clock); err != nil {
			return fmt.Errorf("demo report %d: %w", i, err)
		}
	}
	return nil
}

func demoVillages(ctx context.Context, db *gorm.DB) ([]string, error) {
	var codes []string
	err := db.WithContext(ctx).Model(&catalog.Region{}).Where("level = ? AND code LIKE ?", catalog.Village, "210124%").
		Order("code").Limit(60).Pluck("code", &codes).Error
	return codes, err
}

// demoAdvance walks a fresh report to the planned status as its handler,
// the county supervisor and the reporter would.
func (s *Service) demoAdvance(ctx context.Context, rc *Receipt, to Status, clock *time.Time) error {
	var r Report
	if err := s.db.WithContext(ctx).Where("id = ?", rc.ReportID).Take(&r).Error; err != nil {
		return err
	}
	h := Actor{UserID: 1, DeptCode: r.DeptCode, Role: domain.RoleStaff}
	sup := Actor{UserID: 2, DeptCode: catalog.DeptCode(r.RegionCode[:6], "jw"), Role: domain.RoleSupervisor, RegionCode: r.RegionCode[:6]}
	later := func(hours int) { *clock = clock.Add(time.Duration(hours) * time.Hour) }
	steps := []func() error{}
	accept := func() error { later(3); return s.Accept(ctx, h, r.ID, "") }
	answer := func() error {
		later(72)
		_, err := s.Answer(ctx, h, r.ID, "经调查核实，反映的问题部分属实，已责令整改，整改情况已在村务公开栏公示。")
		return err
	}
	switch to {
	case StatusAccepted:
		steps = append(steps, accept)
	case StatusAnswered:
		steps = append(steps, accept, answer)
	case StatusClosed:
		steps = append(steps, accept, answer, func() error { later(20); return s.Rate(ctx, rc.Receipt, RatingSatisfied, "") })
	case StatusExtended:
		steps = append(steps, accept, func() error {
			later(48)
			return s.RequestExtension(ctx, h, r.ID, 15, "涉及多年账目，需要请县审计部门协助核查")
		}, func() error { later(4); return s.DecideExtension(ctx, sup, r.ID, true, "同意延期") })
	case StatusReopened:
		steps = append(steps, accept, answer, func() error { later(30); return s.Rate(ctx, rc.Receipt, RatingUnsatisfied, "问题没有解决") })
	case StatusRejected:
		steps = append(steps, func() error {
			later(5)
			return s.Reject(ctx, h, r.ID, "反映的事项已进入诉讼程序，依法不予受理。")
		})
	case StatusReturned:
		steps = append(steps, func() error {
			later(6)
			return s.Return(ctx, h, r.ID, "该事项属于县农业农村局职责，请改派")
		})
	case StatusEscalated:
		steps = append(steps, accept, func() error { later(200); return s.Escalate(ctx, sup, r.ID, "群众反映强烈，请加快办理") })
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}
