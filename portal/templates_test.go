package portal

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// TestRenderedPagesAreRegistered: every s.render call names, as a quoted
// string, a page of pageNames, so that boot checks its template exists.
func TestRenderedPagesAreRegistered(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "render" || len(call.Args) != 3 {
				return true
			}
			calls++
			lit, ok := call.Args[1].(*ast.BasicLit)
			name, err := strconv.Unquote(litValue(lit, ok))
			if err != nil || !slices.Contains(pageNames, name) {
				t.Errorf("%s: render names %s, not a quoted page of pageNames", fset.Position(call.Pos()), litValue(lit, ok))
			}
			return true
		})
	}
	if calls < len(pageNames) {
		t.Errorf("found %d render calls for %d pages", calls, len(pageNames))
	}
}

func litValue(lit *ast.BasicLit, ok bool) string {
	if !ok || lit.Kind != token.STRING {
		return "(not a string literal)"
	}
	return lit.Value
}

func templateFiles(layout string, pages ...string) fstest.MapFS {
	fsys := fstest.MapFS{
		"templates/layout.html":      {Data: []byte(layout)},
		"templates/partials/ps.html": {Data: []byte(`{{define "partial"}}p{{end}}`)},
	}
	for _, p := range pages {
		fsys["templates/pages/"+p+".html"] = &fstest.MapFile{Data: []byte(`{{define "content"}}` + p + `{{end}}`)}
	}
	return fsys
}

const goodLayout = `{{define "layout"}}<link href="{{static "css/site.css"}}">{{template "content" .}}{{end}}`

func TestBootChecksPageTemplates(t *testing.T) {
	if _, err := parseTemplates(); err != nil {
		t.Fatalf("the real templates: %v", err)
	}
	if _, err := parseTemplatesFS(templateFiles(goodLayout, "home", "error"), []string{"home", "error"}); err != nil {
		t.Fatalf("complete set: %v", err)
	}
	_, err := parseTemplatesFS(templateFiles(goodLayout, "home"), []string{"home", "error"})
	if err == nil || !strings.Contains(err.Error(), "templates/pages/error.html") {
		t.Errorf("a missing page template boots: %v", err)
	}
	saved := pageNames
	t.Cleanup(func() { pageNames = saved })
	pageNames = append(slices.Clone(saved), "no_such_page")
	if _, err := parseTemplates(); err == nil || !strings.Contains(err.Error(), "no_such_page") {
		t.Errorf("boot with a registered page that has no template: %v", err)
	}
}

func TestBootChecksStaticFiles(t *testing.T) {
	for name, layout := range map[string]string{
		"missing file": `{{define "layout"}}{{if .}}<img src="{{static "img/nope.png"}}">{{end}}{{end}}`,
		"nested":       `{{define "layout"}}{{range .}}{{with .}}<script src="{{static "js/gone.js"}}"></script>{{end}}{{end}}{{end}}`,
		"not literal":  `{{define "layout"}}<link href="{{static .Name}}">{{end}}`,
	} {
		_, err := parseTemplatesFS(templateFiles(layout, "home"), []string{"home"})
		if err == nil || !strings.Contains(err.Error(), "static") {
			t.Errorf("%s: boots (%v)", name, err)
		}
	}
}
