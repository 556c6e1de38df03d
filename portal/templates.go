package portal

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"text/template/parse"

	"sunlight/static"
)

//go:embed templates
var templateFS embed.FS

// pageNames lists every page the handlers render with s.render, each
// templates/pages/NAME.html; New fails if one is missing. A test checks
// that every s.render call names one of these.
var pageNames = []string{
	"catalog_index", "catalog_show", "dashboard", "disclosures_show", "error", "export_index", "funds_show",
	"home", "qr_landing", "qr_poster", "regions_show", "report", "report_done", "search",
	"staff_account", "staff_admin", "staff_admin_deadlines", "staff_admin_departments", "staff_admin_holidays",
	"staff_admin_notify", "staff_admin_problem_types", "staff_admin_routing", "staff_admin_synonyms",
	"staff_login", "staff_publish", "staff_queue", "staff_report", "staff_unassigned",
	"stats", "stats_answer", "stats_answers", "track",
}

// codeAssets are the static files Go code (not a template) links to.
var codeAssets = []string{"img/favicon.svg"}

type templates struct{ pages map[string]*template.Template }

// parseTemplates parses every page once, each with the layout and the
// partials; a missing or broken page template, or a static file a
// template or the code names that does not exist, fails the boot.
func parseTemplates() (*templates, error) {
	for _, a := range codeAssets {
		if static.Get(a) == nil {
			return nil, fmt.Errorf("static file %s is missing", a)
		}
	}
	return parseTemplatesFS(templateFS, pageNames)
}

func parseTemplatesFS(fsys fs.FS, names []string) (*templates, error) {
	pages, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	partials, err := fs.Glob(fsys, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: make(map[string]*template.Template, len(pages))}
	for _, p := range pages {
		files := append([]string{"templates/layout.html"}, partials...)
		files = append(files, p)
		tpl, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, files...)
		if err == nil {
			err = checkAssets(tpl)
		}
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", p, err)
		}
		t.pages[strings.TrimSuffix(path.Base(p), ".html")] = tpl
	}
	var missing []string
	for _, name := range names {
		if t.pages[name] == nil {
			missing = append(missing, "templates/pages/"+name+".html")
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("page templates missing: %s", strings.Join(missing, ", "))
	}
	return t, nil
}

// checkAssets fails if a template calls static with anything but the
// quoted name of an embedded file.
func checkAssets(tpl *template.Template) error {
	var errs []error
	for _, t := range tpl.Templates() {
		if t.Tree != nil {
			walkCommands(t.Tree.Root, func(c *parse.CommandNode) {
				if id, ok := c.Args[0].(*parse.IdentifierNode); !ok || id.Ident != "static" {
					return
				}
				name, ok := c.Args[len(c.Args)-1].(*parse.StringNode)
				switch {
				case len(c.Args) != 2 || !ok:
					errs = append(errs, fmt.Errorf("%s: static wants a quoted file name: %s", t.Name(), c))
				case static.Get(name.Text) == nil:
					errs = append(errs, fmt.Errorf("%s: static file %s is missing", t.Name(), name.Text))
				}
			})
		}
	}
	return errors.Join(errs...)
}

// walkCommands calls fn for every command below n.
func walkCommands(n parse.Node, fn func(*parse.CommandNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				walkCommands(c, fn)
			}
		}
	case *parse.ActionNode:
		walkCommands(n.Pipe, fn)
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				walkCommands(c, fn)
			}
		}
	case *parse.CommandNode:
		fn(n)
		for _, a := range n.Args {
			walkCommands(a, fn)
		}
	case *parse.IfNode:
		walkBranch(&n.BranchNode, fn)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, fn)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, fn)
	case *parse.TemplateNode:
		walkCommands(n.Pipe, fn)
	}
}

func walkBranch(b *parse.BranchNode, fn func(*parse.CommandNode)) {
	walkCommands(b.Pipe, fn)
	walkCommands(b.List, fn)
	walkCommands(b.ElseList, fn)
}
