# The AWS side of gatewayd for every region in one place: one provider
# configuration, and every regional resource made once per region with
# for_each and provider 6's region argument. IAM is global: its
# resources are made once.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  dns_suffix = data.aws_partition.current.dns_suffix

  # What logging.tf made, by region (empty unless paranoid).
  log_buckets  = { for r, b in aws_s3_bucket.logs : r => b.bucket }
  log_groups   = { for r, g in aws_cloudwatch_log_group.sessions : r => g.name }
  session_keys = { for r, k in aws_kms_key.sessions : r => k.arn }
}

# The Session Manager preferences of each region. Every account has
# SSM-SessionManagerRunShell in a region once someone opened the
# preferences there in the console: import it (README.md), or creating
# it fails with DocumentAlreadyExists.
resource "aws_ssm_document" "prefs" {
  for_each = var.regions
  region   = each.key

  name            = var.document_name
  document_type   = "Session"
  document_format = "JSON"
  tags            = var.tags

  content = jsonencode({
    schemaVersion = "1.0"
    description   = "Session Manager preferences (gatewayd contrib/terraform)"
    sessionType   = "Standard_Stream"
    inputs = {
      s3BucketName                = lookup(local.log_buckets, each.key, "")
      s3KeyPrefix                 = var.paranoid ? var.s3_key_prefix : ""
      s3EncryptionEnabled         = true
      cloudWatchLogGroupName      = lookup(local.log_groups, each.key, "")
      cloudWatchEncryptionEnabled = true
      cloudWatchStreamingEnabled  = var.paranoid && var.cloudwatch_streaming
      kmsKeyId                    = lookup(local.session_keys, each.key, "")
      runAsEnabled                = var.run_as_default_user != ""
      runAsDefaultUser            = var.run_as_default_user
      idleSessionTimeout          = tostring(var.idle_session_timeout)
      maxSessionDuration          = var.max_session_duration == null ? "" : tostring(var.max_session_duration)
      shellProfile = {
        linux   = var.shell_profile_linux
        windows = var.shell_profile_windows
      }
    }
  })
}

# The role and instance profile of the target instances: the agent
# registers and opens its channels with AmazonSSMManagedInstanceCore.
data "aws_iam_policy_document" "instance_trust" {
  statement {
    sid     = "EC2AssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.${local.dns_suffix}"]
    }
  }
}

resource "aws_iam_role" "instance" {
  count = var.create_instance_profile ? 1 : 0

  name               = "${var.name_prefix}-ssm-instance"
  description        = "Instances reached through gatewayd: Session Manager's agent"
  assume_role_policy = data.aws_iam_policy_document.instance_trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "core" {
  count = var.create_instance_profile ? 1 : 0

  role       = aws_iam_role.instance[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "instance" {
  count = var.create_instance_profile ? 1 : 0

  name = "${var.name_prefix}-ssm-instance"
  role = aws_iam_role.instance[0].name
  tags = var.tags
}
