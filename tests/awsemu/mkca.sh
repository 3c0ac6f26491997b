#!/bin/sh
# mkca.sh DIR: make a throwaway test CA and a server certificate for
# 127.0.0.1, ::1 and localhost, signed by it, for awsemu's HTTPS and WSS
# listeners. Writes DIR/ca.pem (give it to clients: AWS_CA_BUNDLE),
# DIR/server.pem and DIR/server.key (awsemu --tls-cert/--tls-key).
# Nothing here is secret: the keys live as long as the test directory.
set -eu
dir=${1:?usage: mkca.sh DIR}
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=awsemu test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
cat > server.ext <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
    -CAcreateserial -out server.pem -days 2 -extfile server.ext 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 600 ca.key server.key
openssl verify -CAfile ca.pem server.pem >/dev/null
