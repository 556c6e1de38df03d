package report

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/domain"
)

// DeadlineLimit is the range an administrator may set a stage to.
type DeadlineLimit struct {
	Min, Max int
	Hours    bool // the stage is counted in hours (Hours), not days (Days)
}

// DeadlineLimits are the sane ranges of each stage.
var DeadlineLimits = map[string]DeadlineLimit{
	StageAcknowledge:  {Min: 1, Max: 10},
	StageAnswer:       {Min: 1, Max: 60},
	StageExtensionMax: {Min: 1, Max: 60},
	StageRate:         {Min: 1, Max: 30},
	StageRemindHead:   {Min: 1, Max: 30},
	StageSupervisor:   {Min: 1, Max: 60},
	StageTooFastHours: {Min: 1, Max: 48, Hours: true},
}

// StageNames are the stages' Chinese names, for pages.
var StageNames = map[string]string{
	StageAcknowledge: "签收", StageAnswer: "答复", StageExtensionMax: "延期上限", StageRate: "评价期限",
	StageRemindHead: "告知部门负责人", StageSupervisor: "报纪委监委督办", StageTooFastHours: "过快件",
}

// Unit names what a stage's value counts: 工作日, 日 (calendar days) or 小时.
func (d DeadlineSetting) Unit() string {
	switch {
	case DeadlineLimits[d.Stage].Hours:
		return "小时"
	case d.Calendar:
		return "日"
	}
	return "工作日"
}

// Value is the stage's number, in its Unit.
func (d DeadlineSetting) Value() int {
	if DeadlineLimits[d.Stage].Hours {
		return d.Hours
	}
	return d.Days
}

// StageName is the stage's Chinese name.
func (d DeadlineSetting) StageName() string { return StageNames[d.Stage] }

// Deadlines returns every stage's setting in DefaultDeadlines order: the
// stored one, or the default where none is stored.
func (s *Service) Deadlines(ctx context.Context) ([]DeadlineSetting, error) {
	return deadlinesIn(s.db.WithContext(ctx))
}

func deadlinesIn(db *gorm.DB) ([]DeadlineSetting, error) {
	var rows []DeadlineSetting
	if err := db.Find(&rows).Error; err != nil {
		return nil, err
	}
	stored := map[string]DeadlineSetting{}
	for _, r := range rows {
		stored[r.Stage] = r
	}
	out := DefaultDeadlines()
	for i, d := range out {
		if r, ok := stored[d.Stage]; ok {
			out[i] = r
		}
	}
	return out, nil
}

// SetDeadline sets a stage to value (days, or hours for a stage counted
// in hours). It applies to deadlines computed from now on; reports
// already running keep theirs.
func (s *Service) SetDeadline(ctx context.Context, stage string, value int, actor string) error {
	lim, ok := DeadlineLimits[stage]
	if !ok {
		return domain.Invalid("没有这个办理环节："+stage, "stage", "没有这个办理环节")
	}
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		all, err := deadlinesIn(tx)
		if err != nil {
			return err
		}
		var before DeadlineSetting
		by := map[string]int{}
		for _, d := range all {
			if d.Stage == stage {
				before = d
			}
			by[d.Stage] = d.Value()
		}
		by[stage] = value
		if err := checkDeadline(before, lim, value, by); err != nil {
			return err
		}
		after := before
		if lim.Hours {
			after.Hours = value
		} else {
			after.Days = value
		}
		if after == before {
			return nil
		}
		if err := tx.Save(&after).Error; err != nil {
			return err
		}
		return catalog.RecordRefChange(tx, catalog.RefDeadline, stage, "修改", actor, before, after, now)
	})
	if err == nil {
		s.ReloadCalendar()
	}
	return err
}

// checkDeadline validates one stage's new value against its range and the
// stages it must agree with.
func checkDeadline(d DeadlineSetting, lim DeadlineLimit, value int, by map[string]int) error {
	if value < lim.Min || value > lim.Max {
		msg := fmt.Sprintf("“%s”须在%d至%d%s之间", d.StageName(), lim.Min, lim.Max, d.Unit())
		return domain.Invalid(msg, "value", msg)
	}
	var msg string
	switch {
	case by[StageAnswer] < by[StageAcknowledge]:
		msg = "答复时限不能短于签收时限"
	case by[StageSupervisor] <= by[StageRemindHead]:
		msg = "报纪委监委督办须晚于告知部门负责人（超期天数须更多）"
	}
	if msg != "" {
		return domain.Invalid(msg, "value", msg)
	}
	return nil
}
