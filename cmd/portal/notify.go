package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"sunlight/catalog"
	"sunlight/domain"
	"sunlight/report"
)

func notifyCommand() *command {
	return &command{
		name: "notify",
		summary: "notify set --dept CODE [--webhook-file FILE|-] [--mail a@b,c@d] [--clear-webhook] [--disabled]; " +
			"notify clear|test --dept CODE; notify test --smtp; notify list [--region CODE]",
		run: runNotify,
	}
}

// notifyFlags are the flags of the notify subcommands.
type notifyFlags struct {
	dept, region, webhookFile, webhook, mail string
	clearWebhook, disabled, smtp             bool
	mailSet                                  bool
}

func runNotify(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return &usageError{"notify needs a subcommand: set, clear, list, test"}
	}
	sub, rest := args[0], args[1:]
	f, err := parseNotifyFlags(e, sub, rest)
	if err != nil {
		return err
	}
	var url string
	if sub == "set" && f.webhookFile != "" {
		if url, err = readWebhook(f.webhookFile); err != nil {
			return err
		}
	}
	return e.withServices(ctx, func(svc *services) error {
		n := svc.notify
		switch sub {
		case "set":
			return notifySet(ctx, e, n, f, url)
		case "clear":
			if err := n.ClearDept(ctx, f.dept, "cli"); errors.Is(err, domain.ErrNotFound) {
				return fmt.Errorf("%s has no notification channel of its own", f.dept)
			} else if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "cleared %s: its notices go to the default channel\n", f.dept)
			return nil
		case "test":
			return notifyTest(ctx, e, n, f)
		}
		return notifyList(ctx, e, n, f.region)
	})
}

func parseNotifyFlags(e *env, sub string, args []string) (*notifyFlags, error) {
	f := &notifyFlags{}
	fs := flag.NewFlagSet("notify "+sub, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	switch sub {
	case "set":
		fs.StringVar(&f.dept, "dept", "", "department code, e.g. 210124-mz")
		fs.StringVar(&f.webhookFile, "webhook-file", "", "file holding the group robot's URL (it carries a token); - reads it from stdin")
		fs.StringVar(&f.webhook, "webhook", "", "not accepted: use --webhook-file")
		fs.StringVar(&f.mail, "mail", "", "comma-separated mail recipients (through the mail server in use)")
		fs.BoolVar(&f.clearWebhook, "clear-webhook", false, "remove the department's robot")
		fs.BoolVar(&f.disabled, "disabled", false, "keep the setting but send to the default channel")
	case "clear":
		fs.StringVar(&f.dept, "dept", "", "department code")
	case "test":
		fs.StringVar(&f.dept, "dept", "", "department code")
		fs.BoolVar(&f.smtp, "smtp", false, "test the mail server with its default recipients instead")
	case "list":
		fs.StringVar(&f.region, "region", "", "only departments of this region (code prefix)")
	default:
		return nil, &usageError{fmt.Sprintf("unknown notify subcommand %q: use set, clear, list or test", sub)}
	}
	if err := fs.Parse(args); err != nil {
		return nil, &usageError{err.Error()}
	}
	fs.Visit(func(fl *flag.Flag) { f.mailSet = f.mailSet || fl.Name == "mail" })
	switch {
	case f.webhook != "":
		return nil, &usageError{"a robot URL carries its token and command lines are visible to every user of the machine: give it with --webhook-file FILE, or --webhook-file - on stdin"}
	case sub != "list" && f.dept == "" && !f.smtp:
		return nil, &usageError{"--dept is required"}
	}
	return f, nil
}

// readWebhook reads the robot URL from a file, or stdin for "-".
func readWebhook(path string) (string, error) {
	if path != "-" {
		return readSecretFile(path)
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return "", fmt.Errorf("read the robot URL from stdin: %w", err)
	}
	if s := strings.TrimSpace(string(b)); s != "" {
		return s, nil
	}
	return "", errors.New("no robot URL on stdin (e.g. portal notify set --dept CODE --webhook-file - < robot-url.txt)")
}

func notifySet(ctx context.Context, e *env, n *report.Notifier, f *notifyFlags, url string) error {
	in := report.DeptNotifyInput{DeptCode: f.dept, Webhook: url, ClearWebhook: f.clearWebhook, Mail: f.mail, Enabled: !f.disabled}
	if !f.mailSet { // keep the recipients already set
		if old, err := n.DeptChannel(ctx, f.dept); err == nil {
			in.Mail = strings.Join(old.Mail, ",")
		} else if !errors.Is(err, domain.ErrNotFound) {
			return err
		}
	}
	if err := n.SetDept(ctx, in, "cli"); err != nil {
		return err
	}
	v, err := n.DeptChannel(ctx, f.dept)
	if err != nil {
		return err
	}
	printNotify(e.stdout, v)
	return nil
}

func notifyList(ctx context.Context, e *env, n *report.Notifier, region string) error {
	def, err := n.DefaultChannel(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "# default: %s\n", def)
	for page := 1; ; page++ {
		vs, total, err := n.DeptChannels(ctx, region, catalog.Paging{Page: page, PerPage: catalog.MaxPerPage})
		if err != nil {
			return err
		}
		for i := range vs {
			printNotify(e.stdout, &vs[i])
		}
		if int64(page*catalog.MaxPerPage) >= total {
			return nil
		}
	}
}

func printNotify(w io.Writer, v *report.DeptNotifyView) {
	state := "enabled"
	if !v.Enabled {
		state = "disabled"
	}
	webhook := v.Webhook
	if webhook == "" {
		webhook = "-"
	}
	mail := strings.Join(v.Mail, ",")
	if mail == "" {
		mail = "-"
	}
	fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", v.DeptCode, webhook, mail, state)
}

func notifyTest(ctx context.Context, e *env, n *report.Notifier, f *notifyFlags) error {
	var err error
	target := f.dept
	if f.smtp {
		target, err = "the mail server's default recipients", n.TestSMTP(ctx)
	} else {
		err = n.TestDept(ctx, f.dept)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "test message sent to %s\n", target)
	return nil
}
