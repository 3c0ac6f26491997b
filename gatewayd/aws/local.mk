# the AWS client: signing, HTTP, credentials, service calls

# SigV4 signing and endpoint resolution
libgatewayd_a_SOURCES += \
	%reldir%/aws_sigv4.h %reldir%/sigv4_int.h %reldir%/sigv4.c \
	%reldir%/sigv4_canon.c \
	%reldir%/aws_endpoints.h %reldir%/endpoints.c

libgatewayd_a_SOURCES += \
	%reldir%/aws_error.h %reldir%/error.c \
	%reldir%/aws_profile.h %reldir%/profile.c \
	%reldir%/aws_time.h %reldir%/time.c \
	%reldir%/aws_http.h %reldir%/http.c \
	%reldir%/aws_sts.h %reldir%/sts_xml.c \
	%reldir%/aws_retry.h %reldir%/retry.c \
	%reldir%/aws_process.h %reldir%/process.c \
	%reldir%/aws.h %reldir%/aws_int.h %reldir%/client.c %reldir%/ctx.c \
	%reldir%/call.c \
	%reldir%/aws_chain.h %reldir%/chain.c \
	%reldir%/aws_creds.h %reldir%/creds_int.h %reldir%/creds.c \
	%reldir%/creds_doc.c %reldir%/creds_fetch.c %reldir%/creds_remote.c \
	%reldir%/aws_imds.h %reldir%/imds.c \
	%reldir%/aws_sso.h %reldir%/sso.c \
	%reldir%/sts.c \
	%reldir%/aws_ssm.h %reldir%/ssm.c
