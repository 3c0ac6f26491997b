# A jump box's AWS side in two regions: the preferences document,
# session logs and a KMS key in each, the target instances' profile, and
# the users' policy for a tag target in eu-west-1 and an instance in
# us-east-1, attached to the group of the box's users.
#
#   terraform init && terraform plan
#
# One provider configuration: the module puts each regional resource in
# its region with provider 6's region argument.

terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

# The people who log in to the jump box and run gatewayctl login.
resource "aws_iam_group" "jumpbox_users" {
  name = "gatewayd-jumpbox-users"
}

module "gatewayd_ssm" {
  source = "../.."

  regions  = ["eu-west-1", "us-east-1"]
  paranoid = true

  # As in the box's gatewayd.conf:
  #   [forward "db"]     target = tag:Name=db-jump, region = eu-west-1,
  #                      remote_host = db.internal
  #   [forward "web"]    target = i-0123456789abcdef0, region = us-east-1
  targets = [
    {
      region      = "eu-west-1"
      target      = "tag:Name=db-jump"
      remote_host = "db.internal"
    },
    {
      region = "us-east-1"
      target = "i-0123456789abcdef0"
    },
  ]
  users_policy_groups = [aws_iam_group.jumpbox_users.name]

  tags = {
    Project = "gatewayd"
  }
}

# Where someone already opened Session Manager's preferences in the
# console, the document exists: import it rather than create it
# (Terraform >= 1.7 for for_each in import; README.md).
#
# import {
#   for_each = toset(["eu-west-1", "us-east-1"])
#   to       = module.gatewayd_ssm.aws_ssm_document.prefs[each.key]
#   id       = "SSM-SessionManagerRunShell@${each.key}"
# }

output "documents" {
  value = module.gatewayd_ssm.document_names
}

output "instance_profile" {
  value = module.gatewayd_ssm.instance_profile_name
}

output "users_policy_arn" {
  value = module.gatewayd_ssm.users_policy_arn
}
