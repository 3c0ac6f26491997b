# The rules of gatewayctl policy (docs/policy.md, gatewayd/policy.c),
# applied to the targets given: per region, sorted, with the same Sids,
# so the same forwards give the same statements as `gatewayctl policy
# --account ID`. Only locals: users.tf makes the policy of them, and the
# test evaluates them offline against gatewayctl policy's own output.

locals {
  policy_account = coalesce(var.policy_account_id, local.account_id)

  # Each target as IAM sees it: a tag condition, or an ARN.
  policy_targets = [
    for t in var.targets : {
      region = t.region
      tag    = startswith(t.target, "tag:") ? regex("^tag:([^=]+)=(.*)$", t.target) : null
      arn = (
        startswith(t.target, "tag:") ? null :
        startswith(t.target, "ecs:") ? format("arn:%s:ecs:%s:%s:task/%s/%s", local.partition, t.region, local.policy_account, regex("^ecs:(.+)_([^_]+)_[^_]+$", t.target)...) :
        startswith(t.target, "mi-") ? "arn:${local.partition}:ssm:${t.region}:${local.policy_account}:managed-instance/${t.target}" :
        "arn:${local.partition}:ec2:${t.region}:${local.policy_account}:instance/${t.target}"
      )
      # The forward's document, else the one its remote host calls for.
      doc = coalesce(t.document, t.remote_host != null ? "AWS-StartPortForwardingSessionToRemoteHost" : "AWS-StartPortForwardingSession")
    }
  ]
  # AWS's documents have no account in their ARN.
  policy_docs = [
    for t in local.policy_targets : (
      startswith(t.doc, "arn:") ? t.doc :
      startswith(t.doc, "AWS-") ? "arn:${local.partition}:ssm:${t.region}::document/${t.doc}" :
      "arn:${local.partition}:ssm:${t.region}:${local.policy_account}:document/${t.doc}"
    )
  ]

  policy_regions = sort(distinct([for t in var.targets : t.region]))

  # Tag targets: a forward's tag value is matched as it is written
  # (StringEquals), as gatewayd's lookup does.
  policy_tag_targets = [
    for t in local.policy_targets : {
      region = t.region
      key    = t.tag[0]
      value  = t.tag[1]
    } if t.tag != null
  ]
  # One statement per region and key, keyed so that sorting orders them
  # as gatewayd does (a tab sorts before any character of a tag key).
  policy_tags = {
    for t in local.policy_tag_targets : "${t.region}\t${t.key}" => t...
  }
  policy_tag_regions = distinct([for t in local.policy_tag_targets : t.region])

  # "us-east-1" as "UsEast1", "team-name" as "TeamName" (policy_camel).
  policy_camel = {
    for s in distinct(concat(local.policy_regions, [for t in local.policy_tag_targets : t.key])) :
    s => join("", [for w in regexall("[A-Za-z0-9]+", s) : "${upper(substr(w, 0, 1))}${substr(w, 1, -1)}"])
  }

  # AWS asks it of every statement that allows StartSession.
  policy_doc_check = {
    test     = "BoolIfExists"
    variable = "ssm:SessionDocumentAccessCheck"
    values   = ["true"]
  }

  policy_region_statements = flatten([
    for r in local.policy_regions : concat(
      [{
        sid     = "StartSession${local.policy_camel[r]}"
        actions = ["ssm:StartSession"]
        resources = sort(distinct(concat(
          [for i, t in local.policy_targets : local.policy_docs[i] if t.region == r],
          [for t in local.policy_targets : t.arn if t.region == r && t.arn != null],
        )))
        conditions = [local.policy_doc_check]
      }],
      [
        for k in sort(keys(local.policy_tags)) : {
          sid     = "StartSessionTag${local.policy_camel[local.policy_tags[k][0].key]}${local.policy_camel[r]}"
          actions = ["ssm:StartSession"]
          resources = [
            "arn:${local.partition}:ec2:${r}:*:instance/*",
            "arn:${local.partition}:ssm:${r}:*:managed-instance/*",
          ]
          conditions = [local.policy_doc_check, {
            test     = "StringEquals"
            variable = "ssm:resourceTag/${local.policy_tags[k][0].key}"
            values   = sort(distinct([for t in local.policy_tags[k] : t.value]))
          }]
        } if local.policy_tags[k][0].region == r
      ],
      # The tag lookup at each session start; nothing else lists.
      contains(local.policy_tag_regions, r) ? [{
        sid       = "DescribeInstances${local.policy_camel[r]}"
        actions   = ["ssm:DescribeInstanceInformation"]
        resources = ["*"]
        conditions = [{
          test     = "StringEquals"
          variable = "aws:RequestedRegion"
          values   = [r]
        }]
      }] : [],
      # The caller's own sessions: a session id starts with its name.
      [{
        sid        = "OwnSessions${local.policy_camel[r]}"
        actions    = ["ssm:ResumeSession", "ssm:TerminateSession"]
        resources  = ["arn:${local.partition}:ssm:${r}:*:session/$${aws:userid}-*"]
        conditions = []
        }, {
        sid        = "OpenDataChannel${local.policy_camel[r]}"
        actions    = ["ssmmessages:OpenDataChannel"]
        resources  = ["arn:${local.partition}:ssm:${r}:*:session/$${aws:userid}-*"]
        conditions = []
      }],
    )
  ])

  policy_statements = concat(local.policy_region_statements, length(var.role_arns) == 0 ? [] : [{
    sid        = "AssumeRole"
    actions    = ["sts:AssumeRole"]
    resources  = sort(distinct(var.role_arns))
    conditions = []
  }])

  # Sids made unique as gatewayd does: a second TeamName gets a 2.
  policy_sids = [
    for i, s in local.policy_statements :
    format("%s%s", s.sid, join("", [
      for n in [length([for j, p in local.policy_statements : p if j < i && p.sid == s.sid])] :
      n == 0 ? "" : tostring(n + 1)
    ]))
  ]
}
