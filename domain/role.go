package domain

import "strings"

// Role says what a staff account may do. Staff and heads work their own
// department's queue; a supervisor watches every department in the region
// of their (supervising) department; an admin manages accounts and
// reference data but never reads report content.
type Role string

// The roles.
const (
	RoleStaff      Role = "staff"      // 经办人
	RoleHead       Role = "head"       // 部门负责人
	RoleSupervisor Role = "supervisor" // 纪委监委 / 督办
	RoleAdmin      Role = "admin"      // 系统管理员: no report content
)

// Roles lists every role, in display order.
var Roles = []Role{RoleStaff, RoleHead, RoleSupervisor, RoleAdmin}

var roleNames = map[Role]string{
	RoleStaff: "经办人", RoleHead: "部门负责人", RoleSupervisor: "督办（纪委监委）", RoleAdmin: "系统管理员",
}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.TrimSpace(s))
	if _, ok := roleNames[r]; !ok {
		return "", Invalid("角色不正确", "role", "应为 staff、head、supervisor 或 admin")
	}
	return r, nil
}

// Name is the role's Chinese name.
func (r Role) Name() string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return string(r)
}
