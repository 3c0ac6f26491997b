# terraform test: the module against a mocked provider, offline once
# terraform init has the provider (no AWS account, nothing created).
# The mocks give ARNs where the provider checks them; the policy
# documents are mocked too, so their text is not checked here (the
# users' policy rules are: tests/integration/t_terraform_fmt.sh).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
  mock_resource "aws_iam_policy" {
    defaults = {
      arn = "arn:aws:iam::123456789012:policy/gatewayd-ssm-users"
    }
  }
  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    }
  }
  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::gatewayd-ssm-sessions"
    }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/gatewayd/ssm-sessions"
    }
  }
}

run "paranoid" {
  command = apply

  variables {
    regions  = ["eu-west-1", "us-east-1"]
    paranoid = true
    targets = [
      { region = "eu-west-1", target = "tag:Name=db-jump", remote_host = "db.internal" },
      { region = "us-east-1", target = "i-0123456789abcdef0" },
    ]
    users_policy_groups = ["jumpbox-users"]
  }

  assert {
    condition     = length(aws_ssm_document.prefs) == 2 && aws_ssm_document.prefs["us-east-1"].name == "SSM-SessionManagerRunShell"
    error_message = "one preferences document per region"
  }
  assert {
    condition     = jsondecode(aws_ssm_document.prefs["eu-west-1"].content).inputs.s3BucketName == "gatewayd-ssm-sessions-123456789012-eu-west-1"
    error_message = "eu-west-1 logs to its own bucket"
  }
  assert {
    condition     = jsondecode(aws_ssm_document.prefs["us-east-1"].content).inputs.cloudWatchLogGroupName == "/gatewayd/ssm-sessions"
    error_message = "us-east-1 logs to the log group"
  }
  assert {
    condition     = length(aws_s3_bucket.logs) == 2 && length(aws_kms_key.sessions) == 2 && length(aws_iam_role_policy.instance_logging) == 1
    error_message = "a bucket and a key per region, one logging policy"
  }
  assert {
    condition     = length(aws_iam_policy.users) == 1 && length(aws_iam_group_policy_attachment.users) == 1
    error_message = "the users' policy, attached to the group"
  }
}

run "plain" {
  command = apply

  variables {
    regions           = ["eu-west-1"]
    users_policy_json = "{\"policy\": {\"Version\": \"2012-10-17\", \"Statement\": []}, \"notes\": []}"
  }

  assert {
    condition     = jsondecode(aws_ssm_document.prefs["eu-west-1"].content).inputs.kmsKeyId == "" && length(aws_s3_bucket.logs) == 0
    error_message = "not paranoid: no key, no bucket"
  }
  assert {
    condition     = aws_iam_policy.users[0].policy == "{\"Statement\":[],\"Version\":\"2012-10-17\"}"
    error_message = "gatewayctl policy --json's policy is used as given"
  }
}

run "nothing_to_allow" {
  command = plan

  variables {
    regions                 = ["eu-west-1"]
    create_instance_profile = false
  }

  assert {
    condition     = length(aws_iam_policy.users) == 0 && length(aws_iam_role.instance) == 0
    error_message = "no targets, no policy; no instance profile when not asked"
  }
}
