"""The stateful-type tables: every entry has a reason; each cloud is covered."""

from __future__ import annotations

import pytest

from interlock.classify.resources import stateful_reason, tables


def test_every_entry_has_a_reason() -> None:
    for tool, table in tables().items():
        assert table, tool
        for resource_type, reason in table.items():
            assert resource_type, tool
            assert resource_type.strip() == resource_type, tool
            assert len(reason) > 20, (tool, resource_type)
            assert ":" in reason, (tool, resource_type)


@pytest.mark.parametrize(("prefix", "least"), [("aws_", 25), ("google_", 15), ("azurerm_", 15)])
def test_each_cloud_is_covered(prefix: str, least: int) -> None:
    assert sum(t.startswith(prefix) for t in tables()["terraform"]) >= least


@pytest.mark.parametrize(
    ("tool", "resource_type"),
    [
        ("terraform", "aws_db_instance"),
        ("terraform", "aws_rds_cluster"),
        ("terraform", "aws_s3_bucket"),
        ("terraform", "aws_ebs_volume"),
        ("terraform", "aws_dynamodb_table"),
        ("terraform", "aws_efs_file_system"),
        ("terraform", "aws_elasticache_replication_group"),
        ("terraform", "aws_kms_key"),
        ("terraform", "aws_route53_zone"),
        ("terraform", "aws_secretsmanager_secret"),
        ("terraform", "aws_cloudwatch_log_group"),
        ("terraform", "google_sql_database_instance"),
        ("terraform", "google_storage_bucket"),
        ("terraform", "google_kms_crypto_key"),
        ("terraform", "azurerm_mssql_database"),
        ("terraform", "azurerm_storage_account"),
        ("terraform", "azurerm_key_vault"),
        ("cloudformation", "AWS::RDS::DBInstance"),
        ("cloudformation", "AWS::S3::Bucket"),
        ("pulumi", "aws:rds/instance:Instance"),
        ("kubernetes", "PersistentVolumeClaim"),
        ("kubernetes", "Namespace"),
    ],
)
def test_known_stateful_types(tool: str, resource_type: str) -> None:
    assert stateful_reason(tool, resource_type)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tool", "resource_type"),
    [
        ("terraform", "aws_instance"),
        ("terraform", "aws_security_group"),
        ("terraform", "aws_lb"),
        ("terraform", "null_resource"),
        ("cloudformation", "AWS::EC2::Instance"),
        ("kubernetes", "Deployment"),
    ],
)
def test_rebuildable_types_are_not_stateful(tool: str, resource_type: str) -> None:
    assert stateful_reason(tool, resource_type) is None  # type: ignore[arg-type]
