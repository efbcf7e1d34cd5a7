# Examples for terraform.rego, run by `interlock policy test examples/policies`.
package main

import rego.v1

db_delete := [{
	"address": "aws_db_instance.main",
	"type": "aws_db_instance",
	"change": {"actions": ["delete", "create"]},
}]

bucket_create := [{
	"address": "aws_s3_bucket.logs",
	"type": "aws_s3_bucket",
	"change": {"actions": ["create"]},
}]

test_replacing_a_database_is_a_stateful_removal if {
	"aws_db_instance.main would be deleted or replaced and holds data" in stateful_removals(db_delete)
}

test_creating_a_bucket_removes_nothing if {
	count(stateful_removals(bucket_create)) == 0
}

test_database_changes_are_listed if {
	database_changes(db_delete) == {"aws_db_instance.main"}
}

test_a_bucket_is_not_a_database if {
	count(database_changes(bucket_create)) == 0
}
