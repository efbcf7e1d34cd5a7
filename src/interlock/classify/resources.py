"""Which resource types hold data or identity whose loss cannot be undone.

Replacing a web server costs a minute; replacing a database, a volume, a bucket, a
KMS key or a DNS zone loses what it held (rows, objects, the key material every
ciphertext depends on, the delegation every client resolves). The incident this
project exists for replaced a production environment that included such resources.
Classification marks a delete or replace of one of these types ``critical`` and
``stateful``; the tables here are data, each entry with the reason a reviewer reads.

Types are spelled the way each tool spells them: Terraform/OpenTofu resource types
(AWS, Google Cloud, Azure and a few cross-cloud ones), CloudFormation resource types,
Pulumi type tokens and Kubernetes kinds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Tool = Literal["terraform", "cloudformation", "pulumi", "kubernetes"]

_DB = "a database: its data is lost unless restored from a snapshot"
_CLUSTER = "a database cluster: every instance's data is lost unless restored"
_VOLUME = "a block volume or disk: its blocks are gone"
_BUCKET = "object storage: every object in it is deleted"
_TABLE = "a table: its items are deleted"
_FS = "a file system: every file on it is deleted"
_CACHE = "a cache or queue that can persist data: its contents are lost"
_KEY = "an encryption key: data encrypted under it becomes unreadable"
_DNS = "a DNS zone: its delegation and records are lost; clients stop resolving"
_VAULTED = "a secret: its value cannot be recovered once deleted"
_LOGS = "logs or audit records: their history is deleted"
_STREAM = "a stream or queue: messages not yet consumed are lost"
_IDENTITY = "an identity directory: its users and credentials are lost"
_REGISTRY = "an image or artifact registry: its images are deleted"
_BACKUP = "backups or snapshots: the copies meant for recovery are deleted"
_SEARCH = "a search or analytics cluster: its indexes are lost"
_NETWORK_ID = "an address or identity others depend on: it cannot be re-obtained"


def _table(*groups: tuple[str, tuple[str, ...]]) -> Mapping[str, str]:
    return {t: reason for reason, types in groups for t in types}


TERRAFORM: Mapping[str, str] = _table(
    (
        _DB,
        (
            "aws_db_instance",
            "aws_rds_cluster_instance",
            "aws_redshift_cluster",
            "aws_neptune_cluster_instance",
            "aws_docdb_cluster_instance",
            "aws_lightsail_database",
            "google_sql_database_instance",
            "google_sql_database",
            "google_spanner_instance",
            "google_spanner_database",
            "google_bigtable_instance",
            "google_alloydb_instance",
            "azurerm_mssql_database",
            "azurerm_mssql_server",
            "azurerm_sql_database",
            "azurerm_postgresql_server",
            "azurerm_postgresql_flexible_server",
            "azurerm_mysql_server",
            "azurerm_mysql_flexible_server",
            "azurerm_cosmosdb_account",
            "azurerm_cosmosdb_sql_database",
            "azurerm_mariadb_server",
        ),
    ),
    (
        _CLUSTER,
        (
            "aws_rds_cluster",
            "aws_rds_global_cluster",
            "aws_neptune_cluster",
            "aws_docdb_cluster",
            "aws_memorydb_cluster",
            "google_alloydb_cluster",
            "google_redis_cluster",
        ),
    ),
    (
        _VOLUME,
        (
            "aws_ebs_volume",
            "google_compute_disk",
            "google_compute_region_disk",
            "azurerm_managed_disk",
        ),
    ),
    (
        _BUCKET,
        (
            "aws_s3_bucket",
            "google_storage_bucket",
            "azurerm_storage_account",
            "azurerm_storage_container",
        ),
    ),
    (
        _TABLE,
        (
            "aws_dynamodb_table",
            "aws_dynamodb_global_table",
            "aws_keyspaces_table",
            "aws_timestreamwrite_table",
            "google_bigquery_dataset",
            "google_bigquery_table",
            "google_firestore_database",
            "azurerm_storage_table",
        ),
    ),
    (
        _FS,
        (
            "aws_efs_file_system",
            "aws_fsx_lustre_file_system",
            "aws_fsx_windows_file_system",
            "aws_fsx_ontap_file_system",
            "google_filestore_instance",
            "azurerm_storage_share",
            "azurerm_netapp_volume",
        ),
    ),
    (
        _CACHE,
        (
            "aws_elasticache_cluster",
            "aws_elasticache_replication_group",
            "google_redis_instance",
            "azurerm_redis_cache",
        ),
    ),
    (
        _KEY,
        (
            "aws_kms_key",
            "aws_kms_external_key",
            "aws_kms_replica_key",
            "google_kms_crypto_key",
            "google_kms_key_ring",
            "azurerm_key_vault",
            "azurerm_key_vault_key",
        ),
    ),
    (
        _DNS,
        (
            "aws_route53_zone",
            "google_dns_managed_zone",
            "azurerm_dns_zone",
            "azurerm_private_dns_zone",
        ),
    ),
    (
        _VAULTED,
        (
            "aws_secretsmanager_secret",
            "aws_ssm_parameter",
            "google_secret_manager_secret",
            "azurerm_key_vault_secret",
        ),
    ),
    (
        _LOGS,
        (
            "aws_cloudwatch_log_group",
            "aws_cloudtrail",
            "google_logging_project_bucket_config",
            "azurerm_log_analytics_workspace",
        ),
    ),
    (
        _STREAM,
        (
            "aws_kinesis_stream",
            "aws_sqs_queue",
            "aws_msk_cluster",
            "google_pubsub_topic",
            "google_pubsub_subscription",
            "azurerm_eventhub_namespace",
            "azurerm_servicebus_namespace",
        ),
    ),
    (_IDENTITY, ("aws_cognito_user_pool", "aws_directory_service_directory")),
    (
        _REGISTRY,
        ("aws_ecr_repository", "google_artifact_registry_repository", "azurerm_container_registry"),
    ),
    (
        _BACKUP,
        (
            "aws_backup_vault",
            "aws_db_snapshot",
            "aws_ebs_snapshot",
            "google_compute_snapshot",
            "azurerm_recovery_services_vault",
            "azurerm_backup_protected_vm",
        ),
    ),
    (
        _SEARCH,
        ("aws_opensearch_domain", "aws_elasticsearch_domain", "azurerm_search_service"),
    ),
    (_NETWORK_ID, ("aws_eip", "google_compute_address", "google_compute_global_address")),
)

CLOUDFORMATION: Mapping[str, str] = _table(
    (_DB, ("AWS::RDS::DBInstance", "AWS::Redshift::Cluster", "AWS::Neptune::DBInstance")),
    (_CLUSTER, ("AWS::RDS::DBCluster", "AWS::DocDB::DBCluster", "AWS::Neptune::DBCluster")),
    (_VOLUME, ("AWS::EC2::Volume",)),
    (_BUCKET, ("AWS::S3::Bucket",)),
    (_TABLE, ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")),
    (_FS, ("AWS::EFS::FileSystem", "AWS::FSx::FileSystem")),
    (_CACHE, ("AWS::ElastiCache::CacheCluster", "AWS::ElastiCache::ReplicationGroup")),
    (_KEY, ("AWS::KMS::Key",)),
    (_DNS, ("AWS::Route53::HostedZone",)),
    (_VAULTED, ("AWS::SecretsManager::Secret", "AWS::SSM::Parameter")),
    (_LOGS, ("AWS::Logs::LogGroup", "AWS::CloudTrail::Trail")),
    (_STREAM, ("AWS::Kinesis::Stream", "AWS::SQS::Queue", "AWS::MSK::Cluster")),
    (_IDENTITY, ("AWS::Cognito::UserPool",)),
    (_REGISTRY, ("AWS::ECR::Repository",)),
    (_BACKUP, ("AWS::Backup::BackupVault",)),
    (_SEARCH, ("AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain")),
)

PULUMI: Mapping[str, str] = _table(
    (
        _DB,
        (
            "aws:rds/instance:Instance",
            "aws:rds/clusterInstance:ClusterInstance",
            "aws:redshift/cluster:Cluster",
            "gcp:sql/databaseInstance:DatabaseInstance",
            "azure-native:sql:Database",
            "azure-native:dbforpostgresql:Server",
        ),
    ),
    (_CLUSTER, ("aws:rds/cluster:Cluster", "aws:docdb/cluster:Cluster")),
    (_VOLUME, ("aws:ebs/volume:Volume", "gcp:compute/disk:Disk", "azure-native:compute:Disk")),
    (
        _BUCKET,
        (
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketV2:BucketV2",
            "gcp:storage/bucket:Bucket",
            "azure-native:storage:StorageAccount",
        ),
    ),
    (_TABLE, ("aws:dynamodb/table:Table", "gcp:bigquery/dataset:Dataset")),
    (_FS, ("aws:efs/fileSystem:FileSystem",)),
    (_CACHE, ("aws:elasticache/replicationGroup:ReplicationGroup",)),
    (
        _KEY,
        (
            "aws:kms/key:Key",
            "gcp:kms/cryptoKey:CryptoKey",
            "azure-native:keyvault:Vault",
            "tls:index/privateKey:PrivateKey",
        ),
    ),
    (_DNS, ("aws:route53/zone:Zone", "gcp:dns/managedZone:ManagedZone")),
    (_VAULTED, ("aws:secretsmanager/secret:Secret", "aws:ssm/parameter:Parameter")),
    (_LOGS, ("aws:cloudwatch/logGroup:LogGroup",)),
    (_STREAM, ("aws:sqs/queue:Queue", "aws:kinesis/stream:Stream")),
)

KUBERNETES: Mapping[str, str] = _table(
    ("a namespace: deleting it deletes every object inside it", ("Namespace",)),
    (
        "a custom resource definition: deleting it deletes every custom resource of its kind",
        ("CustomResourceDefinition",),
    ),
    (
        "a persistent volume or claim: its data is released and may be deleted",
        ("PersistentVolumeClaim", "PersistentVolume"),
    ),
    ("a stateful set: its pods and, by policy, their volumes go with it", ("StatefulSet",)),
    (_VAULTED, ("Secret",)),
)

_TABLES: Mapping[Tool, Mapping[str, str]] = {
    "terraform": TERRAFORM,
    "cloudformation": CLOUDFORMATION,
    "pulumi": PULUMI,
    "kubernetes": KUBERNETES,
}


def stateful_reason(tool: Tool, resource_type: str) -> str | None:
    """Why losing a resource of ``resource_type`` cannot be undone, or ``None``."""
    return _TABLES[tool].get(resource_type)


def tables() -> Mapping[Tool, Mapping[str, str]]:
    """Every table by tool, for meta-tests and documentation."""
    return _TABLES
