# Test tools: C clients and servers on libevent that hash every byte.
TOOLS_LIBS = $(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(LIBBSD_LIBS)
check_PROGRAMS += tests/tools/loadserver tests/tools/loadclient \
	tests/tools/freeport
tests_tools_loadserver_SOURCES = tests/tools/loadserver.c \
	tests/tools/tool.c tests/tools/tool.h
tests_tools_loadserver_LDADD = $(TOOLS_LIBS)
tests_tools_loadclient_SOURCES = tests/tools/loadclient.c \
	tests/tools/tool.c tests/tools/tool.h
tests_tools_loadclient_LDADD = $(TOOLS_LIBS)
tests_tools_freeport_SOURCES = tests/tools/freeport.c \
	tests/tools/tool.c tests/tools/tool.h
tests_tools_freeport_LDADD = $(TOOLS_LIBS)

# The botocore cross-check: sigv4_gen signs random requests,
# tests/integration/t_sigv4_botocore.sh has Debian's python3-botocore sign
# them again.
check_PROGRAMS += tests/tools/sigv4_gen
tests_tools_sigv4_gen_SOURCES = tests/tools/sigv4_gen.c
tests_tools_sigv4_gen_LDADD = $(GWTEST_LIBS)

# gatewayd's client against awsemu, driven by a small test program
# (tests/aws/t_aws_client.sh).
check_PROGRAMS += tests/tools/awsc
tests_tools_awsc_SOURCES = tests/tools/awsc.c
tests_tools_awsc_LDADD = $(GW_LIBS)

# The notify protocol (Type=notify, the watchdog): notifysock plays
# systemd's end of the socket (tests/integration/t_notify.sh).
check_PROGRAMS += tests/tools/notifysock
tests_tools_notifysock_SOURCES = tests/tools/notifysock.c

# terraform fmt's formatter (hclwrite) and contrib/terraform's structural
# rules, in Go: t_terraform_fmt.sh builds it with Debian's packages.
EXTRA_DIST += tests/tools/hclfmt/main.go tests/tools/hclfmt/lint.go
