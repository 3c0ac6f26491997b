# the AWS client: HTTP, credentials, service calls
