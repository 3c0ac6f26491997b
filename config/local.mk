# gatewayd.conf parsing and the key table
