# The users' policy (policy.tf's rules, or the JSON gatewayctl policy
# printed) and where it is attached.

locals {
  # gatewayctl policy --json prints {"policy": ..., "notes": [...]}.
  given_policy = var.users_policy_json == null ? null : try(jsonencode(jsondecode(var.users_policy_json).policy), var.users_policy_json)
  make_policy  = var.users_policy_json != null || length(var.targets) > 0 || length(var.role_arns) > 0
}

data "aws_iam_policy_document" "users" {
  count = var.users_policy_json == null && local.make_policy ? 1 : 0

  dynamic "statement" {
    for_each = local.policy_statements
    content {
      sid       = local.policy_sids[statement.key]
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "condition" {
        for_each = statement.value.conditions
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_iam_policy" "users" {
  count = local.make_policy ? 1 : 0

  name        = "${var.name_prefix}-ssm-users"
  description = "gatewayd's users: sessions to the forwards' targets, their own sessions"
  policy      = coalesce(local.given_policy, one(data.aws_iam_policy_document.users[*].json))
  tags        = var.tags
}

resource "aws_iam_group_policy_attachment" "users" {
  for_each = local.make_policy ? var.users_policy_groups : toset([])

  group      = each.key
  policy_arn = aws_iam_policy.users[0].arn
}

resource "aws_iam_role_policy_attachment" "users" {
  for_each = local.make_policy ? var.users_policy_roles : toset([])

  role       = each.key
  policy_arn = aws_iam_policy.users[0].arn
}
