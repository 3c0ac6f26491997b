# awsemu: the AWS emulator for tests, benchmarks and the demo
