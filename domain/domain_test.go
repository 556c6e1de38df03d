package domain

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrors(t *testing.T) {
	ve := Invalid("请检查填写的内容", "phone", "手机号不正确", "name", "请填写姓名")
	if got, want := ve.Error(), "请检查填写的内容 (name: 请填写姓名; phone: 手机号不正确)"; got != want {
		t.Errorf("ValidationError = %q, want %q (fields in name order)", got, want)
	}
	if Invalid("x").Fields != nil {
		t.Error("Invalid without fields has a field map")
	}
	err := fmt.Errorf("reassign: %w", Conflict("不能把举报交给%s办理", "被反映的单位"))
	var ce *ConflictError
	if !errors.Is(err, ErrConflict) || !errors.As(err, &ce) || ce.Message != "不能把举报交给被反映的单位办理" {
		t.Errorf("Conflict = %v, want a *ConflictError wrapping ErrConflict", err)
	}
}

func TestRoles(t *testing.T) {
	for _, r := range Roles {
		got, err := ParseRole(" " + string(r) + " ")
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
		if r.Name() == string(r) {
			t.Errorf("role %q has no Chinese name", r)
		}
	}
	var ve *ValidationError
	if _, err := ParseRole("root"); !errors.As(err, &ve) {
		t.Errorf("ParseRole(root) = %v, want a ValidationError", err)
	}
}
