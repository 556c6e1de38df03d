package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"sunlight/domain"
	"sunlight/staff"
)

// stdin is where `users add` reads the password; tests replace it.
var stdin io.Reader = os.Stdin

func usersCommand() *command {
	return &command{
		name:    "users",
		summary: "users add --username U --dept CODE --role staff|head|supervisor|admin (password on stdin); users token|passwd|disable|enable --username U; users list",
		run:     runUsers,
	}
}

func runUsers(ctx context.Context, e *env, args []string) error {
	var username, dept, role, name string
	sub, err := subcommand(e, "users", args, []string{"add", "token", "passwd", "list", "disable", "enable"}, func(sub string, fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "the account's user name")
		switch sub {
		case "add":
			fs.StringVar(&dept, "dept", "", "department code, e.g. 210124-mz")
			fs.StringVar(&role, "role", "", "staff, head, supervisor or admin")
			fs.StringVar(&name, "name", "", "display name (optional)")
		case "token":
			fs.StringVar(&name, "name", "", "what the token is for (optional)")
		}
	})
	if err != nil {
		return err
	}
	if sub != "list" && username == "" {
		return &usageError{"--username is required"}
	}
	return e.withServices(ctx, func(svc *services) error {
		st := svc.staff
		switch sub {
		case "add":
			return usersAdd(ctx, e, st, staff.NewAccount{Username: username, DeptCode: dept, Role: domain.Role(role), DisplayName: name})
		case "token":
			return usersToken(ctx, e, st, username, name)
		case "list":
			return usersList(ctx, e, st)
		case "passwd":
			return usersPasswd(ctx, e, st, username)
		}
		return usersSetDisabled(ctx, e, st, username, sub == "disable")
	})
}

func usersAdd(ctx context.Context, e *env, st *staff.Store, n staff.NewAccount) error {
	if n.DeptCode == "" || n.Role == "" {
		return &usageError{"--dept and --role are required"}
	}
	pw, err := readPassword(e)
	if err != nil {
		return err
	}
	n.Password = pw
	a, err := st.AddAccount(ctx, n, "cli")
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %s (%s, %s)\n", a.Username, a.Role, a.DeptCode)
	return nil
}

// readPassword reads one line from stdin; on a terminal it asks twice
// without echo.
func readPassword(e *env) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, "password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(e.stderr, "again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on stdin (e.g. printf '%s\\n' \"$PW\" | portal users add ...)")
	}
	return line, nil
}

func usersToken(ctx context.Context, e *env, st *staff.Store, username, name string) error {
	a, err := st.AccountByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("no account %q", username)
	}
	tok, _, err := st.IssueToken(ctx, a.ID, name, "cli")
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, tok)
	fmt.Fprintln(e.stderr, "this token is shown once; use it as: Authorization: Bearer TOKEN")
	return nil
}

func usersList(ctx context.Context, e *env, st *staff.Store) error {
	as, err := st.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range as {
		state := either(a.Disabled, "disabled", "active")
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\n", a.Username, a.Role, a.DeptCode, state)
	}
	return nil
}

func usersSetDisabled(ctx context.Context, e *env, st *staff.Store, username string, disabled bool) error {
	a, err := st.AccountByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("no account %q", username)
	}
	if err := st.SetDisabled(ctx, a.ID, disabled, "cli"); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s is now %s\n", a.Username, either(disabled, "disabled", "enabled"))
	return nil
}

// usersPasswd sets a new password (read like users add's) and ends the
// account's sessions.
func usersPasswd(ctx context.Context, e *env, st *staff.Store, username string) error {
	a, err := st.AccountByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("no account %q", username)
	}
	pw, err := readPassword(e)
	if err != nil {
		return err
	}
	if err := st.SetPassword(ctx, a.ID, pw, "cli"); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "password of %s changed; its sessions have ended\n", a.Username)
	return nil
}
