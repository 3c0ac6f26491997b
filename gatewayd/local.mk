# daemon core: listener, conn, gateway, control, gatewayd, gatewayctl
