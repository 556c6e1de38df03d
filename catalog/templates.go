package catalog

import (
	"embed"
	"fmt"

	"sunlight/domain"
)

//go:embed templates/*.csv
var templateFS embed.FS

// ImportTemplate returns the template file of an import kind: a UTF-8 CSV
// with a BOM, the header row and example rows.
func ImportTemplate(kind string) ([]byte, error) {
	b, err := templateFS.ReadFile("templates/" + kind + ".csv")
	if err != nil {
		return nil, fmt.Errorf("import template %q: %w", kind, domain.ErrNotFound)
	}
	return b, nil
}
