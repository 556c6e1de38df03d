package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"sunlight/report"
	"sunlight/search"
)

// The scripting side of the administrator's pages for problem types,
// deadlines and search synonyms: the same domain calls, recorded in the
// same history with "cli" as the actor.

const cliActor = "cli"

func problemTypesCommand() *command {
	return &command{
		name:    "problem-types",
		summary: "problem-types list [--kind K] | add --kind K --code C --name N [--description D] | rename --kind K --code C --name N | disable|enable --kind K --code C",
		run:     runProblemTypes,
	}
}

func runProblemTypes(ctx context.Context, e *env, args []string) error {
	var p report.ProblemType
	sub, err := subcommand(e, "problem-types", args, []string{"list", "add", "rename", "disable", "enable"}, func(sub string, fs *flag.FlagSet) {
		fs.StringVar(&p.SubjectKind, "kind", "", "subject kind: "+strings.Join(report.ProblemKinds, ", "))
		if sub != "list" {
			fs.StringVar(&p.Code, "code", "", "the type's code, e.g. water_supply")
		}
		if sub == "add" || sub == "rename" {
			fs.StringVar(&p.Name, "name", "", "its Chinese name")
			fs.StringVar(&p.Description, "description", "", "what it covers (optional)")
		}
	})
	if err != nil {
		return err
	}
	if sub != "list" && (p.SubjectKind == "" || p.Code == "") {
		return &usageError{"--kind and --code are required"}
	}
	return e.withDB(ctx, func(db *gorm.DB) error {
		st := report.NewProblemTypeStore(db)
		switch sub {
		case "list":
			return listProblemTypes(ctx, e, st, p.SubjectKind)
		case "add":
			err = st.AddProblemType(ctx, p, cliActor)
		case "rename":
			err = st.RenameProblemType(ctx, p.SubjectKind, p.Code, p.Name, p.Description, cliActor)
		default:
			err = st.SetProblemTypeDisabled(ctx, p.SubjectKind, p.Code, sub == "disable", cliActor)
		}
		if err == nil {
			fmt.Fprintf(e.stdout, "%s %s: done\n", sub, report.ProblemTypeKey(p.SubjectKind, p.Code))
		}
		return err
	})
}

func listProblemTypes(ctx context.Context, e *env, st *report.ProblemTypeStore, kind string) error {
	all, err := st.All(ctx)
	if err != nil {
		return err
	}
	for _, p := range all {
		if kind != "" && p.SubjectKind != kind {
			continue
		}
		state := either(p.Disabled, "disabled", "offered")
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\n", p.SubjectKind, p.Code, p.Name, state)
	}
	return nil
}

func deadlinesCommand() *command {
	return &command{
		name:    "deadlines",
		summary: "deadlines list | set --stage S --days N (--hours N for too_fast): applies to deadlines computed from now on",
		run:     runDeadlines,
	}
}

func runDeadlines(ctx context.Context, e *env, args []string) error {
	var stage string
	var days, hours int
	sub, err := subcommand(e, "deadlines", args, []string{"list", "set"}, func(sub string, fs *flag.FlagSet) {
		if sub == "set" {
			fs.StringVar(&stage, "stage", "", "the stage: acknowledge, answer, extension_max, rate, escalate_head, escalate_super, too_fast")
			fs.IntVar(&days, "days", -1, "its limit in days")
			fs.IntVar(&hours, "hours", -1, "its limit in hours (too_fast)")
		}
	})
	if err != nil {
		return err
	}
	value := max(days, hours)
	if sub == "set" && (stage == "" || (days < 0) == (hours < 0)) {
		return &usageError{"set needs --stage and one of --days or --hours"}
	}
	return e.withServices(ctx, func(all *services) error {
		svc := all.reports
		if sub == "set" {
			if report.DeadlineLimits[stage].Hours != (hours >= 0) {
				return &usageError{"use --hours for too_fast and --days for every other stage"}
			}
			if err := svc.SetDeadline(ctx, stage, value, cliActor); err != nil {
				return err
			}
		}
		ds, err := svc.Deadlines(ctx)
		if err != nil {
			return err
		}
		for _, d := range ds {
			fmt.Fprintf(e.stdout, "%s\t%d\t%s\t%s\n", d.Stage, d.Value(), d.Unit(), d.StageName())
		}
		return nil
	})
}

func synonymsCommand() *command {
	return &command{
		name:    "synonyms",
		summary: `synonyms list | add --terms "甲,乙" [--group ID] | remove --group ID [--term T]: search synonym groups, effective without a restart`,
		run:     runSynonyms,
	}
}

func runSynonyms(ctx context.Context, e *env, args []string) error {
	var terms, term string
	var group uint64
	sub, err := subcommand(e, "synonyms", args, []string{"list", "add", "remove"}, func(sub string, fs *flag.FlagSet) {
		switch sub {
		case "add":
			fs.StringVar(&terms, "terms", "", "the terms, separated by commas")
			fs.Uint64Var(&group, "group", 0, "add the terms to this group instead of making a new one")
		case "remove":
			fs.Uint64Var(&group, "group", 0, "the group")
			fs.StringVar(&term, "term", "", "remove only this term (the whole group otherwise)")
		}
	})
	if err != nil {
		return err
	}
	switch {
	case sub == "add" && terms == "":
		return &usageError{"--terms is required"}
	case sub == "remove" && group == 0:
		return &usageError{"--group is required"}
	}
	return e.withDB(ctx, func(db *gorm.DB) error {
		st := search.NewSynonymStore(db)
		if err := changeSynonyms(ctx, st, sub, group, terms, term); err != nil {
			return err
		}
		groups, err := st.Groups(ctx)
		if err != nil {
			return err
		}
		for _, g := range groups {
			fmt.Fprintf(e.stdout, "%d\t%s\n", g.ID, strings.Join(g.Terms, " = "))
		}
		return nil
	})
}

func changeSynonyms(ctx context.Context, st *search.SynonymStore, sub string, group uint64, terms, term string) error {
	switch {
	case sub == "add" && group == 0:
		_, err := st.AddGroup(ctx, search.ParseTerms(terms), cliActor)
		return err
	case sub == "add":
		for _, t := range search.ParseTerms(terms) {
			if err := st.AddTerm(ctx, group, t, cliActor); err != nil {
				return err
			}
		}
	case sub == "remove" && term != "":
		return st.RemoveTerm(ctx, group, term, cliActor)
	case sub == "remove":
		return st.DeleteGroup(ctx, group, cliActor)
	}
	return nil
}
