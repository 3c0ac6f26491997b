# gatewayd's AWS client against awsemu, through tests/tools/awsc.
INTEGRATION_TESTS += tests/aws/t_aws_client.sh
# The config and credentials files test_profile reads.
EXTRA_DIST += tests/aws/profile-config tests/aws/profile-credentials
