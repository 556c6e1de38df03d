package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"slices"
	"sort"
	"strings"

	"gorm.io/gorm"

	"sunlight/internal/database"
)

// version is set at link time (-ldflags "-X main.version=...").
var version = ""

// command is one subcommand: its flags are the common settings plus its own.
type command struct {
	name    string
	summary string
	setup   func(fs *flag.FlagSet) // extra flags, may be nil
	run     func(ctx context.Context, e *env, args []string) error
	// bare: the command takes no words, only settings; a stray word is a
	// usage error rather than silently ignored.
	bare bool
}

// env is what a command runs with.
type env struct {
	cfg    *config
	log    *slog.Logger
	stdout io.Writer
	stderr io.Writer
}

// usageError is a wrong command line; run prints it with the usage.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func commands() []*command {
	return []*command{
		serveCommand(),
		{name: "migrate", summary: "create or upgrade the database schema and stop", run: runMigrate, bare: true},
		{name: "demo", summary: "load the demo data set (idempotent)", run: runDemo, bare: true},
		regionsCommand(),
		reindexCommand(),
		importCommand(),
		holidaysCommand(),
		usersCommand(),
		notifyCommand(),
		qrCommand(),
		auditCommand(),
		routingCommand(),
		deptsCommand(),
		problemTypesCommand(),
		deadlinesCommand(),
		synonymsCommand(),
		{name: "version", summary: "print the version", run: runVersion, bare: true},
	}
}

// run is the whole program: it parses args, runs one command and returns
// the exit code. Tests call it directly with their own environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	name, args := commandWord(args)
	if name == "help" || name == "--help" || name == "-h" {
		printUsage(stdout)
		return 0
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == name {
			cmd = c
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "portal: unknown command %q\n", name)
		printUsage(stderr)
		return 2
	}
	cfg, err := defaultConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "portal: %v\n", err)
		return 2
	}
	fs := flag.NewFlagSet("portal "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.flags(fs)
	if cmd.setup != nil {
		cmd.setup(fs)
	}
	flagArgs, rest := splitFlags(fs, args)
	if err := fs.Parse(flagArgs); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest = append(rest, fs.Args()...)
	if cmd.bare && len(rest) > 0 {
		fmt.Fprintf(stderr, "portal %s: unexpected argument %q\n", name, rest[0])
		fs.Usage()
		return 2
	}
	if name != "version" {
		if err := cfg.validate(); err != nil {
			fmt.Fprintf(stderr, "portal: %v\n", err)
			return 2
		}
	}
	e := &env{cfg: cfg, log: newLogger(stderr, cfg.LogFormat, cfg.level), stdout: stdout, stderr: stderr}
	if err := cmd.run(ctx, e, rest); err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "portal %s: %v\n", name, err)
			fs.Usage()
			return 2
		}
		fmt.Fprintf(stderr, "portal %s: %v\n", name, oneLine(err))
		return 1
	}
	return 0
}

// splitFlags separates the flags fs knows, wherever they stand (so that
// `audit verify --db X` and `import disclosures f.csv --dry-run` read their
// settings like `--db X audit verify` does), from everything else, which is
// kept in order for the command: its positional arguments and its own
// sub-flags (users add --username U). "--" ends flag scanning.
func splitFlags(fs *flag.FlagSet, args []string) (flags, rest []string) {
	for i := 0; i < len(args); {
		if args[i] == "--" {
			return flags, append(rest, args[i+1:]...)
		}
		w := flagWidth(fs, args, i)
		if w == 0 {
			rest = append(rest, args[i])
			i++
			continue
		}
		flags = append(flags, args[i:i+w]...)
		i += w
	}
	return flags, rest
}

// flagWidth says how many words from args[i] on are one flag fs knows
// (-h and -help included): 0 for a word that is not one, 1 for a flag with
// its value attached or a bool flag, 2 for a flag and its value.
func flagWidth(fs *flag.FlagSet, args []string, i int) int {
	a := args[i]
	name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
	f := fs.Lookup(name)
	if !strings.HasPrefix(a, "-") || a == "-" || (f == nil && name != "h" && name != "help") {
		return 0
	}
	if f == nil || hasValue {
		return 1
	}
	if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
		return 1
	}
	return min(2, len(args)-i)
}

// commandWord finds the command in args: the first word that is neither a
// setting nor a setting's value, so that `portal --db X audit verify` is
// `portal audit verify --db X`. With none the command is serve.
func commandWord(args []string) (name string, rest []string) {
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	c, err := defaultConfig(func(string) string { return "" })
	if err != nil {
		return "serve", args
	}
	c.flags(fs)
	for i := 0; i < len(args) && args[i] != "--"; {
		w := flagWidth(fs, args, i)
		if w == 0 {
			return args[i], append(append([]string{}, args[:i]...), args[i+1:]...)
		}
		i += w
	}
	return "serve", args
}

// subcommand parses a command's first word, which must be one of subs, and
// that subcommand's own flags, which flags sets up; nothing may follow them.
func subcommand(e *env, cmd string, args []string, subs []string, flags func(sub string, fs *flag.FlagSet)) (string, error) {
	if len(args) == 0 {
		return "", &usageError{cmd + " needs a subcommand: " + strings.Join(subs, ", ")}
	}
	sub := args[0]
	if !slices.Contains(subs, sub) {
		last := len(subs) - 1
		return "", &usageError{fmt.Sprintf("unknown %s subcommand %q: use %s or %s", cmd, sub, strings.Join(subs[:last], ", "), subs[last])}
	}
	fs := flag.NewFlagSet(cmd+" "+sub, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	flags(sub, fs)
	if err := fs.Parse(args[1:]); err != nil {
		return "", &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return "", &usageError{"unexpected arguments: " + strings.Join(fs.Args(), " ")}
	}
	return sub, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// either is yes when on, else no: a state column of a listing.
func either(on bool, yes, no string) string {
	if on {
		return yes
	}
	return no
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: portal [command] [flags]")
	fmt.Fprintln(w, "commands:")
	cmds := commands()
	sort.SliceStable(cmds, func(i, j int) bool { return cmds[i].name == "serve" })
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "run 'portal COMMAND -h' for its flags; every flag also has a SUNLIGHT_* variable.")
}

func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openDB opens the configured database.
func (e *env) openDB(ctx context.Context) (*gorm.DB, error) {
	db, err := database.Open(ctx, e.cfg.target, e.log)
	if err != nil {
		return nil, &configError{Name: "SUNLIGHT_DB", Err: err}
	}
	return db, nil
}

// withDB opens and migrates the database, runs fn, and closes it.
func (e *env) withDB(ctx context.Context, fn func(db *gorm.DB) error) error {
	db, err := e.openDB(ctx)
	if err != nil {
		return err
	}
	defer database.Close(db)
	if err := migrate(ctx, db); err != nil {
		return err
	}
	return fn(db)
}

func runVersion(_ context.Context, e *env, _ []string) error {
	v := version
	if v == "" {
		v = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	fmt.Fprintf(e.stdout, "sunlight %s\n", v)
	return nil
}
