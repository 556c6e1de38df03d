package portal

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"sunlight/catalog"
)

// Open data: every published list as CSV (UTF-8 with a BOM, so Excel opens
// Chinese correctly, and with spreadsheet formulas neutralised) and as JSON,
// streamed a batch at a time. They hold only what the public pages show.

type exportList struct {
	Name, Title string
	header      []string
	// each writes every row of the list as a CSV record and as a JSON value.
	each func(ctx context.Context, s *Server, region string, emit func(rec []string, v any) error) error
}

var exportLists = []exportList{
	{"catalog", "补贴资金目录", []string{"编码", "名称", "上级编码", "政策依据", "补贴标准", "申领条件", "发放渠道", "主管部门编码", "层级"},
		func(ctx context.Context, s *Server, _ string, emit func([]string, any) error) error {
			return s.cats.Each(ctx, func(c *catalog.Category) error {
				return emit([]string{c.Code, c.Name, c.ParentCode, c.Policy, c.Standard, c.Eligibility, c.Channel, c.DeptCode, c.LevelName()}, toAPICategory(*c))
			})
		}},
	{"funds", "项目资金", []string{"编号", "项目编号", "项目名称", "资金来源", "补贴目录编码", "年度", "金额（元）", "主管部门编码", "用途", "地区代码", "状态"},
		func(ctx context.Context, s *Server, region string, emit func([]string, any) error) error {
			return s.funds.Each(ctx, catalog.FundFilter{Region: region}, func(f *catalog.Fund) error {
				return emit([]string{strconv.FormatUint(f.ID, 10), f.Code, f.Name, f.Source, f.CategoryCode, strconv.Itoa(f.Year),
					formatPlainYuan(f.Amount), f.DeptCode, f.Purpose, f.RegionCode, f.StatusName()}, toAPIFund(*f))
			})
		}},
	{"disbursements", "资金发放明细", []string{"项目编号", "领取人", "金额（元）", "发放日期", "村代码", "备注"},
		func(ctx context.Context, s *Server, region string, emit func([]string, any) error) error {
			return s.funds.EachDisbursement(ctx, region, func(d *catalog.Disbursement) error {
				v := apiDisbursement{Recipient: d.Recipient, AmountFen: d.Amount, PaidOn: d.PaidOn.Format(time.DateOnly), VillageCode: d.VillageCode, Note: d.Note}
				return emit([]string{strconv.FormatUint(d.FundID, 10), d.Recipient, formatPlainYuan(d.Amount), v.PaidOn, d.VillageCode, d.Note},
					struct {
						FundID uint64 `json:"fund_id"`
						apiDisbursement
					}{d.FundID, v})
			})
		}},
	{"disclosures", "村级公开事项", []string{"编号", "村代码", "类别", "标题", "期间", "内容", "金额（元）", "附件", "公开日期", "公开截止日期"},
		func(ctx context.Context, s *Server, region string, emit func([]string, any) error) error {
			return s.disclosures.Each(ctx, catalog.DisclosureFilter{Region: region}, func(d *catalog.Disclosure) error {
				v := toAPIDisclosure(*d)
				return emit([]string{strconv.FormatUint(d.ID, 10), d.VillageCode, d.KindName(), d.Title, d.Period, d.Body,
					formatPlainYuan(d.Amount), strings.Join(v.Attachments, "；"), v.PublishedAt, v.PublishUntil}, v)
			})
		}},
}

func formatPlainYuan(fen int64) string {
	return strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(fen%100/10, 10) + strconv.FormatInt(fen%10, 10)
}

// csvSafe neutralises a cell a spreadsheet would run as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

type exportIndexPage struct {
	Page
	Lists []exportList
}

func (s *Server) handleExportIndex(c *fiber.Ctx) error {
	p := exportIndexPage{Page: s.page(c, "开放数据下载"), Lists: exportLists}
	p.Description = "补贴目录、项目资金、发放明细和村级公开事项的 CSV 与 JSON 开放数据"
	return s.render(c, "export_index", &p)
}

// handleExport streams /open-data/LIST.csv or LIST.json; ?region= narrows
// funds, disbursements and disclosures to a region.
func (s *Server) handleExport(c *fiber.Ctx) error {
	name, format, _ := strings.Cut(c.Params("file"), ".")
	var list *exportList
	for i := range exportLists {
		if exportLists[i].Name == name {
			list = &exportLists[i]
		}
	}
	if list == nil || (format != "csv" && format != "json") {
		return fiber.ErrNotFound
	}
	region := c.Query("region")
	if region != "" && catalog.LevelOf(region) == 0 {
		return badParam("region", "must be a 2, 4, 6, 9 or 12 digit region code")
	}
	file := "sunlight-" + name + "." + format
	if format == "csv" {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	} else {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+file+`"`)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	log := s.log
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		// The request's context ends with the handler; the stream has its own.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if err := writeExport(ctx, s, list, region, format, w); err != nil {
			log.Error("export failed", "list", list.Name, "err", err)
		}
	})
	return nil
}

func writeExport(ctx context.Context, s *Server, list *exportList, region, format string, w *bufio.Writer) error {
	if format == "csv" {
		_, _ = w.WriteString("\ufeff")
		cw := csv.NewWriter(w)
		if err := cw.Write(list.header); err != nil {
			return err
		}
		err := list.each(ctx, s, region, func(rec []string, _ any) error {
			for i := range rec {
				rec[i] = csvSafe(rec[i])
			}
			return cw.Write(rec)
		})
		cw.Flush()
		if err != nil {
			return err
		}
		return cw.Error()
	}
	_ = w.WriteByte('[')
	enc := json.NewEncoder(w)
	first := true
	err := list.each(ctx, s, region, func(_ []string, v any) error {
		if !first {
			_ = w.WriteByte(',')
		}
		first = false
		return enc.Encode(v)
	})
	_, _ = w.WriteString("]\n")
	if err != nil {
		return err
	}
	return w.Flush()
}
