package catalog

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"sunlight/internal/testdb"
)

var benchRows = flag.Int("import-rows", 1_000_000, "rows of the disclosure import benchmark")

var (
	benchOnce sync.Once
	benchCSV  []byte
)

// benchFile is a CSV of n disclosures spread over the demo villages, with
// names and phone numbers in the text for the masking to do its work.
func benchFile(b *testing.B, villages []string, n int) []byte {
	benchOnce.Do(func() {
		var buf bytes.Buffer
		buf.Grow(n * 300)
		w := csv.NewWriter(&buf)
		_ = w.Write(disclosureHeader())
		kinds := []string{"财务公开", "低保名单", "四议两公开", "三资管理", "惠农补贴", "工程项目", "村务公开", "党务公开"}
		for i := 0; i < n; i++ {
			_ = w.Write([]string{villages[i%len(villages)], kinds[i%len(kinds)], "第" + strconv.Itoa(i) + "号公开事项",
				fmt.Sprintf("%d年第%d季度", 2020+i%7, 1+i%4),
				fmt.Sprintf("户主：王小明，联系电话139%08d，本期支出%d元，经村务监督委员会审核。", i%1e8, i%100000),
				strconv.Itoa(i%1000000) + ".50", "明细表.pdf", "2026-10-01", ""})
		}
		w.Flush()
		benchCSV = buf.Bytes()
	})
	return benchCSV
}

// BenchmarkImportDisclosures imports 1,000,000 disclosure rows (set with
// -import-rows) from CSV into a fresh database, on SQLite and on MySQL
// when SUNLIGHT_TEST_MYSQL_DSN is set, and reports rows/s. Run by make bench.
func BenchmarkImportDisclosures(b *testing.B) {
	for _, kind := range []string{"sqlite", "mysql"} {
		b.Run(kind, func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := testdb.Open(b, kind)
				withRegions(b, db)
				var villages []string
				db.Model(&Region{}).Where("level = ?", Village).Order("code").Pluck("code", &villages)
				data := benchFile(b, villages, *benchRows)
				b.StartTimer()
				start := time.Now()
				res, err := Import(context.Background(), db, ImportDisclosures, "bench.csv", bytes.NewReader(data), ImportOptions{})
				total += time.Since(start)
				b.StopTimer()
				if err != nil || res.Created != *benchRows {
					b.Fatalf("import: %+v, %v", res, err)
				}
				checkBenchImport(b, db)
			}
			b.ReportMetric(float64(*benchRows)*float64(b.N)/total.Seconds(), "rows/s")
		})
	}
}

func checkBenchImport(b *testing.B, db *gorm.DB) {
	var n, changes int64
	db.Model(&Disclosure{}).Count(&n)
	db.Model(&Change{}).Count(&changes)
	if n != int64(*benchRows) || changes != n {
		b.Fatalf("%d disclosures and %d changes after importing %d rows", n, changes, *benchRows)
	}
}
