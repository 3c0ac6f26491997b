# The paranoid set-up, per region: a KMS key for session data and logs,
# an S3 bucket and a CloudWatch log group for session logs, and what the
# instance role needs to write them. Session Manager logs and encrypts
# shell sessions; port-forwarding sessions (all of gatewayd's) carry
# neither (README.md).

locals {
  paranoid_regions = var.paranoid ? var.regions : toset([])
}

# The account administers the key through IAM; CloudWatch Logs may use
# it for this log group only.
data "aws_iam_policy_document" "session_key" {
  for_each = local.paranoid_regions

  statement {
    sid       = "Account"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid = "CloudWatchLogs"
    actions = [
      "kms:Decrypt*",
      "kms:Describe*",
      "kms:Encrypt*",
      "kms:GenerateDataKey*",
      "kms:ReEncrypt*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${each.key}.${local.dns_suffix}"]
    }

    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${each.key}:${local.account_id}:log-group:${var.log_group_name}"]
    }
  }
}

resource "aws_kms_key" "sessions" {
  for_each = local.paranoid_regions
  region   = each.key

  description             = "gatewayd: Session Manager session data and logs (${each.key})"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy                  = data.aws_iam_policy_document.session_key[each.key].json
  tags                    = var.tags
}

resource "aws_kms_alias" "sessions" {
  for_each = local.paranoid_regions
  region   = each.key

  name          = "alias/${var.name_prefix}-ssm-sessions"
  target_key_id = aws_kms_key.sessions[each.key].key_id
}

resource "aws_cloudwatch_log_group" "sessions" {
  for_each = local.paranoid_regions
  region   = each.key

  name              = var.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.sessions[each.key].arn
  tags              = var.tags
}

resource "aws_s3_bucket" "logs" {
  for_each = local.paranoid_regions
  region   = each.key

  bucket = "${var.name_prefix}-ssm-sessions-${local.account_id}-${each.key}"
  tags   = var.tags
}

resource "aws_s3_bucket_versioning" "logs" {
  for_each = local.paranoid_regions
  region   = each.key

  bucket = aws_s3_bucket.logs[each.key].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  for_each = local.paranoid_regions
  region   = each.key

  bucket = aws_s3_bucket.logs[each.key].id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.sessions[each.key].arn
    }
  }
}

resource "aws_s3_bucket_public_access_block" "logs" {
  for_each = local.paranoid_regions
  region   = each.key

  bucket                  = aws_s3_bucket.logs[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

data "aws_iam_policy_document" "logs_tls_only" {
  for_each = local.paranoid_regions

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.logs[each.key].arn,
      "${aws_s3_bucket.logs[each.key].arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "logs" {
  for_each = local.paranoid_regions
  region   = each.key

  bucket = aws_s3_bucket.logs[each.key].id
  policy = data.aws_iam_policy_document.logs_tls_only[each.key].json

  depends_on = [aws_s3_bucket_public_access_block.logs]
}

# What the agent on the instances needs to log sessions: put objects
# (with the key: the bucket encrypts with it), check the bucket is
# encrypted, write the log streams, and decrypt session data.
data "aws_iam_policy_document" "instance_logging" {
  count = var.paranoid && var.create_instance_profile ? 1 : 0

  statement {
    sid       = "SessionLogsS3"
    actions   = ["s3:PutObject"]
    resources = [for b in aws_s3_bucket.logs : "${b.arn}/*"]
  }

  statement {
    sid       = "SessionLogsS3Encryption"
    actions   = ["s3:GetEncryptionConfiguration"]
    resources = [for b in aws_s3_bucket.logs : b.arn]
  }

  statement {
    sid       = "SessionLogsCloudWatch"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for g in aws_cloudwatch_log_group.sessions : "${g.arn}:*"]
  }

  statement {
    sid       = "SessionLogsDescribe"
    actions   = ["logs:DescribeLogGroups", "logs:DescribeLogStreams"]
    resources = ["*"]
  }

  statement {
    sid       = "SessionKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [for k in aws_kms_key.sessions : k.arn]
  }
}

resource "aws_iam_role_policy" "instance_logging" {
  count = var.paranoid && var.create_instance_profile ? 1 : 0

  name   = "${var.name_prefix}-ssm-session-logs"
  role   = aws_iam_role.instance[0].id
  policy = data.aws_iam_policy_document.instance_logging[0].json
}
