package catalog

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

var disbursementColumns = []column{
	{"fund", []string{"项目编号", "资金编号", "fund_code"}, true},
	{"ref", []string{"明细编号", "序号", "发放编号"}, true},
	{"recipient", []string{"领取人", "收款人", "发放对象", "姓名", "户主姓名"}, true},
	{"id_number", []string{"身份证号", "身份证号码", "证件号码"}, false},
	{"bank_account", []string{"银行账号", "银行卡号", "一卡通账号", "账号", "社保卡号"}, false},
	{"phone", []string{"联系电话", "手机号", "电话"}, false},
	{"address", []string{"详细地址", "家庭住址", "住址", "地址"}, false},
	{"amount", []string{"金额", "发放金额", "amount_yuan"}, true},
	{"paid_on", []string{"发放日期", "日期", "date"}, true},
	{"village", []string{"村代码", "所在村代码", "村社区代码", "village_code"}, true},
	{"note", []string{"备注"}, false},
}

type disbursementRow struct {
	d         Disbursement
	originals []Original
}

type disbursementImporter struct {
	villages map[string]bool
	funds    map[string]Fund // by code: id and region
	seen     map[string]int  // fund id/ref → line
	rows     []disbursementRow
	next     uint64
}

func (d *disbursementImporter) columns() []column { return disbursementColumns }

func (d *disbursementImporter) load(ctx context.Context, tx *gorm.DB) error {
	var err error
	if d.villages, err = codeSet(tx.Where("level = ?", Village), &Region{}, "code"); err != nil {
		return err
	}
	var funds []Fund
	if err := tx.Select("id", "code", "region_code").Find(&funds).Error; err != nil {
		return fmt.Errorf("read funds: %w", err)
	}
	d.funds = make(map[string]Fund, len(funds))
	for _, f := range funds {
		d.funds[f.Code] = f
	}
	d.seen = map[string]int{}
	d.next, err = nextID(tx, &Disbursement{})
	return err
}

// personalNumber normalises an ID, account or phone number column: digits
// (full-width too) and a final X, without spaces or dashes.
func personalNumber(s string) string {
	var b strings.Builder
	for _, r := range s {
		if v, ok := digitValue(r); ok {
			b.WriteByte(v)
		} else if isX(r) {
			b.WriteByte('X')
		} else if !isNumberSep(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func validIDNumber(s string) bool {
	if len(s) == 15 {
		return allDigits(s)
	}
	return len(s) == 18 && allDigits(s[:17]) && (s[17] == 'X' || (s[17] >= '0' && s[17] <= '9'))
}

func (d *disbursementImporter) parse(r row, errs *lineErrors) {
	ok := true
	fundCode := r.get("fund")
	fund, found := d.funds[fundCode]
	if !found {
		errs.add(r.line, "项目编号 %q 不存在：请先导入项目资金", fundCode)
		ok = false
	}
	in := Disbursement{Ref: r.get("ref"), Recipient: r.get("recipient"), VillageCode: r.get("village"), Note: r.get("note")}
	out := in
	out.FundID = fund.ID
	out.Recipient, out.Note = MaskName(in.Recipient), MaskText(in.Note)
	ok = checkLen(errs, r.line, "明细编号", out.Ref, 64, true) && ok
	key := strconv.FormatUint(fund.ID, 10) + "/" + out.Ref
	if prev, dup := d.seen[key]; dup && ok {
		errs.add(r.line, "项目 %s 的明细编号 %s 与第 %d 行重复", fundCode, out.Ref, prev)
		ok = false
	}
	ok = checkLen(errs, r.line, "领取人", in.Recipient, 64, true) && ok
	ok = checkLen(errs, r.line, "备注", out.Note, 500, false) && ok
	var err error
	if out.Amount, err = parseYuan(r.get("amount")); err != nil {
		errs.add(r.line, "金额：%v", err)
		ok = false
	}
	if out.PaidOn, err = parseDate(r.get("paid_on")); err != nil {
		errs.add(r.line, "发放日期：%v", err)
		ok = false
	}
	switch {
	case !d.villages[out.VillageCode]:
		errs.add(r.line, "村代码 %q 不是已有的村（社区）", out.VillageCode)
		ok = false
	case found && !strings.HasPrefix(out.VillageCode, fund.RegionCode):
		errs.add(r.line, "村 %s 不在项目 %s 的地区 %s 内", out.VillageCode, fundCode, fund.RegionCode)
		ok = false
	}
	idNumber, account, phone := personalNumber(r.get("id_number")), personalNumber(r.get("bank_account")), strings.TrimPrefix(personalNumber(r.get("phone")), "+")
	if idNumber != "" && !validIDNumber(idNumber) {
		errs.add(r.line, "身份证号应为 18 位（最后一位可为 X）或 15 位数字")
		ok = false
	}
	if account != "" && (!allDigits(account) || len(account) < 8 || len(account) > 30) {
		errs.add(r.line, "银行账号应为 8 到 30 位数字")
		ok = false
	}
	if phone != "" && (!allDigits(phone) || len(phone) < 7 || len(phone) > 13) {
		errs.add(r.line, "联系电话应为 7 到 13 位数字")
		ok = false
	}
	ok = checkLen(errs, r.line, "详细地址", r.get("address"), 200, false) && ok
	if !ok {
		return
	}
	d.seen[key] = r.line
	var orig []Original
	orig = append(orig, original("", "recipient", in.Recipient, out.Recipient)...)
	orig = append(orig, original("", "note", in.Note, out.Note)...)
	for _, f := range [][2]string{{"id_number", idNumber}, {"bank_account", account}, {"phone", phone}, {"address", r.get("address")}} {
		if f[1] != "" {
			orig = append(orig, Original{Field: f[0], Value: f[1]})
		}
	}
	out.Digest = digest(out.Recipient, strconv.FormatInt(out.Amount, 10), out.PaidOn.Format("2006-01-02"), out.VillageCode, out.Note, originalsDigest(orig))
	d.rows = append(d.rows, disbursementRow{d: out, originals: orig})
}

func (d *disbursementImporter) pending() int       { return len(d.rows) }
func (d *disbursementImporter) finish(*lineErrors) {}

func (d *disbursementImporter) flush(ctx context.Context, tx *gorm.DB, res *ImportResult) error {
	if len(d.rows) == 0 {
		return nil
	}
	byFund := map[uint64][]string{}
	for _, r := range d.rows {
		byFund[r.d.FundID] = append(byFund[r.d.FundID], r.d.Ref)
	}
	have := map[string]stored{}
	for fundID, refs := range byFund {
		q := func() *gorm.DB { return tx.Model(&Disbursement{}).Where("fund_id = ?", fundID) }
		if err := readStored(q, "ref", refs, fundRef(fundID, ""), have); err != nil {
			return fmt.Errorf("read disbursements: %w", err)
		}
	}
	var write []Disbursement
	var subjects []string
	var origs []Original
	funds := map[string]bool{}
	sortRows(d.rows, have, func(r *disbursementRow) (string, string) { return fundRef(r.d.FundID, r.d.Ref), r.d.Digest }, &d.next, res,
		func(r *disbursementRow, id uint64, _ bool) {
			r.d.ID = id
			write = append(write, r.d)
			subject := SubjectOf("disbursement", r.d.ID)
			subjects = append(subjects, subject)
			origs = withSubject(origs, subject, r.originals)
			funds[SubjectOf(SubjectFund, r.d.FundID)] = true
		})
	d.rows = d.rows[:0]
	if err := upsertByID(tx, write); err != nil {
		return fmt.Errorf("write disbursements: %w", err)
	}
	if err := replaceOriginals(tx, subjects, origs); err != nil {
		return err
	}
	// A fund's money trail is part of the fund: its page and document change.
	return RecordChange(tx, slices.Sorted(maps.Keys(funds))...)
}

// fundRef is a disbursement's natural key: its fund and its ref.
func fundRef(fundID uint64, ref string) string { return strconv.FormatUint(fundID, 10) + "/" + ref }
