output "document_names" {
  description = "The preferences document of each region (region => name)."
  value       = { for r, d in aws_ssm_document.prefs : r => d.name }
}

output "document_arns" {
  description = "The preferences document of each region (region => ARN)."
  value       = { for r, d in aws_ssm_document.prefs : r => d.arn }
}

output "instance_profile_name" {
  description = "The instance profile to give the target instances (null unless create_instance_profile)."
  value       = one(aws_iam_instance_profile.instance[*].name)
}

output "instance_role_name" {
  description = "The target instances' role, for policies of your own (null unless create_instance_profile)."
  value       = one(aws_iam_role.instance[*].name)
}

output "users_policy_arn" {
  description = "The users' policy (null when there are no targets, role_arns or users_policy_json)."
  value       = one(aws_iam_policy.users[*].arn)
}

output "users_policy_json" {
  description = "The users' policy document, as attached."
  value       = one(aws_iam_policy.users[*].policy)
}

output "kms_key_arns" {
  description = "Paranoid: the session key of each region (region => ARN). Shell sessions need kms:GenerateDataKey on it."
  value       = local.session_keys
}

output "log_bucket_names" {
  description = "Paranoid: the session log bucket of each region."
  value       = local.log_buckets
}

output "log_group_names" {
  description = "Paranoid: the session log group of each region."
  value       = local.log_groups
}
