# Provider 6 is the point: its per-resource region argument lets one
# provider configuration manage every region (no alias per region).
terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
