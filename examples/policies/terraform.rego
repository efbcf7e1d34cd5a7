# Conftest-compatible rules over `terraform show -json` plans (Rego v1 syntax).
#
# The same file works under `conftest test plan.json` and under interlock, which
# passes the plan's keys at the root of `input` and adds its own (`environment`,
# `requester`, `agent`, `assessment`, ...). The logic lives in functions of the
# resource changes so that terraform_test.rego can check it with literal plans, and
# rules read named keys (`input.resource_changes`, not `input` whole) so that
# interlock hands the engine only those parts of a large plan.
package main

import rego.v1

stateful_types := {
	"aws_db_instance",
	"aws_rds_cluster",
	"aws_dynamodb_table",
	"aws_s3_bucket",
	"aws_ebs_volume",
	"google_sql_database_instance",
	"azurerm_postgresql_flexible_server",
}

removes(rc) if "delete" in rc.change.actions

# Deleting or replacing a stateful resource loses data: never through an agent.
stateful_removals(changes) := {msg |
	some rc in changes
	removes(rc)
	rc.type in stateful_types
	msg := sprintf("%s would be deleted or replaced and holds data", [rc.address])
}

deny contains msg if {
	some msg in stateful_removals(input.resource_changes)
	input.agent != null
}

# Any change to a database engine needs the DBAs, three of them.
database_changes(changes) := {rc.address |
	some rc in changes
	rc.type in {"aws_db_instance", "aws_rds_cluster", "google_sql_database_instance"}
	not rc.change.actions == ["no-op"]
	not rc.change.actions == ["read"]
}

require contains {"approvals": 3, "group": "dba", "msg": msg} if {
	n := count(database_changes(input.resource_changes))
	n > 0
	msg := sprintf("%d database change(s)", [n])
}

# Large plans are worth a second look, but not a refusal.
warn contains msg if {
	n := count([rc | some rc in input.resource_changes; not rc.change.actions == ["no-op"]])
	n > 20
	msg := sprintf("the plan changes %d resources", [n])
}
