variable "regions" {
  description = "The regions to set Session Manager up in: one preferences document (and, paranoid, one bucket, log group and KMS key) each."
  type        = set(string)

  validation {
    condition     = length(var.regions) > 0 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", r))])
    error_message = "regions: at least one, each a region name such as eu-west-1."
  }
}

variable "name_prefix" {
  description = "Prefix of every name the module gives (role, instance profile, policy, KMS alias, buckets)."
  type        = string
  default     = "gatewayd"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,19}$", var.name_prefix))
    error_message = "name_prefix: 1 to 20 lower-case letters, digits or '-' (it starts S3 bucket names)."
  }
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
}

# The preferences document.

variable "document_name" {
  description = "The Session document to manage. SSM-SessionManagerRunShell is the one Session Manager reads its preferences from; another name makes a document that sessions name explicitly."
  type        = string
  default     = "SSM-SessionManagerRunShell"
}

variable "idle_session_timeout" {
  description = "Minutes (1-60) without data after which Session Manager ends a session (gatewayd starts a new one when needed)."
  type        = number
  default     = 20

  validation {
    condition     = var.idle_session_timeout >= 1 && var.idle_session_timeout <= 60 && floor(var.idle_session_timeout) == var.idle_session_timeout
    error_message = "idle_session_timeout: whole minutes, 1 to 60."
  }
}

variable "max_session_duration" {
  description = "Minutes (1-1440) after which Session Manager ends any session; null: no limit."
  type        = number
  default     = null

  validation {
    condition     = var.max_session_duration == null || try(var.max_session_duration >= 1 && var.max_session_duration <= 1440 && floor(var.max_session_duration) == var.max_session_duration, false)
    error_message = "max_session_duration: whole minutes, 1 to 1440, or null."
  }
}

variable "run_as_default_user" {
  description = "Run As: the OS user shell sessions on Linux run as; empty: Run As off (sessions run as ssm-user)."
  type        = string
  default     = ""
}

variable "shell_profile_linux" {
  description = "Commands run at the start of every Linux shell session (shellProfile.linux)."
  type        = string
  default     = ""
}

variable "shell_profile_windows" {
  description = "Commands run at the start of every Windows shell session (shellProfile.windows)."
  type        = string
  default     = ""
}

# The paranoid set-up: session logs and session data encryption.

variable "paranoid" {
  description = "Per region: a KMS key (with alias) encrypting session data and logs, an S3 bucket (versioned, KMS-encrypted, no public access, TLS only) and a CloudWatch log group for session logs, all named in the preferences document; the instance role may write them."
  type        = bool
  default     = false
}

variable "s3_key_prefix" {
  description = "Paranoid: the key prefix of session logs in the bucket."
  type        = string
  default     = "sessions/"
}

variable "log_group_name" {
  description = "Paranoid: the CloudWatch log group of session logs (the same name in every region)."
  type        = string
  default     = "/gatewayd/ssm-sessions"
}

variable "log_retention_days" {
  description = "Paranoid: how long CloudWatch keeps session logs (a value CloudWatch accepts, 0 for ever)."
  type        = number
  default     = 365
}

variable "cloudwatch_streaming" {
  description = "Paranoid: stream session logs to CloudWatch as they happen rather than once the session ends."
  type        = bool
  default     = true
}

variable "kms_deletion_window_days" {
  description = "Paranoid: days (7-30) a destroyed KMS key waits before AWS deletes it."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days: 7 to 30."
  }
}

# The instances' side.

variable "create_instance_profile" {
  description = "Make the role and instance profile the target instances need (AmazonSSMManagedInstanceCore, and paranoid, writing the session logs)."
  type        = bool
  default     = true
}

# The users' side: the rules of gatewayctl policy.

variable "targets" {
  description = "The forwards' targets, as in gatewayd's config: region, target (i-..., mi-..., tag:KEY=VALUE, ecs:CLUSTER_TASK_RUNTIME), and the document or remote_host when the forward sets them. The users' policy is built from them."
  type = list(object({
    region      = string
    target      = string
    document    = optional(string)
    remote_host = optional(string)
  }))
  default = []

  validation {
    condition     = alltrue([for t in var.targets : can(regex("^(m?i-[0-9A-Za-z*?]+|tag:[^=]+=.*|ecs:.+_[^_]+_[^_]+)$", t.target))])
    error_message = "targets: each target is i-..., mi-..., tag:KEY=VALUE or ecs:CLUSTER_TASK_RUNTIME."
  }
}

variable "role_arns" {
  description = "Roles the users' profiles assume (role_arn in their AWS config): sts:AssumeRole on them."
  type        = list(string)
  default     = []
}

variable "policy_account_id" {
  description = "The account in the policy's ARNs; null: the account Terraform runs in; \"*\": any (gatewayctl policy without --account)."
  type        = string
  default     = null
}

variable "users_policy_json" {
  description = "The policy gatewayctl policy printed (plain, or the --json object), used instead of the one built from targets and role_arns."
  type        = string
  default     = null

  validation {
    condition     = var.users_policy_json == null || can(jsondecode(var.users_policy_json))
    error_message = "users_policy_json: not JSON."
  }
}

variable "users_policy_groups" {
  description = "IAM groups to attach the users' policy to (the people of the jump box)."
  type        = set(string)
  default     = []
}

variable "users_policy_roles" {
  description = "IAM roles to attach the users' policy to (the jump box's own role with identity = shared, the roles users assume)."
  type        = set(string)
  default     = []
}
