# gatewayd.conf parsing and the key table
libgatewayd_a_SOURCES += \
	%reldir%/config.h \
	%reldir%/config.c \
	%reldir%/config_file.c \
	%reldir%/config_addr.c \
	%reldir%/config_int.h \
	%reldir%/config_print.c \
	%reldir%/config_spec.c \
	%reldir%/config_table.c \
	%reldir%/config_value.c

# The example file (contrib/gatewayd.conf.example) is made from the key
# table; test_config fails when the checked-in copy differs from what the
# table makes.
noinst_PROGRAMS += config/gatewayd-conf-example
config_gatewayd_conf_example_SOURCES = config/config_example.c
config_gatewayd_conf_example_LDADD = $(GW_LIBS)

.PHONY: update-example
update-example: config/gatewayd-conf-example
	./config/gatewayd-conf-example >$(srcdir)/contrib/gatewayd.conf.example
