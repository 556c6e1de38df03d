package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"sunlight/catalog"
	"sunlight/report"
)

// The routing rules and the departments from the command line: the same
// domain functions as the admin's pages (/staff/admin/routing and
// /staff/admin/departments), acting as "cli" or --by NAME.

func routingCommand() *command {
	return &command{
		name: "routing",
		summary: "routing list; routing set --kind K --problem-type T --level L --target X [--accused Y --head --note N]; " +
			"routing preview --subject S --problem-type T",
		run: runRouting,
	}
}

func deptsCommand() *command {
	return &command{
		name: "depts",
		summary: "depts list [--region R]; depts add --code C --name N --region R [--parent P --kind K --supervisor]; " +
			"depts rename|move|supervisor|close|reopen --code C …; depts move-cases --from C --to D",
		run: runDepts,
	}
}

// byFlag is --by, which every routing and depts subcommand takes.
func byFlag(fs *flag.FlagSet, by *string) {
	fs.StringVar(by, "by", "cli", "who makes the change, for the history")
}

func runRouting(ctx context.Context, e *env, args []string) error {
	var r report.RoutingRule
	var subject string
	setup := map[string]func(fs *flag.FlagSet){
		"list": func(*flag.FlagSet) {},
		"set": func(fs *flag.FlagSet) {
			fs.StringVar(&r.SubjectKind, "kind", "", "subject kind: village, region, disclosure, fund, category, dept")
			fs.StringVar(&r.ProblemType, "problem-type", "", "problem type code (empty: any)")
			fs.IntVar(&r.RegionLevel, "level", 0, "region level 1-5 (0: any)")
			fs.StringVar(&r.Target, "target", "", "local_gov, subject_dept, parent_dept or supervisor")
			fs.StringVar(&r.Accused, "accused", "", "local_body, town_gov or subject_dept (empty: no one)")
			fs.BoolVar(&r.AccusedHead, "head", false, "the accusation is against the accused body's head")
			fs.StringVar(&r.Note, "note", "", "what the rule is for")
		},
		"preview": func(fs *flag.FlagSet) {
			fs.StringVar(&subject, "subject", "", "KIND:ID, e.g. village:210124100201, fund:12, dept:210124-mz")
			fs.StringVar(&r.ProblemType, "problem-type", "", "problem type code")
		},
	}
	var by string
	sub, err := subcommand(e, "routing", args, []string{"list", "set", "preview"}, func(sub string, fs *flag.FlagSet) {
		byFlag(fs, &by)
		setup[sub](fs)
	})
	if err != nil {
		return err
	}
	return e.withServices(ctx, func(all *services) error {
		svc := all.reports
		switch sub {
		case "set":
			if err := svc.SetRule(ctx, r, by); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "rule %s set\n", report.RuleKey(&r))
			return nil
		case "preview":
			return routingPreview(ctx, e, svc, subject, r.ProblemType)
		}
		return routingList(ctx, e, svc)
	})
}

func routingList(ctx context.Context, e *env, svc *report.Service) error {
	rules, err := svc.Rules(ctx, time.Now())
	if err != nil {
		return err
	}
	for _, r := range rules {
		accused := r.Accused
		if r.AccusedHead {
			accused += "+head"
		}
		fmt.Fprintf(e.stdout, "#%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, report.RuleKey(&r), r.Target, orDash(accused),
			report.TargetName(r.Target), r.Note)
	}
	return nil
}

func routingPreview(ctx context.Context, e *env, svc *report.Service, subject, pt string) error {
	p, err := svc.PreviewRoute(ctx, subject, pt)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "subject\t%s\t%s\n", p.Subject, p.Subject.Title)
	if p.Dept != nil {
		fmt.Fprintf(e.stdout, "dept\t%s\t%s%s\n", p.Dept.Code, p.Dept.Name, map[bool]string{true: "\t(fallback)"}[p.Fallback])
	} else {
		fmt.Fprintf(e.stdout, "dept\t-\t%s\n", p.Stuck)
	}
	if p.Accused != nil {
		fmt.Fprintf(e.stdout, "accused\t%s\t%s%s\n", p.Accused.Code, p.Accused.Name, map[bool]string{true: "\t(head)"}[p.AccusedHead])
	}
	if p.Rule != nil {
		fmt.Fprintf(e.stdout, "rule\t#%d\t%s\t%s\n", p.Rule.ID, report.RuleKey(p.Rule), p.Rule.Note)
	} else {
		fmt.Fprintln(e.stdout, "rule\t-\tno rule matched")
	}
	return nil
}

func runDepts(ctx context.Context, e *env, args []string) error {
	var d catalog.Department
	var to string
	var off bool
	code := func(fs *flag.FlagSet) { fs.StringVar(&d.Code, "code", "", "department code") }
	setup := map[string]func(fs *flag.FlagSet){
		"list": func(fs *flag.FlagSet) { fs.StringVar(&d.RegionCode, "region", "", "region code (and below)") },
		"add": func(fs *flag.FlagSet) {
			code(fs)
			fs.StringVar(&d.Name, "name", "", "name")
			fs.StringVar(&d.RegionCode, "region", "", "region code")
			fs.StringVar(&d.ParentCode, "parent", "", "parent department code")
			fs.StringVar(&d.Kind, "kind", "", "gov, committee, discipline, civil, agri, devreform, finance, housing")
			fs.BoolVar(&d.Supervisor, "supervisor", false, "a 纪委监委")
		},
		"rename": func(fs *flag.FlagSet) { code(fs); fs.StringVar(&d.Name, "name", "", "new name") },
		"move": func(fs *flag.FlagSet) {
			code(fs)
			fs.StringVar(&d.ParentCode, "parent", "", "new parent (empty: none)")
		},
		"supervisor": func(fs *flag.FlagSet) { code(fs); fs.BoolVar(&off, "off", false, "unmark instead of mark") },
		"close":      code,
		"reopen":     code,
		"move-cases": func(fs *flag.FlagSet) {
			fs.StringVar(&d.Code, "from", "", "department whose open cases move")
			fs.StringVar(&to, "to", "", "department that takes them")
		},
	}
	var by string
	sub, err := subcommand(e, "depts", args, []string{"list", "add", "rename", "move", "supervisor", "close", "reopen", "move-cases"}, func(sub string, fs *flag.FlagSet) {
		byFlag(fs, &by)
		setup[sub](fs)
	})
	if err != nil {
		return err
	}
	if sub != "list" && d.Code == "" {
		return &usageError{"--code (or --from) is required"}
	}
	return e.withServices(ctx, func(svc *services) error {
		return deptsDo(ctx, e, svc.db, svc.reports, sub, d, to, !off, by)
	})
}

func deptsDo(ctx context.Context, e *env, db *gorm.DB, svc *report.Service, sub string, d catalog.Department, to string, on bool, by string) error {
	st, now := catalog.NewDepartmentStore(db), time.Now()
	var err error
	switch sub {
	case "list":
		return deptsList(ctx, e, st, svc, d.RegionCode)
	case "add":
		_, err = st.Add(ctx, d, by, now)
	case "rename":
		err = st.Rename(ctx, d.Code, d.Name, by, now)
	case "move":
		err = st.Move(ctx, d.Code, d.ParentCode, by, now)
	case "supervisor":
		err = st.SetSupervisor(ctx, d.Code, on, by, now)
	case "close":
		err = svc.CloseDepartment(ctx, d.Code, by)
	case "reopen":
		err = st.Reopen(ctx, d.Code, by, now)
	case "move-cases":
		var res *report.MoveResult
		if res, err = svc.MoveCases(ctx, d.Code, to, by); err == nil {
			fmt.Fprintf(e.stdout, "moved %d\n", res.Moved)
			if len(res.Refused) > 0 {
				fmt.Fprintf(e.stdout, "refused %d (they accuse %s or need a 纪委监委): %s\n", len(res.Refused), to, strings.Join(res.Refused, " "))
			}
			return nil
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s %s: done\n", sub, d.Code)
	return nil
}

func deptsList(ctx context.Context, e *env, st *catalog.DepartmentStore, svc *report.Service, region string) error {
	ds, err := st.List(ctx, region, true)
	if err != nil {
		return err
	}
	for start := 0; start < len(ds); start += 500 {
		batch := ds[start:min(start+500, len(ds))]
		codes := make([]string, len(batch))
		for i, d := range batch {
			codes[i] = d.Code
		}
		open, err := svc.OpenCasesOf(ctx, codes)
		if err != nil {
			return err
		}
		for _, d := range batch {
			state := either(d.Closed, "closed", "open")
			fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\t%s\t%v\t%s\t%d\n", d.Code, d.Name, d.RegionCode, orDash(d.ParentCode),
				orDash(d.Kind), d.Supervisor, state, open[d.Code])
		}
	}
	return nil
}
